"""API replicas over one Neo4j: real `policykg serve` processes, each with its own empty data
directory (as separate machines would have), the hash embedder, the test Neo4j.

They share what search needs through the graph (sentence vectors on SentenceVector nodes,
a change marker every replica follows), and the ingest journal and write lock live there too.
"""

import contextlib
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SAMPLE, connect_neo4j, wipe_neo4j
from tests.service.api_support import _bridge_cache, plan
from tests.service.lifecycle_support import (
    POLICYKG,
    free_port,
    subprocess_env,
    wait_until_serving,
)

QUESTIONS = ["哪些工作涉及上海", "心理健康教育", "which items involve Shanghai cooperation",
             "职业教育", "示范学校建设"]


class Replica:
    """One `policykg serve` process; its stderr goes to a file (read for the test hook)."""

    def __init__(self, root: Path, bridge: Path, name: str, **env: str) -> None:
        data_dir = root / name
        (data_dir / "cache").mkdir(parents=True)
        # Only the dictionary cache is shared (it takes seconds to build), never embeddings.
        shutil.copy(bridge / "cedict_reverse.json", data_dir / "cache")
        self.log = root / f"{name}.log"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*POLICYKG, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=subprocess_env("neo4j", data_dir, POLICYKG_FOLLOW_INTERVAL_S="0.5", **env),
            stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))

    def wait(self) -> "Replica":
        wait_until_serving(self.base, self.process, lambda: self.log.read_text("utf-8")[-3000:])
        return self

    def results(self, question: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.base}/search", params={"q": question, "k": 10}, timeout=60)
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    def search(self, question: str) -> list[tuple[str, float]]:
        """Task ids and scores, best first."""
        return [(r["task"]["id"], round(r["score"], 6)) for r in self.results(question)]

    def upload(self, name: str, content: bytes, timeout: float = 120) -> httpx.Response:
        return httpx.post(f"{self.base}/documents", files={"file": (name, content)},
                          timeout=timeout)

    def upload_quietly(self, name: str, content: bytes) -> None:
        """An upload whose server may be killed before it answers."""
        with contextlib.suppress(httpx.TransportError):
            self.upload(name, content)

    def cypher(self, query: str, **parameters: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.base}/cypher", timeout=30,
                              json={"query": query, "parameters": parameters})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_for_log(self, text: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in self.log.read_text("utf-8", errors="replace"):
            assert self.process.poll() is None and time.monotonic() < deadline, \
                self.log.read_text("utf-8")[-3000:]
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    connect_neo4j().close()
    wipe_neo4j()
    return tmp_path_factory.mktemp("replicas"), _bridge_cache()


@pytest.fixture(scope="module")
def a(root: tuple[Path, Path]) -> Iterator[Replica]:
    """The replica that ingests the sample. Its 4th upload stops for good after its graph
    write, before its new generation of indexes is swapped in (uploads: the sample, plan 7,
    plan 10, plan 8)."""
    replica = Replica(*root, "a", POLICYKG_TEST_PAUSE_AT="graph-written:4")
    try:
        replica.wait()
        response = replica.upload(SAMPLE.name, SAMPLE.read_bytes())
        assert response.status_code == 201, response.text
        yield replica
    finally:
        replica.kill()


@pytest.fixture(scope="module")
def b(root: tuple[Path, Path], a: Replica) -> Iterator[Replica]:
    """A replica started on an empty data dir after the sample was ingested through ``a``; its
    first upload stops for good after its graph write, before its indexes."""
    replica = Replica(*root, "b", POLICYKG_TEST_PAUSE_AT="graph-written:1")
    try:
        yield replica.wait()
    finally:
        replica.kill()


def found_through(replica: Replica, question: str, text: str, timeout_s: float) -> float:
    """Seconds until ``question`` finds a task whose text holds ``text`` through ``replica``."""
    started = time.monotonic()
    while not any(text in r["task"]["text"] for r in replica.results(question)):
        assert time.monotonic() - started < timeout_s, f"not found through {replica.base}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_replica_started_on_an_empty_data_dir_answers_like_the_one_that_ingested(
        a: Replica, b: Replica) -> None:
    assert a.search("心理健康教育")
    for question in QUESTIONS:
        assert b.search(question) == a.search(question), question


def test_an_upload_through_one_replica_is_found_through_the_other(
        a: Replica, b: Replica) -> None:
    assert a.upload("plan7.txt", plan(7, tasks=3)).status_code == 201
    delay = found_through(b, "第7号方案的第3项工作", "第7号方案的第3项", timeout_s=60)
    print(f"\nupload through a, found through b {delay:.2f} s after a answered")
    for question in QUESTIONS:
        assert b.search(question) == a.search(question), question


def test_a_sentence_carries_no_vector(a: Replica) -> None:
    sentence = a.cypher("MATCH (s:Sentence) RETURN s LIMIT 1")["rows"][0][0]
    assert set(sentence["properties"]) == {"id", "task_id", "ordinal", "text", "start", "end"}
    # The vectors are nodes of their own; read directly, a vector is a size, not numbers.
    vector = a.cypher("MATCH (v:SentenceVector) RETURN v LIMIT 1")["rows"][0][0]
    assert vector["properties"]["vector"] == "<1024 bytes>"  # the hash embedder: 256 floats


def test_a_replica_killed_mid_upload_loses_nothing(a: Replica, b: Replica) -> None:
    upload = threading.Thread(target=b.upload_quietly, args=("plan9.txt", plan(9)), daemon=True)
    upload.start()
    b.wait_for_log("paused at graph-written")  # the graph holds plan 9, no index does yet
    b.kill()
    journal = a.cypher("MATCH (s:PolicykgState {key: 'journal:journal'}) RETURN s.text")
    assert "plan9.txt" in journal["rows"][0][0]  # in the graph, where a reads it
    # a's next write takes b's lock (b's process is gone) and finishes b's document first.
    assert a.upload("plan10.txt", plan(10)).status_code == 201
    assert any("第9号方案" in r["task"]["text"] for r in a.results("第9号方案的第1项工作"))
    assert a.cypher("MATCH (s:PolicykgState) RETURN s.key")["rows"] == []  # finished, unlocked


def test_searches_on_a_replica_answer_from_the_previous_generation_during_its_upload(
        a: Replica) -> None:
    questions = [*QUESTIONS, "第8号方案的第1项工作"]
    before = {q: a.search(q) for q in questions}
    upload = threading.Thread(target=a.upload_quietly, args=("plan8.txt", plan(8)), daemon=True)
    upload.start()
    a.wait_for_log("paused at graph-written")  # stopped for good: the graph has plan 8
    assert a.cypher("MATCH (d:PolicyDocument {title: '第8号方案'}) RETURN count(d)")["rows"] == [[1]]
    assert {q: a.search(q) for q in questions} == before
    assert upload.is_alive()
