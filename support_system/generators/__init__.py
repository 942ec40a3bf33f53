"""Webpage, program and data generators with validators and the sandbox (jobs/generators issue)."""
