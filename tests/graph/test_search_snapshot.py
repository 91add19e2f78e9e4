"""The search snapshot (graph/snapshot.py) answers exactly what Cypher over the stored graph
answers, on every backend, and is read again after the store's own writes."""

import pytest

from graph.base import GraphStore
from loaders.files import load_bytes, load_file
from tests.conftest import CORPUS, SAMPLE, connect_neo4j, wipe_neo4j

SECOND = CORPUS / "shanghai_2025_government-work-report.txt"
LINKABLE = "ADVANCES|INVOLVES|CONCERNS|CITES"


@pytest.fixture
def store(graph_store: GraphStore) -> GraphStore:
    for path in (SAMPLE, SECOND):
        graph_store.write_document(load_file(path).batch)
    return graph_store


def test_task_contexts_and_sentences_equal_the_stores_reads(store: GraphStore) -> None:
    snapshot = store.search_snapshot()
    task_ids = [r[0] for r in store.run_read("MATCH (t:Task) RETURN t.id", max_rows=10_000).rows]
    assert len(task_ids) > 60
    assert snapshot.task_contexts(task_ids) == store.task_contexts(task_ids)
    sentence_ids = [r[0] for r in store.run_read(
        "MATCH (s:Sentence) RETURN s.id", max_rows=100_000).rows]
    assert snapshot.sentences([*sentence_ids, "sent_unknown"]) == store.sentences(sentence_ids)
    assert snapshot.task_contexts(["task_unknown"]) == {}


def test_entity_task_links_equal_a_cypher_walk(store: GraphStore) -> None:
    snapshot = store.search_snapshot()
    rows = store.run_read(
        f"MATCH (t:Task)-[:{LINKABLE}]->(e) "
        "OPTIONAL MATCH (t)-[:HAS_SENTENCE]->(s:Sentence)-[:MENTIONS]->(e) "
        "RETURN e.id, t.id, t.doc_id, collect(s.id)", max_rows=100_000).rows
    expected = sorted((e, t, d, sorted(set(s))) for e, t, d, s in rows)
    entity_ids = sorted({row[0] for row in expected})
    got = [(link.entity_id, link.task_id, link.doc_id, link.sentence_ids)
           for link in snapshot.entity_task_links([*entity_ids, "place_unknown"])]
    assert got == expected
    assert any(sentences for *_, sentences in got)  # evidence is there, not just the edges


def test_sentences_containing_equal_cypher_contains(store: GraphStore) -> None:
    snapshot = store.search_snapshot()
    for needles in (["上海"], ["双元制", "德国"], ["教师", "长三角"], ["no such words"]):
        rows = store.run_read(
            "UNWIND $needles AS x MATCH (t:Task)-[:HAS_SENTENCE]->(s:Sentence) "
            "WHERE s.text CONTAINS x RETURN DISTINCT t.id, t.doc_id, s.id",
            {"needles": needles}, max_rows=100_000).rows
        expected: dict[str, tuple[str, list[str]]] = {}
        for task_id, doc_id, sentence_id in rows:
            expected.setdefault(task_id, (doc_id, []))[1].append(sentence_id)
        got = {link.task_id: (link.doc_id, link.sentence_ids)
               for link in snapshot.sentences_containing(needles)}
        assert got == {t: (d, sorted(s)) for t, (d, s) in expected.items()}, needles
    assert sum(len(link.sentence_ids) for link in snapshot.sentences_containing(["上海"], limit=3)) == 3


def test_place_members_and_entity_names_equal_the_graph(store: GraphStore) -> None:
    snapshot = store.search_snapshot()
    rows = store.run_read("MATCH (p:Place)-[:PART_OF]->(r:Place) RETURN r.id, p.id",
                          max_rows=10_000).rows
    expected: dict[str, list[str]] = {}
    for region, member in rows:
        expected.setdefault(region, []).append(member)
    assert expected
    assert snapshot.place_members([*sorted(expected), "place_unknown"]) == {
        r: sorted(m) for r, m in expected.items()}

    names = {n.id: n for n in snapshot.entity_names()}
    linkable = {r[0] for label in ("Programme", "Institution", "Place", "PolicyDocument")
                for r in store.run_read(f"MATCH (e:{label}) RETURN e.id", max_rows=10_000).rows}
    assert set(names) == linkable
    shanghai = next(n for n in names.values() if n.label == "Place" and n.name == "上海")
    assert shanghai.name_en == "Shanghai"
    sample = next(n for n in names.values() if n.label == "PolicyDocument" and "太教〔2021〕1号" in n.aliases)
    assert sample.name == "2021年度教育工作要点"


def test_the_snapshot_is_kept_until_the_store_writes(store: GraphStore) -> None:
    first = store.search_snapshot()
    assert store.search_snapshot() is first
    other = load_bytes("other.txt", SAMPLE.read_bytes().replace(
        "太教〔2021〕1号".encode(), "太教〔2021〕9号".encode())).batch
    store.write_document(other)
    second = store.search_snapshot()
    assert second is not first
    assert "太教〔2021〕9号" in {d.doc_number for d in second.documents()}
    assert set(second.task_contexts([t.id for t in other.tasks])) == {t.id for t in other.tasks}

    store.delete_document(other.document.id)
    assert store.search_snapshot().task_contexts([t.id for t in other.tasks]) == {}


def test_another_processes_write_is_seen_after_forget_cached_reads() -> None:
    reader = connect_neo4j()  # first: it skips (or fails under make test) without a server
    wipe_neo4j()
    writer = connect_neo4j()
    try:
        reader.ensure_schema()
        reader.write_document(load_file(SAMPLE).batch)
        assert len(reader.search_snapshot().documents()) == 1
        writer.write_document(load_file(SECOND).batch)
        assert len(reader.search_snapshot().documents()) == 1  # a fixed view until told
        reader.forget_cached_reads()
        assert len(reader.search_snapshot().documents()) == 2
    finally:
        reader.close()
        writer.close()


def test_sentence_rows_are_found_by_id_and_unknown_or_overlong_ids_are_not() -> None:
    """Sentence ids are held as sorted fixed-width bytes: an id longer than the width must not
    match its truncation, and mentions of unknown sentences are dropped."""
    from graph.snapshot import GraphSnapshot

    rows = [("sent_b", "t1", 1, "第二句", 0, 3), ("sent_a", "t1", 0, "第一句", 0, 3), ("s", "t2", 0, "短", 0, 1)]
    snapshot = GraphSnapshot(nodes={}, tasks={}, sentences=rows, task_links=[("t1", "INVOLVES", "e1")],
                             mentions=[("sent_a", "e1"), ("sent_b", "e1"), ("sent_a", "e1"), ("gone", "e1")],
                             place_parts=[])
    found = snapshot.sentences(["sent_a", "sent_bx", "sent_", "s", "nope", "sent_b"])
    assert {k: v.text for k, v in found.items()} == {"sent_a": "第一句", "s": "短", "sent_b": "第二句"}
    assert snapshot.sentence_count == 3
    assert snapshot._mention_rows["e1"].tolist() == [1, 2]  # sorted ids: s, sent_a, sent_b
    empty = GraphSnapshot(nodes={}, tasks={}, sentences=[], task_links=[], mentions=[("x", "e")],
                          place_parts=[])
    assert empty.sentences(["x"]) == {} and empty.sentence_count == 0
