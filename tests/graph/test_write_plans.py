"""A document's write must not cost time in proportion to the store. On LadybugDB a comma
pattern ``MATCH (a {id: r.s}), (b {id: r.e})``, ``... WHERE NOT s.id IN $keep``, a ``doc_id``
filter and an UNWIND of ids joined along an edge each read whole tables, and made an ingest slow
down as the store grew (bench/scale.py). EXPLAIN and PROFILE show each statement's plan and the
rows each scan outputs: a full scan outputs the other documents' rows too. What PROFILE cannot
show, a scan masked down to the document's rows that still walks the table, is measured by the
growth of the write's time in bench/scale.py (a level-by-level read of a stored document passed
this test and still grew, which is why a new document is only looked up by key)."""

import re
from collections import Counter
from pathlib import Path

from graph.cypher_store import StoredStructure
from graph.embedded import EmbeddedGraphStore
from graph.models import GraphBatch
from loaders.files import load_bytes, load_file
from tests.conftest import CORPUS, SAMPLE

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


def store_with_the_sample_and_four_others(tmp_path: Path) -> tuple[EmbeddedGraphStore, GraphBatch, list[GraphBatch]]:
    """A store that holds the sample and the corpus' first four documents (the caller closes it)."""
    store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    store.ensure_schema()
    sample = load_file(SAMPLE).batch
    others = [load_file(path).batch for path in sorted(CORPUS.glob("*.txt"))[:4]]
    for batch in [sample, *others]:
        store.write_document(batch)
    return store, sample, others


def recorded_reads(store: EmbeddedGraphStore) -> list[tuple[str, dict[str, object]]]:
    """The store's reads from now on, each (statement, parameters), as they happen."""
    reads: list[tuple[str, dict[str, object]]] = []
    real_read = store._read

    def recording_read(query: str, parameters: dict[str, object] | None = None) -> list[dict[str, object]]:
        reads.append((query, dict(parameters or {})))
        return real_read(query, parameters)

    store._read = recording_read  # type: ignore[method-assign]
    return reads


# Tables a write may scan: documents and their JURISDICTION edges (one or two per file), places
# and their PART_OF edges (bounded by the gazetteer), and the institutions and programmes the
# levels of a document's read link to (LadybugDB reads their ids by a scan; their number grows
# with the corpus' vocabulary, not with its size: replicas of a document add none).
_SCANNABLE = {"PolicyDocument", "JURISDICTION", "Place", "PART_OF", "Institution", "Programme"}


def test_no_read_or_statement_of_a_document_write_scans_a_table_that_grows_with_the_corpus(
        tmp_path: Path) -> None:
    """The sample rewritten into a store that holds four other documents: no operator of any
    read or statement may read a Task, Sentence, Section or Target row of theirs, nor an edge
    of a type whose table grows with the corpus."""
    store, sample, others = store_with_the_sample_and_four_others(tmp_path)
    try:
        reads = recorded_reads(store)
        before = store._stored_structure(sample.document.id)
        assert before.tasks == {t.id for t in sample.tasks}
        assert before.sentences == {s.id for s in sample.sentences}
        assert before.sections == {s.id for s in sample.sections}
        assert {i.id for i in sample.institutions} <= before.linked
        # Written again as if it had held a section more (a stale one to delete).
        again = load_bytes(SAMPLE.name, SAMPLE.read_bytes()).batch
        assert again.document.id == sample.document.id
        stored = StoredStructure(before.sections | {"section_gone"}, before.tasks, before.sentences, before.linked,
                                 before.issued)
        statements = store._document_statements(again, stored, store._existing(again))
        assert any("CREATE (n:Sentence" in q for q, _ in statements)
        assert any("DETACH DELETE x" in q and p.get("ids") == ["section_gone"] for q, p in statements)
        assert len(reads) >= 8
        # Per table, the rows the document itself has: a scan of the table reads the others' too.
        own = Counter({"Task": len(sample.tasks), "Sentence": len(sample.sentences),
                       "Section": len(sample.sections), "Target": len(sample.targets),
                       "Institution": len(sample.institutions), "Programme": len(sample.programmes)})
        own.update(r.type for r in sample.relations)
        for label in ("Task", "Sentence", "Target"):
            assert sum(len(getattr(b, label.lower() + "s")) for b in others) > own[label]
        conn = store._connection()
        conn.execute("BEGIN TRANSACTION")
        try:
            for query, parameters in [*reads, *statements]:
                if query.startswith("MATCH (p:Place) WHERE NOT"):
                    continue  # the place prune: see cypher.prune_orphans
                for table, rows in scan_rows(_profile(store, query, parameters)):
                    assert table in _SCANNABLE or rows <= own[table], (query, table, rows)
        finally:
            conn.execute("ROLLBACK")
    finally:
        store.close()


def test_a_new_document_is_looked_up_by_key_and_nothing_more_is_read(tmp_path: Path) -> None:
    store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    try:
        store.ensure_schema()
        store.write_document(load_file(SAMPLE).batch)
        reads = recorded_reads(store)
        assert store._stored_structure("doc_not_stored") == StoredStructure(set(), set(), set(), set(), set())
        assert len(reads) == 1 and scanned_tables(_plan(store, reads[0][0], {"id": "doc_not_stored"})) == set()
    finally:
        store.close()


def test_only_a_write_that_can_take_an_edge_away_prunes_places(tmp_path: Path) -> None:
    """The place prune scans CONCERNS (it grows with the store): a new document's write, which
    takes no edge away and whose places all stand by its own edges, leaves it out."""
    store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    try:
        store.ensure_schema()
        sample = load_file(SAMPLE).batch
        place_prune = "MATCH (p:Place) WHERE NOT"
        new = store._document_statements(sample, store._stored_structure(sample.document.id),
                                         store._existing(sample))
        assert not any(q.startswith(place_prune) for q, _ in new)
        store.write_document(sample)
        again = store._document_statements(sample, store._stored_structure(sample.document.id),
                                           store._existing(sample))
        assert any(q.startswith(place_prune) for q, _ in again)
    finally:
        store.close()


def test_the_structure_read_from_the_document_node_is_what_its_doc_id_holds(tmp_path: Path) -> None:
    """Every corpus document: its tasks found along HAS_SECTION/HAS_TASK are those whose
    doc_id is its id (a notice's issued documents included)."""
    store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    try:
        store.ensure_schema()
        for path in sorted(CORPUS.glob("*.txt")):
            batch = load_file(path).batch
            store.write_document(batch)
            structure = store._stored_structure(batch.document.id)
            assert structure.tasks == {t.id for t in batch.tasks}, path.name
            assert structure.sections == {s.id for s in batch.sections}, path.name
        by_doc_id = store._read("MATCH (t:Task) RETURN t.doc_id AS d, count(t) AS c")
        assert sum(r["c"] for r in by_doc_id) == sum(
            len(store._stored_structure(r["d"]).tasks) for r in by_doc_id)
    finally:
        store.close()


def scan_rows(profile: str) -> list[tuple[str, int]]:
    """(table, rows output) of each scan operator in a PROFILE: a scan that reads the whole
    table outputs all of its rows; one masked by keys found outputs only those."""
    lines = profile.splitlines()
    found: list[tuple[str, int]] = []
    for row, line in enumerate(lines):
        for match in re.finditer(r"SCAN_(?:NODE|REL)_TABLE\[\d+\]", line):
            left = line.rfind(_BOX_EDGE, 0, match.start())
            right = line.find(_BOX_EDGE, match.end())
            table = None
            for below in lines[row + 1:row + 16]:
                cell = below[left:right]
                if tables := re.search(r"Tables: ([\w, ]+)", cell):
                    table = tables.group(1).strip()
                if (rows := re.search(r"NumOutputTuples: (\d+)", cell)) and table:
                    found.append((table, int(rows.group(1))))
                    break
    return found


def _profile(store: EmbeddedGraphStore, query: str, parameters: dict[str, object]) -> str:
    result = store._connection().execute("PROFILE " + query, parameters)
    return "".join(str(row[0]) for row in result.get_all())


def _plan(store: EmbeddedGraphStore, query: str, parameters: dict[str, object]) -> str:
    result = store._connection().execute("EXPLAIN " + query, parameters)
    return "".join(str(row[0]) for row in result.get_all())


# What the search snapshot's update after a write may scan besides what a write may: the counts
# that check it (one scan of each node table, in the database, no rows to Python); every
# document's edges out (issuers, recipients, citations: a few per document; CITES also holds the
# tasks' citations, scanned in the database and joined away there); and the ids of the targets
# the document's tasks set (LadybugDB reads them by a scan of the Target table, as it does
# institutions'). bench/snapshot_update.py measures how the update grows with the store.
_COUNTED = re.compile(r"^MATCH \(n:\w+\) RETURN count\(n\) AS c$")
_READ_WHOLE = _SCANNABLE | {"ISSUED_BY", "SENT_TO", "COPIED_TO", "CITES", "ISSUES", "Target"}


def test_the_search_snapshot_update_after_a_write_reads_the_written_document_by_key(tmp_path: Path) -> None:
    store, sample, _ = store_with_the_sample_and_four_others(tmp_path)
    try:
        store.search_snapshot()
        store.write_document(load_bytes(SAMPLE.name, SAMPLE.read_bytes()).batch)
        reads = recorded_reads(store)
        store.search_snapshot()
        assert not any("MATCH (s:Sentence) RETURN s.id" in q for q, _ in reads)  # no whole read
        own = Counter({"Task": len(sample.tasks), "Sentence": len(sample.sentences),
                       "Section": len(sample.sections), "Target": len(sample.targets),
                       "Institution": len(sample.institutions), "Programme": len(sample.programmes)})
        own.update(r.type for r in sample.relations)
        checked = 0
        for query, parameters in reads:
            if _COUNTED.match(query):
                continue
            checked += 1
            for table, rows in scan_rows(_profile(store, query, parameters)):
                assert table in _READ_WHOLE or rows <= own[table], (query, table, rows)
        assert checked >= 8
    finally:
        store.close()
