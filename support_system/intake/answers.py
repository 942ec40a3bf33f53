"""The answers a Home request already gives, and starting its job with them filled in.

The extraction is the chat hand-over's (`agents.handover.grounded_answers`): the model
proposes an answer per question, the wizard's validation and the grounding rules keep
only what the person wrote. A one-line request needs two more rules than a
conversation, because its words are mostly about *what* to make:

* **The kind of thing is not an answer.** Measured: for 「パン屋のホームページを作りたい」
  the 0.5B model proposed the whole request as the shop's name, and for "a web page for
  my bakery" the name "My Bakery" — both grounded, both wrong. A proposed text is
  dropped when, without the words that chose the job (cue words, the job's title, stop
  words), nothing is left of it, or when it is most of the request.
* **No words beyond the kind, no model call.** The same stripping tells whether the
  request says anything specific at all ("Sunflower Bakery", a date, a quoted name);
  when it does not, the model is not asked (a call costs 3–15 s on 2 cores).

Only short questions are asked about (names, titles, numbers, choices, colours): a
request does not carry a product list or a long text, and each question costs tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from support_system.core.errors import AnswerInvalid
from support_system.core.languages import LANGUAGES
from support_system.core.logging import get_logger
from support_system.intake.cues import all_cue_patterns, normalise
from support_system.jobs.catalogue import get_job
from support_system.jobs.definitions import Job, Question, QuestionType

log = get_logger(__name__)

SHORT_TYPES = (
    QuestionType.TEXT,
    QuestionType.NUMBER,
    QuestionType.CHOICE,
    QuestionType.MULTI_CHOICE,
    QuestionType.COLOR,
)
MOST_OF_REQUEST = 0.6
"""A proposed text this large a share of the request is the request, not an answer."""

# Words that say nothing specific: how people ask, and what any page or program is.
_STOP_WORDS = frozenset(
    """a an the my our your his her their i me we you it this that these those for of to in
    on at by with and or but from about as into please could would can will should do make
    made create build need want wanted like some simple nice little small new page pages
    web website homepage site online program script tool app thing something one just
    also help me up put have has get i'd i'm we're it's let's hi hello thanks thank so
    really very all every each""".split()
)
# Japanese: how people ask for something, and generic nouns of pages and programs.
_JA_GENERIC = re.compile(
    r"作(?:り|っ|る|れ|成)|つく(?:り|っ|る|れ)|ほし|欲し|下さ|くださ|お願い|できま|出来|"
    r"ホームページ|ウェブ|サイト|ページ|プログラム|ツール|私|自分|うち|今度|簡単"
)
_KANA = re.compile(r"[\u3040-\u309f]+")  # hiragana: particles and verb endings
_ASCII_WORD = re.compile(r"[a-z0-9][a-z0-9'&.-]*")
_DIGIT = re.compile(r"[0-9０-９]")


@dataclass(frozen=True)
class StatedAnswers:
    """What one request already answers for one job (see `answers_for`)."""

    answers: dict[str, str]  # question id → the raw answer, in question order
    rejected: dict[str, str]  # question id → why the model's proposal was not kept
    error: Exception | None = None  # the model could not be asked (nothing was kept)
    asked: bool = True  # False: the request said nothing specific, the model was skipped


@dataclass(frozen=True)
class StartedJob:
    """The project `start_job` created and the answers it filled in."""

    project_id: int
    session_id: int
    filled: dict[str, str]
    error: Exception | None = None


def _job_words(job: Job) -> set[str]:
    text = normalise(
        " ".join(f"{job.title.get(lang)} {job.description.get(lang)}" for lang in ("ja", "en"))
    )
    return set(_ASCII_WORD.findall(text))


def specific_part(text: str, job: Job, *, keep_kana: bool = True) -> str:
    """What is left of `text` without the words that only say what kind of thing is
    wanted: cue words, the job's own title and description words, stop words, and
    generic Japanese phrasing. Hiragana (particles, verb endings) goes too unless
    `keep_kana` (a shop called 「ひまわり」 is all hiragana)."""
    normal = normalise(text)
    for pattern in all_cue_patterns():
        normal = pattern.sub(" ", normal)
    normal = _JA_GENERIC.sub(" ", normal)
    generic = _STOP_WORDS | _job_words(job)
    normal = _ASCII_WORD.sub(lambda m: " " if m.group(0) in generic else m.group(0), normal)
    if not keep_kana:
        normal = _KANA.sub(" ", normal)
    return re.sub(r"[\W_]+", "", normal)


def says_something_specific(request: str, job: Job) -> bool:
    """True when `request` has words beyond the kind of thing it asks for (a name, a
    date, a place): only then can it answer one of the job's questions."""
    return len(specific_part(request, job, keep_kana=False)) >= 2


def like_its_example(question: Question, raw: str) -> bool:
    """False for a text without a digit where the question's example has one (a date,
    a time, a phone number, an address). Measured in the open-requests bench: "a
    wedding invitation from Anna and Ben" filled "By when should guests reply?" with
    "Anna and Ben" — grounded in the request, but the answer to another question. A
    request's words fill a question only when they look like its answer."""
    if question.type != QuestionType.TEXT or question.example is None:
        return True
    wants_digit = any(_DIGIT.search(question.example.get(lang)) for lang in LANGUAGES)
    return not wants_digit or bool(_DIGIT.search(raw))


def _is_generic(question: Question, raw: str, request: str, job: Job) -> bool:
    if question.type != QuestionType.TEXT:
        return False
    if len(normalise(raw).strip()) >= MOST_OF_REQUEST * len(normalise(request).strip()):
        return True
    return len(specific_part(raw, job)) < 2


def answers_for(
    job_id: str, request: str, lang: str, *, model: str | None = None, user_id: int | None = None
) -> StatedAnswers:
    """The answers `request` already gives for `job_id`, grounded in the person's words
    (the chat hand-over's rules, plus this module's two); UnknownJob for a job the
    catalogue lacks. A model failure is on `error`, with nothing kept."""
    from support_system.agents.handover import extractable, grounded_answers

    job = get_job(job_id)
    if not says_something_specific(request, job):
        return StatedAnswers({}, {}, None, asked=False)
    questions = [q for q in extractable(job) if q.type in SHORT_TYPES]
    kept, rejected, error = grounded_answers(
        job, request, lang, questions=questions, model=model, user_id=user_id
    )
    answers: dict[str, str] = {}
    for question_id, raw in kept.items():
        question = job.question(question_id)
        if _is_generic(question, raw, request, job):
            rejected[question_id] = "names_the_kind_of_thing"
        elif not like_its_example(question, raw):
            rejected[question_id] = "no_number_like_its_example"
        else:
            answers[question_id] = raw
    log.info("intake_answers", job=job_id, kept=sorted(answers), rejected=rejected)
    return StatedAnswers(answers, rejected, error)


def start_job(
    user_id: int, job_id: str, request: str, lang: str, *, model: str | None = None
) -> StartedJob:
    """A new project for `job_id` whose wizard already holds what `request` says.

    The answers are saved through the wizard (`wizard.answer`: validated again and
    committed), as the chat hand-over saves them, so the person lands on the first
    question still open. If the model cannot be asked, the project starts empty.
    """
    from support_system.jobs import wizard, workspace

    stated = answers_for(job_id, request, lang, model=model, user_id=user_id)
    project_id, session_id = workspace.create_project(user_id, job_id, lang)
    filled: dict[str, str] = {}
    for question_id, raw in stated.answers.items():
        try:
            wizard.answer(session_id, question_id, raw, lang)
        except AnswerInvalid:  # checked once already; never block the start on it
            continue
        filled[question_id] = raw
    log.info("intake_job_started", job=job_id, session=session_id, filled=sorted(filled))
    return StartedJob(project_id, session_id, filled, stated.error)
