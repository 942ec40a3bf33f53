"""Queue wait under simulated users (locust): each user submits one run to a running API
and follows it to the end. Prints one JSON line: every run's queue wait (submit → a
worker takes it) and total seconds, and the wall time of the whole burst.

    .venv/bin/python bench/queue_wait.py --base URL --project ID --users 20 \
        [--kind generate|ask] [--model NAME] [--table FILE --question TEXT]

Its own process because locust patches the standard library with gevent when imported
(bench/scale.py starts the cluster with ordinary threads and subprocesses, then runs
this). Prints figures; never asserts on time.
"""

from __future__ import annotations  # noqa: I001 - locust must be imported first

from locust import HttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser

import argparse
import json
import sys
import time
from pathlib import Path

import gevent

ARGS: argparse.Namespace
RESULTS: list[dict[str, float]] = []
POLL_SECONDS = 0.2


def submit(client, args: argparse.Namespace) -> int:  # noqa: ANN001 - locust's HttpSession
    """One run: a page generation (faq-page, one attempt) or a data question, not waited on."""
    if args.kind == "ask":
        table = Path(args.table)
        reply = client.post(
            "/api/ask",
            data={"question": args.question, "lang": "en", "model": args.model, "wait": "false"},
            files={"file": (table.name, table.read_bytes(), "text/csv")},
            name="POST /api/ask",
        )
    else:
        reply = client.post(
            "/api/generate",
            json={
                "job_id": "faq-page",
                "project_id": args.project,
                "model": args.model,
                "answers": json.loads(args.answers),
                "attempts": 1,
                "lang": "en",
            },
            name="POST /api/generate",
        )
    reply.raise_for_status()
    return int(reply.json()["execution_id"])


class RunUser(HttpUser):
    """Submits one run, polls its status until it is final, records the times, stops."""

    wait_time = constant(0)

    @task
    def one_run(self) -> None:
        sent = time.perf_counter()
        execution_id = submit(self.client, ARGS)
        taken = None
        while True:
            status = self.client.get(
                f"/api/executions/{execution_id}/status", name="GET status"
            ).json()
            if taken is None and (status["status"] != "pending" or status["events"]):
                taken = time.perf_counter() - sent
            if not status["running"] and status["status"] in ("completed", "failed"):
                break
            gevent.sleep(POLL_SECONDS)
        RESULTS.append(
            {"wait": taken or 0.0, "total": time.perf_counter() - sent, "status": status["status"]}
        )
        raise StopUser


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--project", type=int, required=True)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--kind", choices=["generate", "ask"], default="generate")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--answers", default="{}", help="faq-page answers, JSON")
    parser.add_argument("--table")
    parser.add_argument("--question")
    ARGS = parser.parse_args()
    env = Environment(user_classes=[RunUser], host=ARGS.base, events=events)
    runner = env.create_local_runner()
    began = time.perf_counter()
    runner.start(ARGS.users, spawn_rate=ARGS.users)
    while len(RESULTS) < ARGS.users and env.stats.total.num_failures == 0:
        gevent.sleep(0.5)
    wall = time.perf_counter() - began
    runner.quit()
    failures = env.stats.total.num_failures
    json.dump({"runs": RESULTS, "wall": wall, "request_failures": failures}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
