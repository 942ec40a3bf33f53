"""'Decide for me': propose an answer from the default, the CSV's columns or the model.

A proposal is checked like a typed answer (`jobs.answers.validate_answer`) and refused
when it invents facts (numbers, addresses, links) the person never gave.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, create_model

from support_system.core.errors import AnswerInvalid, ModelError
from support_system.core.logging import get_logger
from support_system.jobs.answer_sources import AnswerContext, column_choices, source_table
from support_system.jobs.answers import validate_answer
from support_system.jobs.definitions import TEXT_TYPES, Job, Question, QuestionType
from support_system.jobs.flow import visible_questions
from support_system.routing.service import choose, record

if TYPE_CHECKING:
    from support_system.rag.retrieve import Hit

log = get_logger(__name__)


def _default_proposal(
    question: Question, answers: Mapping[str, Any], lang: str, base_dir: Path | None
) -> Any:
    default = question.default_for(lang)
    if default is not None:
        return default
    if question.type == QuestionType.CHOICE and question.choices:
        return question.choices[0].value
    if question.type == QuestionType.MULTI_CHOICE and question.choices:
        return [question.choices[0].value]
    if question.columns_from is not None and question.type == QuestionType.TEXT:
        return _column_proposal(question, answers, base_dir)
    return None


def _column_proposal(
    question: Question, answers: Mapping[str, Any], base_dir: Path | None
) -> str | None:
    """A column of the right kind that no other answer uses yet (x and y should differ)."""
    from support_system.jobs.tables import is_numeric_column  # pandas: ~1 s to import

    try:
        table = source_table(question, AnswerContext(lang="en", base_dir=base_dir, answers=answers))
    except AnswerInvalid:
        return None
    if table is None:
        return None
    frame = table[0]
    used = {v for k, v in answers.items() if k != question.id and isinstance(v, str)}
    names = [str(c) for c in frame.columns]
    if question.column_type == "number":
        fitting = [n for n in names if is_numeric_column(frame, n)]
    elif question.column_type == "text":
        fitting = [n for n in names if not is_numeric_column(frame, n)]
    else:
        fitting = names
    candidates = [n for n in fitting if n not in used] or fitting
    return candidates[0] if candidates else None


_VALUE_TYPES: dict[QuestionType, str] = {
    QuestionType.TEXT: "one short line of text",
    QuestionType.LONG_TEXT: "a few sentences of text",
    QuestionType.NUMBER: "a number",
    QuestionType.CHOICE: "exactly one of the choices' values",
    QuestionType.MULTI_CHOICE: "a list of the choices' values",
    QuestionType.LIST: "a short list of items",
    QuestionType.COLOR: 'a colour as a hex code like "#2e7d32"',
    QuestionType.YES_NO: "true or false",
}


def proposal_schema(question: Question, columns: list[str] | None = None) -> type[BaseModel]:
    """A pydantic model {"value": …} whose JSON schema constrains the model to a valid shape."""
    annotation: Any
    field: Any = ...
    values = tuple(c.value for c in question.choices)
    match question.type:
        case QuestionType.TEXT | QuestionType.LONG_TEXT if columns:
            annotation = Literal[tuple(columns)]  # type: ignore[valid-type]
        case QuestionType.TEXT | QuestionType.LONG_TEXT:
            annotation = str
            field = Field(min_length=1, max_length=question.max_length or 2000)
        case QuestionType.NUMBER:
            annotation = float
        case QuestionType.CHOICE:
            annotation = Literal[values]  # type: ignore[valid-type]
        case QuestionType.MULTI_CHOICE:
            annotation = list[Literal[values]]  # type: ignore[valid-type]
        case QuestionType.LIST:
            annotation = list[str]
        case QuestionType.COLOR:
            annotation = str
            field = Field(pattern=r"^#[0-9a-fA-F]{6}$")
        case QuestionType.YES_NO:
            annotation = bool
        case _:
            raise ValueError(f"a model cannot propose a {question.type} answer")
    return create_model("Proposal", value=(annotation, field))


def _answers_text(job: Job, answers: Mapping[str, Any], lang: str) -> str:
    lines = []
    for q in visible_questions(job, answers):
        value = answers.get(q.id)
        if value is None or q.type == QuestionType.FILE:
            continue
        if q.type == QuestionType.CHOICE:
            value = q.choice(value).label.get(lang)
        lines.append(f"- {q.label.get(lang)}: {value}")
    return "\n".join(lines) or "(none yet)"


_FACT_TOKENS = re.compile(r"\d+|[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+|www\.\S+")


def invents_facts(value: Any, answers: Mapping[str, Any], documents: str = "") -> bool:
    """True when a proposed text has numbers, e-mail addresses or URLs the person never gave.

    Small models invent opening hours and prices (see DESIGN §5); a proposal may only
    repeat such facts from the answers or from the person's own `documents` text.
    """
    texts = value if isinstance(value, list) else [value]
    known = unicodedata.normalize(
        "NFKC", " ".join([*(str(v) for v in answers.values() if v is not None), documents])
    )
    for text in texts:
        if not isinstance(text, str):
            continue
        for token in _FACT_TOKENS.findall(unicodedata.normalize("NFKC", text)):
            if token not in known:
                return True
    return False


def propose_answer(
    job: Job,
    question: Question,
    answers: Mapping[str, Any],
    lang: str,
    *,
    use_llm: bool = True,
    model: str | None = None,
    base_dir: Path | None = None,
    knowledge: Sequence[Hit] = (),
) -> Any:
    """ "Decide for me": a valid answer to offer (the person still confirms it), or None.

    `decide: none` questions (facts: names, prices, addresses) get None — nobody but the
    person may decide them. `decide: default` gives the default, the first choice, or a
    fitting column. `decide: llm` asks the model for a value held to a schema, validates
    it like a typed answer, rejects invented numbers/addresses, and falls back to the
    default on any model error or bad proposal, so the button always does something sane.
    `knowledge` (passages of the person's own documents, see `rag.context`) is shown to
    the model, and facts it contains count as given. Without an explicit `model` routing
    picks it, and learns whether its proposal was worth offering.
    """
    if question.decide == "none":
        return None
    fallback = _default_proposal(question, answers, lang, base_dir)
    if question.decide == "default" or not use_llm:
        return fallback
    asked = f"{job.title.get(lang)}: {question.label.get(lang)}"
    route = choose("decide-for-me", asked, lang, model=model)
    started = time.monotonic()
    try:
        proposal = _ask_model(job, question, answers, lang, route.model, base_dir, knowledge)
        value = validate_answer(question, proposal, lang, base_dir=base_dir, answers=answers)
    except (ModelError, AnswerInvalid) as error:
        log.info(
            "proposal_rejected",
            job=job.id,
            question=question.id,
            error=type(error).__name__,
            detail=error.detail,
        )
        if isinstance(error, AnswerInvalid):  # it answered, badly (a model down says nothing)
            record(route, quality=0.0, seconds=time.monotonic() - started, text=asked)
        return fallback
    documents = " ".join(hit.text for hit in knowledge)
    problem = proposal_problem(question, value, answers, documents)
    record(route, quality=0.0 if problem else 1.0, seconds=time.monotonic() - started, text=asked)
    if problem:
        log.info("proposal_rejected", job=job.id, question=question.id, error=problem)
        return fallback
    return value


def proposal_problem(
    question: Question, value: Any, answers: Mapping[str, Any], documents: str = ""
) -> str | None:
    """Why a valid-looking proposal is still not worth offering, or None."""
    if value is None:
        return "empty"
    if question.type not in (*TEXT_TYPES, QuestionType.LIST) or question.columns_from:
        return None  # colours, numbers, choices and column names carry no invented facts
    if invents_facts(value, answers, documents):
        return "invented_facts"
    examples = {question.example.ja, question.example.en} if question.example else set()
    if value in examples or value in answers.values():
        return "copied"  # the example or another answer repeated is no suggestion
    return None


def _ask_model(
    job: Job,
    question: Question,
    answers: Mapping[str, Any],
    lang: str,
    model: str | None,
    base_dir: Path | None,
    knowledge: Sequence[Hit] = (),
) -> Any:
    from support_system.ai import generate
    from support_system.ai.prompts import render
    from support_system.rag.context import passages_text

    columns = column_choices(question, answers, base_dir=base_dir) if question.columns_from else []
    if question.choices:
        choices = "\n".join(f"- {c.value}: {c.label.get(lang)}" for c in question.choices)
    elif columns:
        choices = "\n".join(f"- {name}" for name in columns)
    else:
        choices = ""
    prompt = render(
        "jobs/propose_answer",
        language=lang,
        job_title=job.title.get(lang),
        job_description=job.description.get(lang),
        question=question.label.get(lang),
        help=question.help.get(lang) if question.help else "",
        example=question.example.get(lang) if question.example else "",
        value_type=_VALUE_TYPES.get(question.type, "text"),
        choices=choices,
        answers=_answers_text(job, answers, lang),
        knowledge=passages_text(list(knowledge)),
    )
    long = question.type in (QuestionType.LONG_TEXT, QuestionType.LIST)
    result = generate(
        prompt,
        model,
        schema=proposal_schema(question, columns or None),
        max_tokens=200 if long else 80,
        temperature=0.3,
        purpose="propose-answer",
    )
    return result.parsed.value


@dataclass(frozen=True)
class Proposal:
    """What "decide for me" offers, and the person's own passages it was based on."""

    value: Any
    knowledge: list[Hit]


def decide_for_me(
    job: Job,
    question: Question,
    answers: Mapping[str, Any],
    lang: str,
    *,
    model: str | None = None,
    base_dir: Path | None = None,
    project_id: int | None = None,
) -> Proposal:
    """`propose_answer`, with the knowledge base consulted first for `decide: llm` questions.

    The search asks for the job and the question together ("Shop page Opening hours"),
    over the shared documents and this project's own; the passages found are returned
    so the page can name its sources next to the proposal.
    """
    from support_system.rag.context import knowledge_for

    hits = (
        knowledge_for(f"{job.title.get(lang)} {question.label.get(lang)}", project=project_id)
        if question.decide == "llm"
        else []
    )
    value = propose_answer(
        job, question, answers, lang, model=model, base_dir=base_dir, knowledge=hits
    )
    return Proposal(value=value, knowledge=hits)
