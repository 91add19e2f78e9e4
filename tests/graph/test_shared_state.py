"""What replicas share on Neo4j (graph.base.SharedSearchStore, SharedStateStore): vectors kept
apart from the schema, a change marker, records and a leased lock. The embedded store has
none of it: its local files are the truth."""

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from graph.base import SharedSearchStore, SharedStateStore, StoredVector
from graph.embedded import EmbeddedGraphStore
from graph.neo4j_store import Neo4jGraphStore
from tests.conftest import connect_neo4j, wipe_neo4j


@pytest.fixture
def store() -> Iterator[Neo4jGraphStore]:
    connected = connect_neo4j()
    wipe_neo4j()
    connected.ensure_schema()
    assert isinstance(connected, Neo4jGraphStore)
    yield connected
    connected.close()


def vector(sentence_id: str, doc_id: str, text_sha: str, seed: int) -> StoredVector:
    values = np.random.default_rng(seed).random(8, dtype=np.float32)
    return StoredVector(sentence_id, doc_id, f"task_{doc_id}", text_sha, values.tobytes())


def test_only_neo4j_shares_search_state(store: Neo4jGraphStore, tmp_path: Path) -> None:
    embedded = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    try:
        assert not isinstance(embedded, SharedSearchStore | SharedStateStore)
    finally:
        embedded.close()
    assert isinstance(store, SharedSearchStore) and isinstance(store, SharedStateStore)


def test_each_publish_is_one_change_under_the_next_generation(store: Neo4jGraphStore) -> None:
    assert store.search_generation() == 0
    first = [vector("s1", "d1", "h1", 1), vector("s2", "d1", "h2", 2)]
    assert store.publish_vectors("d1", "m", first, keep=["s1", "s2"]) == 1
    assert store.publish_vectors("d2", "m", [vector("s3", "d2", "h3", 3)], keep=["s3"]) == 2
    # d1 loses s2 and changes s1's text: one more change of d1.
    assert store.publish_vectors("d1", "m", [vector("s1", "d1", "h9", 9)], keep=["s1"]) == 3
    generation, changes = store.search_changes(1)
    assert generation == 3 and [(c.generation, c.doc_id) for c in changes] == [(2, "d2"), (3, "d1")]
    assert store.search_changes(3) == (3, [])
    assert store.vector_keys("m") == {"s1": ("d1", "h9"), "s3": ("d2", "h3")}
    assert store.vector_keys("m", {"d2"}) == {"s3": ("d2", "h3")}
    assert store.vector_keys("another model") == {}
    (stored,) = store.stored_vectors("m", {"d1"})
    assert stored == vector("s1", "d1", "h9", 9)  # the bytes come back as they went


def test_vectors_stay_out_of_the_schema(store: Neo4jGraphStore) -> None:
    store.publish_vectors("d1", "m", [vector("s1", "d1", "h1", 1)], keep=["s1"])
    store.write_state("journal:journal", "{}")
    counts = store.counts()
    assert counts.total_nodes == 0 and counts.total_relationships == 0
    (row,) = store.run_read("MATCH (v:SentenceVector) RETURN v").rows
    assert row[0]["properties"]["vector"] == "<32 bytes>"


def test_records_are_written_read_and_deleted(store: Neo4jGraphStore) -> None:
    assert store.read_state("journal:journal") is None
    store.write_state("journal:journal", '{"op": "ingest"}')
    assert store.read_state("journal:journal") == '{"op": "ingest"}'
    store.write_state("journal:journal", None)
    assert store.read_state("journal:journal") is None


def test_a_lease_is_held_by_one_token_until_released_expired_or_stolen(
        store: Neo4jGraphStore) -> None:
    assert store.acquire_lease("lock", "first", "t1", ttl_s=30) is None
    assert store.acquire_lease("lock", "first", "t1", ttl_s=30) is None  # its own: again
    assert store.acquire_lease("lock", "second", "t2", ttl_s=30) == "first"
    assert store.renew_lease("lock", "t1", ttl_s=30) and not store.renew_lease("lock", "t2", 30)
    assert store.acquire_lease("lock", "second", "t2", ttl_s=30, steal_from="t1") is None
    assert not store.renew_lease("lock", "t1", ttl_s=30)
    store.release_lease("lock", "t1")  # not the holder: nothing happens
    assert store.acquire_lease("lock", "third", "t3", ttl_s=30) == "second"
    store.release_lease("lock", "t2")
    assert store.acquire_lease("lock", "third", "t3", ttl_s=0.001) is None
    time.sleep(0.01)
    assert store.acquire_lease("lock", "fourth", "t4", ttl_s=30) is None  # t3's lease ran out
