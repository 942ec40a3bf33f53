"""The ja and en catalogues stay in step, and every error type has both messages."""

from __future__ import annotations

import re
import string

import pytest

from support_system.core import errors
from support_system.core.i18n import LANGUAGES, catalogue, t


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogues_have_the_same_keys() -> None:
    ja, en = catalogue("ja"), catalogue("en")
    assert set(ja) == set(en), set(ja) ^ set(en)


def test_placeholders_match_across_languages() -> None:
    ja, en = catalogue("ja"), catalogue("en")
    mismatched = [key for key in en if _placeholders(en[key]) != _placeholders(ja[key])]
    assert not mismatched


def test_japanese_catalogue_is_japanese() -> None:
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    untranslated = [k for k, v in catalogue("ja").items() if not japanese.search(v)]
    assert not untranslated, f"not translated: {untranslated}"


@pytest.mark.parametrize(
    "error_type",
    [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.SupportSystemError)
    ],
)
def test_every_error_type_has_a_message_in_each_language(
    error_type: type[errors.SupportSystemError],
) -> None:
    for lang in LANGUAGES:
        assert error_type.message_key in catalogue(lang)
    error = error_type("disk full", model="model-x", job="job-y", source="s")
    assert error.message("ja") != error.message("en")
    for lang in LANGUAGES:
        message = error.message(lang)
        # Either the technical detail or the named thing the user asked for is shown.
        assert "disk full" in message or "model-x" in message or "job-y" in message


def test_missing_key_falls_back_to_the_key_not_a_crash() -> None:
    assert t("no.such.key", "ja") == "no.such.key"
    assert t("errors.timeout", "en") != "errors.timeout"  # params missing: template, no crash
