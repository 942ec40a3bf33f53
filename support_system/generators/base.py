"""The contract every generator (webpage, program, data) keeps with the pipeline.

The pipeline (`generators.pipeline`) owns the repair loop, the budget, the records in
the database and `result.json`; a generator only knows how to make one candidate
(`draft`), how to make the tested template with no model at all (`fallback`), and how
to check a candidate (`check`). Keeping the loop in one place is what lets every job
promise the same thing: output that passes its checks, or a plain explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from support_system.jobs.definitions import Job

if TYPE_CHECKING:
    from support_system.ai import GenerationResult
    from support_system.rag.retrieve import Hit


@dataclass
class CheckResult:
    """One check on one candidate. `messages` are exact and fed back to the model."""

    name: str  # "html5lib", "vnu", "axe", "facts", "ast", "ruff", "tests", "run", ...
    passed: bool
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Draft:
    """One candidate artifact written into `root`.

    `main_file` is what a preview shows first (index.html, program.py, chart.png).
    `customised` lists what the model changed; `not_customised` what stayed as in the
    template (the pipeline tells the user about it after a fallback).
    """

    kind: str  # webpage | program | data
    root: Path
    main_file: Path
    files: list[Path] = field(default_factory=list)
    customised: list[str] = field(default_factory=list)
    not_customised: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # knowledge-base documents the model was shown
    meta: dict[str, Any] = field(default_factory=dict)  # generator-private (e.g. the model's copy)


@dataclass
class GenerationContext:
    """What one pipeline run knows: the job, the answers and the run's settings."""

    job: Job
    answers: dict[str, Any]
    lang: str
    model: str | None = None
    base_dir: Path = Path(".")  # relative file answers (CSV inputs) resolve against this
    feedback: list[CheckResult] = field(default_factory=list)  # previous attempt's failures
    attempt: int = 1
    on_text: Callable[[str], None] | None = None  # receives the model's text as it streams
    knowledge: list[Hit] = field(default_factory=list)  # passages of the person's documents
    user_id: int | None = None  # whose run: model usage is counted against them


class Generator(Protocol):
    kind: str

    def draft(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        """Make one candidate with the model's help (may raise ModelError)."""
        ...

    def fallback(self, ctx: GenerationContext, out_dir: Path) -> Draft | None:
        """The tested template filled with the answers only: no model, always valid.

        None when there is no such template (a program made by example): the pipeline
        then delivers nothing and says what failed, rather than something that only
        pretends to work. Such a generator may add `describe_failure(ctx, checks) ->
        list[str]`, the last attempt's failures in the person's words.
        """
        ...

    def check(self, ctx: GenerationContext, draft: Draft) -> list[CheckResult]:
        """Every check this kind of artifact must pass."""
        ...

    def run(self, ctx: GenerationContext, draft: Draft, output_dir: Path) -> CheckResult | None:
        """Program/data jobs: run the artifact once in the sandbox on the user's inputs
        and copy what it produced into `output_dir`. Webpages return None."""
        ...


def feedback_text(feedback: list[CheckResult], per_check: int = 5) -> str:
    """Failed checks of the previous attempt as prompt lines ("- tests: FAILED …")."""
    return "\n".join(
        f"- {check.name}: {message}"
        for check in feedback
        if not check.passed
        for message in check.messages[:per_check]
    )


def knowledge_query(ctx: GenerationContext) -> str:
    """What to look up in the knowledge base: the job's title and the first short text
    answer (the shop's or person's name in the page jobs).

    Short on purpose: relevance needs a share of the query's words in the passage
    (`rag.retrieve.MIN_COVERAGE`), and every address or phone line added dilutes it.
    """
    first = next(
        (
            v
            for v in ctx.answers.values()
            if isinstance(v, str) and 0 < len(v) <= 80 and "\n" not in v and not v.startswith("/")
        ),
        "",
    )
    return f"{ctx.job.title.get(ctx.lang)} {first}".strip()


def ask_model(
    ctx: GenerationContext, prompt: str, schema: type[BaseModel], *, max_tokens: int
) -> GenerationResult:
    """The one model call a draft makes: held to `schema`, and on a repair attempt a
    little warmer and never from the cache, so the rejected answer does not come back."""
    from support_system.ai import generate

    options: dict[str, Any] = {
        "schema": schema,
        "max_tokens": max_tokens,
        "temperature": 0.4 if ctx.attempt > 1 else 0.2,
        "cache": None if ctx.attempt == 1 else False,  # None: the settings decide
        "purpose": f"{ctx.job.kind}:{ctx.job.id}",
        "user_id": ctx.user_id,
    }
    if ctx.on_text is None:
        return generate(prompt, ctx.model, stream=False, **options)
    # Someone is watching (the Preview page): pass the text on as it is written.
    stream = generate(prompt, ctx.model, stream=True, **options)
    for chunk in stream:
        ctx.on_text(chunk)
    assert stream.result is not None  # set once the stream has ended without an error
    return stream.result
