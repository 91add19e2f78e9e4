"""Sections and tasks carry their document order (``ordinal``), on both backends; a database
made before ordinals existed gains the column when it is opened for writing."""

import re
from pathlib import Path

import ladybug

from graph import cypher
from graph.base import GraphStore
from graph.embedded import EmbeddedGraphStore
from loaders.files import load_file
from tests.conftest import SAMPLE


def test_ordinals_follow_the_text(graph_store: GraphStore) -> None:
    graph_store.write_document(load_file(SAMPLE).batch)
    source = re.sub(r"\s+", "", SAMPLE.read_text("utf-8"))
    tasks = graph_store.run_read(
        "MATCH (t:Task) RETURN t.ordinal, t.path, t.text ORDER BY t.ordinal", max_rows=100).rows
    assert [row[0] for row in tasks] == list(range(1, len(tasks) + 1))
    positions = [source.find(re.sub(r"\s+", "", text)[:12]) for _, _, text in tasks]
    assert -1 not in positions and positions == sorted(positions)
    assert tasks[0][1] == "前言"
    sections = graph_store.run_read(
        "MATCH (s:Section) RETURN s.ordinal, s.label ORDER BY s.ordinal").rows
    assert [label for _, label in sections] == ["一", "二", "三", "四", "五", "六"]


def test_an_older_database_gains_the_ordinal_column(tmp_path: Path) -> None:
    path = tmp_path / "graph.lbug"
    database = ladybug.Database(str(path))
    connection = ladybug.Connection(database)
    for statement in cypher.ladybug_schema():
        connection.execute(statement.replace(", `ordinal` INT64", ""))
    connection.execute("CREATE (:Task {id: 't1', doc_id: 'd', number: 1, path: '一/1', "
                       "title: 'x', text: 'y'})")
    database.close()
    store = EmbeddedGraphStore.open(path)
    try:
        store.ensure_schema()
        assert store.run_read("MATCH (t:Task) RETURN t.id, t.ordinal").rows == [["t1", 0]]
        store.write_document(load_file(SAMPLE).batch)
        assert store.run_read("MATCH (t:Task {path: '前言'}) RETURN t.ordinal").rows == [[1]]
    finally:
        store.close()
