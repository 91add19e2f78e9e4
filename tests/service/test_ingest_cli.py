"""End to end through the CLI on both backends (hash embedder): ingest, cypher, search, eval,
delete; re-ingesting changes no count."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embeddings.hash_embedder import HashEmbedder
from embeddings.vector_index import VectorIndex
from service.cli import app
from tests.conftest import DEV_QUESTIONS, SAMPLE

runner = CliRunner()


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def cypher_value(query: str) -> object:
    return json.loads(cli("cypher", query, "--json"))["rows"][0][0]


def vector_count(data_dir: Path, backend: str) -> int:
    embedder = HashEmbedder()
    return VectorIndex.open(data_dir / "indexes" / backend / "vectors", embedder.name,
                            embedder.dimension).count


def graph_counts() -> tuple[object, object]:
    # Nodes of the schema: every one has an id (Neo4j's bookkeeping for replicas has none).
    return (cypher_value("MATCH (n) WHERE n.id IS NOT NULL RETURN count(n)"),
            cypher_value("MATCH ()-[r]->() RETURN count(r)"))


def test_ingest_then_cypher_gives_the_sample_structure(settings_env: Path, backend: str) -> None:
    cli("ingest", str(SAMPLE))
    assert cypher_value("MATCH (t:Task) WHERE t.number > 0 RETURN count(t)") == 24
    assert cypher_value("MATCH (s:Section) RETURN count(s)") == 6
    rows = json.loads(cli("cypher", "MATCH (d:PolicyDocument {ingested: true}) "
                          "RETURN d.doc_number AS number, d.issued_date AS date", "--json"))
    assert rows == {"columns": ["number", "date"], "rows": [["太教〔2021〕1号", "2021-02-18"]]}
    assert cypher_value("MATCH (t:Task {number: 20}) "
                        "RETURN t.text CONTAINS '太仓市中招工作科学管理考评办法'") is True


def test_ingesting_twice_changes_no_node_relationship_or_vector_count(
        settings_env: Path, backend: str) -> None:
    cli("ingest", str(SAMPLE))
    first = (*graph_counts(), vector_count(settings_env, backend))
    output = runner.invoke(app, ["ingest", str(SAMPLE)]).output
    assert "0 embedded" in output
    assert (*graph_counts(), vector_count(settings_env, backend)) == first
    assert first[2] == cypher_value("MATCH (s:Sentence) RETURN count(s)")


def test_search_json_is_the_api_shape(settings_env: Path, backend: str) -> None:
    cli("ingest", str(SAMPLE))
    body = json.loads(cli("search", "心理健康教育", "--k", "3", "--json"))
    assert set(body) == {"query", "took_ms", "listing", "results", "context_text"}
    assert len(body["results"]) == 3
    first = body["results"][0]
    assert set(first) == {"task", "score", "matched_by", "evidence", "context"}
    assert first["task"]["document"]["doc_number"] == "太教〔2021〕1号"
    for evidence in first["evidence"]:
        assert first["task"]["text"][evidence["start"]:evidence["end"]] == evidence["text"]
    assert "[1] 《2021年度教育工作要点》（太教〔2021〕1号）" in body["context_text"]


def test_eval_prints_recall_and_mrr_per_language(settings_env: Path, backend: str) -> None:
    cli("ingest", str(SAMPLE))
    body = json.loads(cli("eval", str(DEV_QUESTIONS), "--json"))
    scores = body["scores"]
    # The fused system, the dense-only baseline and the per-channel ablation, in one run.
    assert {"fused", "dense only (baseline)", "lexical only", "entity only"} <= set(scores)
    for per_language in scores.values():
        assert set(per_language) == {"en", "zh", "all"}
        assert per_language["zh"]["questions"] == 7 and per_language["en"]["questions"] == 8
        assert 0.0 <= per_language["all"]["recall@5"] <= 1.0 and "mrr" in per_language["all"]
    # Chinese questions are answered by the lexical channel even with the hash embedder.
    assert scores["fused"]["zh"]["recall@5"] >= 0.85 and scores["lexical only"]["zh"]["recall@5"] >= 0.85
    table = cli("eval", str(DEV_QUESTIONS))
    assert "recall@5" in table and "MRR" in table and "baseline" in table
    # Every question carries its gold's rank under each configuration.
    assert len(body["questions"]) == 15
    assert all(set(q["ranks"]) == set(scores) for q in body["questions"])
    fused = json.loads(cli("eval", str(DEV_QUESTIONS), "--json", "--fused-only"))
    assert set(fused["scores"]) == {"fused"}
    assert all(set(q["ranks"]) == {"fused"} for q in fused["questions"])


def test_delete_removes_document_tasks_and_vectors(settings_env: Path, backend: str) -> None:
    cli("ingest", str(SAMPLE))
    doc_id = cypher_value("MATCH (d:PolicyDocument {ingested: true}) RETURN d.id")
    cli("delete", str(doc_id))
    assert graph_counts() == (0, 0)
    assert vector_count(settings_env, backend) == 0
    result = runner.invoke(app, ["delete", str(doc_id)])
    assert result.exit_code == 1 and "no ingested document" in result.output


@pytest.mark.parametrize("backend", ["embedded"])
def test_cli_errors_are_clear(settings_env: Path, backend: str, tmp_path: Path) -> None:
    bad = tmp_path / "notes.xyz"
    bad.write_text("x")
    result = runner.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 1 and "unsupported file type .xyz" in result.output
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.txt")])
    assert result.exit_code == 1 and "no such file" in result.output
    cli("ingest", str(SAMPLE))
    result = runner.invoke(app, ["cypher", "MATCH (t:Task) DELETE t"])
    assert result.exit_code == 1 and "DELETE is not allowed" in result.output
