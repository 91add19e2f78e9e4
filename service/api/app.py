"""The FastAPI app: a thin layer over the search service, the document service and the graph
store. Access (API keys, rate limits), errors (``service.api.problems``), logs and metrics are
wired here; the work is done elsewhere.

Endpoints are plain ``def``: FastAPI runs them in its thread pool, so embedding a query never
blocks the event loop.
"""

import mimetypes
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, File, Path, Query, Request, Response, Security, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.base import EntityDetail, EntityLabel, Neighbourhood
from graph.models import PolicyDocument, QueryResult
from service.api import examples
from service.api.auth import ANONYMOUS, ForbiddenError, KeyRing, Principal, Role, UnauthenticatedError
from service.api.body_limit import BodyLimitMiddleware
from service.api.problems import MEDIA_TYPE, PROBLEM_TYPES, install_handlers, unexpected_response
from service.api.ratelimit import RateLimiter
from service.errors import NotFoundError
from service.ingest.audit import AuditLog
from service.ingest.consistency import HealthFlag
from service.ingest.library import DocumentService
from service.ingest.originals import OriginalStore
from service.logs import RequestContextMiddleware, configure_logging
from service.metrics import CONTENT_TYPE_LATEST, render
from service.schemas import (
    CitedDocument,
    CypherRequest,
    DocumentDetailOut,
    DocumentList,
    DocumentOut,
    EntityList,
    FailedDocumentOut,
    HeaderInstitutions,
    HealthDetailsOut,
    HealthOut,
    IndexDifferenceOut,
    Problem,
    SearchRequest,
    SearchResponse,
    SectionOut,
    SentenceOut,
    StatsOut,
    TaskBriefOut,
    TaskDetailOut,
    UploadResponse,
)
from service.search.service import context_out, task_out
from service.search.text_norm import normalise_query
from service.settings import Settings
from service.wiring import Components, build_components

_MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around an uploaded file
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


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for problem responses; every endpoint behind a key may also answer
    401, 429 and 503."""
    return {status: {"model": Problem, "description": _ERROR_DESCRIPTIONS[status],
                     "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for status in sorted(set(statuses))}


def _ok(example: Any, description: str = "Successful response") -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description,
                  "content": {"application/json": {"example": example}}}}


_READ_ERRORS = (401, 422, 429, 503)


def create_app(settings: Settings, components: Components | None = None) -> FastAPI:
    """Build the app. ``components`` lets tests pass ready stores; otherwise the lifespan
    builds them once at start-up and closes them at shutdown. Raises
    ``service.api.auth.KeyConfigError`` for unusable keys."""
    keyring = KeyRing.from_settings(settings)
    limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = components is None
        ready = components or build_components(settings)
        app.state.components = ready
        app.state.originals = OriginalStore(settings.originals_dir)
        app.state.documents = DocumentService(ready, app.state.originals,
                                              AuditLog(settings.audit_log_path))
        with app.state.documents.reading() as search:
            search.warm_up()
        app.state.documents.check_consistency()  # /health's status until the first write
        yield
        if owned:
            ready.close()

    app = FastAPI(
        title="policykg", version="0.1.0", lifespan=lifespan,
        description=(
            "Knowledge graph and search over Chinese policy documents.\n\n"
            "Send an API key in `X-API-Key` or `Authorization: Bearer`: a reader key may "
            "search, read and run read-only Cypher; an admin key may also upload and delete. "
            "`/health` needs no key. Errors are RFC 9457 `application/problem+json`; their "
            "`type` is `https://policykg.dev/problems/<name>`, one of: "
            + ", ".join(f"`{t}`" for t in PROBLEM_TYPES) + "."),
    )
    install_handlers(app)
    # Body limits (413 problem+json with the request id): inside the request-id middleware.
    app.add_middleware(BodyLimitMiddleware, default_max=settings.request_max_bytes,
                       route_max={("POST", "/documents"): settings.upload_max_bytes + _MULTIPART_OVERHEAD})
    if settings.cors_origins.strip():
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Location"],
        )
    app.add_middleware(RequestContextMiddleware, on_error=unexpected_response)

    api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key")
    bearer = HTTPBearer(auto_error=False, description="the same key as a bearer token")

    def authorize(role: Role) -> Any:
        def dependency(
            request: Request,
            key: Annotated[str | None, Security(api_key)],
            token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
        ) -> Principal:
            address = f"address:{request.client.host if request.client else 'unknown'}"
            if keyring.empty:
                principal, caller = ANONYMOUS, address
            else:
                presented = key or (token.credentials if token else None)
                found = keyring.authenticate(presented) if presented else None
                if found is None:
                    limiter.take(address)  # guessing keys costs tokens too
                    raise UnauthenticatedError(
                        "the API key is not valid" if presented else
                        "send an API key in the X-API-Key header or as Authorization: Bearer")
                principal, caller = found, found.key_id
                if not principal.may(role):
                    raise ForbiddenError(
                        f"{principal.key_id} is a {principal.role} key; this needs an {role} key")
            request.state.principal = principal
            limiter.take(caller)
            return principal

        return dependency

    Reader = Annotated[Principal, Depends(authorize("reader"))]
    Admin = Annotated[Principal, Depends(authorize("admin"))]

    def get_components(request: Request) -> Components:
        return request.app.state.components  # type: ignore[no-any-return]

    def get_documents(request: Request) -> DocumentService:
        return request.app.state.documents  # type: ignore[no-any-return]

    ComponentsDep = Annotated[Components, Depends(get_components)]
    DocumentsDep = Annotated[DocumentService, Depends(get_documents)]
    DocId = Annotated[str, Path(max_length=200, description="a document id (doc_…)")]

    # --- search and Cypher -------------------------------------------------------------------

    @app.get("/search", response_model=SearchResponse, tags=["search"],
             responses={**_ok(examples.SEARCH), **_errors(*_READ_ERRORS)})
    def search_get(
        _: Reader, documents: DocumentsDep,
        q: Annotated[str, Query(min_length=1, max_length=settings.search_max_query_chars,
                                description="the question, in Chinese or English")],
        k: Annotated[int, Query(ge=1, le=settings.search_max_k)] = 10,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    ) -> SearchResponse:
        """Tasks that answer the question, with evidence sentences, graph context and a
        numbered, cited ``context_text`` ready to paste into a chatbot prompt."""
        with documents.reading() as search:
            return search.search(q, k=k, offset=offset)

    @app.post("/search", response_model=SearchResponse, tags=["search"],
              responses={**_ok(examples.SEARCH), **_errors(400, *_READ_ERRORS)})
    def search_post(_: Reader, documents: DocumentsDep, body: SearchRequest) -> SearchResponse:
        """As ``GET /search``, with filters: OR within a field, AND across fields."""
        too_long = len(body.query) > settings.search_max_query_chars
        if too_long or body.k > settings.search_max_k:
            field, limit = ("query", settings.search_max_query_chars) if too_long else (
                "k", settings.search_max_k)
            raise RequestValidationError([{"loc": ("body", field),
                                           "msg": f"at most {limit} on this server"}])
        with documents.reading() as search:
            return search.search(body.query, k=body.k, offset=body.offset,
                                 filters=body.filters)

    @app.post("/cypher", response_model=QueryResult, tags=["graph"],
              responses={**_ok(examples.CYPHER), **_errors(400, 403, *_READ_ERRORS)})
    def cypher(_: Reader, c: ComponentsDep, body: CypherRequest) -> QueryResult:
        """A read-only Cypher query with parameters: ``{"columns", "rows"}``, rows in column
        order. The database runs it in a read-only transaction and a check refuses write
        clauses, procedures and file loading; it is limited in time, rows and bytes."""
        return c.store.run_read(body.query, body.parameters,
                                max_rows=settings.cypher_max_rows,
                                timeout_s=settings.cypher_timeout_s,
                                max_bytes=settings.cypher_max_result_bytes)

    # --- documents ---------------------------------------------------------------------------

    @app.post("/documents", response_model=UploadResponse, status_code=201, tags=["documents"],
              responses={200: {"model": UploadResponse,
                               "description": "An earlier version was replaced"},
                         **_errors(400, 403, 413, 415, *_READ_ERRORS)})
    def upload_document(
        principal: Admin, documents: DocumentsDep, c: ComponentsDep, response: Response,
        file: Annotated[UploadFile, File(description="a policy document (.txt, .md, ...)")],
    ) -> UploadResponse:
        """Ingest a file (admin). Uploading a revised file replaces the earlier version and
        keeps the ids of unchanged tasks. A file that cannot be read writes nothing; a
        failed ingest is undone."""
        content = file.file.read(settings.upload_max_bytes + 1)
        if len(content) > settings.upload_max_bytes:
            raise StarletteHTTPException(
                413, f"{file.filename}: larger than {settings.upload_max_bytes} bytes")
        outcome = documents.upload(file.filename, content, principal)
        [summary] = c.store.document_summaries([outcome.doc_id])
        response.status_code = 201 if outcome.created else 200
        response.headers["Location"] = f"/documents/{outcome.doc_id}"
        return UploadResponse(document=_document_out(summary.document, summary.sections,
                                                     summary.tasks, summary.sentences),
                              created=outcome.created, embedded=outcome.embedded,
                              removed_tasks=outcome.removed_tasks)

    @app.get("/documents", response_model=DocumentList, tags=["documents"],
             responses=_errors(*_READ_ERRORS))
    def list_documents(
        _: Reader, c: ComponentsDep,
        include_cited: Annotated[bool, Query(description="also documents only cited")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> DocumentList:
        """Ingested documents by issued date, then title, with their outline sizes."""
        summaries = {s.document.id: s for s in c.store.document_summaries()}
        listed = c.store.list_documents(ingested_only=not include_cited)
        out = [_document_out(d, *((s.sections, s.tasks, s.sentences)
                                  if (s := summaries.get(d.id)) else (0, 0, 0)))
               for d in listed]
        return DocumentList(total=len(out), offset=offset, limit=limit,
                            documents=out[offset:offset + limit])

    @app.get("/documents/{doc_id}", response_model=DocumentDetailOut, tags=["documents"],
             responses=_errors(404, *_READ_ERRORS))
    def get_document(_: Reader, c: ComponentsDep, doc_id: DocId) -> DocumentDetailOut:
        """A document with its outline in document order, what it cites and who cites it."""
        detail = c.store.document_detail(doc_id)
        if detail is None:
            raise NotFoundError(f"no document with id {doc_id}")
        s = detail.summary

        def cited(docs: list[PolicyDocument]) -> list[CitedDocument]:
            return [CitedDocument(id=d.id, title=d.title, doc_number=d.doc_number,
                                  ingested=d.ingested) for d in docs]

        return DocumentDetailOut(
            document=_document_out(s.document, s.sections, s.tasks, s.sentences),
            sections=[SectionOut.model_validate(x.model_dump()) for x in detail.sections],
            tasks=[TaskBriefOut.model_validate(t.model_dump()) for t in detail.tasks],
            cites=cited(detail.cites), cited_by=cited(detail.cited_by),
            institutions=HeaderInstitutions(
                issued_by=detail.institutions.get("ISSUED_BY", []),
                sent_to=detail.institutions.get("SENT_TO", []),
                copied_to=detail.institutions.get("COPIED_TO", [])),
        )

    @app.get("/documents/{doc_id}/original", tags=["documents"], response_class=Response,
             responses={200: {"description": "The file exactly as uploaded",
                              "content": {"application/octet-stream": {
                                  "schema": {"type": "string", "format": "binary"}}}},
                        **_errors(404, *_READ_ERRORS)})
    def get_original(_: Reader, c: ComponentsDep, request: Request, doc_id: DocId) -> Response:
        """The file as it was uploaded (or ingested), byte for byte."""
        document = c.store.get_document(doc_id)
        if document is None or not document.ingested or not document.sha256:
            raise NotFoundError(f"no ingested document with id {doc_id}")
        stored = request.app.state.originals.get(document.sha256)
        if stored is None:
            raise NotFoundError(f"the original file of {doc_id} was not kept (it was ingested "
                                "before originals were stored): upload it again")
        name, content = stored
        ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        return Response(content, media_type=mimetypes.guess_type(name)[0] or
                        "application/octet-stream", headers={
                            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                                   f"filename*=UTF-8''{quote(name)}",
                            "ETag": f'"{document.sha256}"'})

    @app.delete("/documents/{doc_id}", status_code=204, response_class=Response,
                tags=["documents"], responses=_errors(403, 404, *_READ_ERRORS))
    def delete_document(principal: Admin, documents: DocumentsDep, doc_id: DocId) -> Response:
        """Remove a document (admin): its sections, tasks, sentences, vectors and original.
        Entities other documents still use stay; a document others cite stays as cited-only."""
        documents.delete(doc_id, principal)
        return Response(status_code=204)

    # --- tasks, entities, graph --------------------------------------------------------------

    @app.get("/tasks/{task_id}", response_model=TaskDetailOut, tags=["graph"],
             responses=_errors(404, *_READ_ERRORS))
    def get_task(_: Reader, c: ComponentsDep,
                 task_id: Annotated[str, Path(max_length=200)]) -> TaskDetailOut:
        """A task with its document, section, linked entities and all of its sentences."""
        detail = c.store.get_task(task_id)
        if detail is None:
            raise NotFoundError(f"no task with id {task_id}")
        return TaskDetailOut(task=task_out(detail.context), context=context_out(detail.context),
                             sentences=[SentenceOut.model_validate(s.model_dump())
                                        for s in detail.sentences])

    @app.get("/entities", response_model=EntityList, tags=["graph"],
             responses={**_ok(examples.ENTITIES), **_errors(*_READ_ERRORS)})
    def list_entities(
        _: Reader, c: ComponentsDep,
        type: Annotated[EntityLabel | None, Query(description="one entity label")] = None,
        q: Annotated[str | None, Query(max_length=200, description=(
            "part of a name, an alias or an English name, any case"))] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> EntityList:
        """Programmes, institutions, places and targets by name, alias or English name; exact
        matches first, then those linked to more tasks."""
        labels: list[EntityLabel] = [type] if type else ["Institution", "Programme", "Place",
                                                           "Target"]
        page = c.store.search_entities(normalise_query(q) if q else None, labels,
                                       limit=limit, offset=offset)
        return EntityList(total=page.total, offset=offset, limit=limit,
                                   entities=page.entities)

    @app.get("/entities/{entity_id}", response_model=EntityDetail, tags=["graph"],
             responses={**_ok(examples.ENTITY), **_errors(404, *_READ_ERRORS)})
    def get_entity(_: Reader, c: ComponentsDep,
                   entity_id: Annotated[str, Path(max_length=200)]) -> EntityDetail:
        """An entity with every task linked to it and the documents that name it."""
        detail = c.store.get_entity(entity_id)
        if detail is None:
            raise NotFoundError(f"no entity with id {entity_id}")
        return detail

    @app.get("/graph/neighbourhood", response_model=Neighbourhood, tags=["graph"],
             responses={**_ok(examples.NEIGHBOURHOOD), **_errors(404, *_READ_ERRORS)})
    def neighbourhood(
        _: Reader, c: ComponentsDep,
        id: Annotated[str, Query(min_length=1, max_length=200, description="any node's id")],
        depth: Annotated[int, Query(ge=1, le=3)] = 1,
        limit: Annotated[int, Query(ge=1, le=settings.neighbourhood_max_nodes,
                                    description="the most nodes returned")] = min(
            200, settings.neighbourhood_max_nodes),
        sentences: Annotated[bool, Query(description="include sentences")] = False,
    ) -> Neighbourhood:
        """Nodes within ``depth`` hops of a node, both directions, breadth first, up to
        ``limit`` nodes (``truncated`` says when the cap cut it), nodes and relationships in
        the /cypher shape."""
        found = c.store.neighbourhood(id, depth=depth, max_nodes=limit,
                                      include_sentences=sentences)
        if found is None:
            raise NotFoundError(f"no node with id {id}")
        return found

    # --- operations --------------------------------------------------------------------------

    @app.get("/stats", response_model=StatsOut, tags=["ops"], responses=_errors(*_READ_ERRORS))
    def stats(_: Reader, c: ComponentsDep) -> StatsOut:
        """Node and relationship counts, documents, and the sizes of both indexes."""
        graph = c.store.stats()
        return StatsOut(graph=c.store.backend, documents=graph.documents,
                        cited_documents=graph.cited_documents, nodes=graph.counts.nodes,
                        relationships=graph.counts.relationships, vectors=c.vectors.count,
                        lexical=c.lexical.count, embedder=c.embedder.name)

    @app.get("/health", response_model=HealthOut, tags=["ops"], responses=_errors(503))
    def health(c: ComponentsDep, documents: DocumentsDep) -> HealthOut:
        """Readiness, without a key: the graph answers and both indexes are loaded (else
        503). ``status`` is ``degraded`` (still a 200: the server answers) when the last
        consistency check, at start-up or after a write, found graph and indexes disagreeing,
        an interrupted write or failed documents; ``GET /health/details`` says which."""
        graph = c.store.stats()
        return HealthOut(status=documents.health.status, graph=c.store.backend,
                         documents=graph.documents,
                         tasks=graph.counts.nodes.get("Task", 0), vectors=c.vectors.count,
                         lexical=c.lexical.count, embedder=c.embedder.name)

    @app.get("/health/details", response_model=HealthDetailsOut, tags=["ops"],
             responses=_errors(*_READ_ERRORS))
    def health_details(_: Reader, documents: DocumentsDep) -> HealthDetailsOut:
        """Why /health says what it says: the last consistency check (when it ran; which
        documents' sentences each index lacks, has extra or has stale; an interrupted write;
        failed documents). Clear failed documents with ``policykg check --repair``."""
        return _health_details(documents.health)

    @app.get("/metrics", tags=["ops"], response_class=Response,
             responses={200: {"description": "Prometheus text exposition",
                              "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}},
                        **_errors(401, 429)})
    def metrics(_: Reader) -> Response:
        """Prometheus metrics: request latency per route, search time per stage."""
        return Response(render(), media_type=CONTENT_TYPE_LATEST)

    return app


def _health_details(flag: HealthFlag) -> HealthDetailsOut:
    checked_at, report, error = flag.details()
    return HealthDetailsOut(
        status=flag.status, checked_at=checked_at, error=error,
        graph_sentences=report.graph_sentences if report else None,
        indexes=[IndexDifferenceOut(
            index=d.index, entries=d.entries, ok=d.ok, missing=len(d.missing),
            extra=len(d.extra), stale=len(d.stale), documents=d.documents,
            sentence_ids=[*d.missing, *d.extra, *d.stale][:20])
            for d in (report.indexes if report else [])],
        interrupted=report.interrupted.command if report and report.interrupted else None,
        duplicate_documents=report.duplicate_documents if report else [],
        failed=[FailedDocumentOut.model_validate(f.model_dump(exclude={"sha256"}))
                for f in (report.failed if report else [])])


def _document_out(document: PolicyDocument, sections: int, tasks: int, sentences: int
                  ) -> DocumentOut:
    return DocumentOut.model_validate({**document.model_dump(exclude={"title_key"}),
                                       "sections": sections, "tasks": tasks,
                                       "sentences": sentences})
