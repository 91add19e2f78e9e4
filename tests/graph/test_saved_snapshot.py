"""The embedded store saves its search snapshot when it closes, and the next process loads it
instead of reading the whole graph, only when the graph is as it was: a write marks the saved
snapshot stale (durably, before its commit), and a crash, a damaged file, a changed graph or a
database recreated at the same path each fall back to a whole read."""

from collections.abc import Iterator
from pathlib import Path

import ladybug
import pytest

from graph.embedded import EmbeddedGraphStore
from graph.snapshot import GraphSnapshot
from loaders.files import load_file
from tests.conftest import CORPUS, SAMPLE
from tests.graph.test_search_snapshot_update import assert_same

SECOND = CORPUS / "shanghai_2025_government-work-report.txt"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A database holding the sample, whose writer read its snapshot and closed."""
    path = tmp_path / "graph.lbug"
    store = EmbeddedGraphStore.open(path)
    store.ensure_schema()
    store.write_document(load_file(SAMPLE).batch)
    store.search_snapshot()
    store.close()
    return path


def opened(path: Path, read_only: bool = False) -> tuple[EmbeddedGraphStore, list[int]]:
    """A store on ``path`` that counts its whole reads of the graph."""
    store = EmbeddedGraphStore.open(path, read_only=read_only)
    calls: list[int] = []
    read = store._read_snapshot

    def counted() -> GraphSnapshot:
        calls.append(1)
        return read()

    store._read_snapshot = counted  # type: ignore[method-assign]
    return store, calls


@pytest.fixture
def reopened(path: Path) -> Iterator[tuple[EmbeddedGraphStore, list[int]]]:
    store, calls = opened(path)
    yield store, calls
    store.close()


def whole(store: EmbeddedGraphStore) -> GraphSnapshot:
    store.forget_cached_reads()
    return EmbeddedGraphStore._read_snapshot(store)


def test_the_next_process_loads_the_saved_snapshot_and_it_holds_the_graph(
        reopened: tuple[EmbeddedGraphStore, list[int]]) -> None:
    store, calls = reopened
    loaded = store.search_snapshot()
    assert calls == []
    assert_same(loaded, whole(store))
    assert loaded.task_contexts(sorted(loaded._tasks))  # usable as read


def test_a_write_then_a_crash_makes_the_next_process_read_the_graph(path: Path) -> None:
    store, _ = opened(path)
    store.search_snapshot()
    store.write_document(load_file(SECOND).batch)
    assert path.with_name(path.name + ".search-snapshot-marker").read_text() == "writing"
    store._query_worker.close()  # a crash: the database goes without the store's close
    assert store._database is not None
    store._database.close()
    store._database = None
    again, calls = opened(path)
    try:
        snapshot = again.search_snapshot()
        assert calls == [1] and len(snapshot.documents()) == 2
    finally:
        again.close()


def test_a_write_then_a_close_saves_the_new_graph(path: Path) -> None:
    store, _ = opened(path)
    store.search_snapshot()
    store.write_document(load_file(SECOND).batch)
    store.search_snapshot()
    store.close()
    again, calls = opened(path)
    try:
        snapshot = again.search_snapshot()
        assert calls == [] and len(snapshot.documents()) == 2
        assert_same(snapshot, whole(again))
    finally:
        again.close()


def test_a_damaged_or_stale_file_costs_a_whole_read_and_nothing_else(path: Path) -> None:
    snapshot_file = path.with_name(path.name + ".search-snapshot")
    for damage in (b"not a pickle at all", snapshot_file.read_bytes()[:1000]):
        snapshot_file.write_bytes(damage)
        store, calls = opened(path)
        try:
            assert len(store.search_snapshot().documents()) == 1 and calls == [1]
        finally:
            store.close()  # saves a good one again
        assert snapshot_file.read_bytes() != damage
    # A file another graph's writer saved (another token): not this graph's.
    path.with_name(path.name + ".search-snapshot-marker").write_text("another-token")
    store, calls = opened(path)
    try:
        store.search_snapshot()
        assert calls == [1]
    finally:
        store.close()


def test_a_graph_changed_behind_the_marker_is_read_whole(path: Path) -> None:
    database = ladybug.Database(str(path))
    connection = ladybug.Connection(database)
    connection.execute("CREATE (:Task {id: 't_behind', doc_id: 'd', number: 1, path: '一/1', "
                       "title: 'x', text: 'y', ordinal: 1})")
    database.close()
    store, calls = opened(path)
    try:
        assert "t_behind" in store.search_snapshot()._tasks and calls == [1]
    finally:
        store.close()


def test_a_read_only_store_loads_but_never_saves(path: Path) -> None:
    snapshot_file = path.with_name(path.name + ".search-snapshot")
    snapshot_file.unlink()
    store, calls = opened(path, read_only=True)
    store.search_snapshot()
    store.close()
    assert calls == [1] and not snapshot_file.exists()


def test_a_database_made_anew_at_the_path_ignores_the_old_files(path: Path) -> None:
    path.unlink()
    store, calls = opened(path)
    try:
        store.ensure_schema()
        assert store.search_snapshot().sentence_count == 0 and calls == [1]
    finally:
        store.close()
