"""Model metrics for /metrics, read from the usage ledger rather than counted in memory.

Model calls happen in every process (the UI, API workers, the CLI), and each writes a
UsageRecord. Reading the ledger at scrape time gives the same figures whichever process
Prometheus asks, and survives restarts; a scrape costs one grouped query over the last
`WINDOW` (indexed on model and time).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from support_system.core.logging import get_logger
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import UsageStatus, utcnow

log = get_logger(__name__)

WINDOW = timedelta(hours=1)


class UsageCollector(Collector):
    """Per model over the last hour: tokens per second, calls and cost; and executions by
    kind and status, with how many are unfinished."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        speed = GaugeMetricFamily(
            "model_tokens_per_second",
            "Generated tokens per second of model time, per model, over the last hour.",
            labels=["model"],
        )
        calls = GaugeMetricFamily(
            "model_calls_last_hour", "Model calls in the last hour.", labels=["model", "status"]
        )
        cost = GaugeMetricFamily(
            "model_cost_last_hour",
            "Money spent on cloud models in the last hour.",
            labels=["model"],
        )
        try:
            rows = self._rows()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail for the database
            log.warning("usage_metrics_unavailable", error=str(exc))
            rows = []
        for model, status, n, tokens_out, latency_ms, spent in rows:
            calls.add_metric([model, status], n)
            if status == UsageStatus.OK.value:
                seconds = latency_ms / 1000
                speed.add_metric([model], tokens_out / seconds if seconds else 0.0)
                cost.add_metric([model], spent)
        yield from (speed, calls, cost)
        yield from self._executions()

    @staticmethod
    def _executions() -> Iterator[GaugeMetricFamily]:
        """Runs by kind and status from the database: with workers (queue.backend: celery)
        no single process sees them all, the database does."""
        recent = GaugeMetricFamily(
            "executions_last_hour",
            "Executions started in the last hour (and all unfinished), by kind and status.",
            labels=["kind", "status"],
        )
        running = GaugeMetricFamily(
            "executions_unfinished", "Executions pending or running now, in every process."
        )
        try:
            with session_scope() as session:
                rows = repo.executions_since(session, utcnow() - WINDOW)
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail for the database
            log.warning("execution_metrics_unavailable", error=str(exc))
            rows = []
        for kind, status, n in rows:
            recent.add_metric([kind, status], n)
        running.add_metric([], sum(n for _, status, n in rows if status in ("pending", "running")))
        yield from (recent, running)

    @staticmethod
    def _rows() -> list[tuple[Any, ...]]:
        with session_scope() as session:
            return repo.usage_per_model_since(session, utcnow() - WINDOW)
