"""One wizard question as a form field: the widget that fits its type.

Everything is typed text, radio buttons or checkboxes, because those work with a
keyboard and a screen reader. Tables (records) are typed one row per line ("Melon
bread, 180"), not edited in a grid: Streamlit's data editor is a canvas that screen
readers cannot read. The field returns what the person entered, unvalidated;
`jobs.wizard.answer` checks it and explains what to change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from support_system.core.i18n import t
from support_system.jobs.answer_sources import column_choices
from support_system.jobs.definitions import Question, QuestionType
from support_system.jobs.spec import answer_text


def _index(options: list[str], value: Any) -> int | None:
    return options.index(value) if value in options else None


def render_field(
    question: Question,
    value: Any,
    lang: str,
    key: str,
    *,
    answers: dict[str, Any],
    base_dir: Path | None,
) -> Any:
    """Draw the field pre-filled with `value` (a saved answer or a proposal) and return
    what the person entered (an UploadedFile for file questions, or None)."""
    label = question.label.get(lang)
    kind = question.type
    if question.columns_from:
        columns = column_choices(question, answers, base_dir=base_dir)
        if columns:
            default = value if value in columns else (question.default_for(lang) or columns[0])
            return st.radio(label, columns, index=_index(columns, default) or 0, key=key)
    if kind in (QuestionType.CHOICE,):
        options = [c.value for c in question.choices]
        default = value if value in options else question.default_for(lang)
        return st.radio(
            label,
            options,
            index=_index(options, default),
            key=key,
            format_func=lambda v: question.choice(v).label.get(lang),
        )
    if kind == QuestionType.MULTI_CHOICE:
        st.markdown(f"**{label}**")
        chosen = set(value or question.default_for(lang) or [])
        return [
            c.value
            for c in question.choices
            if st.checkbox(c.label.get(lang), value=c.value in chosen, key=f"{key}-{c.value}")
        ]
    if kind == QuestionType.YES_NO:
        options = [True, False]
        default = value if isinstance(value, bool) else question.default_for(lang)
        return st.radio(
            label,
            options,
            index=_index(options, default),
            key=key,
            format_func=lambda v: t("ui.common.yes" if v else "ui.common.no", lang),
        )
    if kind == QuestionType.FILE:
        if value:
            st.caption(t("ui.questions.current_file", lang, name=Path(str(value)).name))
        types = [ext.lstrip(".") for ext in question.file_types] or None
        return st.file_uploader(label, type=types, key=key)
    text = answer_text(question, value, lang)
    if kind in (QuestionType.LONG_TEXT, QuestionType.LIST, QuestionType.RECORDS):
        return st.text_area(label, value=text, key=key, max_chars=question.max_length, height=140)
    return st.text_input(label, value=text, key=key, max_chars=question.max_length)


def submitted_value(question: Question, key: str) -> Any:
    """What the field drawn with `key` held when its form was sent, read from the session
    state before the page draws anything (so Next can be handled in the same run)."""
    if question.type == QuestionType.MULTI_CHOICE:
        return [c.value for c in question.choices if st.session_state.get(f"{key}-{c.value}")]
    return st.session_state.get(key)
