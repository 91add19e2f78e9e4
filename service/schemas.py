"""The API's request and response bodies (the JSON contract of DESIGN.md)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.models import Institution, Place, Programme, Target

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
    k: int = Field(default=10, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=10_000)
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
    text: str
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
    entity: dict[str, Any]
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
