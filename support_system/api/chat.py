"""Conversations over HTTP and a streaming WebSocket chat that survives reconnects.

REST: create and list one's conversations, read a conversation's messages.
WebSocket `/ws/chat/{conversation_id}`:

    → {"type": "auth", "token": "…"}            first, unless an Authorization header was
                                                 sent (browsers cannot send one); local
                                                 mode needs neither
    ← {"type": "ready", "last_event_id": N}
    → {"type": "message", "text": "…", "lang": "ja", "agent": "Hana"?}
    ← {"id": 7, "type": "start", "agent": "Hana", "model": "…"}
    ← {"id": 8, "type": "token", "text": "こん"} …
    ← {"id": 40, "type": "done", "model": "…"}   or  {"id": 40, "type": "error", "error": {…}}

Connect with `?last_event_id=K` to receive every event after K first: the reply goes on
writing while the client is away (`agents.live_replies`) and is saved in the database
when it ends, so a dropped connection loses nothing. Refusals close the socket with
4401 (not signed in), 4404 (no such conversation, or not the caller's) or 4429 (rate
limit), after an `error` frame in the API's usual shape.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from support_system.accounts import tokens
from support_system.accounts.errors import TokenInvalid
from support_system.accounts.principal import Principal
from support_system.agents import live_replies
from support_system.agents.library import get_agent
from support_system.api.deps import Reader, Writer, owned
from support_system.api.errors import ERROR_RESPONSES, AuthRequired, RequestInvalid, error_body
from support_system.api.models import Id, Text
from support_system.core.errors import NotFound, SupportSystemError
from support_system.core.languages import Language
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import MessageType

router = APIRouter(prefix="/api/conversations", tags=["chat"], responses=ERROR_RESPONSES)
ws_router = APIRouter()

AUTH_SECONDS = 10.0
T = TypeVar("T")


class ConversationIn(BaseModel):
    agent: Text(100) | None = None
    title: Text(200) = ""


class ConversationOut(BaseModel):
    id: int
    title: str
    agent: str | None
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    id: int
    sender: str
    content: str
    partial: bool
    created_at: datetime


def _owned_conversation(principal: Principal, conversation_id: int) -> Any:
    with session_scope() as session:
        conversation = repo.get_conversation(session, conversation_id)
    owned(principal, conversation.user_id if conversation else None, "conversation")
    return conversation


def _out(conversation: Any, agent: str | None) -> ConversationOut:
    return ConversationOut(
        id=conversation.id,
        title=conversation.title,
        agent=agent,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
    )


@router.post("", status_code=201)
def create_conversation(body: ConversationIn, caller: Writer) -> ConversationOut:
    """A new, empty conversation with an agent (default: the guide)."""
    stored = get_agent(body.agent, caller.user_id) if body.agent else None
    with session_scope() as session:
        conversation = repo.create_conversation(
            session, caller.user_id, title=body.title, agent_id=stored.id if stored else None
        )
        return _out(conversation, stored.name if stored else None)


@router.get("")
def list_conversations(caller: Reader) -> list[ConversationOut]:
    """The caller's conversations, most recently active first."""
    with session_scope() as session:
        rows = repo.list_conversations(session, caller.user_id)
        return [_out(row, None) for row in rows]


@router.get("/{conversation_id}/messages")
def conversation_messages(conversation_id: Id, caller: Reader) -> list[MessageOut]:
    """Every message, oldest first; replies cut short by a model failure say `partial`."""
    _owned_conversation(caller, conversation_id)
    with session_scope() as session:
        return [
            MessageOut(
                id=m.id,
                sender=m.sender,
                content=m.content,
                partial=m.type == MessageType.PARTIAL,
                created_at=m.created_at,
            )
            for m in repo.list_messages(session, conversation_id)
        ]


# --- the WebSocket ------------------------------------------------------------------------


class _Send(BaseModel):
    type: str
    text: Text(8000, min_length=1)
    lang: Language = "ja"
    agent: Text(100) | None = None


async def refuse_socket(socket: WebSocket, error: SupportSystemError, code: int) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await socket.send_json({"type": "error", **error_body(error)})
        await socket.close(code=code)


async def authenticate_socket(socket: WebSocket) -> Principal:
    """The caller from the Authorization header, else from a first `auth` frame."""
    client = socket.client.host if socket.client else ""
    header = socket.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise AuthRequired("authorization header is not a bearer token")
        return await run_in_threadpool(tokens.principal_for, token, client=client)
    if get_settings().auth.mode == "local":
        return await run_in_threadpool(tokens.local_principal)
    try:
        first = await asyncio.wait_for(socket.receive_json(), timeout=AUTH_SECONDS)
    except (TimeoutError, ValueError) as exc:
        raise AuthRequired("no auth frame") from exc
    if not isinstance(first, dict) or first.get("type") != "auth" or not first.get("token"):
        raise AuthRequired("the first frame must be auth")
    return await run_in_threadpool(tokens.principal_for, str(first["token"]), client=client)


async def admit_socket(
    socket: WebSocket, scope: str, what: str, check: Callable[[Principal], T]
) -> tuple[Principal, T] | None:
    """Accept the socket, sign the caller in, require `scope`, run `check` (the ownership
    test, in a thread); on refusal send the error frame, close (4401 not signed in, 4404
    not theirs or missing) and return None."""
    await socket.accept()
    try:
        principal = await authenticate_socket(socket)
        if not principal.allows(scope):
            raise NotFound(what)  # a token without the scope sees none of these
        return principal, await run_in_threadpool(check, principal)
    except (AuthRequired, TokenInvalid) as exc:
        await refuse_socket(socket, exc, 4401)
    except SupportSystemError as exc:
        await refuse_socket(socket, exc, 4404)
    return None


def _event(event: live_replies.ReplyEvent) -> dict[str, Any]:
    if event.type == "error":
        data = {"error": {"code": event.data["code"], "message": event.data["message"]}}
    else:
        data = dict(event.data)
    return {"id": event.id, "type": event.type, **data}


@ws_router.websocket("/ws/chat/{conversation_id}")
async def chat_socket(socket: WebSocket, conversation_id: int, last_event_id: int = 0) -> None:
    """Stream an agent's replies token by token; see the module docstring for the frames."""
    admitted = await admit_socket(
        socket, "chat", "conversation", lambda who: _owned_conversation(who, conversation_id)
    )
    if admitted is None:
        return
    principal, _ = admitted

    channel = live_replies.channel(conversation_id)
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    stop_listening = channel.listen(lambda: loop.call_soon_threadsafe(woken.set))
    await socket.send_json({"type": "ready", "last_event_id": channel.last_id})
    limits = socket.app.state.limits

    async def pump(last: int) -> None:
        while True:
            for event in channel.after(last):
                await socket.send_json(_event(event))
                last = event.id
            await woken.wait()
            woken.clear()

    sender = asyncio.create_task(pump(last_event_id))
    try:
        while True:
            frame = await socket.receive_json()
            try:
                send = _Send.model_validate(frame)
                if send.type != "message":
                    continue
                limits.hit(f"user:{principal.user_id}")
                await run_in_threadpool(
                    live_replies.start_reply,
                    conversation_id,
                    send.text,
                    language=send.lang,
                    user_id=principal.user_id,
                    agent=send.agent,
                )
            except ValidationError:
                await socket.send_json({"type": "error", **error_body(RequestInvalid("frame"))})
            except SupportSystemError as exc:
                await socket.send_json({"type": "error", **error_body(exc)})
    except (WebSocketDisconnect, RuntimeError, ValueError):
        pass  # the client left; the reply goes on and is saved (see module docstring)
    finally:
        stop_listening()
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
