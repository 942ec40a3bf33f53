"""Prometheus metrics of one API instance, served at /metrics.

Each app gets its own `CollectorRegistry` rather than prometheus-client's global one:
the global registry refuses a second metric of the same name, so two apps in one process
(tests, or an embedded server beside the UI) would collide. Routes are labelled by their
template (`/api/projects/{project_id}`), never by the raw path, so ids cannot blow up the
number of series; paths that match no route share one label.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

UNMATCHED = "<unmatched>"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Around the 200 ms target of the non-model endpoints (issue 15), up to a slow model call."""


class Metrics:
    """The app's counters; the request middleware and the execution runner update them."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "http_errors",
            "Error responses, by route template and error code (the JSON `error.code`).",
            ["route", "code"],
            registry=self.registry,
        )
        self.generations = Counter(
            "generations",
            "Task-agent executions finished, by job and outcome (completed/failed/crashed).",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.active_runs = Gauge(
            "active_runs",
            "Task-agent executions running in this process now.",
            registry=self.registry,
        )

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.latency.labels(route, method).observe(seconds)
        self.requests.labels(route, method, str(status)).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric above."""
        return generate_latest(self.registry)
