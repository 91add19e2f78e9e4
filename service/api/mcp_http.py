"""``/mcp``: the MCP tools (``service.mcp_server``) over streamable HTTP, in the API's process
and behind its keys and rate limit (``deps.authorize``, the same check as every route: a
reader key, sent as ``X-API-Key`` or ``Authorization: Bearer``). Stateless, answered with JSON:
no session state is kept between requests."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from service.api.auth import AuthError
from service.api.deps import authorize, presented_key
from service.api.problems import problem_for
from service.api.ratelimit import RateLimitedError
from service.mcp_server import ToolServices, build_server
from service.settings import Settings

PATH = "/mcp"
_LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]


class _Endpoint:
    """Checks the caller's key like a route's dependency does (401/403/429 problem+json),
    then hands the request to the MCP server's session manager."""

    def __init__(self, server: MCPServer) -> None:
        self._server = server
        self.route: Route | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # the access log's and the metrics' route label
        request = Request(scope, receive)
        try:
            authorize(request, presented_key(request), "reader")
        except (AuthError, RateLimitedError) as exc:
            await problem_for(exc, request)(scope, receive, send)
            return
        await self._server.session_manager.handle_request(scope, receive, send)


def mount(app: FastAPI, settings: Settings) -> MCPServer:
    """Add ``/mcp`` to ``app``; run ``serving(server, ...)`` in the app's lifespan."""
    server = build_server(settings, lambda: ToolServices(app.state.documents,
                                                         app.state.cypher_gate))
    endpoint = _Endpoint(server)
    endpoint.route = Route(PATH, endpoint, include_in_schema=False)
    app.router.routes.append(endpoint.route)
    return server


@asynccontextmanager
async def serving(server: MCPServer, *, open_mode: bool) -> AsyncIterator[None]:
    """The MCP session manager for one run of the app (a manager runs once, and a test may
    start an app twice). A keyless server answers only Host headers of loopback names, so a
    web page cannot reach it through DNS rebinding; with keys (or ``POLICYKG_OPEN``), any."""
    security = (TransportSecuritySettings(allowed_hosts=_LOOPBACK_HOSTS,
                                          allowed_origins=[f"http://{h}" for h in _LOOPBACK_HOSTS])
                if open_mode else TransportSecuritySettings(enable_dns_rebinding_protection=False))
    server.streamable_http_app(streamable_http_path=PATH, stateless_http=True, json_response=True,
                               transport_security=security)
    async with server.session_manager.run():
        yield
