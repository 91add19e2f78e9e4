"""Recovery cannot hang on the same poison: a document whose step died (killed in a hang) or
raised twice is not run a third time. Recovery puts it on the journal's failed list and
removes it, the other documents stay searchable, ``policykg check`` lists it and exits 1,
``/health`` says degraded (the details need a key), and ``check --repair`` clears it."""

import json
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from embeddings.lexical_index import LexicalEntry, LexicalIndex
from graph.base import GraphStore
from graph.errors import GraphUnavailableError
from loaders.files import load_bytes
from service.ingest.consistency import check_consistency
from service.ingest.ingestor import FailedDocumentError
from service.ingest.journal import MAX_ATTEMPTS, RECOVERY_STAGE, TEST_HOOK_ENV, FailedDocument, Journal
from service.settings import Settings
from service.wiring import Components, build_components, build_ingestor, journal
from tests.conftest import SAMPLE
from tests.service.api_support import ADMIN_KEY, READER_KEY, make_settings, plan, serve
from tests.service.lifecycle_support import (
    POLICYKG,
    graph_sentence_ids,
    make_ingestor,
    subprocess_env,
)
from tests.service.test_crash_safety import check, kill_at, run

MARK = "鸩毒"  # in every sentence of the poison document
POISON = plan(3, extra=MARK)
READER = {"X-API-Key": READER_KEY}


def doc_id_of(content: bytes) -> str:
    return load_bytes("any.txt", content).batch.document.id


@pytest.fixture
def poisoned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lexical index raises on the poison's sentences (as the slow tokeniser hung)."""
    upsert = LexicalIndex.upsert

    def failing(self: LexicalIndex, entries: Sequence[LexicalEntry]) -> None:
        if any(MARK in e.text for e in entries):
            raise RuntimeError("the tokeniser choked on a poison sentence")
        upsert(self, entries)

    monkeypatch.setattr(LexicalIndex, "upsert", failing)


# --- killed in the step (a hang): the third recovery does not run it -------------------------


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_document_killed_twice_in_its_step_is_not_run_a_third_time(
        backend: str, tmp_path: Path) -> None:
    env = subprocess_env(backend, tmp_path / "data")
    good = tmp_path / "good"
    good.mkdir()
    for number in (1, 2):
        (good / f"plan{number}.txt").write_bytes(plan(number))
    assert run(env, "ingest", str(good)).returncode == 0
    poison = tmp_path / "poison.txt"
    poison.write_bytes(POISON)
    poison_id = doc_id_of(POISON)

    kill_at("graph-written", env, "ingest", str(poison))  # 1: the ingest hangs, is killed
    kill_at(RECOVERY_STAGE, env, "ingest", str(poison))  # 2: so does its recovery
    # 3: with the pause still set, a recovery that ran the step would hang here.
    third = subprocess.run([*POLICYKG, "ingest", str(poison)],
                           env={**env, TEST_HOOK_ENV: RECOVERY_STAGE},
                           capture_output=True, text=True, timeout=120, check=False)

    message = " ".join(third.stderr.split())
    assert f"Gave up on poison.txt ({poison_id}): its ingest failed {MAX_ATTEMPTS} times" in message
    assert third.returncode == 1  # and the same file is refused, not tried
    assert "is on the failed list; run `policykg check --repair`" in message
    report = check(env)
    assert [(f["doc_id"], f["name"], f["step"], f["attempts"]) for f in report["failed"]] == [  # type: ignore[attr-defined]
        (poison_id, "poison.txt", "ingest", MAX_ATTEMPTS)]
    assert report["interrupted"] is None and not report["ok"]
    assert all(index["ok"] for index in report["indexes"])  # type: ignore[attr-defined]

    listed = run({**env, "COLUMNS": "300"}, "check")
    assert listed.returncode == 1
    table = " ".join(listed.stdout.split())
    assert poison_id in table and "poison.txt" in table and "policykg check --repair" in table
    found = json.loads(run(env, "search", "第2号方案的第1项工作", "--json").stdout)
    assert doc_id_of(plan(2)) in {r["task"]["document"]["id"] for r in found["results"]}

    repaired = run(env, "check", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "cleared from the failed list: poison.txt" in " ".join(repaired.stderr.split())
    assert check(env)["ok"]
    assert run(env, "ingest", str(poison)).returncode == 0  # the tokeniser was fixed meanwhile
    assert check(env)["ok"]


# --- a step that raises: the second failure gives up at once ----------------------------------


@pytest.mark.parametrize("backend", ["embedded"])
@pytest.mark.usefixtures("poisoned")
def test_a_step_that_raises_twice_is_given_up_and_the_rest_stays_consistent(
        graph_store: GraphStore, tmp_path: Path) -> None:
    parts = make_ingestor(graph_store, tmp_path)
    parts.ingestor.ingest_bytes("good.txt", plan(1))
    with pytest.raises(RuntimeError):
        parts.ingestor.ingest_bytes("poison.txt", POISON)
    parts.cache.close()
    poison_id = doc_id_of(POISON)
    left = Journal(tmp_path / "indexes").read()
    assert left is not None and left.attempts[poison_id].count == 1
    assert (left.attempts[poison_id].error or "").startswith("RuntimeError: the tokeniser")

    restarted = make_ingestor(graph_store, tmp_path)
    recovery = restarted.ingestor.recover()

    assert recovery is not None
    assert [(f.doc_id, f.name, f.attempts) for f in recovery.failed] == [
        (poison_id, "poison.txt", MAX_ATTEMPTS)]
    assert "Gave up on poison.txt" in recovery.message()
    report = check_consistency(graph_store, restarted.vectors, restarted.lexical,
                               Journal(tmp_path / "indexes"))
    assert all(d.ok for d in report.indexes) and report.interrupted is None
    assert [f.doc_id for f in report.failed] == [poison_id] and not report.ok
    assert graph_sentence_ids(graph_store, poison_id) == set()
    assert graph_sentence_ids(graph_store) == {e.sentence_id for e in restarted.lexical.entries()}
    assert restarted.lexical.search("第1号方案", k=1)  # the good document is searchable

    with pytest.raises(FailedDocumentError, match="on the failed list"):
        restarted.ingestor.ingest_bytes("poison.txt", POISON)
    restarted.ingestor.ingest_bytes("poison.txt", plan(3))  # a fixed file: same id
    assert Journal(tmp_path / "indexes").failed() == []
    restarted.cache.close()


@pytest.mark.parametrize("backend", ["embedded"])
@pytest.mark.usefixtures("poisoned")
def test_an_unavailable_graph_during_recovery_is_not_counted_against_the_document(
        graph_store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = make_ingestor(graph_store, tmp_path)
    with pytest.raises(RuntimeError):
        parts.ingestor.ingest_bytes("poison.txt", POISON)
    parts.cache.close()
    def down(*_: object) -> None:
        raise GraphUnavailableError("the graph went away")

    monkeypatch.setattr(type(graph_store), "document_sentences", down)
    restarted = make_ingestor(graph_store, tmp_path)

    with pytest.raises(GraphUnavailableError):
        restarted.ingestor.recover()

    left = Journal(tmp_path / "indexes").read()
    assert left is not None and left.attempts[doc_id_of(POISON)].count == 1
    restarted.cache.close()


def test_the_journal_forgets_attempts_that_finished_and_keeps_the_failed_list(
        tmp_path: Path) -> None:
    j = Journal(tmp_path)
    with j.locked("test"):
        j.begin("ingest", "policykg ingest docs")
        assert j.start("doc_a", "ingest", name="a.txt").count == 1
        j.finished("doc_a")
        j.start("doc_b", "ingest")
        record = j.read()
        assert record is not None and list(record.attempts) == ["doc_b"]
        assert record.documents == ["doc_a", "doc_b"]
        j.checkpoint()
        assert j.read().attempts == {}  # type: ignore[union-attr]
        j.add_failed(FailedDocument(doc_id="doc_b", name="b.txt", step="ingest", attempts=2,
                                    error="boom", command="policykg ingest docs"))
        j.finish()
    assert [f.name for f in Journal(tmp_path).failed()] == ["b.txt"]
    assert [f.doc_id for f in Journal(tmp_path).clear_failed(["doc_b"])] == ["doc_b"]
    assert Journal(tmp_path).failed() == [] and not (tmp_path / "failed.json").exists()


# --- /health: degraded after a restart, the details behind a key ----------------------------


@pytest.fixture
def keyed_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", reader_keys=READER_KEY, admin_keys=ADMIN_KEY)


@pytest.fixture
def components(keyed_settings: Settings) -> Iterator[Components]:
    ready = build_components(keyed_settings)
    build_ingestor(ready).ingest_path(SAMPLE)
    yield ready
    ready.close()


def health(settings: Settings, components: Components) -> tuple[str, dict[str, Any]]:
    """A server (re)started on ``components``: /health's status, and /health/details."""
    with serve(settings, components=components) as client:
        assert client.get("/health/details").status_code == 401
        status = client.get("/health")
        details = client.get("/health/details", headers=READER)
    assert status.status_code == 200 and details.status_code == 200, details.text
    return str(status.json()["status"]), details.json()


def test_a_restarted_server_with_a_failed_document_is_degraded_until_repaired(
        keyed_settings: Settings, components: Components) -> None:
    journal(keyed_settings, components.store).add_failed(FailedDocument(
        doc_id="doc_poison", name="poison.txt", step="ingest", attempts=2, error="killed",
        command="policykg ingest poison.txt"))

    status, details = health(keyed_settings, components)

    assert status == "degraded" and details["status"] == "degraded"
    assert [(f["doc_id"], f["name"], f["attempts"]) for f in details["failed"]] == [
        ("doc_poison", "poison.txt", 2)]
    assert all(index["ok"] for index in details["indexes"])
    build_ingestor(components).repair()
    status, details = health(keyed_settings, components)
    assert status == "ok" and details["failed"] == []


def test_a_restarted_server_whose_indexes_disagree_with_the_graph_is_degraded(
        keyed_settings: Settings, components: Components) -> None:
    dropped = [e.sentence_id for e in components.lexical.entries()][:3]
    components.lexical.remove(dropped)
    components.lexical.save()

    status, details = health(keyed_settings, components)

    assert status == "degraded"
    vectors, lexical = details["indexes"]
    assert vectors["ok"] and not lexical["ok"] and lexical["missing"] == 3
    assert lexical["documents"] == [doc_id_of(SAMPLE.read_bytes())]
    assert sorted(lexical["sentence_ids"]) == sorted(dropped)
    build_ingestor(components).repair()
    assert health(keyed_settings, components)[0] == "ok"


@pytest.mark.usefixtures("poisoned")
def test_an_upload_that_fails_twice_leaves_the_server_degraded_and_consistent(
        tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    with serve(settings) as client:
        assert client.post("/documents", files={"file": ("plan1.txt", plan(1))}).status_code == 201
        assert client.get("/health").json()["status"] == "ok"

        failed = client.post("/documents", files={"file": ("poison.txt", POISON)})
        # the undo's recovery retried the step, which raised again: given up at once
        assert failed.status_code == 500
        assert client.get("/health").json()["status"] == "degraded"
        details = client.get("/health/details").json()
        assert [f["doc_id"] for f in details["failed"]] == [doc_id_of(POISON)]
        assert all(index["ok"] for index in details["indexes"])
        again = client.post("/documents", files={"file": ("poison.txt", POISON)})
        assert again.status_code == 422 and "failed list" in again.json()["detail"]
        hits = client.get("/search", params={"q": "第1号方案的第1项工作"}).json()["results"]
        assert doc_id_of(plan(1)) in {h["task"]["document"]["id"] for h in hits}
