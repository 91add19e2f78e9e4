"""One behaviour suite, run against every GraphStore backend (embedded LadybugDB and Neo4j)."""

import pytest

from graph.base import GraphStore
from graph.errors import QueryError, ReadOnlyViolationError
from graph.ids import entity_id
from graph.models import GraphBatch, Institution, Relation
from loaders.files import load_bytes, load_file
from tests.conftest import CORPUS, SAMPLE


def sample_batch() -> GraphBatch:
    return load_file(SAMPLE).batch


def one_value(store: GraphStore, query: str) -> object:
    return store.run_read(query).rows[0][0]


def test_ensure_schema_twice_is_harmless(graph_store: GraphStore) -> None:
    graph_store.ensure_schema()
    assert graph_store.counts().total_nodes == 0


def test_sample_gives_24_numbered_tasks_and_6_sections(graph_store: GraphStore) -> None:
    graph_store.write_document(sample_batch())
    assert one_value(graph_store, "MATCH (t:Task) WHERE t.number > 0 RETURN count(t)") == 24
    assert one_value(graph_store, "MATCH (s:Section) RETURN count(s)") == 6
    assert one_value(graph_store,
                     "MATCH (:PolicyDocument)-[:HAS_SECTION]->(:Section)-[:HAS_TASK]->(t:Task) "
                     "RETURN count(t)") == 24


def test_document_node_carries_number_date_and_title(graph_store: GraphStore) -> None:
    graph_store.write_document(sample_batch())
    row = graph_store.run_read(
        "MATCH (d:PolicyDocument {ingested: true}) "
        "RETURN d.doc_number, d.issued_date, d.title, d.issuer, d.year").rows
    assert row == [["太教〔2021〕1号", "2021-02-18", "2021年度教育工作要点", "太仓市教育局", 2021]]


def test_task_20_holds_the_split_title_unbroken(graph_store: GraphStore) -> None:
    graph_store.write_document(sample_batch())
    rows = graph_store.run_read(
        "MATCH (t:Task {number: 20}) RETURN t.text CONTAINS $title",
        {"title": "太仓市中招工作科学管理考评办法"}).rows
    assert rows == [[True]]


def test_writing_the_same_document_twice_changes_no_count(graph_store: GraphStore) -> None:
    batch = sample_batch()
    graph_store.write_document(batch)
    first = graph_store.counts()
    write = graph_store.write_document(batch)
    assert graph_store.counts() == first
    assert write.removed_task_ids == [] and write.removed_sentence_ids == []
    assert first.nodes["Sentence"] == len(batch.sentences)
    assert first.relationships["HAS_SENTENCE"] == len(batch.sentences)


def test_a_revision_and_back_gives_the_first_counts_and_a_repeated_edge_is_written_once(
        graph_store: GraphStore) -> None:
    """Edges that cannot exist yet are CREATEd, not MERGEd (LadybugDB's MERGE scans every edge
    of its type): rewriting, revising and restoring a document must still leave each edge once,
    and a relation the batch lists twice is one edge."""
    original = SAMPLE.read_text("utf-8")
    batch = load_bytes(SAMPLE.name, original.encode()).batch
    batch.relations.append(batch.relations[-1])  # listed twice
    mentions = next(r for r in batch.relations if r.type == "MENTIONS")
    batch.relations.append(mentions)
    graph_store.write_document(batch)
    first = graph_store.counts()
    assert first.relationships["HAS_SENTENCE"] == len(batch.sentences)
    revised = original.replace("加快推进 2020 年结转", "加快推进2020年度结转").replace(
        "24.构建民办教育良好生态", "24.构建民办教育良好生态。新增一句话")
    graph_store.write_document(load_bytes(SAMPLE.name, revised.encode()).batch)
    assert graph_store.counts() != first
    graph_store.write_document(batch)
    assert graph_store.counts() == first


def test_header_institutions_are_linked(graph_store: GraphStore) -> None:
    graph_store.write_document(sample_batch())
    rows = graph_store.run_read(
        "MATCH (d:PolicyDocument)-[:ISSUED_BY]->(i:Institution) RETURN i.name").rows
    assert rows == [["太仓市教育局"]]
    assert one_value(graph_store, "MATCH (:PolicyDocument)-[:COPIED_TO]->(i) RETURN count(i)") == 5
    assert one_value(graph_store, "MATCH (:PolicyDocument)-[:SENT_TO]->(i) RETURN count(i)") == 2


def test_cited_documents_are_nodes_and_never_the_document_itself(graph_store: GraphStore) -> None:
    batch = sample_batch()
    graph_store.write_document(batch)
    titles = {r[0] for r in graph_store.run_read(
        "MATCH (:PolicyDocument {ingested: true})-[:CITES]->(c:PolicyDocument) "
        "RETURN c.title").rows}
    assert "太仓市中招工作科学管理考评办法" in titles
    assert "2021年度教育工作要点" not in titles
    assert one_value(graph_store,
                     "MATCH (d:PolicyDocument {ingested: true})-[:CITES]->(d) RETURN count(d)") == 0


def test_rewrite_removes_vanished_tasks_and_keeps_unchanged_ids(graph_store: GraphStore) -> None:
    original = SAMPLE.read_text("utf-8")
    graph_store.write_document(load_bytes(SAMPLE.name, original.encode()).batch)
    before = {r[0]: r[1] for r in graph_store.run_read(
        "MATCH (t:Task) RETURN t.path, t.id").rows}
    start = original.index("24.构建民办教育良好生态")
    revised = original[:start].rstrip() + "\n"  # task 24 withdrawn
    revised = revised.replace("加快推进 2020 年结转", "加快推进2020年度结转")  # task 6 edited
    write = graph_store.write_document(load_bytes(SAMPLE.name, revised.encode()).batch)
    after = {r[0]: r[1] for r in graph_store.run_read(
        "MATCH (t:Task) RETURN t.path, t.id").rows}
    assert set(before) - set(after) == {"六/24"}
    assert write.removed_task_ids == [before["六/24"]]
    assert all(after[p] == before[p] for p in after)
    text6 = graph_store.run_read("MATCH (t:Task {path: '二/6'}) RETURN t.text").rows[0][0]
    assert "2020年度结转" in text6
    assert one_value(graph_store, "MATCH (t:Task {number: 24}) RETURN count(t)") == 0


def _two_documents_sharing(name: str) -> tuple[GraphBatch, GraphBatch]:
    text_a = "甲市教育局\n甲教〔2020〕1号\n关于印发《甲方案》的通知\n\n一、工作\n\n1.落实《共同文件》。\n"
    text_b = "乙市教育局\n乙教〔2020〕2号\n关于印发《乙方案》的通知\n\n一、工作\n\n1.落实《共同文件》。\n"
    shared = Institution(id=entity_id("Institution", name), name=name)
    batches = []
    for text, fname in ((text_a, "a.txt"), (text_b, "b.txt")):
        batch = load_bytes(fname, text.encode()).batch
        batch.institutions.append(shared)
        batch.relations.append(Relation(type="INVOLVES", start_label="Task",
                                        start_id=batch.tasks[0].id, end_label="Institution",
                                        end_id=shared.id))
        batches.append(batch)
    return batches[0], batches[1]


def test_delete_document_keeps_entities_other_documents_use(graph_store: GraphStore) -> None:
    a, b = _two_documents_sharing("共同研究院")
    graph_store.write_document(a)
    graph_store.write_document(b)
    deleted = graph_store.delete_document(a.document.id)
    assert deleted is not None and len(deleted.removed_task_ids) == 1
    assert graph_store.get_document(a.document.id) is None
    assert one_value(graph_store,
                     "MATCH (i:Institution {name: '共同研究院'}) RETURN count(i)") == 1
    assert one_value(graph_store,
                     "MATCH (c:PolicyDocument {title: '共同文件'}) RETURN count(c)") == 1
    assert one_value(graph_store,
                     "MATCH (t:Task) RETURN count(t)") == len(b.tasks)
    graph_store.delete_document(b.document.id)
    assert graph_store.counts().total_nodes == 0
    assert graph_store.counts().total_relationships == 0


def test_deleting_a_cited_document_keeps_it_as_cited_only(graph_store: GraphStore) -> None:
    citing = load_bytes("c.txt", "市局\n市教〔2021〕3号\n关于印发《丙方案》的通知\n\n1.落实《甲方案》。\n".encode()).batch
    cited = load_bytes("a.txt", "甲市教育局\n甲教〔2020〕1号\n关于印发《甲方案》的通知\n\n1.做好工作。\n".encode()).batch
    graph_store.write_document(cited)
    # The citing document resolves 《甲方案》 to the ingested node, as ingest does.
    placeholder = citing.cited_documents[0]
    relations = [r.model_copy(update={"end_id": cited.document.id})
                 if r.end_id == placeholder.id else r for r in citing.relations]
    citing = citing.model_copy(update={"cited_documents": [], "relations": relations})
    graph_store.write_document(citing)
    assert graph_store.delete_document(cited.document.id) is not None
    node = graph_store.get_document(cited.document.id)
    assert node is not None and node.ingested is False and node.title == "甲方案"
    assert graph_store.delete_document(cited.document.id) is None


def test_a_citation_never_downgrades_an_ingested_document(graph_store: GraphStore) -> None:
    batch = sample_batch()
    graph_store.write_document(batch)
    other = load_bytes("x.txt", "某局\n某教〔2021〕9号\n关于印发《某方案》的通知\n\n1.落实工作。\n".encode()).batch
    cited_self = batch.document.model_copy(update={"ingested": False, "issuer": None})
    graph_store.write_document(other.model_copy(update={"cited_documents": [cited_self]}))
    node = graph_store.get_document(batch.document.id)
    assert node is not None and node.ingested is True and node.issuer == "太仓市教育局"


def test_task_contexts_return_document_section_and_citations(graph_store: GraphStore) -> None:
    batch = sample_batch()
    graph_store.write_document(batch)
    task20 = next(t for t in batch.tasks if t.number == 20)
    contexts = graph_store.task_contexts([task20.id, "task_unknown"])
    assert list(contexts) == [task20.id]
    context = contexts[task20.id]
    assert context.task == task20
    assert context.document.doc_number == "太教〔2021〕1号"
    assert context.section is not None and context.section.label == "六"
    assert [d.title for d in context.documents] == ["太仓市中招工作科学管理考评办法",
                                                    "标准化考点设施设备管理制度"]


def test_sentences_round_trip(graph_store: GraphStore) -> None:
    batch = sample_batch()
    graph_store.write_document(batch)
    wanted = [batch.sentences[0].id, batch.sentences[-1].id, "sent_unknown"]
    found = graph_store.sentences(wanted)
    assert found == {s.id: s for s in (batch.sentences[0], batch.sentences[-1])}
    assert len(graph_store.document_sentences(batch.document.id)) == len(batch.sentences)


WRITES = [
    "CREATE (n:Task {id: 'x'})",
    "MATCH (t:Task) MERGE (t)-[:CITES]->(:PolicyDocument {id: 'y'})",
    "MATCH (t:Task) SET t.title = 'changed'",
    "MATCH (t:Task) DETACH DELETE t",
    "MATCH (s:Sentence) DELETE s",
    "MATCH (t:Task) REMOVE t.title",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "CALL db.clearQueryCaches()",
    "CALL apoc.create.node(['X'], {})",
    "DROP CONSTRAINT task_id",
    "match (t:Task) set t.title = 'lower case'",
]


@pytest.mark.parametrize("query", WRITES)
def test_run_read_refuses_every_write(graph_store: GraphStore, query: str) -> None:
    graph_store.write_document(sample_batch())
    before = graph_store.counts()
    with pytest.raises(ReadOnlyViolationError):
        graph_store.run_read(query)
    assert graph_store.counts() == before
    assert one_value(graph_store, "MATCH (t:Task {number: 1}) RETURN t.title") == "夯实基层党建基础"


def test_run_read_returns_nodes_and_relationships_as_json(graph_store: GraphStore) -> None:
    graph_store.write_document(sample_batch())
    result = graph_store.run_read(
        "MATCH (s:Section {label: '一'})-[r:HAS_TASK]->(t:Task {number: 1}) RETURN s, r, t.number AS n")
    assert result.columns == ["s", "r", "n"]
    section, rel, number = result.rows[0]
    assert section["labels"] == ["Section"] and section["properties"]["level"] == 1
    assert rel["type"] == "HAS_TASK" and rel["start"] == section["id"]
    assert rel["end"].startswith("task_") and number == 1


def test_run_read_enforces_row_limit_and_reports_bad_queries(graph_store: GraphStore) -> None:
    graph_store.write_document(sample_batch())
    with pytest.raises(QueryError, match="more than 10 rows"):
        graph_store.run_read("MATCH (s:Sentence) RETURN s.id", max_rows=10)
    with pytest.raises(QueryError):
        graph_store.run_read("MATCH (t:Task RETURN t")


def test_failed_write_leaves_the_store_as_it_was(graph_store: GraphStore) -> None:
    graph_store.write_document(sample_batch())
    before = graph_store.counts()
    statements = [("MATCH (t:Task) DETACH DELETE t", {}), ("THIS IS NOT CYPHER", {})]
    with pytest.raises(QueryError):
        graph_store._write(statements)  # type: ignore[attr-defined]
    assert graph_store.counts() == before


def test_list_documents_holds_ingested_ones_unless_cited_are_asked_for(
        graph_store: GraphStore) -> None:
    batch = sample_batch()
    graph_store.write_document(batch)
    assert [d.id for d in graph_store.list_documents()] == [batch.document.id]
    everything = graph_store.list_documents(ingested_only=False)
    assert len(everything) == 1 + len(batch.cited_documents)
    found = graph_store.find_documents(["太教[2021]1号"], [])
    assert [d.id for d in found] == [batch.document.id]


def test_columns_are_named_as_written_in_return(graph_store: GraphStore) -> None:
    graph_store.write_document(sample_batch())
    result = graph_store.run_read(
        "MATCH (t:Task) WHERE t.number > 0 RETURN count(t), max(t.number) AS top, count(DISTINCT t.doc_id)")
    assert result.columns == ["count(t)", "top", "count(DISTINCT t.doc_id)"]
    assert result.rows == [[24, 24, 1]]


def test_the_places_a_document_writes_are_the_places_the_store_keeps(graph_store: GraphStore) -> None:
    """Pruning keeps concerned places, their ancestors and the members of concerned groupings:
    exactly what the records hold, so no write creates places that its own prune deletes."""
    batch = load_file(SAMPLE).batch
    graph_store.write_document(batch)
    counts = graph_store.counts()
    part_of = {r for r in batch.relations if r.type == "PART_OF"}
    assert counts.nodes["Place"] == len(batch.places) >= 10
    assert counts.relationships["PART_OF"] == len(part_of)
    other = load_bytes("other.txt", "一、合作\n1.与浙江开展合作交流。\n".encode())
    graph_store.write_document(other.batch)
    graph_store.delete_document(other.batch.document.id)
    after = graph_store.counts()
    # Geography is shared: 浙江 -> 长三角, written by the other document, may stay as a fact
    # between two places the sample keeps; no place is left behind.
    assert after.nodes == counts.nodes
    assert {k: v for k, v in after.relationships.items() if k != "PART_OF"} == {
        k: v for k, v in counts.relationships.items() if k != "PART_OF"}


def _nantong_batch() -> GraphBatch:
    return load_file(CORPUS / "nantong_2018_school-aesthetic-and-pe-implementation-opinions.txt").batch


def test_a_notice_that_issues_two_opinions_has_a_node_for_each(graph_store: GraphStore) -> None:
    """南通's notice prints two opinions: each is a PolicyDocument the notice ISSUES, with its
    own outline (and so its own tasks), issuers, level and jurisdiction; the list of stored
    documents holds the notice alone, and deleting the notice removes them."""
    batch = _nantong_batch()
    graph_store.write_document(batch)
    graph_store.write_document(batch)  # again: nothing doubles
    rows = graph_store.run_read(
        "MATCH (n:PolicyDocument)-[:ISSUES]->(o:PolicyDocument) "
        "MATCH (o)-[:HAS_SECTION*1..4]->(:Section)-[:HAS_TASK]->(t:Task) "
        "MATCH (o)-[:JURISDICTION]->(p:Place) "
        "RETURN n.doc_number, o.title, o.level, o.year, p.name, count(DISTINCT t) AS tasks "
        "ORDER BY o.title").rows
    assert [r[:5] for r in rows] == [
        ["通政办发〔2018〕25号", "关于全面加强和改进中小学美育工作的实施意见", "municipal", 2018, "南通"],
        ["通政办发〔2018〕25号", "关于强化中小学体育促进学生身心健康全面发展的实施意见", "municipal", 2018, "南通"]]
    assert all(r[5] > 10 for r in rows)
    tasks = one_value(graph_store, "MATCH (t:Task) RETURN count(t)")
    assert rows[0][5] + rows[1][5] == tasks  # every task belongs to one of them
    assert one_value(graph_store, "MATCH (o:PolicyDocument)-[:ISSUED_BY]->(:Institution) "
                                  "WHERE o.notice_id IS NOT NULL RETURN count(o)") == 2
    assert [d.id for d in graph_store.list_documents()] == [batch.document.id]
    assert graph_store.delete_document(batch.issued_documents[0].id) is None  # it goes with the notice
    assert graph_store.delete_document(batch.document.id) is not None
    assert one_value(graph_store, "MATCH (d:PolicyDocument) WHERE d.notice_id IS NOT NULL RETURN count(d)") == 0
    assert one_value(graph_store, "MATCH (d:PolicyDocument {ingested: true}) RETURN count(d)") == 0


def test_rehearsing_a_write_writes_nothing(graph_store: GraphStore) -> None:
    """``prime_writes`` runs a write's statements only to prepare them (embedded: rolled
    back): the graph, with or without a stored version of the document, is as it was."""
    empty = graph_store.counts()
    batch = sample_batch()
    graph_store.prime_writes(batch)
    assert graph_store.counts() == empty
    assert graph_store.list_documents() == []
    graph_store.write_document(batch)
    stored = graph_store.counts()
    changed = load_bytes("plan.txt", "一、总体要求\n1. 推进上海合作。\n".encode())
    graph_store.prime_writes(changed.batch.model_copy(update={"document": batch.document}))
    assert graph_store.counts() == stored
    assert one_value(graph_store, "MATCH (t:Task {number: 20}) RETURN count(t)") == 1
