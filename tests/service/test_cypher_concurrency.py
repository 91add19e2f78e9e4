"""Slow reader queries cannot hold every server thread: past POLICYKG_CYPHER_MAX_CONCURRENT
running /cypher queries, one more is a 429 at once, and searches are answered meanwhile."""

import threading
from pathlib import Path

from tests.service.api_support import make_settings, serve

SLOW = ("MATCH (a:Sentence), (b:Sentence), (c:Sentence), (d:Sentence) "
        "WHERE (a.text + b.text + c.text + d.text) CONTAINS 'none' RETURN count(*)")


def test_one_cypher_query_too_many_is_refused_at_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", cypher_max_concurrent=1, cypher_timeout_s=4.0)
    with serve(settings, sample=True) as client:
        assert client.post("/cypher", json={"query": "RETURN 1"}).status_code == 200  # warm
        started = threading.Event()
        slow_status: list[int] = []

        def run_slow() -> None:
            started.set()
            # The main thread's quick queries may take the slot first: try until it runs.
            status = 429
            while status == 429:
                status = client.post("/cypher", json={"query": SLOW}).status_code
            slow_status.append(status)

        slow = threading.Thread(target=run_slow)
        slow.start()
        started.wait()
        refused = None
        while refused is None and slow.is_alive():  # until the slow query holds the only slot
            response = client.post("/cypher", json={"query": "RETURN 1"})
            if response.status_code == 429:
                refused = response
        assert refused is not None and refused.json()["type"].endswith("/rate-limited")
        assert refused.headers["Retry-After"] == "1"
        assert client.get("/search", params={"q": "党建"}).status_code == 200
        slow.join()
        assert slow_status == [400]
        assert client.post("/cypher", json={"query": "RETURN 1"}).json()["rows"] == [[1]]
