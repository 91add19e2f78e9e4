"""Helpers shared by the ingest lifecycle and crash-safety tests, and by the tests that start a
real `policykg serve` (a free port, waiting until it answers)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from embeddings.embedding_cache import EmbeddingCache
from embeddings.hash_embedder import HashEmbedder
from embeddings.lexical_index import LexicalIndex
from embeddings.vector_index import VectorIndex
from graph.base import GraphStore
from service.ingest.ingestor import Ingestor
from tests.conftest import ROOT, neo4j_settings


class CountingEmbedder(HashEmbedder):
    """The hash embedder, counting the passages it is asked to embed (the model time)."""

    def __init__(self, dimension: int = 256) -> None:
        super().__init__(dimension)
        self.passages = 0

    def embed_passages(self, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        self.passages += len(texts)
        return super().embed_passages(texts)


@dataclass
class Parts:
    store: GraphStore
    embedder: CountingEmbedder
    vectors: VectorIndex
    lexical: LexicalIndex
    cache: EmbeddingCache
    ingestor: Ingestor


def make_ingestor(store: GraphStore, root: Path, embedder: CountingEmbedder | None = None) -> Parts:
    """An ingestor over ``store`` with indexes and cache under ``root``, as wiring builds it."""
    embedder = embedder or CountingEmbedder()
    vectors = VectorIndex.open(root / "indexes" / "vectors", embedder.name, embedder.dimension)
    lexical = LexicalIndex.open(root / "indexes" / "lexical")
    cache = EmbeddingCache(root / "cache" / "embeddings.sqlite3")
    return Parts(store, embedder, vectors, lexical, cache,
                 Ingestor(store, embedder, vectors, lexical, cache=cache))


def graph_sentence_ids(store: GraphStore, doc_id: str | None = None) -> set[str]:
    return {s.id for s, d in store.all_sentences() if doc_id is None or d == doc_id}


def rows(store: GraphStore, query: str, **parameters: object) -> list[list[object]]:
    return store.run_read(query, parameters, max_rows=100_000).rows


def subprocess_env(backend: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a `policykg` child process on one backend with the hash embedder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    env.update(POLICYKG_DATA_DIR=str(data_dir), POLICYKG_GRAPH=backend, POLICYKG_EMBEDDER="hash",
               OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    if backend == "neo4j":
        cfg = neo4j_settings()
        env.update(NEO4J_URI=cfg["uri"], NEO4J_USER=cfg["user"], NEO4J_PASSWORD=cfg["password"])
    env.update(extra)
    return env


POLICYKG = [sys.executable, "-m", "service.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(base: str, process: "subprocess.Popen[bytes]", why: Callable[[], str], *,
                       poll_s: float = 0.3, timeout_s: float = 120) -> None:
    """Until ``GET {base}/health`` answers 200. When the process ends first or the time runs
    out, raise, saying ``why()`` (its log)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {why()}")
        time.sleep(poll_s)


@contextmanager
def quiet_server(policykg: str, env: dict[str, str]) -> Iterator[tuple[str, "subprocess.Popen[bytes]"]]:
    """`policykg serve` on a free local port, its output discarded, once it answers: (its base
    URL, the process). Stopped on leaving (SIGTERM, killed after 30 s). For the benchmarks."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([policykg, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(base, process, lambda: "no answer from /health (its output is discarded)",
                           poll_s=0.2, timeout_s=180)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
