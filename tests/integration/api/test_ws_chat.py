"""The WebSocket chat against the real embedded model: token by token, resumable after a
dropped connection, refused for strangers. The app runs in-process (Starlette's test
client speaks the real WebSocket protocol to the ASGI app); the model runs in its worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from support_system.core.settings import get_settings

pytestmark = pytest.mark.model
PASSWORD = "correct horse battery"


@pytest.fixture
def client(db, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__CACHE_ENABLED", "false")
    get_settings.cache_clear()
    from support_system.api.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


def _sign_in(client: TestClient, name: str) -> str:
    client.post("/api/auth/register", json={"username": name, "password": PASSWORD})
    reply = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def _frames_until(socket, kinds: set[str], limit: int = 2000) -> list[dict]:
    frames = []
    for _ in range(limit):
        frame = socket.receive_json()
        frames.append(frame)
        if frame["type"] in kinds:
            return frames
    raise AssertionError(f"no {kinds} frame in {limit}: {frames[-3:]}")


def test_a_reply_streams_token_by_token_and_a_reconnect_gets_the_rest(client) -> None:
    token = _sign_in(client, "aiko")
    auth = {"Authorization": f"Bearer {token}"}
    conversation = client.post("/api/conversations", json={}, headers=auth).json()["id"]
    url = f"/ws/chat/{conversation}"

    with client.websocket_connect(url) as socket:  # browsers: auth in the first frame
        socket.send_json({"type": "auth", "token": token})
        assert socket.receive_json() == {"type": "ready", "last_event_id": 0}
        socket.send_json(
            {"type": "message", "text": "Count from 1 to 40, one per line.", "lang": "en"}
        )
        first = _frames_until(socket, {"token"})
        first += [socket.receive_json() for _ in range(2)]
    assert first[0]["type"] == "start" and first[0]["id"] == 1
    assert [f["type"] for f in first[1:]] == ["token"] * 3
    last_seen = first[-1]["id"]

    # The connection dropped mid-reply; the reply went on. Resume from the last id seen.
    with client.websocket_connect(f"{url}?last_event_id={last_seen}", headers=auth) as socket:
        assert socket.receive_json()["type"] == "ready"
        rest = _frames_until(socket, {"done", "error"})
    assert rest[-1]["type"] == "done", rest[-1]
    ids = [f["id"] for f in first + rest]
    assert ids == list(range(1, len(ids) + 1))  # nothing missed, nothing twice
    streamed = "".join(f["text"] for f in first + rest if f["type"] == "token")
    assert len([f for f in first + rest if f["type"] == "token"]) > 5

    messages = client.get(f"/api/conversations/{conversation}/messages", headers=auth).json()
    assert [m["sender"] for m in messages][0] == "user"
    assert messages[-1]["content"] == streamed and not messages[-1]["partial"]


def test_another_users_conversation_and_a_missing_token_are_refused(client) -> None:
    aiko = {"Authorization": f"Bearer {_sign_in(client, 'aiko')}"}
    ben = _sign_in(client, "ben")
    conversation = client.post("/api/conversations", json={}, headers=aiko).json()["id"]

    with client.websocket_connect(f"/ws/chat/{conversation}") as socket:
        socket.send_json({"type": "auth", "token": ben})
        frame = socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert frame["error"]["code"] == "not_found" and closed.value.code == 4404

    with client.websocket_connect(f"/ws/chat/{conversation}") as socket:
        socket.send_json({"type": "message", "text": "hello"})  # no auth frame first
        frame = socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert frame["error"]["code"] == "auth_required" and closed.value.code == 4401

    with client.websocket_connect(f"/ws/chat/{conversation}") as socket:
        socket.send_json({"type": "auth", "token": "forged.token.value"})
        frame = socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert frame["error"]["code"] == "token_invalid" and closed.value.code == 4401
    assert client.get(f"/api/conversations/{conversation}/messages", headers=aiko).json() == []
