"""A deterministic embedder for tests that are not about the model: character n-grams hashed
with sha256 into a fixed number of buckets, so texts sharing words get similar vectors."""

import hashlib
from collections.abc import Sequence

import numpy as np

from embeddings.base import Vectors


class HashEmbedder:
    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.name = f"hash-{dimension}"

    def _embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = [text[i:i + n] for n in (1, 2) for i in range(len(text) - n + 1)]
            for gram in grams or [""]:
                digest = hashlib.sha256(gram.encode("utf-8")).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dimension
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
        return out

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts)
