"""Every Cypher example in the README runs on every backend and returns rows."""

import re

import pytest

from graph.base import GraphStore
from loaders.files import load_file
from tests.conftest import ROOT, SAMPLE


def readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```cypher\n(.*?)```", text, re.DOTALL)
    return [q.strip().rstrip(";") for block in blocks for q in block.splitlines() if q.strip()]


def test_the_readme_has_examples() -> None:
    assert len(readme_queries()) >= 4


@pytest.mark.parametrize("query", readme_queries())
def test_readme_example_runs(graph_store: GraphStore, query: str) -> None:
    graph_store.write_document(load_file(SAMPLE).batch)
    result = graph_store.run_read(query)
    assert result.rows, query
