"""The web page's routes and files, without a browser (tests/ui drives a real one): the shell
and its files need no key and carry the strict CSP, only files of the static folder are
served, the wheel's package data covers them, the code builds no markup from strings, and the
console's examples are the README's."""

import fnmatch
import re
import tomllib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.web import STATIC_DIR
from tests.conftest import ROOT
from tests.service.api_support import ADMIN_KEY, READER_KEY, make_settings, serve

JS = sorted((STATIC_DIR / "js").glob("*.js"))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(tmp_path_factory.mktemp("web") / "data", reader_keys=READER_KEY,
                             admin_keys=ADMIN_KEY)
    with serve(settings) as ready:
        yield ready


@pytest.mark.parametrize("path", ["/", "/?q=上海", "/ui/task/task_x", "/ui/document/doc_x/extra",
                                  "/ui/cypher"])
def test_every_page_address_answers_the_shell_without_a_key(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/static/js/app.js">' in response.text
    assert client.get("/documents").status_code == 401  # the data still needs the key


def test_the_shell_and_its_files_carry_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/", "/static/js/app.js", "/static/app.css"):
        headers = client.get(path).headers
        policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
        assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'" and policy["connect-src"] == "'self'"
        assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("path", "media_type"), [
    ("/static/js/app.js", "text/javascript"), ("/static/app.css", "text/css"),
    ("/static/vendor/cytoscape/cytoscape.esm.min.mjs", "text/javascript"),
    ("/static/favicon.svg", "image/svg+xml")])
def test_module_scripts_are_served_as_javascript(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/%2e%2e/service/settings.py",
                                  "/static/js/../../__init__.py", "/static/nothing.js",
                                  "/static//etc/passwd", "/static/js"])
def test_only_files_of_the_static_folder_are_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_page_is_not_part_of_the_api_description(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not any(p == "/" or p.startswith(("/ui", "/static")) for p in paths)


def test_the_wheel_ships_every_static_file() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))[
        "tool"]["setuptools"]["package-data"]["service.web"]
    files = [p.relative_to(STATIC_DIR.parent).as_posix() for p in STATIC_DIR.rglob("*") if p.is_file()]
    assert files and all(any(fnmatch.fnmatch(f, pattern) and f.count("/") == pattern.count("/")
                             for pattern in patterns) for f in files), files


def test_the_vendored_graph_library_is_pinned_with_its_licence() -> None:
    folder = STATIC_DIR / "vendor" / "cytoscape"
    version = (folder / "VERSION").read_text("utf-8")
    assert re.match(r"cytoscape \d+\.\d+\.\d+ \(npm\)", version)
    assert version.split()[1] in (ROOT / "scripts" / "vendor_web.sh").read_text("utf-8")
    assert "Permission is hereby granted" in (folder / "LICENSE").read_text("utf-8")
    assert f'lf.version="{version.split()[1]}"' in (folder / "cytoscape.esm.min.mjs").read_text("utf-8")


def test_no_markup_is_built_from_strings() -> None:
    # Document text is hostile: the page makes DOM nodes and text nodes, never HTML strings.
    forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function")
    offenders = [f"{p.name}:{n}" for p in JS for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
                 if forbidden.search(line)]
    assert offenders == []
    assert "style=" not in (STATIC_DIR / "index.html").read_text("utf-8")  # the CSP refuses it


def test_the_cypher_console_offers_the_readmes_examples() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    in_readme = [line for block in re.findall(r"```cypher\n(.*?)```", readme, re.DOTALL)
                 for line in block.splitlines() if line.strip()]
    console = (STATIC_DIR / "js" / "cypher.js").read_text("utf-8")
    offered = re.findall(r"^  '(.+)',$", console, re.MULTILINE)  # no escapes in them
    assert in_readme and set(in_readme) <= set(offered)
