"""Load on the REST API's non-model endpoints: p50/p95 latency and throughput.

    .venv/bin/python bench/api_load.py [--users 50] [--seconds 20] [--workers 1]

Starts the API itself (`python -m support_system.api`) on a free port of 127.0.0.1 with
a temporary state directory in `auth.mode: accounts`, registers and signs in one account
per simulated user, then runs locust headless: each user reads its projects, creates
some, opens one, reads /api/me, the job catalogue, its usage, its tokens and executions,
and /health. The rate limit is raised for the run (it would otherwise measure 429s).
Issue 15's target is p95 ≤ 200 ms at 50 users. Then (unless --no-chat) it runs
bench/chat_ttft.py: the WebSocket chat's time to first token with the embedded model at
1, 2, 4 and 8 concurrent users (target ≤ 2 s at one). It prints figures and never asserts
on time (the machine, and what else runs on it, decide them).
"""

from __future__ import annotations  # noqa: I001 - locust must be imported first

# locust patches the standard library with gevent when imported; do it before anything
# else imports sockets or threads.
from locust import HttpUser, between, constant, events, task
from locust.env import Environment

import argparse
import os
import queue
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gevent
import requests

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load test password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_api(port: int, state_dir: Path, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "SUPPORT_SYSTEM_STATE_DIR": str(state_dir),
        "SUPPORT_SYSTEM_AUTH__MODE": "accounts",
        "SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE": "1000000",
        "SUPPORT_SYSTEM_LOG_LEVEL": "WARNING",
    }
    env.pop("SUPPORT_SYSTEM_DATABASE_URL", None)
    command = [sys.executable, "-m", "support_system.api", "--port", str(port)]
    if workers > 1:  # several processes: uvicorn needs the app as an import string
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "support_system.api:create_app",
            "--port", str(port), "--workers", str(workers), "--log-level", "warning",
        ]  # fmt: skip
        subprocess.run(
            [sys.executable, "-c", "from support_system.data.migrate import upgrade; upgrade()"],
            env=env,
            cwd=ROOT,
            check=True,
        )
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_healthy(base: str, process: subprocess.Popen, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"the API exited with code {process.returncode}")
        try:
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise SystemExit("the API did not become healthy")


def sign_up(base: str, count: int) -> list[str]:
    """One account per simulated user; returns their access tokens."""
    tokens = []
    for n in range(count):
        name = f"load{n:03d}"
        made = requests.post(
            f"{base}/api/auth/register", json={"username": name, "password": PASSWORD}, timeout=30
        )
        made.raise_for_status()
        pair = requests.post(
            f"{base}/api/auth/login", json={"username": name, "password": PASSWORD}, timeout=30
        )
        pair.raise_for_status()
        tokens.append(pair.json()["access_token"])
    return tokens


TOKENS: queue.Queue[str] = queue.Queue()


class ApiUser(HttpUser):
    """One signed-in person using the API the way a small client app would."""

    wait_time = between(0.2, 0.6)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKENS.get_nowait()}"
        self.projects: list[int] = []

    @task(3)
    def projects_list(self) -> None:
        self.client.get("/api/projects", name="GET /api/projects")

    @task(1)
    def project_create(self) -> None:
        made = self.client.post(
            "/api/projects", json={"name": f"p{random.randrange(10**6)}"}, name="POST /api/projects"
        )
        if made.status_code == 201:
            self.projects.append(made.json()["id"])

    @task(2)
    def project_get(self) -> None:
        if self.projects:
            self.client.get(
                f"/api/projects/{random.choice(self.projects)}", name="GET /api/projects/{id}"
            )

    @task(3)
    def me(self) -> None:
        self.client.get("/api/me", name="GET /api/me")

    @task(1)
    def jobs(self) -> None:
        self.client.get("/api/jobs", name="GET /api/jobs")

    @task(1)
    def usage(self) -> None:
        self.client.get("/api/usage", name="GET /api/usage")

    @task(1)
    def tokens(self) -> None:
        self.client.get("/api/tokens", name="GET /api/tokens")

    @task(1)
    def executions(self) -> None:
        self.client.get("/api/executions", name="GET /api/executions")

    @task(1)
    def health(self) -> None:
        self.client.get("/health", name="GET /health")


def run_load(base: str, users: int, seconds: float) -> Environment:
    env = Environment(user_classes=[ApiUser], host=base, events=events)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(2.0)  # every user has started: measure the steady state only
    env.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    env.stats.total.last_request_timestamp = time.time()
    env.elapsed = elapsed  # type: ignore[attr-defined]
    runner.quit()
    return env


def report(env: Environment, users: int, think: str) -> None:
    total = env.stats.total
    elapsed = env.elapsed  # type: ignore[attr-defined]
    print(f"\n{users} concurrent users ({think} between requests), {elapsed:.1f} s measured")
    print(f"{'endpoint':32} {'requests':>9} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for entry in sorted(env.stats.entries.values(), key=lambda e: e.name):
        print(
            f"{entry.name:32} {entry.num_requests:9d} {entry.num_failures:5d} "
            f"{entry.get_response_time_percentile(0.5):7.0f} "
            f"{entry.get_response_time_percentile(0.95):7.0f} "
            f"{entry.get_response_time_percentile(0.99):7.0f}"
        )
    print(
        f"{'ALL':32} {total.num_requests:9d} {total.num_failures:5d} "
        f"{total.get_response_time_percentile(0.5):7.0f} "
        f"{total.get_response_time_percentile(0.95):7.0f} "
        f"{total.get_response_time_percentile(0.99):7.0f}"
    )
    print(f"throughput: {total.num_requests / elapsed:.1f} requests/s")
    print("target (issue 15): p95 <= 200 ms at 50 users — a figure to compare, not a check")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--no-chat",
        action="store_true",
        help="skip the chat part (time to first token at 1, 2, 4, 8 users; needs the model)",
    )
    parser.add_argument(
        "--no-think",
        action="store_true",
        help="no pause between a user's requests (measures capacity, not a realistic load)",
    )
    args = parser.parse_args()
    if args.no_think:
        ApiUser.wait_time = constant(0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="api-load-") as state_dir:
        process = start_api(port, Path(state_dir), args.workers)
        try:
            print(f"API healthy after {wait_healthy(base, process):.1f} s at {base}")
            started = time.monotonic()
            for token in sign_up(base, args.users):
                TOKENS.put(token)
            signed_up = time.monotonic() - started
            print(f"{args.users} accounts registered and signed in: {signed_up:.1f} s")
            think = "no pause" if args.no_think else "0.2-0.6 s pause"
            report(run_load(base, args.users, args.seconds), args.users, think)
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    if not args.no_chat:
        # The chat part runs in its own process: this one is patched by gevent (locust),
        # and the chat bench drives WebSockets with asyncio.
        print("\nChat over /ws/chat with the embedded model (bench/chat_ttft.py):", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "chat_ttft.py")], check=False)


if __name__ == "__main__":
    main()
