"""API keys: two roles, where keys come from, 401 versus 403, the open /health, and the
rule that a server without keys serves only on a loopback address."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.auth import (
    InsecureBindError,
    KeyConfigError,
    KeyRing,
    check_bind,
    fingerprint,
    is_loopback,
)
from service.settings import Settings
from tests.service.api_support import ADMIN_KEY, READER_KEY, make_settings, plan, serve

READER = {"X-API-Key": READER_KEY}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(tmp_path_factory.mktemp("auth") / "data",
                             reader_keys=f"{READER_KEY}, other-reader-key-0123456789",
                             admin_keys=ADMIN_KEY)
    with serve(settings, sample=True) as client:
        yield client


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/search?q=教师", None), ("POST", "/search", {"query": "教师"}),
    ("POST", "/cypher", {"query": "RETURN 1 AS one"}), ("GET", "/documents", None),
    ("GET", "/stats", None), ("GET", "/entities", None), ("GET", "/metrics", None),
    ("GET", "/tasks/task_x", None), ("DELETE", "/documents/doc_x", None),
])
def test_every_endpoint_but_health_needs_a_key(keyed: TestClient, method: str, path: str,
                                              body: object) -> None:
    response = keyed.request(method, path, json=body)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_key_is_a_401_that_says_so(keyed: TestClient) -> None:
    for headers in ({"X-API-Key": "not-a-key-0123456789abcdef"},
                    {"Authorization": "Bearer " + READER_KEY[:-1]},
                    {"X-API-Key": READER_KEY + "x"}, {"Authorization": f"Basic {READER_KEY}"}):
        response = keyed.get("/documents", headers=headers)
        assert response.status_code == 401, headers
    assert "not valid" in keyed.get("/documents", headers={"X-API-Key": "x" * 20}).json()["detail"]


def test_health_and_the_api_description_need_no_key(keyed: TestClient) -> None:
    assert keyed.get("/health").status_code == 200
    assert keyed.get("/openapi.json").status_code == 200
    assert keyed.get("/docs").status_code == 200


def test_a_reader_key_searches_reads_and_runs_cypher(keyed: TestClient) -> None:
    assert keyed.get("/search", params={"q": "教师"}, headers=READER).status_code == 200
    bearer = {"Authorization": f"Bearer {READER_KEY}"}
    assert keyed.post("/cypher", json={"query": "MATCH (t:Task) RETURN count(t) AS n"},
                      headers=bearer).json()["rows"] == [[25]]
    assert keyed.get("/documents", headers=READER).json()["total"] == 1
    other = {"X-API-Key": "other-reader-key-0123456789"}
    assert keyed.get("/stats", headers=other).status_code == 200
    assert keyed.get("/metrics", headers=READER).status_code == 200


def test_a_reader_key_may_not_upload_or_delete(keyed: TestClient) -> None:
    doc_id = keyed.get("/documents", headers=READER).json()["documents"][0]["id"]
    upload = keyed.post("/documents", files={"file": ("p.txt", plan(1))}, headers=READER)
    delete = keyed.delete(f"/documents/{doc_id}", headers=READER)
    for response in (upload, delete):
        assert response.status_code == 403
        assert response.json()["type"].endswith("/forbidden")
        assert "admin" in response.json()["detail"]
    assert keyed.get("/documents", headers=READER).json()["total"] == 1


def test_an_admin_key_uploads_deletes_and_reads(keyed: TestClient) -> None:
    response = keyed.post("/documents", files={"file": ("p.txt", plan(2))}, headers=ADMIN)
    assert response.status_code == 201
    doc_id = response.json()["document"]["id"]
    assert keyed.get(f"/documents/{doc_id}", headers=ADMIN).status_code == 200
    assert keyed.delete(f"/documents/{doc_id}", headers=ADMIN).status_code == 204


def test_keys_file_names_keys_and_the_audit_never_holds_a_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text(f"# who may do what\nadmin {ADMIN_KEY} ops-team\nreader {READER_KEY}\n\n")
    settings = make_settings(tmp_path / "data", keys_file=keys)
    with serve(settings) as client:
        doc_id = client.post("/documents", files={"file": ("p.txt", plan(3))},
                             headers={"X-API-Key": ADMIN_KEY}).json()["document"]["id"]
        assert client.get("/documents", headers={"X-API-Key": READER_KEY}).status_code == 200
        assert client.delete(f"/documents/{doc_id}",
                             headers={"X-API-Key": READER_KEY}).status_code == 403
        assert client.delete(f"/documents/{doc_id}",
                             headers={"X-API-Key": ADMIN_KEY}).status_code == 204
    audit = settings.audit_log_path.read_text("utf-8")
    assert ADMIN_KEY not in audit and READER_KEY not in audit
    assert [e["key_id"] for e in map(__import__("json").loads, audit.splitlines())] == [
        "ops-team", "ops-team"]


@pytest.mark.parametrize("content", ["writer abcdefghijklmnopqrstuv\n",
                                     "admin\n", "reader a b c d\n"])
def test_a_bad_keys_file_line_stops_the_start(tmp_path: Path, content: str) -> None:
    keys = tmp_path / "keys"
    keys.write_text(content)
    with pytest.raises(KeyConfigError, match="line 1"):
        create_app(make_settings(tmp_path / "data", keys_file=keys))


def test_a_missing_keys_file_or_a_short_key_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigError, match="cannot read"):
        create_app(make_settings(tmp_path / "data", keys_file=tmp_path / "nope"))
    with pytest.raises(KeyConfigError, match="at least 16"):
        create_app(make_settings(tmp_path / "data", admin_keys="short"))


def test_keyring_matches_whole_keys_only() -> None:
    ring = KeyRing([("reader", READER_KEY, None), ("admin", ADMIN_KEY, "ops")])
    reader, admin = ring.authenticate(READER_KEY), ring.authenticate(ADMIN_KEY)
    assert reader is not None and reader.role == "reader" and reader.key_id == fingerprint(READER_KEY)
    assert admin is not None and admin.key_id == "ops" and admin.may("reader")
    assert not reader.may("admin")
    for wrong in ("", READER_KEY[:-1], READER_KEY + " ", READER_KEY.upper(), ADMIN_KEY * 2):
        assert ring.authenticate(wrong) is None
    assert KeyRing([]).empty and not ring.empty


def test_a_server_loads_the_parse_only_when_someone_may_upload() -> None:
    """The parse's resources (183 MB) are loaded at start by a server that takes uploads: one
    with an admin key, or open mode; a reader-only server leaves them unloaded."""
    assert KeyRing([]).accepts_writes
    assert KeyRing([("admin", ADMIN_KEY, None)]).accepts_writes
    assert KeyRing([("reader", READER_KEY, None), ("admin", ADMIN_KEY, None)]).accepts_writes
    assert not KeyRing([("reader", READER_KEY, None)]).accepts_writes


def test_without_keys_everyone_is_admin_on_loopback(tmp_path: Path) -> None:
    with serve(make_settings(tmp_path / "data")) as client:
        assert client.post("/documents", files={"file": ("p.txt", plan(4))}).status_code == 201


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("127.0.0.2", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
    ("example.org", False)])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serving_without_keys_beyond_loopback_needs_open_mode(tmp_path: Path) -> None:
    plain = make_settings(tmp_path)
    check_bind(plain, "127.0.0.1")
    with pytest.raises(InsecureBindError, match="POLICYKG_OPEN=1"):
        check_bind(plain, "0.0.0.0")
    check_bind(make_settings(tmp_path, open=True), "0.0.0.0")
    check_bind(make_settings(tmp_path, reader_keys=READER_KEY), "0.0.0.0")


def test_policykg_serve_refuses_an_open_public_address(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "POLICYKG_DATA_DIR": str(tmp_path / "data"),
           "POLICYKG_EMBEDDER": "hash", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--host", "0.0.0.0",
                             "--port", "1"], env=env, capture_output=True, text=True,
                            timeout=120, check=False, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 1
    assert "no API keys are configured" in result.stderr and "POLICYKG_OPEN=1" in result.stderr


def test_open_mode_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYKG_OPEN", "1")
    monkeypatch.setenv("POLICYKG_READER_KEYS", f"{READER_KEY},{READER_KEY}2")
    settings = Settings()
    assert settings.open is True
    assert KeyRing.from_settings(settings).authenticate(f"{READER_KEY}2") is not None
