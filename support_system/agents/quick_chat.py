"""The home page's one-box chat: a persisted conversation with the default assistant.

The user's message is saved before the model is called and the reply after it ends —
also when the model fails part-way (the partial reply is kept, marked as such) — so a
crash, a timeout or a closed tab never loses what was said.
"""

from __future__ import annotations

from collections.abc import Iterator

from support_system.ai import GenerationResult, generate
from support_system.ai.prompts import render
from support_system.core.errors import ModelError
from support_system.core.i18n import t
from support_system.data import repositories as repo
from support_system.data.db import session_scope

HISTORY_MESSAGES = 8  # the 0.5B model has a small context: keep recent turns only


class ChatReply:
    """Iterate for the streamed reply; `.result` and `.conversation_id` afterwards."""

    def __init__(self, conversation_id: int, chunks: Iterator[str]) -> None:
        self.conversation_id = conversation_id
        self._chunks = chunks
        self.result: GenerationResult | None = None

    def __iter__(self) -> Iterator[str]:
        yield from self._chunks


def quick_chat(
    text: str,
    *,
    language: str,
    model: str | None = None,
    conversation_id: int | None = None,
    max_tokens: int = 512,
    knowledge: bool = False,
    user_id: int | None = None,
) -> ChatReply:
    """Save `text`, then stream the assistant's answer (saved when it ends or fails).

    With `knowledge`, the answer comes from the knowledge base only, with its sources, or
    says plainly that the knowledge base does not have it (`rag.answer`): a question about
    the person's own documents must not be answered from the model's imagination.
    A new conversation belongs to `user_id` (default: the local user).
    """
    with session_scope() as session:
        if user_id is None:
            user_id = repo.ensure_local_user(session).id
        if conversation_id is None:
            conversation_id = repo.create_conversation(session, user_id, title=text[:80]).id
        history = [(m.sender, m.content) for m in repo.list_messages(session, conversation_id)]
        repo.add_message(session, conversation_id, sender="user", content=text)
    reply = ChatReply(conversation_id, iter(()))
    if knowledge:
        from support_system.rag.answer import answer

        grounded = answer(text, language=language, model=model)
        reply._chunks = _relay_and_save(reply, iter(grounded))
        return reply
    messages = [
        ("system", render("chat/system", language=language, app_name=t("app.title", language)))
    ]
    messages += [(_role(sender), content) for sender, content in history[-HISTORY_MESSAGES:]]
    messages.append(("user", text))
    reply._chunks = _stream_and_save(reply, messages, model, max_tokens, user_id)
    return reply


def _relay_and_save(reply: ChatReply, chunks: Iterator[str]) -> Iterator[str]:
    parts: list[str] = []
    try:
        for piece in chunks:
            parts.append(piece)
            yield piece
    except ModelError:
        if parts:
            _save_reply(reply.conversation_id, "".join(parts), sender="assistant", partial=True)
        raise
    _save_reply(reply.conversation_id, "".join(parts), sender="assistant", partial=False)


def _role(sender: str) -> str:
    return "user" if sender == "user" else "assistant"


def _stream_and_save(
    reply: ChatReply,
    messages: list[tuple[str, str]],
    model: str | None,
    max_tokens: int,
    user_id: int,
) -> Iterator[str]:
    stream = generate(
        messages,
        model,
        stream=True,
        max_tokens=max_tokens,
        temperature=0.3,
        purpose="chat",
        user_id=user_id,
    )
    yield from _relay_and_save(reply, stream)
    reply.result = stream.result


def _save_reply(conversation_id: int, content: str, *, sender: str, partial: bool) -> None:
    with session_scope() as session:
        repo.add_message(
            session,
            conversation_id,
            sender=sender,
            content=content,
            type="partial" if partial else "text",
        )
