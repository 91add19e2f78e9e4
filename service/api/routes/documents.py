"""Documents: upload, list, read, download the original, delete."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Response, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import catalog
from service.api.deps import Admin, ComponentsDep, DocId, LibraryDep, OriginalsDep, Reader
from service.api.problems import READ_ERRORS, openapi_errors
from service.schemas import DocumentDetailOut, DocumentList, UploadResponse
from service.settings import Settings


def router(settings: Settings) -> APIRouter:
    routes = APIRouter(tags=["documents"])
    _add_writes(routes, settings)
    _add_reads(routes)
    return routes


def _add_writes(routes: APIRouter, settings: Settings) -> None:
    @routes.post("/documents", response_model=UploadResponse, status_code=201,
                 responses={200: {"model": UploadResponse,
                                  "description": "An earlier version was replaced"},
                            **openapi_errors(400, 403, 413, 415, *READ_ERRORS)})
    def upload_document(
        principal: Admin, library: LibraryDep, c: ComponentsDep, response: Response,
        file: Annotated[UploadFile, File(description="a policy document (.txt, .md, ...)")],
    ) -> UploadResponse:
        """Ingest a file (admin). Uploading a revised file replaces the earlier version and
        keeps the ids of unchanged tasks. A file that cannot be read writes nothing; a
        failed ingest is undone."""
        content = file.file.read(settings.upload_max_bytes + 1)
        if len(content) > settings.upload_max_bytes:
            raise StarletteHTTPException(
                413, f"{file.filename}: larger than {settings.upload_max_bytes} bytes")
        uploaded = catalog.upload(library, c.store, file.filename, content, principal)
        response.status_code = 201 if uploaded.created else 200
        response.headers["Location"] = f"/documents/{uploaded.document.id}"
        return uploaded

    @routes.delete("/documents/{doc_id}", status_code=204, response_class=Response,
                   responses=openapi_errors(403, 404, *READ_ERRORS))
    def delete_document(principal: Admin, library: LibraryDep, doc_id: DocId) -> Response:
        """Remove a document (admin): its sections, tasks, sentences, vectors and original.
        Entities other documents still use stay; a document others cite stays as cited-only."""
        library.delete(doc_id, principal)
        return Response(status_code=204)


def _add_reads(routes: APIRouter) -> None:
    @routes.get("/documents", response_model=DocumentList, responses=openapi_errors(*READ_ERRORS))
    def list_documents(
        _: Reader, c: ComponentsDep,
        include_cited: Annotated[bool, Query(description="also documents only cited")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> DocumentList:
        """Ingested documents by issued date, then title, with their outline sizes."""
        return catalog.document_list(c.store, include_cited=include_cited, limit=limit,
                                     offset=offset)

    @routes.get("/documents/{doc_id}", response_model=DocumentDetailOut,
                responses=openapi_errors(404, *READ_ERRORS))
    def get_document(_: Reader, c: ComponentsDep, doc_id: DocId) -> DocumentDetailOut:
        """A document with its outline in document order, what it cites and who cites it."""
        return catalog.document_detail(c.store, doc_id)

    @routes.get("/documents/{doc_id}/original", response_class=Response,
                responses={200: {"description": "The file exactly as uploaded",
                                 "content": {"application/octet-stream": {
                                     "schema": {"type": "string", "format": "binary"}}}},
                           **openapi_errors(404, *READ_ERRORS)})
    def get_original(_: Reader, c: ComponentsDep, originals: OriginalsDep,
                     doc_id: DocId) -> Response:
        """The file as it was uploaded (or ingested), byte for byte."""
        found = catalog.original(c.store, originals, doc_id)
        return Response(found.content, media_type=found.media_type,
                        headers={"Content-Disposition": _attachment(found.name),
                                 "ETag": f'"{found.sha256}"'})


def _attachment(name: str) -> str:
    """Content-Disposition for a file name in any script (RFC 6266 with an ASCII fallback)."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
