"""Alembic migration scripts (run them through `support_system.data.migrate`)."""
