"""Throughput of the Celery set-up: page generations per minute with 1 and 2 workers,
each worker holding the model or all of them calling one llama.cpp server, and the
queue wait (submit → a worker takes the run) at 20 simulated users.

    .venv/bin/python bench/scale.py [--runs 4] [--users 20]

Everything is a real process on 127.0.0.1: Debian's redis-server, `python -m
support_system worker` × N, one API (`python -m support_system.api`, local mode) and,
for the server rows, `python -m llama_cpp.server` with the same 0.5B GGUF (the registry's
`local-server` entry). Each run is the faq-page job with the embedded 0.5B model and one
attempt. The users are threads that each submit one run and poll its status (not
locust: the load is 20 submissions, not a request rate). Data questions (`/api/ask`)
run inside the API process, not on the queue, so they do not scale with workers and are
not measured here. Prints figures; never asserts on time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def model_dir() -> Path:
    if os.environ.get("SUPPORT_SYSTEM_MODEL_DIR"):
        return Path(os.environ["SUPPORT_SYSTEM_MODEL_DIR"])
    for candidate in (ROOT / ".state" / "models", ROOT / ".state-test" / "models"):
        if any(candidate.glob("*0.5b*.gguf")):
            return candidate
    raise SystemExit("no assembled 0.5B model: run ./scripts/start once")


def wait_http(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


class Stack:
    """Redis, an API, N workers and optionally a llama.cpp server, torn down on exit."""

    def __init__(self, workers: int, server: bool, state: Path) -> None:
        self.processes: list[subprocess.Popen] = []
        redis_port, api_port = free_port(), free_port()
        self.env = {
            **os.environ,
            "SUPPORT_SYSTEM_STATE_DIR": str(state),
            "SUPPORT_SYSTEM_MODEL_DIR": str(model_dir()),
            "SUPPORT_SYSTEM_AUTH__MODE": "local",
            "SUPPORT_SYSTEM_QUEUE__BACKEND": "celery",
            "SUPPORT_SYSTEM_QUEUE__REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "SUPPORT_SYSTEM_LIMITS__CONCURRENT_GENERATIONS": "100",
            "SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE": "1000000",
            "SUPPORT_SYSTEM_LLM__CACHE_ENABLED": "false",
            "SUPPORT_SYSTEM_LOG_LEVEL": "WARNING",
        }
        self.env.pop("SUPPORT_SYSTEM_DATABASE_URL", None)
        self.model = "qwen2.5-coder-0.5b"
        self._start(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
        )
        subprocess.run(
            [sys.executable, "-c", "from support_system.data.migrate import upgrade; upgrade()"],
            env=self.env,
            cwd=ROOT,
            check=True,
        )
        if server:
            port = free_port()
            gguf = next(model_dir().glob("*0.5b*.gguf"))
            self._start(
                [
                    sys.executable,
                    "-m",
                    "llama_cpp.server",
                    "--model",
                    str(gguf),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--n_ctx",
                    "4096",
                ]
            )
            wait_http(f"http://127.0.0.1:{port}/v1/models", self.processes[-1])
            self.env["SUPPORT_SYSTEM_LLM__OPENAI_COMPATIBLE_BASE_URL"] = (
                f"http://127.0.0.1:{port}/v1"
            )
            self.model = "local-server"
        for _ in range(workers):
            self._start([sys.executable, "-m", "support_system", "worker"])
        self._start([sys.executable, "-m", "support_system.api", "--port", str(api_port)])
        self.base = f"http://127.0.0.1:{api_port}"
        wait_http(f"{self.base}/health", self.processes[-1])
        self.client = httpx.Client(base_url=self.base, timeout=60)
        self.project = self.client.post("/api/projects", json={"name": "bench"}).json()["id"]

    def _start(self, command: list[str]) -> None:
        self.processes.append(
            subprocess.Popen(
                command,
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    def submit(self) -> tuple[int, float]:
        from support_system.jobs.catalogue import get_job

        body = {
            "job_id": "faq-page",
            "project_id": self.project,
            "model": self.model,
            "answers": get_job("faq-page").samples["en"],
            "attempts": 1,
            "lang": "en",
        }
        sent = time.perf_counter()
        reply = self.client.post("/api/generate", json=body)
        reply.raise_for_status()
        return reply.json()["execution_id"], sent

    def follow(self, execution_id: int, sent: float) -> tuple[float, float]:
        """(queue wait, total seconds) of one run, by polling its status."""
        started = None
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while True:
                status = client.get(f"/api/executions/{execution_id}/status").json()
                if started is None and (status["status"] != "pending" or status["events"]):
                    started = time.perf_counter() - sent
                if not status["running"] and status["status"] in ("completed", "failed"):
                    return started or 0.0, time.perf_counter() - sent
                time.sleep(0.2)

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def burst(stack: Stack, count: int) -> tuple[list[float], list[float], float]:
    """Submit `count` runs at once from `count` threads; (queue waits, totals, wall s)."""
    waits: list[float] = []
    totals: list[float] = []
    lock = threading.Lock()

    def user() -> None:
        execution_id, sent = stack.submit()
        wait, total = stack.follow(execution_id, sent)
        with lock:
            waits.append(wait)
            totals.append(total)

    began = time.perf_counter()
    threads = [threading.Thread(target=user) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return waits, totals, time.perf_counter() - began


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4, help="generations per throughput row")
    parser.add_argument("--users", type=int, default=20, help="users for the queue-wait row")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU cores; faq-page with the 0.5B model, one attempt per run")
    print("workers  model            gen/min   run s p50   queue wait p95 s")
    for server in (False, True):
        for workers in (1, 2):
            with tempfile.TemporaryDirectory(prefix="bench-scale-") as state:
                stack = Stack(workers, server, Path(state))
                try:
                    burst(stack, 1)  # warm: model load / first prompt
                    waits, totals, wall = burst(stack, args.runs)
                finally:
                    stack.close()
            where = "llama.cpp server" if server else "in each worker"
            print(
                f"{workers:>7}  {where:<16} {args.runs / wall * 60:>7.1f}   "
                f"{statistics.median(totals):>9.1f}   {p95(waits):>12.1f}"
            )
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as state:
        stack = Stack(2, False, Path(state))
        try:
            burst(stack, 1)
            waits, totals, wall = burst(stack, args.users)
        finally:
            stack.close()
    print(
        f"{args.users} users at once, 2 workers (in each worker): queue wait p50 "
        f"{statistics.median(waits):.1f} s, p95 {p95(waits):.1f} s; all done in {wall:.0f} s "
        f"({args.users / wall * 60:.1f} gen/min)"
    )


if __name__ == "__main__":
    main()
