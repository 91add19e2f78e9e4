"""Kill a `policykg` process at a known point (the POLICYKG_TEST_PAUSE_AT hook of
``service.ingest.journal``), then show that the next start detects it, says what to run, and that
re-running the command leaves graph, vector index and lexical index agreeing."""

import json
import os
import queue
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from graph.base import GraphStore
from service.ingest.consistency import check_consistency
from service.ingest.journal import STAGES, TEST_HOOK_ENV, Journal
from tests.conftest import CORPUS, SAMPLE, connect_neo4j, wipe_neo4j
from tests.service.lifecycle_support import POLICYKG, make_ingestor, subprocess_env

# A part of the corpus directory, so that a killed run and its re-run stay quick.
CORPUS_PART = "[a-b]*.txt"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*POLICYKG, *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def kill_at(stage: str, env: dict[str, str], *args: str) -> str:
    """Run `policykg ARGS` until it pauses at ``stage`` (``name[:n]``), SIGKILL it, and
    return what it printed on stderr before."""
    process = subprocess.Popen([*POLICYKG, *args], env={**env, TEST_HOOK_ENV: stage},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    try:
        while True:
            line = lines.get(timeout=240)
            if line is None:
                pytest.fail(f"policykg exited before pausing at {stage}: {''.join(seen)[-2000:]}")
            seen.append(line)
            if "policykg test hook: paused at" in line:
                break
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return "".join(seen)


def check(env: dict[str, str]) -> dict[str, object]:
    """`policykg check --json`, in this process (a child process costs seconds to start)."""
    from service.ingest.consistency import check_consistency
    from service.settings import Settings
    from service.wiring import build_components, journal

    settings = Settings(data_dir=Path(env["POLICYKG_DATA_DIR"]), graph=env["POLICYKG_GRAPH"],  # type: ignore[arg-type]
                        embedder="hash")
    components = build_components(settings, read_only=True)
    try:
        return check_consistency(components.store, components.vectors, components.lexical,
                                 journal(settings, components.store)).as_json()
    finally:
        components.close()


@pytest.fixture
def env(backend: str, tmp_path: Path) -> dict[str, str]:
    if backend == "neo4j":
        connect_neo4j().close()
        wipe_neo4j()
    return subprocess_env(backend, tmp_path / "data")


def test_an_ingest_killed_after_its_first_document_is_finished_by_running_it_again(
        env: dict[str, str], backend: str) -> None:
    args = ("ingest", str(CORPUS), "--glob", CORPUS_PART)
    kill_at("graph-written:1", env, *args)

    broken = check(env)
    assert not broken["ok"]
    vectors, lexical = broken["indexes"]  # type: ignore[misc]
    first_document = broken["graph_sentences"]
    assert first_document and len(vectors["missing"]) == len(lexical["missing"]) == first_document
    assert broken["interrupted"]["command"] == f"policykg ingest {CORPUS.resolve()} --glob '{CORPUS_PART}'"  # type: ignore[index]

    rerun = run(env, *args)

    assert rerun.returncode == 0, rerun.stderr
    assert "recovered" in rerun.stderr and "It had finished 0 of" in rerun.stderr
    healed = check(env)
    assert healed["ok"] and healed["interrupted"] is None, healed
    assert healed["graph_sentences"] > first_document
    again = run(env, *args)
    assert again.returncode == 0 and "recovered" not in again.stderr
    assert check(env)["graph_sentences"] == healed["graph_sentences"]


def _three_files(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("guowuyuan-bangongting_2015_aesthetic-education-opinions.txt",
                 "hubei_2016_aesthetic-education-implementation-opinions.txt"):
        shutil.copy(CORPUS / name, folder / name)
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    return folder


@pytest.mark.parametrize("backend", ["embedded"])
@pytest.mark.parametrize("stage", [f"{s}:2" for s in STAGES[:3]] + list(STAGES[3:]))
def test_a_kill_at_any_stage_then_a_rerun_leaves_graph_and_indexes_agreeing(
        env: dict[str, str], tmp_path: Path, stage: str) -> None:
    folder = _three_files(tmp_path)
    kill_at(stage, env, "ingest", str(folder))
    assert check(env)["interrupted"] is not None

    rerun = run(env, "ingest", str(folder))

    assert rerun.returncode == 0, rerun.stderr
    assert "recovered" in rerun.stderr
    report = check(env)
    assert report["ok"], report
    assert report["graph_sentences"] == sum(i["entries"] for i in report["indexes"]) / 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["embedded"])
def test_the_next_command_names_the_interrupted_one_and_recovers_it(
        env: dict[str, str], tmp_path: Path) -> None:
    folder = _three_files(tmp_path)
    kill_at("graph-written:1", env, "ingest", str(folder))

    other = tmp_path / "other.txt"
    other.write_bytes(SAMPLE.read_bytes().replace("太教〔2021〕1号".encode(), "太教〔2021〕9号".encode()))
    result = run(env, "ingest", str(other))

    assert result.returncode == 0, result.stderr
    message = " ".join(result.stderr.split())
    assert f"an interrupted `policykg ingest {folder}`" in message
    assert f"Run `policykg ingest {folder}` again to finish it" in message
    assert check(env)["ok"]


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_killed_delete_is_finished_by_running_it_again(env: dict[str, str]) -> None:
    assert run(env, "ingest", str(SAMPLE)).returncode == 0
    doc_id = json.loads(run(env, "cypher", "MATCH (d:PolicyDocument {ingested: true}) RETURN d.id",
                            "--json").stdout)["rows"][0][0]
    kill_at("graph-written", env, "delete", doc_id)
    broken = check(env)
    assert broken["graph_sentences"] == 0 and not broken["ok"]

    rerun = run(env, "delete", doc_id)

    assert rerun.returncode == 0, rerun.stderr
    report = check(env)
    assert report["ok"] and [i["entries"] for i in report["indexes"]] == [0, 0]  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_second_writer_is_refused_while_one_writes(env: dict[str, str]) -> None:
    index_dir = Path(env["POLICYKG_DATA_DIR"]) / "indexes" / "embedded"
    with Journal(index_dir).locked("policykg ingest big/"):
        refused = run(env, "ingest", str(SAMPLE))
    assert refused.returncode == 1
    assert f"being written by pid {os.getpid()} (policykg ingest big/)" in " ".join(refused.stderr.split())
    assert run(env, "ingest", str(SAMPLE)).returncode == 0


@pytest.mark.parametrize("backend", ["embedded"])
def test_an_unreadable_journal_is_answered_by_checking_every_document(
        graph_store: GraphStore, tmp_path: Path) -> None:
    parts = make_ingestor(graph_store, tmp_path)
    parts.ingestor.ingest_path(SAMPLE)
    parts.cache.close()
    shutil.rmtree(tmp_path / "indexes" / "vectors")  # the indexes fell behind the graph
    (tmp_path / "indexes" / "journal.json").write_text("{not json", "utf-8")

    fresh = make_ingestor(graph_store, tmp_path)
    recovery = fresh.ingestor.recover()

    assert recovery is not None and not recovery.record.readable and recovery.synced_documents == 1
    assert fresh.embedder.passages == 0  # the cache had every vector
    assert check_consistency(graph_store, fresh.vectors, fresh.lexical, Journal(tmp_path / "indexes")).ok
    assert fresh.ingestor.recover() is None
