"""Plan a custom page for a request the catalogue has no job for.

The model writes a `PagePlan` (title and block kinds, held to its JSON schema);
`page_plans.job_from_plan` turns it into questions and sections; the job is stored so
every process can read it. When the model is down or its plan does not fit the schema,
the page still gets planned (an introduction and a contact block) and the person is
told: nothing they typed is lost, and they can still fill in and preview a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from support_system.core.settings import get_settings
from support_system.jobs.custom_jobs import new_custom_id, save_custom_job
from support_system.jobs.definitions import Job
from support_system.jobs.page_plans import PagePlan, fallback_plan, job_from_plan
from support_system.jobs.planning import ask_planner, planners

PLAN_TOKENS = 240


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
    from support_system.ai.prompts import render

    prompt = render("jobs/plan_page", language=lang, request=request.strip())
    plan, planned_by = ask_planner(
        prompt,
        PagePlan,
        planners(model, get_settings().custom_pages.planner_model),
        purpose="plan-page",
        max_tokens=PLAN_TOKENS,
        temperature=0.2,
        user_id=user_id,
        request=request.strip(),
    )
    plan = plan or fallback_plan(lang)
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
