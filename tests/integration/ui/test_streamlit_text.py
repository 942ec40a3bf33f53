"""The rules that put Streamlit's own words into the person's language (no browser).

Each rule must match Streamlit's English exactly as the English catalogue writes it, and
translating that English into English must give it back unchanged: that is what keeps
English pages exactly as Streamlit draws them. The browser side is proven by
tests/e2e/test_every_page.py.
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from support_system.core.i18n import catalogue
from support_system.core.settings import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location(
    "streamlit_text", PROJECT_ROOT / "ui" / "components" / "streamlit_text.py"
)
assert _spec and _spec.loader
streamlit_text = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(streamlit_text)

# A value for each named group a rule carries over (a file name, a label, a count…).
SAMPLES = {
    "modifier": "Ctrl",
    "label": "お店の名前",
    "name": "売上.csv",
    "count": "3",
    "value": "やさしい",
    "size": "20.0MB",
    "type": "application/x-msdownload",
}


@pytest.mark.parametrize(("key", "pattern"), streamlit_text.RULES, ids=lambda v: str(v))
def test_each_rule_matches_streamlits_english_and_keeps_it_in_english(
    key: str, pattern: str
) -> None:
    english = catalogue("en")[f"streamlit.{key}"]
    groups = re.compile(pattern).groupindex
    sample = english.format(**{name: SAMPLES[name] for name in groups})
    assert re.fullmatch(pattern, sample), (key, pattern, sample)
    assert streamlit_text.translate(sample, "en") == sample
    japanese = streamlit_text.translate(sample, "ja")
    assert japanese != sample
    assert all(SAMPLES[name] in japanese for name in groups), japanese


def test_only_a_whole_string_is_translated() -> None:
    # A person's own sentence that merely contains Streamlit's words stays as written.
    for text in ("Upload the photo", "Stop", "Press Enter to submit form please"):
        expected = "中止" if text == "Stop" else text
        assert streamlit_text.translate(text, "ja") == expected


def test_the_page_script_gets_javascript_regexes_and_slots_for_the_groups() -> None:
    for source, template in streamlit_text.translations("ja"):
        assert "(?P<" not in source  # JavaScript spells a named group (?<name>…)
        for name in re.findall(r"\(\?<(\w+)>", source):
            assert f"{{{name}}}" in template, (source, template)


def test_the_select_box_placeholders_exist_in_both_languages() -> None:
    for key in ("placeholder", "placeholder_many", "placeholder_add"):
        assert catalogue("en")[f"streamlit.select.{key}"].startswith("Choose")
        assert catalogue("ja")[f"streamlit.select.{key}"]
