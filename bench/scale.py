"""Throughput of the Celery set-up: page generations and data questions per minute with
1 and 2 workers, each worker holding the model or all of them calling one llama.cpp
server, and the queue wait (submit → a worker takes the run) at 20 simulated users.

    .venv/bin/python bench/scale.py [--runs 4] [--users 20]

Everything is a real process on 127.0.0.1, started by the same `LocalCluster` as the
`cluster` command (Debian's redis-server, `worker` × N, one API in local mode; SQLite
and the embedded vector store, since the database is not what is measured) and, for
the server rows, `python -m llama_cpp.server` with the same 0.5B GGUF (the registry's
`local-server` entry). A generation is the faq-page job with one attempt; a data
question is att-01 of the evaluation set (a count on attendance.csv). The 20 users are
locust users (bench/queue_wait.py, in its own process: locust patches the standard
library with gevent) that each submit one run and poll its status. Prints figures;
never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
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

from support_system.operations.cluster import ClusterPlan, LocalCluster  # noqa: E402
from support_system.operations.processes import (  # noqa: E402
    Service,
    free_port,
    http_ok,
    spawn,
    stop,
    wait_until,
)

TABLE = ROOT / "tests" / "data" / "questions" / "tables" / "attendance.csv"
QUESTION = "How many students were absent on 2024-05-13?"


def model_dir() -> Path:
    if os.environ.get("SUPPORT_SYSTEM_MODEL_DIR"):
        return Path(os.environ["SUPPORT_SYSTEM_MODEL_DIR"])
    for candidate in (ROOT / ".state" / "models", ROOT / ".state-test" / "models"):
        if any(candidate.glob("*0.5b*.gguf")):
            return candidate
    raise SystemExit("no assembled 0.5B model: run ./scripts/start once")


class Stack:
    """A LocalCluster (Redis, an API, N workers) and optionally a llama.cpp server."""

    def __init__(self, workers: int, server: bool, state: Path) -> None:
        env = {
            "SUPPORT_SYSTEM_MODEL_DIR": str(model_dir()),
            "SUPPORT_SYSTEM_AUTH__MODE": "local",
            "SUPPORT_SYSTEM_LIMITS__CONCURRENT_GENERATIONS": "100",
            "SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE": "1000000",
            "SUPPORT_SYSTEM_LLM__CACHE_ENABLED": "false",
            "SUPPORT_SYSTEM_LOG_LEVEL": "WARNING",
        }
        self.model = "qwen2.5-coder-0.5b"
        self.server: Service | None = None
        if server:
            port = free_port()
            gguf = next(model_dir().glob("*0.5b*.gguf"))
            self.server = spawn(
                "llama.cpp server",
                [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
                 "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
                 "--interrupt_requests", "false"],  # else a 2nd request cuts the 1st short
                env=dict(os.environ),
                log=state / "llama-server.log",
                cwd=ROOT,
            )  # fmt: skip
            wait_until(self.server, lambda: http_ok(f"http://127.0.0.1:{port}/v1/models"), 120)
            env["SUPPORT_SYSTEM_LLM__OPENAI_COMPATIBLE_BASE_URL"] = f"http://127.0.0.1:{port}/v1"
            self.model = "local-server"
        os.environ.pop("SUPPORT_SYSTEM_DATABASE_URL", None)  # SQLite in the bench's state
        plan = ClusterPlan(
            workers=workers,
            apis=1,
            app=False,
            postgres=False,
            chroma=False,
            api_port=0,
            persistent=False,
            env=env,
        )
        self.cluster = LocalCluster(state, plan)
        self.cluster.start()
        self.base = self.cluster.api_urls[0]
        self.client = httpx.Client(base_url=self.base, timeout=60)
        self.project = self.client.post("/api/projects", json={"name": "bench"}).json()["id"]

    def submit(self, kind: str) -> tuple[int, float]:
        """Queue one run ("generate" or "ask") without waiting for it; (id, sent at)."""
        from support_system.jobs.catalogue import get_job

        sent = time.perf_counter()
        if kind == "ask":
            reply = self.client.post(
                "/api/ask",
                data={"question": QUESTION, "lang": "en", "model": self.model, "wait": "false"},
                files={"file": (TABLE.name, TABLE.read_bytes(), "text/csv")},
            )
        else:
            reply = self.client.post(
                "/api/generate",
                json={
                    "job_id": "faq-page",
                    "project_id": self.project,
                    "model": self.model,
                    "answers": get_job("faq-page").samples["en"],
                    "attempts": 1,
                    "lang": "en",
                },
            )
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

    def users(self, count: int) -> dict:
        """`count` locust users at once (bench/queue_wait.py in its own process)."""
        from support_system.jobs.catalogue import get_job

        done = subprocess.run(
            [
                sys.executable, str(ROOT / "bench" / "queue_wait.py"),
                "--base", self.base, "--project", str(self.project), "--users", str(count),
                "--model", self.model,
                "--answers", json.dumps(get_job("faq-page").samples["en"]),
            ],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        return json.loads(done.stdout.strip().splitlines()[-1])

    def close(self) -> None:
        self.cluster.stop()
        if self.server is not None:
            stop(self.server)


def burst(stack: Stack, kind: str, count: int) -> tuple[list[float], list[float], float]:
    """Submit `count` runs at once from `count` threads; (queue waits, totals, wall s)."""
    waits: list[float] = []
    totals: list[float] = []
    lock = threading.Lock()

    def user() -> None:
        execution_id, sent = stack.submit(kind)
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
    parser.add_argument("--runs", type=int, default=4, help="runs per throughput row")
    parser.add_argument("--users", type=int, default=20, help="users for the queue-wait row")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU cores; the 0.5B model; faq-page with one attempt; att-01")
    print("workers  model             kind        per min   run s p50   queue wait p95 s")
    rates: dict[tuple[str, str, int], float] = {}
    for server in (False, True):
        for workers in (1, 2):
            with tempfile.TemporaryDirectory(prefix="bench-scale-") as state:
                stack = Stack(workers, server, Path(state))
                try:
                    for kind in ("generate", "ask"):
                        burst(stack, kind, 1)  # warm: model load / first prompt
                        waits, totals, wall = burst(stack, kind, args.runs)
                        where = "llama.cpp server" if server else "in each worker"
                        rates[(where, kind, workers)] = args.runs / wall * 60
                        name = "generation" if kind == "generate" else "question"
                        print(
                            f"{workers:>7}  {where:<17} {name:<10} "
                            f"{rates[(where, kind, workers)]:>8.1f}   "
                            f"{statistics.median(totals):>9.1f}   {p95(waits):>12.1f}",
                            flush=True,
                        )
                finally:
                    stack.close()
    for (where, kind, workers), rate in sorted(rates.items()):
        if workers == 2 and (where, kind, 1) in rates:
            print(f"2 workers / 1 worker, {where}, {kind}: x{rate / rates[(where, kind, 1)]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as state:
        stack = Stack(2, False, Path(state))
        try:
            burst(stack, "generate", 1)
            result = stack.users(args.users)
        finally:
            stack.close()
    waits = [run["wait"] for run in result["runs"]]
    wall = result["wall"]
    print(
        f"{args.users} locust users at once, 2 workers (in each worker): {len(waits)} runs, "
        f"queue wait p50 {statistics.median(waits):.1f} s, p95 {p95(waits):.1f} s; all done in "
        f"{wall:.0f} s ({len(waits) / wall * 60:.1f} gen/min); "
        f"{result['request_failures']} failed requests"
    )


if __name__ == "__main__":
    main()
