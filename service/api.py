"""The FastAPI app: a thin layer over the search service and the graph store.

Endpoints are plain ``def``: FastAPI runs them in its thread pool, so embedding a query never
blocks the event loop.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request

from graph.models import QueryResult
from service.problems import install_handlers
from service.schemas import CypherRequest, SearchRequest, SearchResponse
from service.search import SearchService
from service.settings import Settings
from service.wiring import Components, build_components, build_search


def create_app(settings: Settings, components: Components | None = None) -> FastAPI:
    """Build the app. ``components`` lets tests pass ready stores; otherwise the lifespan
    builds them once at start-up and closes them at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = components is None
        app.state.components = components or build_components(settings)
        app.state.search = build_search(app.state.components)
        app.state.search.warm_up()
        yield
        if owned:
            app.state.components.close()

    app = FastAPI(title="policykg", version="0.1.0", lifespan=lifespan,
                  description="Knowledge graph and search over Chinese policy documents.")
    install_handlers(app)

    def get_components(request: Request) -> Components:
        return request.app.state.components  # type: ignore[no-any-return]

    ComponentsDep = Annotated[Components, Depends(get_components)]

    def search_service(request: Request) -> SearchService:
        return request.app.state.search  # type: ignore[no-any-return]

    SearchDep = Annotated[SearchService, Depends(search_service)]

    @app.get("/search", response_model=SearchResponse, tags=["search"])
    def search_get(
        search: SearchDep,
        q: Annotated[str, Query(min_length=1, max_length=500, description="the question")],
        k: Annotated[int, Query(ge=1, le=100)] = 10,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    ) -> SearchResponse:
        """Tasks that answer the question, with evidence sentences and graph context."""
        return search.search(q, k=k, offset=offset)

    @app.post("/search", response_model=SearchResponse, tags=["search"])
    def search_post(search: SearchDep, body: SearchRequest) -> SearchResponse:
        return search.search(body.query, k=body.k, offset=body.offset, filters=body.filters)

    @app.post("/cypher", response_model=QueryResult, tags=["graph"])
    def cypher(c: ComponentsDep, body: CypherRequest) -> QueryResult:
        """A read-only Cypher query: ``{"columns", "rows"}``, rows in column order."""
        return c.store.run_read(body.query, body.parameters,
                                max_rows=settings.cypher_max_rows,
                                timeout_s=settings.cypher_timeout_s)

    @app.get("/health", tags=["ops"])
    def health(c: ComponentsDep) -> dict[str, Any]:
        """Readiness: the graph answers and the vector index is loaded."""
        counts = c.store.counts()
        return {"status": "ok", "graph": c.store.backend,
                "documents": len(c.store.list_documents()), "tasks": counts.nodes.get("Task", 0),
                "vectors": c.vectors.count, "embedder": c.embedder.name}

    return app
