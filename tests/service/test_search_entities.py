"""The entity channel, complete listings and the place filter, on both backends (hash
embedder: the graph does the work here, not the model)."""

from collections.abc import Iterator
from itertools import pairwise

import pytest

from graph.models import EntityNames
from service.schemas import SearchFilters
from service.search.entity_linking import EntityLinker, asks_for_listing
from service.search.service import SearchService
from service.wiring import build_components, build_ingestor, build_search
from tests.conftest import SAMPLE, hash_settings

# The sample's tasks that name Shanghai as a place (the dev questions' gold for Shanghai).
SHANGHAI_TASKS = {15, 17}


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def search(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    backend = str(request.param)
    settings = hash_settings(backend, tmp_path_factory.mktemp(backend) / "data")
    components = build_components(settings)
    build_ingestor(components).ingest_path(SAMPLE)
    yield build_search(components)
    components.close()


def numbers(response_results: list) -> list[int]:  # type: ignore[type-arg]
    return [r.task.number for r in response_results]


@pytest.mark.parametrize("question", ["哪些任务涉及上海", "which items involve Shanghai cooperation", "上海",
                                      "list all tasks about Shanghai"])
def test_a_listing_returns_every_linked_task_and_only_those(search: SearchService, question: str) -> None:
    response = search.search(question, k=10)
    assert response.listing is not None
    assert response.listing.entity["name"] == "上海"
    assert response.listing.total == len(SHANGHAI_TASKS)
    assert set(numbers(response.results)) == SHANGHAI_TASKS
    for result in response.results:
        assert "entity" in result.matched_by
        assert any("上海" in e.text for e in result.evidence)
        assert "上海" in {p.name for p in result.context.places}


def test_a_listing_pages(search: SearchService) -> None:
    first = search.search("哪些任务涉及上海", k=1)
    second = search.search("哪些任务涉及上海", k=1, offset=1)
    assert first.listing and second.listing
    assert first.listing.total == second.listing.total == 2
    assert (first.listing.offset, first.listing.limit, second.listing.offset) == (0, 1, 1)
    assert set(numbers(first.results) + numbers(second.results)) == SHANGHAI_TASKS


def test_a_region_lists_its_members_and_namesakes(search: SearchService) -> None:
    """长三角: task 17 names 上海 (a member), task 15 the 西北工业大学太仓长三角研究院."""
    response = search.search("哪些任务涉及长三角", k=50)
    assert response.listing is not None
    assert set(numbers(response.results)) >= SHANGHAI_TASKS


def test_a_question_without_an_entity_is_ranked_not_listed(search: SearchService) -> None:
    response = search.search("心理健康教育", k=5)
    assert response.listing is None
    assert len(response.results) == 5


def test_a_named_entity_without_listing_words_boosts_its_tasks(search: SearchService) -> None:
    response = search.search("双元制本土化", k=5)
    assert response.listing is None
    assert response.results[0].task.number == 13
    assert "entity" in response.results[0].matched_by


def test_the_place_filter_keeps_tasks_concerning_the_place(search: SearchService) -> None:
    for place in (["上海"], ["Shanghai"]):
        response = search.search("教师", k=20, filters=SearchFilters(place=place))
        assert response.results and set(numbers(response.results)) <= SHANGHAI_TASKS
    nowhere = search.search("教师", k=20, filters=SearchFilters(place=["火星"]))
    assert nowhere.results == []


def test_places_and_year_filters_combine(search: SearchService) -> None:
    assert search.search("教师", filters=SearchFilters(place=["德国"], year=[2021])).results
    assert not search.search("教师", filters=SearchFilters(place=["德国"], year=[2020])).results


# --- linking rules -----------------------------------------------------------------------------

LINKER = EntityLinker([
    EntityNames(id="p1", label="Place", name="上海", aliases=["上海市"], name_en="Shanghai"),
    EntityNames(id="i1", label="Institution", name="上海市教育局"),
    EntityNames(id="g1", label="Programme", name="双元制", aliases=["“双元制”"]),
    EntityNames(id="r1", label="Place", name="长三角", aliases=["长江三角洲"], name_en="Yangtze River Delta"),
    EntityNames(id="d1", label="PolicyDocument", name="国务院办公厅关于全面加强和改进学校美育工作的意见",
                aliases=["国办发〔2015〕71号"]),
])


@pytest.mark.parametrize(("question", "ids"), [
    ("上海市教育局牵头的工作", ["i1"]),  # longest match: the bureau, not the city
    ("与上海合作", ["p1"]),
    ("“双元制”试点", ["g1"]),
    ("双元制", ["g1"]),
    ("projects with shanghai schools", ["p1"]),
    ("Yangtze River Delta integration", ["r1"]),
    ("落实国办发[2015]71号的任务", ["d1"]),
    ("shanghaiese food", []),  # whole words only
    # A name inside a longer quoted one is part of it: the brand “童声里的上海”, not the city.
    ("哪些工作涉及“童声里的上海”这个品牌", []),
    ("“上海”和“童声里的上海”", ["p1"]),  # quoted on its own, it is the city
    ("教育", []),
])
def test_linking(question: str, ids: list[str]) -> None:
    from service.search.text_norm import normalise_query

    assert [e.id for e in LINKER.link(normalise_query(question).replace("[", "〔").replace("]", "〕"))] == ids


def test_bridged_terms_link_only_exact_names() -> None:
    assert [e.id for e in LINKER.link("dual system", ["双元制", "系统"])] == ["g1"]


@pytest.mark.parametrize(("question", "listing"), [
    ("哪些任务涉及上海", True), ("上海", True), ("Shanghai?", True), ("which items involve Shanghai", True),
    ("上海的教育资源如何引进", False), ("how do Shanghai schools help teachers", False),
    # The name and frame words alone ask for every item, with no listing word.
    ("文件中关于上海的内容", True), ("what does the plan say about Shanghai", True),
    ("上海的工作", True), ("上海要新建多少所学校", False), ("上海什么时候开始", False),
    # A listing word with a topic to rank by is a ranked question.
    ("上海哪些学校要建设美育特色学校", False), ("which teacher training courses does Shanghai fund", False),
])
def test_listing_intent(question: str, listing: bool) -> None:
    assert asks_for_listing(question, LINKER.link(question)) is listing


def test_containing_finds_namesakes() -> None:
    linker = EntityLinker([
        EntityNames(id="r1", label="Place", name="长三角"),
        EntityNames(id="i2", label="Institution", name="西北工业大学太仓长三角研究院"),
        EntityNames(id="i3", label="Institution", name="太仓市教育局"),
    ])
    assert [e.id for e in linker.containing(linker.entities["r1"], ("Institution",))] == ["i2"]


def test_filter_names_resolve_by_name_alias_english_or_id() -> None:
    assert {e.id for e in LINKER.by_name(["Shanghai", "上海市", "r1"])} == {"p1", "r1"}



def test_an_english_question_spelling_out_a_body_links_it() -> None:
    linker = EntityLinker([
        EntityNames(id="i1", label="Institution", name="莆田市教育局", aliases=["市教育局"]),
        EntityNames(id="i2", label="Institution", name="莆田市财政局", aliases=["市财政局"]),
        EntityNames(id="p1", label="Place", name="莆田", name_en="Putian"),
    ])
    # "city education bureau" -> 市 / 城市, 教育, 局: 市 + 教育 + 局 spells the bureau's short name.
    assert [e.id for e in linker.link("city education bureau", [], ["市", "城市", "教育", "局"])] == ["i1"]
    # One term is not a composition, and terms that leave a character uncovered link nothing.
    assert linker.link("education bureau", [], ["教育局"]) == []
    assert linker.link("education bureau", [], ["教育", "局"]) == []



def test_evidence_of_equal_score_comes_in_reading_order(search: SearchService) -> None:
    """Every sentence an entity link finds scores the same: they come in the order of the text,
    not in the order a set of sentence ids happened to iterate (which changed from one server
    process to the next with Python's hash seed)."""
    ties = 0
    for question in ("哪些任务涉及太仓", "哪些任务涉及长三角", "list all tasks about Shanghai"):
        for result in search.search(question, k=50, channels=("entity",)).results:
            keys = [(-e.score, e.start) for e in result.evidence]
            assert keys == sorted(keys), (question, result.task.number)
            ties += sum(a[0] == b[0] for a, b in pairwise(keys))
    assert ties  # the questions do reach tasks with equally scored evidence


def test_a_place_is_linked_by_another_common_spelling_of_its_english_name() -> None:
    linker = EntityLinker([
        EntityNames(id="p1", label="Place", name="澳门", name_en="Macao"),
        EntityNames(id="r1", label="Place", name="港澳", name_en="Hong Kong and Macao"),
    ])
    assert [e.id for e in linker.link("items concerning Macau")] == ["p1"]
    assert [e.id for e in linker.link("cooperation with Hong Kong and Macau")] == ["r1"]
    assert [e.id for e in linker.link("cooperation with Macao")] == ["p1"]
    assert "macau" in linker.english_names()  # the bridge reads it as 澳门 too
    assert [e.id for e in linker.link("Macaue")] == []  # whole words only
