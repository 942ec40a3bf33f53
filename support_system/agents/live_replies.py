"""Replies that keep streaming while nobody is listening, numbered so a reader can resume.

The WebSocket chat (`api.chat`) must survive a dropped connection: the reply goes on in
the background (and is saved when it ends, as every dialog reply is), and a client that
reconnects with the id of the last event it saw gets exactly the events after it. So
each conversation has one `Channel` in this process: an append-only list of numbered
events (`token`, `done`, `error`) and a condition readers wait on. One reply runs per
conversation at a time; channels of finished replies are dropped after `KEEP_SECONDS`
(the messages themselves are in the database for good).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from support_system.agents import dialog
from support_system.agents.errors import ReplyBusy
from support_system.core.errors import SupportSystemError
from support_system.core.logging import get_logger

log = get_logger(__name__)

KEEP_SECONDS = 600.0
MAX_EVENTS = 5000  # per channel; older events fall off (a reader that far behind re-reads the DB)


@dataclass(frozen=True)
class ReplyEvent:
    """`id` grows by one per event of a conversation; `type` is token, done or error."""

    id: int
    type: str
    data: dict[str, Any]


@dataclass
class Channel:
    conversation_id: int
    events: list[ReplyEvent] = field(default_factory=list)
    running: bool = False
    last_id: int = 0
    finished_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def _add(self, type_: str, **data: Any) -> None:
        with self.lock:
            self.last_id += 1
            self.events.append(ReplyEvent(self.last_id, type_, data))
            del self.events[:-MAX_EVENTS]
            listeners = list(self.listeners)
        for wake in listeners:  # outside the lock: a listener may read the channel
            wake()

    def listen(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call `wake()` (from the writer's thread) after each new event; returns the undo.

        For asyncio readers: pass `lambda: loop.call_soon_threadsafe(flag.set)`, so no
        thread is held per waiting connection.
        """
        with self.lock:
            self.listeners.append(wake)

        def stop() -> None:
            with self.lock:
                if wake in self.listeners:
                    self.listeners.remove(wake)

        return stop

    def after(self, last_id: int) -> list[ReplyEvent]:
        """Events with an id above `last_id` (readers wait through `listen`)."""
        with self.lock:
            return [e for e in self.events if e.id > last_id]


_channels: dict[int, Channel] = {}
_lock = threading.Lock()


def channel(conversation_id: int) -> Channel:
    """The conversation's channel (created empty when there is none in this process)."""
    now = time.monotonic()
    with _lock:
        for key, old in list(_channels.items()):
            if not old.running and old.finished_at and now - old.finished_at > KEEP_SECONDS:
                del _channels[key]
        return _channels.setdefault(conversation_id, Channel(conversation_id))


def start_reply(
    conversation_id: int,
    text: str,
    *,
    language: str,
    user_id: int,
    agent: str | None = None,
    max_tokens: int = 512,
) -> Channel:
    """Save `text` and write the agent's reply in the background, as events on the channel.

    The person's message is saved before this returns (by `dialog.chat`), so a crash
    afterwards loses nothing they said; model failures become an `error` event with the
    ja/en message, and a partial reply is saved marked partial (dialog mode's rule).
    """
    target = channel(conversation_id)
    with target.lock:
        if target.running:
            raise ReplyBusy(f"conversation {conversation_id} is still replying")
        target.running = True
    try:
        reply = dialog.chat(
            text,
            language=language,
            agent=agent,
            conversation_id=conversation_id,
            user_id=user_id,
            max_tokens=max_tokens,
        )
    except BaseException:
        with target.lock:
            target.running = False
        raise
    target._add("start", agent=reply.agent.name, model=reply.model)
    threading.Thread(target=_write, args=(target, reply), daemon=True).start()
    return target


def _write(target: Channel, reply: dialog.DialogReply) -> None:
    try:
        for piece in reply:
            target._add("token", text=piece)
        result = reply.result
        target._add("done", model=result.model if result else reply.model)
    except SupportSystemError as exc:
        target._add(
            "error",
            code=type(exc).__name__,
            message={"ja": exc.message("ja"), "en": exc.message("en")},
        )
    except Exception as exc:  # noqa: BLE001 - a reader must always see the reply end
        log.exception("live_reply_failed", conversation_id=target.conversation_id)
        generic = SupportSystemError(str(exc))
        target._add(
            "error",
            code="unexpected",
            message={"ja": generic.message("ja"), "en": generic.message("en")},
        )
    finally:
        with target.lock:
            target.running = False
            target.finished_at = time.monotonic()
