"""The embedded store's write rehearsal (``EmbeddedGraphStore.prime_writes``): a server runs it
on its writer thread at start, so that a first upload does not prepare LadybugDB statements
while holding Python's lock. What it prepares is what that thread's first write then finds."""

import threading
from collections.abc import Callable
from pathlib import Path

import ladybug.connection
import pytest

from graph.embedded import EmbeddedGraphStore
from graph.errors import QueryError
from loaders.files import load_file, load_resources
from tests.conftest import SAMPLE


def _prepared_by(store: EmbeddedGraphStore, work: Callable[[], object]) -> int:
    """Statements the calling thread's connection prepared while running ``work``."""
    before = len(store._connection()._pybind_implicit_prepared_cache)
    work()
    return len(store._connection()._pybind_implicit_prepared_cache) - before


def test_a_rehearsed_write_leaves_little_for_the_first_upload_to_prepare(tmp_path: Path) -> None:
    assert hasattr(ladybug.connection.Connection, "_get_or_prepare_pybind_statement")
    batch = load_file(SAMPLE).batch
    counts: dict[str, int] = {}

    def on_a_fresh_thread(name: str, rehearse: bool) -> None:
        store = EmbeddedGraphStore.open(tmp_path / name / "graph.lbug")
        store.ensure_schema()
        try:
            if rehearse:
                store.prime_writes(load_resources())
            counts[name] = _prepared_by(store, lambda: store.write_document(batch))
        finally:
            store.close()

    for name, rehearse in (("cold", False), ("rehearsed", True)):
        worker = threading.Thread(target=on_a_fresh_thread, args=(name, rehearse))
        worker.start()
        worker.join()
    assert counts["cold"] >= 20
    assert counts["rehearsed"] <= counts["cold"] // 4


def test_a_rehearsal_that_fails_leaves_the_store_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A statement that fails mid-rehearsal is a QueryError (the server logs it and starts), and
    the thread's next write runs in a transaction of its own."""
    store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    store.ensure_schema()
    real = store._document_statements
    monkeypatch.setattr(store, "_document_statements",
                        lambda *a: [*real(*a), ("MATCH (n:NoSuchTable) RETURN n", {})])
    try:
        with pytest.raises(QueryError):
            store.prime_writes(load_resources())
        monkeypatch.undo()
        batch = load_file(SAMPLE).batch
        store.write_document(batch)
        assert store.counts().nodes["Sentence"] == len(batch.sentences)
    finally:
        store.close()
