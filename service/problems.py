"""Errors as RFC 9457 problem details. The one place that maps domain errors to HTTP statuses."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from embeddings.errors import EmbeddingError, IndexMismatchError
from graph.errors import (
    GraphError,
    GraphUnavailableError,
    QueryError,
    ReadOnlyViolationError,
)
from loaders.errors import LoaderError, UnsupportedFormatError

PROBLEM_BASE = "https://policykg.dev/problems/"
MEDIA_TYPE = "application/problem+json"

# Most specific first: the first matching class decides.
_MAPPING: tuple[tuple[type[Exception], int, str, str], ...] = (
    (ReadOnlyViolationError, 403, "read-only", "Writes are not allowed here"),
    (GraphUnavailableError, 503, "graph-unavailable", "The graph backend is unavailable"),
    (QueryError, 400, "query-error", "The query failed"),
    (GraphError, 500, "graph-error", "Graph error"),
    (UnsupportedFormatError, 415, "unsupported-format", "Unsupported file format"),
    (LoaderError, 422, "unreadable-document", "The document could not be read"),
    (IndexMismatchError, 409, "index-mismatch", "The index was built by another model"),
    (EmbeddingError, 500, "embedding-error", "Embedding error"),
)


def problem(status: int, type_: str, title: str, detail: str,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_BASE + type_, "title": title, "status": status, "detail": detail,
            **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        for cls, status, type_, title in _MAPPING:
            if isinstance(exc, cls):
                headers = {"Retry-After": "10"} if status == 503 else None
                return problem(status, type_, title, str(exc), headers=headers)
        return problem(500, "internal", "Internal error", "unexpected error")

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return problem(422, "validation", "Invalid request", "the request is not valid",
                       errors=errors)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem(exc.status_code, f"http-{exc.status_code}", str(exc.detail),
                       str(exc.detail), headers=dict(exc.headers) if exc.headers else None)

    for cls in {c for c, *_ in _MAPPING}:
        app.add_exception_handler(cls, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
