"""The HTTP side of the fake: Ollama's routes and wire format (chunked NDJSON streams,
model facts, error bodies, a connection dropped mid-body for the fault models).
"""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.ollama_server.server import FakeOllama


def now() -> str:
    """Ollama's `created_at`: RFC 3339 with nanoseconds, UTC."""
    stamp = datetime.now(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond:06d}000Z"


class Handler(BaseHTTPRequestHandler):
    """Request handling; `fake` is bound by FakeOllama.start() on a subclass."""

    fake: FakeOllama
    protocol_version = "HTTP/1.1"  # keep-alive + chunked streaming, like Go's net/http
    server_version = "FakeOllama/0.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if os.environ.get("FAKE_OLLAMA_VERBOSE"):
            super().log_message(format, *args)

    # -- helpers

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_text(self, status: int, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _write_chunk(self, payload: dict[str, Any]) -> None:
        line = (json.dumps(payload, ensure_ascii=False) + "\n").encode("utf-8")
        self.wfile.write(f"{len(line):x}\r\n".encode("ascii") + line + b"\r\n")
        self.wfile.flush()

    def _drop_connection(self) -> None:
        """Vanish mid-body: no terminating chunk, the socket just closes."""
        self.close_connection = True
        self.fake.dropped += 1
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- routes

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/":
            self._send_text(200, "Ollama is running")
        elif self.path == "/api/version":
            self._send_json(200, {"version": "0.0.0-fake"})
        elif self.path == "/api/tags":
            self._send_json(200, self.fake.tags())
        else:
            self._send_text(404, "404 page not found")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path == "/api/embed":
            self._embed(raw)
            return
        if self.path == "/api/show":
            self._show(raw)
            return
        if self.path != "/api/chat":
            self._send_text(404, "404 page not found")
            return
        body = self._json_body(raw)
        if body is None:
            return
        self.fake.requests.append(body)
        name = body.get("model") or ""
        if not name:
            self._send_json(400, {"error": "model is required"})
            return
        known = self.fake.resolve(name)
        if known is None:
            self._send_json(404, {"error": f'model "{name}" not found, try pulling it first'})
            return
        if not body.get("messages"):  # Ollama: an empty chat just loads the model
            self._send_json(
                200,
                {
                    "model": name,
                    "created_at": now(),
                    "message": {"role": "assistant", "content": ""},
                    "done_reason": "load",
                    "done": True,
                },
            )
            return
        drop_after = self.fake.faults.get(known)
        if body.get("stream", True):
            self._stream(name, body, drop_after)
        else:
            self._whole(name, body, drop_after)

    def _json_body(self, raw: bytes) -> dict | None:
        """The request's JSON object, or None after answering 400 as Ollama does."""
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("request body must be a JSON object")
        except ValueError as exc:
            self._send_json(400, {"error": f"invalid request: {exc}"})
            return None
        return body

    def _show(self, raw: bytes) -> None:
        """Ollama's ShowHandler: `model` (or the older `name`) is required; a model that is
        not pulled is a 404 with `model '<name>' not found`."""
        body = self._json_body(raw)
        if body is None:
            return
        self.fake.shown.append(body)
        name = body.get("model") or body.get("name") or ""
        if not name:
            self._send_json(400, {"error": "model is required"})
            return
        if self.fake.resolve(name) is None:
            self._send_json(404, {"error": f"model '{name}' not found"})
            return
        self._send_json(200, self.fake.show(name))

    def _embed(self, raw: bytes) -> None:
        try:
            body = json.loads(raw or b"{}")
            inputs = body.get("input", [])
            inputs = [inputs] if isinstance(inputs, str) else inputs
            if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
                raise ValueError("input must be a string or a list of strings")
        except (ValueError, AttributeError) as exc:
            self._send_json(400, {"error": f"invalid request: {exc}"})
            return
        self.fake.requests.append(body)
        name = body.get("model") or ""
        if self.fake.resolve(name) is None:
            self._send_json(404, {"error": f'model "{name}" not found, try pulling it first'})
            return
        started = time.perf_counter_ns()
        vectors = self.fake.embed(inputs)
        self._send_json(
            200,
            {
                "model": name,
                "embeddings": vectors,
                "total_duration": time.perf_counter_ns() - started,
                "load_duration": 0,
                "prompt_eval_count": sum(len(text.split()) for text in inputs),
            },
        )

    def _stream(self, name: str, body: dict[str, Any], drop_after: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = self.fake.generate(body)
        sent = 0
        try:
            for text, final in pieces:
                if final is None:
                    if drop_after is not None and sent >= drop_after:
                        self._drop_connection()
                        return
                    self._write_chunk(
                        {
                            "model": name,
                            "created_at": now(),
                            "message": {"role": "assistant", "content": text},
                            "done": False,
                        }
                    )
                    sent += 1
                    continue
                done = {
                    "model": name,
                    "created_at": now(),
                    "message": {"role": "assistant", "content": ""},
                    "done_reason": final["done_reason"],
                    "done": True,
                    **{k: v for k, v in final.items() if k != "done_reason"},
                }
                self.fake.last_done = done
                self._write_chunk(done)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away: stop generating
        except Exception as exc:  # noqa: BLE001 - Ollama reports late errors as a line
            try:
                self._write_chunk({"error": f"{type(exc).__name__}: {exc}"})
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
        finally:
            pieces.close()

    def _whole(self, name: str, body: dict[str, Any], drop_after: int | None) -> None:
        if drop_after is not None:  # nothing sent yet: the client sees an empty reply
            self._drop_connection()
            return
        parts: list[str] = []
        final: dict[str, Any] = {}
        try:
            for text, stats in self.fake.generate(body):
                if stats is None:
                    parts.append(text)
                else:
                    final = stats
        except Exception as exc:  # noqa: BLE001
            self._send_json(500, {"error": f"{type(exc).__name__}: {exc}"})
            return
        done = {
            "model": name,
            "created_at": now(),
            "message": {"role": "assistant", "content": "".join(parts)},
            "done_reason": final["done_reason"],
            "done": True,
            **{k: v for k, v in final.items() if k != "done_reason"},
        }
        self.fake.last_done = done
        self._send_json(200, done)
