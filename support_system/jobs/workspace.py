"""The person's projects: create, list, rename, duplicate and delete them, and their files.

A project is the thing a person recognises ("the bakery page"); under it sit wizard
sessions (passes through the questions), artifacts (what was generated) and files. The
UI pages call only these functions, each opening its own database session, so the
project list behaves the same in Streamlit, the API and tests.

Files of a project live together under `<state_dir>/projects/<id>/`:

    uploads/<session_id>/<file>     what the person gave (CSVs, photos)
    outputs/<session_id>/<n>/       each generation, numbered, never overwritten

One folder per project makes "delete" and "duplicate" whole operations: removing the
folder removes everything that belonged to it, and copying the uploads a duplicate's
answers point at keeps the copy working after the original is gone. Sessions that
belong to no project (started from the CLI) use `<state_dir>/projects/none/`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from support_system.core.errors import InvalidUpload, UnknownJob
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import Session, session_scope
from support_system.data.schema import Project, WizardSession, WizardStatus
from support_system.jobs import wizard
from support_system.jobs.catalogue import get_job
from support_system.jobs.definitions import Question, QuestionType
from support_system.jobs.errors import ProjectNameInvalid, ProjectNotFound
from support_system.jobs.flow import progress

MAX_NAME_LENGTH = 200  # the width of `Project.name`
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""Larger files are refused before anything is written: a page or a summary never needs
more, and a laptop's disk and memory must not be filled by one mistaken upload."""

_NO_PROJECT = "none"
_MAX_STEM = 100  # characters; with _MAX_EXT keeps "<stem>-<n>.<ext>" below 255 bytes
_MAX_EXT = 16
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


@dataclass(frozen=True)
class ProjectSummary:
    """One row of the project list: enough to draw it without further queries."""

    id: int
    name: str
    job_id: str | None  # the job of the latest wizard session; None when it has none
    session_id: int | None  # the latest wizard session (the one "continue" opens)
    status: str | None  # that session's WizardStatus value
    answered: int  # wizard progress of that session; 0/0 when its job has left the catalogue
    total: int
    updated_at: datetime  # last change to the project or its latest session
    artifact_count: int
    last_ok: bool | None  # did the newest artifact pass its checks? None: nothing generated


@dataclass(frozen=True)
class ArtifactInfo:
    """The newest generated output of a session that can still be shown or published."""

    id: int
    path: Path
    version: int
    checks_passed: bool
    created_at: datetime


# --- folders -----------------------------------------------------------------------------


def _projects_root() -> Path:
    return get_settings().state_dir / "projects"


def _project_path(project_id: int | None) -> Path:
    """The folder of a project without creating it (delete must not create what it removes)."""
    return _projects_root() / (_NO_PROJECT if project_id is None else str(project_id))


def project_dir(project_id: int) -> Path:
    """`<state_dir>/projects/<id>`, created on demand: every file of the project lives here."""
    path = _project_path(project_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _session_base(session_id: int) -> Path:
    """The folder a session's files go in: its project's, or the shared "none" folder."""
    path = _project_path(project_for_session(session_id))
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_output_dir(session_id: int) -> Path:
    """A new, empty `<project>/outputs/<session>/<n>` for one generation (n = 1, 2, …).

    A new folder per generation, numbered after the highest existing one, so an earlier
    result is never overwritten (the person can go back to it) and a number is never
    reused for different content. `mkdir` without `exist_ok` claims the number, so two
    generations started at once cannot share a folder.
    """
    parent = _session_base(session_id) / "outputs" / str(session_id)
    parent.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name) for p in parent.iterdir() if p.is_dir() and p.name.isdigit()]
    n = max(numbers, default=0) + 1
    while True:
        candidate = parent / str(n)
        try:
            candidate.mkdir()
        except FileExistsError:
            n += 1
            continue
        return candidate


# --- projects ----------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise ProjectNameInvalid(f"project name of {len(cleaned)} characters", max=MAX_NAME_LENGTH)
    return cleaned


def _project(session: Session, project_id: int) -> Project:
    project = repo.get_project(session, project_id)
    if project is None:
        raise ProjectNotFound(f"project {project_id} does not exist")
    return project


def create_project(
    user_id: int, job_id: str, lang: str, name: str | None = None
) -> tuple[int, int]:
    """A new project for `job_id` with its first wizard session: (project id, session id).

    The name defaults to the job's title in `lang`, so the list is readable before the
    person thinks of a name. UnknownJob is raised before anything is written.
    """
    job = get_job(job_id)
    title = _clean_name(name) if name is not None else job.title.get(lang)[:MAX_NAME_LENGTH]
    with session_scope() as session:
        project = repo.create_project_row(session, user_id, title)
    try:
        row = wizard.start(user_id, job.id, lang, project_id=project.id)
    except BaseException:
        # No project without a session: the list would show an entry that opens nothing.
        with session_scope() as session:
            repo.delete_project_row(session, project.id)
        raise
    return project.id, row.id


def latest_session(project_id: int) -> int | None:
    """The newest wizard session of a project (the one to continue), or None."""
    with session_scope() as session:
        row = repo.latest_project_session(session, project_id)
        return None if row is None else row.id


def project_for_session(session_id: int) -> int | None:
    """The project a wizard session belongs to; None when it has none (or does not exist)."""
    with session_scope() as session:
        return repo.session_project_id(session, session_id)


def _progress(row: WizardSession) -> tuple[int, int]:
    try:
        return progress(get_job(row.job_id), row.answers or {})
    except UnknownJob:  # the job file was removed: still list the project, without numbers
        return 0, 0


def _summary(session: Session, project: Project) -> ProjectSummary:
    latest = repo.latest_project_session(session, project.id)
    count, last_ok = repo.project_artifact_stats(session, project.id)
    answered, total = _progress(latest) if latest is not None else (0, 0)
    updated = project.updated_at
    if latest is not None and latest.updated_at > updated:
        updated = latest.updated_at
    return ProjectSummary(
        id=project.id,
        name=project.name,
        job_id=None if latest is None else latest.job_id,
        session_id=None if latest is None else latest.id,
        status=None if latest is None else WizardStatus(latest.status).value,
        answered=answered,
        total=total,
        updated_at=updated,
        artifact_count=count,
        last_ok=last_ok,
    )


def list_projects(user_id: int) -> list[ProjectSummary]:
    """The person's projects, the most recently worked on first.

    "Worked on" includes answering questions (which touches only the wizard session), so
    the project the person was just in is at the top.
    """
    with session_scope() as session:
        projects = repo.list_user_projects(session, user_id)
        summaries = [_summary(session, project) for project in projects]
    return sorted(summaries, key=lambda s: (s.updated_at, s.id), reverse=True)


def rename_project(project_id: int, name: str) -> None:
    """Give a project a new name (trimmed); ProjectNameInvalid if empty or too long."""
    cleaned = _clean_name(name)
    with session_scope() as session:
        _project(session, project_id).name = cleaned


# --- duplicate ---------------------------------------------------------------------------


def _copy_files(
    value: Any, old_dir: Path, new_dir: Path, new_session_id: int, copied: dict[Path, Path]
) -> Any:
    """`value` with every path to a file inside `old_dir` copied into `new_dir` and rewritten.

    Walks lists and dicts because a file may sit inside a structured answer. Uploads of
    any session of the old project go to the new session's upload folder; other files
    keep their place relative to the project folder.
    """
    if isinstance(value, list):
        return [_copy_files(v, old_dir, new_dir, new_session_id, copied) for v in value]
    if isinstance(value, dict):
        return {
            k: _copy_files(v, old_dir, new_dir, new_session_id, copied) for k, v in value.items()
        }
    if not isinstance(value, str) or not value or "\n" in value or len(value) > 4096:
        return value
    path = Path(value)
    if not path.is_absolute():
        return value
    source = path.resolve()
    if not source.is_relative_to(old_dir) or not source.is_file():
        return value
    if source not in copied:
        parts = source.relative_to(old_dir).parts
        if len(parts) >= 3 and parts[0] == "uploads":
            folder = new_dir.joinpath("uploads", str(new_session_id), *parts[2:-1])
            copied[source] = _store(folder, source.name, source.read_bytes())
        else:
            target = new_dir / Path(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied[source] = target
    return str(copied[source])


def duplicate_project(
    project_id: int, user_id: int, lang: str, copy_suffix: str
) -> tuple[int, int]:
    """A copy of a project to try a variation: (new project id, new session id).

    The new project gets a fresh IN_PROGRESS session with the latest session's job,
    answers and place in the questions. Uploaded files the answers point at are copied
    into the new project's folder and the answers rewritten, so deleting the original
    cannot break the copy. Artifacts are not copied: the copy is meant to be changed and
    generated again, and old outputs would describe answers it may no longer have.
    Raises ProjectNotFound, or wizard.WizardNotFound when the project has no session.
    """
    with session_scope() as session:
        source = _project(session, project_id)
        latest = repo.latest_project_session(session, project_id)
        if latest is None:
            raise wizard.WizardNotFound(f"project {project_id} has no wizard session to copy")
        suffix = f" {copy_suffix.strip()}" if copy_suffix.strip() else ""
        name = f"{source.name[: MAX_NAME_LENGTH - len(suffix)]}{suffix}"
        job_id, answers, step = latest.job_id, dict(latest.answers or {}), latest.current_step
    old_dir = _project_path(project_id).resolve()
    new_id: int | None = None
    try:
        with session_scope() as session:
            new_id = repo.create_project_row(session, user_id, name).id
            row = repo.create_wizard_session(
                session, user_id, job_id, language=lang, project_id=new_id
            )
            new_dir = project_dir(new_id).resolve()
            row.answers = _copy_files(answers, old_dir, new_dir, row.id, {})
            row.current_step = step
            row.status = WizardStatus.IN_PROGRESS
            session.flush()
            return new_id, row.id
    except BaseException:
        if new_id is not None:  # the rows were rolled back; do not leave their files behind
            shutil.rmtree(_project_path(new_id), ignore_errors=True)
        raise


# --- delete ------------------------------------------------------------------------------


def delete_project(project_id: int) -> None:
    """Delete a project, its sessions, artifacts and executions, and its folder.

    The database removes the children (ON DELETE CASCADE; on SQLite `data.db` switches
    foreign keys on for every connection). The folder goes after the commit: a failed
    delete leaves everything, not rows pointing at missing files. Deleting a project that
    is already gone does nothing.

    Published sites (`publishing.site.sites_root()`) are NOT removed: a person may have
    shared the link, and a page disappearing because its draft was tidied away would be
    a surprise. Taking a page offline is a separate, explicit action.
    """
    with session_scope() as session:
        repo.delete_project_row(session, project_id)
    shutil.rmtree(_project_path(project_id), ignore_errors=True)


# --- artifacts ---------------------------------------------------------------------------


def latest_artifact(session_id: int) -> ArtifactInfo | None:
    """The session's newest artifact whose files are still on disk, or None.

    Rows whose folder was deleted (by hand, or a cleaned state dir) are passed over, so
    a preview page never offers a result it cannot show.
    """
    with session_scope() as session:
        rows = repo.session_artifacts(session, session_id)
    for row in rows:
        path = Path(row.path)
        if path.exists():
            return ArtifactInfo(
                id=row.id,
                path=path,
                version=row.version,
                checks_passed=bool(row.checks_passed),
                created_at=row.created_at,
            )
    return None


# --- uploads -----------------------------------------------------------------------------


def _normalise_types(allowed_types: list[str]) -> list[str]:
    return [
        t if t.startswith(".") else f".{t}" for t in (x.strip().lower() for x in allowed_types) if t
    ]


def safe_filename(filename: str) -> str:
    """A file name that cannot leave its folder and still looks like the person's file.

    Directories are dropped (also Windows ones, which some browsers send), characters
    that are unsafe on any file system become "_", leading dots go (no hidden files, no
    ".."), Japanese stays as it is, and the extension is kept.
    """
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_CHARS.sub("_", name).strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext.strip()[:_MAX_EXT]
    stem = stem.strip().lstrip(".").strip()[:_MAX_STEM].strip() or "upload"
    return f"{stem}.{ext}" if ext else stem


def _same_content(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest()
    except OSError:
        return False


def _store(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` as `folder/name`, or `name-2`, `name-3`… if taken by other content.

    The same content under the same name returns the existing file (the UI re-sends an
    upload on every rerun). The bytes go to a temporary file first and are hard-linked
    into place, which fails instead of overwriting when another writer got there first,
    so no one ever sees half a file or loses theirs.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem, ext = os.path.splitext(name)
    temp = folder / f".upload-{uuid.uuid4().hex}.part"
    temp.write_bytes(data)
    try:
        n = 1
        while True:
            target = folder / (name if n == 1 else f"{stem}-{n}{ext}")
            if _same_content(target, data):
                return target
            if not target.exists():
                try:
                    os.link(temp, target)
                except FileExistsError:
                    continue  # someone else took this name: look at it again
                return target
            n += 1
    finally:
        temp.unlink(missing_ok=True)


def save_upload(session_id: int, filename: str, data: bytes, *, allowed_types: list[str]) -> Path:
    """Keep a file the person gave, as `<project>/uploads/<session>/<safe name>`.

    Checked before anything is written (InvalidUpload, reasons "wrong_type", "empty",
    "too_large"), so a rejected file never replaces one already saved. `allowed_types`
    are extensions (".csv" or "csv"); an empty list accepts any kind. Returns the
    absolute path, which is what the wizard stores as the answer.
    """
    name = safe_filename(filename)
    types = _normalise_types(allowed_types)
    suffix = Path(name).suffix.lower()
    if types and suffix not in types:
        raise InvalidUpload(
            f"{filename!r}: {suffix or 'no extension'} not in {types}",
            reason="errors.upload.wrong_type",
            file=name,
            types=", ".join(types),
        )
    if not data:
        raise InvalidUpload(f"{filename!r}: 0 bytes", reason="errors.upload.empty", file=name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidUpload(
            f"{filename!r}: {len(data)} bytes > {MAX_UPLOAD_BYTES}",
            reason="errors.upload.too_large",
            file=name,
            megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
            size_megabytes=round(len(data) / (1024 * 1024), 1),
        )
    folder = _session_base(session_id).resolve() / "uploads" / str(session_id)
    return _store(folder, name, data)


def answer_question(
    session_id: int,
    question: Question,
    raw: Any,
    lang: str,
    *,
    base_dir: Path | None = None,
    upload: tuple[str, bytes] | None = None,
) -> wizard.WizardState:
    """Save the answer to `question` the way the question page submits it.

    For a file question the uploaded file (name, bytes) is kept in the project first and
    its path becomes the answer; with no new upload the file already given stays. Raises
    InvalidUpload or AnswerInvalid with nothing saved.
    """
    if question.type == QuestionType.FILE:
        if upload is not None:
            name, data = upload
            raw = str(save_upload(session_id, name, data, allowed_types=question.file_types))
        else:
            raw = wizard.resume(session_id).answers.get(question.id)
    return wizard.answer(session_id, question.id, raw, lang, base_dir=base_dir)
