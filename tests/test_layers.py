"""The package's layering, checked on the source (also run by `make lint`): the graph and the
embeddings never import each other, FastAPI and Starlette are imported only under
service/api, and no function of service/api is longer than 60 lines (routes stay thin)."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

MAX_API_FUNCTION_LINES = 60


def modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def top_level(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize(("package", "forbidden"), [("graph", "embeddings"), ("embeddings", "graph")])
def test_graph_and_embeddings_do_not_import_each_other(package: str, forbidden: str) -> None:
    offenders = [str(p.relative_to(ROOT)) for p in modules(package)
                 if forbidden in top_level(imported(p))]
    assert offenders == []


def test_fastapi_is_imported_only_under_service_api() -> None:
    web = {"fastapi", "starlette"}
    offenders = [str(p.relative_to(ROOT))
                 for package in ("graph", "embeddings", "loaders", "service")
                 for p in modules(package)
                 if top_level(imported(p)) & web and "service/api" not in p.as_posix()]
    assert offenders == []


def test_no_function_in_the_api_is_longer_than_60_lines() -> None:
    long = []
    for path in modules("service/api"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_API_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert long == []
