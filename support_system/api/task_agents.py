"""Task agents: an agent of a project with a job and that job's answers, and running it.

The configuration is checked with the wizard's own answer validator when it is saved,
so a task agent never holds an answer the wizard would refuse; file answers must name
files inside the project's folder (never another person's, never the server's own).
Executing checks, in this order, before anything is written: the caller may run it, the
job still exists, every required question has an answer or a default, the model exists,
the quotas, a free generation slot. Only then is an Execution made (202).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response, status

from support_system.accounts.principal import Principal
from support_system.api.deps import Generator, Reader, Writer, limits_of, owned
from support_system.api.errors import AnswersMissing, ConfigurationInvalid, FileOutsideProject
from support_system.api.models import (
    ExecuteIn,
    ExecutionAccepted,
    Id,
    TaskAgentIn,
    TaskAgentOut,
    TaskAgentPatch,
)
from support_system.api.projects import owned_project
from support_system.core.settings import get_settings
from support_system.data.db import Session, session_scope
from support_system.data.repositories import api_queries
from support_system.data.schema import TaskAgent
from support_system.jobs.definitions import Job, Question, QuestionType
from support_system.queue import RunRequest

router = APIRouter(tags=["task agents"])


def owned_agent(session: Session, caller: Principal, agent_id: int) -> tuple[TaskAgent, int]:
    """The task agent and its owner's id if the caller may see it; NotFound otherwise."""
    found = api_queries.task_agent_owner(session, agent_id)
    owned(caller, found[1] if found else None, f"task agent {agent_id}")
    assert found is not None
    return found


def _inside_project(question: Question, raw: Any, base: Path) -> None:
    """Refuse file and folder answers that point outside the project's own folder."""
    if question.type != QuestionType.FILE and not question.folder:
        return
    if raw is None or raw == "":
        return
    text = str(raw).strip().strip('"').strip("'")
    path = Path(text).expanduser()
    inside = not path.is_absolute() and (base / path).resolve().is_relative_to(base.resolve())
    if not inside:
        raise FileOutsideProject(
            f"{question.id}: outside the project", question=question.id, value=text[:100]
        )


def checked_configuration(
    job: Job, configuration: dict[str, Any], project_id: int
) -> dict[str, Any]:
    """The configuration in canonical form, checked like the wizard checks answers."""
    from support_system.jobs import workspace
    from support_system.jobs.answers import validate_answer

    questions = {q.id: q for q in job.questions}
    unknown = sorted(set(configuration) - set(questions))
    if unknown:
        raise ConfigurationInvalid(
            f"{unknown[0]} is not a question of {job.id}", question=unknown[0][:100], job=job.id
        )
    base = workspace.project_dir(project_id)
    lang = get_settings().language
    canonical: dict[str, Any] = {}
    for question in job.questions:  # in order: columns_from needs the file answer first
        if question.id not in configuration:
            continue
        raw = configuration[question.id]
        _inside_project(question, raw, base)
        canonical[question.id] = validate_answer(
            question, raw, lang, base_dir=base, answers=canonical
        )
    return canonical


def missing_answers(job: Job, configuration: dict[str, Any], lang: str) -> list[str]:
    from support_system.jobs.flow import visible_questions

    return [
        q.id
        for q in visible_questions(job, configuration)
        if q.required and configuration.get(q.id) is None and q.default_for(lang) is None
    ]


def start_run(
    request: Request,
    caller: Principal,
    job: Job,
    answers: dict[str, Any],
    *,
    goal: str,
    owner_id: int,
    project_id: int,
    agent_id: int | None,
    model: str | None,
    lang: str,
    attempts: int,
) -> int:
    """The checks every run passes before anything is written (every required question
    answered, the model exists, the quota, a free generation slot), then the run itself;
    returns its execution id. Shared by a task agent's `execute` and `/api/generate`."""
    from support_system.ai.discovery import registry_with
    from support_system.generators.pipeline import Budget

    missing = missing_answers(job, answers, lang)
    if missing:
        raise AnswersMissing(f"unanswered: {missing}", questions=", ".join(missing))
    if model is not None:
        registry_with(model).get(model)  # UnknownModel (422) before anything starts
    limits = limits_of(request)
    limits.check_quota(caller.user_id)
    slot = limits.start_generation(caller.user_id)
    return request.app.state.runs.start(
        RunRequest.from_budget(
            Budget(attempts=attempts),
            job_id=job.id,
            answers=answers,
            goal=goal,
            owner_id=owner_id,
            project_id=project_id,
            agent_id=agent_id,
            model=model,
            lang=lang,
        ),
        slot,
    )


@router.get("/api/projects/{project_id}/agents", response_model=list[TaskAgentOut])
def list_agents(project_id: Id, caller: Reader) -> list[TaskAgentOut]:
    with session_scope() as session:
        owned_project(session, caller, project_id)
        rows = api_queries.list_task_agents(session, project_id)
        return [TaskAgentOut.model_validate(row) for row in rows]


@router.post(
    "/api/projects/{project_id}/agents",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskAgentOut,
)
def create_agent(project_id: Id, body: TaskAgentIn, caller: Writer) -> TaskAgentOut:
    """A new task agent in the project; its job must be in the catalogue."""
    from support_system.jobs.catalogue import get_job_for

    with session_scope() as session:
        owner_id = owned_project(session, caller, project_id).owner_id
    job = get_job_for(body.job_id, owner_id)
    configuration = checked_configuration(job, body.configuration, project_id)
    with session_scope() as session:
        agent = api_queries.create_task_agent(
            session,
            project_id=project_id,
            name=body.name,
            job_id=job.id,
            persona=body.persona,
            configuration=configuration,
        )
        return TaskAgentOut.model_validate(agent)


@router.get("/api/agents/{agent_id}", response_model=TaskAgentOut)
def get_agent(agent_id: Id, caller: Reader) -> TaskAgentOut:
    with session_scope() as session:
        agent, _ = owned_agent(session, caller, agent_id)
        return TaskAgentOut.model_validate(agent)


@router.patch("/api/agents/{agent_id}", response_model=TaskAgentOut)
def update_agent(agent_id: Id, body: TaskAgentPatch, caller: Writer) -> TaskAgentOut:
    """Change a task agent. A new job re-checks the configuration against that job."""
    from support_system.jobs.catalogue import get_job_for

    with session_scope() as session:
        agent, owner_id = owned_agent(session, caller, agent_id)
        job_id, configuration, project_id = agent.job_id, agent.configuration, agent.project_id
    job = get_job_for(body.job_id if body.job_id is not None else job_id, owner_id)
    if body.configuration is not None:
        configuration = body.configuration
    configuration = checked_configuration(job, dict(configuration), project_id)
    with session_scope() as session:
        agent, _ = owned_agent(session, caller, agent_id)
        agent.job_id = job.id
        agent.configuration = configuration
        if body.name is not None:
            agent.name = body.name
        if body.persona is not None:
            agent.persona = body.persona
        session.flush()
        return TaskAgentOut.model_validate(agent)


@router.delete("/api/agents/{agent_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_agent(agent_id: Id, caller: Writer) -> Response:
    """Delete a task agent; its past executions stay in the history."""
    with session_scope() as session:
        owned_agent(session, caller, agent_id)
        api_queries.delete_task_agent(session, agent_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/agents/{agent_id}/execute",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExecutionAccepted,
)
def execute_agent(
    agent_id: Id, request: Request, caller: Generator, body: ExecuteIn | None = None
) -> ExecutionAccepted:
    """Run the task agent's job in the background; poll /api/executions/{id}/status."""
    from support_system.jobs.catalogue import get_job

    body = body or ExecuteIn()
    settings = get_settings()
    lang = body.lang or settings.language
    with session_scope() as session:
        agent, owner_id = owned_agent(session, caller, agent_id)
        job_id, project_id = agent.job_id, agent.project_id
        configuration, name = dict(agent.configuration), agent.name
    job = get_job(job_id)
    execution_id = start_run(
        request,
        caller,
        job,
        configuration,
        goal=name,
        owner_id=owner_id,
        project_id=project_id,
        agent_id=agent_id,
        model=body.model,
        lang=lang,
        attempts=body.attempts,
    )
    return ExecutionAccepted(execution_id=execution_id, status="running")
