"""Uploads are parsed one at a time, inside the one-writer section, and searches go on meanwhile."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loaders.errors import UnreadableFileError
from loaders.files import LoadedDocument
from service.api.auth import Principal
from service.ingest import library as documents
from service.ingest.library import Library
from tests.service.api_support import make_settings, plan, serve

ADMIN = Principal(key_id="test", role="admin")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with serve(make_settings(tmp_path / "data")) as test_client:
        yield test_client


def test_uploads_are_parsed_one_at_a_time(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    service: Library = client.app.state.documents  # type: ignore[attr-defined]
    lock = threading.Lock()
    parsing, most = 0, 0

    def slow_parse(name: str, content: bytes, **_: object) -> LoadedDocument:
        nonlocal parsing, most
        with lock:
            parsing += 1
            most = max(most, parsing)
        time.sleep(0.2)
        with lock:
            parsing -= 1
        raise UnreadableFileError(f"{name}: no text found")

    monkeypatch.setattr(documents, "load_bytes", slow_parse)
    errors: list[Exception] = []

    def upload(k: int) -> None:
        try:
            service.upload(f"plan-{k}.txt", plan(k), ADMIN)
        except UnreadableFileError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(errors) == 3
    assert most == 1


def test_a_search_does_not_wait_for_a_parse(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    service: Library = client.app.state.documents  # type: ignore[attr-defined]
    started, release = threading.Event(), threading.Event()

    def blocked_parse(name: str, content: bytes, **_: object) -> LoadedDocument:
        started.set()
        release.wait(10)
        raise UnreadableFileError(f"{name}: no text found")

    monkeypatch.setattr(documents, "load_bytes", blocked_parse)

    def upload() -> None:
        with pytest.raises(UnreadableFileError):
            service.upload("plan.txt", plan(1), ADMIN)

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        assert started.wait(10)
        response = client.get("/search", params={"q": "工作"})
        assert response.status_code == 200
    finally:
        release.set()
        uploader.join(timeout=10)
