"""API replicas over one Neo4j: real `policykg serve` processes, each with its own empty data
directory (as separate machines would have), the hash embedder, the test Neo4j.

They share what search needs through the graph (sentence vectors on SentenceVector nodes,
a change marker every replica follows), and the ingest journal and write lock live there too.
"""

import os
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
             "职业教育", "第7号方案"]


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

    def search(self, question: str) -> list[tuple[str, float]]:
        response = httpx.get(f"{self.base}/search", params={"q": question, "k": 10}, timeout=60)
        assert response.status_code == 200, response.text
        return [(r["task"]["id"], round(r["score"], 6)) for r in response.json()["results"]]

    def upload(self, name: str, content: bytes, timeout: float = 120) -> httpx.Response:
        return httpx.post(f"{self.base}/documents", files={"file": (name, content)},
                          timeout=timeout)

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
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    connect_neo4j().close()
    wipe_neo4j()
    yield tmp_path_factory.mktemp("replicas"), _bridge_cache()


@pytest.fixture(scope="module")
def pair(root: tuple[Path, Path]) -> Iterator[tuple[Replica, Replica]]:
    """Two replicas; the second pauses (for good) after the graph write of its 2nd upload."""
    started = [Replica(*root, "a"),
               Replica(*root, "b", POLICYKG_TEST_PAUSE_AT="graph-written:2")]
    try:
        yield started[0].wait(), started[1].wait()
    finally:
        for replica in started:
            replica.stop()


def found_through(replica: Replica, question: str, task_prefix: str, timeout_s: float) -> float:
    """Seconds until ``question`` finds a task of the document through ``replica``."""
    started = time.monotonic()
    while not any(task.startswith(task_prefix) or task_prefix in task
                  for task, _ in replica.search(question)):
        assert time.monotonic() - started < timeout_s, f"not found through {replica.base}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_an_upload_through_one_replica_is_found_through_the_other(
        pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    assert b.search("心理健康教育") == []  # nothing ingested yet
    response = a.upload(SAMPLE.name, SAMPLE.read_bytes())
    assert response.status_code == 201, response.text
    tasks = {r[0] for r in a.cypher("MATCH (t:Task) WHERE t.doc_id = $doc RETURN t.id",
                                    doc=response.json()["document"]["id"])["rows"]}
    delay = found_through(b, "心理健康教育", "", timeout_s=60)
    print(f"\nupload through a, found through b after {delay:.2f} s")
    assert {task for task, _ in b.search("心理健康教育")} <= tasks
    for question in QUESTIONS:
        assert b.search(question) == a.search(question), question


def test_a_sentence_carries_no_vector(pair: tuple[Replica, Replica]) -> None:
    a, _ = pair
    sentence = a.cypher("MATCH (s:Sentence) RETURN s LIMIT 1")["rows"][0][0]
    assert set(sentence["properties"]) == {"id", "task_id", "ordinal", "text", "start", "end"}
    # The vectors are nodes of their own; read directly, a vector is a size, not numbers.
    vector = a.cypher("MATCH (v:SentenceVector) RETURN v LIMIT 1")["rows"][0][0]
    assert vector["properties"]["vector"] == "<1024 bytes>"  # the hash embedder: 256 floats


def test_a_replica_with_an_empty_data_dir_answers_like_the_others(
        root: tuple[Path, Path], pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    b.upload("plan7.txt", plan(7, tasks=3))  # through b: its 1st upload, not paused
    c = Replica(*root, "c", POLICYKG_TEST_PAUSE_AT="embedded")
    try:
        c.wait()
        for question in QUESTIONS:
            assert c.search(question) == a.search(question), question

        # Searches during an upload on the same replica: c's upload stops for good after
        # embedding, before it takes the write gate; c keeps answering from what it has.
        before = c.search("心理健康教育")
        upload = threading.Thread(target=lambda: c.upload("plan8.txt", plan(8, tasks=2),
                                                          timeout=120), daemon=True)
        upload.start()
        c.wait_for_log("paused at embedded")
        for question in ("心理健康教育", "职业教育"):
            assert c.search(question) == a.search(question)
        assert c.search("心理健康教育") == before and upload.is_alive()
    finally:
        c.kill()


def test_a_replica_killed_mid_upload_loses_nothing(pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    # b's 2nd upload stops after its graph write, before its indexes: kill b there.
    upload = threading.Thread(target=lambda: b.upload("plan9.txt", plan(9, tasks=2),
                                                      timeout=120), daemon=True)
    upload.start()
    b.wait_for_log("paused at graph-written")
    b.kill()
    journal = a.cypher("MATCH (s:PolicykgState {key: 'journal:journal'}) RETURN s.text")
    assert "plan9.txt" in journal["rows"][0][0]  # the journal lives in the graph, for a to read
    # a's next write finds the journal (and b's lock: b is gone) and finishes b's document.
    assert a.upload("plan10.txt", plan(10, tasks=2)).status_code == 201
    assert any("第9号方案" in r["task"]["text"] for r in httpx.get(
        f"{a.base}/search", params={"q": "第9号方案的第1项工作", "k": 5}, timeout=60).json()["results"])
    assert a.cypher("MATCH (s:PolicykgState {key: 'journal:journal'}) "
                    "RETURN s.text")["rows"] == [[None]]
