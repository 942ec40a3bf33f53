"""Agent files: the shipped ones are valid, and a bad one names its file and field in ja and en."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_system.agents.definitions import (
    FORM_FIELDS,
    TONES,
    AgentDefinition,
    agent_from_form,
    load_agent_file,
    parse_agent,
    to_markdown,
)
from support_system.agents.errors import AgentFileError
from support_system.agents.library import SYSTEM_AGENTS_DIR, form_choices
from support_system.ai.prompts import render

VALID = """---
name: helper
display_name: {ja: ヘルパー, en: Helper}
description: {ja: 手伝います。, en: Helps.}
tones: [polite]
---
Be brief.
"""


def _error(text: str, tmp_path: Path, name: str = "helper.md") -> AgentFileError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AgentFileError) as caught:
        load_agent_file(path)
    return caught.value


def test_shipped_agents_are_valid_and_cover_the_required_kinds() -> None:
    agents = {p.stem: load_agent_file(p) for p in SYSTEM_AGENTS_DIR.glob("*.md")}
    assert {"guide", "web-designer", "data-analyst", "python-programmer", "reviewer"} <= set(agents)
    for agent in agents.values():
        for text in (agent.display_name, agent.description):
            assert text.ja.strip() and text.en.strip() and text.ja != text.en
        assert agent.tones and agent.roles and agent.instructions


def test_body_becomes_instructions_and_a_file_round_trips(tmp_path: Path) -> None:
    agent = parse_agent(VALID, file="helper.md", stem="helper")
    assert agent.instructions == "Be brief." and agent.tones == ["polite"]
    assert agent.roles == ["default"] and agent.language is None
    assert agent.answer_language("ja") == "ja"
    assert parse_agent(to_markdown(agent), stem="helper") == agent


@pytest.mark.parametrize(
    ("text", "field", "en_words", "ja_words"),
    [
        (VALID.replace("description: {ja: 手伝います。, en: Helps.}\n", ""),
         "description", "is missing", "ありません"),
        (VALID.replace("en: Helps.", "fr: Aide."), "description.en", "is missing", "ありません"),
        (VALID.replace("tones: [polite]", "tones: [rude]"), "tones", "polite, casual", "rude"),
        (VALID.replace("tones:", "tone:"), "tone", "not a field", "つづり"),
        (VALID.replace("name: helper", "name: Helper!"), "name", "lower-case", "小文字"),
        (VALID.replace("tones: [polite]", "roles: [Web Design]"), "roles", "lower-case", "小文字"),
        (VALID.replace("tones: [polite]", "language: fr"), "language", "ja, en", "fr"),
        (VALID.replace("name: helper", "name: other"), "name", "file name", "ファイル名"),
        (VALID.replace("tones: [polite]", "personalities: ['']"), "personalities", "empty", "空"),
    ],
    ids=["missing", "missing-language", "unknown-tone", "unknown-field", "bad-name", "bad-role",
         "bad-language", "name-not-file-name", "empty-trait"],
)  # fmt: skip
def test_invalid_field_names_file_and_field_in_both_languages(
    tmp_path: Path, text: str, field: str, en_words: str, ja_words: str
) -> None:
    error = _error(text, tmp_path)
    assert error.field == field
    assert str(tmp_path / "helper.md") == error.file
    en, ja = error.message("en"), error.message("ja")
    for message in (en, ja):
        assert error.file in message and field in message
    assert en_words in en and ja_words in ja
    assert en != ja


@pytest.mark.parametrize(
    ("text", "en_words", "ja_words"),
    [
        ("name: helper\n", "---", "---"),
        ("---\nname: [helper\n---\nbody\n", "YAML", "YAML"),
        ("---\n- a list\n---\n", "field: value", "項目: 値"),
    ],
    ids=["no-front-matter", "yaml-syntax", "not-a-mapping"],
)
def test_unusable_file_names_the_file(
    tmp_path: Path, text: str, en_words: str, ja_words: str
) -> None:
    error = _error(text, tmp_path)
    assert error.file.endswith("helper.md")
    assert en_words in error.message("en") and error.file in error.message("en")
    assert ja_words in error.message("ja") and error.file in error.message("ja")


def test_unreadable_file_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "helper.md"
    path.write_bytes(b"---\nname: \xff\xfe\n---\n")
    with pytest.raises(AgentFileError) as caught:
        load_agent_file(path)
    error = caught.value
    assert "helper.md" in error.message("en") and "helper.md" in error.message("ja")


def test_every_tone_has_explicit_instructions(settings) -> None:
    generic = render("agents/tone", tone="__none__", language="en")
    for tone in TONES:
        for lang in ("ja", "en"):
            sentence = render("agents/tone", tone=tone, language=lang)
            assert sentence and sentence != generic.replace("__none__", tone), tone


def test_definition_model_rejects_unknown_tone_from_code() -> None:
    with pytest.raises(ValueError):
        AgentDefinition.model_validate(
            {"name": "x", "display_name": {"ja": "x", "en": "x"},
             "description": {"ja": "x", "en": "x"}, "tones": ["grumpy"]}
        )  # fmt: skip


FORM = {
    "name": " baker ",
    "display_name_ja": "パン屋さん",
    "display_name_en": "Baker",
    "description_ja": "パンに詳しい。",
    "description_en": "Knows bread.",
    "gender": "",
    "background": "Runs a bakery.",
    "personalities": "warm、patient, ,precise",
    "roles": ["teacher"],
    "tones": ["polite"],
    "skills": [],
    "preferred_model": "",
    "language": "auto",
    "persona": "  Talk about bread.  ",
}


def test_the_agent_form_is_checked_like_a_file() -> None:
    agent = agent_from_form(FORM)
    assert (agent.name, agent.display_name.ja, agent.display_name.en) == (
        "baker",
        "パン屋さん",
        "Baker",
    )
    assert agent.personalities == ["warm", "patient", "precise"]  # 、 and , both separate
    assert (agent.language, agent.preferred_model) == (None, None)  # "auto", no model
    assert agent.instructions == "Talk about bread."
    assert agent_from_form({**FORM, "language": "ja"}).language == "ja"
    assert set(FORM) == set(FORM_FIELDS)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"name": "Baker!"}, "name"), ({"display_name_en": " "}, "display_name.en")],
)
def test_a_bad_form_value_names_its_field(change: dict[str, str], field: str) -> None:
    with pytest.raises(AgentFileError) as caught:
        agent_from_form({**FORM, **change})
    assert caught.value.field == field
    assert caught.value.message("ja") != caught.value.message("en")


def test_form_choices_offer_every_role_template_and_model_skill(settings) -> None:
    roles, skills = form_choices([])
    assert roles == sorted(roles) and {"teacher", "reviewer", "engineer"} <= set(roles)
    assert skills == sorted(skills) and skills  # the registry's models name skills
