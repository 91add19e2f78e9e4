"""Search and read-only Cypher."""

from typing import Annotated

from fastapi import APIRouter, Query

from graph.models import QueryResult
from service import catalog
from service.api import examples
from service.api.deps import ComponentsDep, CypherSlot, LibraryDep, Reader
from service.api.problems import READ_ERRORS, openapi_errors, openapi_example
from service.schemas import CypherRequest, SearchRequest, SearchResponse
from service.settings import Settings


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    @routes.get("/search", response_model=SearchResponse, tags=["search"],
                responses={**openapi_example(examples.SEARCH), **openapi_errors(*READ_ERRORS)})
    def search_get(
        _: Reader, library: LibraryDep,
        q: Annotated[str, Query(min_length=1, max_length=settings.search_max_query_chars,
                                description="the question, in Chinese or English")],
        k: Annotated[int, Query(ge=1, le=settings.search_max_k)] = 10,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    ) -> SearchResponse:
        """Tasks that answer the question, with evidence sentences, graph context and a
        numbered, cited ``context_text`` ready to paste into a chatbot prompt."""
        return catalog.search(library, SearchRequest(query=q, k=k, offset=offset))

    @routes.post("/search", response_model=SearchResponse, tags=["search"],
                 responses={**openapi_example(examples.SEARCH),
                            **openapi_errors(400, *READ_ERRORS)})
    def search_post(_: Reader, library: LibraryDep, body: SearchRequest) -> SearchResponse:
        """As ``GET /search``, with filters: OR within a field, AND across fields."""
        return catalog.search(library, body)

    @routes.post("/cypher", response_model=QueryResult, tags=["graph"],
                 responses={**openapi_example(examples.CYPHER),
                            **openapi_errors(400, 403, *READ_ERRORS)})
    def cypher(_: Reader, __: CypherSlot, c: ComponentsDep, body: CypherRequest) -> QueryResult:
        """A read-only Cypher query with parameters: ``{"columns", "rows"}``, rows in column
        order. A parser checks it is one reading statement, the database runs what the parser
        read in a read-only transaction (on the embedded store, in a sandboxed worker); it is
        limited in time, rows, bytes and memory. See the README's security section."""
        return catalog.cypher(c, body)

    return routes
