"""From what was heard to what the question's field holds, and from a question to speech.

A transcript is never saved directly: the page shows it, the person confirms, and it
then goes through the wizard's own validation like typed text. This module only puts
it in the shape the field expects — a choice's value when its label was said, True or
False for yes/no, the text without the full stop recognisers add — and returns None
when it cannot tell (a choice nobody said), so the person is asked instead of guessed for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from support_system.core.i18n import t
from support_system.jobs.definitions import Question, QuestionType
from support_system.jobs.spec import answer_text
from support_system.speech.commands import match_command, normalise

_YES = {"en": {"yes", "yeah", "yep", "sure", "right"}, "ja": {"はい", "ええ", "うん", "そうです"}}
_NO = {"en": {"no", "nope", "not"}, "ja": {"いいえ", "いえ", "ううん", "ちがいます", "違います"}}


def clean_transcript(text: str) -> str:
    """Drop the final full stop and surrounding spaces recognisers add ("Sunflower Bakery.")."""
    text = unicodedata.normalize("NFC", text).strip()
    while text and text[-1] in ".。!！":
        text = text[:-1].rstrip()
    return text


def _forms(label: str) -> list[str]:
    """A label and its head: "Standard (headings and a table)" is also said "standard"."""
    head = re.split(r"[(（]", label, maxsplit=1)[0]
    return [label, head] if head.strip() and head != label else [label]


def _said(option: str, heard: str, lang: str) -> bool:
    heard = normalise(heard)
    for form in _forms(option):
        said = normalise(form)
        if not said or not heard:
            continue
        if lang == "ja" and said.replace(" ", "") in heard.replace(" ", ""):
            return True
        if lang != "ja" and f" {said} " in f" {heard} ":
            return True
    return False


def spoken_value(
    question: Question, heard: str, lang: str, *, columns: list[str] | None = None
) -> Any | None:
    """The field value `heard` gives `question`, or None when it is not clear."""
    text = clean_transcript(heard)
    if not text or question.type == QuestionType.FILE:
        return None
    if columns:
        matches = [c for c in columns if _said(c, text, lang)]
        return matches[0] if len(matches) == 1 else None
    if question.type == QuestionType.YES_NO:
        command = match_command(text, lang)
        words = set(normalise(text).split()) | {normalise(text).replace(" ", "")}
        if command == "yes" or words & _YES.get(lang, set()):
            return True
        if command == "no" or words & _NO.get(lang, set()):
            return False
        return None
    if question.type in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE):
        matches = [
            c.value
            for c in question.choices
            if _said(c.label.get(lang), text, lang) or _said(c.value, text, lang)
        ]
        if question.type == QuestionType.MULTI_CHOICE:
            return matches or None
        return matches[0] if len(matches) == 1 else None
    return text


def question_script(question: Question, lang: str) -> str:
    """What "read aloud" says for a question: the label, its help and the choices."""
    parts = [question.label.get(lang)]
    if question.help:
        parts.append(question.help.get(lang))
    if question.type in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE) and question.choices:
        labels = [c.label.get(lang) for c in question.choices]
        parts.append(
            t(
                "speech.choices",
                lang,
                choices="、".join(labels) if lang == "ja" else ", ".join(labels),
            )
        )
    if not question.required:
        parts.append(t("ui.questions.optional", lang))
    return "\n".join(p.strip() for p in parts if p and p.strip())


@dataclass(frozen=True)
class Heard:
    """What a recording on a question page means: a spoken command (next, back, …), a
    value for the field, or neither (`not_understood`, with the options to say instead)."""

    command: str | None = None
    value: Any | None = None
    options: list[str] | None = None

    @property
    def not_understood(self) -> bool:
        return self.command is None and self.value is None


def interpret(
    question: Question,
    heard: str,
    lang: str,
    *,
    voice_mode: bool,
    columns: list[str] | None = None,
) -> Heard:
    """Decide whether `heard` is a command or an answer to `question`.

    Commands are only listened for in voice mode (otherwise a person dictating "next
    week" would move the wizard on), and on a yes/no question "yes" and "no" are the
    answer, not commands.
    """
    command = match_command(heard, lang) if voice_mode else None
    if command in ("yes", "no") and question.type == QuestionType.YES_NO:
        command = None
    if command:
        return Heard(command=command)
    value = spoken_value(question, heard, lang, columns=columns)
    if value is None:
        return Heard(options=columns or [c.label.get(lang) for c in question.choices])
    return Heard(value=value)


_TYPED = (
    QuestionType.TEXT,
    QuestionType.LONG_TEXT,
    QuestionType.NUMBER,
    QuestionType.LIST,
    QuestionType.RECORDS,
    QuestionType.COLOR,
)


def confirmed_answer(question: Question, shown: Any, lang: str) -> Any:
    """What a spoken "next" submits for the value shown in the field.

    Typed fields submit their text, as if the person had pressed the button with it in
    the box (so the wizard's validation sees what a keyboard user's would); choice,
    yes/no and column fields submit the value itself.
    """
    if question.type in _TYPED and not question.columns_from:
        return answer_text(question, shown, lang)
    return shown
