"""Errors of the job catalogue, the wizard and projects (each with a ja/en message)."""

from __future__ import annotations

from support_system.core.errors import NotFound, SupportSystemError


class WizardNotFound(NotFound):
    """No wizard session with this id (a programming error, not a person's mistake)."""


class ProjectNameInvalid(SupportSystemError):
    """A project name that is empty (after trimming) or longer than the column allows."""

    message_key = "errors.project_name_invalid"


class ProjectNotFound(NotFound):
    """No project with this id (a programming error or a stale page, not a person's mistake)."""


class VersionNotFound(NotFound):
    """A version to go back to whose files or recorded answers are gone."""

    message_key = "errors.version_not_found"
