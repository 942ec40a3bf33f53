"""Ask your data, headless through Streamlit's AppTest: the real page, the real analysis
service and the real embedded model.

AppTest hands files to the uploader as a browser would and reads what the page draws;
it cannot see focus, the status region's announcements or downloads being saved (the
browser test tests/e2e/test_ask_data.py checks those). The service's own quality is
tested in tests/integration/analysis; here a question whose answer the small model
finds reliably is enough to prove the page shows every part of an answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from support_system.core.i18n import t
from support_system.jobs.data_files import uploads_dir
from tests.helpers.apptest import button, click, errors, open_app, rerun, shown_text, title

LANGS = ["ja", "en"]
SALES = "Store,Month,Sales\nOsaka,Jan,1200\nTokyo,Jan,3400\nOsaka,Feb,2100\nTokyo,Feb,1800\n"
TOTAL = 1200 + 3400 + 2100 + 1800  # 8,500
EMPTY_ERROR = {"ja": "ファイルが空です", "en": "The file is empty."}


def _html(app: AppTest) -> str:
    """The page's plain-text blocks (question and answer are drawn as escaped HTML)."""
    return "\n".join(str(element.proto.body) for element in app.get("html"))


def _question_field(app: AppTest, lang: str) -> Any:
    found = [box for box in app.text_input if box.label == t("ask.question_label", lang)]
    assert found, [box.label for box in app.text_input]
    return found[0]


def _upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader[0].set_value((name, data, "text/csv"))
    return rerun(app)


def _ask(app: AppTest, lang: str, question: str) -> AppTest:
    _question_field(app, lang).input(question)
    return click(app, t("ask.ask_button", lang))


class _Spy:
    """Records every call of the real `ask` (the page looks it up when a question is
    asked) and passes it on unchanged."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import support_system.analysis as analysis
        from support_system.analysis.service import ask

        self.calls: list[dict[str, Any]] = []
        self._ask = ask

        def spy(*args: Any, **kwargs: Any) -> Any:
            files, question, lang, history = (*args, None)[:4]
            self.calls.append(
                {
                    "files": list(files),
                    "question": question,
                    **kwargs,
                    "history": list(history or []),
                }
            )
            return self._ask(*args, **kwargs)

        monkeypatch.setattr(analysis, "ask", spy, raising=False)


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_is_drawn_in_the_chosen_language(user_id, lang) -> None:
    app = open_app(lang, "ask_data")
    assert title(app) == t("ask.title", lang)
    [uploader] = app.file_uploader
    assert uploader.label == t("ask.upload_label", lang)
    assert sorted(uploader.allowed_type) == [".csv", ".xlsx"]
    assert uploader.proto.multiple_files
    _question_field(app, lang)
    button(app, t("ask.ask_button", lang))
    text = shown_text(app)
    for key in ("ask.intro", "ask.files_heading", "ask.no_files", "ask.no_answer"):
        assert t(key, lang).strip() in text, key
    assert not errors(app)


@pytest.mark.parametrize("lang", LANGS)
def test_asking_without_a_file_keeps_the_question(user_id, lang) -> None:
    app = open_app(lang, "ask_data")
    _ask(app, lang, "売上の合計は？")
    assert errors(app) == [t("ask.no_files_error", lang)]
    assert _question_field(app, lang).value == "売上の合計は？"
    click(app, t("ask.ask_button", lang))  # pressed again: still there, still explained
    assert _question_field(app, lang).value == "売上の合計は？"


@pytest.mark.parametrize("lang", LANGS)
def test_a_service_error_is_translated_and_keeps_the_question_and_the_file(user_id, lang) -> None:
    app = open_app(lang, "ask_data")
    _upload(app, "empty.csv", b"")
    saved = uploads_dir(user_id).resolve() / "empty.csv"
    assert app.session_state["ask_files"] == [str(saved)] and saved.is_file()
    assert not app.file_uploader[0].value  # the uploader is empty again: the file is listed
    assert "empty.csv" in shown_text(app)

    question = "売上の合計はいくらですか？" if lang == "ja" else "What is the total of Sales?"
    _ask(app, lang, question)
    [message] = errors(app)
    assert EMPTY_ERROR[lang] in message and "empty.csv" in message
    assert _question_field(app, lang).value == question
    assert app.session_state["ask_files"] == [str(saved)]
    assert "empty.csv" in shown_text(app)
    assert app.session_state["ask_answers"] == []


@pytest.mark.parametrize("lang", LANGS)
def test_a_question_not_about_the_table_points_to_the_chat_room(user_id, lang) -> None:
    app = open_app(lang, "ask_data")
    _upload(app, "sales.csv", SALES.encode())
    question = "春の詩を書いてください" if lang == "ja" else "Write a poem about spring"
    _ask(app, lang, question)
    from support_system.analysis.errors import NotAboutData

    assert errors(app) == [NotAboutData().message(lang)]
    [link] = [e for e in app.get("page_link") if e.proto.label == t("ask.go_chat", lang)]
    assert link.proto.page.endswith("chat")
    assert _question_field(app, lang).value == question
    assert len(app.session_state["ask_files"]) == 1


def test_a_file_already_in_a_project_is_used_and_removed_again(user_id) -> None:
    from support_system.jobs import workspace

    _, session_id = workspace.create_project(user_id, "csv-summary", "ja", name="パン屋")
    kept = workspace.save_upload(session_id, "売上.csv", SALES.encode(), allowed_types=[])
    app = open_app("ja", "ask_data")
    [pick] = [box for box in app.selectbox if box.label == t("ask.pick_label", "ja")]
    assert pick.options == [t("ask.pick_option", "ja", file="売上.csv", project="パン屋")]
    pick.set_value(str(kept.resolve()))
    click(app, t("ask.pick_button", "ja"))
    assert app.session_state["ask_files"] == [str(kept.resolve())]
    assert t("ask.no_files", "ja") not in shown_text(app)
    assert not [box for box in app.selectbox if box.label == t("ask.pick_label", "ja")]

    click(app, t("ask.remove", "ja", file="売上.csv"))
    assert app.session_state["ask_files"] == []
    assert kept.is_file()  # stopping using a file never deletes it
    assert t("ask.no_files", "ja") in shown_text(app)


def test_a_real_csv_is_answered_and_a_follow_up_passes_the_history(
    user_id, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(monkeypatch)
    app = open_app("en", "ask_data")
    _upload(app, "sales.csv", SALES.encode())
    _ask(app, "en", "What is the total of the Sales column?")
    assert not errors(app), errors(app)

    [answer] = app.session_state["ask_answers"]
    assert answer.value == TOTAL
    assert "8,500" in answer.shown_value or "8500" in answer.shown_value
    assert answer.text in _html(app)  # the sentence, in the status region
    assert spy.calls[0]["files"] == [str(uploads_dir(user_id).resolve() / "sales.csv")]
    assert spy.calls[0]["history"] == [] and spy.calls[0]["progress"] is not None
    assert _question_field(app, "en").value == ""  # ready for the next question
    # "How this was computed": the program and the model that wrote it.
    [how] = [e for e in app.expander if e.label == t("ask.how_heading", "en")]
    assert "def solve" in how.code[0].value and how.code[0].value == answer.code
    assert answer.model in "\n".join(m.value for m in how.markdown)
    assert [s for s in app.status if s.label.startswith(t("ask.done", "en", seconds="")[:8])]
    # A single number has no result table; a table or series would be offered as CSV.
    labels = [d.proto.label for d in app.get("download_button")]
    assert labels == ([t("ask.download_table", "en")] if answer.table_csv else [])

    # A follow-up: the earlier question and its program go back to the service.
    _ask(app, "en", "And only for Tokyo?")
    first = spy.calls[1]["history"][0]
    assert (first.question, first.code) == (answer.question, answer.code)
    answers = app.session_state["ask_answers"]
    assert len(answers) == 2 or errors(app), errors(app)
    assert answer.question in _html(app)  # the earlier question stays on the page

    click(app, t("ask.new_question", "en"))
    assert app.session_state["ask_answers"] == []
    assert t("ask.no_answer", "en") in shown_text(app)


def test_a_workbook_with_several_sheets_asks_which_sheet_then_asks_again(
    user_id, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    workbook = tmp_path / "shops.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        pd.DataFrame({"Item": ["Bread", "Cake"], "Sales": [100, 250]}).to_excel(
            writer, sheet_name="North", index=False
        )
        pd.DataFrame({"Item": ["Bread", "Cake"], "Sales": [300, 50]}).to_excel(
            writer, sheet_name="South", index=False
        )
    spy = _Spy(monkeypatch)
    app = open_app("en", "ask_data")
    app.file_uploader[0].set_value(
        ("shops.xlsx", workbook.read_bytes(), "application/octet-stream")
    )
    rerun(app)
    _ask(app, "en", "What is the total of Sales?")
    assert not errors(app)
    [sheet_box] = [s for s in app.selectbox if s.label == t("ask.sheet_label", "en")]
    assert sheet_box.options == ["North", "South"]
    assert _question_field(app, "en").value == "What is the total of Sales?"

    sheet_box.select("South")
    click(app, t("ask.sheet_button", "en"))
    assert spy.calls[-1]["sheet"] == "South"
    assert spy.calls[-1]["question"] == "What is the total of Sales?"
    assert app.session_state["ask_answers"] or errors(app)


def test_home_hands_a_file_and_a_question_over(user_id, monkeypatch) -> None:
    from support_system.core.settings import PROJECT_ROOT

    spy = _Spy(monkeypatch)
    app = open_app("ja")
    data = (PROJECT_ROOT / "data" / "samples" / "sales_ja_sjis.csv").read_bytes()
    [want] = [box for box in app.text_input if box.label == t("ui.home.want_label", "ja")]
    want.input("売上の合計はいくらですか？")
    app.file_uploader[0].set_value(("sales_ja_sjis.csv", data, "text/csv"))
    click(app, t("ui.home.want_button", "ja"))
    assert title(app) == t("ask.title", "ja")
    saved = str(uploads_dir(user_id).resolve() / "sales_ja_sjis.csv")
    assert app.session_state["ask_files"] == [saved]
    assert spy.calls and spy.calls[0]["question"] == "売上の合計はいくらですか？"
    assert spy.calls[0]["files"] == [saved]


def test_home_offers_the_page_for_a_question_without_a_file(user_id) -> None:
    app = open_app("en")
    [want] = [box for box in app.text_input if box.label == t("ui.home.want_label", "en")]
    want.input("Which month sold the most?")
    click(app, t("ui.home.want_button", "en"))
    click(app, t("ask.home.offer_button", "en"))
    assert title(app) == t("ask.title", "en")
    assert _question_field(app, "en").value == "Which month sold the most?"
    assert app.session_state["ask_answers"] == []  # nothing to ask about yet: no file
