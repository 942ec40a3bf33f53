"""The interface languages and the two-language text type, in one place.

Every user-facing text exists in each of these languages (the i18n catalogue, job files,
agent files); adding a language starts here.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = ("ja", "en")
DEFAULT_LANGUAGE: Language = "ja"
# Each language's name in that language, for language pickers.
LANGUAGE_NAMES: dict[str, str] = {"ja": "日本語", "en": "English"}
FALLBACK_LANGUAGE: Language = "en"
"""What a text is shown in for a language it was not written in."""
# Kana and kanji (with the compatibility ideographs): what makes a text Japanese here.
JAPANESE_CHARACTER = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def has_japanese(text: str) -> bool:
    """Whether `text` has a kana or kanji character (Latin letters and digits alone do not
    make a text Japanese, whatever language the person chose)."""
    return JAPANESE_CHARACTER.search(text) is not None


def supported(lang: str) -> Language:
    """`lang` if the interface has it, otherwise the fallback (English)."""
    return next((known for known in LANGUAGES if known == lang), FALLBACK_LANGUAGE)


class Text(BaseModel):
    """A text shown to people, in every UI language (both are required)."""

    # A typo in a job or agent file ("jp:") must fail, not be silently ignored.
    model_config = ConfigDict(extra="forbid")

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in `lang`; English for any language other than Japanese."""
        return str(getattr(self, supported(lang)))
