"""Prometheus metrics: request latency per route, and per-stage search timings.

The search service times its stages with ``time_stage("dense")`` etc.; the HTTP middleware
records every request under its route template (``/documents/{doc_id}``), never the raw path,
so label values stay few.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

# Search runs in milliseconds to a second; ingest-sized stages are not timed here.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "policykg_http_request_duration_seconds", "HTTP request latency by route",
    ["method", "route", "status"], buckets=_BUCKETS)
REQUESTS = Counter("policykg_http_requests", "HTTP requests by route and status",
                   ["method", "route", "status"])
SEARCH_STAGE_SECONDS = Histogram(
    "policykg_search_stage_seconds", "Time spent in each stage of a search", ["stage"],
    buckets=_BUCKETS)

__all__ = ["CONTENT_TYPE_LATEST", "SEARCH_STAGE_SECONDS", "observe_request", "render",
           "time_stage"]


@contextmanager
def time_stage(stage: str) -> Iterator[None]:
    """Record the time the ``with`` block takes under ``stage`` (also when it raises)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        SEARCH_STAGE_SECONDS.labels(stage=stage).observe(time.perf_counter() - started)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = {"method": method, "route": route, "status": str(status)}
    REQUEST_SECONDS.labels(**labels).observe(seconds)
    REQUESTS.labels(**labels).inc()


def render() -> bytes:
    """The text exposition of every metric in the process."""
    return generate_latest()
