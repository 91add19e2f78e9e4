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


def test_an_upload_is_parsed_and_embedded_on_a_thread_of_lower_priority(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedded_on: list[tuple[str, int]] = []

    def pause_point(stage: str) -> None:  # embed_ahead's, once the upload's vectors are cached
        if stage == "embedded":
            embedded_on.append((threading.current_thread().name,
                                os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    with serve_sample_on(backend, tmp_path / "data", sample=False) as client:
        monkeypatch.setattr(ingestor_module, "pause_point", pause_point)
        assert client.post("/documents", files={"file": ("plan6.txt", plan(6))}).status_code == 201
        assert any("第6号方案" in r["task"]["text"] for r in client.get(
            "/search", params={"q": "第6号方案的第1项工作"}).json()["results"])
    server_niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    [(thread, niceness)] = embedded_on
    assert thread.startswith("policykg-upload")
    assert niceness == min(19, server_niceness + UPLOAD_NICENESS)
