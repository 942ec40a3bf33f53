"""Persistence: SQLAlchemy models, repositories, Alembic migrations and secrets."""
