"""Request understanding: what a Home request asks for (issue 13).

    from support_system.intake import understand, start_job
    found = understand("パン屋のホームページを作りたい", "ja")
    found.route, found.job_id, found.reason.get("ja")   # "shop-page", "shop-page", "…"
    started = start_job(user_id, found.job_id, found.request, "ja")  # pre-filled wizard

A request goes to a catalogue job, a made-to-measure page or program, a question about
the person's table, "not something this can make", or a polite refusal
(`routes.py`). e5 neighbours among labelled examples and cue words rank the routes;
the embedded model settles only close calls (`service.py` explains the order).

The names load on first use (PEP 562): `understand` needs numpy and e5, which the first
page a person sees must not import just to know the route names (`routes.py` is light).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from support_system.intake.answers import StartedJob, StatedAnswers, answers_for, start_job
    from support_system.intake.classifier import RouteScore
    from support_system.intake.service import Understanding, understand

_HOMES = {
    "StartedJob": "support_system.intake.answers",
    "StatedAnswers": "support_system.intake.answers",
    "answers_for": "support_system.intake.answers",
    "start_job": "support_system.intake.answers",
    "RouteScore": "support_system.intake.classifier",
    "Understanding": "support_system.intake.service",
    "understand": "support_system.intake.service",
}

__all__ = [
    "RouteScore",
    "StartedJob",
    "StatedAnswers",
    "Understanding",
    "answers_for",
    "start_job",
    "understand",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value
