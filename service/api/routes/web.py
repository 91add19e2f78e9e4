"""The web page: ``/`` and ``/ui/…`` answer the page shell, ``/static/…`` its files. None of
them needs a key (the shell holds no data; the page sends the key with each API call), and
every answer carries a strict Content-Security-Policy: scripts, styles and connections only
from this origin, no inline code, no framing."""

import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.settings import Settings
from service.web import STATIC_DIR

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",  # revalidate (ETag): a new release is seen at once
}
# Module scripts are refused unless served as JavaScript; .mjs is unknown to some platforms.
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
          ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".txt": "text/plain"}


def static_files(root: Path = STATIC_DIR) -> dict[str, Path]:
    """Every file under the static folder by its URL path: a request can only name one of
    these, so no path it sends reaches the file system."""
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def router(settings: Settings) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    files = static_files()
    shell = files["index.html"]

    @routes.api_route("/", methods=["GET", "HEAD"])
    def page() -> FileResponse:
        return _file(shell)

    @routes.api_route("/ui/{view:path}", methods=["GET", "HEAD"])
    def page_view(view: Annotated[str, PathParam(max_length=400)]) -> FileResponse:
        return _file(shell)  # the page reads the path and draws the view itself

    @routes.api_route("/static/{name:path}", methods=["GET", "HEAD"])
    def static(name: Annotated[str, PathParam(max_length=400)]) -> FileResponse:
        found = files.get(name)
        if found is None:
            raise StarletteHTTPException(404, f"no static file {name}")
        return _file(found)

    return routes


def _file(path: Path) -> FileResponse:
    media_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers=SECURITY_HEADERS)
