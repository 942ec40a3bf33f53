"""`/api/generate`: make a catalogue job's artifact from answers, without a task agent.

The same checks and the same background runs as a task agent's `execute` (see
`api.task_agents`): answers are validated like the wizard's, file answers must lie in
the project's folder, required questions need an answer or a default, then the quota
and a free generation slot; only then is the Execution made (202). Poll
`/api/executions/{id}/status` or listen on `/ws/executions/{id}`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from support_system.api.deps import Generator
from support_system.api.errors import ERROR_RESPONSES
from support_system.api.models import MAX_ID, ExecutionAccepted, Text
from support_system.api.projects import owned_project
from support_system.api.task_agents import checked_configuration, start_run
from support_system.core.languages import Language
from support_system.core.settings import get_settings
from support_system.data.db import session_scope

router = APIRouter(tags=["generate"], responses=ERROR_RESPONSES)


class GenerateIn(BaseModel):
    job_id: Text(100, 1)
    project_id: int = Field(ge=1, le=MAX_ID, description="The project the result belongs to.")
    answers: dict[str, Any] = Field(default_factory=dict, max_length=100)
    model: Text(100, 1) | None = Field(None, description="A model registry name.")
    lang: Language | None = None
    attempts: int = Field(3, ge=1, le=5, description="Model attempts before the template.")


@router.post("/api/generate", status_code=status.HTTP_202_ACCEPTED)
def generate(body: GenerateIn, request: Request, caller: Generator) -> ExecutionAccepted:
    """Run a job in the background for one of your projects; answers as in the wizard."""
    from support_system.jobs.catalogue import get_job_for

    lang = body.lang or get_settings().language
    with session_scope() as session:
        project = owned_project(session, caller, body.project_id)
        owner_id = project.owner_id
    job = get_job_for(body.job_id, owner_id)  # UnknownJob (422), also for another's page
    answers = checked_configuration(job, body.answers, body.project_id)
    execution_id = start_run(
        request,
        caller,
        job,
        answers,
        goal=job.id,
        owner_id=owner_id,
        project_id=body.project_id,
        agent_id=None,
        model=body.model,
        lang=lang,
        attempts=body.attempts,
    )
    return ExecutionAccepted(execution_id=execution_id, status="running")
