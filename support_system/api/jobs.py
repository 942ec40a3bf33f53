"""The job catalogue, for clients that build task agents: ids, kinds, titles, questions."""

from __future__ import annotations

from fastapi import APIRouter, Path

from support_system.api.deps import Reader
from support_system.api.models import Bilingual, JobDetail, JobOut, QuestionOut
from support_system.jobs.definitions import Job

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


def _summary(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "icon": job.icon,
        "title": Bilingual(ja=job.title.ja, en=job.title.en),
        "description": Bilingual(ja=job.description.ja, en=job.description.en),
    }


@router.get("", response_model=list[JobOut])
def list_jobs(caller: Reader) -> list[JobOut]:
    from support_system.jobs.catalogue import load_catalogue

    return [JobOut(**_summary(job)) for job in load_catalogue().values()]


@router.get("/{job_id}", response_model=JobDetail)
def get_job(job_id: str = Path(max_length=100), *, caller: Reader) -> JobDetail:
    """One job with its questions (the keys a task agent's configuration may use)."""
    from support_system.core.errors import NotFound, UnknownJob
    from support_system.jobs.catalogue import get_job_for

    try:
        job = get_job_for(job_id, caller.user_id, admin=caller.is_admin)
    except UnknownJob as exc:
        raise NotFound(f"job {job_id}") from exc
    questions = [
        QuestionOut(
            id=q.id,
            type=q.type.value,
            required=q.required,
            label=Bilingual(ja=q.label.ja, en=q.label.en),
            has_default=q.default is not None,
        )
        for q in job.questions
    ]
    return JobDetail(**_summary(job), questions=questions)
