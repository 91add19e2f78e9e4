"""Do the graph and the search indexes agree? (``policykg check``)

Agree means: the set of sentence ids in the graph equals the set in the vector index and the
set in the lexical index; beyond that, each indexed sentence carries the graph's text (the
vector entry its sha256, the lexical entry the text itself) and its task and document. Also
reported: an interrupted write left in the journal, and cited-only document nodes that
duplicate an ingested document (same 文号, or same title where neither has a 文号).
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from embeddings.lexical_index import LexicalIndex
from embeddings.vector_index import VectorIndex, text_sha
from graph.base import GraphStore
from graph.models import PolicyDocument
from service.journal import Journal, JournalRecord


@dataclass
class IndexDifference:
    """One index against the graph, by sentence id (sorted)."""

    index: str
    entries: int
    missing: list[str] = field(default_factory=list)  # in the graph, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not in the graph
    stale: list[str] = field(default_factory=list)  # in both, with another text/task/document

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)


@dataclass
class ConsistencyReport:
    graph_sentences: int
    indexes: list[IndexDifference]
    interrupted: JournalRecord | None
    duplicate_documents: list[str]  # "cited-only id = ingested id"

    @property
    def ok(self) -> bool:
        return (all(d.ok for d in self.indexes) and self.interrupted is None
                and not self.duplicate_documents)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok, "graph_sentences": self.graph_sentences,
            "indexes": [{**asdict(d), "ok": d.ok} for d in self.indexes],
            "interrupted": self.interrupted.model_dump() if self.interrupted else None,
            "duplicate_documents": self.duplicate_documents,
        }


def check_consistency(store: GraphStore, vectors: VectorIndex, lexical: LexicalIndex,
                      journal: Journal) -> ConsistencyReport:
    graph = {s.id: (s, doc_id) for s, doc_id in store.all_sentences()}

    vector_entries = {e.sentence_id: e for e in vectors.entries()}
    vector_diff = _difference("vectors", graph.keys(), vector_entries.keys())
    for sid in sorted(graph.keys() & vector_entries.keys()):
        sentence, doc_id = graph[sid]
        e = vector_entries[sid]
        if (e.text_sha, e.task_id, e.doc_id) != (text_sha(sentence.text), sentence.task_id, doc_id):
            vector_diff.stale.append(sid)

    lexical_entries = {e.sentence_id: e for e in lexical.entries()}
    lexical_diff = _difference("lexical", graph.keys(), lexical_entries.keys())
    for sid in sorted(graph.keys() & lexical_entries.keys()):
        sentence, doc_id = graph[sid]
        entry = lexical_entries[sid]
        if (entry.text, entry.task_id, entry.doc_id) != (sentence.text, sentence.task_id, doc_id):
            lexical_diff.stale.append(sid)

    return ConsistencyReport(
        graph_sentences=len(graph), indexes=[vector_diff, lexical_diff],
        interrupted=journal.read(),
        duplicate_documents=_duplicate_documents(store.list_documents(ingested_only=False)))


def _difference(name: str, graph: Iterable[str], index: Iterable[str]) -> IndexDifference:
    graph_ids, index_ids = set(graph), set(index)
    return IndexDifference(index=name, entries=len(index_ids),
                           missing=sorted(graph_ids - index_ids),
                           extra=sorted(index_ids - graph_ids))


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
