"""The layers under the statement check hold on their own: queries sent *past* the check.

Embedded: the sandboxed worker opens the database read-only and cannot open, create or
remove any file, whatever the query text says. Neo4j: a READ session refuses writes and the
server's configuration (scripts/neo4j_start.sh, docker-compose.yml) refuses LOAD CSV from
its files."""

import contextlib
import threading
import time
from pathlib import Path

import neo4j
import pytest

from graph.embedded import EmbeddedGraphStore
from graph.errors import QueryError, ReadOnlyViolationError
from graph.query_worker import QueryWorker
from loaders.files import load_bytes, load_file
from tests.conftest import SAMPLE, neo4j_settings


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox") / "graph.lbug"
    store = EmbeddedGraphStore.open(path)
    store.ensure_schema()
    store.write_document(load_file(SAMPLE).batch)
    store.close()
    return path


def run_raw(worker: QueryWorker, query: str) -> None:
    worker.run(query, None, max_rows=1000, timeout_s=5, max_bytes=5_000_000)


def test_the_worker_reads_nothing_but_its_database(database: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("canary-5f1e\n", "utf-8")
    worker = QueryWorker(database)
    try:
        for query in [f"LOAD FROM '{secret}' RETURN *",
                      f"LOAD FROM '{secret}' (file_format='csv', delim='|') RETURN *"]:
            with pytest.raises(QueryError) as refused:
                run_raw(worker, query)
            assert "canary" not in str(refused.value)
        count = worker.run("MATCH (t:Task) RETURN count(t)", None, max_rows=10, timeout_s=5,
                           max_bytes=1000)
        assert count.rows[0][0] > 20
    finally:
        worker.close()


def test_the_worker_writes_no_file_and_no_graph(database: Path, tmp_path: Path) -> None:
    worker = QueryWorker(database)
    size = database.stat().st_size
    try:
        for query in [f"COPY (MATCH (t:Task) RETURN t.id) TO '{tmp_path / 'out.csv'}'",
                      f"EXPORT DATABASE '{tmp_path / 'export'}'"]:
            with pytest.raises(QueryError):
                run_raw(worker, query)
        for query in ["CREATE (:Place {id: 'x', name: 'x'})", "MATCH (t:Task) DETACH DELETE t"]:
            with pytest.raises(ReadOnlyViolationError):
                run_raw(worker, query)
        for statement in ["ROLLBACK", "BEGIN TRANSACTION", "COMMIT"]:
            with contextlib.suppress(QueryError):
                run_raw(worker, statement)
            with pytest.raises(ReadOnlyViolationError):
                run_raw(worker, "CREATE (:Place {id: 'y', name: 'y'})")
    finally:
        worker.close()
    assert list(tmp_path.iterdir()) == []
    assert database.stat().st_size == size


def test_a_crashed_or_killed_worker_is_replaced(database: Path) -> None:
    worker = QueryWorker(database, max_memory_bytes=400 << 20)
    try:
        with pytest.raises(QueryError, match=r"crashed|longer than|memory"):
            run_raw(worker, "UNWIND range(1, 10000000000) AS x RETURN count(x)")
        with pytest.raises(QueryError, match="longer than"):
            worker.run("MATCH (a:Sentence), (b:Sentence), (c:Sentence), (d:Sentence) "
                       "WHERE (a.text + b.text + c.text + d.text) CONTAINS 'none' RETURN count(*)",
                       None, max_rows=10, timeout_s=0.5, max_bytes=1000)
        answer = worker.run("RETURN 1", None, max_rows=10, timeout_s=5, max_bytes=1000)
        assert answer.rows == [[1]]
    finally:
        worker.close()


def test_neo4j_read_sessions_refuse_writes_and_file_loading() -> None:
    cfg = neo4j_settings()
    with neo4j.GraphDatabase.driver(cfg["uri"], auth=(cfg["user"], cfg["password"])) as driver:
        with driver.session(default_access_mode=neo4j.READ_ACCESS) as session:
            with pytest.raises(neo4j.exceptions.ClientError) as csv:
                session.run("LOAD CSV FROM 'file:///etc/hostname' AS line RETURN line").consume()
            assert "file" in str(csv.value).lower()
        with (driver.session(default_access_mode=neo4j.READ_ACCESS) as session,
              pytest.raises(neo4j.exceptions.ClientError)):
            session.execute_read(lambda tx: tx.run("CREATE (:Hacked)").consume())


def test_a_write_does_not_wait_for_a_running_reader_query(tmp_path: Path) -> None:
    store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    store.ensure_schema()
    store.write_document(load_file(SAMPLE).batch)
    slow = threading.Thread(target=_slow, args=(store,))
    try:
        assert store.run_read("MATCH (d:PolicyDocument {ingested: true}) RETURN count(d)").rows == [[1]]
        slow.start()
        time.sleep(0.5)  # the slow query is running in the worker
        other = load_bytes("other.txt", "一、合作\n1.与浙江开展合作交流。\n".encode())
        store.write_document(other.batch)
        assert slow.is_alive()  # the write finished while the reader's query still ran
        slow.join()
        count = store.run_read("MATCH (d:PolicyDocument {ingested: true}) RETURN count(d)")
        assert count.rows == [[2]]
    finally:
        slow.join()
        store.close()


def _slow(store: EmbeddedGraphStore) -> None:
    with contextlib.suppress(QueryError):
        store.run_read("MATCH (a:Sentence), (b:Sentence), (c:Sentence), (d:Sentence) "
                       "WHERE (a.text + b.text + c.text + d.text) CONTAINS 'none' "
                       "RETURN count(*)", timeout_s=4)
