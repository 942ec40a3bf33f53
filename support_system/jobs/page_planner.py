"""Plan a custom page for a request the catalogue has no job for.

The model writes a `PagePlan` (title and block kinds, held to its JSON schema);
`page_plans.job_from_plan` turns it into questions and sections; the job is stored so
every process can read it. When the model is down or its plan does not fit the schema,
the page still gets planned (an introduction and a contact block) and the person is
told: nothing they typed is lost, and they can still fill in and preview a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from support_system.core.errors import ModelError, ModelUnavailable
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings
from support_system.jobs.custom_jobs import new_custom_id, save_custom_job
from support_system.jobs.definitions import Job
from support_system.jobs.page_plans import PagePlan, fallback_plan, job_from_plan

log = get_logger(__name__)
PLAN_TOKENS = 240


def _planners(model: str | None) -> list[str | None]:
    """Who plans: the explicit choice alone, else the planner setting, then the default."""
    if model is not None:
        return [model]
    preferred = get_settings().custom_pages.planner_model
    return [preferred, None] if preferred else [None]


@dataclass(frozen=True)
class PlannedPage:
    """The stored job, and who planned it (None: the standard plan, the model failed)."""

    job: Job
    model: str | None
    plan: PagePlan


def plan_custom_page(
    request: str, lang: str, *, user_id: int, model: str | None = None
) -> PlannedPage:
    """A custom page job for `request`, stored as `user_id`'s."""
    from support_system.ai import generate
    from support_system.ai.prompts import render

    prompt = render("jobs/plan_page", language=lang, request=request.strip())
    planned_by: str | None = None
    plan = fallback_plan(lang)
    for name in _planners(model):
        try:
            result = generate(
                prompt,
                name,
                schema=PagePlan,
                max_tokens=PLAN_TOKENS,
                temperature=0.2,
                purpose="plan-page",
                user_id=user_id,
            )
        except ModelUnavailable as failure:  # not installed or not reachable: the next one
            log.info("page_planner_unavailable", model=name, detail=failure.detail)
            continue
        except ModelError as failure:
            log.info("page_plan_failed", error=type(failure).__name__, detail=failure.detail)
            break
        plan, planned_by = result.parsed, result.model
        break
    job = job_from_plan(plan, request, lang, new_custom_id())
    save_custom_job(job, user_id, request)
    return PlannedPage(job, planned_by, plan)


def start_custom_page(request: str, lang: str, user_id: int) -> tuple[PlannedPage, int]:
    """Plan a page for `request` and open a project on it: (the plan, the wizard
    session to continue in). The project is named after the planned page."""
    from support_system.jobs import workspace

    planned = plan_custom_page(request, lang, user_id=user_id)
    _, session_id = workspace.create_project(user_id, planned.job.id, lang)
    return planned, session_id
