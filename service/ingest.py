"""Ingest: file -> graph (one transaction) -> vectors (only sentences whose text is new)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from embeddings.base import Embedder
from embeddings.lexical_index import LexicalEntry, LexicalIndex
from embeddings.vector_index import VectorEntry, VectorIndex, text_sha
from graph.base import GraphStore
from graph.models import GraphBatch, Institution, Place, PolicyDocument, Programme, Relation
from loaders.files import LoadedDocument, load_bytes, load_file


@dataclass
class IngestReport:
    doc_id: str
    title: str
    source: str
    sections: int
    tasks: int
    sentences: int
    embedded: int
    removed_tasks: int


class Ingestor:
    def __init__(self, store: GraphStore, embedder: Embedder, vectors: VectorIndex,
                 lexical: LexicalIndex) -> None:
        self._store = store
        self._embedder = embedder
        self._vectors = vectors
        self._lexical = lexical

    def ingest_path(self, path: Path) -> IngestReport:
        return self.ingest_loaded(load_file(path))

    def ingest_bytes(self, name: str, content: bytes) -> IngestReport:
        return self.ingest_loaded(load_bytes(name, content))

    def ingest_loaded(self, loaded: LoadedDocument,
                      progress: Callable[[int], None] | None = None) -> IngestReport:
        batch = self._resolve_citations(loaded.batch)
        # An earlier document may have cited this one by title only: one node, not two.
        placeholders = [d for d in self._store.find_documents([], [batch.document.title_key])
                        if not d.ingested and d.id != batch.document.id]
        write = self._store.write_document(batch)
        for placeholder in placeholders:
            self._store.relink_cited_document(placeholder.id, batch.document.id)
        self._vectors.remove(write.removed_sentence_ids)
        embedded = self._embed_new_sentences(batch, progress)
        self._vectors.save()
        self._lexical.remove(write.removed_sentence_ids)
        self._lexical.add_user_words(self._entity_names(batch))
        self._lexical.upsert([LexicalEntry(s.id, s.task_id, batch.document.id, s.text)
                              for s in batch.sentences])
        self._lexical.save()
        return IngestReport(
            doc_id=batch.document.id, title=batch.document.title, source=loaded.source_name,
            sections=len(batch.sections), tasks=len(batch.tasks),
            sentences=len(batch.sentences), embedded=embedded,
            removed_tasks=len(write.removed_task_ids),
        )

    def _resolve_citations(self, batch: GraphBatch) -> GraphBatch:
        """Point citations at documents already in the graph (matched on 文号, else title)."""
        if not batch.cited_documents:
            return batch
        existing = self._store.find_documents(
            [d.doc_number for d in batch.cited_documents if d.doc_number],
            [d.title_key for d in batch.cited_documents])
        by_number = {d.doc_number: d for d in existing if d.doc_number}
        by_title = {d.title_key: d for d in existing}
        renamed: dict[str, str] = {}
        cited: list[PolicyDocument] = []
        for doc in batch.cited_documents:
            match = (by_number.get(doc.doc_number) if doc.doc_number else None) \
                or by_title.get(doc.title_key)
            if match is not None and match.id != doc.id:
                renamed[doc.id] = match.id
                cited.append(match)
            else:
                cited.append(doc)
        if not renamed:
            return batch
        relations = [
            r.model_copy(update={"end_id": renamed.get(r.end_id, r.end_id)})
            if r.end_label == "PolicyDocument" else r
            for r in batch.relations
        ]
        unique_cited = list({d.id: d for d in cited if d.id != batch.document.id}.values())
        return batch.model_copy(update={
            "cited_documents": unique_cited,
            "relations": [r for r in dict.fromkeys(relations) if not _self_citation(r, batch)],
        })

    def _embed_new_sentences(self, batch: GraphBatch,
                             progress: Callable[[int], None] | None) -> int:
        known = self._vectors.text_hashes()
        task_doc = {t.id: t.doc_id for t in batch.tasks}
        todo = [s for s in batch.sentences if known.get(s.id) != text_sha(s.text)]
        for start in range(0, len(todo), 256):
            chunk = todo[start:start + 256]
            vectors = self._embedder.embed_passages([s.text for s in chunk])
            self._vectors.upsert(
                [VectorEntry(s.id, s.task_id, task_doc[s.task_id], text_sha(s.text))
                 for s in chunk], vectors)
            if progress:
                progress(len(chunk))
        return len(todo)

    def delete(self, doc_id: str) -> bool:
        write = self._store.delete_document(doc_id)
        if write is None:
            return False
        self._vectors.remove(write.removed_sentence_ids)
        self._vectors.save()
        self._lexical.remove(write.removed_sentence_ids)
        self._lexical.save()
        return True

    @staticmethod
    def _entity_names(batch: GraphBatch) -> list[str]:
        """Entity names and aliases, kept whole by the lexical tokenizer."""
        named: list[Institution | Programme | Place] = [
            *batch.institutions, *batch.programmes, *batch.places]
        names = [name for node in named for name in (node.name, *node.aliases)]
        names.extend(d.title for d in batch.cited_documents)
        return names


def _self_citation(relation: Relation, batch: GraphBatch) -> bool:
    return (relation.type in ("CITES", "MENTIONS") and relation.end_id == batch.document.id)
