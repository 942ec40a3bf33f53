"""A person makes things from Home to Publish with the keyboard alone, in a real browser.

The app runs from `./scripts/start` with the real embedded models; Chromium is driven
only with key presses (Tab, typing, Enter, arrow keys), and the page counts every
pointer event it receives: the test fails if there was one. Focus must land on each new
question's field by itself (0 Tab presses; the issue allows at most 2). The published
page must then be reachable at the URL the app shows.

Three walks share one app: a catalogue job (a CSV summary, in Japanese), and a page and a
program the catalogue has no job for (issue 13): the request typed on Home is understood
as a custom page (or program), the button Home focuses plans it with the real model, the
planned questions are answered one at a time, and the result is made, checked, previewed
and published. For those two, axe runs on every page the walk passes (Home, the
questions, the review, Preview, Publish) and must find nothing. Their questions depend
on the model's plan, so the walk reads which question is shown from the wizard's own
state (the app's database) and answers it the way a person would for that kind of
question: facts typed, optional photos skipped, choices left at their default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support_system.core.i18n import t
from support_system.core.settings import PROJECT_ROOT
from tests.helpers.browser import (
    MOUSE_GUARD,
    RunningApp,
    app_state,
    button,
    chromium,
    dump,
    mouse_events,
    run_axe,
    start_app,
    wait_focus,
    wait_idle,
)
from tests.helpers.keyboard_wizard import (
    TEXT,
    ask_on_home,
    choose_file,
    expect_question,
    generate_and_publish,
    submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.model]
SAMPLES = PROJECT_ROOT / "data" / "samples"

CSV = {
    "ja": {
        # "集計" (aggregate), not "合計" (total): Home fills in what a request states, and
        # "合計したい" would answer the operation question, leaving three questions, not four.
        "request": "売上の表を店ごとに集計したい",
        "file": SAMPLES / "sales_ja_sjis.csv",
        "choices": ["店舗", "売上", None],
    },
    "en": {
        "request": "total up my sales CSV per store",
        "file": SAMPLES / "sales_en.csv",
        "choices": ["Store", "Sales", None],
    },
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("kb-state"))
    yield running
    running.stop()


def _choose_radio(page, option: str) -> None:
    """Arrow keys through a focused radio group until `option` is selected."""
    for _ in range(12):
        label = page.evaluate("""() => { const el = document.activeElement;
            const l = el.closest('label'); return l ? l.innerText.trim() : ''; }""")
        if label == option:
            return
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(60)
    pytest.fail(f"radio option {option!r} not reachable with arrow keys")


# The CSV summary is walked in Japanese (a Shift_JIS file, radio choices, a program
# published as a zip and an app); the custom page below in English. The English catalogue
# shop page was walked here too: the custom page walk now covers a page typed and published
# by keyboard, so it was dropped to keep the suite inside CI's time.
@pytest.mark.parametrize("lang", ["ja"])
def test_csv_summary_from_home_to_publish_with_the_keyboard_only(
    app: RunningApp, lang: str
) -> None:
    case = CSV[lang]
    with chromium() as context:
        context.add_init_script(MOUSE_GUARD)
        page = context.new_page()
        ask_on_home(
            page,
            app.url,
            lang,
            case["request"],
            "表（CSV）の集計" if lang == "ja" else "Summarise a spreadsheet (CSV)",
        )
        expect_question(page, lang, 1, 4)
        el = wait_focus(page, button(TEXT[lang]["upload"]))
        assert el.get("tag") == "button" and TEXT[lang]["upload"] in el.get("text", ""), (
            f"focus should be on the file chooser button: {el}"
        )
        choose_file(page, case["file"], lang)
        page.get_by_text(Path(case["file"]).name).first.wait_for(timeout=30_000)
        submit(page, lang)
        for step, choice in enumerate(case["choices"], start=2):
            expect_question(page, lang, step, 4)
            el = wait_focus(page, lambda e: e.get("type") == "radio")
            assert el.get("type") == "radio", f"question {step}: focus is not on the choices: {el}"
            if choice is not None:
                _choose_radio(page, choice)
            submit(page, lang)
        app_url = generate_and_publish(page, lang, f"csv-{lang}", webpage=False)
        assert mouse_events(page) == 0, "the page received pointer events"
        # The app answered while it ran; after Stop it is gone.
        assert app_url and re.match(r"http://127\.0\.0\.1:\d+/?$", app_url), app_url
        with pytest.raises(httpx.HTTPError):
            httpx.get(app_url, timeout=5)


# What a person types per kind of question (the facts the page must show).
PAGE_FACTS = {
    "long_text": "We are neighbours who pick litter in Riverside Park every Saturday.",
    "list": "Bring gloves\nWear good shoes",
    "price": "$4.50",
    "when": "Sat 10 May, 10 am",
    "contact": "hello@example.org",
    "address": "12 High Street, Bristol BS1 4DJ",
    "title": "Riverside Litter Pickers",
}
PROGRAM = {
    "request": "文章をすべて大文字にするプログラムがほしい",
    "source": "good morning",
    "example1_input": "hello",
    "example1_output": "HELLO",
}


class Axe:
    """Runs axe on each page of the walk and keeps what it found, per page."""

    def __init__(self) -> None:
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.pages: list[str] = []

    def __call__(self, page: Any, where: str) -> None:
        wait_idle(page)
        self.pages.append(where)
        violations = run_axe(page)["violations"]
        if violations:
            self.found[where] = violations

    def assert_clean(self) -> None:
        summary = [
            f"{where}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}"
            for where, found in self.found.items()
            for v in found
        ]
        assert not self.found, "axe violations:\n{}\n\ndetails:\n{}".format(
            "\n".join(summary), dump(self.found)
        )


def _shown_question(app: RunningApp, session_id: int) -> Any:
    """The question the wizard shows now (None: all answered, the review)."""
    from support_system.jobs import wizard

    with app_state(app):
        return wizard.resume(session_id).question


def _page_answer(question: Any, lang: str) -> str | None:
    """What a person types for one planned page question; None = leave as it is."""
    kind = question.type.value
    if kind == "file":
        return None  # photos are optional: skipped
    if kind == "records":
        rows = []
        for number in (1, 2):
            cells = [
                PAGE_FACTS.get(f.id) or f"{f.label.get(lang)} {number}" for f in question.fields
            ]
            rows.append(", ".join(cells))
        return "\n".join(rows)
    if kind in ("long_text", "list"):
        return PAGE_FACTS[kind]
    if kind != "text":
        return None  # a choice, a colour, a layout: its default
    if question.id.endswith(("_contact", "_target")):
        return PAGE_FACTS["contact"]
    if question.id.endswith("_address"):
        return PAGE_FACTS["address"]
    if question.id == "title":  # the planned title is offered by "Decide for me"; typed here
        return PAGE_FACTS["title"]
    return None  # the tagline: optional


def _answer_every_question(page: Any, app: RunningApp, lang: str, answer_for: Any, axe: Axe):
    """Answer each question the wizard shows until the review; returns what was typed."""
    page.wait_for_url(re.compile(r"/questions\?s=\d+"), timeout=180_000)
    session_id = int(re.search(r"s=(\d+)", page.url).group(1))
    typed: dict[str, str] = {}
    audited: set[str] = set()  # the Questions page once per kind of field (axe takes ~1 s)
    for step in range(1, 21):
        question = _shown_question(app, session_id)
        if question is None:
            return session_id, typed
        page.get_by_text(question.label.get(lang)).first.wait_for(timeout=30_000)
        wait_idle(page)
        if question.type.value not in audited:
            audited.add(question.type.value)
            axe(page, f"question {step} ({question.id}, {question.type.value})")
        answer = answer_for(question, lang)
        focused = wait_focus(
            page, lambda el: el.get("tag") in ("input", "textarea", "button") and el.get("tag")
        )
        assert focused.get("tag") in ("input", "textarea", "button"), (
            f"question {step} ({question.id}): nothing focused: {focused}"
        )
        if answer is not None:
            assert focused.get("tag") in ("input", "textarea"), (question.id, focused)
            page.keyboard.type(answer)
            typed[question.id] = answer
        submit(page, lang)
    pytest.fail("more than 20 questions")


def test_a_custom_page_from_home_to_publish_with_the_keyboard_only(app: RunningApp) -> None:
    lang = "en"
    axe = Axe()
    with chromium() as context:
        context.add_init_script(MOUSE_GUARD)
        page = context.new_page()
        ask_on_home(
            page,
            app.url,
            lang,
            "a page for our neighbourhood litter-picking group",
            t("intake.home.plan_page", lang),
            audit=axe,
        )
        session_id, typed = _answer_every_question(page, app, lang, _page_answer, axe)
        url = generate_and_publish(page, lang, "custom-page", webpage=True, audit=axe)
        assert mouse_events(page) == 0, "the page received pointer events"
    axe.assert_clean()
    assert typed, "no question was answered"
    assert url and re.match(r"http://127\.0\.0\.1:\d+/project-\d+/custom-[0-9a-f]+/$", url), url
    published = httpx.get(url, timeout=10)
    assert published.status_code == 200
    for answer in typed.values():
        for line in answer.splitlines():
            for cell in line.split(", "):
                assert cell in published.text, (cell, session_id)


def _program_answer(question: Any, lang: str) -> str | None:
    return PROGRAM.get(question.id)


def _run_the_program(url: str) -> None:
    """The opened program, used through its Gradio API: the model's `transform` runs in
    the sandbox on a new text (test_custom_programs.py builds its CSV and folder
    programs by command line)."""
    from gradio_client import Client

    shown, files = Client(url, verbose=False).predict("good evening", api_name="/run")
    assert shown == "GOOD EVENING", shown
    assert [Path(f).name for f in files] == ["result.txt"]


def test_a_custom_program_from_home_to_publish_with_the_keyboard_only(app: RunningApp) -> None:
    lang = "ja"
    axe = Axe()
    with chromium() as context:
        context.add_init_script(MOUSE_GUARD)
        page = context.new_page()
        ask_on_home(
            page,
            app.url,
            lang,
            PROGRAM["request"],
            t("intake.home.make_program", lang),
            audit=axe,
        )
        _, typed = _answer_every_question(page, app, lang, _program_answer, axe)
        app_url = generate_and_publish(
            page,
            lang,
            "custom-program",
            webpage=False,
            audit=axe,
            shows=("GOOD MORNING",),
            use_app=_run_the_program,
        )
        assert mouse_events(page) == 0, "the page received pointer events"
    axe.assert_clean()
    assert set(typed) >= {"source", "example1_input", "example1_output"}, typed
    assert app_url and re.match(r"http://127\.0\.0\.1:\d+/?$", app_url), app_url
