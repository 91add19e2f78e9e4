"""Read models for the API: documents, tasks, entities, neighbourhoods, stats and health as the
JSON shapes of ``service.schemas``. Each function is what one route calls; a missing id is a
``NotFoundError``."""

import mimetypes
from dataclasses import dataclass

from graph.base import ENTITY_LABELS, EntityDetail, EntityLabel, GraphStore, Neighbourhood
from graph.models import PolicyDocument, QueryResult
from service.api.auth import Principal
from service.errors import InvalidRequestError, NotFoundError
from service.ingest.consistency import HealthFlag
from service.ingest.library import Library
from service.ingest.originals import OriginalStore
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
    SearchRequest,
    SearchResponse,
    SectionOut,
    SentenceOut,
    StatsOut,
    TaskDetailOut,
    UploadResponse,
)
from service.search.service import context_out, task_out
from service.search.text_norm import normalise_query
from service.wiring import Components


def search(library: Library, request: SearchRequest) -> SearchResponse:
    """The answer to a question, within this server's limits (``InvalidRequestError`` past
    them: the request model allows the most any server allows)."""
    settings = library.components.settings
    if len(request.query) > settings.search_max_query_chars:
        raise InvalidRequestError(("body", "query"),
                                  f"at most {settings.search_max_query_chars} characters on this server")
    if request.k > settings.search_max_k:
        raise InvalidRequestError(("body", "k"), f"at most {settings.search_max_k} on this server")
    with library.reading() as service:
        return service.search(request.query, k=request.k, offset=request.offset,
                              filters=request.filters)


def cypher(c: Components, request: CypherRequest) -> QueryResult:
    """A reader's Cypher through the store's read-only guard (statement check, read-only
    database, sandboxed worker) and within this server's limits of time, rows and bytes."""
    return c.store.run_read(request.query, request.parameters,
                            max_rows=c.settings.cypher_max_rows,
                            timeout_s=c.settings.cypher_timeout_s,
                            max_bytes=c.settings.cypher_max_result_bytes)


def document_out(document: PolicyDocument, sections: int, tasks: int, sentences: int
                 ) -> DocumentOut:
    return DocumentOut.model_validate({**document.model_dump(exclude={"title_key"}),
                                       "sections": sections, "tasks": tasks,
                                       "sentences": sentences})


def upload(library: Library, store: GraphStore, name: str | None, content: bytes,
           principal: Principal) -> UploadResponse:
    """Ingest an uploaded file and describe the document it became."""
    outcome = library.upload(name, content, principal)
    [summary] = store.document_summaries([outcome.doc_id])
    return UploadResponse(document=document_out(summary.document, summary.sections,
                                                summary.tasks, summary.sentences),
                          created=outcome.created, embedded=outcome.embedded,
                          removed_tasks=outcome.removed_tasks)


def document_list(store: GraphStore, *, include_cited: bool, limit: int, offset: int
                  ) -> DocumentList:
    summaries = {s.document.id: s for s in store.document_summaries()}
    listed = store.list_documents(ingested_only=not include_cited)
    out = [document_out(d, *((s.sections, s.tasks, s.sentences)
                             if (s := summaries.get(d.id)) else (0, 0, 0)))
           for d in listed]
    return DocumentList(total=len(out), offset=offset, limit=limit,
                        documents=out[offset:offset + limit])


def _cited(documents: list[PolicyDocument]) -> list[CitedDocument]:
    return [CitedDocument(id=d.id, title=d.title, doc_number=d.doc_number, ingested=d.ingested)
            for d in documents]


def document_detail(store: GraphStore, doc_id: str) -> DocumentDetailOut:
    detail = store.document_detail(doc_id)
    if detail is None:
        raise NotFoundError(f"no document with id {doc_id}")
    s = detail.summary
    return DocumentDetailOut(
        document=document_out(s.document, s.sections, s.tasks, s.sentences),
        sections=[SectionOut.model_validate(x.model_dump()) for x in detail.sections],
        tasks=detail.tasks,
        cites=_cited(detail.cites), cited_by=_cited(detail.cited_by),
        institutions=HeaderInstitutions(
            issued_by=detail.institutions.get("ISSUED_BY", []),
            sent_to=detail.institutions.get("SENT_TO", []),
            copied_to=detail.institutions.get("COPIED_TO", [])),
    )


@dataclass(frozen=True)
class Original:
    name: str
    content: bytes
    sha256: str

    @property
    def media_type(self) -> str:
        """The type its file name says, as the upload named it (a web page saved as
        notice.html is text/html)."""
        return mimetypes.guess_type(self.name, strict=False)[0] or "application/octet-stream"


def original(store: GraphStore, originals: OriginalStore, doc_id: str) -> Original:
    document = store.get_document(doc_id)
    if document is None or not document.ingested or not document.sha256:
        raise NotFoundError(f"no ingested document with id {doc_id}")
    stored = originals.original_of(document)
    if stored is None:
        raise NotFoundError(f"the original file of {doc_id} was not kept (it was ingested "
                            "before originals were stored): upload it again")
    name, content = stored
    return Original(name=name, content=content, sha256=document.sha256)


def task_detail(store: GraphStore, task_id: str) -> TaskDetailOut:
    detail = store.get_task(task_id)
    if detail is None:
        raise NotFoundError(f"no task with id {task_id}")
    return TaskDetailOut(task=task_out(detail.context), context=context_out(detail.context),
                         sentences=[SentenceOut.model_validate(s.model_dump())
                                    for s in detail.sentences])


def entity_list(store: GraphStore, label: EntityLabel | None, q: str | None, *, limit: int,
                offset: int) -> EntityList:
    page = store.search_entities(normalise_query(q) if q else None,
                                 [label] if label else list(ENTITY_LABELS), limit=limit, offset=offset)
    return EntityList(total=page.total, offset=offset, limit=limit, entities=page.entities)


def entity_detail(store: GraphStore, entity_id: str) -> EntityDetail:
    detail = store.get_entity(entity_id)
    if detail is None:
        raise NotFoundError(f"no entity with id {entity_id}")
    return detail


def neighbourhood(store: GraphStore, node_id: str, *, depth: int, limit: int,
                  sentences: bool) -> Neighbourhood:
    found = store.neighbourhood(node_id, depth=depth, max_nodes=limit,
                                include_sentences=sentences)
    if found is None:
        raise NotFoundError(f"no node with id {node_id}")
    return found


def stats(c: Components) -> StatsOut:
    graph = c.store.stats()
    return StatsOut(graph=c.store.backend, documents=graph.documents,
                    cited_documents=graph.cited_documents, nodes=graph.counts.nodes,
                    relationships=graph.counts.relationships, vectors=c.vectors.count,
                    lexical=c.lexical.count, embedder=c.embedder.name)


def health(c: Components, flag: HealthFlag) -> HealthOut:
    graph = c.store.stats()
    return HealthOut(status=flag.status, graph=c.store.backend, documents=graph.documents,
                     tasks=graph.counts.nodes.get("Task", 0), vectors=c.vectors.count,
                     lexical=c.lexical.count, embedder=c.embedder.name)


def health_details(flag: HealthFlag) -> HealthDetailsOut:
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
