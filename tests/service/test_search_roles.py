"""Questions about the role a unit plays in its tasks (issue 13, "who leads"): the tasks it leads
(LED_BY, from 牵头部门：) or those it works on with a lead (配合部门：), on both backends (hash
embedder: the graph does the work)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.search.entity_linking import question_role
from service.search.service import SearchService
from service.wiring import build_components, build_ingestor, build_search
from tests.conftest import hash_settings

# Three work items with their lead and cooperating units, as a city's implementation opinions
# write them: 市财政局 cooperates on items 1 and 2 and leads item 3.
DOCUMENT = """某市人民政府办公室关于加强学校美育工作的实施意见

一、工作内容

（一）完善学校美育设施。各地要按照标准配齐美育教学器材，改善艺术教室条件。

牵头部门：市教育局　　配合部门：市财政局、市文广局

（二）配齐美育教师。学校每年公开招聘新任教师要划出一定比例用于招聘美育教师。

牵头部门：市教育局　　配合部门：市财政局、市人社局

（三）加大美育资金投入。市级财政每年安排专项资金支持学校美育工作。

牵头部门：市财政局　　配合部门：市教育局

（四）开展校园艺术展演。每年举办一次全市中小学生艺术展演活动。

牵头部门：市文广局
"""
ITEM = {"完善学校美育设施": 1, "配齐美育教师": 2, "加大美育资金投入": 3, "开展校园艺术展演": 4}


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def search(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    backend = str(request.param)
    root = tmp_path_factory.mktemp(f"roles-{backend}")
    settings = hash_settings(backend, root / "data")
    document = root / "某市美育实施意见.txt"
    document.write_text(DOCUMENT, encoding="utf-8")
    components = build_components(settings)
    build_ingestor(components).ingest_path(Path(document))
    yield build_search(components)
    components.close()


def items(search: SearchService, question: str) -> set[int]:
    response = search.search(question, k=20)
    return {ITEM[r.task.title] for r in response.results if r.task.title in ITEM}


@pytest.mark.parametrize(("question", "expected"), [
    ("哪些任务由市财政局牵头", {3}),
    ("which tasks is the city finance bureau responsible for", {3}),
    ("市财政局作为配合部门参与哪些工作", {1, 2}),
    ("哪些任务由市文广局牵头", {4}),
    ("市文广局配合哪些工作", {1}),
])
def test_a_role_question_lists_the_tasks_of_that_role(search: SearchService, question: str,
                                                      expected: set[int]) -> None:
    response = search.search(question, k=20)
    assert response.listing is not None
    assert items(search, question) == expected


def test_without_a_role_every_task_naming_the_unit_is_listed(search: SearchService) -> None:
    assert items(search, "哪些任务涉及市财政局") == {1, 2, 3}


@pytest.mark.parametrize(("question", "role"), [
    ("哪些任务由市教育局牵头", "lead"),
    ("市卫计委负责哪项工作", "lead"),
    ("which tasks are led by the city education bureau", "lead"),
    ("who is in charge of teacher recruitment", "lead"),
    ("市财政局作为配合部门参与哪些工作", "partner"),
    ("which tasks name the youth league as a partner", "partner"),
    ("in which tasks is the culture bureau a cooperating department", "partner"),
    ("which items involve Shanghai cooperation", None),  # cooperation with a place: no role
    ("which tasks involve the leading group", None),  # 领导小组: a body, not a role
    ("how will head teachers be trained", None),
    ("哪些任务由市教育局牵头、市财政局配合", None),  # both roles: neither restricts
    ("学校美育设施", None),
])
def test_question_role(question: str, role: str | None) -> None:
    assert question_role(question) == role
