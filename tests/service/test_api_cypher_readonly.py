"""POST /cypher cannot write, on either backend: the check refuses write clauses,
procedures, file loading and admin commands, and the database itself refuses what the check
lets through (the check switched off here proves it). Node and relationship counts are the
same afterwards. Parameters and the timeout work on both."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph import embedded, neo4j_store
from graph.base import GraphStore
from graph.errors import ReadOnlyViolationError
from graph.readonly import CheckedQuery
from tests.service.api_support import serve_sample_on

WRITES = [
    "CREATE (n:Task {id: 'x'})",
    "MATCH (t:Task) MERGE (t)-[:CITES]->(:PolicyDocument {id: 'y'})",
    "MERGE (n:Place {id: 'z'}) RETURN n",
    "MATCH (t:Task) SET t.title = 'changed'",
    "MATCH (t:Task) SET t:Archived",
    "MATCH (t:Task) DETACH DELETE t",
    "MATCH (s:Sentence) DELETE s",
    "MATCH (t:Task) REMOVE t.title",
    "MATCH (t:Task) WITH t LIMIT 1 FOREACH (x IN [1] | SET t.title = 'x')",
    "MATCH (t:Task) CALL { WITH t SET t.title = 'sub' } RETURN count(t)",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "LOAD FROM '/etc/passwd' RETURN *",
    "COPY Task FROM '/tmp/tasks.csv'",
    "CALL db.createLabel('Hacked')",
    "CALL db.createProperty('hacked')",
    "CALL apoc.create.node(['X'], {})",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})",
    "CALL db.index.fulltext.createNodeIndex('x', ['Task'], ['title'])",
    "CALL create_fts_index('Task', 'task_fts', ['title'])",
    "CALL drop_fts_index('Task', 'task_fts')",
    "CALL threads=1",
    "DROP CONSTRAINT task_id",
    "CREATE INDEX x FOR (n:Task) ON (n.title)",
    "CREATE DATABASE other",
    "CREATE USER eve SET PASSWORD 'x'",
    "GRANT ALL ON DATABASE * TO PUBLIC",
    "EXPORT DATABASE '/tmp/policykg-export'",
    "IMPORT DATABASE '/tmp/policykg-export'",
    "INSTALL httpfs",
    "ATTACH '/tmp/other.lbug' AS other",
    "match (t:Task) set t.title = 'lower case'",
    "MATCH (t:Task) /* harmless? */ SET t.title = 'comment'",
    "MATCH (t:Task)\nDETACH\nDELETE t",
]
# What the database itself must refuse when the check is switched off.
DATABASE_REFUSES = [
    "CREATE (n:Task {id: 'x'})",
    "MATCH (t:Task) SET t.title = 'changed'",
    "MATCH (t:Task) DETACH DELETE t",
    "MERGE (n:Place {id: 'z'}) RETURN n",
]


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def client(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    backend = str(request.param)
    with serve_sample_on(backend, tmp_path_factory.mktemp(f"cypher-{backend}") / "data") as client:
        yield client


def store_of(client: TestClient) -> GraphStore:
    return client.app.state.components.store  # type: ignore[attr-defined,no-any-return]


def snapshot(client: TestClient) -> tuple[Any, ...]:
    store = store_of(client)
    title = store.run_read("MATCH (t:Task {number: 1}) RETURN t.title").rows
    return store.counts(), title


@pytest.mark.parametrize("query", WRITES)
def test_cypher_refuses_every_write(client: TestClient, query: str) -> None:
    before = snapshot(client)
    response = client.post("/cypher", json={"query": query})
    assert response.status_code == 403, response.text
    assert response.json()["type"].endswith("/read-only")
    assert snapshot(client) == before
    assert before[1] == [["夯实基层党建基础"]]


@pytest.mark.parametrize("query", DATABASE_REFUSES)
def test_the_database_refuses_writes_the_check_does_not_see(
        client: TestClient, query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (embedded, neo4j_store):
        monkeypatch.setattr(module, "check_read_only", lambda query: CheckedQuery(query, None))
    before = snapshot(client)
    with pytest.raises(ReadOnlyViolationError):
        store_of(client).run_read(query)
    response = client.post("/cypher", json={"query": query})
    assert response.status_code == 403 and response.json()["type"].endswith("/read-only")
    assert snapshot(client) == before


def test_cypher_takes_parameters(client: TestClient) -> None:
    response = client.post("/cypher", json={
        "query": "MATCH (t:Task) WHERE t.number >= $low AND t.title CONTAINS $word "
                 "RETURN t.number AS n ORDER BY n",
        "parameters": {"low": 10, "word": "教育"}})
    assert response.status_code == 200
    numbers = [row[0] for row in response.json()["rows"]]
    assert numbers and all(n >= 10 for n in numbers) and numbers == sorted(numbers)
    assert response.json()["columns"] == ["n"]


def test_cypher_treats_parameters_as_values(client: TestClient) -> None:
    before = snapshot(client)
    response = client.post("/cypher", json={
        "query": "MATCH (t:Task) WHERE t.title = $title RETURN count(t) AS c",
        "parameters": {"title": "x' OR 1=1 DETACH DELETE t //"}})
    assert response.status_code == 200 and response.json()["rows"] == [[0]]
    assert snapshot(client) == before


def test_a_slow_query_times_out(client: TestClient) -> None:
    store = store_of(client)
    from graph.errors import QueryError

    with pytest.raises(QueryError, match="longer than"):
        store.run_read("MATCH (a:Sentence), (b:Sentence), (c:Sentence) "
                       "WHERE (a.text + b.text + c.text) CONTAINS 'no such text' "
                       "RETURN count(*) AS n", timeout_s=0.05)


def test_syntax_errors_are_400_problems(client: TestClient) -> None:
    response = client.post("/cypher", json={"query": "MATCH (t:Task RETURN t"})
    assert response.status_code == 400 and response.json()["type"].endswith("/query-error")
