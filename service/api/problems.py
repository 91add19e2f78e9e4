"""Errors as RFC 9457 problem details. The one place that maps domain errors to HTTP statuses.

Every problem has a stable ``type`` (``https://policykg.dev/problems/<name>``), the request id
of the request that failed, and for 422 the list of invalid fields.
"""

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api.ratelimit import RateLimitedError
from service.errors import InvalidRequestError
from service.logs import get_logger
from service.problem_types import (
    INTERNAL,
    INTERNAL_DETAIL,
    MAPPING,
    VALIDATION,
    ProblemKind,
    classify,
    problem_body,
    validation_errors,
)
from service.schemas import Problem

MEDIA_TYPE = "application/problem+json"
#: Seconds a client should wait before retrying while the graph backend is down.
GRAPH_RETRY_AFTER_S = 10

# Types of the errors FastAPI and Starlette raise themselves.
_HTTP_TYPES = {400: "bad-request", 401: "unauthenticated", 404: "not-found", 405: "method-not-allowed",
               413: "payload-too-large", 415: "unsupported-media-type"}
#: Every problem type, for the OpenAPI description.
PROBLEM_TYPES = sorted({k.type for _, k in MAPPING} | set(_HTTP_TYPES.values())
                       | {VALIDATION.type, INTERNAL.type})

_log = get_logger("errors")


def problem(status: int, type_: str, title: str, detail: str, request: Request | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = problem_body(ProblemKind(status, type_, title), detail)
    request_id = getattr(request.state, "request_id", None) if request is not None else None
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def problem_for(exc: Exception, request: Request) -> JSONResponse:
    """The problem response of a domain error (a 500 for an unexpected one), logged."""
    kind = classify(exc)
    if kind is None:
        _log.error("unexpected error", exc_info=exc)
        return unexpected_response(request)
    level = logging.ERROR if kind.status >= 500 else logging.INFO
    _log.log(level, "%s: %s", kind.type, exc, extra={"status": kind.status})
    extra = {"errors": exc.errors} if isinstance(exc, InvalidRequestError) else {}
    return problem(kind.status, kind.type, kind.title, str(exc), request,
                   headers=_headers(exc, kind.status), **extra)


def _headers(exc: Exception, status: int) -> dict[str, str] | None:
    if isinstance(exc, RateLimitedError):
        return {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
    if status == 503:
        return {"Retry-After": str(GRAPH_RETRY_AFTER_S)}
    if status == 401:
        return {"WWW-Authenticate": 'Bearer realm="policykg"'}
    return None


def unexpected_response(request: Request) -> JSONResponse:
    """A bug's 500: the detail stays generic, the log has the traceback under the request id."""
    return problem(INTERNAL.status, INTERNAL.type, INTERNAL.title, INTERNAL_DETAIL, request)


def install_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        return problem_for(exc, request)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem(VALIDATION.status, VALIDATION.type, VALIDATION.title,
                       "the request is not valid", request, errors=validation_errors(exc.errors()))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        type_ = _HTTP_TYPES.get(exc.status_code, f"http-{exc.status_code}")
        return problem(exc.status_code, type_, str(exc.detail), str(exc.detail), request,
                       headers=dict(exc.headers) if exc.headers else None)

    for cls in {c for c, _ in MAPPING}:
        app.add_exception_handler(cls, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


_ERROR_DESCRIPTIONS = {
    400: "A body that cannot be parsed, or a Cypher query that failed (syntax, timeout, "
         "too many rows, result too large)",
    401: "No API key, or one that is not valid",
    403: "The key's role may not do this, or the query tried to write",
    404: "No such document, task, entity or node",
    413: "The body is larger than the limit",
    415: "The file type is not supported",
    422: "Invalid parameters or body, or a document that could not be read",
    429: "The key's rate limit is spent; see Retry-After",
    503: "The graph backend is unavailable; see Retry-After",
}
# What any endpoint behind a key may answer.
READ_ERRORS = (401, 422, 429, 503)


def openapi_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for problem responses."""
    return {status: {"model": Problem, "description": _ERROR_DESCRIPTIONS[status],
                     "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for status in sorted(set(statuses))}


def openapi_example(example: Any, description: str = "Successful response"
                    ) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description,
                  "content": {"application/json": {"example": example}}}}
