""" "Decide for me": defaults, column proposals, the model's proposal held to a schema, and
no invented facts (`jobs.proposals`)."""

from __future__ import annotations

from typing import Any

import pytest

from support_system.core.settings import PROJECT_ROOT
from support_system.jobs.answers import validate_answer
from support_system.jobs.catalogue import SAMPLES_DIR, get_job
from support_system.jobs.definitions import Job
from support_system.jobs.proposals import (
    decide_for_me,
    invents_facts,
    proposal_schema,
    propose_answer,
)
from tests.helpers.questions import q

# --- decide for me ------------------------------------------------------------------------------


def test_propose_default_first_choice_and_per_language(settings, renamer: Job) -> None:
    assert propose_answer(renamer, renamer.question("pattern"), {}, "ja") == "prefix_number"
    assert propose_answer(renamer, renamer.question("dry_run"), {}, "en") is True
    assert propose_answer(renamer, renamer.question("prefix"), {}, "ja") == "写真"
    assert propose_answer(renamer, renamer.question("prefix"), {}, "en") == "photo"
    no_default = q(
        type="choice", decide="default", choices=[{"value": "a", "label": {"ja": "あ", "en": "A"}}]
    )
    assert propose_answer(renamer, no_default, {}, "ja") == "a"


def test_facts_are_never_proposed(settings) -> None:
    shop = get_job("shop-page")
    for qid in ("name", "address", "opening_hours", "phone", "products"):
        assert propose_answer(shop, shop.question(qid), {}, "ja") is None


def test_llm_questions_fall_back_to_the_default_without_a_model(db) -> None:
    shop = get_job("shop-page")
    tagline = shop.question("tagline")
    assert (
        propose_answer(shop, tagline, {}, "ja", use_llm=False) == "ご来店を心よりお待ちしています"
    )
    # An unknown model is a ModelError: the button still gives a sensible answer.
    assert (
        propose_answer(shop, shop.question("color"), {}, "en", model="no-such-model") == "#8a4b14"
    )


def test_column_proposals_fit_the_column_kind(settings) -> None:
    chart = get_job("data-chart")
    answers: dict[str, Any] = {"input_file": "sales_ja_sjis.csv"}
    x = propose_answer(chart, chart.question("x_column"), answers, "ja", base_dir=SAMPLES_DIR)
    answers["x_column"] = x
    y = propose_answer(chart, chart.question("y_column"), answers, "ja", base_dir=SAMPLES_DIR)
    assert x == "日付" and y in ("数量", "売上") and x != y
    for qid, value in (("x_column", x), ("y_column", y)):
        validate_answer(chart.question(qid), value, "ja", base_dir=SAMPLES_DIR, answers=answers)


def test_invented_facts_are_detected() -> None:
    assert invents_facts("営業時間 9:00-17:00", {"name": "ひまわり"})
    assert invents_facts("Call info@bakery.example", {})
    assert not invents_facts("毎朝焼きたて、町のパン屋さん", {"name": "ひまわり"})
    assert not invents_facts("Since 1980", {"about": "founded in 1980"})
    assert invents_facts(["ok", "Open 24 hours"], {})


def test_proposal_schema_constrains_the_shape(settings) -> None:
    operation = get_job("csv-summary").question("operation")
    schema = proposal_schema(operation).model_json_schema()
    assert schema["properties"]["value"]["enum"] == ["sum", "mean", "count", "min", "max"]
    colour = proposal_schema(q(type="color")).model_json_schema()
    assert colour["properties"]["value"]["pattern"]
    columns = proposal_schema(q(type="text"), ["店舗", "売上"]).model_json_schema()
    assert columns["properties"]["value"]["enum"] == ["店舗", "売上"]


@pytest.mark.model
def test_real_model_proposes_a_valid_tagline_without_invented_facts(db) -> None:
    shop = get_job("shop-page")
    answers = {"name": "ひまわりベーカリー"}
    tagline = shop.question("tagline")
    value = propose_answer(shop, tagline, answers, "ja", model="qwen2.5-coder-0.5b")
    assert isinstance(value, str) and value.strip()
    assert validate_answer(tagline, value, "ja") == value
    assert not invents_facts(value, answers)


def test_prompt_file_exists() -> None:
    assert (PROJECT_ROOT / "prompts" / "jobs" / "propose_answer.j2").is_file()


def test_decide_for_me_consults_the_knowledge_base_only_for_model_questions(db) -> None:
    shop = get_job("shop-page")
    layout = shop.question("layout")  # decide: default
    decided = decide_for_me(shop, layout, {}, "en")
    assert decided.value == propose_answer(shop, layout, {}, "en") and decided.knowledge == []
    # A model question with no documents stored and no model: the default, no sources.
    colour = decide_for_me(shop, shop.question("color"), {}, "en", model="no-such-model")
    assert colour.value == "#8a4b14" and colour.knowledge == []
    assert decide_for_me(shop, shop.question("name"), {}, "en").value is None  # a fact
