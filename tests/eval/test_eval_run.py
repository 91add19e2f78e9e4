"""`policykg eval` over the hand-written question set: gold snippets resolve to tasks in a
multi-document store, and the fused search keeps a floor with the hash embedder (the lexical
and entity channels carry it; the real model's figures are in the closing notes)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.search.evaluation import load_questions
from tests.conftest import CORPUS, SAMPLE

QUESTIONS = Path(__file__).with_name("questions.jsonl")
runner = CliRunner()


@pytest.mark.parametrize("backend", ["embedded"])
def test_eval_over_the_question_set(settings_env: Path, backend: str) -> None:
    docs = {q.doc for q in load_questions(QUESTIONS)}
    paths = [SAMPLE if doc == SAMPLE.stem else CORPUS / f"{doc}.txt" for doc in sorted(docs)]
    assert len(paths) >= 6
    result = runner.invoke(app, ["ingest", *map(str, paths)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["eval", str(QUESTIONS), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)["scores"]
    fused, baseline = scores["fused"], scores["dense only (baseline)"]
    assert fused["all"]["questions"] >= 60
    assert fused["zh"]["recall@10"] >= 0.8 and fused["zh"]["mrr"] >= 0.6
    assert fused["all"]["recall@10"] > baseline["all"]["recall@10"]
