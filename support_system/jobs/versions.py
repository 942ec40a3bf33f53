"""Every version of a session's result, and going back to one ("undo").

Each generation already writes a new numbered folder (`workspace.new_output_dir`), so
nothing is ever overwritten. Going back copies the chosen version into a new folder
and puts its answers (the snapshot in its `result.json`, change requests included)
back into the wizard: the history stays linear and complete, and the next change
starts from what the person sees.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.generators.pipeline import RESULT_FILE
from support_system.jobs import wizard, workspace
from support_system.jobs.changes import added_sections, change_notes
from support_system.jobs.errors import VersionNotFound


@dataclass(frozen=True)
class VersionInfo:
    """One version as the Preview page lists it."""

    version: int
    path: Path
    checks_passed: bool
    created_at: datetime
    restorable: bool  # its answers were recorded (versions made before that was added were not)
    restored_from: int | None  # set when this version is a copy of an earlier one
    change: str | None  # the last change request it was made with, if any


def _result(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _last_change(answers: dict[str, Any]) -> str | None:
    notes = change_notes(answers)
    sections = added_sections(answers)
    return notes[-1] if notes else (sections[-1].heading if sections else None)


def versions(session_id: int) -> list[VersionInfo]:
    """The session's versions whose files still exist, newest first."""
    with session_scope() as session:
        rows = [
            (row.version, Path(row.path), bool(row.checks_passed), row.created_at)
            for row in repo.session_artifacts(session, session_id)
        ]
    found: list[VersionInfo] = []
    for number, path, passed, created in rows:
        if not path.exists():
            continue
        result = _result(path)
        answers = result.get("answers")
        found.append(
            VersionInfo(
                version=number,
                path=path,
                checks_passed=passed,
                created_at=created,
                restorable=isinstance(answers, dict) and result.get("main_file") is not None,
                restored_from=result.get("restored_from"),
                change=_last_change(answers) if isinstance(answers, dict) else None,
            )
        )
    return found


def restore_version(session_id: int, version: int) -> VersionInfo:
    """Make `version` the newest again (as a new version), with its answers; returns it.

    Raises VersionNotFound when that version's files or answers are gone.
    """
    chosen = next((v for v in versions(session_id) if v.version == version), None)
    if chosen is None or not chosen.restorable:
        raise VersionNotFound(f"session {session_id} version {version}", version=version)
    result = _result(chosen.path)
    target = workspace.new_output_dir(session_id)
    shutil.copytree(chosen.path, target, dirs_exist_ok=True)
    result["restored_from"] = version
    (target / RESULT_FILE).write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    wizard.restore_answers(session_id, result["answers"])
    with session_scope() as session:
        row = repo.add_artifact(
            session,
            kind=str(result.get("job") or ""),
            path=str(target),
            checks={"checks": result.get("checks") or [], "run": result.get("run")},
            checks_passed=chosen.checks_passed,
            session_id=session_id,
            project_id=workspace.project_for_session(session_id),
        )
        number, created = row.version, row.created_at
    return VersionInfo(
        version=number,
        path=target,
        checks_passed=chosen.checks_passed,
        created_at=created,
        restorable=True,
        restored_from=version,
        change=chosen.change,
    )
