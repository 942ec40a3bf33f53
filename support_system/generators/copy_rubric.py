"""How good is a page's model-written copy? A rubric scored by the stronger model.

The page checks (vnu, axe, the facts check) say a page is valid and invents nothing;
they cannot tell 「お店のホームページです。」 from a welcome written for this bakery.
The rubric asks the stronger model (`JUDGE_MODEL`, held to a JSON schema) to score the
copy on four criteria, 1–5 each with a one-line reason:

* **specific** — about this shop, person or event, from the facts given;
* **natural** — reads as a person writes in the page's language;
* **no_filler** — no empty phrases;
* **faithful** — says nothing the facts do not support.

A score is a measurement for benchmarks (`bench/open_requests.py`), not a check a page
must pass: a 1.5B judge is noisy, so it is spot-checked by people, and the per-model
means over many pages are what it is read for.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from support_system.jobs.definitions import CHANGES_KEY

JUDGE_MODEL = "qwen2.5-coder-1.5b"
CRITERIA = ("specific", "natural", "no_filler", "faithful")
RUBRIC_TOKENS = 320
_NOT_FACTS = frozenset({"photo", "color", "layout", CHANGES_KEY})
_LIST_ITEMS = 8  # a long menu says no more about the copy than its first rows
_VALUE_CHARS = 300


class _Judged(BaseModel):
    reason: str = Field(description="at most 10 words")
    score: Literal[1, 2, 3, 4, 5]


class RubricAnswer(BaseModel):
    """What the judge writes: one reason and score per criterion (reason first, so the
    score follows from it)."""

    specific: _Judged
    natural: _Judged
    no_filler: _Judged
    faithful: _Judged


@dataclass(frozen=True)
class Criterion:
    score: int  # 1 (bad) … 5 (excellent)
    reason: str


@dataclass(frozen=True)
class CopyScore:
    """The rubric's verdict on one copy: per criterion, and who judged."""

    criteria: dict[str, Criterion]
    model: str

    @property
    def mean(self) -> float:
        return statistics.fmean(c.score for c in self.criteria.values())

    @classmethod
    def from_answer(cls, answer: RubricAnswer, model: str) -> CopyScore:
        criteria = {
            name: Criterion(judged.score, " ".join(judged.reason.split()))
            for name in CRITERIA
            for judged in [getattr(answer, name)]
        }
        return cls(criteria, model)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CopyScore:
        """The score `as_dict` wrote (e.g. read back from a bench's JSON lines)."""
        criteria = {
            k: Criterion(int(c["score"]), str(c["reason"])) for k, c in data["criteria"].items()
        }
        return cls(criteria, str(data["model"]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "mean": round(self.mean, 2),
            "model": self.model,
            "criteria": {
                k: {"score": c.score, "reason": c.reason} for k, c in self.criteria.items()
            },
        }


@dataclass(frozen=True)
class CopySummary:
    """Several scores at a glance: how many, the mean of their means, each criterion's mean."""

    count: int
    mean: float
    criteria: dict[str, float]


def summarise(scores: Iterable[CopyScore]) -> CopySummary | None:
    """The mean over `scores` (None when there are none)."""
    scores = list(scores)
    if not scores:
        return None
    return CopySummary(
        count=len(scores),
        mean=statistics.fmean(s.mean for s in scores),
        criteria={
            name: statistics.fmean(s.criteria[name].score for s in scores) for name in CRITERIA
        },
    )


def facts_text(facts: Mapping[str, Any]) -> str:
    """The person's answers as lines for the judge ("- key: value"), without the page's
    look (colour, layout, photo) or change notes, long lists cut to their first items."""

    def text(value: Any) -> str:
        if isinstance(value, Mapping):
            return ", ".join(f"{k}: {text(v)}" for k, v in value.items() if v is not None)
        if isinstance(value, list | tuple):
            shown = "; ".join(text(item) for item in value[:_LIST_ITEMS])
            more = len(value) - _LIST_ITEMS
            return f"{shown}; … ({more} more)" if more > 0 else shown
        return " ".join(str(value).split())

    lines = []
    for key, value in facts.items():
        if key in _NOT_FACTS or value is None or value == "" or value == []:
            continue
        lines.append(f"- {key}: {text(value)[:_VALUE_CHARS]}")
    return "\n".join(lines) or "- (nothing)"


def score_copy(
    copy: str,
    *,
    request: str,
    facts: Mapping[str, Any],
    lang: str,
    model: str = JUDGE_MODEL,
    user_id: int | None = None,
) -> CopyScore:
    """Score `copy` (the page's model-written text) for `request` and the person's
    `facts` (the answers the page was made from), in the page's language `lang`.

    Only `model` judges (no fallback to a weaker model: that would change what the
    score means). Raises the LLM layer's ModelError subclasses when it cannot answer.
    """
    from support_system.ai import generate, prompts

    prompt = prompts.render(
        "webpage/copy_rubric",
        language=lang,
        request=" ".join(request.split()),
        facts=facts_text(facts),
        copy=copy.strip(),
    )
    result = generate(
        prompt,
        model,
        schema=RubricAnswer,
        max_tokens=RUBRIC_TOKENS,
        temperature=0.0,
        fallback=False,
        purpose="copy-rubric",
        user_id=user_id,
    )
    return CopyScore.from_answer(result.parsed, result.model)
