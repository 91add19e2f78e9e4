"""The second stage (issue 13): numbers in a question's and a task's forms, the reranker's use of
them, its cost bound, and the lexical channel's pseudo-relevance feedback. Tiny hand-made
indexes: no model, no graph."""

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from embeddings.lexical_index import LexicalEntry, LexicalIndex, tokenize
from embeddings.vector_index import VectorEntry, VectorIndex
from service.search.numbers import quantities, share_found
from service.search.ranking import TaskCandidate, aggregate
from service.search.rerank import RERANK_DEPTH, RerankQuery, rerank
from service.search.service import SearchService


@pytest.mark.parametrize(("question", "text"), [
    ("What is the target for 2025?", "到2025年，全市建成10所学校"),
    ("what happens within three years", "用三年时间完成改造"),
    ("at least 20 percent of the funds", "占比不低于20%"),
    ("at least 20% of the funds", "不低于百分之二十"),
    ("a subsidy of 30,000 yuan", "补助3万元"),
    ("the 3rd batch of schools", "第三批学校"),
    ("by June 30", "6月30日前报送"),
    ("二〇二五年的目标", "到2025年"),
    ("两所学校", "建成2所学校"),
])
def test_a_question_number_meets_the_text_in_another_form(question: str, text: str) -> None:
    asked = quantities(question)
    assert asked and share_found(asked, quantities(text)) == 1.0, (asked, quantities(text))


@pytest.mark.parametrize(("question", "text"), [
    ("What is the target for 2025?", "到2030年，全市建成10所学校"),
    ("at least 20 percent of the funds", "建成20所学校"),  # a share is not a count
    ("what happens within three years", "用五年时间完成改造"),
])
def test_a_different_number_does_not_match(question: str, text: str) -> None:
    assert share_found(quantities(question), quantities(text)) == 0.0


def test_words_that_hold_a_numeral_are_not_numbers() -> None:
    assert quantities("统一规划，建设一流学科，落实十四五规划") == set()
    assert quantities("which one of the measures may apply") == set()


def _indexes(tmp_path: Path, tasks: dict[str, list[str]]) -> tuple[VectorIndex, LexicalIndex]:
    """Every sentence gets the same vector: the dense features cannot tell the tasks apart."""
    vectors = VectorIndex.create(tmp_path / "vectors", "test", 4)
    lexical = LexicalIndex.create(tmp_path / "lexical")
    entries = [(f"{task}-s{i}", task, text) for task, texts in tasks.items() for i, text in enumerate(texts)]
    vectors.upsert([VectorEntry(s, t, "doc", "sha") for s, t, _ in entries],
                   np.tile(np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32), (len(entries), 1)))
    lexical.upsert([LexicalEntry(s, t, "doc", text) for s, t, text in entries])
    return vectors, lexical


def _question(text: str, lexical: str) -> RerankQuery:
    return RerankQuery(vector=np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32), lexical=lexical, text=text)


def test_the_task_with_the_asked_number_moves_above_one_without_it(tmp_path: Path) -> None:
    vectors, lexical = _indexes(tmp_path, {"five": ["用五年时间完成校舍改造"], "three": ["用三年时间完成校舍改造"]})

    def ranked(question: str) -> list[str]:
        fused = [TaskCandidate("five", 0.10), TaskCandidate("three", 0.095)]
        return [c.task_id for c in rerank(fused, _question(question, "完成校舍改造"), vectors, lexical)]

    assert ranked("which renovation is to be finished within three years") == ["three", "five"]
    assert ranked("which renovation is to be finished") == ["five", "three"]  # no number: fused order


def test_a_year_the_document_scope_took_is_no_quantity_for_the_tasks(tmp_path: Path) -> None:
    """"The 2020 opinions": 2020 names the documents (the scope raises theirs), so a task of
    another document that writes 到2020年 does not match it as a quantity."""
    vectors, lexical = _indexes(tmp_path, {"old": ["到2020年完善美育体系"], "new": ["完善美育体系"]})

    def ranked(scope_years: frozenset[str]) -> list[str]:
        fused = [TaskCandidate("new", 0.10), TaskCandidate("old", 0.095)]
        question = replace(_question("2020年关于美育的意见", "完善美育体系"), scope_years=scope_years)
        return [c.task_id for c in rerank(fused, question, vectors, lexical)]

    assert ranked(frozenset()) == ["old", "new"]  # the year read as a quantity the task writes
    assert ranked(frozenset({"2020"})) == ["new", "old"]


def test_the_reranker_touches_at_most_its_depth(tmp_path: Path) -> None:
    count = RERANK_DEPTH + 20
    vectors, lexical = _indexes(tmp_path, {f"t{i:03d}": [f"第{i}项 完成校舍改造"] for i in range(count)})
    asked: list[str] = []
    scores_of = lexical.task_scores

    def spied(query: Any, task_ids: list[str]) -> dict[str, float]:
        asked.extend(task_ids)
        return scores_of(query, task_ids)

    lexical.task_scores = spied  # type: ignore[method-assign]
    fused = [TaskCandidate(f"t{i:03d}", 1.0 / (i + 1)) for i in range(count)]
    out = rerank(fused, _question("完成校舍改造", "完成校舍改造"), vectors, lexical)
    assert len(asked) == RERANK_DEPTH
    assert [c.task_id for c in out[RERANK_DEPTH:]] == [f"t{i:03d}" for i in range(RERANK_DEPTH, count)]
    assert min(c.score for c in out[:RERANK_DEPTH]) > max(c.score for c in out[RERANK_DEPTH:])


def test_feedback_adds_words_of_the_first_pass_only(tmp_path: Path) -> None:
    _, lexical = _indexes(tmp_path, {
        "hit": ["加强教师队伍建设，实施乡村教师支持计划"],
        "other": ["推进校园足球特色学校创建"],
        "third": ["完善学生资助体系"],
    })
    search = SearchService(cast(Any, None), cast(Any, None), cast(Any, None), lexical)
    query = {"教师": 1.0}
    rankings = {"lexical": aggregate(lexical.search(query, 10), "lexical")}
    expanded = cast(dict[str, float], search._with_feedback(query, rankings))
    added = set(expanded) - set(query)
    first_pass = set(tokenize("加强教师队伍建设，实施乡村教师支持计划"))
    assert added and added <= first_pass, added
    assert expanded["教师"] == 1.0 and all(expanded[t] < 1.0 for t in added)
