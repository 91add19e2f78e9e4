"""Behaviour shared by the Cypher backends: each backend supplies how to run statements."""

import json
import logging
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, get_args

from pydantic import BaseModel

from graph import cypher
from graph.base import (
    MAX_NEIGHBOURHOOD_DEPTH,
    DocumentDetail,
    DocumentSummary,
    DocumentWrite,
    EntityDetail,
    EntityHit,
    EntityLabel,
    EntityPage,
    GraphCounts,
    GraphEdge,
    GraphNode,
    GraphStats,
    LinkedDocument,
    LinkedTask,
    Neighbourhood,
    TaskDetail,
)
from graph.errors import QueryError
from graph.ids import normalise_doc_number, section_id
from graph.models import (
    RELATIONSHIP_SCHEMA,
    TASK_CONTEXT_EDGES,
    GraphBatch,
    Institution,
    NodeLabel,
    PolicyDocument,
    QueryResult,
    Section,
    Sentence,
    Task,
    TaskBrief,
    TaskContext,
)
from graph.snapshot import GraphSnapshot, collector_paused, task_contexts

_log = logging.getLogger("policykg.graph")

_BATCH_ROWS = 5000
_Cached = TypeVar("_Cached")


def _shared_models(batch: GraphBatch) -> tuple[tuple[NodeLabel, Sequence[Any]], ...]:
    """The batch's nodes that may already exist: sections (kept across rewrites) and entities
    (shared between documents)."""
    return (("Section", batch.sections), ("Institution", batch.institutions), ("Programme", batch.programmes),
            ("Place", batch.places), ("Target", batch.targets))


def _next_base(cached: _Cached | None, base: _Cached | None, changed: frozenset[str],
               names: Iterable[str] | None) -> tuple[_Cached | None, frozenset[str]]:
    """After a write that may change ``names`` (None: unknown), the base a cached read is next
    updated from and what changed since it: the cached read itself when there is one, else the
    base kept from before, with ``names`` added; none when they are unknown."""
    if names is None:
        return None, frozenset()
    if cached is not None:
        base, changed = cached, frozenset()
    return base, (changed | frozenset(names)) if base is not None else frozenset()


@dataclass(frozen=True)
class StoredStructure:
    """A document as the store holds it before a write: the ids of its sections, tasks and
    sentences, and of the nodes they and the document link to (the orphan prune's candidates)."""

    sections: set[str]
    tasks: set[str]
    sentences: set[str]
    linked: set[str]
    issued: set[str]  # the documents it issues (a notice's opinions)


def _rows(models: Sequence[Any]) -> list[dict[str, Any]]:
    return [m.model_dump() for m in models]


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i:i + _BATCH_ROWS] for i in range(0, len(rows), _BATCH_ROWS)]


class CypherGraphStore(ABC):
    """A GraphStore over a Cypher database; subclasses run statements and convert values."""

    backend: str
    # LadybugDB infers parameter types from values and cannot type a null: cast explicitly.
    _typed_parameters = False
    _cached_nodes: dict[str, Any] | None = None
    _cached_snapshot: GraphSnapshot | None = None
    # The last snapshot read and the documents written since: the next snapshot is that one
    # with these documents read again (GraphSnapshot.replaced), not the whole graph re-read.
    _snapshot_base: GraphSnapshot | None = None
    _changed_documents: frozenset[str] = frozenset()
    _nodes_base: Mapping[str, Any] | None = None  # the same for the cached nodes
    _changed_nodes: frozenset[str] = frozenset()
    # This store's commits, and how many there were when the cached snapshot was read: a
    # snapshot read after the last one holds what the graph holds (a store that may save its
    # snapshot is the graph's only writer).
    _writes = 0
    _snapshot_writes = -1
    # The function that names a relationship's type in this dialect.
    _type_function = "type"

    @abstractmethod
    def _read(self, query: str, parameters: Mapping[str, Any] | None = None
              ) -> list[dict[str, Any]]:
        """Run one read statement; rows as dicts keyed by column name."""

    @abstractmethod
    def _write(self, statements: list[cypher.Statement]) -> None:
        """Run the statements in one transaction: all or nothing."""

    @abstractmethod
    def run_read(self, query: str, parameters: Mapping[str, Any] | None = None,
                 *, max_rows: int = 1000, timeout_s: float = 10.0,
                 max_bytes: int = 5_000_000) -> QueryResult: ...

    @abstractmethod
    def ensure_schema(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- writes ---------------------------------------------------------------------------

    def _commit(self, statements: list[cypher.Statement], documents: Iterable[str] | None = None,
                nodes: Iterable[str] | None = None) -> None:
        """Run a write transaction; what this process cached from the graph is stale after it.
        ``documents``: the documents whose tasks and sentences it may change; ``nodes``: the
        documents, sections and entities it may change or remove (None: unknown)."""
        try:
            self._write(statements)
        finally:
            self._writes += 1
            self._forget(documents, nodes)

    def forget_cached_reads(self, documents: Iterable[str] | None = None) -> None:
        self._forget(documents, None)

    def _forget(self, documents: Iterable[str] | None, nodes: Iterable[str] | None) -> None:
        """Drop the cached reads, keeping the last ones as the base of an update that reads
        again only what changed: the snapshot's ``documents``, the cached ``nodes``."""
        self._snapshot_base, self._changed_documents = _next_base(
            self._cached_snapshot, self._snapshot_base, self._changed_documents, documents)
        self._nodes_base, self._changed_nodes = _next_base(
            self._cached_nodes, self._nodes_base, self._changed_nodes, nodes)
        self._cached_snapshot = self._cached_nodes = None

    def _node_records(self) -> dict[str, Any]:
        """Documents, sections and entities by id, read once and kept until the next write:
        every search result page needs some of them, and they are few (a few thousand for the
        45-document corpus). Tasks and sentences are read as needed. After this store's own
        writes, only the nodes they touched are read again."""
        cached = self._cached_nodes
        if cached is None:
            base, changed = self._nodes_base, self._changed_nodes
            cached = self._updated_nodes(base, changed) if base is not None else None
            if cached is None:
                cached = {}
                for label in cypher.CACHED_LABELS:
                    model = cypher.NODE_MODELS[label]
                    for r in self._read(cypher.all_nodes(label)):
                        cached[r["n"]["id"]] = _record(model, r["n"])
            self._cached_nodes = cached
            self._nodes_base, self._changed_nodes = None, frozenset()
        return cached

    def _nodes_read_again(self, ids: set[str]) -> dict[str, Any]:
        """The cached nodes, a new dict, with ``ids`` read again (or added)."""
        nodes = {**self._node_records(), **self._nodes_by_id(ids)}
        self._cached_nodes = nodes
        return nodes

    def _nodes_by_id(self, ids: Iterable[str]) -> dict[str, Any]:
        """The documents, sections and entities among ``ids`` that are stored, by key."""
        wanted = sorted(ids)
        found: dict[str, Any] = {}
        for label in cypher.CACHED_LABELS if wanted else ():
            model = cypher.NODE_MODELS[label]
            for r in self._read(cypher.nodes_by_id(label), {"ids": wanted}):
                found[r["n"]["id"]] = _record(model, r["n"])
        return found

    def _updated_nodes(self, base: Mapping[str, Any], changed: frozenset[str]) -> dict[str, Any] | None:
        """``base`` with the nodes ``changed`` read again (gone when no longer stored), or None
        when a label then counts other than the graph's (a write this store did not see)."""
        nodes = {k: v for k, v in base.items() if k not in changed}
        nodes.update(self._nodes_by_id(changed))
        counts = {cypher.NODE_MODELS[label].__name__: self._read(cypher.count_nodes(label))[0]["c"]
                  for label in cypher.CACHED_LABELS}
        held: dict[str, int] = dict.fromkeys(counts, 0)
        for node in nodes.values():
            held[type(node).__name__] = held.get(type(node).__name__, 0) + 1
        if held != counts:
            _log.warning("cached nodes: %s after the update, %s stored; reading them all", held, counts)
            return None
        return nodes

    def _stored_structure(self, doc_id: str, links: bool = True) -> StoredStructure:
        """The document's sections, tasks and sentences as stored and, with ``links``, what
        they link to and the documents it issues (empty without)."""
        found: dict[str, set[str]] = {kind: set() for kind in cypher.STRUCTURE_KINDS}
        stored = self._read(cypher.GET_DOCUMENT, {"id": doc_id})
        if not stored or not stored[0]["d"].get("ingested"):
            # New, or cited only (no structure, no edges out): nothing to read. Most writes of
            # an ingest are of new documents, and this lookup is by key.
            return StoredStructure(set(), set(), set(), set(), set())
        for r in self._document_levels(doc_id, lambda depth: cypher.document_level(depth, links)):
            found[r["kind"]].add(r["id"])
        if not links:
            return StoredStructure(found["Section"], found["Task"], found["Sentence"], set(), set())
        issued = {r["id"] for r in self._read(cypher.ISSUED_DOCUMENTS, {"doc": doc_id})}
        linked = found["linked"]
        for doc in (doc_id, *sorted(issued)):
            linked.update(r["id"] for r in self._read(cypher.LINKED_BY_DOCUMENT, {"doc": doc}))
        return StoredStructure(found["Section"], found["Task"], found["Sentence"], linked, issued)

    def _document_levels(self, doc_id: str, statement: Callable[[int], str]) -> Iterator[dict[str, Any]]:
        """The rows of ``statement(depth)`` for each level below the document, down to the
        last that holds sections (each statement returns a ``kind``, ``Section`` among them)."""
        for depth in range(cypher.MAX_SECTION_DEPTH):
            rows = self._read(statement(depth), {"doc": doc_id})
            yield from rows
            if not any(r["kind"] == "Section" for r in rows):
                return

    def _existing(self, batch: GraphBatch) -> dict[str, set[str]]:
        """Per label, which of the batch's sections and entities the store already holds."""
        existing: dict[str, set[str]] = {}
        for label, models in _shared_models(batch):
            ids = sorted({m.id for m in models})
            existing[label] = {r["id"] for r in self._read(cypher.existing_ids(label), {"ids": ids})} if ids else set()
        return existing

    def write_document(self, batch: GraphBatch) -> DocumentWrite:
        doc_id = batch.document.id
        before = self._stored_structure(doc_id)
        statements = self._document_statements(batch, before, self._existing(batch))
        # A notice's issued documents hold tasks of their own: they change with it.
        documents = {doc_id, *before.issued, *(d.id for d in batch.issued_documents)}
        self._commit(statements, documents, nodes={
            *documents, *before.sections, *before.linked, *(m.id for m in batch.sections),
            *(m.id for _, models in _shared_models(batch) for m in models),
            *(d.id for d in batch.cited_documents)})
        return DocumentWrite(
            doc_id=doc_id,
            removed_task_ids=sorted(before.tasks - {t.id for t in batch.tasks}),
            removed_sentence_ids=sorted(before.sentences - {s.id for s in batch.sentences}),
        )

    def _document_statements(self, batch: GraphBatch, before: StoredStructure,
                             existing: Mapping[str, set[str]]) -> list[cypher.Statement]:
        """``existing``: per label, the ids of the batch's sections and entities the store holds."""
        doc_id = batch.document.id
        statements = [
            # Every task and sentence it held goes, with its edges, and the batch's are created:
            # deleting each by key and creating it again costs the document's size, where
            # finding its old edges to delete cost a scan of the store (on LadybugDB).
            *cypher.delete_stale_structure(
                stale_sections=sorted(before.sections - {s.id for s in batch.sections}),
                stale_tasks=sorted(before.tasks),
                stale_sentences=sorted(before.sentences),
            ),
            *cypher.delete_owned_edges([doc_id, *sorted(before.issued)]),
            *cypher.delete_issued_documents(doc_id, sorted(before.issued - {d.id for d in batch.issued_documents})),
            (cypher.upsert_nodes("PolicyDocument", self._typed_parameters),
             {"rows": _rows([batch.document, *batch.issued_documents])}),
        ]
        cited = [d for d in batch.cited_documents if d.id != doc_id]
        if cited:
            statements.append((cypher.upsert_cited_documents(self._typed_parameters),
                               {"rows": _rows(cited)}))
        # The document's own tasks and sentences are created (their ids hash the document, so no
        # other document holds them); a task of another document (a batch holds none) would be
        # merged.
        typed = self._typed_parameters
        own_tasks = {t.id for t in batch.tasks if t.doc_id == doc_id}
        own_sentences = {s.id for s in batch.sentences if s.task_id in own_tasks}
        own: tuple[tuple[NodeLabel, Sequence[Any], set[str]], ...] = (
            ("Task", batch.tasks, own_tasks), ("Sentence", batch.sentences, own_sentences))
        for label, models, owned in own:
            for write_nodes, selected in (
                    (cypher.create_nodes, [m for m in models if m.id in owned]),
                    (cypher.upsert_nodes, [m for m in models if m.id not in owned])):  # none, as written
                statements.extend((write_nodes(label, typed), {"rows": chunk}) for chunk in _chunks(_rows(selected)))
        # Sections and entities may exist (kept across rewrites, or shared): the ones the store
        # holds are updated and the others created, both by key, where a MERGE scans the table.
        for label, models in _shared_models(batch):
            held = existing.get(label, set())
            for write_nodes, selected in (
                    (cypher.update_nodes, [m for m in models if m.id in held]),
                    (cypher.create_nodes, [m for m in models if m.id not in held])):
                statements.extend((write_nodes(label, typed), {"rows": chunk}) for chunk in _chunks(_rows(selected)))
        # Edges that cannot exist yet are created, not merged: those from or to the document's
        # tasks and sentences, all of them created above.
        created = own_tasks | own_sentences | {
            m.id for label, models in _shared_models(batch)
            for m in models if m.id not in existing.get(label, set())}
        grouped: dict[tuple[str, str, str, bool], dict[tuple[str, str], None]] = {}
        for rel in batch.relations:
            new = rel.start_id in created or rel.end_id in created
            key = (rel.type, rel.start_label, rel.end_label, new)
            grouped.setdefault(key, {})[(rel.start_id, rel.end_id)] = None  # once each
        allowed = set(RELATIONSHIP_SCHEMA)
        for (rel_type, start, end, new), pairs in grouped.items():
            if (rel_type, start, end) not in allowed:
                raise ValueError(f"relationship {start}-[:{rel_type}]->{end} is not in the schema")
            statement = cypher.create_relations if new else cypher.merge_relations
            rows = [{"s": s, "e": e} for s, e in pairs]
            for chunk in _chunks(rows):
                statements.append(
                    (statement(rel_type, start, end), {"rows": chunk})  # type: ignore[arg-type]
                )
        written = {m.id for models in (batch.institutions, batch.programmes, batch.places, batch.targets,
                                       batch.cited_documents) for m in models}
        reached = {end for rel in batch.relations for end in (rel.start_id, rel.end_id)}
        statements.extend(cypher.prune_orphans(sorted(before.linked | (written - reached))))
        return statements

    def relink_cited_document(self, old_id: str, new_id: str) -> None:
        """Merge a cited-only node into the ingested document it turned out to be."""
        self._commit(cypher.relink_cited_document(old_id, new_id))

    def delete_document(self, doc_id: str) -> DocumentWrite | None:
        document = self.get_document(doc_id)
        if document is None or not document.ingested or document.notice_id:
            return None  # a document a notice issued goes with the notice's file
        before = self._stored_structure(doc_id)
        section_ids, task_ids, sentence_ids = sorted(before.sections), sorted(before.tasks), sorted(before.sentences)
        cited_by_others = self._read(cypher.CITED_BY_OTHERS, {"doc": doc_id})[0]["c"]
        statements = cypher.delete_document(doc_id, sorted(before.issued), section_ids, task_ids, sentence_ids,
                                            keep_node=bool(cited_by_others))
        statements.extend(cypher.prune_orphans(sorted(before.linked)))
        self._commit(statements, {doc_id, *before.issued},
                     nodes={doc_id, *before.issued, *before.sections, *before.linked})
        return DocumentWrite(doc_id=doc_id, removed_task_ids=task_ids, removed_sentence_ids=sentence_ids)

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
        structure = self._stored_structure(doc_id, links=False)
        if not structure.sentences:
            return []
        paths = {r["t"]["id"]: r["t"]["path"] for r in self._read(cypher.GET_TASKS, {"ids": sorted(structure.tasks)})}
        sentences = [Sentence.model_validate(r["s"])
                     for r in self._read(cypher.GET_SENTENCES, {"ids": sorted(structure.sentences)})]
        return sorted(sentences, key=lambda s: (paths[s.task_id], s.ordinal))

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
        tasks = {r["t"]["id"]: _record(Task, r["t"]) for r in self._read(cypher.GET_TASKS, {"ids": ids})}
        rows = self._read(cypher.task_context_links(self._type_function), {"ids": ids})
        nodes = self._node_records()
        needed = {r["id"] for r in rows} | {t.doc_id for t in tasks.values()}
        if not needed <= nodes.keys():
            # Another process wrote since the cache was read (a replica syncing what another
            # published): these tasks' nodes are read again, the rest stay until a write names
            # them, and the search snapshot's base stays (forgetting everything here made each
            # followed change read the whole graph).
            sections = {section_id(t.doc_id, t.path.rsplit("/", 1)[0]) for t in tasks.values() if "/" in t.path}
            nodes = self._nodes_read_again(needed | sections)
        links: dict[str, list[tuple[str, str]]] = {}
        for r in rows:
            links.setdefault(r["task_id"], []).append((r["rel"], r["id"]))
        return task_contexts(ids, tasks, links, nodes)

    def search_snapshot(self) -> GraphSnapshot:
        snapshot = self._cached_snapshot
        if snapshot is None:
            writes = self._writes
            base, changed = self._snapshot_base, self._changed_documents
            with collector_paused():
                snapshot = self._updated_snapshot(base, changed) if base is not None else None
                if snapshot is None:
                    snapshot = self._saved_snapshot()
                if snapshot is None:
                    snapshot = self._read_snapshot()
            self._cached_snapshot, self._snapshot_writes = snapshot, writes
            self._snapshot_base, self._changed_documents = None, frozenset()
        return snapshot

    def _updated_snapshot(self, base: GraphSnapshot, documents: frozenset[str]) -> GraphSnapshot | None:
        """``base`` with ``documents`` read again, or None when the result does not hold as
        many tasks and sentences as the graph (a write this store did not see)."""
        # A set per kind: a notice's tree and the trees of the documents it issues share tasks.
        rows: dict[str, set[tuple[str, str]]] = {}
        for doc_id in sorted(documents):
            for r in self._document_levels(doc_id, cypher.document_snapshot_level):
                rows.setdefault(r["kind"], set()).add((r["a"], r["b"]))
        tasks = sorted({a for a, _ in rows.get("Task", ())})
        sentences = sorted({a for a, _ in rows.get("Sentence", ())})
        document_links = [(r["doc_id"], r["rel"], r["id"])
                          for r in self._read(cypher.document_links(self._type_function))]
        if self._cached_nodes is None and self._nodes_base is None:
            # Written elsewhere (a replica that follows): the nodes those documents touched are
            # the ones they linked to before, as ``base`` saw them, and link to now.
            now = {section for section, _ in rows.get("Section", ())}
            now.update(node for kind, pairs in rows.items() if kind not in ("Section", "Task", "Sentence")
                       for _, node in pairs)
            now.update(node for doc_id, _, node in document_links if doc_id in documents)
            self._nodes_base = base.nodes
            self._changed_nodes = frozenset(base.document_nodes(documents) | documents | now)
        if self._cached_nodes is None and self._nodes_base is not None:
            self._changed_nodes |= base.places_around(self._changed_nodes)
        snapshot = base.replaced(
            documents,
            nodes=self._node_records(),
            tasks={r["t"]["id"]: _record(Task, r["t"]) for r in self._read(cypher.GET_TASKS, {"ids": tasks})},
            sentences=[(r["id"], r["task_id"], r["ordinal"], r["text"], r["start"], r["stop"])
                       for r in self._read(cypher.SENTENCE_ROWS_BY_ID, {"ids": sentences})],
            task_links=[(task, rel_type, node) for _, rel_type, _ in TASK_CONTEXT_EDGES
                        for task, node in sorted(rows.get(rel_type, ()))],
            mentions=sorted(rows.get("MENTIONS", ())),
            place_parts=[(r["id"], r["region"]) for r in self._read(cypher.ALL_PLACE_PARTS)],
            document_links=document_links,
            leads=sorted(rows.get("LED_BY", ())),
        )
        return snapshot if self._holds_what_is_stored(snapshot) else None

    def _saved_snapshot(self) -> GraphSnapshot | None:
        """A snapshot saved when the graph was as it is now, if the backend keeps one."""
        return None

    def _holds_what_is_stored(self, snapshot: GraphSnapshot) -> bool:
        """Whether ``snapshot`` holds as many tasks and sentences as the graph: a check that
        catches a write it missed, at the cost of two counts."""
        stored = tuple(self._read(cypher.count_nodes(label))[0]["c"] for label in ("Task", "Sentence"))
        if stored == (snapshot.task_count, snapshot.sentence_count):
            return True
        _log.warning("search snapshot: %d tasks and %d sentences, %d and %d stored; reading the "
                     "whole graph", snapshot.task_count, snapshot.sentence_count, *stored)
        return False

    def _read_snapshot(self) -> GraphSnapshot:
        """The whole graph, as search reads it."""
        return GraphSnapshot(
            nodes=self._node_records(),
            tasks={r["n"]["id"]: _record(Task, r["n"]) for r in self._read(cypher.all_nodes("Task"))},
            sentences=[(r["id"], r["task_id"], r["ordinal"], r["text"], r["start"], r["stop"])
                       for r in self._read(cypher.ALL_SENTENCE_ROWS)],
            task_links=[(r["task_id"], r["rel"], r["id"]) for r in self._read(
                cypher.task_context_links(self._type_function, every_task=True))],
            mentions=[(r["sentence_id"], r["entity_id"]) for r in self._read(cypher.ALL_MENTIONS)],
            place_parts=[(r["id"], r["region"]) for r in self._read(cypher.ALL_PLACE_PARTS)],
            document_links=[(r["doc_id"], r["rel"], r["id"]) for r in self._read(
                cypher.document_links(self._type_function))],
            leads=[(r["task_id"], r["id"]) for r in self._read(cypher.ALL_TASK_LEADS)],
        )

    def counts(self) -> GraphCounts:
        nodes: dict[str, int] = {label: self._read(cypher.count_nodes(label))[0]["c"]
                 for label in cypher.NODE_MODELS}
        rels = {t: self._read(cypher.count_relationships(t))[0]["c"]
                for t in cypher.relationship_types()}
        return GraphCounts(nodes=nodes, relationships=rels)

    # --- reads behind the HTTP API -------------------------------------------------------

    def document_summaries(self, doc_ids: Sequence[str] | None = None) -> list[DocumentSummary]:
        wanted = None if doc_ids is None else set(doc_ids)
        documents = [d for d in self.list_documents() if wanted is None or d.id in wanted]
        if not documents:
            return []
        filtered = wanted is not None
        params = {"ids": [d.id for d in documents]} if filtered else {}
        counts = {
            label: {r["doc"]: r["c"] for r in self._read(
                cypher.per_document_counts(label, filtered), params)}
            for label in get_args(cypher.OutlineLabel)
        }
        return [DocumentSummary(document=d, sections=counts["Section"].get(d.id, 0),
                                tasks=counts["Task"].get(d.id, 0),
                                sentences=counts["Sentence"].get(d.id, 0))
                for d in documents]

    def document_detail(self, doc_id: str) -> DocumentDetail | None:
        summaries = self.document_summaries([doc_id])
        if not summaries:
            document = self.get_document(doc_id)
            if document is None:
                return None
            summaries = [DocumentSummary(document=document, sections=0, tasks=0, sentences=0)]
        params = {"doc": doc_id}
        sections = [Section.model_validate(_clean(r["s"]))
                    for r in self._read(cypher.DOCUMENT_SECTIONS, params)]
        tasks = [TaskBrief.model_validate(r) for r in self._read(cypher.DOCUMENT_TASKS, params)]
        order = outline_order(sections, [(s.path, s.number) for s in sections]
                              + [(t.path, t.number) for t in tasks])
        institutions = {
            rel_type: sorted((Institution.model_validate(_clean(r["i"])) for r in self._read(
                cypher.document_institutions(rel_type), params)), key=lambda i: (i.name, i.id))
            for rel_type in cypher.DOCUMENT_INSTITUTION_TYPES
        }
        return DocumentDetail(
            summary=summaries[0],
            sections=sorted(sections, key=lambda s: order[s.path]),
            tasks=sorted(tasks, key=lambda t: order[t.path]),
            cites=self._documents(cypher.DOCUMENT_CITES, params),
            cited_by=self._documents(cypher.DOCUMENT_CITED_BY, params),
            institutions=institutions,
        )

    def _documents(self, query: str, params: dict[str, Any]) -> list[PolicyDocument]:
        found = [PolicyDocument.model_validate(_clean(r["d"])) for r in self._read(query, params)]
        return sorted(found, key=lambda d: (d.title, d.id))

    def get_task(self, task_id: str) -> TaskDetail | None:
        context = self.task_contexts([task_id]).get(task_id)
        if context is None:
            return None
        sentences = [Sentence.model_validate(_clean(r["s"]))
                     for r in self._read(cypher.TASK_SENTENCES, {"id": task_id})]
        return TaskDetail(context=context, sentences=sentences)

    def search_entities(self, query: str | None, labels: Sequence[EntityLabel],
                        limit: int = 50, offset: int = 0) -> EntityPage:
        needle = (query or "").strip().lower()
        hits: list[EntityHit] = []
        for label in dict.fromkeys(labels):
            rows = self._read(cypher.entity_search(label, bool(needle)),
                              {"q": needle} if needle else {})
            found = [_clean(r["e"]) for r in rows]
            counts = self._entity_task_counts(label, [e["id"] for e in found])
            hits.extend(_entity_hit(label, e, counts.get(e["id"], 0)) for e in found)

        def exact(hit: EntityHit) -> bool:
            names = [hit.name, hit.name_en or "", *hit.aliases]
            return bool(needle) and any(n.lower() == needle for n in names)

        hits.sort(key=lambda h: (not exact(h), -h.tasks, h.name, h.id))
        start = max(offset, 0)
        return EntityPage(total=len(hits), entities=hits[start:start + max(limit, 0)])

    def _entity_task_counts(self, label: EntityLabel, ids: list[str]) -> dict[str, int]:
        if not ids:
            return {}
        return {r["id"]: r["c"] for r in self._read(cypher.entity_task_counts(label), {"ids": ids})}

    def get_entity(self, entity_id: str) -> EntityDetail | None:
        for label in _labels_for(entity_id, get_args(EntityLabel)):
            rows = self._read(cypher.node_by_id(label), {"id": entity_id})
            if rows:
                break
        else:
            return None
        params = {"id": entity_id}
        tasks: dict[str, dict[str, Any]] = {}
        for rel_type in cypher.task_edge_types(label):
            for r in self._read(cypher.entity_tasks(rel_type, label), params):
                tasks.setdefault(r["id"], {**r, "relations": []})["relations"].append(rel_type)
        documents: dict[str, dict[str, Any]] = {}
        for rel_type in cypher.document_edge_types(label):
            for r in self._read(cypher.entity_documents(rel_type, label), params):
                doc = _clean(r["d"])
                documents.setdefault(doc["id"], {**doc, "relations": []})["relations"].append(
                    rel_type)
        linked = [LinkedTask.model_validate(t) for t in tasks.values()]
        sections = self._sections_of({t.doc_id for t in linked})
        order = outline_order(sections, [(t.path, t.number) for t in linked])
        return EntityDetail(
            entity=_entity_hit(label, _clean(rows[0]["n"]), len(linked)),
            tasks=sorted(linked, key=lambda t: (t.document_title, t.doc_id, order[t.path])),
            documents=sorted((LinkedDocument.model_validate(
                {k: v for k, v in d.items() if k in LinkedDocument.model_fields})
                for d in documents.values()), key=lambda d: (d.title, d.id)),
        )

    def _sections_of(self, doc_ids: set[str]) -> list[Section]:
        return [Section.model_validate(_clean(r["s"])) for doc in sorted(doc_ids)
                for r in self._read(cypher.DOCUMENT_SECTIONS, {"doc": doc})]

    def neighbourhood(self, node_id: str, depth: int = 1, max_nodes: int = 200,
                      include_sentences: bool = False) -> Neighbourhood | None:
        depth = min(max(depth, 1), MAX_NEIGHBOURHOOD_DEPTH)
        max_nodes = max(max_nodes, 1)
        centre = self._find_node(node_id)
        if centre is None:
            return None
        include_sentences = include_sentences or centre.labels == ["Sentence"]
        labels: dict[str, str] = {node_id: centre.labels[0]}
        edges: set[tuple[str, str, str]] = set()
        frontier, truncated = [node_id], False
        statement = cypher.neighbour_edges(include_sentences)
        for _ in range(depth):
            if not frontier:
                break
            found: dict[str, str] = {}
            for r in self._read(statement, {"ids": frontier}):
                edges.add((r["s"], r["t"], r["e"]))
                other = r["e"] if r["out"] else r["s"]
                if other not in labels:
                    found[other] = r["label"]
            room = max_nodes - len(labels)
            ordered = sorted(found.items())
            if len(ordered) > room:
                ordered, truncated = ordered[:room], True
            labels.update(ordered)
            frontier = [n for n, _ in ordered]
            if truncated:
                break
        nodes = [centre, *self._nodes_by_label(
            [(n, label) for n, label in labels.items() if n != node_id])]
        return Neighbourhood(
            center=node_id, depth=depth, nodes=nodes, truncated=truncated,
            relationships=[GraphEdge(type=t, start=s, end=e) for s, t, e in sorted(edges)
                           if s in labels and e in labels],
        )

    def _find_node(self, node_id: str) -> GraphNode | None:
        for label in _labels_for(node_id, tuple(cypher.NODE_MODELS)):
            rows = self._read(cypher.node_by_id(label), {"id": node_id})
            if rows:
                return GraphNode(id=node_id, labels=[label], properties=_present(rows[0]["n"]))
        return None

    def _nodes_by_label(self, wanted: list[tuple[str, str]]) -> list[GraphNode]:
        by_label: dict[str, list[str]] = {}
        for node_id, label in wanted:
            by_label.setdefault(label, []).append(node_id)
        properties: dict[str, tuple[str, dict[str, Any]]] = {}
        for label, ids in by_label.items():
            for r in self._read(cypher.nodes_by_ids(label), {"ids": ids}):  # type: ignore[arg-type]
                props = _present(r["n"])
                properties[props["id"]] = (label, props)
        return [GraphNode(id=n, labels=[properties[n][0]], properties=properties[n][1])
                for n, _ in wanted if n in properties]

    def stats(self) -> GraphStats:
        by_state = {bool(r["ingested"]): r["c"] for r in self._read(cypher.COUNT_DOCUMENTS_BY_STATE)}
        return GraphStats(counts=self.counts(), documents=by_state.get(True, 0),
                          cited_documents=by_state.get(False, 0))


def _entity_hit(label: EntityLabel, properties: dict[str, Any], tasks: int) -> EntityHit:
    return EntityHit(
        id=properties["id"], label=label,
        name=properties.get("name") or properties.get("text") or "",
        name_en=properties.get("name_en"), aliases=list(properties.get("aliases") or []),
        tasks=tasks, properties=_present(properties),
    )


def _present(properties: dict[str, Any]) -> dict[str, Any]:
    """Properties as Neo4j shows them: only those that are set, backend keys dropped."""
    return {k: v for k, v in _clean(properties).items() if v is not None}


_ID_PREFIXES: dict[str, NodeLabel] = {
    "doc_": "PolicyDocument", "sec_": "Section", "task_": "Task", "sent_": "Sentence",
    "institution_": "Institution", "programme_": "Programme", "place_": "Place",
    "target_": "Target",
}


def _labels_for(node_id: str, labels: Sequence[Any]) -> list[Any]:
    """``labels`` with the one that ``graph.ids`` gives this id's prefix first: usually the
    first lookup finds the node."""
    guess = next((label for prefix, label in _ID_PREFIXES.items()
                  if node_id.startswith(prefix)), None)
    return sorted(labels, key=lambda label: label != guess)


def _record(model: type[BaseModel], properties: dict[str, Any]) -> Any:
    """A node's record from its properties, built without validation: the store wrote them
    from validated records (search reads tens of them per question). A LadybugDB node read
    through a variable that may be of several labels carries every label's columns, so only
    the model's fields count."""
    fields = model.model_fields
    values = {k: v for k, v in properties.items() if k in fields}
    if isinstance(values.get("doc_id"), str):  # one string per document, not one per record
        values["doc_id"] = sys.intern(values["doc_id"])
    # One set of the given field names per model and names, shared by every record built with
    # them: pydantic keeps such a set per record (728 bytes for a task's nine fields), a
    # quarter of what the search snapshot held per sentence (bench/index_scale.py).
    names = (model, tuple(values))
    shared = _FIELDS_SET.get(names)
    if shared is None:
        shared = _FIELDS_SET.setdefault(names, set(values))
    return model.model_construct(_fields_set=shared, **values)


_FIELDS_SET: dict[tuple[type[BaseModel], tuple[str, ...]], set[str]] = {}


def _clean(properties: dict[str, Any]) -> dict[str, Any]:
    """Drop backend-internal keys (LadybugDB's ``_ID``/``_LABEL``) before validation."""
    return {k: v for k, v in properties.items() if not k.startswith("_")}


def enforce_result_size(rows: list[list[Any]], max_bytes: int) -> None:
    """Refuse a /cypher result whose JSON would exceed ``max_bytes`` (rows are JSON-ready)."""
    size = 0
    for row in rows:
        size += len(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8"))
        if size > max_bytes:
            raise QueryError(f"the result is larger than {max_bytes} bytes: return fewer rows "
                             "or fewer properties (e.g. t.title rather than t)")


def outline_order(sections: Sequence[Section], items: Sequence[tuple[str, int]]
                  ) -> dict[str, tuple[Any, ...]]:
    """Sort keys that put outline paths ("二/6", "一/（一）/1", "前言") in document order.
    ``items`` are (path, own number) of sections or tasks. Per level the key holds the
    section's number (the last level: the item's own number; 0 for unnumbered prose), then
    the path itself breaks ties between unnumbered items."""
    numbers = {s.path: s.number for s in sections}

    def key(path: str, own: int) -> tuple[Any, ...]:
        parts = path.split("/")
        prefixes = ["/".join(parts[:i + 1]) for i in range(len(parts) - 1)]
        return (*(numbers.get(p, 0) for p in prefixes), own, path)

    return {path: key(path, own) for path, own in items}
