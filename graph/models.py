"""The graph's node and relationship records (the schema of DESIGN.md), as strict pydantic models.

Loaders produce a ``GraphBatch``; every ``GraphStore`` writes one. Property names here are the
property names researchers see in Cypher.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyDocument(_Record):
    id: str
    title: str
    notice_title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    issued_date: str | None = Field(default=None, description="ISO date, e.g. 2021-02-18")
    year: int | None = None
    level: str | None = Field(default=None, description="national, provincial, municipal or county: "
                              "the level of the issuing jurisdiction (ingested documents)")
    source: str | None = None
    sha256: str | None = None
    ingested: bool = True
    title_key: str = Field(description="normalised title used to match citations to documents")
    notice_id: str | None = Field(default=None, description="for a document that a notice issues "
                                  "together with others: the notice's id (its text is in the notice's file)")


_ORDINAL = Field(default=0, description="position in document order, from 1 (0: written "
                                       "before ordinals were stored; ingest the document again)")


class Section(_Record):
    id: str
    doc_id: str
    level: int
    number: int
    label: str
    title: str
    path: str
    ordinal: int = _ORDINAL


class TaskBrief(_Record):
    """A task without its text: enough to list it and link to it."""

    id: str
    doc_id: str
    number: int = Field(description="the item's own number at its level; 0 for unnumbered prose")
    path: str
    title: str
    lead: str | None = None
    deadline: str | None = None


class Task(TaskBrief):
    text: str
    ordinal: int = _ORDINAL


class Sentence(_Record):
    id: str
    task_id: str
    ordinal: int
    text: str
    start: int
    end: int


class Institution(_Record):
    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    kind: str | None = Field(default=None, description="government, party, department, school, "
                             "enterprise, social_organisation or other")


class Programme(_Record):
    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    scope: str | None = Field(default=None, description="for a name whose meaning depends on who "
                              "uses it (三大工程, 省培计划): the jurisdiction it belongs to")


class Place(_Record):
    id: str
    name: str
    name_en: str | None = None
    aliases: list[str] = Field(default_factory=list)
    level: str | None = None


class Target(_Record):
    id: str
    text: str
    value_min: float | None = None
    value_max: float | None = None
    unit: str | None = None
    counts: str | None = None
    year: int | None = None
    approximate: bool = Field(default=False, description="the text gives the number as an estimate (左右, 约)")


NodeLabel = Literal[
    "PolicyDocument", "Section", "Task", "Sentence",
    "Institution", "Programme", "Place", "Target",
]

RelType = Literal[
    "HAS_SECTION", "HAS_TASK", "HAS_SENTENCE", "CITES", "INVOLVES", "ADVANCES", "CONCERNS",
    "SETS", "LED_BY", "MENTIONS", "ISSUED_BY", "SENT_TO", "COPIED_TO", "PART_OF", "JURISDICTION", "ISSUES",
]

# Every (type, from label, to label) the schema allows; stores create exactly these.
RELATIONSHIP_SCHEMA: tuple[tuple[RelType, NodeLabel, NodeLabel], ...] = (
    ("HAS_SECTION", "PolicyDocument", "Section"),
    ("HAS_SECTION", "Section", "Section"),
    ("HAS_TASK", "Section", "Task"),
    ("HAS_TASK", "PolicyDocument", "Task"),
    ("HAS_SENTENCE", "Task", "Sentence"),
    ("CITES", "PolicyDocument", "PolicyDocument"),
    ("CITES", "Task", "PolicyDocument"),
    ("INVOLVES", "Task", "Institution"),
    ("ADVANCES", "Task", "Programme"),
    ("CONCERNS", "Task", "Place"),
    ("SETS", "Task", "Target"),
    ("LED_BY", "Task", "Institution"),
    ("MENTIONS", "Sentence", "Institution"),
    ("MENTIONS", "Sentence", "Programme"),
    ("MENTIONS", "Sentence", "Place"),
    ("MENTIONS", "Sentence", "PolicyDocument"),
    ("MENTIONS", "Sentence", "Target"),
    ("ISSUED_BY", "PolicyDocument", "Institution"),
    ("SENT_TO", "PolicyDocument", "Institution"),
    ("COPIED_TO", "PolicyDocument", "Institution"),
    ("PART_OF", "Place", "Place"),
    ("JURISDICTION", "PolicyDocument", "Place"),
    ("ISSUES", "PolicyDocument", "PolicyDocument"),
)

ENTITY_LABELS: tuple[NodeLabel, ...] = ("Institution", "Programme", "Place", "Target")

# A task's edge to each kind of entity it names, and the key of its list in a task's context
# (as search returns it): (context key, relationship type, label).
TASK_CONTEXT_EDGES: tuple[tuple[str, RelType, NodeLabel], ...] = (
    ("programmes", "ADVANCES", "Programme"),
    ("institutions", "INVOLVES", "Institution"),
    ("places", "CONCERNS", "Place"),
    ("documents", "CITES", "PolicyDocument"),
    ("targets", "SETS", "Target"),
)


class Relation(_Record):
    type: RelType
    start_label: NodeLabel
    start_id: str
    end_label: NodeLabel
    end_id: str


class GraphBatch(BaseModel):
    """Everything one ingested document adds to the graph.

    ``cited_documents`` are PolicyDocument nodes known only from citations (``ingested=False``):
    a store must never downgrade an ingested document to a cited one. ``issued_documents`` are
    the documents a notice issues together (``notice_id`` is the notice's id): they live and
    die with the notice's file.
    """

    model_config = ConfigDict(extra="forbid")

    document: PolicyDocument
    cited_documents: list[PolicyDocument] = Field(default_factory=list)
    issued_documents: list[PolicyDocument] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    institutions: list[Institution] = Field(default_factory=list)
    programmes: list[Programme] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)


class TaskContext(BaseModel):
    """A task's neighbourhood as search returns it."""

    model_config = ConfigDict(extra="forbid")

    task: Task
    document: PolicyDocument
    section: Section | None = None
    programmes: list[Programme] = Field(default_factory=list)
    institutions: list[Institution] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    documents: list[PolicyDocument] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)


class QueryResult(BaseModel):
    """A Cypher result in the /cypher shape: rows are lists in column order."""

    columns: list[str]
    rows: list[list[object]]


class EntityNames(BaseModel):
    """The names search links an entity by: name, aliases, English name (a cited document's
    title, with its 文号 as an alias)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    label: NodeLabel
    name: str
    aliases: list[str] = Field(default_factory=list)
    name_en: str | None = None


class TaskLink(BaseModel):
    """A task-level edge to an entity with the task's sentences that mention it (evidence)."""

    model_config = ConfigDict(extra="forbid")

    task_id: str
    doc_id: str
    entity_id: str
    sentence_ids: list[str] = Field(default_factory=list)
