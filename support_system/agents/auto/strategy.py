"""Adjust: what to change after a round that was not good enough.

Each round leaves an action signature (model, layout, answers, template-only) and a
failure signature (the failed checks, or "judge" for a low score). Without a repeat,
the next idea on the ladder is tried: another layout, then a stronger model, then the
tested template without model text. The same action or the same failure twice is a
loop: cosmetic ideas are skipped and the run escalates (stronger model, template), and
when nothing is left the run stops and asks the person.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from support_system.core.logging import get_logger
from support_system.jobs.definitions import LAYOUT_QUESTION, Job

log = get_logger(__name__)

LADDER = ("layout", "escalate", "template")


def action_signature(model: str | None, answers: dict[str, Any], template_only: bool) -> str:
    payload = json.dumps(
        [model, answers, template_only], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def failure_signature(failed: list[str], judge_low: bool) -> str:
    return ",".join(sorted(failed) + (["judge"] if judge_low else [])) or "-"


@dataclass
class Adjustment:
    kind: str  # layout | escalate | template | stop
    loop: bool
    answers: dict[str, Any]
    model: str | None
    template_only: bool
    detail: dict[str, Any]


def next_layout(job: Job, answers: dict[str, Any]) -> str | None:
    """Another layout the job offers than the current one, or None."""
    try:
        job.question(LAYOUT_QUESTION)
    except KeyError:
        return None
    current = answers.get(LAYOUT_QUESTION) or job.templates[0]
    others = [name for name in job.templates if name != current]
    return others[0] if others else None


def stronger_model(current: str | None) -> str | None:
    """A usable registry model that can do at least what `current` does and is not one of
    its rescue fallbacks (those are smaller); None when there is none."""
    from support_system.ai import CLOUD_PROVIDERS, get_registry, model_status
    from support_system.core.settings import get_settings

    registry = get_registry()
    name = current or get_settings().llm.default_model
    try:
        spec = registry.get(name)
    except Exception:  # noqa: BLE001 - an unknown current model: nothing to compare with
        return None
    for candidate in registry.models:
        if candidate.name == name or candidate.name in spec.fallbacks:
            continue
        if not set(spec.skills) <= set(candidate.skills):
            continue
        if candidate.provider in CLOUD_PROVIDERS:
            continue  # paid and needs a key: the person chooses that, not the loop
        if model_status(candidate).ok:
            return candidate.name
    return None


def choose(
    job: Job,
    answers: dict[str, Any],
    model: str | None,
    template_only: bool,
    history: list[dict[str, str]],
    tried: list[str],
) -> Adjustment:
    """The next change to make after a failed round (`history` includes that round)."""
    actions = [h["action"] for h in history]
    failures = [h["failure"] for h in history]
    loop = len(actions) != len(set(actions)) or len(failures) != len(set(failures))
    ladder = [k for k in LADDER if k not in tried]
    if loop:
        ladder = [k for k in ladder if k != "layout"]
    for kind in ladder:
        if kind == "layout":
            layout = next_layout(job, answers)
            if layout:
                return Adjustment(
                    kind,
                    loop,
                    {**answers, LAYOUT_QUESTION: layout},
                    model,
                    template_only,
                    {"from": answers.get(LAYOUT_QUESTION), "to": layout},
                )
        elif kind == "escalate":
            stronger = stronger_model(model)
            if stronger:
                return Adjustment(
                    kind, loop, answers, stronger, template_only, {"from": model, "to": stronger}
                )
        elif kind == "template" and not template_only:
            return Adjustment(kind, loop, answers, model, True, {})
    return Adjustment("stop", loop, answers, model, template_only, {})
