"""Prometheus metrics of one application: requests, latencies, query outcomes, limits, workers.

Each application gets its own ``CollectorRegistry``, so tests that build many apps never share
counts. Under ``ungraph serve`` with several server processes, ``PROMETHEUS_MULTIPROC_DIR`` is set
before anything imports prometheus_client; the values then live in files of that folder, one set
per process, and ``/metrics`` adds them up with ``MultiProcessCollector`` (prometheus_client's
multiprocess mode), so any process answers for all of them.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
)


def multiprocess_mode() -> bool:
    """Whether values are shared through files (several server processes)."""
    return bool(os.environ.get(MULTIPROC_ENV))


class Metrics:
    """The application's instruments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "ungraph_http_requests",
            "HTTP requests answered, by route, method and status code.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "ungraph_http_request_duration_seconds",
            "Time from receiving a request to sending the last byte of its answer, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queries = Counter(
            "ungraph_sparql_queries",
            "SPARQL queries by form (select, ask, construct, describe) and outcome.",
            ["form", "outcome"],
            registry=r,
        )
        self.timeouts = Counter(
            "ungraph_sparql_query_timeouts",
            "Queries stopped at the time limit (their worker process was killed).",
            registry=r,
        )
        self.limited = Counter(
            "ungraph_rate_limited_requests",
            "Requests refused with 429 by the per-client rate limit.",
            registry=r,
        )
        self.restarts = Counter(
            "ungraph_query_worker_restarts",
            "Query worker processes killed and replaced, by reason.",
            ["reason"],
            registry=r,
        )
        self.busy = Gauge(
            "ungraph_query_workers_busy",
            "Query worker processes running a query now.",
            registry=r,
            multiprocess_mode="livesum",
        )

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        if multiprocess_mode():
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
