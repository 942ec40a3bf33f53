"""Prompts for talking with an agent: persona, tone, knowledge and a token-budgeted history.

The system prompt is a Jinja2 template picked by the agent's roles (the first role
with a file `prompts/agents/roles/<role>.j2`, else `default`); every role template
extends `agents/base.j2`, which renders the persona, the tone rules, the answer
language, the agent's own instructions (its file's body) and, when given, retrieved
knowledge passages with their sources.

Tone is enforced by the prompt only: each tone in the agent's `tones` becomes explicit
sentences from `prompts/agents/tone.j2` ("polite" → polite phrases, です・ます調 in
Japanese). Replies are never rewritten afterwards.

History is windowed by a token budget, not a message count: messages are taken newest
first while they fit, so a long pasted text pushes out old turns and short turns keep
more context. Tokens are *estimated* (`estimate_tokens`), which is cheap and needs no
tokenizer: one token per CJK character (kana, kanji, hangul, full-width forms) and one
per three other characters, plus `MESSAGE_OVERHEAD` per message for the chat template's
role markers. Real tokenizers give ~4 Latin characters and ~1–1.5 CJK characters per
token, so the estimate errs on the generous side and the window never overflows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from support_system.agents.definitions import AgentDefinition
from support_system.ai.discovery import registry_with
from support_system.ai.prompts import render, template_names
from support_system.core.errors import UnknownModel
from support_system.core.i18n import t
from support_system.core.settings import get_settings

LATIN_CHARS_PER_TOKEN = 3
MESSAGE_OVERHEAD = 4  # "<|im_start|>role\n" … "<|im_end|>\n"
HISTORY_SHARE = 0.5  # at most this share of the context window goes to history
ROLE_TEMPLATES = "agents/roles"
_CJK = re.compile(
    r"[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    r"\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)

Turn = tuple[str, str]
"""One chat message as (role, text); role is "system", "user" or "assistant"."""


# --- tokens and the history window ------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """Estimated tokens of `text`: 1 per CJK character, 1 per 3 other characters."""
    cjk = len(_CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / LATIN_CHARS_PER_TOKEN)


def message_tokens(text: str) -> int:
    """Estimated tokens of one chat message, role markers included."""
    return estimate_tokens(text) + MESSAGE_OVERHEAD


def context_window(model: str | None = None) -> int:
    """Tokens the model can see at once: its registry `context_length`, capped by `llm.n_ctx`
    for embedded models (the size they are loaded with). An unknown name gets `n_ctx`:
    the model call itself will then report the unknown model."""
    settings = get_settings().llm
    try:
        name = model or settings.default_model
        spec = registry_with(name).get(name)
    except UnknownModel:
        return settings.n_ctx
    return (
        min(settings.n_ctx, spec.context_length)
        if spec.provider == "embedded"
        else spec.context_length
    )


def history_budget(model: str | None, *, fixed_tokens: int, max_tokens: int) -> int:
    """Tokens left for history: `HISTORY_SHARE` of the window, and never more than what the
    system prompt, the new message (`fixed_tokens`) and the reply (`max_tokens`) leave free."""
    window = context_window(model)
    return max(0, min(int(window * HISTORY_SHARE), window - fixed_tokens - max_tokens))


def window_history(history: Sequence[Turn], budget: int) -> list[Turn]:
    """The newest messages of `history` (oldest first) whose estimated tokens fit `budget`.

    Stops at the first message that does not fit, rather than skipping it and taking
    older ones: the model sees one unbroken stretch of the conversation.
    """
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history):
        cost = message_tokens(turn[1])
        if used + cost > budget:
            break
        kept.append(turn)
        used += cost
    kept.reverse()
    return kept


# --- knowledge --------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A retrieved piece of text and where it came from (shown to the model as a source)."""

    text: str
    source: str


Retriever = Callable[[str], Sequence[Passage]]
"""Given the person's message, the passages the agent may use (empty: none relevant)."""


def knowledge_base_retriever(
    language: str, *, k: int = 3, project: int | str | None = None
) -> Retriever:
    """A Retriever over the knowledge base (opened on first use, then reused)."""
    opened: list[object] = []

    def retrieve(query: str) -> list[Passage]:
        from support_system.rag.knowledge_base import KnowledgeBase

        if not opened:
            opened.append(KnowledgeBase())
        kb: KnowledgeBase = opened[0]  # type: ignore[assignment]
        return [
            Passage(hit.text, hit.citation.label(language))
            for hit in kb.search(query, k=k, project=project)
        ]

    return retrieve


def format_knowledge(passages: Sequence[Passage]) -> str:
    """Numbered passages, each followed by its source, for the system prompt."""
    return "\n\n".join(
        f"[{number}] {' '.join(p.text.split())}\n({p.source})"
        for number, p in enumerate(passages, 1)
    )


# --- the prompt -------------------------------------------------------------------------


def template_for(agent: AgentDefinition) -> str:
    """The role template of the agent's first role that has one; `default` otherwise."""
    available = set(template_names())
    for role in agent.roles:
        if f"{ROLE_TEMPLATES}/{role}" in available:
            return f"{ROLE_TEMPLATES}/{role}"
    return f"{ROLE_TEMPLATES}/default"


def tone_rules(agent: AgentDefinition, language: str) -> str:
    """One "- …" line of explicit instructions per tone of the agent ("" for none)."""
    return "\n".join(
        f"- {render('agents/tone', tone=tone, language=language)}" for tone in agent.tones
    )


def system_prompt(
    agent: AgentDefinition, *, language: str, knowledge: Sequence[Passage] = ()
) -> str:
    """The agent's system prompt for a person using `language` (the UI language)."""
    answer_language = agent.answer_language(language)
    return render(
        template_for(agent),
        language=answer_language,
        app_name=t("app.title", answer_language),
        display_name=agent.display_name.get(answer_language),
        description=agent.description.get(answer_language),
        gender=agent.gender,
        background=agent.background,
        personalities=", ".join(agent.personalities),
        skills=", ".join(agent.skills),
        tone_rules=tone_rules(agent, answer_language),
        instructions=agent.instructions,
        knowledge=format_knowledge(knowledge),
    )


@dataclass(frozen=True)
class Prompt:
    """The messages for one reply, and how the history was windowed."""

    messages: list[Turn]
    budget: int  # tokens allowed for history
    kept: int  # history messages included
    dropped: int  # older history messages left out


def build_prompt(
    agent: AgentDefinition,
    history: Sequence[Turn],
    text: str,
    *,
    language: str,
    model: str | None = None,
    max_tokens: int = 512,
    knowledge: Retriever | None = None,
) -> Prompt:
    """System prompt + the newest history that fits the budget + the person's `text`."""
    passages = list(knowledge(text)) if knowledge is not None else []
    system = system_prompt(agent, language=language, knowledge=passages)
    budget = history_budget(
        model, fixed_tokens=message_tokens(system) + message_tokens(text), max_tokens=max_tokens
    )
    window = window_history(history, budget)
    messages = [("system", system), *window, ("user", text)]
    return Prompt(
        messages=messages, budget=budget, kept=len(window), dropped=len(history) - len(window)
    )
