"""The model's say when e5 and the cue words cannot tell two routes apart.

Only the few best routes are offered, each with one line on what it makes, and the
answer is held to a JSON schema whose only field is one of their ids: the model can
pick, never invent a route. Declining is never the model's choice (rules and e5 decide
that, `safety.py`), and any model trouble leaves the ranking's choice in place.

Which model: measured on the tune split's close calls of the e5-only ranking (n≈65,
the top three routes offered), Qwen2.5-Coder 1.5B chose right 38 times where the
ranking's first choice was right 30 times; the 0.5B default chose right 26 times
against 35 (it favours the last option). So the 1.5B model is asked, without the
fallback chain: a weaker fallback would do worse than no answer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, create_model

from support_system.ai.prompts import render
from support_system.core.errors import SupportSystemError
from support_system.core.logging import get_logger
from support_system.intake.routes import (
    CUSTOM_PAGE,
    CUSTOM_PROGRAM,
    DATA_QUESTION,
    NOT_POSSIBLE,
    is_job,
)
from support_system.jobs.catalogue import load_catalogue

log = get_logger(__name__)

# What each non-job route means, for the model (prompt text, not shown to people).
OTHER_MEANINGS = {
    CUSTOM_PAGE: "a web page of another kind than the pages listed here",
    CUSTOM_PROGRAM: "a small program of another kind than the programs listed here",
    DATA_QUESTION: "work out an answer from a table (CSV or Excel file) the person has, "
    "such as a total, an average or the best month",
    NOT_POSSIBLE: "none of these: something this assistant cannot make (an app, a game, a "
    "video, an image or logo, payments or logins), or a question that is not about the "
    "person's own files, such as the weather or the news",
}
CHOICE_MODEL = "qwen2.5-coder-1.5b"
TIMEOUT_SECONDS = 30.0


def _meaning(route: str) -> str:
    if is_job(route):
        job = load_catalogue()[route]
        return f"{job.title.en}. {job.description.en}"
    return OTHER_MEANINGS[route]


def choice_schema(routes: list[str]) -> type[BaseModel]:
    """{"route": one of `routes`}: the grammar lets the model write nothing else."""
    return create_model("RouteChoice", route=(Literal[tuple(routes)], ...))  # type: ignore[valid-type]


def model_choice(
    request: str, routes: list[str], *, model: str | None = None, user_id: int | None = None
) -> str | None:
    """The route among `routes` the model says fits `request` (None on any model trouble).

    `model` overrides `CHOICE_MODEL`."""
    from support_system.ai import generate

    options = "\n".join(f"- {route}: {_meaning(route)}" for route in routes)
    prompt = render("intake/choose", request=request, options=options)
    try:
        result = generate(
            prompt,
            model or CHOICE_MODEL,
            schema=choice_schema(routes),
            max_tokens=24,
            temperature=0.0,
            timeout=TIMEOUT_SECONDS,
            fallback=False,
            purpose="intake",
            user_id=user_id,
        )
    except SupportSystemError as error:
        log.info("intake_model_choice_failed", error=type(error).__name__)
        return None
    return str(result.parsed.route)
