"""The attacks a reader key made on /cypher, replayed on both backends over HTTP with a keys
file: none writes the graph, reads or writes a file, returns the keys, or takes the server
down. Each test ends with the server answering a normal query and the counts unchanged."""

import resource
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.api_support import serve_sample_on

READER = "reader-0123456789abcdef-attack"
ADMIN = "admin-0123456789abcdef-attack-secret"
HEADERS = {"X-API-Key": READER}


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def attacked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[TestClient, Path]]:
    backend = str(request.param)
    root = tmp_path_factory.mktemp(f"attack-{backend}")
    keys = root / "keys"
    keys.write_text(f"reader {READER} chatbot\nadmin {ADMIN} ops\n", "utf-8")
    with serve_sample_on(backend, root / "data", keys_file=keys, cypher_timeout_s=3.0,
                         cypher_max_rows=100) as client:
        yield client, root


def graph_counts(client: TestClient) -> Any:
    response = client.get("/stats", headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.json()["nodes"], response.json()["relationships"]


def assert_unharmed(client: TestClient, before: Any, root: Path) -> None:
    assert client.get("/health").status_code == 200
    answer = client.post("/cypher", headers=HEADERS,
                         json={"query": "MATCH (t:Task {title: '夯实基层党建基础'}) RETURN t.number"})
    assert answer.status_code == 200 and answer.json()["rows"] == [[1]]
    assert graph_counts(client) == before
    assert sorted(p.name for p in root.iterdir()) == ["data", "keys"]


def attack(client: TestClient, query: str) -> Any:
    response = client.post("/cypher", headers=HEADERS, json={"query": query})
    assert response.status_code in (200, 400, 403), response.text
    assert ADMIN not in response.text
    return response


def test_a_lone_carriage_return_after_a_comment_hides_nothing(
        attacked: tuple[TestClient, Path]) -> None:
    client, root = attacked
    before = graph_counts(client)
    keys, out = root / "keys", root / "out.csv"
    for tail in ["ROLLBACK; CREATE (:Place {id:'x'})",
                 f"ROLLBACK; LOAD FROM '{keys}' (file_format='csv', delim='|') RETURN *",
                 f"ROLLBACK; COPY (MATCH (t:Task) RETURN t.id) TO '{out}'",
                 f"LOAD CSV FROM 'file://{keys}' AS line RETURN line"]:
        attack(client, f"RETURN 8 //*x*/ 2; {tail}\r ")
        attack(client, f"RETURN 8 //*x*/ 2 {tail}\r ")
    assert_unharmed(client, before, root)


def test_unicode_spaces_do_not_skip_the_procedure_check(attacked: tuple[TestClient, Path]) -> None:
    client, root = attacked
    before = graph_counts(client)
    for space in ["\u180e", "\u2028", "\u3000", "\u00a0", "\u200b", "\x1c", "\x85"]:
        response = attack(client, f"CALL{space}READ_CSV_SERIAL('{root / 'keys'}') RETURN *")
        assert response.status_code in (400, 403)
        response = attack(client, f"MATCH (t:Task){space}SET t.title = 'x'")
        assert response.status_code in (400, 403)
    assert_unharmed(client, before, root)


def test_several_statements_are_a_query_error(attacked: tuple[TestClient, Path]) -> None:
    client, root = attacked
    before = graph_counts(client)
    response = attack(client, "RETURN 1; RETURN 2")
    assert response.status_code == 400 and response.json()["type"].endswith("/query-error")
    assert attack(client, "RETURN 1;").status_code == 200
    assert_unharmed(client, before, root)


def test_a_query_that_crashes_or_runs_away_answers_400_and_the_server_stays_up(
        attacked: tuple[TestClient, Path]) -> None:
    client, root = attacked
    before = graph_counts(client)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for query in ["UNWIND range(1, 10000000000) AS x RETURN count(x)",
                  "MATCH (a), (b), (s:Sentence) RETURN s.id"]:
        response = attack(client, query)
        assert response.status_code == 400, response.text
        assert response.json()["type"].endswith("/query-error")
    # The server process itself did not take the query's memory (ru_maxrss is in KiB).
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 400_000
    assert_unharmed(client, before, root)


def test_the_row_limit_answers_without_holding_every_row(attacked: tuple[TestClient, Path]) -> None:
    client, root = attacked
    before = graph_counts(client)
    response = attack(client, "MATCH (s:Sentence) RETURN s.id")
    assert response.status_code == 400 and "LIMIT" in response.json()["detail"]
    assert_unharmed(client, before, root)


def test_no_server_file_is_readable_through_cypher(attacked: tuple[TestClient, Path]) -> None:
    client, root = attacked
    before = graph_counts(client)
    for query in ["LOAD FROM '/etc/hostname' RETURN *",
                  "CALL READ_CSV_SERIAL('/etc/hostname') RETURN *",
                  "LOAD CSV FROM 'file:///etc/hostname' AS line RETURN line"]:
        assert attack(client, query).status_code in (400, 403)
    assert_unharmed(client, before, root)


def test_a_poison_upload_is_answered_and_freezes_nothing(attacked: tuple[TestClient, Path]) -> None:
    """One CJK character repeated 200,000 times once froze the process in tokenisation."""
    client, _ = attacked
    response = client.post("/documents", headers={"X-API-Key": ADMIN},
                           files={"file": ("poison.txt", ("教" * 200_000).encode(), "text/plain")})
    assert response.status_code in (201, 422), response.text
    assert client.get("/health").status_code == 200
    search = client.get("/search", headers=HEADERS, params={"q": "党建", "k": 3})
    assert search.status_code == 200 and search.json()["results"]
    if response.status_code == 201:
        doc_id = response.json()["document"]["id"]
        deleted = client.delete(f"/documents/{doc_id}", headers={"X-API-Key": ADMIN})
        assert deleted.status_code == 204
