"""The model's two sentences reach the page whole, never cut mid-word (webpage.generator).

A JSON grammar stops a string at its maxLength wherever it is; the bench showed leads
ending in "…The Bike Repair Work" and "choir@riverse". The cap is now above what a page
shows, and the text is cut back to its last finished sentence.
"""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from support_system.generators.webpage.generator import (
    LEAD_CAP,
    LEAD_CHARS,
    PageCopy,
    whole_sentences,
)

LONG_EN = (
    "Welcome to Riverside Community Choir. We sing folk songs and gospel every week, and "
    "you are welcome to join us at any time whether you have sung before or not, because "
    "everyone starts somewhere. Write to choir@riverse"
)


def test_a_long_lead_keeps_its_finished_sentences_only() -> None:
    copy = PageCopy.model_validate_json(json.dumps({"lead": LONG_EN, "closing": "See you soon!"}))
    assert copy.lead == LONG_EN.removesuffix(" Write to choir@riverse")
    assert len(copy.lead) <= LEAD_CHARS
    assert copy.closing == "See you soon!"


def test_japanese_sentences_end_at_the_full_stop_within_the_limit() -> None:
    sentence = "ひまわりベーカリーへようこそ。"  # 15 characters
    kept = whole_sentences(sentence * 20, LEAD_CHARS, LEAD_CAP)
    assert kept == sentence * (LEAD_CHARS // len(sentence))
    assert whole_sentences("「焼きたて」をどうぞ！また来てね", 12, 20) == "「焼きたて」をどうぞ！"


@pytest.mark.parametrize(
    "text", ["Welcome, neighbours", "ようこそ", "See you at the park (bring gloves!). Thanks"]
)
def test_a_short_text_is_kept_as_written(text: str) -> None:
    assert whole_sentences(f"  {text} ", LEAD_CHARS, LEAD_CAP) == text


def test_a_text_at_the_grammar_cap_is_cut_even_when_short_enough_to_show() -> None:
    """At the cap the grammar may have stopped mid-word, so the unfinished end goes."""
    text = "A finished sentence. " + "x" * 29
    assert len(text) == 50
    assert whole_sentences(text, 60, 50) == "A finished sentence."


def test_a_text_with_no_finished_sentence_within_the_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="no finished sentence"):
        PageCopy(lead="word " * 45, closing="Thanks.")  # 225 characters, no full stop
