"""Agents: the quick chat now; personalities, dialog and auto mode in the agents issue."""
