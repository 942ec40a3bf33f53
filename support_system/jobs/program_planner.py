"""Plan a program made by example for a request the catalogue has no job for.

The model writes a `ProgramSpec` (held to its JSON schema); `program_plans.job_from_spec`
turns it into questions (the real input and the examples); the job is stored so every
process can read it. When the model is down or its plan does not fit the schema, the
request's own words choose a standard spec and the person is told; nothing they typed
is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from support_system.core.settings import get_settings
from support_system.jobs.custom_jobs import new_custom_id, save_custom_job
from support_system.jobs.definitions import Job
from support_system.jobs.planning import ask_planner, planners
from support_system.jobs.program_plans import fallback_spec, grounded_spec, job_from_spec
from support_system.jobs.program_specs import ProgramSpec

PLAN_TOKENS = 160


@dataclass(frozen=True)
class PlannedProgram:
    """The stored job, and who planned it (None: the standard spec, the model failed)."""

    job: Job
    model: str | None
    spec: ProgramSpec


def plan_custom_program(
    request: str, lang: str, *, user_id: int, model: str | None = None
) -> PlannedProgram:
    """A program-by-example job for `request`, stored as `user_id`'s."""
    from support_system.ai.prompts import render

    prompt = render("jobs/plan_program", language=lang, request=request.strip())
    spec, planned_by = ask_planner(
        prompt,
        ProgramSpec,
        planners(model, get_settings().custom_programs.planner_model),
        purpose="plan-program",
        max_tokens=PLAN_TOKENS,
        temperature=0.0,
        user_id=user_id,
        request=request.strip(),
    )
    spec = grounded_spec(spec, request) if spec else fallback_spec(request, lang)
    job = job_from_spec(spec, request, lang, new_custom_id())
    save_custom_job(job, user_id, request)
    return PlannedProgram(job, planned_by, spec)


def start_custom_program(request: str, lang: str, user_id: int) -> tuple[PlannedProgram, int]:
    """Plan a program for `request` and open a project on it: (the plan, the wizard
    session to continue in)."""
    from support_system.jobs import workspace

    planned = plan_custom_program(request, lang, user_id=user_id)
    _, session_id = workspace.create_project(user_id, planned.job.id, lang)
    return planned, session_id
