"""The web page for staff and researchers: static files only (HTML, ES modules, CSS and the
vendored graph library), served by ``service.api.routes.web``. Nothing here runs on the
server; the page calls the same JSON API as every other client."""

from pathlib import Path

#: The folder the page is served from; shipped in the wheel as package data.
STATIC_DIR = Path(__file__).resolve().parent / "static"
