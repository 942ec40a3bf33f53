"""The REST API (FastAPI): `create_app()` returns a new application; `serve-api` runs it.

Nothing here imports Streamlit: the API and the UI are two front ends over the same
services (`jobs`, `generators`, `accounts`, `data`).
"""

from __future__ import annotations

from support_system.api.app import create_app

__all__ = ["create_app"]
