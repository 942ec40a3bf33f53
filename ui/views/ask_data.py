"""Ask your data: questions about a CSV or Excel file, answered by a short program that
the model writes and the service runs on the real file, shown so a person can check it.

What the page keeps in the session (nothing here is lost on a rerun or an error):

* `ask_files` — the files in use (paths in the state dir: uploads are saved there by
  `jobs.data_files.save_table` the moment they arrive, or picked from a project);
* `ask_answers` — the answers so far (`analysis.Answer`); their questions and programs
  go back to the service as `history`, so "now only Tokyo" is understood;
* `ask_sheets` / `ask_sheet` — a workbook's sheets, when the service asked which one;
* `ask_carry_question` / `ask_carry_ask` — a question handed over from Home.

The newest answer's sentence and value sit in a container marked as a status region
(patched below, as chat.py marks its log), busy while the service works, so a screen
reader reads the finished answer once. Focus stays in the question field after an
answer (the next question can be typed at once) and moves to the message after an
error. The service is imported when the first question is asked: pandas and the model
layer load then, not when the page is drawn.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import streamlit as st
from components.chrome import move_focus
from components.session import preferences, user_id
from components.voice import forget_recording, read_aloud_button, speak, voice_input

from support_system.analysis.answer import Answer, Turn
from support_system.analysis.errors import NotAboutData, SheetChoiceNeeded
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs.data_files import TABLE_TYPES, known_tables, save_table
from support_system.routing.service import describe as routing_line

lang: str = st.session_state.get("lang", get_settings().language)
TABLE_ROWS = 50  # rows drawn as a table; the download has them all
TYPES = [kind.lstrip(".") for kind in TABLE_TYPES]

_LIVE_JS = """
<script>
(() => {
  window.__ssAskLabel = %(label)s;
  const doc = window.document;
  const mark = () => {
    const busy = Boolean(doc.querySelector('[data-test-script-state="running"]'));
    doc.querySelectorAll(".st-key-ask-live").forEach((box) => {
      if (box.getAttribute("role") !== "status") {
        box.setAttribute("role", "status");
        box.setAttribute("aria-live", "polite");
      }
      if (box.getAttribute("aria-label") !== window.__ssAskLabel)
        box.setAttribute("aria-label", window.__ssAskLabel);
      if (box.getAttribute("aria-busy") !== String(busy))
        box.setAttribute("aria-busy", String(busy));
    });
  };
  if (!window.__ssAskLive) {
    window.__ssAskLive = new MutationObserver(mark);
    window.__ssAskLive.observe(doc.body, {subtree: true, childList: true, attributes: true,
                                          attributeFilter: ["data-test-script-state"]});
  }
  mark();
})();
</script>
"""
_STYLE = """<style>
.st-key-ask-live .ss-answer p { font-size: 1.35rem; font-weight: 600; }
</style>"""


def _plain(text: str, css: str = "ss-text") -> None:
    """The person's or the model's words as written: not Markdown, where "$" or "*" in a
    question or an answer would turn into formulas or emphasis."""
    st.html(f'<div class="{css}"><p>{html.escape(text)}</p></div>')


files: list[str] = st.session_state.setdefault("ask_files", [])
answers: list[Answer] = st.session_state.setdefault("ask_answers", [])
focus: str | None = st.session_state.pop("_ask_focus", None)


# --- files -------------------------------------------------------------------------------


def _use(path: str | Path) -> None:
    path = str(path)
    if path not in files:
        files.append(path)
        st.session_state.pop("ask_sheets", None)
        st.session_state.pop("ask_sheet", None)


# The buttons below disappear once pressed; focus goes where the person continues.
UPLOADER = "css:.st-key-ask-files [data-testid='stFileUploaderDropzone'] button"
QUESTION_FIELD = "css:.st-key-ask-question input"


def _remove(path: str) -> None:
    if path in files:
        files.remove(path)
    st.session_state.pop("ask_sheets", None)
    st.session_state.pop("ask_sheet", None)
    st.session_state._ask_focus = UPLOADER


def _pick() -> None:
    chosen = st.session_state.get("ask-pick")
    if chosen:
        _use(chosen)
        st.session_state._ask_focus = QUESTION_FIELD


def _clear() -> None:
    answers.clear()
    st.session_state.pop("ask_sheets", None)
    st.session_state.pop("ask_pending", None)
    st.session_state["ask-question"] = ""
    st.session_state._ask_focus = QUESTION_FIELD


# Uploads are saved before the uploader is drawn, which is then drawn empty (a new key):
# the files appear once, in the list of files in use, each with its own Remove button.
upload_version = st.session_state.get("ask_upload_version", 0)
upload_errors: list[str] = []
arrived_files = st.session_state.get(f"ask-upload-{upload_version}") or []
for upload in arrived_files:
    try:
        _use(save_table(user_id(), upload.name, upload.getvalue()))
    except SupportSystemError as error:
        upload_errors.append(error.message(lang))
if arrived_files:
    upload_version += 1
    st.session_state.ask_upload_version = upload_version
    focus = "error" if upload_errors else QUESTION_FIELD

# A question handed over from Home: in the field, and asked at once when a file came too.
carried = st.session_state.pop("ask_carry_question", None)
if carried is not None:
    st.session_state["ask-question"] = carried
carried_ask = bool(st.session_state.pop("ask_carry_ask", False)) and bool(files)

st.html(_STYLE)
st.title(t("ask.title", lang), anchor=False)
st.write(t("ask.intro", lang))

with st.container(key="ask-files"):
    st.header(t("ask.files_heading", lang), anchor=False)
    st.file_uploader(
        t("ask.upload_label", lang),
        type=TYPES,
        accept_multiple_files=True,
        key=f"ask-upload-{upload_version}",
        help=t("ask.upload_help", lang),
    )
    for message in upload_errors:
        st.error(message, icon="⚠️")
    known = [table for table in known_tables(user_id()) if str(table.path) not in files]
    if known:
        labels = {
            str(table.path): t("ask.pick_option", lang, project=table.project, file=table.name)
            if table.project
            else t("ask.pick_option_upload", lang, file=table.name)
            for table in known
        }
        st.selectbox(
            t("ask.pick_label", lang),
            list(labels),
            index=None,
            key="ask-pick",
            format_func=labels.__getitem__,
            placeholder=t("streamlit.select.placeholder", lang),
        )
        st.button(t("ask.pick_button", lang), key="ask-pick-use", on_click=_pick)
    if files:
        st.markdown(f"**{t('ask.in_use', lang)}**")
        for number, path in enumerate(files):
            name = Path(path).name
            st.markdown(f"- {name}")
            st.button(
                t("ask.remove", lang, file=name),
                key=f"ask-remove-{number}",
                on_click=_remove,
                args=(path,),
            )
    else:
        st.caption(t("ask.no_files", lang))

st.header(t("ask.conversation_heading", lang), anchor=False)
earlier_box = st.container(key="ask-earlier")  # filled after asking, like the boxes below
sheet_box = st.container(key="ask-sheet-box")
form_box = st.container()
voice_box = st.container()
work_box = st.container()
st.html(
    _LIVE_JS % {"label": json.dumps(t("ask.answer_label", lang), ensure_ascii=False)},
    unsafe_allow_javascript=True,
)
live_box = st.container(key="ask-live")
details_box = st.container(key="ask-details")

# What is asked in this run: the form, a confirmed recording, a chosen sheet, or Home.
question = ""
sheet = st.session_state.get("ask_sheet")
sheets: list[str] | None = st.session_state.get("ask_sheets")
if sheets and st.session_state.get("ask-sheet-ask"):
    sheet = st.session_state.ask_sheet = st.session_state.get("ask-sheet") or sheets[0]
    question = st.session_state.get("ask_pending", "")

if st.session_state.get("ask-submit"):
    question = st.session_state.get("ask-question", "")
    if not question.strip():
        with work_box:
            st.error(t("ask.empty_question", lang), icon="⚠️")
        focus = "error"
elif carried_ask:
    question = st.session_state.get("ask-question", "")

voice_on = get_settings().speech.enabled
with voice_box:
    if voice_on:  # a spoken question, asked once the person confirms the transcript
        _, spoken = voice_input(lang, "ask", label_key="ask.record", use_key="ask.use_recording")
        if spoken:
            forget_recording("ask")
            question = spoken
            st.session_state["ask-question"] = spoken  # kept in the field if it fails
        elif st.session_state.get("_voice_heard", {}).get("ask"):
            version = st.session_state.get("_mic-version-ask", 0)
            focus = focus or f"css:.st-key-ask-use-{version} button"

answered: Answer | None = None
failure: SupportSystemError | None = None
if question.strip() and not files:
    with work_box:
        st.error(t("ask.no_files_error", lang), icon="⚠️")
    focus = "error"
elif question.strip():
    from support_system.analysis import ask  # pandas and the model layer: when first asked

    history = [Turn.from_answer(a) for a in answers]
    with work_box, st.status(t("ask.working", lang), expanded=True) as status:

        def progress(line: str) -> None:
            status.update(label=line)
            status.write(line)

        try:
            answered = ask(
                files,
                question,
                lang,
                history or None,
                sheet=sheet,
                model=preferences().model,
                progress=progress,
                user_id=user_id(),
                alpha=preferences().routing_alpha,
            )
        except SupportSystemError as error:
            failure = error
            status.update(label=t("ask.failed", lang), state="error", expanded=False)
        else:
            status.update(
                label=t("ask.done", lang, seconds=f"{answered.seconds:.1f}"),
                state="complete",
                expanded=False,
            )
    if answered is not None:
        answers.append(answered)
        st.session_state.pop("ask_sheets", None)
        st.session_state.pop("ask_pending", None)
        st.session_state["ask-question"] = ""  # the field is drawn below: ready for more
        focus = focus or QUESTION_FIELD
    elif isinstance(failure, SheetChoiceNeeded):
        sheets = st.session_state.ask_sheets = failure.sheets
        st.session_state.ask_pending = question
        st.session_state["ask-question"] = question
        focus = "css:.st-key-ask-sheet input"
    elif failure is not None:
        st.session_state["ask-question"] = question  # nothing typed is lost
        with work_box:
            st.error(failure.message(lang), icon="⚠️")
            if isinstance(failure, NotAboutData):
                st.page_link("views/chat.py", label=t("ask.go_chat", lang), icon="🗨️")
        focus = "error"

with earlier_box:  # every answer but the newest, oldest first
    for number, earlier in enumerate(answers[:-1], 1):
        with st.container(border=True):
            st.markdown(f"**{t('ask.you_asked', lang, number=number)}**")
            _plain(earlier.question)
            _plain(earlier.text)
            if earlier.shown_value and earlier.shown_value not in earlier.text:
                _plain(t("ask.value", lang, value=earlier.shown_value))

with sheet_box:  # drawn after asking: the service may have just asked which sheet
    if sheets:
        st.info(t("ask.sheet_text", lang, sheets="、".join(sheets)), icon="📑")
        st.selectbox(
            t("ask.sheet_label", lang),
            sheets,
            key="ask-sheet",
            placeholder=t("streamlit.select.placeholder", lang),
        )
        st.button(t("ask.sheet_button", lang), key="ask-sheet-ask", type="primary")

with form_box, st.form("ask-form", enter_to_submit=True, border=False):
    st.text_input(
        t("ask.question_label", lang),
        placeholder=t("ask.question_placeholder", lang),
        key="ask-question",
    )
    st.form_submit_button(t("ask.ask_button", lang), type="primary", key="ask-submit")


# --- the newest answer ---------------------------------------------------------------------


def _table(path: Path) -> None:
    import pandas as pd  # only once there is a result table to draw

    frame = pd.read_csv(path, encoding="utf-8-sig")
    st.markdown(f"**{t('ask.table_heading', lang)}**")
    st.table(frame.head(TABLE_ROWS))
    if len(frame) > TABLE_ROWS:
        st.caption(t("ask.table_more", lang, shown=TABLE_ROWS, rows=len(frame)))


def _download(key: str, path: Path, label: str, mime: str) -> None:
    if path.is_file():
        st.download_button(
            label,
            data=path.read_bytes(),
            file_name=path.name,
            mime=mime,
            key=key,
            on_click="ignore",
        )


latest = answers[-1] if answers else None
with live_box:
    if latest is None:
        st.caption(t("ask.no_answer", lang))
    else:
        st.markdown(f"**{t('ask.you_asked', lang, number=len(answers))}**")
        _plain(latest.question)
        _plain(latest.text, "ss-answer")
        if latest.shown_value and latest.shown_value not in latest.text:
            _plain(t("ask.value", lang, value=latest.shown_value))

if latest is not None:
    with details_box:
        if voice_on:
            read_aloud_button(
                latest.text, lang, key=f"ask-read-{len(answers)}", label_key="ask.read_answer"
            )
            if answered is not None and preferences().voice_mode:
                speak(latest.text, lang, autoplay=True)
        if latest.change is not None:
            change = latest.change
            added = [c for c in change.columns_after if c not in change.columns_before]
            removed = [c for c in change.columns_before if c not in change.columns_after]
            st.info(
                t("ask.change", lang, before=change.rows_before, after=change.rows_after),
                icon="🔁",
            )
            if added:
                st.caption(t("ask.columns_added", lang, columns="、".join(added)))
            if removed:
                st.caption(t("ask.columns_removed", lang, columns="、".join(removed)))
        if latest.table_csv is not None and Path(latest.table_csv).is_file():
            _table(Path(latest.table_csv))
        if latest.chart_png is not None and Path(latest.chart_png).is_file():
            st.image(
                str(latest.chart_png),
                alt=t("ask.chart_alt", lang, question=latest.question, answer=latest.text),
                caption=t("ask.chart_caption", lang),
            )
        number = len(answers)
        if latest.table_csv is not None:
            _download(
                f"ask-dl-table-{number}",
                Path(latest.table_csv),
                t("ask.download_table", lang),
                "text/csv",
            )
        if latest.output_file is not None:
            out = Path(latest.output_file)
            _download(
                f"ask-dl-file-{number}",
                out,
                t("ask.download_file", lang, file=out.name),
                "application/octet-stream",
            )
        if latest.chart_png is not None:
            _download(
                f"ask-dl-chart-{number}",
                Path(latest.chart_png),
                t("ask.download_chart", lang),
                "image/png",
            )
        with st.expander(t("ask.how_heading", lang)):
            # Plain, as preview.py shows code: Streamlit's Python colours (keywords in
            # #1c83e1 on #f7f7f6, 3.6:1) fail WCAG contrast in the light theme.
            st.code(latest.code or "", language=None, wrap_lines=True)
            st.markdown(
                "\n".join(
                    f"- {line}"
                    for line in (
                        t("ask.tables_read", lang, tables="、".join(latest.tables) or "-"),
                        t("ask.columns_used", lang, columns="、".join(latest.columns_used) or "-"),
                        t(
                            "ask.rows_used",
                            lang,
                            rows="-" if latest.rows_used is None else latest.rows_used,
                        ),
                        t(
                            "ask.answered_by",
                            lang,
                            model=latest.model or "-",
                            attempts=latest.attempts,
                            seconds=f"{latest.seconds:.1f}",
                        ),
                    )
                )
            )
            if len(latest.models) > 1:
                st.caption(t("ask.models_tried", lang, models=", ".join(latest.models)))
            if latest.routing:
                st.caption(routing_line(latest.routing, lang))
        st.button(t("ask.new_question", lang), key="ask-clear", on_click=_clear)

if focus:
    move_focus(focus)
elif st.session_state.get("_arrived"):
    move_focus(QUESTION_FIELD if files else UPLOADER)
