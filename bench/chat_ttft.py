"""Time to first token of the WebSocket chat with the embedded model, by concurrency.

    .venv/bin/python bench/chat_ttft.py [--levels 1 2 4 8] [--rounds 2]

Starts the API (`python -m support_system.api`) on a free port of 127.0.0.1 with a
temporary state directory (local mode, the model cache off so every reply is computed),
warms the model with one reply, then for each level N opens N conversations and sends N
messages at once over `/ws/chat/{id}`; for each it measures the seconds from sending to
the first `token` frame and to `done`. The embedded model answers one request at a time,
so at N users the last one waits for the N-1 before it: the figures show how that grows.
The design's target is ≤ 2 s at one user. Prints figures, never asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "In two sentences: what should a small bakery put on its home page?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def model_dir() -> str:
    """Assembled model files: the environment's, else the app's or the tests' cache."""
    if os.environ.get("SUPPORT_SYSTEM_MODEL_DIR"):
        return os.environ["SUPPORT_SYSTEM_MODEL_DIR"]
    for candidate in (ROOT / ".state" / "models", ROOT / ".state-test" / "models"):
        if any(candidate.glob("*.gguf")):
            return str(candidate)
    return str(ROOT / ".state" / "models")  # assembled there on first use


def start_api(port: int, state: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SUPPORT_SYSTEM_STATE_DIR": str(state),
        "SUPPORT_SYSTEM_MODEL_DIR": model_dir(),
        "SUPPORT_SYSTEM_AUTH__MODE": "local",
        "SUPPORT_SYSTEM_LLM__CACHE_ENABLED": "false",
        "SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE": "1000000",
        "SUPPORT_SYSTEM_LOG_LEVEL": "WARNING",
    }
    env.pop("SUPPORT_SYSTEM_DATABASE_URL", None)
    command = [sys.executable, "-m", "support_system.api", "--port", str(port)]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_healthy(base: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API exited with code {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API did not become healthy")


async def one_reply(base: str, ws_base: str) -> tuple[float, float, int]:
    """(seconds to the first token, seconds to done, tokens) for one new conversation."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        conversation = (await client.post("/api/conversations", json={})).json()["id"]
    async with websockets.connect(f"{ws_base}/ws/chat/{conversation}") as socket_:
        ready = json.loads(await socket_.recv())
        assert ready["type"] == "ready", ready
        sent = time.perf_counter()
        await socket_.send(json.dumps({"type": "message", "text": QUESTION, "lang": "en"}))
        first, tokens = None, 0
        while True:
            frame = json.loads(await socket_.recv())
            if frame["type"] == "token":
                tokens += 1
                first = first or time.perf_counter() - sent
            elif frame["type"] in ("done", "error"):
                if frame["type"] == "error":
                    print("  error:", frame["error"]["message"]["en"])
                return first or float("nan"), time.perf_counter() - sent, tokens


async def level(base: str, ws_base: str, users: int) -> list[tuple[float, float, int]]:
    return list(await asyncio.gather(*(one_reply(base, ws_base) for _ in range(users))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--rounds", type=int, default=2, help="repeats per level")
    args = parser.parse_args()
    port = free_port()
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="chat-ttft-") as state:
        process = start_api(port, Path(state))
        try:
            wait_healthy(base, process)
            warm = asyncio.run(level(base, ws_base, 1))[0]
            print(f"warm-up (model load + first reply): first token {warm[0]:.2f} s")
            print("users  first token p50 / max (s)   reply done p50 / max (s)   tokens/reply")
            for users in args.levels:
                results: list[tuple[float, float, int]] = []
                for _ in range(args.rounds):
                    results += asyncio.run(level(base, ws_base, users))
                firsts = [r[0] for r in results]
                dones = [r[1] for r in results]
                print(
                    f"{users:>5}  {statistics.median(firsts):>8.2f} / {max(firsts):<8.2f}"
                    f"          {statistics.median(dones):>7.2f} / {max(dones):<7.2f}"
                    f"           {statistics.mean(r[2] for r in results):.0f}"
                )
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
