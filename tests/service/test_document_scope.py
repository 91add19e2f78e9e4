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
def test_what_a_question_scopes_itself_to(ingested: None, backend: str) -> None:
    from service.search.service import DocumentScope, SearchService
    from service.settings import Settings
    from service.wiring import build_components, build_search
    components = build_components(Settings(), read_only=True)
    try:
        search: SearchService = build_search(components)
        snapshot = components.store.search_snapshot()
        assert search.question_scope("加强与上海的美育交流", snapshot) == DocumentScope(set(), frozenset())
        ids = {d.issuer: d.id for d in components.store.list_documents()}
        sichuan, luzhou, yunnan = (ids[i] for i in ("四川省人民政府办公厅", "泸州市人民政府办公室", "云南省人民政府办公厅"))
        assert search.question_scope("四川美育", snapshot) == DocumentScope({sichuan}, frozenset())  # its own first
        # Inside it, and 2017 is the year of the document, not a quantity its tasks must write.
        assert search.question_scope("2017年四川美育", snapshot) == DocumentScope({luzhou}, frozenset({"2017"}))
        assert search.question_scope("2017年的美育意见", snapshot) == DocumentScope({luzhou}, frozenset({"2017"}))
        # No document for 云南 is of 2017 (泸州's is): the year is what Yunnan's opinion is asked about.
        assert search.question_scope("云南到2017年要做到什么", snapshot) == DocumentScope({yunnan}, frozenset())
        # The scope looks documents up by year, 文号 and notice: it never walks the list of them,
        # which grows with the store.
        snapshot.documents = None  # type: ignore[method-assign]
        assert search.question_scope("2017年四川美育", snapshot) == DocumentScope({luzhou}, frozenset({"2017"}))
        assert search.question_scope("川办发〔2016〕41号的要求", snapshot) == DocumentScope({sichuan}, frozenset({"2016"}))
    finally:
        components.close()


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_documents_own_place_is_no_entity_evidence_for_its_tasks(ingested: None, backend: str) -> None:
    """四川 names every task of Sichuan's opinion (it is the document's jurisdiction), so the
    entity channel does not raise the few that happen to write it; a task of another document
    that writes 四川 is evidence, but outside the documents the question scopes itself to, so
    the channel drops it too. A listing still lists every task that names the place."""
    from service.search.service import SearchService
    from service.search.text_norm import normalise_query
    from service.settings import Settings
    from service.wiring import build_components, build_search
    components = build_components(Settings(), read_only=True)
    try:
        search: SearchService = build_search(components)
        snapshot = components.store.search_snapshot()
        ids = {d.issuer: d.id for d in components.store.list_documents()}
        sichuan, luzhou = ids["四川省人民政府办公厅"], ids["泸州市人民政府办公室"]
        question = "四川如何开发地方美育课程资源"
        linked = search.match_entities(normalise_query(question), snapshot).tasks
        assert {link.doc_id for link in linked.values()} == {luzhou}
        stage = search.first_stage(question, snapshot)
        assert stage.entities is not None and stage.entities.tasks == {}
        assert set(stage.factors.values()) == {3.0}
        assert {snapshot.task_document(t) for t in stage.factors} == {sichuan}
        listing = search.match_entities(normalise_query("哪些任务涉及四川"), snapshot)
        assert listing.listing and {link.doc_id for link in listing.tasks.values()} == {sichuan, luzhou}
    finally:
        components.close()


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_listing_that_names_a_document_s_place_lists_within_that_document(ingested: None, backend: str) -> None:
    """"云南的意见里哪些任务涉及教育部": 云南 says where to list (Yunnan's opinion, its
    jurisdiction), 教育部 what; the other opinions' mentions are not listed, and neither are
    Yunnan's tasks that only name 云南."""
    from service.search.service import SearchService
    from service.search.text_norm import normalise_query
    from service.settings import Settings
    from service.wiring import build_components, build_search
    components = build_components(Settings(), read_only=True)
    try:
        search: SearchService = build_search(components)
        snapshot = components.store.search_snapshot()
        ids = {d.issuer: d.id for d in components.store.list_documents()}
        everywhere = search.match_entities(normalise_query("哪些任务涉及教育部"), snapshot)
        assert everywhere.listing and len({link.doc_id for link in everywhere.tasks.values()}) == 3
        within = search.match_entities(normalise_query("云南的意见里哪些任务涉及教育部"), snapshot)
        assert within.listing and [e.name for e in within.linked][:1] == ["教育部"]
        assert within.tasks and {link.doc_id for link in within.tasks.values()} == {ids["云南省人民政府办公厅"]}
        yunnan_only = {t for t, link in search.match_entities(normalise_query("哪些任务涉及云南"), snapshot).tasks.items()
                       if link.doc_id == ids["云南省人民政府办公厅"]}
        assert set(within.tasks) < set(everywhere.tasks)
        assert set(within.tasks) != yunnan_only
    finally:
        components.close()


@pytest.mark.parametrize("backend", ["embedded"])
def test_an_english_word_is_bridged_to_the_documents_own_word_first(ingested: None, backend: str) -> None:
    """CC-CEDICT's best for "activity" is 作为 (an activity, as conduct); the opinions write 活动."""
    from service.search.service import SearchService
    from service.settings import Settings
    from service.wiring import build_components, build_search
    components = build_components(Settings(), read_only=True)
    try:
        search: SearchService = build_search(components)
        assert search._query_bridge().translate("activity")[0].term_zh == "作为"
        assert search.bridged_terms("activity")[0].term_zh == "活动"
        assert search.bridged_terms("mechanism")[0].term_zh == "机制"
    finally:
        components.close()
