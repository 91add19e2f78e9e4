"""Request ids, JSON logs, the audit trail, Prometheus metrics, and what an unexpected error
and an unreachable graph look like to a client."""

import io
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from neo4j import GraphDatabase

from embeddings.hash_embedder import HashEmbedder
from graph.neo4j_store import Neo4jGraphStore
from service.logs import JsonFormatter
from service.metrics import time_stage
from service.wiring import build_components
from tests.conftest import ROOT, SAMPLE
from tests.service.api_support import ADMIN_KEY, make_settings, plan, serve


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with serve(make_settings(tmp_path / "data")) as test_client:
        yield test_client


LogLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Reads every JSON line the ``policykg`` loggers wrote since the test began."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("policykg")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_request_id_is_returned_or_made(client: TestClient) -> None:
    given = client.get("/health", headers={"X-Request-ID": "chatbot-42.a"})
    assert given.headers["x-request-id"] == "chatbot-42.a"
    made = client.get("/health").headers["x-request-id"]
    hostile = client.get("/health", headers={"X-Request-ID": "bad id\nx"}).headers["x-request-id"]
    assert len(made) == 32 and len(hostile) == 32 and made != hostile
    problem = client.get("/tasks/task_unknown", headers={"X-Request-ID": "req-7"})
    assert problem.json()["request_id"] == "req-7" and problem.headers["x-request-id"] == "req-7"


def test_logs_are_json_lines_with_the_request_id(client: TestClient,
                                                 log_lines: LogLines) -> None:
    client.get("/documents/doc_unknown", headers={"X-Request-ID": "req-log"})
    access = [line for line in log_lines() if line["logger"] == "policykg.access"]
    assert access and access[-1]["request_id"] == "req-log"
    assert access[-1]["route"] == "/documents/{doc_id}" and access[-1]["status"] == 404
    assert access[-1]["path"] == "/documents/doc_unknown" and access[-1]["key_id"] == "anonymous"
    assert isinstance(access[-1]["duration_ms"], float)


def test_uploads_and_deletes_are_audited_with_a_key_id(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", admin_keys=ADMIN_KEY)
    key = {"X-API-Key": ADMIN_KEY}
    with serve(settings) as client:
        doc_id = client.post("/documents", files={"file": ("p.txt", plan(1))}, headers=key,
                             ).json()["document"]["id"]
        client.post("/documents", files={"file": ("p.exe", b"x")}, headers=key)
        client.delete(f"/documents/{doc_id}", headers={**key, "X-Request-ID": "del-1"})
        client.delete(f"/documents/{doc_id}", headers=key)
    entries = [json.loads(line) for line in settings.audit_log_path.read_text().splitlines()]
    assert [(e["action"], e["outcome"]) for e in entries] == [
        ("upload", "created"), ("upload", "rejected"), ("delete", "deleted"),
        ("delete", "not-found")]
    assert {e["key_id"] for e in entries} == {"key-" + __import__("hashlib").sha256(
        ADMIN_KEY.encode()).hexdigest()[:12]}
    assert entries[0]["doc_id"] == doc_id and entries[0]["source"] == "p.txt"
    assert entries[0]["sha256"] and entries[0]["time"].endswith("+00:00")
    assert entries[2]["request_id"] == "del-1" and entries[2]["title"] == "第1号方案"
    assert ADMIN_KEY not in settings.audit_log_path.read_text()


def test_metrics_hold_route_latencies_and_search_stages(client: TestClient) -> None:
    client.get("/tasks/task_abc")
    client.get("/search", params={"q": "教师"})
    with time_stage("test-stage"):
        pass
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/plain")
    text = response.text
    assert ('policykg_http_request_duration_seconds_bucket{le="0.001",method="GET",'
            'route="/tasks/{task_id}",status="404"}') in text
    assert 'route="/search",status="200"' in text
    assert "task_abc" not in text  # route templates, not raw paths
    assert 'policykg_search_stage_seconds_count{stage="test-stage"} 1.0' in text \
        or 'policykg_search_stage_seconds_count{stage="test-stage"}' in text


def test_time_stage_records_also_when_the_block_raises() -> None:
    from service.metrics import SEARCH_STAGE_SECONDS

    def count() -> float:
        return SEARCH_STAGE_SECONDS.labels(stage="raising")._sum.get() and sum(  # type: ignore[attr-defined]
            b.get() for b in SEARCH_STAGE_SECONDS.labels(stage="raising")._buckets)  # type: ignore[attr-defined]

    before = count()
    with pytest.raises(ValueError), time_stage("raising"):
        raise ValueError
    assert count() == before + 1


class BrokenEmbedder(HashEmbedder):
    """A bug in the query path: not an embedding error, a plain crash."""

    def embed_queries(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        raise RuntimeError("secret internal detail")


def test_an_unexpected_error_is_a_500_problem_without_internals(
        tmp_path: Path, log_lines: LogLines) -> None:
    settings = make_settings(tmp_path / "data")
    components = build_components(settings)
    components.embedder = BrokenEmbedder()
    try:
        with serve(settings, components=components) as client:
            response = client.get("/search", params={"q": "教师"},
                                  headers={"X-Request-ID": "boom-1"})
    finally:
        components.close()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/internal") and body["request_id"] == "boom-1"
    assert "secret" not in response.text and response.headers["x-request-id"] == "boom-1"
    errors = [line for line in log_lines() if line["logger"] == "policykg.errors"]
    assert errors and "secret internal detail" in str(errors[-1]["exception"])
    assert errors[-1]["request_id"] == "boom-1"


def test_an_unreachable_graph_is_a_503_with_retry_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    components = build_components(settings)
    healthy_store = components.store
    # A Neo4j driver pointed at a port nobody listens on: the server "went down" after start.
    down = Neo4jGraphStore(GraphDatabase.driver("bolt://127.0.0.1:1", auth=("neo4j", "x"),
                                                connection_timeout=1,
                                                max_transaction_retry_time=0))
    try:
        with serve(settings, components=components) as client:
            components.store = down
            for path in ("/health", "/documents", "/stats", "/tasks/task_x"):
                response = client.get(path)
                assert response.status_code == 503, path
                assert response.headers["retry-after"] == "10"
                assert response.json()["type"].endswith("/graph-unavailable")
            cypher = client.post("/cypher", json={"query": "RETURN 1 AS one"})
            assert cypher.status_code == 503
            upload = client.post("/documents", files={"file": ("p.txt", plan(1))})
            assert upload.status_code == 503
    finally:
        down.close()
        healthy_store.close()


def test_a_closed_embedded_store_is_a_503(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    components = build_components(settings)
    try:
        with serve(settings, components=components) as client:
            components.store.close()
            response = client.get("/health")
            assert response.status_code == 503 and "retry-after" in response.headers
    finally:
        components.close()


def test_a_served_app_freezes_its_start_up_objects_and_an_app_in_tests_does_not(tmp_path: Path) -> None:
    """`policykg serve` builds the app with ``freeze_start_up_objects``: once started, what it
    loaded is out of the cyclic collector's way (a full collection held Python's lock ~0.3 s
    in the middle of an upload). In a subprocess: freezing is process-wide."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import gc
        from pathlib import Path
        from fastapi.testclient import TestClient
        from service.api.app import create_app
        from service.settings import Settings
        from service.wiring import build_components, build_ingestor
        settings = Settings(data_dir={str(tmp_path / "data")!r}, embedder="hash", open=True)
        components = build_components(settings)
        build_ingestor(components).ingest_path(Path({str(SAMPLE)!r}))
        components.close()
        with TestClient(create_app(settings)) as client:
            assert client.get("/health").status_code == 200
            plain = gc.get_freeze_count()
        with TestClient(create_app(settings, freeze_start_up_objects=True)) as client:
            assert client.get("/search", params={{"q": "双元制"}}).status_code == 200
            print(plain, gc.get_freeze_count())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={k: v for k, v in os.environ.items()
                                        if not k.startswith("POLICYKG_")}).stdout.split()
    plain, frozen = int(out[-2]), int(out[-1])
    assert plain == 0 and frozen > 100_000
