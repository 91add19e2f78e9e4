"""The FastAPI app: assembles the routers (``service.api.routes``), the middleware (request
ids and logs, body limits, CORS) and the error handlers (``service.api.problems``). The work is
done by the search service, the library and ``service.catalog``.

Endpoints are plain ``def``: FastAPI runs them in its thread pool, so embedding a query never
blocks the event loop.
"""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from service.api import mcp_http
from service.api.auth import KeyRing
from service.api.body_limit import BodyLimitMiddleware
from service.api.problems import PROBLEM_TYPES, install_handlers, unexpected_response
from service.api.ratelimit import ConcurrencyGate, RateLimiter
from service.api.request_context import RequestContextMiddleware
from service.api.routes import documents, graph, ops, search, web
from service.ingest.audit import AuditLog
from service.ingest.follower import ChangeFollower
from service.ingest.library import Library
from service.ingest.originals import OriginalStore
from service.logs import configure_logging
from service.settings import DEFAULT_RATE_LIMIT_PER_MINUTE, Settings
from service.wiring import Components, build_components, shared_search

_MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around an uploaded file
_DESCRIPTION = (
    "Knowledge graph and search over Chinese policy documents.\n\n"
    "Send an API key in `X-API-Key` or `Authorization: Bearer`: a reader key may "
    "search, read and run read-only Cypher; an admin key may also upload and delete. "
    "`/health` needs no key. Errors are RFC 9457 `application/problem+json`; their "
    "`type` is `https://policykg.dev/problems/<name>`, one of: "
    + ", ".join(f"`{t}`" for t in PROBLEM_TYPES) + ".")


def create_app(settings: Settings, components: Components | None = None, *,
               freeze_start_up_objects: bool = False) -> FastAPI:
    """Build the app. ``components`` lets tests pass ready stores; otherwise the lifespan
    builds them once at start-up and closes them at shutdown. Raises
    ``service.api.auth.KeyConfigError`` for unusable keys. ``freeze_start_up_objects``: see
    ``_freeze_start_up_objects`` (``policykg serve``: one app per process)."""
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = components is None
        ready = components or build_components(settings)
        app.state.components = ready
        app.state.originals = OriginalStore(settings.originals_dir)
        library = Library(ready, app.state.originals, AuditLog(settings.audit_log_path))
        app.state.documents = library
        # On a shared graph (Neo4j) the local indexes are a cache: sync what differs, then
        # follow the changes other replicas publish.
        library.catch_up()
        shared = shared_search(ready.store) is not None
        library.warm_up(parse=app.state.keyring.accepts_writes)
        library.check_at_start()  # /health's status until the first write
        if freeze_start_up_objects:
            _freeze_start_up_objects()
        follower = ChangeFollower(library, settings.follow_interval_s) if shared else None
        if follower is not None:
            follower.start()
        try:
            async with mcp_http.serving(mcp_server, open_mode=app.state.keyring.empty
                                        and not settings.open):
                yield
        finally:
            if follower is not None:
                follower.stop()
            library.close()
            if owned:
                ready.close()

    app = FastAPI(title="policykg", version=metadata.version("policykg"), lifespan=lifespan,
                  description=_DESCRIPTION)
    app.state.keyring = KeyRing.from_settings(settings)
    configured = settings.rate_limit_per_minute
    app.state.limiter = RateLimiter(
        DEFAULT_RATE_LIMIT_PER_MINUTE if configured is None else configured,
        settings.rate_limit_burst)
    # Unset, the limit spares a keyless server asked on a loopback address (deps.authorize).
    app.state.limit_local_open = configured is not None
    app.state.cypher_gate = ConcurrencyGate(settings.cypher_max_concurrent, "Cypher queries")
    for area in (search, documents, graph, ops, web):
        app.include_router(area.router(settings))
    mcp_server = mcp_http.mount(app, settings)
    install_handlers(app)
    _add_middleware(app, settings)
    return app


def _freeze_start_up_objects() -> None:
    """Leave the objects made so far (the parser's and the bridge's dictionaries, the first
    generation) out of Python's cyclic garbage collection. A full collection walked all of them
    with Python's lock held and struck in the middle of an upload: a search then took 255-320
    ms (bench/results/http_load.md: six runs of six; none of two since). Only cyclic garbage
    made before the freeze is never collected, once; a process with many apps (the tests) must
    not freeze."""
    gc.collect()
    gc.freeze()


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    # Body limits (413 problem+json with the request id): inside the request-id middleware,
    # which is added last so that it runs first.
    app.add_middleware(BodyLimitMiddleware, default_max=settings.request_max_bytes,
                       route_max={("POST", "/documents"):
                                  settings.upload_max_bytes + _MULTIPART_OVERHEAD})
    if settings.cors_origins.strip():
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Location"],
        )
    app.add_middleware(RequestContextMiddleware, on_error=unexpected_response)
