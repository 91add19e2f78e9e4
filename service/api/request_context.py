"""The middleware that assigns request ids, logs requests and records their latency in the
metrics.

A client may send ``X-Request-ID`` (up to 128 characters of ``A-Za-z0-9._:-``) to correlate
its own logs; otherwise the server makes one. Either way the response carries it back.
"""

import re
import time
import uuid
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.logs import get_logger, request_id_var
from service.metrics import observe_request

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_access = get_logger("access")


class RequestContextMiddleware:
    """Request id in, request id out; one access log line and one latency sample per request,
    labelled with the route template so that metrics stay bounded. An exception that escapes
    the app is logged with its traceback and answered by ``on_error`` (a 500 that carries
    the request id like every other response)."""

    def __init__(self, app: ASGIApp, on_error: Callable[[Request], Response]) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if _VALID_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if status:
                raise  # the response has begun: nothing else can be sent
            get_logger("errors").error("unexpected error", exc_info=exc)
            await self.on_error(Request(scope))(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "(unmatched)"
            observe_request(scope["method"], route, status, seconds)
            principal = scope.get("state", {}).get("principal")
            _access.info("%s %s %d", scope["method"], route, status, extra={
                "method": scope["method"], "path": scope["path"], "route": route,
                "status": status, "duration_ms": round(seconds * 1000, 2),
                "key_id": getattr(principal, "key_id", None),
            })
            request_id_var.reset(token)
