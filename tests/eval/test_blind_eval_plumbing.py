"""`make test` runs the blind sets' evaluation code with the hash embedder, for format and plumbing
only: every question resolves to its gold tasks (or document), every row's figures are shares, each
question carries its gold's rank under every configuration, and the fused row sits beside the dense
baseline. No score floor here: a floor on the blind set would be a tuning target (the real-model
figures come from `make eval` and are recorded in tests/eval/blind/BASELINE.md)."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.search.evaluation import (
    CONFIGURATIONS,
    CUTOFFS,
    DENSE_BASELINE,
    DOCUMENT_BASELINE,
    DOCUMENT_RANK_DEPTH,
    FUSED,
    MISS_CUTOFF,
    TASK_RANK_DEPTH,
)
from tests.conftest import CORPUS, SAMPLE
from tests.eval.test_blind_set import (
    DOC_QUESTIONS,
    DOCS,
    KINDS,
    LISTING_QUESTIONS,
    QUESTIONS,
    _owns,
    doc_questions,
    questions,
)

runner = CliRunner()
CORPUS_DOCUMENTS = 4  # the smallest corpus documents asked about, beside the blind ones


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def check_scores(scores: dict[str, Any], rows: list[str], asked: int) -> None:
    assert list(scores) == rows
    for name, per_lang in scores.items():
        assert set(per_lang) == {"en", "zh", "all"}, name
        assert per_lang["all"]["questions"] == asked
        assert per_lang["en"]["questions"] + per_lang["zh"]["questions"] == asked
        for lang, figures in per_lang.items():
            shares = [figures["mrr"], *(figures[f"recall@{k}"] for k in CUTOFFS)]
            assert all(0.0 <= v <= 1.0 for v in shares), (name, lang, figures)
            recall = [figures[f"recall@{k}"] for k in CUTOFFS]
            assert recall == sorted(recall), (name, lang, figures)  # recall grows with k
            evidence = figures["evidence@1"]
            assert evidence is None or 0.0 <= evidence <= 1.0, (name, lang, figures)


def check_ranks(question: dict[str, Any], rows: list[str], depth: int) -> None:
    assert set(question["ranks"]) == set(rows), question["q"]
    for ranks in question["ranks"].values():
        assert len(ranks) == len(question["gold"]), question["q"]
        assert all(r is None or 1 <= r <= depth for r in ranks), question["q"]
    fused = question["ranks"][FUSED]
    assert question["missed"] == any(r is None or r > MISS_CUTOFF for r in fused), question["q"]


@pytest.mark.parametrize("backend", ["embedded"])
def test_eval_runs_on_the_blind_questions(settings_env: Path, backend: str) -> None:
    invoke("ingest", str(DOCS))
    body = json.loads(invoke("eval", str(QUESTIONS), "--json"))
    asked = questions()
    rows = list(CONFIGURATIONS)
    check_scores(body["scores"], rows, len(asked))
    assert {FUSED, DENSE_BASELINE} <= set(body["scores"])
    assert [q["q"] for q in body["questions"]] == [q.q for q in asked]
    for question, blind in zip(body["questions"], asked, strict=True):
        # Each snippet resolved to a task of its own document, labelled by that document.
        assert len(question["gold"]) == len(blind.gold_text), blind.q
        assert all(label.startswith(f"{blind.doc} #") for label in question["gold"]), question["gold"]
        assert question["kind"] == blind.kind and question["lang"] == blind.lang
        check_ranks(question, rows, TASK_RANK_DEPTH)
        # Evidence is judged where a quoted gold task is in the top 5, and only there.
        in_top = any(r is not None and r <= MISS_CUTOFF for r in question["ranks"][FUSED])
        assert (question["evidence_first"][FUSED] is not None) == in_top, question["q"]
    misses = body["misses"]
    assert set(misses["by_kind"]) == set(KINDS)
    assert misses["total"] == sum(k["misses"] for k in misses["by_kind"].values()) \
        == sum(q["missed"] for q in body["questions"])
    assert all(k["none_found"] <= k["misses"] <= k["questions"] for k in misses["by_kind"].values())

    # The table and the miss listing: one entry per miss, each gold item with its fused rank.
    table = invoke("eval", str(QUESTIONS), "--fused-only", "--misses")
    assert "recall@5" in table and "MRR" in table and "evidence@1" in table
    judged = [q["evidence_first"][FUSED] for q in body["questions"] if q["evidence_first"][FUSED] is not None]
    assert body["scores"][FUSED]["all"]["evidence@1"] == pytest.approx(sum(judged) / len(judged), abs=1e-4)
    fused_misses = [q for q in body["questions"] if q["missed"]]
    assert f"outside the fused top {MISS_CUTOFF}): {len(fused_misses)} of {len(asked)}" in table
    assert len(re.findall(r"^miss \[", table, re.M)) == len(fused_misses)
    assert len(re.findall(r"^  gold: ", table, re.M)) == sum(len(q["gold"]) for q in fused_misses)


@pytest.mark.parametrize("backend", ["embedded"])
def test_eval_docs_runs_on_the_document_level_set(settings_env: Path, backend: str,
                                                  tmp_path: Path) -> None:
    # The blind documents and the few smallest corpus documents the set asks about (all 58 take
    # over a minute to ingest with the hash embedder); the questions about those, as written.
    texts = {p: p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))}
    # The corpus document that carries each gold_doc; None: a blind document carries it.
    owner = {q.gold_doc: next((p for p, text in texts.items() if _owns(text, q.gold_doc)), None)
             for q in doc_questions()}
    asked = sorted({p for p in owner.values() if p is not None}, key=lambda p: p.stat().st_size)
    corpus = asked[:CORPUS_DOCUMENTS]
    subset = [line for line in DOC_QUESTIONS.read_text("utf-8").splitlines()
              if line.strip() and owner[json.loads(line)["gold_doc"]] in (None, *corpus)]
    assert len(corpus) == CORPUS_DOCUMENTS and len(subset) >= 15 + CORPUS_DOCUMENTS
    questions_file = tmp_path / "doc_questions.jsonl"
    questions_file.write_text("\n".join(subset) + "\n", "utf-8")
    invoke("ingest", str(DOCS), *map(str, corpus))

    body = json.loads(invoke("eval-docs", str(questions_file), "--json"))
    rows = [*CONFIGURATIONS, DOCUMENT_BASELINE]
    check_scores(body["scores"], rows, len(subset))
    for question in body["questions"]:
        assert len(question["gold"]) == 1
        check_ranks(question, rows, DOCUMENT_RANK_DEPTH)
    fused = json.loads(invoke("eval-docs", str(questions_file), "--json", "--fused-only"))
    assert list(fused["scores"]) == [FUSED, DOCUMENT_BASELINE]
    table = invoke("eval-docs", str(questions_file))
    assert "hit@5" in table and "best sentence" in table


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_gold_document_is_found_by_its_folded_number_or_fails(settings_env: Path, backend: str,
                                                                 tmp_path: Path) -> None:
    invoke("ingest", str(DOCS / "hohhot_2017_aesthetic-education-implementation-plan.txt"))
    questions_file = tmp_path / "doc_questions.jsonl"
    questions_file.write_text(json.dumps({"q": "呼和浩特的美育方案", "lang": "zh", "gold_doc": "呼政办发[2017]64号"},
                                         ensure_ascii=False) + "\n"
                              + json.dumps({"q": "青岛的美育意见", "lang": "zh", "gold_doc": "青政办发〔2016〕33号"},
                                           ensure_ascii=False) + "\n", "utf-8")
    result = runner.invoke(app, ["eval-docs", str(questions_file), "--json"])
    # The first resolves with its brackets folded; the second is not ingested, which is an error.
    assert result.exit_code == 1 and "青政办发〔2016〕33号" in result.output and "呼政办发" not in result.output


@pytest.mark.parametrize("backend", ["embedded"])
def test_eval_listing_runs_on_the_listing_set(settings_env: Path, backend: str) -> None:
    # The sample names 上海, 德国 and 双元制; plumbing only: every question answered once, the
    # counts add up, and --misses lists exactly the questions answered the wrong way.
    invoke("ingest", str(SAMPLE))
    body = json.loads(invoke("eval-listing", str(LISTING_QUESTIONS), "--json"))
    asked = [json.loads(line) for line in LISTING_QUESTIONS.read_text("utf-8").splitlines() if line.strip()]
    assert [q["q"] for q in body["questions"]] == [q["q"] for q in asked]
    assert set(body["scores"]) == {"en", "zh", "all"}
    for lang, counts in body["scores"].items():
        rows = [q for q in body["questions"] if lang in ("all", q["lang"])]
        assert counts["questions"] == len(rows)
        assert counts["true_positive"] == sum(q["listing"] and q["detected"] for q in rows)
        assert counts["false_positive"] == sum(not q["listing"] and q["detected"] for q in rows)
        assert 0.0 <= counts["precision"] <= 1.0 and 0.0 <= counts["recall"] <= 1.0
    # Something was detected (the sample's names link), else this checks nothing.
    assert body["scores"]["all"]["true_positive"] > 0
    table = invoke("eval-listing", str(LISTING_QUESTIONS), "--misses")
    wrong = [q for q in body["questions"] if q["listing"] != q["detected"]]
    assert len(re.findall(r"^miss \[", table, re.M)) == len(wrong)
    assert "precision" in table and "recall" in table
