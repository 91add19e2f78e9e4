"""bench/scale.py's plumbing at a tiny size (2 documents x 2 replicas, embedded, hash embedder):
the replicas parse like their sources, and the report has its row."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from bench import scale
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs the shared corpus")


@pytest.fixture(scope="module")
def two_sources() -> list[scale.Source]:
    return scale.read_sources(CORPUS, 2)


def test_replicas_parse_like_their_sources_with_ids_and_texts_of_their_own(
        tmp_path: Path, two_sources: list[scale.Source]) -> None:
    info = scale.write_replicas(two_sources, 2, tmp_path)
    assert info["documents"] == 4
    assert info["tasks"] == 2 * sum(s.tasks for s in two_sources)
    assert info["sentences"] == 2 * sum(s.sentences for s in two_sources)
    first = two_sources[0]
    assert (tmp_path / f"{first.path.stem}.r000.txt").read_text("utf-8") == first.text
    replica = (tmp_path / f"{first.path.stem}.r001.txt").read_text("utf-8")
    assert f"{first.title}（副本1）" in replica


def test_a_replica_that_parses_differently_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      two_sources: list[scale.Source]) -> None:
    def drops_a_paragraph(text: str, replica: int, title: str) -> str:
        kept = text.split("\n")
        return "\n".join(kept[:len(kept) // 2]) if replica else text

    monkeypatch.setattr(scale, "perturb", drops_a_paragraph)
    with pytest.raises(scale.ReplicaMismatchError, match="tasks"):
        scale.write_replicas(two_sources, 2, tmp_path)


def test_the_report_has_a_row_per_size_and_backend_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       two_sources: list[scale.Source]) -> None:
    out = tmp_path / "out"
    for name in ("NEO4J_URI", "NEO4J_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    # In this process (its jieba dictionary is loaded already); the ingest and the server are
    # child processes, as in `make bench`.
    monkeypatch.setattr(sys, "argv", [
        "scale.py", "--corpus", str(CORPUS), "--first", "2", "--scales", "2", "--backends", "embedded,neo4j",
        "--seconds", "0.5", "--clients", "2", "--single", "3", "--out", str(out), "--work", str(tmp_path / "work")])
    scale.main()
    report = json.loads((out / "scale.json").read_text("utf-8"))
    assert [(r["backend"], r["scale"], r["documents"]) for r in report["rows"]] == [("embedded", 2, 4)]
    assert report["skipped"] == ["neo4j: NEO4J_URI and NEO4J_PASSWORD are not set"]
    row = report["rows"][0]
    assert row["sentences"] == 2 * sum(s.sentences for s in two_sources)
    assert row["snapshot"]["sentences"] == row["sentences"]
    assert row["rss_after"] > 0 and row["data_dir_bytes"]["graph.lbug"] > 0
    assert [v["index"] for v in row["vector_rows"]] == ["flat (exact)", *(f"HNSW M=32 ef={ef}" for ef in (64, 128, 256))]
    markdown = (out / "scale.md").read_text("utf-8")
    assert "| embedded | 2x | 4 |" in markdown
    if importlib.util.find_spec("matplotlib"):  # the bench extra, which `make test` does not install
        assert {"scale_latency.png", "scale_rss.png", "scale_ingest.png"} <= {p.name for p in out.iterdir()}


def test_ingest_is_projected_linearly_and_by_a_quadratic_through_the_two_largest_sizes() -> None:
    rows = [{"backend": "embedded", "scale": s, "documents": 45 * s, "ingest_s": 0.01 * (45 * s) ** 2}
            for s in (1, 10)]
    rows.append({"backend": "neo4j", "scale": 10, "documents": 450, "ingest_s": 300.0})  # one size: none
    [projection] = scale.projected_ingest(rows, 100)
    assert projection["backend"] == "embedded" and projection["documents"] == 4500
    assert projection["linear_s"] == pytest.approx(0.01 * 450 ** 2 * 10)
    assert projection["quadratic_s"] == pytest.approx(0.01 * 4500 ** 2)
