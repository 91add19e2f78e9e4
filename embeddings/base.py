"""The Embedder protocol."""

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors, shape (len(texts), dimension).

    ``name`` identifies model and preprocessing: an index built with one name refuses to be
    searched with another. Queries and passages may be embedded differently (e5 prefixes);
    an empty input gives an array of shape (0, dimension). Deterministic for a given model.
    """

    name: str
    dimension: int

    def embed_queries(self, texts: Sequence[str]) -> Vectors: ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors: ...
