"""Which problem type an error is: the one table the HTTP API (``application/problem+json``,
``service.api.problems``) and the MCP tools (tool errors, ``service.mcp_server``) both read, so
a client sees the same ``type`` for the same failure whichever way it asked."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from embeddings.errors import EmbeddingError, IndexMismatchError
from graph.errors import (
    GraphError,
    GraphUnavailableError,
    QueryError,
    ReadOnlyViolationError,
)
from loaders.errors import FileTooLargeError, LoaderError, UnsupportedFormatError
from service.api.auth import ForbiddenError, UnauthenticatedError
from service.api.ratelimit import RateLimitedError
from service.errors import InvalidRequestError, InvalidUploadError, NotFoundError
from service.ingest.ingestor import FailedDocumentError, InconsistentDocumentError
from service.ingest.journal import IndexLockedError

PROBLEM_BASE = "https://policykg.dev/problems/"


@dataclass(frozen=True)
class ProblemKind:
    status: int
    type: str
    title: str


# Most specific first: the first matching class decides.
MAPPING: tuple[tuple[type[Exception], ProblemKind], ...] = tuple(
    (cls, ProblemKind(status, type_, title)) for cls, status, type_, title in (
        (UnauthenticatedError, 401, "unauthenticated", "An API key is required"),
        (ForbiddenError, 403, "forbidden", "This API key may not do this"),
        (RateLimitedError, 429, "rate-limited", "Too many requests"),
        (NotFoundError, 404, "not-found", "Not found"),
        (InvalidRequestError, 422, "validation", "Invalid request"),
        (InvalidUploadError, 422, "invalid-upload", "The upload is not valid"),
        (ReadOnlyViolationError, 403, "read-only", "Writes are not allowed here"),
        (GraphUnavailableError, 503, "graph-unavailable", "The graph backend is unavailable"),
        (IndexLockedError, 503, "graph-unavailable", "Another process is writing the indexes"),
        (QueryError, 400, "query-error", "The query failed"),
        (GraphError, 500, "graph-error", "Graph error"),
        (UnsupportedFormatError, 415, "unsupported-format", "Unsupported file format"),
        (FileTooLargeError, 413, "payload-too-large", "The file is too large"),
        (LoaderError, 422, "unreadable-document", "The document could not be read"),
        (InconsistentDocumentError, 422, "unreadable-document", "The document could not be read"),
        (FailedDocumentError, 422, "unreadable-document", "The document failed twice before"),
        (IndexMismatchError, 409, "index-mismatch", "The index was built by another model"),
        (EmbeddingError, 500, "embedding-error", "Embedding error"),
    ))
VALIDATION = ProblemKind(422, "validation", "Invalid request")
INTERNAL = ProblemKind(500, "internal", "Internal error")
INTERNAL_DETAIL = "unexpected error; the server log has the details under this request id"


def classify(exc: BaseException) -> ProblemKind | None:
    """The problem an error is, or None for an unexpected one (a bug: answer ``INTERNAL``)."""
    for cls, kind in MAPPING:
        if isinstance(exc, cls):
            return kind
    return None


def problem_body(kind: ProblemKind, detail: str, **extra: Any) -> dict[str, Any]:
    """An RFC 9457 body: ``type``, ``title``, ``status``, ``detail`` and any ``extra``."""
    return {"type": PROBLEM_BASE + kind.type, "title": kind.title, "status": kind.status,
            "detail": detail, **extra}


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's or FastAPI's error list as the problem's ``errors``: each field's location
    and message."""
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in errors]
