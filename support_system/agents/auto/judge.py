"""The LLM judge: scores an artifact against the person's checklist (0–1, with reasons).

The judge only reads; it never changes the artifact. A small model's score is a hint,
so the loop accepts on the generator's checks plus a modest score, and a judge that
fails (model down, bad JSON) leaves the decision to the checks alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from support_system.core.errors import ModelError
from support_system.core.logging import get_logger
from support_system.jobs.definitions import Job
from support_system.jobs.spec import checklist, spec_lines

log = get_logger(__name__)

ARTIFACT_CHARS = 1500
JUDGE_TOKENS = 120
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


class Judgement(BaseModel):
    """What the judge model must return."""

    score: float = Field(ge=0, le=1)
    reasons: list[str] = Field(default_factory=list, max_length=3)


@dataclass
class Verdict:
    score: float | None  # None: the judge could not answer
    reasons: list[str] = field(default_factory=list)
    model: str | None = None
    tokens: int = 0
    error: str | None = None


def artifact_text(main_file: Path) -> str:
    """The readable text of an artifact: a page without its markup, a program as is."""
    text = main_file.read_text(encoding="utf-8", errors="replace")
    if main_file.suffix.lower() in (".html", ".htm"):
        text = " ".join(_TAG.sub(" ", text).split())
    return text[:ARTIFACT_CHARS]


def judge(
    goal: str, job: Job, answers: dict[str, Any], main_file: Path, lang: str, model: str | None
) -> Verdict:
    """Ask the model for a score; never raises on model trouble (see the module doc)."""
    from support_system.ai import generate
    from support_system.ai.prompts import render

    prompt = render(
        "auto/judge",
        language=lang,
        goal=goal,
        job_title=job.title.get(lang),
        checklist="\n".join(f"- {item.text}" for item in checklist(job, answers, lang)),
        answers="\n".join(f"- {line.label} {line.text}" for line in spec_lines(job, answers, lang)),
        artifact=artifact_text(main_file),
    )
    try:
        result = generate(
            prompt,
            model,
            schema=Judgement,
            max_tokens=JUDGE_TOKENS,
            temperature=0.0,
            purpose="auto-judge",
        )
    except ModelError as error:
        log.info("auto_judge_failed", error=type(error).__name__, detail=error.detail)
        return Verdict(score=None, error=error.message(lang))
    parsed: Judgement = result.parsed
    return Verdict(
        score=round(parsed.score, 3),
        reasons=[r[:200] for r in parsed.reasons],
        model=result.model,
        tokens=result.tokens_in + result.tokens_out,
    )
