"""Dialog mode: a persisted, streaming conversation with one agent, and the handover to
the wizard ("let's make that page") with what was said filled in.

Like the home page's quick chat (`agents.quick_chat`), the person's message is saved
before the model is called and the reply when it ends — also when the model fails
part-way (the partial reply is kept, marked `partial`) — so nothing said is ever lost.
History is read back from the database on every turn, so a conversation continues
after a restart exactly where it was; the prompt sees as much of it as the token budget
allows (`agents.prompting`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from support_system.agents.errors import ConversationNotFound
from support_system.agents.library import DEFAULT_AGENT, StoredAgent, get_agent, get_agent_by_id
from support_system.agents.prompting import Prompt, Retriever, Turn, build_prompt
from support_system.ai import GenerationResult, generate, get_registry
from support_system.core.errors import ModelError, UnknownModel
from support_system.core.logging import get_logger
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import Conversation, Message, MessageType
from support_system.routing.service import Route, choose

log = get_logger(__name__)


@dataclass
class DialogReply:
    """Iterate for the streamed reply; `.result` is set once it has ended."""

    conversation_id: int
    agent: StoredAgent
    prompt: Prompt
    model: str | None
    _chunks: Iterator[str] = field(repr=False, default_factory=lambda: iter(()))
    result: GenerationResult | None = None
    route: Route | None = None  # which model answers and why (shown under the reply)

    def __iter__(self) -> Iterator[str]:
        yield from self._chunks


def _conversation(conversation_id: int) -> Conversation:
    with session_scope() as session:
        conversation = repo.get_conversation(session, conversation_id)
    if conversation is None:
        raise ConversationNotFound(f"conversation {conversation_id} does not exist")
    return conversation


def _history(messages: list[Message]) -> list[Turn]:
    """The turns a model sees: the person's as "user", every agent's as "assistant"."""
    return [
        ("user" if m.sender == "user" else "assistant", m.content)
        for m in messages
        if m.type != MessageType.EVENT
    ]


def history(conversation_id: int, *, events: bool = False) -> list[Message]:
    """The conversation's messages, oldest first, for showing it again; bookkeeping
    events (handovers, model switches) only with `events=True`."""
    with session_scope() as session:
        return repo.list_messages(session, conversation_id, events=events)


def conversations(user_id: int, agent_id: int) -> list[Conversation]:
    """The person's conversations with one agent, most recently active first."""
    with session_scope() as session:
        return repo.list_conversations(session, user_id, agent_id=agent_id)


def _agent_for(
    conversation: Conversation | None, agent: str | None, user_id: int | None
) -> StoredAgent:
    if agent is not None:
        return get_agent(agent, user_id)
    if conversation is not None and conversation.agent_id is not None:
        return get_agent_by_id(conversation.agent_id)
    return get_agent(DEFAULT_AGENT, user_id)  # a new chat, or its agent was deleted


def _preferred_model(agent: StoredAgent) -> str | None:
    """The agent's preferred model when it is installed (None: it has none, or it is gone)."""
    if agent.definition.preferred_model is None:
        return None
    try:
        return get_registry().get(agent.definition.preferred_model).name
    except UnknownModel:
        log.warning(
            "preferred_model_missing", agent=agent.name, model=agent.definition.preferred_model
        )
        return None


def _route_for(
    agent: StoredAgent, text: str, language: str, model: str | None, alpha: float | None
) -> Route:
    """The model asked for, else the agent's preferred one, else routing's choice."""
    return choose(
        "chat",
        text,
        language,
        model=model,
        agent=agent.definition.display_name.get(language),
        agent_model=_preferred_model(agent),
        alpha=alpha,
    )


def chat(
    text: str,
    *,
    language: str,
    agent: str | None = None,
    conversation_id: int | None = None,
    user_id: int | None = None,
    model: str | None = None,
    max_tokens: int = 512,
    knowledge: Retriever | None = None,
    alpha: float | None = None,
) -> DialogReply:
    """Save `text`, then stream the agent's answer (saved when it ends or fails).

    A new conversation starts with `agent` (a name; default: the guide). An existing one
    (`conversation_id`) continues with its own agent unless `agent` names another one
    for this turn. `knowledge` (e.g. `prompting.knowledge_base_retriever(lang)`) adds
    retrieved passages with their sources to the system prompt; off by default.
    Model failures surface while iterating, as ModelError with ja/en messages.
    `model` is the person's explicit choice; without one the agent's preferred model,
    else routing's pick (`alpha`: faster ↔ better) answers, and `reply.route` says why.
    """
    conversation = _conversation(conversation_id) if conversation_id is not None else None
    if conversation is not None:
        user_id = conversation.user_id
    elif user_id is None:
        with session_scope() as session:
            user_id = repo.ensure_local_user(session).id
    stored = _agent_for(conversation, agent, user_id)
    with session_scope() as session:
        if conversation_id is None:
            conversation_id = repo.create_conversation(
                session, user_id, title=text[:80], agent_id=stored.id
            ).id
        turns = _history(repo.list_messages(session, conversation_id))
        repo.add_message(session, conversation_id, sender="user", content=text)
    route = _route_for(stored, text, language, model, alpha)
    chosen = route.model
    prompt = build_prompt(
        stored.definition,
        turns,
        text,
        language=language,
        model=chosen,
        max_tokens=max_tokens,
        knowledge=knowledge,
    )
    reply = DialogReply(conversation_id, stored, prompt, chosen, route=route)
    reply._chunks = _stream_and_save(reply, max_tokens, user_id)
    return reply


def _stream_and_save(reply: DialogReply, max_tokens: int, user_id: int) -> Iterator[str]:
    parts: list[str] = []
    try:
        stream = generate(
            reply.prompt.messages,
            reply.model,
            stream=True,
            max_tokens=max_tokens,
            temperature=0.3,
            purpose="dialog",
            user_id=user_id,
        )
        for piece in stream:
            parts.append(piece)
            yield piece
    except (ModelError, GeneratorExit):  # a failed model, or the reader stopped listening
        if parts:
            _save_reply(reply, "".join(parts), partial=True)
        raise
    _save_reply(reply, "".join(parts), partial=False)
    reply.result = stream.result


def _save_reply(reply: DialogReply, content: str, *, partial: bool) -> None:
    with session_scope() as session:
        repo.add_message(
            session,
            reply.conversation_id,
            sender=reply.agent.name,
            content=content,
            type=MessageType.PARTIAL if partial else MessageType.TEXT,
        )


def record_event(conversation_id: int, event: dict[str, object]) -> None:
    """Note something that happened in the conversation (not shown to the model)."""
    with session_scope() as session:
        repo.add_message(
            session,
            conversation_id,
            sender="system",
            content=json.dumps(event, ensure_ascii=False),
            type=MessageType.EVENT,
        )
