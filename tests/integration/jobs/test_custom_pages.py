"""Custom pages (issue 13): a request the catalogue has no job for is planned by the real
model into blocks and questions, answered, built and checked like any catalogue page.

The planner is the configured one (the 1.5B model); answers are scripted per question
type, as a person would type them, with facts the page must then show verbatim.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from support_system.core.errors import UnknownJob
from support_system.core.settings import PROJECT_ROOT
from support_system.generators.pipeline import Budget, run_pipeline
from support_system.generators.webpage.generator import verbatim_facts
from support_system.jobs import wizard, workspace
from support_system.jobs.answers_file import validate_answers
from support_system.jobs.catalogue import get_job, get_job_for
from support_system.jobs.custom_jobs import load_custom_job
from support_system.jobs.definitions import Job, QuestionType
from support_system.jobs.page_planner import plan_custom_page
from support_system.jobs.page_plans import is_custom
from tests.helpers.generate_cli import DEAD_MODEL

SAMPLES = PROJECT_ROOT / "data" / "samples"
pytestmark = [pytest.mark.model, pytest.mark.browser]

# What a person would type, per kind of answer: every one a fact the page must show.
TEXT = {
    "ja": "2歳のおとなしい猫です。人が大好きで、ひざの上でよく眠ります。",
    "en": "We are a small group of neighbours who meet every Saturday morning.",
}
ITEMS = {"ja": ["ワクチン接種済み", "室内飼いのみ"], "en": ["Bring water", "Wear good shoes"]}
CELLS = {
    "price": {"ja": "1,500円", "en": "$12.50"},
    "when": {"ja": "5月10日 10:00", "en": "Sat 10 May, 10 am"},
}


def _answer(question: Any, lang: str) -> Any:
    """A realistic answer for one planned question."""
    if question.type == QuestionType.FILE:  # one photo given, the others skipped
        return "gallery/vase.png" if question.id.endswith("_photo_1") else None
    if question.type == QuestionType.LONG_TEXT:
        return TEXT[lang]
    if question.type == QuestionType.LIST:
        return ITEMS[lang]
    if question.type == QuestionType.RECORDS:
        row = {
            f.id: CELLS.get(f.id, {}).get(lang, f"{f.label.get(lang)} 1") for f in question.fields
        }
        return [row, {k: (v + "!" if k != "price" else v) for k, v in row.items()}]
    if question.id.endswith(("_contact", "_target")):
        return "hello@example.org"
    if question.id.endswith("_address") or question.id.startswith("s"):
        return {"ja": "大阪府大阪市北区梅田1-2-3", "en": "12 High Street, Bristol BS1 4DJ"}[lang]
    return None  # title, tagline, colour, layout: their defaults


@pytest.mark.parametrize(
    ("request_text", "lang", "copy_by_model"),
    [
        ("うちの猫の里親を探すページを作りたい", "ja", True),
        ("町の図書館ボランティアの募集ページ", "ja", False),  # planned by the model all the same
    ],
)  # The English page (planned, answered, built, checked, facts on the published page)
# is tests/e2e/test_custom_keyboard.py's walk: the same steps, by keyboard in the app.
def test_a_planned_page_is_answered_built_and_passes_every_check(
    db,
    extra_models,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request_text: str,
    lang: str,
    copy_by_model: bool,
) -> None:
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope

    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
    planned = plan_custom_page(request_text, lang, user_id=user_id)
    job = planned.job
    assert planned.model == "qwen2.5-coder-1.5b"  # the configured planner answered
    assert is_custom(job.id) and 1 <= len(job.sections) <= 6
    assert job.description.get(lang) == request_text
    assert job.question("title").default_for(lang) == planned.plan.title

    raw = {q.id: _answer(q, lang) for q in job.questions}
    answers = validate_answers(
        {k: v for k, v in raw.items() if v is not None}, job, lang, base_dir=SAMPLES
    )
    copy_model = None
    if not copy_by_model:  # the blocks and checks are what is tested; saves a model call
        monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
        extra_models([DEAD_MODEL])
        copy_model = DEAD_MODEL["name"]
    result = run_pipeline(
        job,
        answers,
        tmp_path / "out",
        lang=lang,
        model=copy_model,
        budget=Budget(attempts=2),
        base_dir=SAMPLES,
    )
    failed = {c.name: c.messages for c in result.checks if not c.passed}
    assert result.ok and not failed, failed
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    facts = verbatim_facts(job, answers)
    assert TEXT[lang] in facts or ITEMS[lang][0] in facts or any("1" in f for f in facts)
    for fact in facts:
        assert str(escape(fact)) in page, fact


def test_a_planned_job_is_stored_and_opens_in_the_wizard_from_any_process(db) -> None:
    """Another process (a worker, the API) has an empty cache: it reads the database."""
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope
    from support_system.jobs.custom_jobs import new_custom_id, save_custom_job
    from support_system.jobs.page_plans import PagePlan, job_from_plan

    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
    plan = PagePlan.model_validate(
        {"title": "Lost cat", "sections": [{"kind": "text", "heading": "What happened"}]}
    )
    job = save_custom_job(
        job_from_plan(plan, "find my cat", "en", new_custom_id()), user_id, "find my cat"
    )
    load_custom_job.cache_clear()
    stored: Job = get_job(job.id)
    assert stored == job
    _, session_id = workspace.create_project(user_id, job.id, "en")
    state = wizard.resume(session_id)
    assert state.job.id == job.id and state.job.sections[0].heading.get("en") == "What happened"
    assert state.question is not None and state.question.id == "title"

    # Someone else cannot open it: their request and headings are this person's words.
    from support_system.data.schema import User

    with session_scope() as session:
        someone = User(username="someone-else")
        session.add(someone)
        session.flush()
        other = someone.id
    with pytest.raises(UnknownJob):
        workspace.create_project(other, job.id, "en")
    with pytest.raises(UnknownJob):
        get_job_for(job.id, other)
    assert get_job_for(job.id, other, admin=True) == job
