"""Request body limits, answered like every other error: 413 ``application/problem+json``
with the request id.

FastAPI's own ``max_body_size`` answers a body whose Content-Length is over the limit with
Starlette's plain-text "Content Too Large" from outside the app's middleware (no request id,
not problem+json), so the limits are kept here instead: inside the request-id middleware, before
any route reads the body.
"""

from collections.abc import Mapping

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.problems import problem

PAYLOAD_TOO_LARGE = "payload-too-large"


class PayloadTooLargeError(StarletteHTTPException):
    """Raised from ``receive`` once a streamed body passes its limit: FastAPI lets HTTP
    exceptions out of body parsing as they are, so the app's handler answers it (problem+json)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit} bytes")


class BodyLimitMiddleware:
    """Refuse a body over ``default_max`` bytes, or over the limit ``route_max`` gives its
    (method, path): at once when its Content-Length says so, else as soon as the bytes read pass
    the limit (a chunked body has no Content-Length)."""

    def __init__(self, app: ASGIApp, default_max: int,
                 route_max: Mapping[tuple[str, str], int] | None = None) -> None:
        self.app = app
        self.default_max = default_max
        self.route_max = dict(route_max or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.route_max.get((scope["method"], scope["path"]), self.default_max)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            detail = f"the request body is {declared} bytes, over the limit of {limit} bytes"
            await _too_large(scope, detail)(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLargeError(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except PayloadTooLargeError as exc:  # read where no handler catches it
            if started:
                raise
            await _too_large(scope, str(exc.detail))(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(scope: Scope, detail: str) -> JSONResponse:
    return problem(413, PAYLOAD_TOO_LARGE, "The body is larger than the limit", detail, Request(scope))
