"""Searches never wait for writes (issue 17): an upload is written to the graph and indexed
off to the side, then swapped in; until then searches answer from the previous generation."""

import os
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.ingest import ingestor as ingestor_module
from service.ingest.library import UPLOAD_NICENESS
from tests.service.api_support import plan, serve_sample_on

QUESTION = "第5号方案的第1项工作"


def ask(client: TestClient, timeout_s: float = 60) -> list[dict[str, Any]]:
    """The results of QUESTION; fails (rather than hangs) when the search has to wait."""
    answers: list[httpx.Response] = []
    asking = threading.Thread(
        target=lambda: answers.append(client.get("/search", params={"q": QUESTION, "k": 5})),
        daemon=True)
    asking.start()
    asking.join(timeout_s)
    assert answers, "the search waited for the write"
    assert answers[0].status_code == 200, answers[0].text
    return list(answers[0].json()["results"])


def test_searches_answer_from_the_previous_generation_while_an_upload_is_written(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written, release = threading.Event(), threading.Event()

    def pause_point(stage: str) -> None:  # the upload holds still once the graph has it
        if stage == "graph-written":
            written.set()
            assert release.wait(120)

    with serve_sample_on(backend, tmp_path / "data", sample=False) as client:
        assert client.post("/documents", files={"file": ("plan4.txt", plan(4))}).status_code == 201
        monkeypatch.setattr(ingestor_module, "pause_point", pause_point)
        before = ask(client)
        assert any("第4号方案" in r["task"]["text"] for r in before)
        assert not any("第5号方案" in r["task"]["text"] for r in before)
        uploads: list[httpx.Response] = []
        upload = threading.Thread(target=lambda: uploads.append(client.post(
            "/documents", files={"file": ("plan5.txt", plan(5))})), daemon=True)
        upload.start()
        try:
            assert written.wait(120)
            assert ask(client, timeout_s=30) == before  # the graph has it; the generation not yet
            assert upload.is_alive()
        finally:
            release.set()
            upload.join(120)
        assert uploads and uploads[0].status_code == 201, uploads
        assert any("第5号方案" in r["task"]["text"] for r in ask(client))


def test_uploads_and_deletes_run_on_one_thread_of_lower_priority(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole write (parse, embedding, graph write, indexes, the next generation) runs on
    the write thread, 10 nicer than the server: searches get the CPU first."""
    seen: list[tuple[str, str, int]] = []

    def pause_point(stage: str) -> None:  # the ingestor's, at each stage of a write
        seen.append((stage, threading.current_thread().name,
                     os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    with serve_sample_on(backend, tmp_path / "data", sample=False) as client:
        monkeypatch.setattr(ingestor_module, "pause_point", pause_point)
        assert client.post("/documents", files={"file": ("plan6.txt", plan(6))}).status_code == 201
        found = client.get("/search", params={"q": "第6号方案的第1项工作"}).json()["results"]
        assert any("第6号方案" in r["task"]["text"] for r in found)
        upload_stages = {stage for stage, _, _ in seen}
        assert client.delete(f"/documents/{found[0]['task']['document']['id']}").status_code == 204
    server_niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert {"embedded", "graph-written", "vectors-saved"} <= upload_stages
    assert len(seen) > len(upload_stages)  # the delete's stages too
    assert {(thread.split("_")[0], niceness) for _, thread, niceness in seen} == {
        ("policykg-write", min(19, server_niceness + UPLOAD_NICENESS))}


def test_a_search_during_an_upload_leaves_the_serving_index_cut_as_it_was(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The upload adds its names to the process-wide dictionary before the swap. A search meanwhile
    must not re-cut the generation it reads (the upload re-cuts its own copy): that re-cut and
    the BM25 matrix built again made one search wait 30 s at 10 times the corpus."""
    from embeddings import lexical_index

    indexed, release = threading.Event(), threading.Event()

    def pause_point(stage: str) -> None:  # the new generation's indexes hold the upload
        if stage == "indexes-updated":
            indexed.set()
            assert release.wait(120)

    with serve_sample_on(backend, tmp_path / "data", sample=False) as client:
        assert client.post("/documents", files={"file": ("plan4.txt", plan(4))}).status_code == 201
        serving = client.app.state.documents.components.lexical
        ask(client)
        matrix, checked = serving._matrix, serving._user_words_checked
        words = len(lexical_index._user_words)
        monkeypatch.setattr(ingestor_module, "pause_point", pause_point)
        # A name new to this process (the dictionary is process-wide): one per backend.
        name = {"embedded": "青岚湾示范研究院", "neo4j": "白鹭洲示范研究院"}[backend]
        upload = threading.Thread(target=lambda: client.post("/documents", files={"file": (
            "plan5.txt", plan(5, extra=f"，与{name}共建实验室"))}), daemon=True)
        upload.start()
        try:
            assert indexed.wait(120)
            assert len(lexical_index._user_words) > words  # the upload brought a new name
            ask(client, timeout_s=30)
            assert serving._matrix is matrix and serving._user_words_checked == checked
        finally:
            release.set()
            upload.join(120)
        assert client.app.state.documents.components.lexical is not serving
        assert any("第5号方案" in r["task"]["text"] for r in ask(client))
