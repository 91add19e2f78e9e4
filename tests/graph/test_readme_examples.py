"""Every Cypher example in the README runs on every backend and returns rows; the researcher
examples return what the sample and 包头 2022 say."""

import re

import pytest

from graph.base import GraphStore
from loaders.files import load_file
from tests.conftest import CORPUS, ROOT, SAMPLE

BAOTOU = CORPUS / "baotou_2022_digital-government-annual-evaluation-tasks.txt"


def readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```cypher\n(.*?)```", text, re.DOTALL)
    return [q.strip().rstrip(";") for block in blocks for q in block.splitlines() if q.strip()]


def _query(start: str) -> str:
    matches = [q for q in readme_queries() if q.startswith(start)]
    assert len(matches) == 1, start
    return matches[0]


@pytest.fixture
def loaded(graph_store: GraphStore) -> GraphStore:
    for path in (SAMPLE, BAOTOU):
        graph_store.write_document(load_file(path).batch)
    return graph_store


def test_the_readme_has_examples() -> None:
    assert len(readme_queries()) >= 12


@pytest.mark.parametrize("query", readme_queries())
def test_readme_example_runs(loaded: GraphStore, query: str) -> None:
    result = loaded.run_read(query)
    assert result.rows, query


def test_shanghai_tasks(loaded: GraphStore) -> None:
    rows = loaded.run_read(_query('MATCH (t:Task)-[:CONCERNS]->(p:Place {name_en: "Shanghai"})')).rows
    sample_numbers = {r[0] for r in rows if r[1] in {"推进教育联盟协同创新发展", "健全队伍管理机制"}}
    assert sample_numbers == {15, 17}


def test_programmes_by_task_count(loaded: GraphStore) -> None:
    rows = loaded.run_read(_query("MATCH (t:Task)-[:ADVANCES]->(p:Programme)")).rows
    counts = [r[1] for r in rows]
    assert len(rows) == 20 and counts == sorted(counts, reverse=True) and counts[0] >= 1


def test_most_cited_documents(loaded: GraphStore) -> None:
    rows = loaded.run_read(_query("MATCH (d:PolicyDocument)-[:CITES]->(c:PolicyDocument)")).rows
    titles = {r[0] for r in rows}
    assert all(r[2] is False for r in rows)  # only cited: neither document cites the other
    assert "2021年度教育工作要点" not in titles  # the sample never cites itself


def test_targets_per_task(loaded: GraphStore) -> None:
    rows = loaded.run_read(_query("MATCH (t:Task)-[:SETS]->(g:Target) RETURN")).rows
    assert ["五/18", "500位教师招聘", 500.0, 500.0, "位", "教师招聘"] in rows
    assert ["四/12", "优质幼儿园4-5所", 4.0, 5.0, "所", "优质幼儿园"] in rows
    assert ["三/9", "100名具备苏州市心理健康教师上岗资格证的兼职心理教师", 100.0, 100.0, "名",
            "兼职心理教师"] in rows


def test_evidence_for_the_dual_system(loaded: GraphStore) -> None:
    rows = loaded.run_read(_query("MATCH (t:Task)-[:HAS_SENTENCE]->(s:Sentence)-[:MENTIONS]->")).rows
    assert rows == [[13, "开展“双元制”本土化20周年庆祝活动和第一轮省太中专高质量办学评估督导工作。"]]


def test_lead_units_and_deadlines(loaded: GraphStore) -> None:
    leads = loaded.run_read(_query("MATCH (t:Task)-[:LED_BY]->(i:Institution) RETURN i.name")).rows
    assert leads[0][0].startswith("包头市") and leads[0][1] >= 10
    deadlines = loaded.run_read(_query("MATCH (t:Task)-[:LED_BY]->(i:Institution) WHERE")).rows
    assert all(r[2] for r in deadlines)


def test_documents_by_jurisdiction_and_level(loaded: GraphStore) -> None:
    rows = loaded.run_read(_query("MATCH (d:PolicyDocument {ingested: true})-[:JURISDICTION]")).rows
    assert sorted(rows) == [["county", "太仓", 1], ["municipal", "包头市", 1]]


def test_documents_within_a_province(loaded: GraphStore) -> None:
    rows = loaded.run_read(_query("MATCH (d:PolicyDocument)-[:JURISDICTION]->(:Place)-[:PART_OF*0..3]")).rows
    assert rows == [["2021年度教育工作要点", 2021]]  # 太仓 is in 苏州, which is in 江苏; 包头 is not


def test_comparing_targets_across_documents(loaded: GraphStore) -> None:
    rows = loaded.run_read(_query("MATCH (t:Task)-[:SETS]->(g:Target) MATCH (d:PolicyDocument)")).rows
    assert ["优质幼儿园", "2021年度教育工作要点", "county", 4.0, 5.0, False] in rows
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
