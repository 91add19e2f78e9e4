"""Behaviour shared by the Cypher backends: each backend supplies how to run statements."""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from graph import cypher
from graph.base import DocumentWrite, GraphCounts
from graph.ids import normalise_doc_number
from graph.models import (
    RELATIONSHIP_SCHEMA,
    GraphBatch,
    PolicyDocument,
    QueryResult,
    Section,
    Sentence,
    Task,
    TaskContext,
)

_BATCH_ROWS = 5000


def _rows(models: Sequence[Any]) -> list[dict[str, Any]]:
    return [m.model_dump() for m in models]


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i:i + _BATCH_ROWS] for i in range(0, len(rows), _BATCH_ROWS)]


class CypherGraphStore(ABC):
    """A GraphStore over a Cypher database; subclasses run statements and convert values."""

    backend: str
    # LadybugDB infers parameter types from values and cannot type a null: cast explicitly.
    _typed_parameters = False

    @abstractmethod
    def _read(self, query: str, parameters: Mapping[str, Any] | None = None
              ) -> list[dict[str, Any]]:
        """Run one read statement; rows as dicts keyed by column name."""

    @abstractmethod
    def _write(self, statements: list[cypher.Statement]) -> None:
        """Run the statements in one transaction: all or nothing."""

    @abstractmethod
    def run_read(self, query: str, parameters: Mapping[str, Any] | None = None,
                 *, max_rows: int = 1000, timeout_s: float = 10.0) -> QueryResult: ...

    @abstractmethod
    def ensure_schema(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- writes ---------------------------------------------------------------------------

    def write_document(self, batch: GraphBatch) -> DocumentWrite:
        doc_id = batch.document.id
        before_tasks = {r["id"] for r in self._read(cypher.DOCUMENT_TASK_IDS, {"doc": doc_id})}
        before_sentences = {s.id for s in self.document_sentences(doc_id)}
        statements = self._document_statements(batch)
        self._write(statements)
        return DocumentWrite(
            doc_id=doc_id,
            removed_task_ids=sorted(before_tasks - {t.id for t in batch.tasks}),
            removed_sentence_ids=sorted(before_sentences - {s.id for s in batch.sentences}),
        )

    def _document_statements(self, batch: GraphBatch) -> list[cypher.Statement]:
        doc_id = batch.document.id
        statements = [
            *cypher.delete_stale_structure(
                doc_id,
                keep_sections=[s.id for s in batch.sections],
                keep_tasks=[t.id for t in batch.tasks],
                keep_sentences=[s.id for s in batch.sentences],
            ),
            *cypher.delete_owned_edges(doc_id),
            (cypher.upsert_nodes("PolicyDocument", self._typed_parameters), {"rows": _rows([batch.document])}),
        ]
        cited = [d for d in batch.cited_documents if d.id != doc_id]
        if cited:
            statements.append((cypher.upsert_cited_documents(self._typed_parameters),
                               {"rows": _rows(cited)}))
        node_lists = (
            ("Section", batch.sections), ("Task", batch.tasks), ("Sentence", batch.sentences),
            ("Institution", batch.institutions), ("Programme", batch.programmes),
            ("Place", batch.places), ("Target", batch.targets),
        )
        for label, models in node_lists:
            for chunk in _chunks(_rows(models)):
                statements.append(
                    (cypher.upsert_nodes(label, self._typed_parameters),  # type: ignore[arg-type]
                     {"rows": chunk}))
        grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for rel in batch.relations:
            key = (rel.type, rel.start_label, rel.end_label)
            grouped.setdefault(key, []).append({"s": rel.start_id, "e": rel.end_id})
        allowed = set(RELATIONSHIP_SCHEMA)
        for (rel_type, start, end), rows in grouped.items():
            if (rel_type, start, end) not in allowed:
                raise ValueError(f"relationship {start}-[:{rel_type}]->{end} is not in the schema")
            for chunk in _chunks(rows):
                statements.append(
                    (cypher.merge_relations(rel_type, start, end), {"rows": chunk})  # type: ignore[arg-type]
                )
        statements.extend(cypher.prune_orphans())
        return statements

    def relink_cited_document(self, old_id: str, new_id: str) -> None:
        """Merge a cited-only node into the ingested document it turned out to be."""
        self._write(cypher.relink_cited_document(old_id, new_id))

    def delete_document(self, doc_id: str) -> DocumentWrite | None:
        document = self.get_document(doc_id)
        if document is None or not document.ingested:
            return None
        task_ids = [r["id"] for r in self._read(cypher.DOCUMENT_TASK_IDS, {"doc": doc_id})]
        sentence_ids = [s.id for s in self.document_sentences(doc_id)]
        cited_by_others = self._read(cypher.CITED_BY_OTHERS, {"doc": doc_id})[0]["c"]
        if cited_by_others:
            # Other documents cite it: keep the node, as a cited-only document.
            statements = [
                *cypher.delete_stale_structure(doc_id, [], [], []),
                *cypher.delete_owned_edges(doc_id),
                (cypher.DOWNGRADE_TO_CITED, {"doc": doc_id}),
            ]
        else:
            statements = cypher.delete_document(doc_id)
        statements.extend(cypher.prune_orphans())
        self._write(statements)
        return DocumentWrite(doc_id=doc_id, removed_task_ids=sorted(task_ids),
                             removed_sentence_ids=sorted(sentence_ids))

    # --- reads ----------------------------------------------------------------------------

    def get_document(self, doc_id: str) -> PolicyDocument | None:
        rows = self._read(cypher.GET_DOCUMENT, {"id": doc_id})
        return PolicyDocument.model_validate(rows[0]["d"]) if rows else None

    def list_documents(self, ingested_only: bool = True) -> list[PolicyDocument]:
        rows = self._read(cypher.LIST_DOCUMENTS, {"include_cited": not ingested_only})
        return [PolicyDocument.model_validate(_clean(r["doc"])) for r in rows]

    def find_documents(self, doc_numbers: Sequence[str], title_keys: Sequence[str]
                       ) -> list[PolicyDocument]:
        rows = self._read(cypher.FIND_DOCUMENTS, {
            "numbers": [normalise_doc_number(n) for n in doc_numbers] or [""],
            "keys": list(title_keys) or [""],
        })
        return [PolicyDocument.model_validate(r["d"]) for r in rows]

    def document_sentences(self, doc_id: str) -> list[Sentence]:
        rows = self._read(cypher.DOCUMENT_SENTENCES, {"doc": doc_id})
        return [Sentence.model_validate(r["s"]) for r in rows]

    def all_sentences(self) -> list[tuple[Sentence, str]]:
        return [(Sentence.model_validate(r["s"]), r["doc_id"])
                for r in self._read(cypher.ALL_SENTENCES)]

    def sentences(self, sentence_ids: Sequence[str]) -> dict[str, Sentence]:
        if not sentence_ids:
            return {}
        rows = self._read(cypher.GET_SENTENCES, {"ids": list(sentence_ids)})
        return {r["s"]["id"]: Sentence.model_validate(r["s"]) for r in rows}

    def task_contexts(self, task_ids: Sequence[str]) -> dict[str, TaskContext]:
        if not task_ids:
            return {}
        ids = list(task_ids)
        base = {
            r["t"]["id"]: r for r in self._read(cypher.TASKS_WITH_DOCUMENT, {"ids": ids})
        }
        linked: dict[str, dict[str, list[dict[str, Any]]]] = {tid: {} for tid in base}
        for key, rel_type, label in cypher.TASK_CONTEXT_EDGES:
            for r in self._read(cypher.task_linked(rel_type, label), {"ids": ids}):
                linked[r["task_id"]].setdefault(key, []).append(r["e"])
        contexts: dict[str, TaskContext] = {}
        for tid in ids:
            if tid not in base:
                continue
            row = base[tid]
            lists: dict[str, Any] = {
                key: sorted(
                    (cypher.NODE_MODELS[label].model_validate(_clean(e))
                     for e in linked[tid].get(key, [])),
                    key=lambda m: str(getattr(m, "name", None) or getattr(m, "title", None)
                                      or getattr(m, "text", "")),
                )
                for key, _, label in cypher.TASK_CONTEXT_EDGES
            }
            contexts[tid] = TaskContext(
                task=Task.model_validate(_clean(row["t"])),
                document=PolicyDocument.model_validate(_clean(row["d"])),
                section=Section.model_validate(_clean(row["s"])) if row["s"] else None,
                **lists,
            )
        return contexts

    def counts(self) -> GraphCounts:
        nodes: dict[str, int] = {label: self._read(cypher.count_nodes(label))[0]["c"]
                 for label in cypher.NODE_MODELS}
        rels = {t: self._read(cypher.count_relationships(t))[0]["c"]
                for t in cypher.relationship_types()}
        return GraphCounts(nodes=nodes, relationships=rels)


def _clean(properties: dict[str, Any]) -> dict[str, Any]:
    """Drop backend-internal keys (LadybugDB's ``_ID``/``_LABEL``) before validation."""
    return {k: v for k, v in properties.items() if not k.startswith("_")}
