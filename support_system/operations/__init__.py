"""What an app process does in the background besides serving pages: for now, scheduled
backups (`data.backup`). The UI's housekeeping starts it once per process."""

from __future__ import annotations

import threading


def start_background_duties() -> list[threading.Thread]:
    """Start the process's background threads (none when nothing is configured)."""
    from support_system.data.backup import start_scheduler

    scheduler = start_scheduler()
    return [scheduler] if scheduler is not None else []
