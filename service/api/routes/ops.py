"""Operations: stats, health and metrics."""

from fastapi import APIRouter, Response

from service import catalog
from service.api.deps import ComponentsDep, LibraryDep, Reader
from service.api.problems import READ_ERRORS, openapi_errors
from service.metrics import CONTENT_TYPE_LATEST, render
from service.schemas import HealthDetailsOut, HealthOut, StatsOut
from service.settings import Settings


def router(settings: Settings) -> APIRouter:
    routes = APIRouter(tags=["ops"])

    @routes.get("/stats", response_model=StatsOut, responses=openapi_errors(*READ_ERRORS))
    def stats(_: Reader, c: ComponentsDep) -> StatsOut:
        """Node and relationship counts, documents, and the sizes of both indexes."""
        return catalog.stats(c)

    @routes.get("/health", response_model=HealthOut, responses=openapi_errors(503))
    def health(c: ComponentsDep, library: LibraryDep) -> HealthOut:
        """Readiness, without a key: the graph answers and both indexes are loaded (else
        503). ``status`` is ``degraded`` (still a 200: the server answers) when the last
        consistency check, at start-up or after a write, found graph and indexes disagreeing,
        an interrupted write or failed documents; ``GET /health/details`` says which."""
        return catalog.health(c, library.health)

    @routes.get("/health/details", response_model=HealthDetailsOut,
                responses=openapi_errors(*READ_ERRORS))
    def health_details(_: Reader, library: LibraryDep) -> HealthDetailsOut:
        """Why /health says what it says: the last consistency check (when it ran; which
        documents' sentences each index lacks, has extra or has stale; an interrupted write;
        failed documents). Clear failed documents with ``policykg check --repair``."""
        return catalog.health_details(library.health)

    @routes.get("/metrics", response_class=Response,
                responses={200: {"description": "Prometheus text exposition",
                                 "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}},
                           **openapi_errors(401, 429)})
    def metrics(_: Reader) -> Response:
        """Prometheus metrics: request latency per route, search time per stage."""
        return Response(render(), media_type=CONTENT_TYPE_LATEST)

    return routes
