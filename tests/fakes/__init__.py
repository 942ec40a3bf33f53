"""Test doubles that stand in for services that cannot be installed here."""
