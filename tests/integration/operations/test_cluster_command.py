"""`python -m support_system cluster`: the documented command that starts the multi-process
set on one machine. Here with SQLite and the embedded vector store (the scale-out test
runs the same `LocalCluster` with PostgreSQL and a Chroma server): real Redis, a real
Celery worker and a real API process, started, supervised and stopped by the command.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from support_system.core.settings import PROJECT_ROOT
from support_system.jobs.catalogue import get_job
from support_system.operations.processes import free_port, port_in_use


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_cluster_command_starts_supervises_and_stops_the_set(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {
        **os.environ,
        "SUPPORT_SYSTEM_STATE_DIR": str(state),
        "SUPPORT_SYSTEM_LANGUAGE": "en",
        # The model is an Ollama entry on a closed port: the run delivers the job's template.
        "SUPPORT_SYSTEM_LLM__OLLAMA_HOST": f"http://127.0.0.1:{free_port()}",
        "SUPPORT_SYSTEM_LLM__FALLBACK_MODELS": "[]",
    }
    env.pop("SUPPORT_SYSTEM_DATABASE_URL", None)
    out = (tmp_path / "out.log").open("w+")
    command = [sys.executable, "-m", "support_system", "cluster", "--workers", "1"]
    command += ["--no-app", "--no-postgres", "--no-chroma", "--api-port", "0", "--lang", "en"]
    cluster = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
    )
    try:
        printed = _wait_for(
            lambda: "Ready." in (text := Path(out.name).read_text()) and text, 120, "Ready"
        )
        api = re.search(r"The API: (http://127\.0\.0\.1:(\d+))", printed)
        assert api, printed
        health = httpx.get(f"{api.group(1)}/health", timeout=10).json()
        assert health["status"] == "ok" and health["database"] == "ok"

        # The worker takes runs from the shared queue: one submitted through the API completes.
        client = httpx.Client(base_url=api.group(1), timeout=30)
        project = client.post("/api/projects", json={"name": "p"}).json()["id"]
        body = {
            "job_id": "faq-page",
            "project_id": project,
            "answers": get_job("faq-page").samples["en"],
            "model": "ollama-qwen2.5-coder-1.5b",
            "attempts": 1,
            "lang": "en",
        }
        run = client.post("/api/generate", json=body)
        assert run.status_code == 202, run.text
        status_url = f"/api/executions/{run.json()['execution_id']}/status"
        status = _wait_for(
            lambda: (s := client.get(status_url).json())["running"] is False and s, 90, "the run"
        )
        assert status["status"] == "completed", status
        logs = state / "cluster" / "logs"
        banner = ".> support_system.runs"

        # A worker that dies is started again by the command's supervisor.
        worker_log = logs / "worker1.log"
        _wait_for(lambda: banner in worker_log.read_text(), 60, "the worker's banner")

        def worker_pid() -> int | None:
            found = subprocess.run(
                ["pgrep", "-P", str(cluster.pid), "-f", "support_system worker"],
                capture_output=True, text=True,
            ).stdout.split()  # fmt: skip
            return int(found[0]) if found else None

        first = worker_pid()
        assert first is not None
        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: worker_log.read_text().count(banner) >= 2, 60, "a restarted worker")
        second = worker_pid()
        assert second not in (None, first)

        cluster.send_signal(signal.SIGINT)
        assert cluster.wait(60) == 0
        printed = Path(out.name).read_text()
        assert "Stopping" in printed and f"The data stays in {state / 'cluster'}" in printed
        assert not port_in_use(int(api.group(2)))
        assert not Path(f"/proc/{second}").exists(), "a worker outlived the cluster"
    finally:
        if cluster.poll() is None:
            cluster.kill()
            cluster.wait(10)
