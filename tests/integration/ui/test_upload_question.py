"""A file question (csv-summary) through the page: AppTest's file_uploader sends the bytes.

Streamlit 1.67's AppTest supports `file_uploader.set_value/upload`, so the whole path
(page → workspace.save_upload → wizard.answer → column choices) runs as in a browser. A
file of the wrong type cannot be tested here: the browser's file picker refuses it
before upload, and AppTest reaches Streamlit's server-side check, which raises;
`tests/integration/jobs/test_workspace.py` covers that refusal in save_upload.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support_system.core.i18n import t
from support_system.jobs import wizard, workspace
from support_system.jobs.catalogue import SAMPLES_DIR, get_job
from tests.helpers.apptest import answer_field, click, errors, open_app, progress

LANGS = ["ja", "en"]
CSV_JOB = get_job("csv-summary")
SAMPLE = {"ja": "sales_ja_sjis.csv", "en": "sales_en.csv"}
EMPTY_ERROR = {"ja": "ファイルが空です", "en": "The file is empty."}


@pytest.mark.parametrize("lang", LANGS)
def test_an_uploaded_csv_is_saved_in_the_project_and_offers_its_columns(user_id, lang) -> None:
    project_id, session_id = workspace.create_project(user_id, "csv-summary", lang)
    app = open_app(lang, "questions", session_id=session_id)
    uploader = answer_field(app)
    assert uploader.type == "file_uploader" and uploader.allowed_type == [".csv"]
    assert progress(app) == t("ui.questions.progress", lang, step=1, total=4)

    click(app, t("ui.questions.next", lang))  # nothing chosen: a required question
    assert errors(app) and wizard.resume(session_id).answers == {}

    answer_field(app).upload("empty.csv", b"", "text/csv")
    click(app, t("ui.questions.next", lang))
    assert EMPTY_ERROR[lang] in errors(app)[0] and "empty.csv" in errors(app)[0]
    assert wizard.resume(session_id).answers == {}

    data = (SAMPLES_DIR / SAMPLE[lang]).read_bytes()
    answer_field(app).set_value((SAMPLE[lang], data, "text/csv"))
    click(app, t("ui.questions.next", lang))
    assert not errors(app)
    saved = Path(wizard.resume(session_id).answers["input_file"])
    assert saved.read_bytes() == data
    assert saved.is_relative_to(workspace.project_dir(project_id) / "uploads" / str(session_id))

    # The next question offers the file's columns (Shift_JIS read correctly in Japanese).
    group_by = answer_field(app)
    assert progress(app) == t("ui.questions.progress", lang, step=2, total=4)
    assert group_by.type == "radio"
    assert CSV_JOB.samples[lang]["group_by"] in group_by.options
    assert CSV_JOB.samples[lang]["value_column"] in group_by.options

    # Back shows the file already given; Next without a new file keeps it.
    click(app, t("ui.questions.back", lang))
    assert t("ui.questions.current_file", lang, name=SAMPLE[lang]) in [c.value for c in app.caption]
    click(app, t("ui.questions.next", lang))
    assert not errors(app) and Path(wizard.resume(session_id).answers["input_file"]) == saved


@pytest.mark.parametrize("lang", LANGS)
def test_decide_for_me_says_so_when_no_proposal_is_possible(user_id, lang) -> None:
    """`value_column` is `decide: default`: with no column of numbers there is nothing
    to propose, and the page says so in the person's language instead of guessing."""
    _, session_id = workspace.create_project(user_id, "csv-summary", lang)
    app = open_app(lang, "questions", session_id=session_id)
    no_numbers = b"Name,City\nAnn,Leeds\nBob,York\n"
    answer_field(app).set_value(("names.csv", no_numbers, "text/csv"))
    click(app, t("ui.questions.next", lang))
    click(app, t("ui.questions.next", lang))  # group by the first column
    assert wizard.resume(session_id).question.id == "value_column"
    click(app, t("ui.questions.decide", lang))
    assert errors(app) == [t("ui.questions.decide_none", lang)]
    assert "value_column" not in wizard.resume(session_id).answers
