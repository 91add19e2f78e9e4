"""The GraphStore protocol: the contract every graph backend (embedded LadybugDB, Neo4j) meets.

The behaviour suite in ``tests/graph/test_store_contract.py`` runs against every backend.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel

from graph.models import GraphBatch, PolicyDocument, QueryResult, Sentence, TaskContext


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

    def sentences(self, sentence_ids: Sequence[str]) -> dict[str, Sentence]:
        """Sentences by id; unknown ids are left out."""

    def counts(self) -> GraphCounts:
        """Node counts per label and relationship counts per type."""

    def run_read(self, query: str, parameters: Mapping[str, Any] | None = None,
                 *, max_rows: int = 1000, timeout_s: float = 10.0) -> QueryResult:
        """Run a Cypher query that may only read, enforced by the database (a read-only
        transaction) and by ``graph.readonly.check_read_only``. Raises
        ``ReadOnlyViolationError`` for any write, ``QueryError`` for a failing query, a
        timeout, or more than ``max_rows`` rows. Values are JSON-ready: nodes as
        ``{"id", "labels", "properties"}``, relationships as ``{"type", "start", "end",
        "properties"}``."""

    def close(self) -> None:
        """Release the database or driver. Idempotent."""
