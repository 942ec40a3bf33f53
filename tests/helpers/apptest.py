"""Driving the app headless with Streamlit's AppTest: open a tab, click, read the page.

`AppTest.switch_page` is sticky in Streamlit 1.67: every later `run()` asks for that
page again, even after the app itself moved on with `st.switch_page`. A browser stays
where the app went, so `settle` forgets the request after each run. Use these helpers
with the `user_id` fixture (conftest.py).
"""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from support_system.core.settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "ui" / "app.py")


def settle(app: AppTest) -> AppTest:
    """Stay on the page the last run ended on (AppTest would re-request the last
    `switch_page` target on every run)."""
    app._page_hash = ""  # noqa: SLF001 - no public way; see the module docstring
    return app


def open_app(
    lang: str | None, page: str | None = None, *, session_id: int | None = None
) -> AppTest:
    """A new browser tab: optionally a chosen language, `?s=<session_id>`, and a page."""
    app = AppTest.from_file(APP, default_timeout=240)  # a hang guard: model runs vary
    if lang is not None:
        app.session_state["lang"] = lang
    if session_id is not None:
        app.query_params["s"] = str(session_id)
    app.run()
    assert not app.exception, app.exception
    if page is not None:
        go(app, page)
    return app


def go(app: AppTest, page: str) -> AppTest:
    """Open `ui/views/<page>.py` in this tab (like clicking it in the navigation)."""
    settle(app.switch_page(f"views/{page}.py").run())
    assert not app.exception, app.exception
    return app


def rerun(app: AppTest) -> AppTest:
    settle(app.run())
    assert not app.exception, app.exception
    return app


def button(app: AppTest, label: str) -> Any:
    """The button with exactly this label (buttons in forms included)."""
    found = [b for b in app.button if b.label == label]
    assert found, f"no button {label!r}; buttons: {[b.label for b in app.button]}"
    return found[0]


def labels(app: AppTest) -> list[str]:
    return [b.label for b in app.button]


def click(app: AppTest, label: str) -> AppTest:
    button(app, label).click()
    return rerun(app)


def progress(app: AppTest) -> str:
    """The text of the wizard's progress bar ("Question 2 of 8"), or "" if none."""
    bars = app.get("progress")
    return bars[0].proto.text if bars else ""


def title(app: AppTest) -> str:
    return app.title[0].value if app.title else ""


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def shown_text(app: AppTest) -> str:
    """Everything a person reads on the page (not widget values), as one string."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "text",
        "success",
        "info",
        "warning",
        "error",
    ):
        parts += [str(e.value) for e in getattr(app, kind)]
    return "\n".join(parts)


def answer_field(app: AppTest) -> Any:
    """The one answer widget of the question form."""
    form = [b for b in app.main.children.values() if getattr(b, "type", "") == "form"]
    assert form, "no question form on the page"
    for kind in ("text_input", "text_area", "radio", "file_uploader"):
        widgets = getattr(form[0], kind)
        if len(widgets):
            return widgets[0]
    raise AssertionError("the question form has no answer field")
