"""The GraphStore protocol: the contract every graph backend (embedded LadybugDB, Neo4j) meets.

The behaviour suite in ``tests/graph/test_store_contract.py`` runs against every backend.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args, runtime_checkable

from pydantic import BaseModel, Field

from graph.models import (
    GraphBatch,
    Institution,
    PolicyDocument,
    QueryResult,
    Section,
    Sentence,
    TaskBrief,
    TaskContext,
)
from graph.snapshot import GraphSnapshot


class GraphCounts(BaseModel):
    """Node counts per label and relationship counts per type; absent keys mean zero."""

    nodes: dict[str, int]
    relationships: dict[str, int]

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_relationships(self) -> int:
        return sum(self.relationships.values())


class DocumentWrite(BaseModel):
    """What ``write_document`` changed, by node id."""

    doc_id: str
    removed_task_ids: list[str]
    removed_sentence_ids: list[str]


EntityLabel = Literal["Institution", "Programme", "Place", "Target"]
ENTITY_LABELS: tuple[EntityLabel, ...] = get_args(EntityLabel)

#: Deepest neighbourhood a store walks, whatever the caller asks for.
MAX_NEIGHBOURHOOD_DEPTH = 3


class DocumentSummary(BaseModel):
    """An ingested document with the size of its outline."""

    document: PolicyDocument
    sections: int
    tasks: int
    sentences: int


class DocumentDetail(BaseModel):
    """A document with its outline (in document order) and its citations both ways.

    ``institutions`` maps ISSUED_BY, SENT_TO and COPIED_TO to the institutions, by name."""

    summary: DocumentSummary
    sections: list[Section]
    tasks: list[TaskBrief]
    cites: list[PolicyDocument]
    cited_by: list[PolicyDocument]
    institutions: dict[str, list[Institution]]


class TaskDetail(BaseModel):
    """A task's context (as search returns it) and its sentences in order."""

    context: TaskContext
    sentences: list[Sentence]


class EntityHit(BaseModel):
    """An entity as listed: ``name`` is a Target's ``text``; ``tasks`` counts the tasks
    linked to it by any task edge."""

    id: str
    label: EntityLabel
    name: str
    name_en: str | None = None
    aliases: list[str] = Field(default_factory=list)
    tasks: int
    properties: dict[str, Any]


class EntityPage(BaseModel):
    total: int
    entities: list[EntityHit]


class LinkedTask(TaskBrief):
    """A task linked to an entity, with the relationship types that link it."""

    document_title: str
    relations: list[str]


class LinkedDocument(BaseModel):
    """A document linked to an entity (e.g. ISSUED_BY an institution)."""

    id: str
    title: str
    doc_number: str | None
    ingested: bool
    relations: list[str]


class EntityDetail(BaseModel):
    entity: EntityHit
    tasks: list[LinkedTask]
    documents: list[LinkedDocument]


class GraphNode(BaseModel):
    """A node in the /cypher shape."""

    id: str
    labels: list[str]
    properties: dict[str, Any]


class GraphEdge(BaseModel):
    """A relationship in the /cypher shape (the schema's relationships carry no properties)."""

    type: str
    start: str
    end: str
    properties: dict[str, Any] = Field(default_factory=dict)


class Neighbourhood(BaseModel):
    center: str
    depth: int
    nodes: list[GraphNode]
    relationships: list[GraphEdge]
    truncated: bool = Field(description="true when the node cap stopped the walk early")


class GraphStats(BaseModel):
    counts: GraphCounts
    documents: int = Field(description="ingested documents")
    cited_documents: int = Field(description="documents known only from citations")


class GraphStore(Protocol):
    """A graph backend holding the schema of DESIGN.md.

    Every method raises ``graph.errors.GraphUnavailableError`` when the backend cannot be
    reached and ``graph.errors.GraphError`` subclasses for anything else; none returns
    partial results silently.
    """

    backend: str

    def ensure_schema(self) -> None:
        """Create node/relationship tables, uniqueness on ``id`` and indexes. Idempotent."""

    def write_document(self, batch: GraphBatch) -> DocumentWrite:
        """Make the graph hold exactly ``batch`` for ``batch.document``, in one transaction.

        Nodes are upserted by ``id`` (an existing id keeps one node; its properties are
        overwritten). Sections, tasks and sentences of the document that the batch no longer
        contains are deleted, as are the outgoing entity and citation edges of the document,
        its tasks and its sentences that the batch no longer names. Entities and cited-only
        documents left without any relationship are deleted. A cited document in the batch
        never downgrades an ingested one (``ingested`` stays true). Writing the same batch
        twice leaves every count unchanged. On any error nothing is written.
        """

    def prime_writes(self, batch: GraphBatch) -> None:
        """Rehearse writing ``batch`` on the calling thread and undo it, so that the thread's
        first real write finds its statements prepared. Writes nothing."""

    def relink_cited_document(self, old_id: str, new_id: str) -> None:
        """Merge a cited-only node into the ingested document it turned out to be: its
        incoming CITES and MENTIONS move to ``new_id``, then it is deleted."""

    def delete_document(self, doc_id: str) -> DocumentWrite | None:
        """Remove a document's sections, tasks, sentences and edges, in one transaction.

        Entities still linked from other documents stay; orphans go. If other documents still
        cite it, its node stays as a cited-only document (``ingested=false``). Returns None
        when no ingested document has this id.
        """

    def get_document(self, doc_id: str) -> PolicyDocument | None:
        """The PolicyDocument node with this id (ingested or cited-only), or None."""

    def list_documents(self, ingested_only: bool = True) -> list[PolicyDocument]:
        """Documents ordered by issued date then title."""

    def find_documents(self, doc_numbers: Sequence[str], title_keys: Sequence[str]
                       ) -> list[PolicyDocument]:
        """Documents whose normalised 文号 or ``title_key`` is among those given."""

    def document_sentences(self, doc_id: str) -> list[Sentence]:
        """The sentences of an ingested document's tasks, in task then ordinal order."""

    def all_sentences(self) -> list[tuple[Sentence, str]]:
        """Every sentence with its task's doc_id, ordered by id (for re-indexing)."""

    def task_contexts(self, task_ids: Sequence[str]) -> dict[str, TaskContext]:
        """Each existing task's neighbourhood: document, section, linked entities and cited
        documents (each list ordered by name). Unknown ids are left out of the result."""

    def search_snapshot(self) -> GraphSnapshot:
        """What search reads from the graph (entities and their names, tasks, sentences,
        context edges, mentions, PART_OF), read once and kept until this store writes or
        ``forget_cached_reads`` is called; the same object until then."""

    def sentences(self, sentence_ids: Sequence[str]) -> dict[str, Sentence]:
        """Sentences by id; unknown ids are left out."""

    def forget_cached_reads(self, documents: Iterable[str] | None = None) -> None:
        """Drop what this store object cached from the graph (documents, sections, entities
        and the search snapshot). Its own writes do this; call it when another process may
        have written (a server that noticed a CLI ingest). With ``documents``, only those
        documents' tasks and sentences may have changed: the next search snapshot is the last
        one with them read again, not the whole graph."""

    def counts(self) -> GraphCounts:
        """Node counts per label and relationship counts per type."""

    def run_read(self, query: str, parameters: Mapping[str, Any] | None = None,
                 *, max_rows: int = 1000, timeout_s: float = 10.0,
                 max_bytes: int = 5_000_000) -> QueryResult:
        """Run a Cypher query that may only read, enforced by the database (a read-only
        transaction) and by ``graph.readonly.check_read_only``. Raises
        ``ReadOnlyViolationError`` for any write, ``QueryError`` for a failing query, a
        timeout, more than ``max_rows`` rows or a result whose JSON exceeds ``max_bytes``.
        Values are JSON-ready: nodes as ``{"id", "labels", "properties"}``, relationships as
        ``{"type", "start", "end", "properties"}``."""

    def document_summaries(self, doc_ids: Sequence[str] | None = None) -> list[DocumentSummary]:
        """Ingested documents (all, or those of ``doc_ids``; unknown and cited-only ids are
        left out) with their section, task and sentence counts, ordered as
        ``list_documents``."""

    def document_detail(self, doc_id: str) -> DocumentDetail | None:
        """A document's outline, citations and header institutions; None when no document
        has this id. A cited-only document has no outline and zero counts. Sections and tasks
        come in document order; cited and citing documents and institutions by title or
        name."""

    def get_task(self, task_id: str) -> TaskDetail | None:
        """The task's context and its sentences by ordinal; None for an unknown id."""

    def search_entities(self, query: str | None, labels: Sequence[EntityLabel],
                        limit: int = 50, offset: int = 0) -> EntityPage:
        """Entities of ``labels`` whose name, alias, English name (or a Target's text)
        contains ``query``, case-insensitively (all of them when ``query`` is None or
        empty). Order: exact name/alias/English-name matches first, then more linked tasks
        first, then by name, then id. ``total`` counts every match; ``entities`` is the page
        ``[offset, offset + limit)``."""

    def get_entity(self, entity_id: str) -> EntityDetail | None:
        """An entity with every task linked to it (by document, then outline order) and the
        documents linked to it (by title); None when no entity has this id."""

    def neighbourhood(self, node_id: str, depth: int = 1, max_nodes: int = 200,
                      include_sentences: bool = False) -> Neighbourhood | None:
        """Nodes within ``depth`` relationships of ``node_id`` in either direction (depth is
        clamped to ``1..MAX_NEIGHBOURHOOD_DEPTH``; ``depth=0`` is treated as 1), breadth
        first, at most ``max_nodes`` nodes including the centre (``truncated`` says whether
        the cap cut the walk), and the relationships among the returned nodes. Sentences
        (and their MENTIONS) are left out unless ``include_sentences``, or the centre is a
        sentence. Nodes come in walk order (centre first, then by distance, then id);
        relationships by (start, type, end). None when no node has this id."""

    def stats(self) -> GraphStats:
        """Node and relationship counts and the number of ingested and cited-only documents."""

    def close(self) -> None:
        """Release the database or driver. Idempotent."""


@dataclass(frozen=True)
class StoredVector:
    """A sentence's embedding as a shared store keeps it: ``vector`` is the little-endian
    float32 bytes of the vector (the graph layer does not read them)."""

    sentence_id: str
    doc_id: str
    task_id: str
    text_sha: str
    vector: bytes


@dataclass(frozen=True)
class SearchChange:
    """A committed change of a document's search entries; ``generation`` increases by one
    with every change."""

    generation: int
    doc_id: str


#: Changes a shared store keeps; a process further behind compares everything instead.
SEARCH_CHANGES_KEPT = 10_000


@runtime_checkable
class SharedSearchStore(Protocol):
    """A graph backend that also holds what search needs, so that several processes (API
    replicas) with their own in-memory indexes share it: each sentence's vector (kept apart
    from the Sentence node) and a change marker, a generation number raised by every publish.

    Neo4j implements it; the embedded store does not (its local index files are the truth).
    """

    def search_generation(self) -> int:
        """The number of the last published change; 0 before the first."""

    def search_changes(self, since: int) -> tuple[int, list[SearchChange]]:
        """The current generation, and the changes after ``since`` up to it, in order (the
        last ``SEARCH_CHANGES_KEPT`` at most: older ones are forgotten)."""

    def vector_keys(self, model: str, doc_ids: Collection[str] | None = None
                    ) -> dict[str, tuple[str, str]]:
        """Sentence id -> (doc id, text sha) of the vectors stored for ``model`` (of
        ``doc_ids`` only, if given)."""

    def stored_vectors(self, model: str, doc_ids: Collection[str]) -> list[StoredVector]:
        """The vectors of ``model`` stored for these documents' sentences."""

    def publish_vectors(self, doc_id: str, model: str, upsert: Sequence[StoredVector],
                        keep: Collection[str]) -> int:
        """In one transaction: store ``upsert`` (replacing vectors of the same sentence ids),
        delete the document's vectors whose sentence id is not in ``keep``, and record a
        change of ``doc_id`` under the next generation, which is returned."""


@runtime_checkable
class SharedStateStore(Protocol):
    """A graph backend that keeps small records for every process that writes to it (the
    ingest journal, the failed list) and a write lock with a lease, so that any replica can
    finish or roll back what another one left, and only one writes at a time."""

    def read_state(self, key: str) -> str | None:
        """The text stored under ``key``, or None."""

    def write_state(self, key: str, text: str | None) -> None:
        """Store ``text`` under ``key`` (None deletes it); durable when this returns."""

    def acquire_lease(self, key: str, holder: str, token: str, ttl_s: float, *,
                      steal_from: str | None = None) -> str | None:
        """Take the lock ``key`` for ``token`` until ``ttl_s`` seconds from now (server
        time). Returns None when taken; else the current holder's description, the lock
        unchanged. A lock past its expiry is free; ``steal_from`` (a token) takes the lock
        from that holder whatever its expiry (its process is known to be dead)."""

    def renew_lease(self, key: str, token: str, ttl_s: float) -> bool:
        """Extend the lock held by ``token``; False when it is no longer held by it."""

    def release_lease(self, key: str, token: str) -> None:
        """Free the lock if ``token`` holds it."""
