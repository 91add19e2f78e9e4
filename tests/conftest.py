"""Shared fixtures: the sample document, graph stores over every backend, settings."""

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.base import GraphStore
from graph.embedded import EmbeddedGraphStore
from graph.errors import GraphUnavailableError
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "taicang_2021_education_work_points.txt"
# The project's shared folder (corpus, eval questions) lies beside the checkout, as in CI.
SHARED = Path(os.environ.get("POLICYKG_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
DEV_QUESTIONS = SHARED / "eval" / "dev_questions.jsonl"
BACKENDS = ["embedded", "neo4j"]

# Under pytest-xdist each worker has a Neo4j server of its own (scripts/run_tests.sh starts
# one per worker and lists them in NEO4J_WORKER_URIS): the Neo4j tests empty the database.
# Set before any test reads it, so the servers and CLIs the tests start inherit it too.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_WORKER_URIS = os.environ.get("NEO4J_WORKER_URIS", "").split()
if _WORKER.startswith("gw") and _WORKER_URIS:
    if int(_WORKER[2:]) >= len(_WORKER_URIS):
        raise RuntimeError(f"worker {_WORKER} has no Neo4j of its own in NEO4J_WORKER_URIS: "
                           "run as many workers as scripts/run_tests.sh started servers")
    os.environ["NEO4J_URI"] = _WORKER_URIS[int(_WORKER[2:])]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """An xdist worker runs one item per node id: tests that share one (schemathesis' per
    operation cases) would silently run once, so a worker stops on them, and the run fails with
    an internal error naming the node id (scripts/run_tests.sh runs them in a process of their
    own)."""
    if not _WORKER:
        return
    shared = sorted(nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1)
    if shared:
        pytest.exit(f"tests that share a node id cannot run under xdist: {shared}", returncode=4)


def neo4j_settings() -> dict[str, str]:
    return {
        "uri": os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"),
        "user": os.environ.get("NEO4J_USER", "neo4j"),
        "password": os.environ.get("NEO4J_PASSWORD", "policykg-test"),
    }


def connect_neo4j() -> GraphStore:
    """The test Neo4j that `make test` starts. Under `make test` (POLICYKG_REQUIRE_NEO4J=1)
    an unreachable server fails the test; elsewhere the Neo4j half is skipped."""
    from graph.neo4j_store import Neo4jGraphStore

    cfg = neo4j_settings()
    try:
        return Neo4jGraphStore.connect(cfg["uri"], cfg["user"], cfg["password"])
    except GraphUnavailableError as exc:
        if os.environ.get("POLICYKG_REQUIRE_NEO4J") == "1":
            pytest.fail(f"Neo4j is required but unreachable: {exc}")
        pytest.skip(f"no Neo4j server: {exc}")


def wipe_neo4j() -> None:
    """Empty the test database; only ever pointed at the server `make test` started."""
    from neo4j import GraphDatabase

    cfg = neo4j_settings()
    with GraphDatabase.driver(cfg["uri"], auth=(cfg["user"], cfg["password"])) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")


def hash_settings(backend: str, data_dir: Path) -> Settings:
    """Settings for the hash embedder on ``backend``: an emptied test Neo4j, or an embedded
    store under ``data_dir``."""
    settings = Settings(data_dir=data_dir, embedder="hash", graph=backend)
    if backend == "neo4j":
        connect_neo4j().close()
        wipe_neo4j()
        cfg = neo4j_settings()
        settings = settings.model_copy(update={"neo4j_uri": cfg["uri"], "neo4j_user": cfg["user"]})
    return settings


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def graph_store(backend: str, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each backend, schema created."""
    store: GraphStore
    if backend == "embedded":
        store = EmbeddedGraphStore.open(tmp_path / "graph.lbug")
    else:
        store = connect_neo4j()
        wipe_neo4j()
    store.ensure_schema()
    yield store
    store.close()


def use_backend(backend: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the settings (as the CLI reads them) at one backend, ``data_dir`` and the hash
    embedder; an empty Neo4j when the backend is Neo4j."""
    monkeypatch.setenv("POLICYKG_DATA_DIR", str(data_dir))
    monkeypatch.setenv("POLICYKG_GRAPH", backend)
    monkeypatch.setenv("POLICYKG_EMBEDDER", "hash")
    if backend == "neo4j":
        connect_neo4j().close()
        wipe_neo4j()
        for key, value in neo4j_settings().items():
            monkeypatch.setenv(f"NEO4J_{key.upper()}", value)
    from service.settings import get_settings

    get_settings.cache_clear()


@pytest.fixture
def settings_env(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for CLI runs on one backend with the hash embedder; returns the data dir."""
    data_dir = tmp_path / "data"
    use_backend(backend, data_dir, monkeypatch)
    return data_dir
