"""Conversations and their messages (the chat room, quick chat and handovers)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from support_system.data.schema import Conversation, Message, MessageType, utcnow


def create_conversation(
    session: Session, user_id: int, *, title: str = "", agent_id: int | None = None
) -> Conversation:
    """A new, empty conversation."""
    conversation = Conversation(user_id=user_id, title=title[:200], agent_id=agent_id)
    session.add(conversation)
    session.flush()
    return conversation


def get_conversation(session: Session, conversation_id: int) -> Conversation | None:
    """The conversation with this id, or None."""
    return session.get(Conversation, conversation_id)


def list_conversations(
    session: Session, user_id: int, *, agent_id: int | None = None, limit: int = 50
) -> list[Conversation]:
    """The user's conversations (with one agent, when given), most recently active first."""
    query = select(Conversation).where(Conversation.user_id == user_id)
    if agent_id is not None:
        query = query.where(Conversation.agent_id == agent_id)
    query = query.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(limit)
    return list(session.scalars(query))


def add_message(
    session: Session,
    conversation_id: int,
    *,
    sender: str,
    content: str,
    type: MessageType | str = MessageType.TEXT,  # noqa: A002 - matches the column name
) -> Message:
    """Append a message and mark the conversation as active now."""
    message = Message(
        conversation_id=conversation_id, sender=sender, content=content, type=MessageType(type)
    )
    session.add(message)
    session.execute(
        update(Conversation).where(Conversation.id == conversation_id).values(updated_at=utcnow())
    )
    session.flush()
    return message


def list_messages(session: Session, conversation_id: int, *, events: bool = True) -> list[Message]:
    """The messages of a conversation, oldest first; `events=False` leaves out the
    bookkeeping events (handovers, model switches) that are not part of what was said."""
    query = select(Message).where(Message.conversation_id == conversation_id)
    if not events:
        query = query.where(Message.type != MessageType.EVENT)
    return list(session.scalars(query.order_by(Message.id)))
