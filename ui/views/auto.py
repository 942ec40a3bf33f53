"""Auto mode: describe a goal, watch the run plan, make, check and improve it, and step
in where you asked it to wait (approve, correct, cancel); reopen earlier runs.

The run goes on in the service's background thread and its timeline lives in the
database (`support_system.agents.auto`): this page only keeps which run is open (in
`st.session_state` and the `?run=` query parameter). While the run works, the timeline
is redrawn every second inside a container marked as a polite live region
(`role="log"`, patched below as in chat.py), so screen readers announce new steps.
"""

from __future__ import annotations

import json

import streamlit as st
from components.chrome import move_focus
from components.session import is_admin, principal, user_id
from components.voice import forget_recording, voice_input

from support_system.accounts.access import may_open_execution
from support_system.agents import auto
from support_system.agents.auto import records
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs.catalogue import load_catalogue

lang: str = st.session_state.get("lang", get_settings().language)
RECENT = 10
REFRESH_SECONDS = 1.0

_LOG_JS = """
<script>
(() => {
  window.__ssAutoLogLabel = %(label)s;
  const doc = window.document;
  const mark = () => {
    doc.querySelectorAll(".st-key-auto-log").forEach((log) => {
      if (log.getAttribute("role") !== "log") {
        log.setAttribute("role", "log");
        log.setAttribute("aria-live", "polite");
      }
      if (log.getAttribute("aria-label") !== window.__ssAutoLogLabel)
        log.setAttribute("aria-label", window.__ssAutoLogLabel);
    });
  };
  if (!window.__ssAutoLog) {
    window.__ssAutoLog = new MutationObserver(mark);
    window.__ssAutoLog.observe(doc.body, {subtree: true, childList: true});
  }
  mark();
})();
</script>
"""


# --- which run is open -------------------------------------------------------------------


def _open(run_id: int | None) -> None:
    st.session_state.auto_run = run_id
    if run_id is None:
        st.query_params.pop("run", None)
    else:
        st.query_params["run"] = str(run_id)


def _current() -> int | None:
    if "auto_run" not in st.session_state:
        raw = st.query_params.get("run", "")
        st.session_state.auto_run = int(raw) if raw.isdigit() else None
    run_id = st.session_state.auto_run
    if run_id is not None and not may_open_execution(principal(), run_id):
        _open(None)  # another person's run in the URL behaves like a missing one
        return None
    return run_id


def _recent() -> list[tuple[int, str, str]]:
    """The latest auto runs: (id, goal, stored status); the person's own (admins: all)."""
    return records.recent(RECENT, user_id=None if is_admin() else user_id())


def _short(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- actions -----------------------------------------------------------------------------


def _act(action, *args) -> bool:  # noqa: ANN001 - a service function and its arguments
    """Call the service; a SupportSystemError is shown translated."""
    try:
        action(*args)
    except SupportSystemError as error:
        st.session_state.auto_error = error.message(lang)
        return False
    return True


def _shown_state(status: auto.RunStatus) -> str:
    return _state_word("cancelled" if status.outcome == "cancelled" else status.state)


_STATES = ("running", "paused", "interrupted", "completed", "failed", "cancelled")


def _state_word(state: str) -> str:
    return t(f"ui.auto.states.{state}", lang) if state in _STATES else state


# --- the run view ------------------------------------------------------------------------


def _timeline(status: auto.RunStatus) -> None:
    with st.container(key="auto-log"):
        if not status.timeline:
            st.caption(t("ui.auto.timeline_empty", lang))
            return
        lines = []
        for entry in status.timeline:
            extra = []
            if entry.score is not None:
                extra.append(t("ui.auto.score", lang, score=f"{entry.score:.2f}"))
            if entry.status == "failed":
                extra.append(t("ui.auto.step_failed", lang))
            line = f"{entry.position}. {entry.title}" + (f" ({'; '.join(extra)})" if extra else "")
            lines.append(line)
            lines += [f"    - {adjustment}" for adjustment in entry.adjustments[:5]]
        st.markdown("\n".join(lines))


@st.fragment(run_every=REFRESH_SECONDS)
def _live(run_id: int) -> None:
    """Redrawn every second while the run works; the whole page once it pauses or ends."""
    try:
        status = auto.status(run_id)
    except SupportSystemError as error:
        st.error(error.message(lang))
        return
    st.write(t("ui.auto.state_line", lang, state=_shown_state(status)))
    _timeline(status)
    if status.state != "running":
        st.rerun(scope="app")
    if st.session_state.get("auto_cancelling") == run_id:
        st.info(t("ui.auto.cancelling", lang))
    elif st.button(t("ui.auto.cancel", lang), key="auto-cancel-running"):
        if _act(auto.cancel, run_id):
            st.session_state.auto_cancelling = run_id
        st.rerun(scope="fragment")


def _paused(status: auto.RunStatus) -> None:
    pause = status.pause or {}
    if status.paused_at == "before_publish":
        st.info(t("ui.auto.waiting_publish", lang), icon="⏸️")
        artifact = pause.get("out_dir") or status.artifact
        if artifact:
            st.caption(t("ui.auto.waiting_artifact", lang, path=artifact))
    else:
        st.info(t("ui.auto.waiting_plan", lang), icon="⏸️")
    answers = pause.get("answers") or {}
    if answers:
        st.subheader(t("ui.auto.answers_heading", lang), anchor=False)
        st.markdown(
            "\n".join(
                "- " + t("ui.auto.answer_line", lang, question=q, value=_short(str(v), 200))
                for q, v in answers.items()
            )
        )
    if pause.get("missing"):
        st.warning(t("ui.auto.missing", lang, questions=", ".join(pause["missing"])))
    cols = st.columns(2)
    with cols[0]:
        if st.button(t("ui.auto.approve", lang), type="primary", key="auto-approve"):
            _act(auto.approve, status.id)
            st.rerun()
    with cols[1]:
        if st.button(t("ui.auto.cancel", lang), key="auto-cancel"):
            _act(auto.cancel, status.id)
            st.rerun()
    with st.form("auto-correct", clear_on_submit=True):
        text = st.text_input(t("ui.auto.correction_label", lang), key="auto-correction")
        if st.form_submit_button(t("ui.auto.send_correction", lang)):
            if not text.strip():
                st.session_state.auto_error = t("ui.auto.correction_missing", lang)
            else:
                _act(auto.correct, status.id, text.strip())
            st.rerun()
    if get_settings().speech.enabled:  # a spoken correction is sent once confirmed
        mic = f"auto-correct-{status.id}"
        _, spoken = voice_input(lang, mic, use_key="ui.auto.send_correction")
        if spoken:
            forget_recording(mic)
            _act(auto.correct, status.id, spoken)
            st.rerun()


def _finished(status: auto.RunStatus) -> None:
    st.subheader(t("ui.auto.result_heading", lang), anchor=False)
    if status.explanation:
        show = st.success if status.state == "completed" else st.warning
        show(status.explanation)
    if status.url:
        st.link_button(t("ui.auto.open_site", lang), status.url)
    if status.artifact and st.session_state.get("s"):
        st.page_link("views/preview.py", label=t("ui.auto.to_preview", lang), icon="👀")


def _run_view(run_id: int) -> None:
    try:
        status = auto.status(run_id)
    except SupportSystemError as error:
        st.error(error.message(lang))
        _open(None)
        return
    st.header(t("ui.auto.run_heading", lang, run=run_id), anchor=False)
    st.caption(t("ui.auto.goal_shown", lang, goal=_short(status.goal, 200)))
    st.html(
        _LOG_JS % {"label": json.dumps(t("ui.auto.timeline_heading", lang), ensure_ascii=False)},
        unsafe_allow_javascript=True,
    )
    if status.state == "running":
        _live(run_id)
        return
    st.session_state.pop("auto_cancelling", None)
    st.write(t("ui.auto.state_line", lang, state=_shown_state(status)))
    _timeline(status)
    if status.state == "paused":
        _paused(status)
    elif status.state == "interrupted":
        st.warning(t("ui.auto.interrupted", lang), icon="⚠️")
        cols = st.columns(2)
        with cols[0]:
            if st.button(t("ui.auto.resume", lang), type="primary", key="auto-resume"):
                _act(auto.resume, run_id)
                st.rerun()
        with cols[1]:
            if st.button(t("ui.auto.cancel", lang), key="auto-cancel"):
                _act(auto.cancel, run_id)
                st.rerun()
    else:
        _finished(status)


# --- the page ----------------------------------------------------------------------------

st.title(t("ui.auto.title", lang), anchor=False)
st.write(t("ui.auto.intro", lang))
if "auto_error" in st.session_state:
    st.error(st.session_state.pop("auto_error"))

run_id = _current()
if run_id is not None:
    _run_view(run_id)

st.header(t("ui.auto.new_heading", lang), anchor=False)
try:
    jobs = load_catalogue()
except SupportSystemError as error:
    st.error(error.message(lang))
    jobs = {}
with st.form("auto-form"):
    goal = st.text_area(
        t("ui.auto.goal_label", lang),
        placeholder=t("ui.auto.goal_placeholder", lang),
        key="auto-goal",
    )
    job = st.selectbox(
        t("ui.auto.job_label", lang),
        ["", *jobs],
        format_func=lambda j: (
            f"{jobs[j].icon} {jobs[j].title.get(lang)}" if j else t("ui.auto.job_auto", lang)
        ),
        key="auto-job",
        placeholder=t("streamlit.select.placeholder", lang),
    )
    pause_plan = st.checkbox(t("ui.auto.pause_plan", lang), key="auto-pause-plan")
    pause_publish = st.checkbox(t("ui.auto.pause_publish", lang), key="auto-pause-publish")
    if st.form_submit_button(t("ui.auto.start", lang), type="primary"):
        if not goal.strip():
            st.session_state.auto_error = t("ui.auto.goal_missing", lang)
        else:
            pause_at = [
                p for p, on in (("after_plan", pause_plan), ("before_publish", pause_publish)) if on
            ]
            try:
                _open(
                    auto.start(
                        goal.strip(),
                        lang=lang,
                        job=job or None,
                        pause_at=pause_at,
                        user_id=user_id(),
                    )
                )
            except SupportSystemError as error:
                st.session_state.auto_error = error.message(lang)
        st.rerun()

st.header(t("ui.auto.recent_heading", lang), anchor=False)
recent = _recent()
if not recent:
    st.caption(t("ui.auto.recent_empty", lang))
else:
    names = {
        rid: t("ui.auto.recent_item", lang, run=rid, goal=_short(g), state=_state_word(s))
        for rid, g, s in recent
    }
    cols = st.columns([3, 1], vertical_alignment="bottom")
    with cols[0]:
        chosen = st.selectbox(
            t("ui.auto.recent_label", lang),
            list(names),
            format_func=names.get,
            key="auto-recent",
            placeholder=t("streamlit.select.placeholder", lang),
        )
    with cols[1]:
        if st.button(t("ui.auto.open", lang), key="auto-open"):
            _open(chosen)
            st.rerun()

if st.session_state.get("_arrived"):
    move_focus("heading")
