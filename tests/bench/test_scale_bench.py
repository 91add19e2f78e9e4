"""bench/scale.py's plumbing at a tiny size (2 documents x 2 replicas, embedded, hash embedder):
the replicas parse like their sources, and the report has its row."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import scale
from tests.conftest import CORPUS, ROOT

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs the shared corpus")


def _two_sources() -> list[scale.Source]:
    return scale.read_sources(CORPUS, 2)


def test_replicas_parse_like_their_sources_with_ids_and_texts_of_their_own(tmp_path: Path) -> None:
    sources = _two_sources()
    info = scale.write_replicas(sources, 3, tmp_path)
    assert info["documents"] == 6
    assert info["tasks"] == 3 * sum(s.tasks for s in sources)
    assert info["sentences"] == 3 * sum(s.sentences for s in sources)
    replica = (tmp_path / f"{sources[0].path.stem}.r002.txt").read_text("utf-8")
    assert replica != sources[0].text
    assert f"{sources[0].title}（副本2）" in replica


def test_a_replica_that_parses_differently_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def drops_a_paragraph(text: str, replica: int, title: str) -> str:
        kept = text.split("\n")
        return "\n".join(kept[:len(kept) // 2]) if replica else text

    monkeypatch.setattr(scale, "perturb", drops_a_paragraph)
    with pytest.raises(scale.ReplicaMismatchError, match="tasks"):
        scale.write_replicas(_two_sources(), 2, tmp_path)


def test_the_report_has_a_row_per_size_and_backend_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
    subprocess.run([sys.executable, str(ROOT / "bench" / "scale.py"), "--first", "2", "--scales", "2",
                    "--backends", "embedded,neo4j", "--seconds", "0.5", "--clients", "2", "--single", "3",
                    "--out", str(out), "--work", str(tmp_path / "work")],
                   env={**env, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}, check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    report = json.loads((out / "scale.json").read_text("utf-8"))
    assert [(r["backend"], r["scale"], r["documents"]) for r in report["rows"]] == [("embedded", 2, 4)]
    assert report["skipped"] == ["neo4j: NEO4J_URI and NEO4J_PASSWORD are not set"]
    two = report["rows"][0]
    assert two["sentences"] == 2 * sum(s.sentences for s in _two_sources())
    assert two["snapshot"]["sentences"] == two["sentences"]
    assert two["rss_after"] > 0 and two["data_dir_bytes"]["graph.lbug"] > 0
    markdown = (out / "scale.md").read_text("utf-8")
    assert "| embedded | 2x | 4 |" in markdown
    if importlib.util.find_spec("matplotlib"):  # the bench extra, which `make test` does not install
        assert {"scale_latency.png", "scale_rss.png", "scale_ingest.png"} <= {p.name for p in out.iterdir()}
