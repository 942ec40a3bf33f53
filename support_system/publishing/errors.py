"""Errors of publishing, export, the local site server and launched apps (ja/en messages)."""

from __future__ import annotations

from support_system.core.errors import SupportSystemError


class PublishError(SupportSystemError):
    """Publishing failed for a reason the person can act on (disk, missing folder)."""

    message_key = "errors.publish_failed"


class PublishConflict(PublishError):
    """The site folder belongs to another project: refuse instead of overwriting it."""

    message_key = "errors.publish_conflict"


class ArtifactMissing(PublishError):
    """The folder to publish or export does not exist (nothing was generated yet)."""

    message_key = "errors.artifact_missing"


class ExportError(SupportSystemError):
    """The zip could not be written (disk full, no permission)."""

    message_key = "errors.export_failed"


class LaunchError(SupportSystemError):
    """The app did not start (crashed, bad app.py); `detail` holds its last output."""

    message_key = "errors.launch_failed"


class LaunchTimeout(LaunchError):
    """The app did not answer in time; it has been stopped."""

    message_key = "errors.launch_timeout"


class ServerError(SupportSystemError):
    """The local site server could not start (usually: the port is in use)."""

    message_key = "errors.server_failed"
