"""Handover from a dialog to the wizard: "let's make that page", with what was said filled in.

The model reads the conversation and returns, held to a JSON schema built from the job's
questions, a text or null per question. Code then decides what is kept, so a small model
cannot put words in the person's mouth (DESIGN §5, "no invented facts"):

1. the wizard's own validation (`jobs.answers.validate_answer`) must accept it;
2. it must be something the person said (`ungrounded`): a short text, list item or
   product name appears in their messages; a long text uses mostly their words; every
   number (price, phone digits, time) is one they wrote; a choice or colour is one
   they named. Anything the model merely proposed is left for the wizard's own
   "decide for me";
3. then it is saved through `wizard.answer` (committed at once, cursor moved to the
   first question still open).

Whatever is missing or rejected is left for the person to answer in the wizard. If the
model fails, the wizard still starts, with nothing filled in and the error on the result.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, create_model

from support_system.agents.dialog import history, record_event
from support_system.agents.errors import ConversationNotFound
from support_system.agents.prompting import HISTORY_SHARE, context_window, window_history
from support_system.ai import generate
from support_system.ai.prompts import render
from support_system.core.errors import AnswerInvalid, InvalidOutput, ModelError
from support_system.core.languages import has_japanese
from support_system.core.logging import get_logger
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.jobs import wizard
from support_system.jobs.answers import validate_answer
from support_system.jobs.catalogue import get_job, load_catalogue
from support_system.jobs.definitions import Job, Question, QuestionType
from support_system.jobs.flow import visible_questions
from support_system.jobs.proposals import invents_facts
from support_system.jobs.suggest import suggest_jobs
from support_system.routing.service import choose, record

log = get_logger(__name__)

TOKENS_PER_QUESTION = 30  # budget for the JSON answer; it stops once the object is closed
_LONG_TYPES = (QuestionType.LONG_TEXT, QuestionType.LIST, QuestionType.RECORDS)
_PAIR_SEPARATOR = re.compile(r"\s*,?\s*")
_COLON = re.compile(r"\s*:\s*")
LONG_TEXT_COVERAGE = 0.8  # share of a long answer's words the person must have used
_DIGITS = re.compile(r"\d+")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")  # 1,200 / 4.50 / 18
_WORDS = re.compile(r"[^\W\d_]+")
_TYPE_HINTS = {
    QuestionType.LONG_TEXT: "text, may have several lines",
    QuestionType.NUMBER: "a number",
    QuestionType.LIST: "items separated by commas",
    QuestionType.COLOR: "a colour",
}


@dataclass(frozen=True)
class Handover:
    """The wizard session that was started, and what it got from the conversation."""

    session_id: int
    job_id: str
    filled: dict[str, Any]  # question id → the saved (canonical) answer
    unfilled: list[str]  # visible questions left for the person, in order
    rejected: dict[str, str]  # question id → why the model's answer was not used
    error: ModelError | None = None  # the model could not be asked (nothing was filled)


def extractable(job: Job) -> list[Question]:
    """Questions a conversation can answer: not files or a file's columns, and not yes/no
    (a bare yes or no cannot be traced back to what the person said)."""
    return [
        q
        for q in job.questions
        if q.type not in (QuestionType.FILE, QuestionType.YES_NO) and q.columns_from is None
    ]


def extraction_schema(questions: list[Question]) -> type[BaseModel]:
    """{question id: text or null}, every key required so the model considers each one.

    Plain strings keep the grammar small and fast; the wizard's validation turns them
    into typed answers ("4.50" → 4.5, "brown" → "#8a4b14", "Bread, 3" → a record).
    """
    # No max_length: a bounded repetition makes llama.cpp's grammar very slow; the
    # wizard's validation checks lengths anyway.
    fields = {f"q_{q.id}": (str | None, Field(..., alias=q.id)) for q in questions}
    return create_model("Answers", **fields)  # type: ignore[call-overload]


def _question_lines(questions: list[Question], lang: str) -> str:
    lines = []
    for q in questions:
        if q.choices:
            hint = "one of: " + ", ".join(c.value for c in q.choices)
        elif q.type == QuestionType.RECORDS:
            columns = ", ".join(f.label.get(lang) for f in q.fields)
            hint = f"one line per item: {columns}"
        else:
            hint = _TYPE_HINTS.get(q.type, "")
        lines.append(f"- {q.id}: {q.label.get(lang)}" + (f" ({hint})" if hint else ""))
    return "\n".join(lines)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield value


def _words(text: str) -> list[str]:
    """Words of `text` (CJK text counts per character: it has no spaces)."""
    words: list[str] = []
    for run in _WORDS.findall(_norm(text)):
        words.extend(list(run) if has_japanese(run) else [run])
    return words


def _is_amount(leaf: Any) -> bool:
    """A text that is only a number ("1200", "4.50", "1,200")."""
    return isinstance(leaf, str) and _NUMBER.fullmatch(_norm(leaf)) is not None


def _invents_numbers(value: Any, said: str) -> bool:
    """A number the person never wrote: digit runs in texts must be whole runs of theirs
    ("9" is not in "496"), and numeric answers must equal a number they wrote ("4.50")."""
    runs = set(_DIGITS.findall(said))
    numbers = {float(n.replace(",", "")) for n in _NUMBER.findall(said)}
    for leaf in _leaves(value):
        if isinstance(leaf, bool):
            continue
        if isinstance(leaf, (int, float)):
            if float(leaf) not in numbers:
                return True
        elif _is_amount(leaf) and float(_norm(leaf).replace(",", "")) in numbers:
            continue  # a price kept as text: "1200" for the "1,200円" they wrote
        elif any(run not in runs for run in _DIGITS.findall(_norm(str(leaf)))):
            return True
    return False


def ungrounded(question: Question, raw: str, value: Any, person_words: str) -> str | None:
    """Why the model's answer (`raw`, validated to `value`) is not something the person
    said ("invented_facts", "not_in_conversation"), or None when it may be used."""
    said = _norm(person_words)
    if question.type in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE):
        chosen = value if isinstance(value, list) else [value]
        for item in chosen:
            label = question.choice(item).label
            names = [item, *(text.split("(")[0].split("（")[0] for text in (label.ja, label.en))]
            if not any(_norm(name) and _norm(name) in said for name in names):
                return "not_in_conversation"
        return None
    if question.type == QuestionType.COLOR:
        return None if _norm(raw) in said or _norm(value) in said else "not_in_conversation"
    texts = [str(v) for v in _leaves(value) if isinstance(v, str)]
    worded = [text for text in texts if not _is_amount(text)]  # amounts: compared as numbers
    if _invents_numbers(value, said) or invents_facts(worded, {"said": person_words}):
        return "invented_facts"
    if question.type == QuestionType.LONG_TEXT:
        words = _words(" ".join(texts))
        known = set(_words(said))
        if words and sum(word in known for word in words) < LONG_TEXT_COVERAGE * len(words):
            return "not_in_conversation"
    elif question.type in (QuestionType.TEXT, QuestionType.LIST, QuestionType.RECORDS):
        if any(_norm(text) not in said for text in worded):
            return "not_in_conversation"
    return None


def _transcript(conversation_id: int, model: str | None) -> tuple[str, str, int]:
    """(the newest conversation that fits half the window, all the person said, user id)."""
    with session_scope() as session:
        conversation = repo.get_conversation(session, conversation_id)
        if conversation is None:
            raise ConversationNotFound(f"conversation {conversation_id} does not exist")
        messages = repo.list_messages(session, conversation_id, events=False)
        user_id = conversation.user_id
    turns = [("Person" if m.sender == "user" else "Assistant", m.content) for m in messages]
    window = window_history(turns, int(context_window(model) * HISTORY_SHARE))
    transcript = "\n".join(f"{who}: {text}" for who, text in window)
    person_words = "\n".join(m.content for m in messages if m.sender == "user")
    return transcript, person_words, user_id


def asking_order(questions: list[Question]) -> list[Question]:
    """Short answers first: a small model that rambles on a long one (a product list) and
    runs out of tokens has then already given the short ones, which `salvage` keeps."""
    return sorted(questions, key=lambda q: q.type in _LONG_TYPES)


def salvage(text: str) -> dict[str, Any]:
    """The complete `"key": value` pairs at the start of a JSON object cut off mid-way."""
    decoder = json.JSONDecoder()
    position = text.find("{") + 1
    pairs: dict[str, Any] = {}
    while position > 0:
        position = _PAIR_SEPARATOR.match(text, position).end()  # type: ignore[union-attr]
        try:
            key, position = decoder.raw_decode(text, position)
            colon = _COLON.match(text, position)
            if not isinstance(key, str) or colon is None:
                break
            value, position = decoder.raw_decode(text, colon.end())
        except json.JSONDecodeError:
            break
        pairs[key] = value
    return pairs


def ask_for_answers(
    job: Job, questions: list[Question], transcript: str, lang: str, model: str | None, user_id: int
) -> dict[str, Any]:
    questions = asking_order(questions)
    prompt = render(
        "agents/handover",
        language=lang,
        job_title=job.title.get(lang),
        job_description=job.description.get(lang),
        questions=_question_lines(questions, lang),
        conversation=transcript,
    )
    try:
        # Streamed so that a cut-off answer raises at once with its text, instead of
        # being handed to a fallback model that would start again from nothing.
        stream = generate(
            prompt,
            model,
            stream=True,
            schema=extraction_schema(questions),
            max_tokens=_max_tokens(questions),
            temperature=0.0,
            purpose="handover",
            user_id=user_id,
        )
        for _ in stream:
            pass
    except InvalidOutput as cut_off:  # ran out of tokens: keep the answers it finished
        kept = salvage(cut_off.partial_text)
        if not kept:
            raise
        log.info("handover_salvaged", job=job.id, kept=sorted(kept), detail=cut_off.detail)
        return {key: value for key, value in kept.items() if isinstance(value, str)}
    assert stream.result is not None  # set once the stream has ended without an error
    return stream.result.parsed.model_dump(by_alias=True)


def screen_answers(
    job: Job,
    questions: list[Question],
    proposed: dict[str, str],
    person_words: str,
    language: str,
) -> tuple[dict[str, str], dict[str, str]]:
    """The model's proposed answers that pass the wizard's own validation and were said
    by the person: (question id → raw answer, in question order; question id → why one
    was rejected). Questions are walked in order, so show_if sees the answers before it."""
    kept: dict[str, str] = {}
    rejected: dict[str, str] = {}
    answers: dict[str, Any] = {}
    for question in questions:
        raw = proposed.get(question.id)
        if raw is None or not raw.strip():
            continue
        if question.id not in {q.id for q in visible_questions(job, answers)}:
            continue
        try:  # the wizard's own validation, then: did the person really say it?
            value = validate_answer(question, raw, language, answers=answers)
        except AnswerInvalid as invalid:
            rejected[question.id] = f"invalid: {invalid.reason_text('en')}"
            continue
        problem = ungrounded(question, raw, value, person_words) if value is not None else "empty"
        if problem:
            rejected[question.id] = problem
            continue
        answers[question.id] = value
        kept[question.id] = raw
    return kept, rejected


def _max_tokens(questions: list[Question]) -> int:
    return 20 + TOKENS_PER_QUESTION * len(questions)


def handover(
    conversation_id: int, job_id: str, *, language: str, model: str | None = None
) -> Handover:
    """Start the wizard for `job_id` with the answers the conversation gives, validated.

    Raises UnknownJob for a job id the catalogue does not have; a model failure does not
    raise (see `Handover.error`).
    """
    job = get_job(job_id)
    transcript, person_words, user_id = _transcript(conversation_id, model)
    questions = extractable(job)
    error: ModelError | None = None
    asked = f"{job.title.get(language)}: {person_words[-500:]}"
    route = choose("hand-over", asked, language, model=model)
    started = time.monotonic()
    try:
        proposed = ask_for_answers(job, questions, transcript, language, route.model, user_id)
    except ModelError as failure:
        log.warning(
            "handover_model_failed", job=job.id, error=type(failure).__name__, detail=failure.detail
        )
        proposed, error = {}, failure
    session_id = wizard.start(user_id, job.id, language).id
    kept, rejected = screen_answers(job, questions, proposed, person_words, language)
    if kept or rejected:  # how much of what it proposed the wizard could take
        quality = len(kept) / (len(kept) + len(rejected))
        record(route, quality=quality, seconds=time.monotonic() - started, text=asked)
    filled: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for question_id, raw in kept.items():  # in question order
        answers = wizard.answer(session_id, question_id, raw, language).answers
        filled[question_id] = answers[question_id]
    unfilled = [q.id for q in visible_questions(job, answers) if q.id not in filled]
    record_event(
        conversation_id,
        {
            "event": "handover",
            "job_id": job.id,
            "wizard_session_id": session_id,
            "filled": sorted(filled),
        },
    )
    log.info("handover", job=job.id, session=session_id, filled=sorted(filled), rejected=rejected)
    return Handover(session_id, job.id, filled, unfilled, rejected, error)


def grounded_answers(
    job: Job,
    person_words: str,
    language: str,
    *,
    questions: list[Question] | None = None,
    model: str | None = None,
    user_id: int | None = None,
) -> tuple[dict[str, str], dict[str, str], ModelError | None]:
    """What `person_words` (one request, not a conversation) already answer for `job`,
    checked exactly as the hand-over checks them, without starting a wizard.

    `questions` narrows what is asked (default: every `extractable` question); fewer
    questions make a shorter, faster answer. Returns (question id → the raw answer to
    save, in question order; question id → why a proposed answer was rejected; the
    model's error, if it could not be asked). Home's request understanding uses it, so
    a request states answers by the same rules a conversation does.
    """
    questions = extractable(job) if questions is None else questions
    try:
        proposed = ask_for_answers(
            job,
            questions,
            f"Person: {person_words}",
            language,
            model,
            user_id,  # type: ignore[arg-type]
        )
    except ModelError as failure:
        log.warning("grounded_answers_model_failed", job=job.id, error=type(failure).__name__)
        return {}, {}, failure
    kept, rejected = screen_answers(job, questions, proposed, person_words, language)
    return kept, rejected, None


def jobs_for_handover(conversation_id: int | None) -> list[Job]:
    """Every job in the catalogue, those that match what the person said first.

    Only the person's own words count (not the assistant's suggestions), so the job
    offered first is the one they asked for.
    """
    jobs = load_catalogue()
    said = (
        " ".join(m.content for m in history(conversation_id) if m.sender == "user")
        if conversation_id
        else ""
    )
    best = [s.job.id for s in suggest_jobs(said)] if said else []
    return [jobs[j] for j in best] + [job for j, job in jobs.items() if j not in best]
