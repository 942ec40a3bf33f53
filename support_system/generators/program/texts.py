"""What the model may write into a generated program: three short, plain texts.

Why texts and not code: the embedded model (Qwen2.5-Coder 0.5B) writes plausible code
that is subtly wrong, and a wrong program is worse than a plain one for a person who
cannot read it. The tested skeleton therefore does all the work; the model only words
the program's title, its one-paragraph description (shown in the app and at the top of
the README) and the app's button label, in the job's language. Those texts are held to
a JSON schema, then screened here field by field: a field that is too long, multi-line,
in the wrong language, contains markup/code characters, or states a fact (number, date,
URL…) that is not in the user's answers is replaced by the tested default and reported.
They reach program.py only as Python literals (`skeleton.py_literal`), never as code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from support_system.core.languages import has_japanese
from support_system.generators.facts import facts_check

TEXT_FIELDS = ("title", "description", "button")
LIMITS = {"title": 40, "description": 200, "button": 20}
_FORBIDDEN = re.compile(r"[<>{}\[\]`\\|$~｛｝]")
_MARKUP_START = re.compile(r"^[#*>=+\-]")


class ProgramTexts(BaseModel):
    """The model's answer (JSON schema); lengths are checked again in `screen_texts`."""

    title: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=400)
    button: str = Field(min_length=1, max_length=40)


@dataclass
class ScreenedTexts:
    """The texts to render, which fields came from the model, and why others did not."""

    texts: dict[str, str]
    customised: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # field → reason (English, for logs)


def _clean(value: str) -> str:
    """One line, normalised spaces (models like to add newlines and double spaces)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip().strip('"').strip()


def _problem(name: str, value: str, lang: str, allowed: list[Any]) -> str | None:
    """Why `value` may not be used for field `name`, or None when it is fine."""
    if not value:
        return "empty"
    if len(value) > LIMITS[name]:
        return f"longer than {LIMITS[name]} characters"
    if _FORBIDDEN.search(value) or _MARKUP_START.match(value):
        return "contains markup or code characters"
    japanese = has_japanese(value)
    if lang == "ja" and not japanese:
        return "not Japanese"
    if lang != "ja" and japanese:
        return "not English"
    facts = facts_check(value, allowed)
    if not facts.passed:
        return "; ".join(facts.messages)
    return None


def screen_texts(
    proposed: ProgramTexts | dict[str, Any] | None,
    defaults: dict[str, str],
    lang: str,
    allowed_facts: Iterable[Any],
) -> ScreenedTexts:
    """Keep each proposed field that passes every rule; use the default for the others."""
    raw = proposed.model_dump() if isinstance(proposed, ProgramTexts) else dict(proposed or {})
    allowed = [*allowed_facts, *defaults.values()]
    result = ScreenedTexts(texts=dict(defaults))
    for name in TEXT_FIELDS:
        value = _clean(str(raw.get(name) or ""))
        reason = _problem(name, value, lang, allowed)
        if reason is None:
            result.texts[name] = value
            result.customised.append(name)
        else:
            result.rejected[name] = reason
    return result
