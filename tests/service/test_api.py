"""The HTTP API over a store holding the sample (hash embedder, embedded backend)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings
from service.wiring import build_components, build_ingestor
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("api") / "data", embedder="hash")
    components = build_components(settings)
    build_ingestor(components).ingest_path(SAMPLE)
    with TestClient(create_app(settings, components)) as test_client:
        yield test_client
    components.close()


def test_get_search_returns_tasks_with_evidence_and_context(client: TestClient) -> None:
    response = client.get("/search", params={"q": "心理健康教育", "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "心理健康教育" and body["listing"] is None
    assert len(body["results"]) == 5
    result = body["results"][0]
    assert result["matched_by"] and result["evidence"]
    assert set(result["context"]) == {"programmes", "institutions", "places", "documents",
                                      "targets"}
    assert result["task"]["section"]["title"]


def test_post_search_pages_and_filters(client: TestClient) -> None:
    first = client.post("/search", json={"query": "教师", "k": 3}).json()["results"]
    second = client.post("/search", json={"query": "教师", "k": 3, "offset": 3}).json()["results"]
    assert len(first) == len(second) == 3
    assert not {r["task"]["id"] for r in first} & {r["task"]["id"] for r in second}
    none = client.post("/search", json={"query": "教师", "filters": {"year": [1999]}}).json()
    assert none["results"] == []
    some = client.post("/search", json={"query": "教师", "filters": {"year": [2021]}}).json()
    assert some["results"]


@pytest.mark.parametrize(("params", "field"), [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "x", "k": 0}, "k"), ({"q": "x", "k": 101}, "k"),
    ({"q": "x" * 501}, "q"), ({"q": "x", "offset": -1}, "offset"),
])
def test_invalid_search_is_a_422_problem(client: TestClient, params: dict[str, object],
                                         field: str) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/validation") and body["errors"][0]["loc"][-1] == field


def test_post_search_rejects_unknown_fields(client: TestClient) -> None:
    response = client.post("/search", json={"query": "x", "top": 3})
    assert response.status_code == 422


def test_cypher_reads_and_refuses_writes(client: TestClient) -> None:
    ok = client.post("/cypher", json={"query": "MATCH (t:Task) WHERE t.number > $n "
                                               "RETURN count(t) AS c", "parameters": {"n": 0}})
    assert ok.status_code == 200 and ok.json() == {"columns": ["c"], "rows": [[24]]}
    refused = client.post("/cypher", json={"query": "MATCH (t:Task) SET t.title = 'x'"})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/read-only")
    broken = client.post("/cypher", json={"query": "MATCH (t:Task RETURN t"})
    assert broken.status_code == 400 and broken.json()["type"].endswith("/query-error")
    still = client.post("/cypher", json={"query": "MATCH (t:Task {number: 1}) RETURN t.title"})
    assert still.json()["rows"] == [["夯实基层党建基础"]]


def test_health_reports_backend_and_counts(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["graph"] == "embedded"
    assert body["documents"] == 1 and body["tasks"] == 25 and body["vectors"] > 100


def test_openapi_documents_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/search", "/cypher", "/health"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_graph_down_is_a_503_with_retry_after(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, graph="neo4j", embedder="hash",
                        neo4j_uri="bolt://127.0.0.1:1")
    from graph.errors import GraphUnavailableError

    with pytest.raises(GraphUnavailableError, match="not reachable"):
        build_components(settings)
