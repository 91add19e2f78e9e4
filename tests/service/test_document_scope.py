"""Document scope from the question (issue 13): a place, an issuer, a year or a 文号 that a
question names raises the tasks of the documents issued by or for it, among near-identical
provincial opinions; a place that no document is issued for scopes nothing."""

import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.conftest import CORPUS

runner = CliRunner()
# Two provinces' opinions on school aesthetic education, near-identical in wording.
DOCS = ["yunnan_2016_aesthetic-education-implementation-opinions.txt",
        "sichuan_2016_aesthetic-education-implementation-opinions.txt",
        "luzhou_2017_aesthetic-education-implementation-opinions.txt"]


@pytest.fixture
def ingested(settings_env: object) -> None:
    result = runner.invoke(app, ["ingest", *(str(CORPUS / d) for d in DOCS)])
    assert result.exit_code == 0, result.output


def _top_documents(question: str, k: int = 5) -> list[str]:
    """The issuers of the documents of the top ``k`` results, in order."""
    from service.settings import Settings
    from service.wiring import build_components, build_search
    components = build_components(Settings(), read_only=True)
    try:
        response = build_search(components).search(question, k=k)
        issuers = {d.id: d.issuer or "" for d in components.store.list_documents()}
        return [issuers[r.task.document.id] for r in response.results]
    finally:
        components.close()


@pytest.mark.parametrize("backend", ["embedded"])
@pytest.mark.parametrize(("question", "issuer"), [
    ("云南省如何加强美育教师队伍建设", "云南"),
    ("how will Sichuan strengthen the arts teaching staff", "四川"),
    ("泸州市美育教师队伍建设有什么安排", "泸州"),
])
def test_a_named_place_raises_its_documents(ingested: None, backend: str, question: str, issuer: str) -> None:
    top = _top_documents(question)
    assert top and all(issuer in t for t in top[:3]), top


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_year_and_a_place_together_scope_to_the_documents_meeting_both(ingested: None, backend: str) -> None:
    top = _top_documents("2017年四川的美育教师队伍建设")
    assert top and all("泸州" in t for t in top[:3]), top  # 泸州 is in 四川; its opinion is of 2017


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_place_no_document_is_issued_for_scopes_nothing(ingested: None, backend: str) -> None:
    from service.search.service import SearchService
    from service.settings import Settings
    from service.wiring import build_components, build_search
    components = build_components(Settings(), read_only=True)
    try:
        search: SearchService = build_search(components)
        snapshot = components.store.search_snapshot()
        assert search.question_scope("加强与上海的美育交流", snapshot) == set()
        ids = {d.issuer: d.id for d in components.store.list_documents()}
        assert search.question_scope("四川美育", snapshot) == {ids["四川省人民政府办公厅"]}  # its own first
        assert search.question_scope("2017年四川美育", snapshot) == {ids["泸州市人民政府办公室"]}  # inside it
    finally:
        components.close()
