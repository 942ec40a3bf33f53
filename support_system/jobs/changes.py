"""Change requests after Preview: "friendlier", 「もっと丁寧に」, "add a section about
parking", "the phone number is now 03-…", "sort the products by price".

A change never edits the finished file by hand. It becomes part of what the next
version is made from, so the new version goes through every check the first one did:

- a fact the request states ("the phone number is now …") becomes the new answer, by
  the hand-over's rules (`agents.handover.grounded_answers`: the model proposes, the
  wizard validates, and only what the person really said is kept);
- "sort … by …" reorders the rows of the list answer whose column is named;
- "add a section about X" adds a section with the person's own text (a page never
  gets text the person did not give: they are asked for it when the request has none);
- anything else is a wording note for what the model writes (a page's welcome and
  closing, a program's title and description).

Notes and added sections are kept in the wizard's answers under `CHANGES_KEY`, so they
travel with the answers into every later version, are part of each version's snapshot
(`result.json`) and are undone with it (`workspace.restore_version`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from support_system.core.errors import ModelError
from support_system.core.logging import get_logger
from support_system.jobs import wizard
from support_system.jobs.answers import parse_number
from support_system.jobs.definitions import (
    CHANGES_KEY,
    ITEM_TYPES,
    Job,
    Question,
    QuestionType,
)

log = get_logger(__name__)

MAX_NOTES = 5  # older wording notes drop out: the prompt stays short, the latest wins
MAX_REQUEST = 500
MAX_SECTION_TEXT = 2000

_ADD_EN = re.compile(
    r"\badd\s+(?:a\s+|an\s+|one\s+)?(?:new\s+)?(?:section|part|paragraph|block)\s+"
    r"(?:about|on|for|with|called|titled)\s+(?P<topic>[^:\n]+?)\s*(?::\s*(?P<body>.+))?$",
    re.IGNORECASE | re.DOTALL,
)
_ADD_JA = re.compile(
    r"(?P<topic>[^、。:：\n]+?)(?:について|に関する|の)(?:セクション|欄|項目|段落|説明|案内|情報)"
    r"(?:を|も)?(?:追加|加え|足し|入れ|載せ)[^:：]*?(?:[:：]\s*(?P<body>.+))?$",
    re.DOTALL,
)
_SORT_EN = re.compile(
    r"\b(?:sort|order|arrange)\s+(?:the\s+)?(?P<what>[\w\s]*?)\s*by\s+(?P<column>[^,.;]+?)"
    r"(?P<order>,?\s+(?:descending|desc|newest first|highest first|largest first|"
    r"in reverse|reversed|from high to low))?\s*[.!]?$",
    re.IGNORECASE,
)
_SORT_JA = re.compile(
    r"(?P<column>[^、。を\s]+?)(?:が|の)?(?P<order>高い|大きい|新しい|多い|低い|安い|小さい|古い|少ない)?"
    r"順(?:番)?(?:に|で)(?:並べ|ソート|並び替え|整列)"
)
_DESCENDING_JA = ("高い", "大きい", "新しい", "多い")


@dataclass(frozen=True)
class AddedSection:
    """A section the person asked for, with their own words."""

    heading: str
    body: str


@dataclass(frozen=True)
class SortRequest:
    """Reorder the rows of a list answer by one of its columns."""

    question_id: str
    field_id: str
    descending: bool


@dataclass
class ChangePlan:
    """What one request changes. Empty (`is_empty`) means nothing could be taken from it.

    `needs_text` is the heading of a section the person asked to add without saying
    what it should say: they are asked for the text before anything changes.
    `edit_instead` names a list answer the request is about ("coffee is now 500 yen"):
    the person is sent to edit that list, since one sentence cannot rebuild it.
    """

    request: str
    answers: dict[str, str] = field(default_factory=dict)  # question id → new raw answer
    sort: SortRequest | None = None
    section: AddedSection | None = None
    needs_text: str | None = None
    note: str | None = None
    edit_instead: str | None = None  # a list answer the request names: edited, not rebuilt
    model_error: ModelError | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.answers or self.sort or self.section or self.note)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", _clean(text).casefold())


def section_request(request: str) -> tuple[str, str] | None:
    """(heading, body) when the request asks to add a section; body may be empty."""
    text = _clean(request)
    match = _ADD_EN.search(text) or _ADD_JA.search(text)
    if match is None:
        return None
    topic = match.group("topic").strip(" 「」\"'")
    topic = re.sub(r"^(?:the|a|an)\s+", "", topic, flags=re.IGNORECASE)
    if not topic:
        return None
    body = (match.group("body") or "").strip()
    return topic[:1].upper() + topic[1:], body


def _record_questions(job: Job) -> list[Question]:
    return [q for q in job.questions if q.type == QuestionType.RECORDS and q.fields]


def sort_request(job: Job, request: str) -> SortRequest | None:
    """The list answer and column a "sort by …" request names, if the job has them."""
    text = _clean(request)
    match = _SORT_EN.search(text) or _SORT_JA.search(text)
    if match is None:
        return None
    wanted = _norm(match.group("column"))
    wanted = re.sub(r"^(the|their|its)", "", wanted)
    order = (match.group("order") or "").strip(" ,")
    descending = bool(order) and (order in _DESCENDING_JA or not _SORT_JA.search(text))
    for question in _record_questions(job):
        for record_field in question.fields or []:
            label = record_field.label
            names = {_norm(record_field.id), _norm(label.ja), _norm(label.en)}
            if wanted in names or any(n and (n in wanted or wanted in n) for n in names):
                return SortRequest(question.id, record_field.id, descending)
    return None


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers (prices with a currency sign too) by value, dates and text as text."""
    text = _clean(str(value if value is not None else ""))
    number = parse_number(text)
    return (0, number) if number is not None else (1, text.casefold())


def sorted_rows(rows: list[dict[str, Any]], sort: SortRequest) -> list[dict[str, Any]]:
    """The rows in the asked order; rows without a value in that column stay last."""
    present = [r for r in rows if str(r.get(sort.field_id) or "").strip()]
    missing = [r for r in rows if not str(r.get(sort.field_id) or "").strip()]
    ordered = sorted(present, key=lambda r: _sort_key(r.get(sort.field_id)))
    return [*(reversed(ordered) if sort.descending else ordered), *missing]


_STOP_WORDS = frozenset(
    "what which where when who how is are was the your you our this that these those and "
    "their there for with from into about choose enter list give write please would like "
    "short main page shop describe describes suits want should does have".split()
)
_JA_TERM = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ffー]{2,}")


def _terms(text: str) -> set[str]:
    """Words that name a question: English words of 4+ letters and runs of 2+ kanji or
    katakana ("電話番号")."""
    text = _clean(text).casefold()
    words = {w for w in re.findall(r"[a-z]{4,}", text) if w not in _STOP_WORDS}
    return words | set(_JA_TERM.findall(text))


def _names(term: str, said: set[str], text: str) -> bool:
    if not term.isascii():
        return term in text
    return any(w.startswith(term) or term.startswith(w) for w in said if w.isascii())


def mentioned_questions(request: str, candidates: list[Question]) -> list[Question]:
    """The questions whose subject the request names ("the phone number is now …",
    "open until 8"). Asking the model about one question instead of eight is what lets
    a small model copy the new value exactly."""
    said = _terms(request)
    text = _clean(request).casefold()
    return [
        q
        for q in candidates
        if any(
            _names(term, said, text)
            for term in _terms(f"{q.id.replace('_', ' ')} {q.label.en} {q.label.ja}")
        )
    ]


_FACT_LIKE = re.compile(r"\d|@|https?://|www\.")


def plan_change(
    job: Job,
    answers: dict[str, Any],
    request: str,
    lang: str,
    *,
    section_text: str | None = None,
    model: str | None = None,
    user_id: int | None = None,
) -> ChangePlan:
    """What `request` changes in a session with `answers` (nothing is saved yet).

    Rules first (a section, a sort): they are exact and cost nothing. Otherwise the
    model is asked which answers the request restates, and what it does not turn into
    answers is a wording note.
    """
    from support_system.agents.handover import extractable, grounded_answers

    request = _clean(request)[:MAX_REQUEST]
    plan = ChangePlan(request=request)
    if not request:
        return plan
    section = section_request(request)
    if section is not None:
        heading, body = section
        body = _clean(section_text or "") or body
        if body:
            plan.section = AddedSection(heading, body[:MAX_SECTION_TEXT])
        else:
            plan.needs_text = heading
        return plan
    plan.sort = sort_request(job, request)
    if plan.sort is not None:
        return plan
    # A list answer is never rebuilt from one sentence: "coffee is now 500 yen" would
    # replace every product with one. The person edits the list itself instead.
    asked = extractable(job)
    candidates = [q for q in asked if q.type not in ITEM_TYPES]
    named = mentioned_questions(request, asked)
    named_lists = [q for q in named if q.type in ITEM_TYPES]
    questions = [q for q in named if q.type not in ITEM_TYPES]
    if named_lists and not questions:
        plan.edit_instead = named_lists[0].id
        return plan
    if not questions and not _FACT_LIKE.search(request):
        plan.note = request  # names no question and states no fact: a wording request
        return plan
    kept, rejected, error = grounded_answers(
        job, request, lang, questions=questions or candidates, model=model, user_id=user_id
    )
    plan.model_error = error
    plan.answers = {
        qid: raw for qid, raw in kept.items() if _clean(str(answers.get(qid) or "")) != _clean(raw)
    }
    if rejected:
        log.info("change_answers_rejected", job=job.id, rejected=rejected)
    if not plan.answers:
        plan.note = request
    return plan


def _changes(answers: dict[str, Any]) -> dict[str, list[Any]]:
    stored = answers.get(CHANGES_KEY) or {}
    return {
        "notes": [str(n) for n in stored.get("notes") or []],
        "sections": [dict(s) for s in stored.get("sections") or []],
    }


def change_notes(answers: dict[str, Any]) -> list[str]:
    """The wording notes a generator passes to the model, oldest first."""
    return _changes(answers)["notes"]


def added_sections(answers: dict[str, Any]) -> list[AddedSection]:
    """The sections the person added, in the order they asked for them."""
    return [
        AddedSection(str(s.get("heading") or ""), str(s.get("body") or ""))
        for s in _changes(answers)["sections"]
        if s.get("heading") and s.get("body")
    ]


def apply_change(session_id: int, plan: ChangePlan, lang: str) -> wizard.WizardState:
    """Save what `plan` changes into the session (answers validated by the wizard).

    Raises AnswerInvalid when a restated answer does not pass the wizard's checks;
    answers saved before it stay saved (each is committed on its own, like typing it).
    """
    state = wizard.resume(session_id)
    for question_id, raw in plan.answers.items():
        state = wizard.answer(session_id, question_id, raw, lang)
    if plan.sort is not None:
        rows = list(state.answers.get(plan.sort.question_id) or [])
        state = wizard.set_value(session_id, plan.sort.question_id, sorted_rows(rows, plan.sort))
    if plan.section is not None or plan.note:
        changes = _changes(state.answers)
        if plan.section is not None:  # a section asked for again is rewritten, not doubled
            heading = plan.section.heading
            changes["sections"] = [
                *(s for s in changes["sections"] if _norm(str(s.get("heading"))) != _norm(heading)),
                {"heading": heading, "body": plan.section.body},
            ]
        if plan.note:
            changes["notes"] = [*changes["notes"], plan.note][-MAX_NOTES:]
        state = wizard.set_value(session_id, CHANGES_KEY, changes)
    return state


def request_change(
    session_id: int,
    request: str,
    lang: str,
    *,
    section_text: str | None = None,
    model: str | None = None,
) -> ChangePlan:
    """Plan `request` for the session and save it, unless the person must first say
    what a new section should hold (`needs_text`) or nothing could be taken from it
    (`is_empty`). The caller then makes the next version."""
    state = wizard.resume(session_id)
    plan = plan_change(
        state.job,
        state.answers,
        request,
        lang,
        section_text=section_text,
        model=model,
        user_id=state.user_id,
    )
    if plan.needs_text is None and not plan.is_empty:
        apply_change(session_id, plan, lang)
    log.info(
        "change_requested",
        session=session_id,
        answers=sorted(plan.answers),
        sort=bool(plan.sort),
        section=bool(plan.section),
        note=bool(plan.note),
        needs_text=bool(plan.needs_text),
    )
    return plan


def describe_plan(job: Job, plan: ChangePlan, lang: str) -> list[str]:
    """What the plan changed, one plain line each, for the person to check."""
    from support_system.core.i18n import t

    lines = [
        t("changes.answer", lang, question=job.question(qid).label.get(lang), value=raw)
        for qid, raw in plan.answers.items()
    ]
    if plan.sort is not None:
        question = job.question(plan.sort.question_id)
        column = next(f for f in question.fields or [] if f.id == plan.sort.field_id)
        lines.append(
            t(
                "changes.sorted_desc" if plan.sort.descending else "changes.sorted",
                lang,
                question=question.label.get(lang),
                column=column.label.get(lang),
            )
        )
    if plan.section is not None:
        lines.append(t("changes.section", lang, heading=plan.section.heading))
    if plan.note:
        lines.append(t("changes.note", lang, note=plan.note))
    return lines
