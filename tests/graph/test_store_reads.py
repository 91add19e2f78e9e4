"""The read methods behind the HTTP API, run against every backend. The tests build their own
entities (a small GraphBatch on top of the sample) so they do not depend on extraction."""

import pytest

from graph.base import MAX_NEIGHBOURHOOD_DEPTH, GraphStore
from graph.errors import QueryError
from graph.ids import entity_id
from graph.models import GraphBatch, Institution, Place, Programme, Relation, Target
from loaders.files import load_bytes, load_file
from tests.conftest import SAMPLE

SHANGHAI = Place(id=entity_id("Place", "上海"), name="上海", name_en="Shanghai",
                 aliases=["沪", "上海市"], level="province")
DELTA = Place(id=entity_id("Place", "长三角"), name="长三角", name_en="Yangtze River Delta",
              aliases=["长江三角洲"], level="region")
ACADEMY = Institution(id=entity_id("Institution", "西北工业大学太仓长三角研究院"),
                      name="西北工业大学太仓长三角研究院", aliases=["西工大太仓研究院"])
DUAL = Programme(id=entity_id("Programme", "双元制"), name="双元制", aliases=["双元制职业教育"])
SHANGHAI_SCHOOL = Programme(id=entity_id("Programme", "上海学校合作"), name="上海学校合作")
TARGET = Target(id=entity_id("Target", "培训100名兼职心理教师"), text="培训100名兼职心理教师",
                value_min=100, value_max=100, unit="名", counts="兼职心理教师", year=2021)


def rel(type_: str, start_label: str, start_id: str, end_label: str, end_id: str) -> Relation:
    return Relation(type=type_, start_label=start_label, start_id=start_id,  # type: ignore[arg-type]
                    end_label=end_label, end_id=end_id)  # type: ignore[arg-type]


STRUCTURE = ("HAS_SECTION", "HAS_TASK", "HAS_SENTENCE", "CITES", "ISSUED_BY", "SENT_TO",
             "COPIED_TO")


def structure_only(batch: GraphBatch) -> GraphBatch:
    relations = [r for r in batch.relations if r.type in STRUCTURE
                 and r.end_label in ("Section", "Task", "Sentence", "PolicyDocument",
                                     "Institution")
]
    header = {r.end_id for r in relations if r.end_label == "Institution"}
    return batch.model_copy(update={
        "relations": relations, "institutions": [i for i in batch.institutions if i.id in header],
        "programmes": [], "places": [], "targets": []})


def enriched_sample() -> GraphBatch:
    """The sample's outline, header and citations, with only these entities linked to tasks
    9, 13, 15 and 17 (whatever the extractor finds is left out)."""
    batch = structure_only(load_file(SAMPLE).batch)
    task = {t.number: t for t in batch.tasks}
    first_sentence = {s.task_id: s for s in batch.sentences if s.ordinal == 0}
    relations = [
        rel("CONCERNS", "Task", task[15].id, "Place", SHANGHAI.id),
        rel("CONCERNS", "Task", task[17].id, "Place", SHANGHAI.id),
        rel("PART_OF", "Place", SHANGHAI.id, "Place", DELTA.id),
        rel("INVOLVES", "Task", task[13].id, "Institution", ACADEMY.id),
        rel("LED_BY", "Task", task[13].id, "Institution", ACADEMY.id),
        rel("INVOLVES", "Task", task[15].id, "Institution", ACADEMY.id),
        rel("ADVANCES", "Task", task[13].id, "Programme", DUAL.id),
        rel("ADVANCES", "Task", task[15].id, "Programme", SHANGHAI_SCHOOL.id),
        rel("SETS", "Task", task[9].id, "Target", TARGET.id),
        rel("MENTIONS", "Sentence", first_sentence[task[15].id].id, "Place", SHANGHAI.id),
    ]
    return batch.model_copy(update={
        "places": [SHANGHAI, DELTA], "institutions": [*batch.institutions, ACADEMY],
        "programmes": [DUAL, SHANGHAI_SCHOOL], "targets": [TARGET],
        "relations": [*batch.relations, *relations],
    })


@pytest.fixture
def store(graph_store: GraphStore) -> GraphStore:
    graph_store.write_document(enriched_sample())
    return graph_store


def task_id(batch: GraphBatch, number: int) -> str:
    return next(t.id for t in batch.tasks if t.number == number)


def test_document_summaries_count_the_outline(store: GraphStore) -> None:
    batch = enriched_sample()
    [summary] = store.document_summaries()
    assert summary.document.id == batch.document.id
    assert (summary.sections, summary.tasks, summary.sentences) == (
        len(batch.sections), len(batch.tasks), len(batch.sentences))
    cited_id = batch.cited_documents[0].id
    assert store.document_summaries([batch.document.id, cited_id, "doc_unknown"]) == [summary]
    assert store.document_summaries(["doc_unknown"]) == []


def test_document_detail_lists_the_outline_in_document_order(store: GraphStore) -> None:
    batch = enriched_sample()
    detail = store.document_detail(batch.document.id)
    assert detail is not None
    assert [s.label for s in detail.sections] == ["一", "二", "三", "四", "五", "六"]
    assert [t.number for t in detail.tasks] == list(range(25))
    assert detail.tasks[0].path == "前言"
    assert [i.name for i in detail.institutions["ISSUED_BY"]] == ["太仓市教育局"]
    assert len(detail.institutions["COPIED_TO"]) == 5
    titles = [d.title for d in detail.cites]
    assert "太仓市中招工作科学管理考评办法" in titles and titles == sorted(titles)
    assert detail.cited_by == []
    assert store.document_detail("doc_unknown") is None
    cited = store.document_detail(batch.cited_documents[0].id)
    assert cited is not None and not cited.summary.document.ingested
    assert (cited.summary.tasks, cited.sections, cited.tasks) == (0, [], [])
    assert [d.id for d in cited.cited_by] == [batch.document.id]


def test_document_detail_shows_who_cites_a_document(graph_store: GraphStore) -> None:
    cited = load_bytes("a.txt", "甲市教育局\n甲教〔2020〕1号\n关于印发《甲方案》的通知\n\n1.做好工作。\n".encode()).batch
    citing = load_bytes("c.txt", "市局\n市教〔2021〕3号\n关于印发《丙方案》的通知\n\n1.落实《甲方案》。\n".encode()).batch
    placeholder = citing.cited_documents[0]
    relations = [r.model_copy(update={"end_id": cited.document.id})
                 if r.end_id == placeholder.id else r for r in citing.relations]
    graph_store.write_document(cited)
    graph_store.write_document(citing.model_copy(update={"cited_documents": [],
                                                         "relations": relations}))
    detail = graph_store.document_detail(cited.document.id)
    assert detail is not None and [d.id for d in detail.cited_by] == [citing.document.id]


def test_get_task_returns_context_and_sentences_in_order(store: GraphStore) -> None:
    batch = enriched_sample()
    detail = store.get_task(task_id(batch, 15))
    assert detail is not None
    assert detail.context.task.number == 15
    assert [p.name for p in detail.context.places] == ["上海"]
    assert [i.name for i in detail.context.institutions] == ["西北工业大学太仓长三角研究院"]
    expected = sorted((s for s in batch.sentences if s.task_id == task_id(batch, 15)),
                      key=lambda s: s.ordinal)
    assert detail.sentences == expected
    assert store.get_task("task_unknown") is None


@pytest.mark.parametrize(("query", "expected"), [
    ("上海", SHANGHAI.id), ("沪", SHANGHAI.id), ("shanghai", SHANGHAI.id),
    ("YANGTZE", DELTA.id), ("西工大", ACADEMY.id), ("心理教师", TARGET.id),
])
def test_search_entities_matches_names_aliases_and_english(store: GraphStore, query: str,
                                                           expected: str) -> None:
    page = store.search_entities(query, ["Institution", "Programme", "Place", "Target"])
    assert expected in [e.id for e in page.entities]
    assert page.total == len(page.entities)


def test_search_entities_filters_by_type_and_puts_exact_matches_first(store: GraphStore) -> None:
    everything = store.search_entities("上海", ["Place", "Programme", "Institution"])
    assert next(e.id for e in everything.entities) == SHANGHAI.id
    assert {e.label for e in everything.entities} == {"Place", "Programme"}
    places = store.search_entities("上海", ["Place"])
    assert [e.id for e in places.entities] == [SHANGHAI.id]
    assert places.entities[0].tasks == 2 and places.entities[0].name_en == "Shanghai"
    assert store.search_entities("上海", ["Target"]).total == 0


def test_search_entities_pages_and_lists_all_without_a_query(store: GraphStore) -> None:
    everything = store.search_entities(None, ["Place", "Programme"])
    assert everything.total == 4
    # Most linked tasks first: Shanghai (2 tasks), then the one-task programmes, then 长三角.
    assert next(e.id for e in everything.entities) == SHANGHAI.id
    assert everything.entities[-1].id == DELTA.id
    page = store.search_entities("", ["Place", "Programme"], limit=2, offset=1)
    assert page.total == 4 and [e.id for e in page.entities] == [
        e.id for e in everything.entities[1:3]]


def test_search_entities_treats_the_query_as_a_value(store: GraphStore) -> None:
    for hostile in ("' OR 1=1 //", "x}) DETACH DELETE e //", "\\", "上海'"):
        assert store.search_entities(hostile, ["Place"]).total == 0
    assert store.counts().nodes["Place"] == 2


def test_get_entity_lists_linked_tasks_with_their_relations(store: GraphStore) -> None:
    batch = enriched_sample()
    detail = store.get_entity(ACADEMY.id)
    assert detail is not None and detail.entity.label == "Institution"
    assert [(t.number, t.relations) for t in detail.tasks] == [
        (13, ["INVOLVES", "LED_BY"]), (15, ["INVOLVES"])]
    assert detail.tasks[0].document_title == batch.document.title
    assert detail.documents == []
    issuer = store.search_entities("太仓市教育局", ["Institution"]).entities[0]
    issuer_detail = store.get_entity(issuer.id)
    assert issuer_detail is not None
    assert [(d.id, d.relations) for d in issuer_detail.documents] == [
        (batch.document.id, ["ISSUED_BY"])]
    assert store.get_entity("place_unknown") is None
    assert store.get_entity(batch.document.id) is None  # a document is not an entity


def test_neighbourhood_of_a_place_at_depth_one(store: GraphStore) -> None:
    batch = enriched_sample()
    hood = store.neighbourhood(SHANGHAI.id, depth=1)
    assert hood is not None and hood.nodes[0].id == SHANGHAI.id
    assert hood.nodes[0].labels == ["Place"] and hood.nodes[0].properties["name_en"] == "Shanghai"
    assert {n.id for n in hood.nodes[1:]} == {task_id(batch, 15), task_id(batch, 17), DELTA.id}
    assert {(r.type, r.start, r.end) for r in hood.relationships} == {
        ("CONCERNS", task_id(batch, 15), SHANGHAI.id),
        ("CONCERNS", task_id(batch, 17), SHANGHAI.id),
        ("PART_OF", SHANGHAI.id, DELTA.id)}
    assert not hood.truncated


def test_neighbourhood_deeper_reaches_sections_and_leaves_out_sentences(store: GraphStore) -> None:
    batch = enriched_sample()
    hood = store.neighbourhood(SHANGHAI.id, depth=2)
    assert hood is not None
    labels = {n.labels[0] for n in hood.nodes}
    assert {"Section", "Programme", "Institution"} <= labels and "Sentence" not in labels
    ids = {n.id for n in hood.nodes}
    assert all(r.start in ids and r.end in ids for r in hood.relationships)
    with_sentences = store.neighbourhood(SHANGHAI.id, depth=1, include_sentences=True)
    assert with_sentences is not None
    assert any(n.labels == ["Sentence"] for n in with_sentences.nodes)
    deep = store.neighbourhood(SHANGHAI.id, depth=99)
    assert deep is not None and deep.depth == MAX_NEIGHBOURHOOD_DEPTH
    assert batch.document.id in {n.id for n in deep.nodes}


def test_neighbourhood_stops_at_the_node_cap(store: GraphStore) -> None:
    batch = enriched_sample()
    hood = store.neighbourhood(batch.document.id, depth=2, max_nodes=5)
    assert hood is not None and hood.truncated and len(hood.nodes) == 5
    assert store.neighbourhood("task_unknown") is None


def test_stats_count_ingested_and_cited_documents(store: GraphStore) -> None:
    batch = enriched_sample()
    stats = store.stats()
    assert stats.documents == 1 and stats.cited_documents == len(batch.cited_documents)
    assert stats.counts == store.counts()
    assert stats.counts.nodes["Place"] == 2 and stats.counts.relationships["PART_OF"] == 1


def test_run_read_refuses_a_result_over_the_size_limit(store: GraphStore) -> None:
    small = store.run_read("MATCH (t:Task) RETURN t.id", max_bytes=100_000)
    assert len(small.rows) == 25
    with pytest.raises(QueryError, match="larger than 1000 bytes"):
        store.run_read("MATCH (t:Task) RETURN t.text", max_bytes=1000)
