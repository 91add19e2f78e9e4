"""The store's in-memory copy of documents, sections and entities (read for every search result
page) never serves a stale record: its own writes drop it, and records written by another
process are read when a page needs them."""

from graph.base import GraphStore
from loaders.files import load_bytes, load_file
from tests.conftest import SAMPLE, connect_neo4j, wipe_neo4j

OTHER = SAMPLE.read_bytes().replace("太教〔2021〕1号".encode(), "太教〔2021〕9号".encode()).replace(
    "深化教育开放合作".encode(), "深化教育对外合作".encode())


def test_writes_through_the_store_refresh_what_it_keeps(graph_store: GraphStore) -> None:
    sample = load_file(SAMPLE).batch
    graph_store.write_document(sample)
    first = graph_store.task_contexts([t.id for t in sample.tasks])
    assert {c.document.doc_number for c in first.values()} == {"太教〔2021〕1号"}

    other = load_bytes("other.txt", OTHER).batch
    graph_store.write_document(other)
    contexts = graph_store.task_contexts([t.id for t in other.tasks])
    assert {c.document.doc_number for c in contexts.values()} == {"太教〔2021〕9号"}
    assert all(c.section is not None for c in contexts.values() if "/" in c.task.path)

    graph_store.delete_document(sample.document.id)
    assert graph_store.task_contexts([t.id for t in sample.tasks]) == {}


def test_a_document_another_process_wrote_is_read_when_needed() -> None:
    wipe_neo4j()
    reader, writer = connect_neo4j(), connect_neo4j()
    try:
        reader.ensure_schema()
        sample = load_file(SAMPLE).batch
        reader.write_document(sample)
        reader.task_contexts([sample.tasks[0].id])  # fills the reader's copy

        other = load_bytes("other.txt", OTHER).batch
        writer.write_document(other)
        contexts = reader.task_contexts([t.id for t in other.tasks])
        assert len(contexts) == len(other.tasks)
        assert {c.document.doc_number for c in contexts.values()} == {"太教〔2021〕9号"}
    finally:
        reader.close()
        writer.close()
