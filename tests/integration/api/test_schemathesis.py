"""Property-based tests generated from the OpenAPI schema, against the live API.

uvicorn serves a real app on a free port of 127.0.0.1; schemathesis reads /openapi.json
and sends generated requests (valid and invalid) to every operation. Passing means: no
server error (5xx), and every response — errors included — has a status code, content
type and body the schema documents. Bounded (a few examples per operation) so the whole
run stays well under a minute on two cores.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from support_system.core.settings import get_settings
from tests.integration.api.conftest import Person, make_person

EXAMPLES = 8  # per operation and mode: ~40 operations x 2 modes stays well under a minute
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_api(accounts, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Person, int]]:
    """The API on uvicorn; (base URL, the admin whose token the requests carry, a spare
    user id to use instead of the admin's own in admin routes)."""
    monkeypatch.setenv("SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE", "1000000")
    # Should a generated request ever start a run, it meets a closed port: no model load.
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", f"http://127.0.0.1:{_free_port()}")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__DEFAULT_MODEL", "ollama-qwen2.5-coder-1.5b")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    get_settings.cache_clear()
    from support_system.api import create_app
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope
    from support_system.data.repositories import api_queries

    admin, user = make_person("root"), make_person("aiko")
    with session_scope() as session:  # objects with small ids, so generated ids hit some
        for owner in (admin.id, user.id):
            project = repo.create_project_row(session, owner, "seed")
            agent = api_queries.create_task_agent(
                session, project_id=project.id, name="seed", job_id="faq-page"
            )
            execution = repo.start_execution(
                session,
                kind="agent:webpage",
                goal="seed",
                project_id=project.id,
                user_id=owner,
                task_agent_id=agent.id,
            )
            repo.finish_execution(session, execution.id, status="completed", result={"ok": True})

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}", admin, user.id
    finally:
        server.should_exit = True
        thread.join(30)


def test_the_api_keeps_to_its_schema(live_api: tuple[str, Person, int]) -> None:
    """Every operation, with valid and with invalid data: no 5xx, nothing off-schema.

    Hypothesis drives schemathesis' strategies directly (schemathesis' own pytest
    plugin needs pytest internals that pytest 9 no longer has). Failures are collected
    over all operations, so one report lists every broken route.
    """
    base_url, admin, spare_id = live_api
    api = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:
                if case.path_parameters and case.path_parameters.get("user_id") == admin.id:
                    # The admin disabling or deleting itself would end the run's sign-in.
                    case.path_parameters["user_id"] = spare_id
                case.call_and_validate(headers=admin.headers, checks=CHECKS, timeout=60)

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to negate (no parameters)
            except Exception as exc:  # noqa: BLE001 - collect, then report them all
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert operations >= 35
    assert not failures, "\n\n".join(failures)
