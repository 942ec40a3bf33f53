"""Asking a model for a small plan held to a schema, with a way out when it cannot.

Custom pages and programs by example are both planned this way: try the planners in
order (a model that is not installed or not reachable hands over to the next), stop
at the first failure of a model that did answer (a second model rarely fixes a plan
that does not fit), and return None then, so the caller uses its standard plan and
tells the person. Nothing the person typed depends on the model answering.

A plan whose title or summary is text of the prompt's own examples is a copy, not a
plan: the 0.5B model answered 「文章の行ごとに番号をつけるプログラムがほしい」 with the
example for a sales table, word for word. It counts as a failure like a plan that does
not fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

from support_system.core.errors import ModelError, ModelUnavailable
from support_system.core.logging import get_logger

log = get_logger(__name__)
Plan = TypeVar("Plan", bound=BaseModel)
MIN_COPIED = 4  # shorter titles ("FAQ") may match a prompt's words by chance


def planners(explicit: str | None, preferred: str | None) -> list[str | None]:
    """Who plans: the explicit choice alone, else the preferred model, then the default
    model (None, with the registry's fallbacks)."""
    if explicit is not None:
        return [explicit]
    return [preferred, None] if preferred else [None]


def ask_planner(
    prompt: str,
    schema: type[Plan],
    models: Sequence[str | None],
    *,
    purpose: str,
    request: str,
    max_tokens: int,
    temperature: float,
    user_id: int | None,
) -> tuple[Plan | None, str | None]:
    """(the plan, the model that wrote it), or (None, None) when no model gave one."""
    from support_system.ai import generate

    for name in models:
        try:
            result = generate(
                prompt,
                name,
                schema=schema,
                max_tokens=max_tokens,
                temperature=temperature,
                fallback=name is None,  # a named planner answers alone; the list goes on
                purpose=purpose,
                user_id=user_id,
            )
        except ModelUnavailable as failure:  # not installed or not reachable: the next one
            log.info("planner_unavailable", purpose=purpose, model=name, detail=failure.detail)
            continue
        except ModelError as failure:
            log.info(
                "plan_failed", purpose=purpose, error=type(failure).__name__, detail=failure.detail
            )
            return None, None
        if copies_an_example(result.parsed, prompt, request):
            log.info("plan_copied_example", purpose=purpose, model=result.model)
            return None, None
        return result.parsed, result.model
    return None, None


def copies_an_example(plan: BaseModel, prompt: str, request: str) -> bool:
    """True when the plan's title or summary is a text of the prompt's examples (an
    example's request, title or summary) that the person's request does not contain."""
    examples = prompt.replace(request, "") if request else prompt
    for name in ("title", "summary"):
        value = str(getattr(plan, name, "") or "").strip()
        if len(value) >= MIN_COPIED and value in examples and value not in request:
            return True
    return False
