"""The kind of answer a question asks for (issue 13): read from its interrogatives, matched with
what the graph records of a task (a target, a lead, a deadline), and used by the reranker."""

from dataclasses import replace
from pathlib import Path

import pytest

from graph.models import Task
from service.search.answer_kind import answer_evidence, asked_kinds
from service.search.ranking import TaskCandidate
from service.search.rerank import rerank
from service.search.text_norm import normalise_query
from tests.service.test_rerank import _indexes, _question


@pytest.mark.parametrize(("question", "kinds"), [
    ("今年要新增几所优质幼儿园", {"quantity"}),
    ("普通高中美育必修课至少要修多少学分", {"quantity"}),
    ("How many new urban jobs does Jiangsu aim to create?", {"quantity"}),
    ("what share of arts teachers should be full-time", {"quantity"}),
    ("旧城改造谁来牵头？", {"body"}),
    ("要借助哪些单位组织文艺工作者去学校", {"body"}),
    ("Who is accountable for the annual self-review?", {"body"}),
    ("Which departments assist the education bureau?", {"body"}),
    ("In the 2020 opinions, who leads the evaluation?", {"body"}),
    ("完成时限是什么时候", {"time"}),
    ("到哪一年要建成现代化美育体系", {"time"}),
    ("By when must the bureaus set up research offices?", {"time"}),
    ("By what date must universities submit their rules?", {"time"}),
    ("到哪一年要新增多少所学校", {"time", "quantity"}),
])
def test_an_interrogative_names_the_kind_of_answer(question: str, kinds: set[str]) -> None:
    assert asked_kinds(normalise_query(question)) == kinds


@pytest.mark.parametrize("question", [
    "哪些任务涉及长三角",  # a listing asks for tasks, not for a kind of answer
    "河南这份意见里，和中小学校长有关的规定有哪几条？",  # 哪几: which ones, not how many
    "Which items involve art teachers who travel between schools?",  # a relative "who"
    "What skills should pupils master when they graduate?",  # a subordinate "when"
    "teacher recruitment targets",
])
def test_a_word_that_only_joins_a_clause_asks_for_nothing(question: str) -> None:
    assert asked_kinds(normalise_query(question)) == frozenset()


def _task(task_id: str, text: str, lead: str | None = None, deadline: str | None = None) -> Task:
    return Task(id=task_id, doc_id="doc", number=1, path=task_id, title=text[:6], text=text,
                lead=lead, deadline=deadline)


def test_the_graph_records_are_strong_evidence_and_the_text_weak() -> None:
    tasks = {t.id: t for t in [
        _task("target", "新增城镇就业5000人"),
        _task("amount", "全年民生支出12.5亿元"),  # a figure the text writes, no Target node
        _task("year-only", "到2020年基本建成美育体系"),
        _task("led", "推进旧城改造", lead="区住建局"),
        _task("involves", "区住建局推进旧城改造"),
        _task("due", "完成平台建设", deadline="2021年6月底前"),
        _task("plain", "加强组织领导"),
    ]}
    edges = {"target": [("SETS", "t1")], "involves": [("INVOLVES", "i1")]}
    assert answer_evidence(frozenset({"quantity"}), tasks, edges) == {"target": 1.0, "amount": 0.5}
    assert answer_evidence(frozenset({"body"}), tasks, edges) == {"led": 1.0, "involves": 0.5}
    assert answer_evidence(frozenset({"time"}), tasks, edges) == {"year-only": 0.5, "due": 1.0}
    assert answer_evidence(frozenset(), tasks, edges) == {}


def test_the_task_that_carries_the_asked_answer_moves_up(tmp_path: Path) -> None:
    """Two tasks on one topic, alike to every other feature: the one that sets the target a
    "how many" question asks for comes first; without the evidence the fused order stays."""
    vectors, lexical = _indexes(tmp_path, {"plan": ["推进乡村学校美育建设"], "target": ["推进乡村学校美育建设"]})
    question = _question("乡村学校美育建设要达到多少所", "乡村学校美育建设")

    def ranked(answer_tasks: dict[str, float]) -> list[str]:
        fused = [TaskCandidate("plan", 0.10), TaskCandidate("target", 0.098)]
        out = rerank(fused, replace(question, answer_tasks=answer_tasks), vectors, lexical)
        return [c.task_id for c in out]

    assert ranked({}) == ["plan", "target"]
    assert ranked({"target": 1.0}) == ["target", "plan"]
