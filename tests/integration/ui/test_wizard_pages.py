"""The wizard pages headless (AppTest): choose a job, answer questions, review, resume.

Real script, real services, real SQLite in a per-test state dir; no model is called
(no "decide for me" on `decide: llm` questions, nothing is generated). Answers are
always read back from the database, which is what every page does too.
"""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from support_system.accounts.preferences import load_preferences, update_preferences
from support_system.core.i18n import t
from support_system.jobs import wizard, workspace
from support_system.jobs.catalogue import load_catalogue
from tests.helpers.apptest import (
    APP,
    answer_field,
    button,
    click,
    errors,
    go,
    labels,
    open_app,
    progress,
    rerun,
    shown_text,
    title,
)
from tests.helpers.wizard import PROGRESS_1, SHOP, shop_session

LANGS = ["ja", "en"]
# Exact strings, so a missing translation (the key or the other language) shows up.
REQUIRED_ERROR = {"ja": "この質問には回答が必要です。", "en": "This question needs an answer."}


def submit(app: AppTest, value: str, lang: str) -> AppTest:
    answer_field(app).input(value)
    return click(app, t("ui.questions.next", lang))


# --- 1. jobs ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_jobs_page_lists_searches_filters_and_starts_a_project(user_id, lang) -> None:
    catalogue = list(load_catalogue().values())
    heading = {job.id: f"{job.icon} {job.title.get(lang)}" for job in catalogue}
    app = open_app(lang, "jobs")
    assert title(app) == t("ui.jobs.title", lang)
    assert len(catalogue) >= 20  # issue 13: a catalogue of at least 20 jobs
    assert [s.value for s in app.header] == [heading[job.id] for job in catalogue]
    assert t("ui.jobs.count", lang, count=len(catalogue)) in [c.value for c in app.caption]

    app.text_input[0].input("CSV")
    rerun(app)
    assert app.header[0].value == heading["csv-summary"]

    app.text_input[0].input("")
    app.radio[0].set_value("program")
    rerun(app)
    programs = [heading[job.id] for job in catalogue if job.kind == "program"]
    assert [s.value for s in app.header] == programs and len(programs) >= 3
    app.text_input[0].input("zzzz qqqq")
    rerun(app)
    assert not app.header and t("ui.jobs.none", lang) in [i.value for i in app.info]
    app.text_input[0].input("")
    app.radio[0].set_value("all")
    rerun(app)

    click(app, t("ui.jobs.start", lang, job=SHOP.title.get(lang)))
    [project] = workspace.list_projects(user_id)
    assert (project.name, project.job_id) == (SHOP.title.get(lang), "shop-page")
    assert app.query_params["s"] == str(project.session_id)
    assert title(app) == f"{SHOP.icon} {SHOP.title.get(lang)}"
    assert progress(app) == PROGRESS_1[lang]
    assert wizard.resume(project.session_id).language == lang


# --- 2. questions -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_questions_validate_save_go_back_and_prefill(user_id, lang) -> None:
    session_id = shop_session(user_id, lang)
    app = open_app(lang, "questions", session_id=session_id)
    name, tagline = SHOP.questions[0], SHOP.questions[1]
    assert progress(app) == PROGRESS_1[lang]
    assert answer_field(app).label == name.label.get(lang)
    assert t("ui.questions.skip", lang) not in labels(app)  # required: no skipping
    assert button(app, t("ui.questions.back", lang)).disabled  # nothing before the first

    submit(app, "   ", lang)
    assert errors(app) == [t("errors.invalid_answer", lang, reason=REQUIRED_ERROR[lang])]
    assert REQUIRED_ERROR[lang] in errors(app)[0]
    assert wizard.resume(session_id).answers == {}
    assert progress(app) == PROGRESS_1[lang]

    shop_name = {"ja": "ひまわりベーカリー", "en": "Sunflower Bakery"}[lang]
    submit(app, shop_name, lang)
    assert not errors(app)
    state = wizard.resume(session_id)
    assert state.answers == {"name": shop_name} and state.question.id == "tagline"
    assert answer_field(app).label == tagline.label.get(lang)
    assert answer_field(app).value == ""
    assert progress(app) == t("ui.questions.progress", lang, step=2, total=8)

    click(app, t("ui.questions.back", lang))
    assert progress(app) == PROGRESS_1[lang]
    assert (answer_field(app).label, answer_field(app).value) == (name.label.get(lang), shop_name)
    assert wizard.resume(session_id).answers == {"name": shop_name}  # going back changes nothing


@pytest.mark.parametrize("lang", LANGS)
def test_optional_question_can_be_skipped_and_then_the_review_opens(user_id, lang) -> None:
    session_id = shop_session(user_id, lang, answered=7)
    app = open_app(lang, "questions", session_id=session_id)
    assert progress(app) == t("ui.questions.progress", lang, step=8, total=8)
    assert t("ui.questions.optional", lang) in [c.value for c in app.caption]
    click(app, t("ui.questions.skip", lang))
    state = wizard.resume(session_id)
    assert "layout" in state.answers and state.answers["layout"] is None and state.finished
    assert title(app) == t("ui.edit.title", lang)  # all answered: straight to the review


@pytest.mark.parametrize("lang", LANGS)
def test_decide_for_me_fills_a_default_and_is_not_offered_for_facts(user_id, lang) -> None:
    session_id = shop_session(user_id, lang, answered=7)
    app = open_app(lang, "questions", session_id=session_id)
    decide = t("ui.questions.decide", lang)
    click(app, decide)  # the design question is `decide: default`: no model involved
    assert answer_field(app).value == "classic"
    assert t("ui.questions.proposal_note", lang) in [i.value for i in app.info]
    assert "layout" not in wizard.resume(session_id).answers  # a proposal is not an answer
    click(app, t("ui.questions.next", lang))
    assert wizard.resume(session_id).answers["layout"] == "classic"

    # The shop's name is a fact (`decide: none`): the button is not even offered, so the
    # model is never asked to invent it. (The refusal text itself is shown where a
    # proposal is impossible: see test_upload_question.py.)
    fresh = open_app(lang, "questions", session_id=shop_session(user_id, lang))
    assert SHOP.questions[0].decide == "none"
    assert decide not in labels(fresh)
    assert t("ui.questions.decide_none", lang) not in shown_text(fresh)


# --- 3. language switch -------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), [("ja", "en"), ("en", "ja")])
def test_switching_language_mid_wizard_keeps_the_question_and_answers(
    user_id, before, after
) -> None:
    session_id = shop_session(user_id, before, answered=2)
    app = open_app(before, "questions", session_id=session_id)
    click(app, t("ui.questions.back", before))  # on question 2, its answer pre-filled
    tagline = SHOP.samples[before]["tagline"]
    assert answer_field(app).value == tagline

    app.selectbox(key="_lang_choice").set_value(after)
    rerun(app)
    assert app.session_state["lang"] == after
    assert progress(app) == t("ui.questions.progress", after, step=2, total=8)
    assert answer_field(app).label == SHOP.questions[1].label.get(after)
    assert answer_field(app).value == tagline  # the answer as given, in its language
    assert app.query_params["s"] == str(session_id)
    assert wizard.resume(session_id).answers == dict(list(SHOP.samples[before].items())[:2])
    assert load_preferences(user_id).language == after  # remembered for the next visit


# --- 4. resume in a new browser session ---------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_new_browser_session_with_only_the_url_resumes_the_same_question(user_id, lang) -> None:
    session_id = shop_session(user_id, lang)
    first = open_app(lang, "questions", session_id=session_id)
    given = {"name": SHOP.samples[lang]["name"], "tagline": SHOP.samples[lang]["tagline"]}
    submit(first, given["name"], lang)
    submit(first, given["tagline"], lang)
    update_preferences(user_id, language=lang)  # what the language picker stores

    # A reload or a server restart: nothing in session state, only ?s= in the URL.
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["s"] = str(session_id)
    app.run()
    go(app, "questions")
    assert app.session_state["lang"] == lang and app.session_state["wizard_id"] == session_id
    assert progress(app) == t("ui.questions.progress", lang, step=3, total=8)
    assert answer_field(app).label == SHOP.questions[2].label.get(lang)
    click(app, t("ui.questions.back", lang))
    assert answer_field(app).value == given["tagline"]
    go(app, "edit")
    assert [x.value for x in app.text][:2] == [given["name"], given["tagline"]]


def test_without_the_url_the_latest_unfinished_session_is_resumed(user_id) -> None:
    shop_session(user_id, "en", answered=1)
    latest = shop_session(user_id, "en", answered=3)
    app = open_app("en", "questions")
    assert app.query_params["s"] == str(latest)
    assert progress(app) == t("ui.questions.progress", "en", step=4, total=8)


# --- 5. two tabs on one session -----------------------------------------------------------


def test_two_tabs_answering_in_turn_keep_both_answers(user_id) -> None:
    session_id = shop_session(user_id, "en")
    tab_a = open_app("en", "questions", session_id=session_id)
    submit(tab_a, "Sunflower Bakery", "en")
    tab_b = open_app("en", "questions", session_id=session_id)  # opened after: question 2
    assert progress(tab_b) == t("ui.questions.progress", "en", step=2, total=8)
    submit(tab_b, "Fresh bread daily", "en")
    rerun(tab_a)  # tab A's next run reads the database: it follows to question 3
    assert progress(tab_a) == t("ui.questions.progress", "en", step=3, total=8)
    submit(tab_a, "12 High Street", "en")
    assert wizard.resume(session_id).answers == {
        "name": "Sunflower Bakery",
        "tagline": "Fresh bread daily",
        "address": "12 High Street",
    }


def test_two_tabs_answering_different_questions_both_answers_are_saved(user_id) -> None:
    session_id = shop_session(user_id, "en", answered=1)
    tab_a = open_app("en", "questions", session_id=session_id)  # question 2 (tagline)
    tab_b = open_app("en", "questions", session_id=session_id)
    click(tab_b, "Back")  # tab B goes back to question 1 (name) to correct it
    submit(tab_a, "Fresh bread daily", "en")  # tab A answers question 2 as shown
    submit(tab_b, "Sunflower Bakery & Café", "en")  # tab B answers question 1 as shown
    answers = wizard.resume(session_id).answers
    assert answers.get("tagline") == "Fresh bread daily"
    assert answers.get("name") == "Sunflower Bakery & Café"
    assert not errors(tab_a) and not errors(tab_b)


# --- 6. edit (review) ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_edit_lists_answers_and_change_jumps_to_that_question(user_id, lang) -> None:
    session_id = shop_session(user_id, lang, answered=3)
    app = open_app(lang, "edit", session_id=session_id)
    assert title(app) == t("ui.edit.title", lang)
    texts = [x.value for x in app.text]
    assert texts[:3] == [SHOP.samples[lang][q] for q in ("name", "tagline", "address")]
    assert t("ui.edit.not_answered", lang) in texts
    assert t("ui.edit.unfinished", lang, answered=3, total=8) in [w.value for w in app.warning]
    assert t("ui.edit.make", lang) not in labels(app)

    address = SHOP.question("address").label.get(lang)
    click(app, t("ui.edit.change", lang, question=address))
    assert wizard.resume(session_id).question.id == "address"
    assert progress(app) == t("ui.questions.progress", lang, step=3, total=8)
    assert answer_field(app).value == SHOP.samples[lang]["address"]


@pytest.mark.parametrize("lang", LANGS)
def test_edit_offers_make_it_when_everything_is_answered(user_id, lang) -> None:
    session_id = shop_session(user_id, lang, answered=7)
    wizard.skip(session_id, "layout", lang)
    app = open_app(lang, "edit", session_id=session_id)
    make = button(app, t("ui.edit.make", lang))
    assert not make.disabled
    assert f"✅ {t('ui.edit.done', lang)}: {t('ui.edit.check_required', lang)}" in shown_text(app)
    # The questions page has nothing left to ask: it sends the person to the review.
    go(app, "questions")
    assert title(app) == t("ui.edit.title", lang)


@pytest.mark.model
def test_edit_advanced_options_set_faster_or_better_for_this_request(user_id) -> None:
    """The slider starts at the person's α (here the installation's) and what it is set
    to reaches the router for this generation, which names it in the result."""
    from support_system.core.settings import get_settings
    from support_system.generators.runs import current_run

    session_id = shop_session(user_id, "en", answered=7)
    wizard.skip(session_id, "layout", "en")
    app = open_app("en", "edit", session_id=session_id)
    [slider] = [s for s in app.slider if s.key == "edit-alpha"]
    assert slider.value == get_settings().routing.alpha
    assert slider.label == t("ui.settings.alpha", "en")
    slider.set_value(0.0).run()
    click(app, t("ui.edit.make", "en"))
    run = current_run(session_id)
    assert run is not None
    deadline = time.monotonic() + 120
    while not [e for e in run.events() if e.kind == "routed"] and time.monotonic() < deadline:
        time.sleep(0.05)
    run.cancel()  # the choice is made first; the page itself is not needed here
    [routed] = [e for e in run.events() if e.kind == "routed"]
    routing = routed.info
    assert routing["alpha"] == 0.0 and routing["decided_by"] == "router"
    seconds = {m: e["seconds"] for m, e in routing["estimates"].items()}
    assert routing["model"] == min(seconds, key=seconds.get)  # α = 0: the faster one
    assert load_preferences(user_id).routing_alpha is None  # this request only
    assert run.wait(120)


@pytest.mark.parametrize("lang", LANGS)
def test_edit_marks_only_real_defaults_and_calls_missing_answers_a_todo(user_id, lang) -> None:
    session_id = shop_session(user_id, lang, answered=3)
    app = open_app(lang, "edit", session_id=session_id)
    markdown = [m.value for m in app.markdown]
    mark = f" _({t('ui.edit.default_mark', lang)})_"
    phone = SHOP.question("phone").label.get(lang)  # required, no default
    layout = SHOP.question("layout").label.get(lang)  # optional, default "classic"
    tagline = SHOP.question("tagline").label.get(lang)  # answered
    assert f"**{phone}**" in markdown  # nothing to mark
    assert f"**{layout}**{mark}" in markdown
    assert f"**{tagline}**" in markdown
    assert sum(m.endswith(mark) for m in markdown) == 2  # layout and colour (#8a4b14)

    missing = [q.label.get(lang) for q in SHOP.questions[3:] if q.required]
    names = ("、" if lang == "ja" else "; ").join(missing)
    todo = f"- ⬜ {t('ui.edit.todo', lang)}: {t('ui.edit.check_missing', lang, questions=names)}"
    [checklist] = [m for m in markdown if m.startswith("- ")]
    lines = checklist.split("\n")
    assert lines[0] == todo
    after = f"- ⬜ {t('ui.edit.after', lang)}: "
    assert len(lines) == 1 + len(SHOP.checks)
    assert all(line.startswith(after) for line in lines[1:])


# --- the app around the pages -------------------------------------------------------------


def test_a_deep_link_right_after_a_restart_still_gets_the_app_around_it(db) -> None:
    # Every AppTest run starts like a freshly started server (no st.navigation yet);
    # with the pages in ui/pages/ this ran the page without ui/app.py (fixed: ui/views/).
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user

    with session_scope() as session:
        uid = ensure_local_user(session).id
    update_preferences(uid, language="en", font_scale=150)
    _, session_id = workspace.create_project(uid, "shop-page", "en")
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["s"] = str(session_id)
    app.run()
    app.switch_page("views/questions.py").run()
    assert not app.exception
    assert progress(app) == PROGRESS_1["en"]
    assert "_lang_choice" in [s.key for s in app.selectbox]  # the language picker
    assert any("font-size: 150%" in h.proto.body for h in app.get("html"))  # the preference
