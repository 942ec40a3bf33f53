"""Long-lived helpers shared by every session of this Streamlit process."""

from __future__ import annotations

import os

import streamlit as st

from support_system.core.errors import SupportSystemError
from support_system.core.logging import get_logger
from support_system.publishing.server import serve_in_background, server_url
from support_system.publishing.site import DEFAULT_PORT

log = get_logger(__name__)


@st.cache_resource(show_spinner=False)
def site_base_url() -> str:
    """The local site server's base URL, started once per app process.

    The usual port is used when free (so published links stay the same across
    restarts); if another program holds it, any free port is taken instead: a working
    link beats a stable one. `SUPPORT_SYSTEM_SITES_PORT` overrides it (tests use 0).
    """
    port = int(os.environ.get("SUPPORT_SYSTEM_SITES_PORT", DEFAULT_PORT))
    try:
        server = serve_in_background(port)
    except SupportSystemError:
        log.warning("sites.port_busy", port=port)
        server = serve_in_background(0)
    return server_url(server)


@st.cache_resource(show_spinner=False)
def housekeeping() -> int:
    """Once per app process: logs (secrets masked) to the state dir's logs/app.log and
    stderr, scheduled backups if configured, then close generations a crash or restart
    cut off."""
    from support_system.core.logging import configure_logging
    from support_system.core.settings import get_settings
    from support_system.generators.runs import recover_interrupted
    from support_system.operations import start_background_duties

    settings = get_settings()
    configure_logging(settings.state_dir / "logs", settings.log_level)
    start_background_duties()  # scheduled backups, when `backup.every_hours` is set
    return recover_interrupted()
