"""Where custom jobs live: the database, so every app process, worker and API sees them.

`catalogue.get_job` reads a `custom-…` id from here, so the wizard, Preview, a queued
run and a re-run treat a planned page like a catalogue job. A stored definition never
changes (a new plan is a new job), so loaded jobs are cached by id.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from support_system.core.errors import UnknownJob
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.jobs.definitions import Job
from support_system.jobs.page_plans import CUSTOM_PREFIX


def new_custom_id() -> str:
    """A fresh id for a planned job: "custom-" and 12 hex digits."""
    return f"{CUSTOM_PREFIX}{uuid.uuid4().hex[:12]}"


def save_custom_job(job: Job, user_id: int, request: str) -> Job:
    """Store `job` (planned for `request`) as the person's; returns it unchanged."""
    with session_scope() as session:
        repo.add_custom_job(session, job.id, user_id, request, job.model_dump(mode="json"))
    return job


@lru_cache(maxsize=1024)
def custom_job_owner(job_id: str) -> int | None:
    """The user a custom job was planned for (None: no such job)."""
    with session_scope() as session:
        row = repo.get_custom_job(session, job_id)
        return None if row is None else row.user_id


@lru_cache(maxsize=256)
def load_custom_job(job_id: str) -> Job:
    """The stored custom job; UnknownJob when there is none with this id."""
    with session_scope() as session:
        row = repo.get_custom_job(session, job_id)
        definition = None if row is None else dict(row.definition)
    if definition is None:
        raise UnknownJob(detail=f"no custom job {job_id!r}", job=job_id)
    return Job.model_validate(definition)
