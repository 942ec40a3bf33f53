"""Agent prompts: tone and role come from templates, history fits a token budget."""

from __future__ import annotations

import pytest

from support_system.agents.definitions import AgentDefinition
from support_system.agents.prompting import (
    MESSAGE_OVERHEAD,
    Passage,
    build_prompt,
    context_window,
    estimate_tokens,
    history_budget,
    message_tokens,
    system_prompt,
    template_for,
    window_history,
)
from support_system.ai.prompts import render

POLITE_EN = render("agents/tone", tone="polite", language="en")
STRICT_EN = render("agents/tone", tone="strict", language="en")


def agent(**fields) -> AgentDefinition:
    base = {
        "name": "a",
        "display_name": {"ja": "エー", "en": "Ay"},
        "description": {"ja": "説明", "en": "Explains."},
    }
    return AgentDefinition.model_validate({**base, **fields})


# --- tokens -----------------------------------------------------------------------------


def test_token_estimate_counts_cjk_per_character_and_latin_per_three() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcdef") == 2
    assert estimate_tokens("abcdefg") == 3  # rounded up
    assert estimate_tokens("こんにちは") == 5
    assert estimate_tokens("パン屋 ABC") == 3 + 2  # 3 CJK + " ABC" (4 chars → 2)
    assert estimate_tokens("ＡＢＣ") == 3  # full-width forms count like CJK
    assert message_tokens("abc") == 1 + MESSAGE_OVERHEAD


def test_window_keeps_the_newest_messages_within_budget() -> None:
    history = [
        ("user" if i % 2 == 0 else "assistant", f"message number {i:02d} " * 5) for i in range(20)
    ]
    cost = message_tokens(history[0][1])
    assert all(message_tokens(text) == cost for _, text in history)
    window = window_history(history, budget=cost * 6 + cost // 2)
    assert window == history[-6:]  # newest kept, oldest dropped, order kept
    assert sum(message_tokens(text) for _, text in window) <= cost * 6 + cost // 2
    assert window_history(history, budget=cost - 1) == []
    assert window_history(history, budget=10**6) == history


def test_window_is_unbroken_a_long_message_stops_it() -> None:
    history = [("user", "old short"), ("assistant", "x" * 3000), ("user", "new short")]
    assert window_history(history, budget=50) == [("user", "new short")]


def test_japanese_history_costs_more_per_character() -> None:
    history = [("user", "あ" * 300), ("user", "a" * 300)]
    budget = message_tokens("a" * 300) + 10
    assert window_history(history, budget) == [("user", "a" * 300)]


def test_history_budget_is_a_share_of_the_models_context(settings) -> None:
    window = context_window("qwen2.5-coder-0.5b")
    assert window == min(settings.llm.n_ctx, 32768)
    assert history_budget("qwen2.5-coder-0.5b", fixed_tokens=100, max_tokens=100) == window // 2
    assert history_budget("qwen2.5-coder-0.5b", fixed_tokens=window, max_tokens=100) == 0
    assert context_window("no-such-model") == settings.llm.n_ctx


def test_build_prompt_drops_old_turns_when_the_budget_is_used(settings) -> None:
    long_turn = "word " * 600  # ~1000 estimated tokens each
    history = [("user", f"turn {i} {long_turn}") for i in range(10)]
    prompt = build_prompt(agent(), history, "hello", language="en", max_tokens=256)
    assert prompt.messages[0][0] == "system" and prompt.messages[-1] == ("user", "hello")
    window = prompt.messages[1:-1]
    assert window == history[-prompt.kept :] and prompt.kept + prompt.dropped == 10
    assert 0 < prompt.kept < 10
    used = sum(message_tokens(text) for _, text in window)
    assert used <= prompt.budget
    total = used + message_tokens(prompt.messages[0][1]) + message_tokens("hello") + 256
    assert total <= context_window()


# --- the system prompt ------------------------------------------------------------------


def test_two_agents_with_different_tones_get_different_instructions(settings) -> None:
    polite = system_prompt(agent(tones=["polite", "cheerful"]), language="en")
    strict = system_prompt(agent(tones=["strict", "concise"]), language="en")
    assert POLITE_EN in polite and POLITE_EN not in strict
    assert STRICT_EN in strict and STRICT_EN not in polite
    assert render("agents/tone", tone="cheerful", language="en") in polite
    assert render("agents/tone", tone="concise", language="en") in strict


def test_tone_depends_on_the_answer_language(settings) -> None:
    polite_ja = system_prompt(agent(tones=["polite"]), language="ja")
    casual_ja = system_prompt(agent(tones=["casual"]), language="ja")
    assert "です・ます調" in polite_ja and "です・ます調" not in casual_ja
    assert "です・ます調" not in system_prompt(agent(tones=["polite"]), language="en")
    assert "Japanese" in polite_ja and "エー" in polite_ja


def test_persona_fields_and_body_are_rendered(settings) -> None:
    text = system_prompt(
        agent(background="Ran a bakery.", personalities=["patient", "curious"], skills=["webpage"],
              gender="female", instructions="Always ask for the shop name."),
        language="en",
    )  # fmt: skip
    for part in ("Ay", "Explains.", "Ran a bakery.", "patient, curious", "webpage", "female",
                 "Always ask for the shop name.", "English"):  # fmt: skip
        assert part in text
    assert "knowledge base" not in text  # the hook is off unless passages are given


def test_an_agents_own_language_wins(settings) -> None:
    english_teacher = agent(language="en")
    text = system_prompt(english_teacher, language="ja")
    assert "Always answer in clear, simple English." in text and "Ay" in text


def test_role_picks_the_template(settings) -> None:
    assert template_for(agent(roles=["teacher"])) == "agents/roles/teacher"
    assert template_for(agent(roles=["designer", "engineer"])) == "agents/roles/engineer"
    assert template_for(agent(roles=["designer"])) == "agents/roles/default"
    for role in ("customer_support", "teacher", "engineer", "reviewer"):
        assert template_for(agent(roles=[role])) == f"agents/roles/{role}"
    teacher = system_prompt(agent(roles=["teacher"]), language="en")
    engineer = system_prompt(agent(roles=["engineer"]), language="en")
    assert "You teach." in teacher and "You teach." not in engineer
    assert "engineer" in engineer


def test_knowledge_passages_come_with_their_sources(settings) -> None:
    asked: list[str] = []

    def retriever(query: str) -> list[Passage]:
        asked.append(query)
        return [Passage("Opening hours are on the shop page.", "guide.md (p. 2)")]

    prompt = build_prompt(agent(), [], "When are you open?", language="en", knowledge=retriever)
    system = prompt.messages[0][1]
    assert asked == ["When are you open?"]
    assert "[1] Opening hours are on the shop page." in system and "(guide.md (p. 2))" in system


@pytest.mark.parametrize("language", ["ja", "en"])
def test_prompt_has_no_unrendered_parts(settings, language: str) -> None:
    text = system_prompt(agent(tones=["polite"], roles=["customer_support"]), language=language)
    assert "{{" not in text and "{%" not in text and "\n\n\n" not in text
