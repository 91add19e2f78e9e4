"""A document's write must not cost time in proportion to the store: no statement of it may
scan the Sentence table (the largest) on LadybugDB. A comma pattern ``MATCH (a {id: r.s}), (b
{id: r.e})`` and ``... WHERE NOT s.id IN $keep`` over a document's sentences both did, and made
the last 45 documents of four times the corpus take 55 s to write instead of 8 s
(bench/scale.py). LadybugDB's EXPLAIN shows the plan of each statement."""

import re
from pathlib import Path

from graph.embedded import EmbeddedGraphStore
from loaders.files import load_bytes, load_file
from tests.conftest import SAMPLE

_BOX_EDGE = "│"


def scanned_tables(plan: str) -> set[str]:
    """The tables a plan's SCAN_NODE_TABLE operators read. EXPLAIN draws operators as boxes
    side by side: a box's lines below its name, in the same columns, hold ``Tables: X``."""
    lines = plan.splitlines()
    found: set[str] = set()
    for row, line in enumerate(lines):
        for match in re.finditer(r"SCAN_NODE_TABLE\[\d+\]", line):
            left = line.rfind(_BOX_EDGE, 0, match.start())
            right = line.find(_BOX_EDGE, match.end())
            for below in lines[row + 1:row + 4]:
                if tables := re.search(r"Tables: ([\w, ]+)", below[left:right]):
                    found.update(t.strip() for t in tables.group(1).split(","))
    return found


def test_the_plan_reader_sees_a_scan(tmp_path: Path) -> None:
    store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    try:
        store.ensure_schema()
        plan = _plan(store, "MATCH (a:Task {doc_id: $doc}), (b:Sentence {id: $id}) RETURN a, b",
                     {"doc": "d", "id": "s"})
        assert "Sentence" in scanned_tables(plan) or "Task" in scanned_tables(plan)
        by_key = _plan(store, "UNWIND $ids AS i MATCH (s:Sentence {id: i}) RETURN s", {"ids": ["s"]})
        assert scanned_tables(by_key) == set()
    finally:
        store.close()


def test_no_statement_of_a_document_write_scans_the_sentences(tmp_path: Path) -> None:
    store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    try:
        store.ensure_schema()
        sample = load_file(SAMPLE).batch
        store.write_document(sample)
        # Written again as if it had held a task and a sentence more (stale ones to delete),
        # and all but its last task (kept ones to update, new ones to create).
        again = load_bytes(SAMPLE.name, SAMPLE.read_bytes()).batch
        assert again.document.id == sample.document.id
        before_tasks = {t.id for t in sample.tasks[:-1]} | {"task_gone"}
        before_sentences = {s.id for s in sample.sentences if s.task_id in before_tasks} | {"sent_gone"}
        statements = store._document_statements(again, before_tasks, before_sentences)
        assert any("CREATE (n:Sentence" in q for q, _ in statements)
        assert any("DETACH DELETE s" in q and p.get("ids") == ["sent_gone"] for q, p in statements)
        for query, parameters in statements:
            scans = scanned_tables(_plan(store, query, parameters))
            assert "Sentence" not in scans, query
    finally:
        store.close()


def _plan(store: EmbeddedGraphStore, query: str, parameters: dict[str, object]) -> str:
    result = store._connection().execute("EXPLAIN " + query, parameters)
    return "".join(str(row[0]) for row in result.get_all())
