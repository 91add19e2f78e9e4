"""A BM25 index over jieba tokens of sentences, persisted as a directory with a manifest.

Layout: ``entries.json`` (per sentence: sentence id, task id, document id, text),
``tokens.npy`` + ``offsets.npy`` (every sentence's token ids, concatenated, int32),
``vocab.json`` (token of each id), ``user_words.json`` (the user dictionary the tokens were
cut with) and ``manifest.json`` (format version, tokenizer, count). Saving writes a new
directory and swaps it in, as the vector index does.

The index keeps each sentence's token ids (bytes of int32, not lists of str: those cost ~2.8 GB
per million sentences) and rebuilds the BM25 matrix lazily on the first search after a change,
with whole-array numpy operations scoring as bm25s does by default (0.06 s for the 12,100
sentences of the 45-document corpus; bm25s' own build, a Python loop, took 0.5 s). Texts are
kept too, so that sentences are re-cut when the user dictionary gains a word they contain: the
index and its queries are always cut with the same dictionary.

The user dictionary is process-wide (one jieba tokenizer per process, private to this module,
so other jieba users are unaffected): names added by one index are known to every index.
"""

import json
import logging
import os
import re
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jieba
import numpy as np
import numpy.typing as npt

from embeddings.errors import IndexCorruptError, IndexMismatchError
from embeddings.index_dir import (
    SavedIndex,
    recover_interrupted_swap,
    staged_directory,
    write_json,
)

jieba.setLogLevel(logging.WARNING)

FORMAT_VERSION = 1
#: Names the tokenisation scheme; an index cut by another one is re-cut from its texts on open.
TOKENIZER = f"jieba-{jieba.__version__}:for_search+chars:v2"

# Function characters that carry no topic; multi-character words are left to BM25's idf.
_SEPARATOR = "\x00"  # between texts searched as one string: NFKC and lower() leave it alone
_MATCH_CHUNK = 256  # texts searched as one string (about 5 ms of Python's lock per chunk)
_STOP_TOKENS = frozenset([
    "的", "了", "和", "与", "及", "等", "在", "是", "对", "把", "被", "将", "之", "其", "或", "并", "也", "都", "而",
    "以", "于", "为", "由", "从", "向", "到", "各", "该", "此", "这", "那", "让", "使", "给", "着", "过", "就", "又",
    "还", "再", "很", "所", "者", "们", "及其", "以及", "或者", "进一步", "通过", "有关", "相关", "关于",
])
_CJK_RUN = re.compile(r"^[\u3400-\u9fff]+$")
_HAS_WORD_CHAR = re.compile(r"[^\W_]")  # a letter or digit: not punctuation, space, symbol
# 文号 such as 国办发〔2015〕71号 (after NFKC 〔〕 stay, ［］ become []). The match starts at the
# bracket and the issuer characters in front are read backwards (_doc_number_prefix): a pattern
# that starts with the issuer's [\u3400-\u9fff]* restarts at every character of a long Chinese
# run and takes quadratic time (350,000 characters froze a request for minutes).
_DOC_NUMBER = re.compile(r"[〔\[【(]\s*((?:19|20)\d{2})\s*[〕\]】)]\s*(\d{1,4})\s*号")
_DOC_NUMBER_PREFIX_LENGTHS = (2, 3, 4)
#: Longest run of Chinese characters handed to jieba in one piece: its HMM (Viterbi) copies a
#: path per character and takes time quadratic in the run (20,000 of 的: 4 s). The corpus' longest
#: run between two punctuation marks is 45 characters.
MAX_CUT_RUN = 100
_LONG_HAN_RUN = re.compile(rf"(?<![\u4e00-\u9fd5])[\u4e00-\u9fd5]{{{MAX_CUT_RUN + 1},}}")
#: Longest user word (entity name) jieba is given: adding a word costs time quadratic in its
#: length, and a cited 《title》 is as long as an uploader makes it. The corpus' longest is 53.
MAX_USER_WORD = 64

#: Query weight of a character split off a word (1.0 for words); see _weighted_tokens.
#: Measured on the sample: 1.0 lets characters outvote words, 0.1 loses partial-word matches.
CHAR_QUERY_WEIGHT = 0.25
# BM25 parameters of the task-level score (bm25s' defaults, which the sentence matrix uses).
_K1 = 1.5
_B = 0.75

_tokenizer = jieba.Tokenizer()  # initialised lazily by jieba on the first cut
_dictionary_lock = threading.Lock()
_user_words: set[str] = set()
_QUERY_TOKENS_SIZE = 4096  # query terms whose cut is remembered (_query_tokens)
_QUERY_TOKENS: dict[str, tuple[int, list[tuple[str, float]]]] = {}


def normalise(text: str) -> str:
    """NFKC and lower case, so full-width digits and Latin letters match their ASCII forms."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str) -> list[str]:
    """Index and query tokens of ``text``.

    jieba's search mode (a long word and the dictionary words inside it), plus each character
    of multi-character Chinese words so that a query word cut differently from the text still
    overlaps. Punctuation, whitespace and stop characters are dropped; numbers stay. A 文号
    also yields ``〔2015〕71号`` and its last 2-4 issuer characters in front (``办发〔2015〕71号``,
    ``国办发〔2015〕71号`` ...), since its start cannot be told from the preceding words.
    """
    return [token for token, _ in _weighted_tokens(text)]


def _weighted_tokens(text: str) -> list[tuple[str, float]]:
    """Tokens with their weight in a query: single characters split off a word count less,
    so that they rescue a differently cut word without outvoting whole-word matches."""
    text = normalise(text)
    tokens: list[tuple[str, float]] = []
    previous_end = 0
    for match in _DOC_NUMBER.finditer(text):
        year, number = match.groups()
        prefix = _doc_number_prefix(text, match.start(), previous_end)
        previous_end = match.end()
        core = f"〔{year}〕{number}号"
        tokens.append((core, 1.0))
        tokens.extend((prefix[-n:] + core, 1.0)
                      for n in _DOC_NUMBER_PREFIX_LENGTHS if len(prefix) >= n)
    for word in _tokenizer.lcut_for_search(_LONG_HAN_RUN.sub(_split_run, text)):
        word = word.strip()
        if not word or word in _STOP_TOKENS or not _HAS_WORD_CHAR.search(word):
            continue
        tokens.append((word, 1.0))
        if len(word) > 1 and _CJK_RUN.match(word):
            tokens.extend((c, CHAR_QUERY_WEIGHT) for c in word if c not in _STOP_TOKENS)
    return tokens


def _query_tokens(term: str) -> list[tuple[str, float]]:
    """``_weighted_tokens`` of a query term, remembered while the dictionary is unchanged: a
    search cuts its question for the lexical channel, its feedback and the reranker, and
    jieba's cut is a third of the reranker's time."""
    known = len(_user_words)  # user words are only ever added: same size, same words
    cached = _QUERY_TOKENS.get(term)
    if cached is not None and cached[0] == known:
        return cached[1]
    tokens = _weighted_tokens(term)
    if len(_QUERY_TOKENS) >= _QUERY_TOKENS_SIZE:
        _QUERY_TOKENS.clear()
    _QUERY_TOKENS[term] = (known, tokens)
    return tokens


def _split_run(match: re.Match[str]) -> str:
    """A long Chinese run in pieces of ``MAX_CUT_RUN`` characters, which jieba cuts apart."""
    run = match.group()
    return " ".join(run[i:i + MAX_CUT_RUN] for i in range(0, len(run), MAX_CUT_RUN))


def _doc_number_prefix(text: str, bracket: int, floor: int) -> str:
    """The last Chinese characters (at most the longest prefix length) before a 文号's bracket,
    past any whitespace, not reaching back before ``floor`` (the previous 文号's end). Each
    character is looked at by one 文号 at most, so all 文号 of a text cost linear time."""
    i = bracket
    while i > floor and text[i - 1].isspace():
        i -= 1
    end = i
    lowest = max(floor, end - max(_DOC_NUMBER_PREFIX_LENGTHS))
    while i > lowest and "\u3400" <= text[i - 1] <= "\u9fff":
        i -= 1
    return text[i:end]


def add_user_words(words: Iterable[str]) -> int:
    """Keep ``words`` (entity names, up to ``MAX_USER_WORD`` characters; longer ones are
    ignored) as single jieba tokens, process-wide; returns how many were new. Indexes re-cut
    their affected sentences before their next search."""
    new = {w for w in (normalise(w).strip() for w in words) if 0 < len(w) <= MAX_USER_WORD} - _user_words
    if not new:
        return 0
    with _dictionary_lock:
        for word in sorted(new):
            _tokenizer.add_word(word)
        _user_words.update(new)
    return len(new)


def user_words() -> frozenset[str]:
    return frozenset(_user_words)


@dataclass(frozen=True)
class LexicalEntry:
    sentence_id: str
    task_id: str
    doc_id: str
    text: str


@dataclass(frozen=True)
class LexicalHit:
    sentence_id: str
    task_id: str
    doc_id: str
    score: float


@dataclass
class _Row:
    task_id: str
    doc_id: str
    text: str
    token_ids: bytes  # int32, native byte order


@dataclass(frozen=True)
class _Matrix:
    """A built BM25 matrix (CSC over tokens) and the rows it was built from, in order."""

    data: npt.NDArray[np.float32]
    indices: npt.NDArray[np.int32]
    indptr: npt.NDArray[np.int64]
    sentence_ids: list[str]
    rows: list[_Row]
    doc_codes: npt.NDArray[np.int32]
    doc_code_of: dict[str, int]
    # For task-level scoring (a reranker's few candidates): each task's rows, each token's
    # sentence frequency and the mean task length in tokens.
    task_rows: dict[str, list[int]]
    sentence_frequency: npt.NDArray[np.int64]
    mean_task_length: float
    words: list[str]  # token id -> word, for the vocabulary the matrix was built with
    # Task id -> its sentences' tokens as one int32 bag, filled as reranked tasks are scored:
    # the same candidates come back question after question.
    task_bags: dict[str, bytes] = field(default_factory=dict)
    task_texts: dict[str, str] = field(default_factory=dict)  # likewise, each task's sentences joined

    def task_bag(self, task_id: str) -> bytes:
        bag = self.task_bags.get(task_id)
        if bag is None:
            bag = b"".join(self.rows[i].token_ids for i in self.task_rows.get(task_id, ()))
            self.task_bags[task_id] = bag
        return bag

    def task_text(self, task_id: str) -> str:
        text = self.task_texts.get(task_id)
        if text is None:
            text = " ".join(self.rows[i].text for i in self.task_rows.get(task_id, ()))
            self.task_texts[task_id] = text
        return text


Query = str | Sequence[str] | Mapping[str, float]


class LexicalIndex(SavedIndex):
    """BM25 over the tokens of sentences. Not safe for concurrent writes; searches may run
    concurrently with each other."""

    def __init__(self, directory: Path, rows: dict[str, _Row], vocab: dict[str, int],
                 cut_with: frozenset[str]) -> None:
        self.directory = directory
        self._rows = rows
        self._vocab = vocab
        self._cut_with = cut_with  # user words the stored token ids reflect
        self._user_words_checked = -1  # how many user words there were at the last check
        self._matrix: _Matrix | None = None
        self._lock = threading.Lock()
        self.changed = False  # since opened or saved
        self._generation: str | None = None  # of the saved index this one reflects
        self._own_saves: set[str] = set()
        self._dictionary_held = False  # see hold_dictionary

    @classmethod
    def create(cls, directory: Path) -> "LexicalIndex":
        """A new, empty index for ``directory``; whatever is there stays until ``save``
        swaps this one in."""
        return cls(directory, {}, {}, frozenset())

    @classmethod
    def open(cls, directory: Path) -> "LexicalIndex":
        """Open the index in ``directory`` (an empty one if there is none). Refuses another
        format version; an index cut by another tokenizer version is re-cut from its texts."""
        recover_interrupted_swap(directory)
        manifest_path = directory / "manifest.json"
        if not manifest_path.exists():
            return cls.create(directory)
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"lexical index {directory} is unreadable: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("kind") != "lexical":
            raise IndexMismatchError(
                f"{directory} holds another kind of index, not a lexical (BM25) one: give the "
                "lexical index a directory of its own")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexCorruptError(
                f"lexical index {directory} has format {manifest.get('format_version')}, "
                f"this version reads {FORMAT_VERSION}: run `policykg reindex`")
        try:
            raw_entries = json.loads((directory / "entries.json").read_text("utf-8"))
            vocab_list = json.loads((directory / "vocab.json").read_text("utf-8"))
            words = json.loads((directory / "user_words.json").read_text("utf-8"))
            tokens = np.load(directory / "tokens.npy", allow_pickle=False).astype(np.int32)
            offsets = np.load(directory / "offsets.npy", allow_pickle=False).astype(np.int64)
            count = len(raw_entries)
            if (manifest.get("count") != count or offsets.shape != (count + 1,)
                    or int(offsets[-1]) != tokens.shape[0]
                    or (tokens.size and int(tokens.max()) >= len(vocab_list))):
                raise ValueError(f"{count} entries, {offsets.shape[0] - 1} token lists, "
                                 f"manifest count {manifest.get('count')}")
            rows = {sentence_id: _Row(str(task_id), str(doc_id), str(text),
                                      tokens[offsets[i]:offsets[i + 1]].tobytes())
                    for i, (sentence_id, task_id, doc_id, text) in enumerate(raw_entries)}
            vocab = {str(token): i for i, token in enumerate(vocab_list)}
            words = [str(w) for w in words]
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorruptError(
                f"lexical index {directory} is unreadable or inconsistent ({exc}): "
                "run `policykg reindex`") from exc
        add_user_words(words)
        index = cls(directory, rows, vocab, frozenset(words))
        index._generation = manifest.get("generation")
        if manifest.get("tokenizer") != TOKENIZER:
            index._recut(lambda _text: True)
        return index

    def _reload(self) -> None:
        fresh = LexicalIndex.open(self.directory)
        # Under the lock: a search building its matrix must not see rows of one generation
        # beside the vocabulary of another.
        with self._lock:
            self._rows, self._vocab, self._cut_with = fresh._rows, fresh._vocab, fresh._cut_with
            self._user_words_checked = -1
            self._generation = fresh._generation
            self._matrix = None

    def copy(self) -> "LexicalIndex":
        """An independent copy (the next generation, changed while this one serves); rows
        are shared until either index replaces them (neither changes a row in place)."""
        with self._lock:
            twin = LexicalIndex(self.directory, dict(self._rows), dict(self._vocab),
                                self._cut_with)
            twin._matrix, twin._user_words_checked = self._matrix, self._user_words_checked
            twin.changed, twin._generation = self.changed, self._generation
            twin._own_saves = self._own_saves
        return twin

    @property
    def count(self) -> int:
        return len(self._rows)

    def entries(self, doc_ids: set[str] | None = None) -> list[LexicalEntry]:
        """The entries (of ``doc_ids`` only, if given), in insertion order."""
        return [LexicalEntry(s, r.task_id, r.doc_id, r.text) for s, r in self._rows.items()
                if doc_ids is None or r.doc_id in doc_ids]

    def add_user_words(self, words: Iterable[str]) -> int:
        """Keep entity names as single tokens (see the module function: process-wide);
        sentences containing a new word are re-cut before the next search or save."""
        return add_user_words(words)

    def upsert(self, entries: Sequence[LexicalEntry]) -> None:
        """Add sentences; an entry whose sentence id is present replaces it (an identical one
        is kept as it is, so re-adding unchanged sentences costs no tokenising)."""
        if not entries:
            return
        self._sync_dictionary()
        for entry in entries:
            row = self._rows.get(entry.sentence_id)
            if row is not None and (row.task_id, row.doc_id, row.text) == (
                    entry.task_id, entry.doc_id, entry.text):
                continue
            self._rows[entry.sentence_id] = _Row(
                entry.task_id, entry.doc_id, entry.text, self._token_ids(entry.text))
            self._matrix = None
            self.changed = True

    def clear(self) -> None:
        """Remove every sentence (the saved index stays until ``save``)."""
        self._rows = {}
        self._vocab = {}
        self._matrix = None
        self.changed = True

    def remove(self, sentence_ids: Iterable[str]) -> int:
        """Remove sentences by id; returns how many were present."""
        removed = 0
        for sentence_id in set(sentence_ids):
            if self._rows.pop(sentence_id, None) is not None:
                removed += 1
        if removed:
            self._matrix = None
            self.changed = True
        return removed

    def search(self, query: Query, k: int, doc_ids: set[str] | None = None) -> list[LexicalHit]:
        """The ``k`` best sentences by BM25, best first (ties in insertion order); only
        sentences sharing a token with the query. ``query`` is text, a sequence of terms or
        a mapping term -> weight; every term is cut like the text, so a phrase matches however
        the sentences were cut. ``doc_ids`` restricts the documents."""
        if k <= 0 or not self._rows:
            return []
        matrix = self._built()
        if matrix is None:
            return []
        scores = np.zeros(len(matrix.rows), dtype=np.float32)
        n_tokens = matrix.indptr.shape[0] - 1
        for token_id, weight in self._query_weights(query).items():
            if token_id >= n_tokens:
                continue
            start, end = matrix.indptr[token_id], matrix.indptr[token_id + 1]
            scores[matrix.indices[start:end]] += np.float32(weight) * matrix.data[start:end]
        candidates = np.flatnonzero(scores > 0)
        if doc_ids is not None:
            codes = [matrix.doc_code_of[d] for d in doc_ids if d in matrix.doc_code_of]
            candidates = candidates[np.isin(matrix.doc_codes[candidates], codes)]
        if candidates.size > k:
            top = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = np.sort(candidates[top])
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [LexicalHit(matrix.sentence_ids[i], matrix.rows[i].task_id,
                           matrix.rows[i].doc_id, float(scores[i])) for i in order.tolist()]

    def task_scores(self, query: Query, task_ids: Sequence[str]) -> dict[str, float]:
        """BM25 of each of ``task_ids`` as one bag of its sentences' tokens (Lucene idf over
        sentences, k1 1.5, b 0.75 against the mean task length); 0.0 for a task without a
        query token or unknown.
        Costs the candidates' tokens, not the index's: for reranking a few dozen tasks on their
        whole text rather than their best sentence."""
        matrix = self._built() if self._rows else None
        if matrix is None:
            return dict.fromkeys(task_ids, 0.0)
        weights = self._query_weights(query)
        if not weights:
            return dict.fromkeys(task_ids, 0.0)
        n = len(matrix.rows)
        known = {t: w for t, w in weights.items() if t < len(matrix.sentence_frequency)}
        query_ids = np.fromiter(known, dtype=np.int64, count=len(known))
        query_weights = np.fromiter(known.values(), dtype=np.float64, count=len(known))
        frequency = matrix.sentence_frequency[query_ids]
        idf = np.log1p((n - frequency + 0.5) / (frequency + 0.5))
        # Every candidate's tokens in one array; a token's slot is its place among the query's.
        bags = [matrix.task_bag(t) for t in task_ids]
        lengths = np.fromiter((len(b) // 4 for b in bags), dtype=np.int64, count=len(bags))
        tokens = np.frombuffer(b"".join(bags), dtype=np.int32)
        slot = np.full(len(matrix.sentence_frequency), -1, dtype=np.int64)
        slot[query_ids] = np.arange(len(query_ids))
        owner = np.repeat(np.arange(len(task_ids)), lengths)
        slots = np.where(tokens < len(slot), slot[np.minimum(tokens, len(slot) - 1)], -1)  # a recut row
        hit = slots >= 0
        tf = np.bincount(owner[hit] * len(query_ids) + slots[hit],
                         minlength=len(task_ids) * len(query_ids)).reshape(len(task_ids), len(query_ids))
        norm = _K1 * (1 - _B + _B * lengths / matrix.mean_task_length)
        bm25 = (query_weights * idf * tf * (_K1 + 1) / (tf + norm[:, None])).sum(axis=1)
        return {t: float(score) for t, score in zip(task_ids, bm25.tolist(), strict=True)}

    def sentence_frequency(self, term: str) -> int:
        """How many indexed sentences hold ``term``: the fewest that hold any one of its
        tokens (0 when one is unknown), an upper bound that serves to tell a document's own
        word from a dictionary's rare one."""
        matrix = self._built() if self._rows else None
        if matrix is None:
            return 0
        counts = []
        for token, _ in _query_tokens(term):
            index = self._vocab.get(token)
            known = index is not None and index < len(matrix.sentence_frequency)  # not a recut's new token
            counts.append(int(matrix.sentence_frequency[index]) if known else 0)
        return min(counts, default=0)

    def task_texts(self, task_ids: Sequence[str]) -> list[str]:
        """Each task's indexed sentences joined by a space, in insertion order ("" for an
        unknown task)."""
        matrix = self._built() if self._rows else None
        return [matrix.task_text(t) for t in task_ids] if matrix is not None else [""] * len(task_ids)

    def key_terms(self, sentence_ids: Sequence[str], n: int, exclude: Query = ()) -> dict[str, float]:
        """The ``n`` most telling words of these sentences (pseudo-relevance feedback): words of
        two or more characters, each scored by its idf summed over the sentences that hold it,
        weights relative to the best (1.0); the tokens of ``exclude`` (the query) are left out."""
        matrix = self._built() if self._rows else None
        if matrix is None or n <= 0:
            return {}
        skip = set(self._query_weights(exclude)) if exclude else set()
        total = len(matrix.rows)
        words = matrix.words
        scored: dict[int, float] = {}
        for sentence_id in sentence_ids:
            row = self._rows.get(sentence_id)
            if row is None:
                continue
            for token_id in set(np.frombuffer(row.token_ids, dtype=np.int32).tolist()):
                if token_id in skip or token_id >= len(matrix.sentence_frequency) or len(words[token_id]) < 2:
                    continue
                frequency = int(matrix.sentence_frequency[token_id])
                scored[token_id] = scored.get(token_id, 0.0) + float(
                    np.log1p((total - frequency + 0.5) / (frequency + 0.5)))
        best = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        return {words[t]: round(score / best[0][1], 4) for t, score in best} if best else {}

    def tokens_of(self, sentence_id: str) -> list[str]:
        """The tokens a sentence is indexed under (for explaining a match)."""
        row = self._rows[sentence_id]
        words = list(self._vocab)
        return [words[i] for i in np.frombuffer(row.token_ids, dtype=np.int32).tolist()]

    def save(self) -> None:
        """Write to a fresh directory, then swap it in (atomic on one filesystem)."""
        self._sync_dictionary()
        lengths = np.fromiter((len(r.token_ids) // 4 for r in self._rows.values()),
                              dtype=np.int64, count=len(self._rows))
        offsets = np.zeros(len(self._rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        tokens = np.frombuffer(b"".join(r.token_ids for r in self._rows.values()),
                               dtype=np.int32)
        generation = uuid.uuid4().hex
        with staged_directory(self.directory) as staging:
            _write_npy(staging / "tokens.npy", tokens)
            _write_npy(staging / "offsets.npy", offsets)
            write_json(staging / "entries.json",
                       [[s, r.task_id, r.doc_id, r.text] for s, r in self._rows.items()])
            write_json(staging / "vocab.json", list(self._vocab))
            write_json(staging / "user_words.json", sorted(self._cut_with))
            write_json(staging / "manifest.json", {
                "kind": "lexical", "format_version": FORMAT_VERSION, "tokenizer": TOKENIZER,
                "count": self.count, "vocabulary": len(self._vocab), "scorer": "bm25s-robertson",
                "generation": generation,
            })
        self.changed = False
        self._generation = generation
        self._own_saves.add(generation)

    def _token_ids(self, text: str) -> bytes:
        vocab = self._vocab
        ids = [vocab.setdefault(t, len(vocab)) for t in tokenize(text)]
        return np.asarray(ids, dtype=np.int32).tobytes()

    def _query_weights(self, query: Query) -> dict[int, float]:
        """Token id -> weight; a term's tokens each get the term's weight."""
        with self._lock:  # searches run side by side; one of them re-cuts
            self._sync_dictionary()
        terms: Iterable[tuple[str, float]]
        if isinstance(query, str):
            terms = [(query, 1.0)]
        elif isinstance(query, Mapping):
            terms = query.items()
        else:
            terms = ((t, 1.0) for t in query)
        weights: dict[int, float] = {}
        for term, weight in terms:
            for token, factor in _query_tokens(term):
                token_id = self._vocab.get(token)
                if token_id is not None:
                    weights[token_id] = weights.get(token_id, 0.0) + weight * factor
        return weights

    def hold_dictionary(self, held: bool = True) -> None:
        """While held, this index keeps its cut when the process-wide dictionary gains words:
        the index a server searches while a write builds the next generation, whose copy the
        write re-cuts itself. Its searches re-cut it otherwise, under the lock every search
        takes, with the BM25 matrix built again: at 10 times the corpus one search waited
        30 s (bench/replicas.py). Meanwhile a question with one of the new names is cut as
        that name, which this index does not hold as a token: its other words still count.
        Released (a write that failed keeps this index), the next search re-cuts."""
        self._dictionary_held = held

    def _sync_dictionary(self) -> None:
        """Re-cut the sentences that contain user words added since they were cut."""
        known = len(_user_words)  # user words are only ever added: same size, same words
        if known == self._user_words_checked or self._dictionary_held:
            return
        current = user_words()
        new = current - self._cut_with
        if new:
            pattern = re.compile("|".join(re.escape(w) for w in sorted(new, key=len, reverse=True)))
            affected = _rows_matching(pattern, [row.text for row in self._rows.values()])
            self._recut(lambda text: text in affected)
            self._cut_with = current
            self.changed = True
        self._user_words_checked = known

    def _recut(self, affected: Callable[[str], bool]) -> None:
        changed = False
        for sentence_id, row in self._rows.items():
            if affected(row.text):
                token_ids = self._token_ids(row.text)
                if token_ids != row.token_ids:
                    # A new row, not a changed one: a copy of this index may share the old.
                    self._rows[sentence_id] = _Row(row.task_id, row.doc_id, row.text, token_ids)
                    changed = True
        if changed:
            self._matrix = None

    def _built(self) -> _Matrix | None:
        with self._lock:
            self._sync_dictionary()
            if self._matrix is None:
                self._matrix = _build(self._rows, list(self._vocab))
            return self._matrix


def _rows_matching(pattern: re.Pattern[str], texts: list[str]) -> set[str]:
    """The texts whose normalised form ``pattern`` finds something in. Texts are normalised and
    searched a few hundred at a time, as one string (two C calls per chunk rather than two per
    text: 0.1 s less for the corpus, on every write that brings new names); chunks, not the
    whole corpus at once, so that no single call holds Python's lock for long while searches
    wait for it."""
    found: set[str] = set()
    for first in range(0, len(texts), _MATCH_CHUNK):
        chunk = texts[first:first + _MATCH_CHUNK]
        joined = normalise(_SEPARATOR.join(chunk))
        pieces = joined.split(_SEPARATOR)
        if len(pieces) != len(chunk):  # a text holds the separator itself: one at a time
            found.update(text for text in chunk if pattern.search(normalise(text)))
            continue
        ends = np.cumsum([len(piece) + 1 for piece in pieces])
        found.update(chunk[int(np.searchsorted(ends, match.start(), side="right"))]
                     for match in pattern.finditer(joined))
    return found


def _build(rows: dict[str, _Row], words: list[str]) -> _Matrix | None:
    """The BM25 matrix of ``rows``; None when no sentence has a token. Scores as bm25s' default
    (Lucene idf, Robertson term frequency, k1 1.5, b 0.75: a test compares the two), built by
    whole-array numpy operations: bm25s builds in a Python loop (0.5 s for the corpus' 12,100
    sentences, tens of seconds at 10^6) that held Python's lock while a write's next
    generation was prepared, and so slowed every search meanwhile."""
    row_list = list(rows.values())
    n_rows, n_vocab = len(row_list), len(words)
    lengths = np.fromiter((len(r.token_ids) // 4 for r in row_list), dtype=np.int64, count=n_rows)
    total = int(lengths.sum())
    if not total:
        return None
    tokens = np.frombuffer(b"".join(r.token_ids for r in row_list), dtype=np.int32).astype(np.int64)
    owner = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
    # One key per (sentence, token): its count is the term frequency; sorted by token, then sentence.
    keys, term_frequency = np.unique(tokens * n_rows + owner, return_counts=True)
    token_of, sentence_of = np.divmod(keys, n_rows)
    sentence_frequency = np.bincount(token_of, minlength=n_vocab).astype(np.int64)
    idf = np.log1p((n_rows - sentence_frequency + 0.5) / (sentence_frequency + 0.5))
    tf = term_frequency.astype(np.float64)
    norm = _K1 * ((1 - _B) + _B * lengths[sentence_of] / (total / n_rows))
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(sentence_frequency, out=indptr[1:])
    doc_code_of: dict[str, int] = {}
    doc_codes = np.fromiter((doc_code_of.setdefault(r.doc_id, len(doc_code_of))
                             for r in row_list), dtype=np.int32, count=n_rows)
    task_rows: dict[str, list[int]] = {}
    for i, row in enumerate(row_list):
        task_rows.setdefault(row.task_id, []).append(i)
    return _Matrix(
        data=(idf[token_of] * tf / (norm + tf)).astype(np.float32),
        indices=sentence_of.astype(np.int32),
        indptr=indptr,
        sentence_ids=list(rows), rows=row_list, doc_codes=doc_codes, doc_code_of=doc_code_of,
        task_rows=task_rows, words=words,
        sentence_frequency=sentence_frequency,
        mean_task_length=max(1.0, total / max(1, len(task_rows))))


def _write_npy(path: Path, array: npt.NDArray[Any]) -> None:
    with path.open("wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())

