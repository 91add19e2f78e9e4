"""After the store's own writes, the search snapshot is the last one with the written documents
read again (``GraphSnapshot.replaced``), and the cached nodes the last ones with the nodes those
writes touched read again, not the whole graph re-read: they must hold exactly what a whole
read holds, column for column, on every backend; and when the graph holds other counts than an
update (a write the store did not see), the whole graph is read."""

from collections.abc import Iterator

import numpy as np
import pytest

from graph.base import GraphStore
from graph.snapshot import GraphSnapshot
from loaders.files import load_bytes, load_file
from tests.conftest import CORPUS, SAMPLE, connect_neo4j, wipe_neo4j

SECOND = CORPUS / "shanghai_2025_government-work-report.txt"
NOTICE = CORPUS / "nantong_2018_school-aesthetic-and-pe-implementation-opinions.txt"  # issues two opinions


@pytest.fixture
def store(graph_store: GraphStore) -> Iterator[GraphStore]:
    for path in (SAMPLE, SECOND):
        graph_store.write_document(load_file(path).batch)
    yield graph_store


def assert_same(updated: GraphSnapshot, whole: GraphSnapshot) -> None:
    assert updated._ids.tolist() == whole._ids.tolist()
    assert updated._task_of == whole._task_of
    assert updated._numbers == whole._numbers
    assert updated._text == whole._text and updated._starts == whole._starts
    assert {e: r.tolist() for e, r in updated._mention_rows.items()} == \
        {e: r.tolist() for e, r in whole._mention_rows.items()}
    assert updated._tasks == whole._tasks
    assert {t: sorted(e) for t, e in updated._links.items()} == {t: sorted(e) for t, e in whole._links.items()}
    assert {e: sorted(t) for e, t in updated._entity_tasks.items()} == \
        {e: sorted(t) for e, t in whole._entity_tasks.items()}
    assert updated._led == whole._led
    assert updated._nodes == whole._nodes
    assert sorted(d.id for d in updated.documents()) == sorted(d.id for d in whole.documents())
    assert updated._documents_by_node == whole._documents_by_node
    assert {r: sorted(m) for r, m in updated._members.items()} == {r: sorted(m) for r, m in whole._members.items()}
    task_ids = sorted(whole._tasks)
    assert updated.task_contexts(task_ids) == whole.task_contexts(task_ids)
    needles = ["上海", "教师", "美育"]
    assert updated.sentences_containing(needles) == whole.sentences_containing(needles)
    entities = sorted(whole._mention_rows)
    assert updated.entity_task_links(entities) == whole.entity_task_links(entities)


def read_whole(store: GraphStore) -> GraphSnapshot:
    """The graph read whole, nodes included, as a new store object would read it."""
    store.forget_cached_reads()
    return store.search_snapshot()


def whole_reads(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the store's reads of the whole graph from now on."""
    calls: list[int] = []
    read = store._read_snapshot  # type: ignore[attr-defined]

    def counted() -> GraphSnapshot:
        calls.append(1)
        return read()

    monkeypatch.setattr(store, "_read_snapshot", counted)
    return calls


def no_fallback(caplog: pytest.LogCaptureFixture) -> bool:
    """No update fell back to a whole read (each says so in a warning)."""
    return not [r for r in caplog.records if r.name == "policykg.graph"]


def test_writes_update_the_snapshot_to_what_a_whole_read_holds(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    first = store.search_snapshot()
    calls = whole_reads(store, monkeypatch)
    # A new document, a notice with the two opinions it issues, a changed one and a deleted one,
    # two writes before the snapshot is read again.
    notice = load_file(NOTICE).batch
    store.write_document(notice)
    changed = load_bytes(SAMPLE.name, SAMPLE.read_bytes().replace(
        "上海".encode(), "杭州".encode()).replace("完成".encode(), "做完".encode())).batch
    store.write_document(changed)
    updated = store.search_snapshot()
    assert calls == [] and updated is not first
    assert_same(updated, read_whole(store))
    assert {d.id for d in notice.issued_documents} <= updated._nodes.keys()
    assert notice.document.id in {t.doc_id for t in updated._tasks.values()}
    assert "杭州" in updated._text and "上海" in updated._text  # the changed sample, and SECOND

    store.delete_document(load_file(SECOND).batch.document.id)
    store.delete_document(load_file(NOTICE).batch.document.id)
    updated = store.search_snapshot()
    assert len(calls) == 1  # the comparison's own read above
    assert_same(updated, read_whole(store))
    assert updated.sentence_count == len(changed.sentences)
    assert no_fallback(caplog)


def test_an_update_that_misses_a_write_reads_the_whole_graph(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.search_snapshot()
    notice = load_file(NOTICE).batch
    store.write_document(notice)
    store._changed_documents = frozenset()  # type: ignore[attr-defined]  # as if written elsewhere
    calls = whole_reads(store, monkeypatch)
    snapshot = store.search_snapshot()
    assert calls == [1]
    assert notice.document.id in {t.doc_id for t in snapshot._tasks.values()}


def test_forgetting_without_documents_reads_the_whole_graph(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.search_snapshot()
    calls = whole_reads(store, monkeypatch)
    store.forget_cached_reads()
    store.search_snapshot()
    assert calls == [1]


def test_replaced_on_an_empty_snapshot_and_down_to_empty() -> None:
    rows = [("sent_b", "t1", 1, "第二句", 0, 3), ("sent_a", "t1", 0, "第一句", 0, 3)]
    from graph.models import Task
    task = Task.model_construct(id="t1", doc_id="d1", path="一/1", text="第一句第二句")
    empty = GraphSnapshot(nodes={}, tasks={}, sentences=[], task_links=[], mentions=[], place_parts=[])
    filled = empty.replaced(["d1"], nodes={}, tasks={"t1": task}, sentences=rows,
                            task_links=[("t1", "INVOLVES", "e1")], mentions=[("sent_b", "e1")],
                            place_parts=[], document_links=[], leads=[("t1", "i1")])
    whole = GraphSnapshot(nodes={}, tasks={"t1": task}, sentences=rows, task_links=[("t1", "INVOLVES", "e1")],
                          mentions=[("sent_b", "e1")], place_parts=[], leads=[("t1", "i1")])
    assert_same(filled, whole)
    assert filled.sentences(["sent_a"])["sent_a"].text == "第一句"
    emptied = filled.replaced(["d1"], nodes={}, tasks={}, sentences=[], task_links=[], mentions=[],
                              place_parts=[], document_links=[], leads=[])
    assert emptied.sentence_count == 0 and emptied.task_count == 0 and emptied._mention_rows == {}
    assert emptied.led_tasks(["i1"]) == set() and np.asarray(emptied._ids).size == 0


def test_an_update_of_the_nodes_that_misses_a_write_reads_them_all(store: GraphStore) -> None:
    store.search_snapshot()
    store.write_document(load_file(NOTICE).batch)
    store._changed_nodes = frozenset()  # type: ignore[attr-defined]  # as if written elsewhere
    nodes = store._node_records()  # type: ignore[attr-defined]
    assert nodes == read_whole(store)._nodes


def test_documents_written_elsewhere_update_the_snapshot_and_the_nodes_they_touched(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """``forget_cached_reads(documents)``, as a replica that follows another's writes calls it:
    the written documents' rows and the nodes they linked to before and link to now are read
    again, nothing whole."""
    store.search_snapshot()
    notice = load_file(NOTICE).batch
    store.write_document(notice)
    store.forget_cached_reads([notice.document.id])  # as if written elsewhere: nodes unknown
    calls = whole_reads(store, monkeypatch)
    reads: list[str] = []
    read = store._read  # type: ignore[attr-defined]

    def recording(query: str, parameters: object = None) -> object:
        reads.append(query)
        return read(query, parameters)

    monkeypatch.setattr(store, "_read", recording)
    updated = store.search_snapshot()
    assert calls == [] and not any(q.startswith("MATCH (n:Institution) RETURN properties") for q in reads)
    monkeypatch.setattr(store, "_read", read)
    assert_same(updated, read_whole(store))

    second = load_file(SECOND).batch.document.id
    store.delete_document(second)  # its own institutions and programmes are pruned
    store.forget_cached_reads([second])
    assert_same(store.search_snapshot(), read_whole(store))
    assert no_fallback(caplog)


def test_a_replica_updates_its_snapshot_with_the_documents_another_one_wrote(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Two stores on one Neo4j, as two replicas: the one that follows is told which documents
    changed (the change log) and updates its snapshot to what a whole read holds."""
    follower = connect_neo4j()  # first: it skips (or fails under make test) without a server
    wipe_neo4j()
    writer = connect_neo4j()
    try:
        follower.ensure_schema()
        sample = load_file(SAMPLE).batch
        follower.write_document(sample)
        follower.write_document(load_file(SECOND).batch)
        follower.search_snapshot()
        notice = load_file(NOTICE).batch
        writer.write_document(notice)
        writer.delete_document(sample.document.id)
        # A replica syncing reads the new tasks' contexts first (their nodes are not cached yet).
        task_ids = [t.id for t in notice.tasks]
        assert follower.task_contexts(task_ids) == writer.task_contexts(task_ids)
        calls = whole_reads(follower, monkeypatch)
        follower.forget_cached_reads([notice.document.id, sample.document.id])
        updated = follower.search_snapshot()
        assert calls == []  # that read kept the snapshot's base
        assert_same(updated, read_whole(follower))
        assert no_fallback(caplog)
    finally:
        follower.close()
        writer.close()
