"""Do the graph and the search indexes agree? (``policykg check``)

Agree means: the set of sentence ids in the graph equals the set in the vector index and the
set in the lexical index; beyond that, each indexed sentence carries the graph's text (the
vector entry its sha256, the lexical entry the text itself) and its task and document. Also
reported: an interrupted write left in the journal, the journal's failed list (documents
recovery gave up on, see ``service.ingest.journal``), and cited-only document nodes that duplicate an
ingested document (same 文号, or same title where neither has a 文号).

A server keeps the outcome in a ``HealthFlag``: checked at start-up and after each write, so
that ``/health`` can say ``degraded`` without checking anything itself.
"""

import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

from embeddings.lexical_index import LexicalEntry, LexicalIndex
from embeddings.vector_index import VectorEntry, VectorIndex, text_sha
from graph.base import GraphStore
from graph.models import PolicyDocument
from graph.snapshot import GraphSnapshot
from service.ingest.journal import FailedDocument, Journal, JournalRecord


@dataclass
class IndexDifference:
    """One index against the graph, by sentence id (sorted)."""

    index: str
    entries: int
    missing: list[str] = field(default_factory=list)  # in the graph, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not in the graph
    stale: list[str] = field(default_factory=list)  # in both, with another text/task/document
    documents: list[str] = field(default_factory=list)  # of the sentences above

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)


@dataclass
class ConsistencyReport:
    graph_sentences: int
    indexes: list[IndexDifference]
    interrupted: JournalRecord | None
    duplicate_documents: list[str]  # "cited-only id = ingested id"
    failed: list[FailedDocument] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (all(d.ok for d in self.indexes) and self.interrupted is None
                and not self.duplicate_documents and not self.failed)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok, "graph_sentences": self.graph_sentences,
            "indexes": [{**asdict(d), "ok": d.ok} for d in self.indexes],
            "interrupted": self.interrupted.model_dump() if self.interrupted else None,
            "duplicate_documents": self.duplicate_documents,
            "failed": [f.model_dump() for f in self.failed],
        }


def check_consistency(store: GraphStore, vectors: VectorIndex, lexical: LexicalIndex,
                      journal: Journal, documents: Collection[str] | None = None,
                      snapshot: GraphSnapshot | None = None) -> ConsistencyReport:
    """Compare every sentence of the graph with both indexes; with ``documents``, only those
    documents' sentences and the three totals (after a write that changed only them, when the
    last check found graph and indexes agreeing): a fraction of a second less per write over
    the corpus, and linear in the change rather than in the corpus. Totals that differ fall
    back to the whole comparison, which names what differs.

    ``snapshot``: the graph's sentences as this snapshot holds them, instead of reading every
    one from the store with a record each (a server's start-up check: the snapshot is what its
    searches read, loaded just before; at the corpus' size the read was two thirds of the
    check, and its records ~2 KB per sentence at their peak). When the indexes differ from it,
    the store is read after all, and the report is the graph's."""
    if documents is not None:
        total = store.counts().nodes.get("Sentence", 0)
        if total == vectors.count == lexical.count:
            wanted = set(documents)
            graph = {s.id: (s.text, s.task_id, doc_id) for doc_id in sorted(wanted)
                     for s in store.document_sentences(doc_id)}
            return _report(store, journal, graph, total, vectors.entries(wanted), vectors.count,
                           lexical.entries(wanted), lexical.count)
    if snapshot is not None:
        graph = {sid: (text, task_id, doc_id) for sid, task_id, doc_id, text in snapshot.sentence_rows()}
        report = _report(store, journal, graph, len(graph), vectors.entries(), vectors.count,
                         lexical.entries(), lexical.count)
        if all(d.ok for d in report.indexes):
            return report
        # What differs is reported as the graph has it (the snapshot holds texts with the
        # separator of its columns replaced, and may be older than a change made behind it).
    graph = {s.id: (s.text, s.task_id, doc_id) for s, doc_id in store.all_sentences()}
    return _report(store, journal, graph, len(graph), vectors.entries(), vectors.count,
                   lexical.entries(), lexical.count)


def _report(store: GraphStore, journal: Journal, graph: dict[str, tuple[str, str, str]],
            graph_sentences: int, vector_list: list[VectorEntry], vector_count: int,
            lexical_list: list[LexicalEntry], lexical_count: int) -> ConsistencyReport:
    """``graph``'s sentences (by id: text, task id, document id) against the index entries given."""
    vector_entries = {e.sentence_id: e for e in vector_list}
    vector_diff = _difference("vectors", vector_count, graph.keys(), vector_entries.keys())
    for sid in sorted(graph.keys() & vector_entries.keys()):
        text, task_id, doc_id = graph[sid]
        e = vector_entries[sid]
        if (e.text_sha, e.task_id, e.doc_id) != (text_sha(text), task_id, doc_id):
            vector_diff.stale.append(sid)

    lexical_entries = {e.sentence_id: e for e in lexical_list}
    lexical_diff = _difference("lexical", lexical_count, graph.keys(), lexical_entries.keys())
    for sid in sorted(graph.keys() & lexical_entries.keys()):
        entry = lexical_entries[sid]
        if (entry.text, entry.task_id, entry.doc_id) != graph[sid]:
            lexical_diff.stale.append(sid)

    entries_of: tuple[tuple[IndexDifference, Mapping[str, VectorEntry | LexicalEntry]], ...] = (
        (vector_diff, vector_entries), (lexical_diff, lexical_entries))
    for diff, entries in entries_of:
        diff.documents = sorted(
            {graph[sid][2] for sid in (*diff.missing, *diff.stale)}
            | {entries[sid].doc_id for sid in (*diff.extra, *diff.stale)})

    return ConsistencyReport(
        graph_sentences=graph_sentences, indexes=[vector_diff, lexical_diff],
        interrupted=journal.read(),
        duplicate_documents=_duplicate_documents(store.list_documents(ingested_only=False)),
        failed=journal.failed())


def _difference(name: str, entries: int, graph: Iterable[str], index: Iterable[str]
                ) -> IndexDifference:
    graph_ids, index_ids = set(graph), set(index)
    return IndexDifference(index=name, entries=entries,
                           missing=sorted(graph_ids - index_ids),
                           extra=sorted(index_ids - graph_ids))


class HealthFlag:
    """The last consistency check of a server's graph and indexes, kept for ``/health``
    (which must stay cheap): ``update`` runs the check (at start-up and after each write,
    with the indexes held still), ``status`` only reads its outcome. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._report: ConsistencyReport | None = None
        self._error: str | None = None
        self._checked_at: str | None = None

    def update(self, store: GraphStore, vectors: VectorIndex, lexical: LexicalIndex,
               journal: Journal, documents: Collection[str] | None = None,
               snapshot: GraphSnapshot | None = None) -> None:
        """Check now: only ``documents`` (those a write changed) and the totals when the last
        check found everything in order, else everything (against ``snapshot``'s sentences
        when given: see ``check_consistency``). A check that raises leaves the flag
        ``degraded``, saying why."""
        report: ConsistencyReport | None = None
        error: str | None = None
        with self._lock:
            previous_ok = self._report is not None and self._report.ok
        try:
            report = check_consistency(store, vectors, lexical, journal,
                                       documents if previous_ok else None, snapshot)
        except Exception as exc:
            error = f"the consistency check failed: {type(exc).__name__}: {exc}"
        with self._lock:
            self._report, self._error = report, error
            self._checked_at = datetime.now(UTC).isoformat(timespec="seconds")

    @property
    def status(self) -> Literal["ok", "degraded"]:
        """``ok`` when the last check found graph and indexes agreeing, no interrupted
        write and no failed document; ``degraded`` otherwise (or before any check)."""
        with self._lock:
            return "ok" if self._report is not None and self._report.ok else "degraded"

    def details(self) -> tuple[str | None, ConsistencyReport | None, str | None]:
        """When the last check ran, its report, and why it could not run (if it could not)."""
        with self._lock:
            return self._checked_at, self._report, self._error


def _duplicate_documents(documents: list[PolicyDocument]) -> list[str]:
    ingested = [d for d in documents if d.ingested]
    by_number = {d.doc_number: d.id for d in ingested if d.doc_number}
    by_title = {d.title_key: d.id for d in ingested if not d.doc_number}
    duplicates = []
    for d in documents:
        if d.ingested:
            continue
        twin = by_number.get(d.doc_number) if d.doc_number else by_title.get(d.title_key)
        if twin is not None and twin != d.id:
            duplicates.append(f"{d.id} = {twin}")
    return sorted(duplicates)
