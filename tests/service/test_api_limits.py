"""Limits: the per-key rate limit (429 with Retry-After), body and upload sizes (413), query
length and k (422), Cypher rows and bytes (400), CORS."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.ratelimit import RateLimitedError, RateLimiter
from tests.service.api_support import ADMIN_KEY, READER_KEY, counts, make_settings, plan, serve


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_one_token_per_interval() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    for _ in range(3):
        limiter.take("a")
    with pytest.raises(RateLimitedError) as caught:
        limiter.take("a")
    assert caught.value.retry_after_s == pytest.approx(1.0)
    limiter.take("b")  # another caller has its own bucket
    clock.now += 0.5
    with pytest.raises(RateLimitedError) as again:
        limiter.take("a")
    assert again.value.retry_after_s == pytest.approx(0.5)
    clock.now += 0.5
    limiter.take("a")
    clock.now += 3600  # a long pause refills to the burst, not beyond
    for _ in range(3):
        limiter.take("a")
    with pytest.raises(RateLimitedError):
        limiter.take("a")


def test_a_zero_rate_turns_the_limit_off_and_callers_are_bounded() -> None:
    off = RateLimiter(per_minute=0, burst=1)
    for _ in range(100):
        off.take("a")
    clock = Clock()
    small = RateLimiter(per_minute=60, burst=1, max_callers=2, clock=clock)
    small.take("a")
    small.take("b")
    small.take("c")  # "a", least recently seen, is forgotten: it starts with a full bucket
    small.take("a")
    with pytest.raises(RateLimitedError):
        small.take("c")


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path / "data", reader_keys=READER_KEY, admin_keys=ADMIN_KEY,
                             rate_limit_per_minute=6, rate_limit_burst=2)
    with serve(settings) as client:
        yield client


def test_a_key_over_its_rate_gets_429_with_retry_after(limited: TestClient) -> None:
    key = {"X-API-Key": READER_KEY}
    assert [limited.get("/documents", headers=key).status_code for _ in range(2)] == [200, 200]
    refused = limited.get("/documents", headers=key)
    assert refused.status_code == 429 and refused.json()["type"].endswith("/rate-limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 10
    assert limited.get("/stats", headers={"X-API-Key": ADMIN_KEY}).status_code == 200
    assert all(limited.get("/health").status_code == 200 for _ in range(5))  # never limited




def test_an_upload_over_the_size_limit_is_413_and_writes_nothing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", upload_max_bytes=2000)
    with serve(settings) as client:
        before = counts(client)
        big = plan(1) + "。".encode() * 1000
        response = client.post("/documents", files={"file": ("big.txt", big)})
        assert response.status_code == 413
        assert response.json()["type"].endswith("/payload-too-large")
        assert counts(client) == before
        assert client.post("/documents", files={"file": ("ok.txt", plan(1))}).status_code == 201


def test_any_other_body_over_the_request_limit_is_413(tmp_path: Path) -> None:
    with serve(make_settings(tmp_path / "data", request_max_bytes=4096)) as client:
        response = client.post("/cypher", json={"query": "RETURN 1", "parameters": {
            "x": "y" * 5000}})
        assert response.status_code == 413
        assert client.post("/cypher", json={"query": "RETURN 1 AS one"}).status_code == 200


def _assert_payload_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "https://policykg.dev/problems/payload-too-large" and body["status"] == 413
    assert body["title"] and "over the limit" in body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]


def test_every_413_is_problem_json_with_the_request_id(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", upload_max_bytes=2000, request_max_bytes=4096)
    with serve(settings) as client:
        before = counts(client)
        # Over the limit by its Content-Length, refused before the body is read.
        big_upload = client.post("/documents", files={"file": ("big.txt", plan(1) + b"x" * 200_000)})
        _assert_payload_too_large(big_upload)
        assert "200" in big_upload.json()["detail"]
        _assert_payload_too_large(client.post("/search", json={"query": "a" * 2_000_000}))
        # Without a Content-Length (chunked): refused once the bytes read pass the limit.
        chunks = (b'{"query": "' if i == 0 else b"a" * 1024 for i in range(100))
        _assert_payload_too_large(client.post("/search", content=chunks,
                                              headers={"content-type": "application/json"}))
        assert counts(client) == before
        assert client.post("/search", json={"query": "教师"}).status_code == 200


def test_query_length_and_k_follow_the_server_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", search_max_k=20, search_max_query_chars=50)
    with serve(settings) as client:
        assert client.get("/search", params={"q": "教" * 51}).status_code == 422
        assert client.get("/search", params={"q": "教师", "k": 21}).status_code == 422
        long_post = client.post("/search", json={"query": "教" * 51})
        assert long_post.status_code == 422 and long_post.json()["errors"][0]["loc"] == [
            "body", "query"]
        big_k = client.post("/search", json={"query": "教师", "k": 21})
        assert big_k.status_code == 422 and big_k.json()["errors"][0]["loc"] == ["body", "k"]
        assert client.post("/search", json={"query": "教师", "k": 20}).status_code == 200
        assert client.post("/search", json={"query": "教", "k": 101}).status_code == 422


@pytest.mark.parametrize("field", ["k", "offset"])
@pytest.mark.parametrize("value", [True, False, "3", 3.0, None], ids=["true", "false", "string", "float", "null"])
def test_k_and_offset_in_a_search_body_are_strict_integers(limited_search: TestClient, field: str,
                                                           value: object) -> None:
    response = limited_search.post("/search", json={"query": "教师", field: value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


def test_integer_k_and_offset_pass_and_query_parameters_stay_strings(limited_search: TestClient) -> None:
    assert limited_search.post("/search", json={"query": "教师", "k": 3, "offset": 1}).status_code == 200
    assert limited_search.get("/search", params={"q": "教师", "k": "3", "offset": "1"}).status_code == 200


@pytest.fixture(scope="module")
def limited_search(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with serve(make_settings(tmp_path_factory.mktemp("strict") / "data")) as client:
        yield client


def test_cypher_rows_and_bytes_are_limited(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", cypher_max_rows=5, cypher_max_result_bytes=2000)
    with serve(settings, sample=True) as client:
        rows = client.post("/cypher", json={"query": "MATCH (t:Task) RETURN t.id"})
        assert rows.status_code == 400 and "more than 5 rows" in rows.json()["detail"]
        size = client.post("/cypher", json={"query": "MATCH (t:Task) RETURN t.text LIMIT 5"})
        assert size.status_code == 400 and "larger than 2000 bytes" in size.json()["detail"]
        ok = client.post("/cypher", json={"query": "MATCH (t:Task) RETURN t.number LIMIT 5"})
        assert ok.status_code == 200 and len(ok.json()["rows"]) == 5
        assert client.post("/cypher", json={"query": "x" * 10_001}).status_code == 422


def test_cors_allows_the_configured_origin_only(tmp_path: Path) -> None:
    preflight = {"Origin": "https://ui.example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "X-API-Key, Content-Type"}
    with serve(make_settings(tmp_path / "a", cors_origins="https://ui.example.org")) as client:
        allowed = client.options("/search", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://ui.example.org"
        assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()
        other = client.options("/search", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        simple = client.get("/health", headers={"Origin": "https://ui.example.org"})
        assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
    with serve(make_settings(tmp_path / "b")) as client:
        assert "access-control-allow-origin" not in client.get(
            "/health", headers={"Origin": "https://ui.example.org"}).headers


@pytest.mark.parametrize("question", ["1" * 500, "9" * 400 + "万", "1e999%", "第" + "九" * 300 + "条", "〔" * 500],
                         ids=["500 digits", "400 digits and 万", "exponent", "300 numerals", "brackets"])
def test_questions_of_absurd_numbers_are_answered(sample_search: TestClient, question: str) -> None:
    # The second stage reads the question's quantities: a number past float's range once made it
    # fail with a 500 (the soak's hostile searches).
    response = sample_search.get("/search", params={"q": question, "k": 5})
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]) == 5


@pytest.fixture(scope="module")
def sample_search(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(tmp_path_factory.mktemp("numbers") / "data", search_max_query_chars=500)
    with serve(settings, sample=True) as client:
        yield client
