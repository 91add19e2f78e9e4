"""Place mentions from inside longer words, across a corpus (issue 14, item 2).

A Place mention counts as "inside a longer word" when its span lies strictly inside a token of
jieba's segmentation of its sentence (jieba's own dictionary, with every entity name the
corpus yields loaded as a word: institutions, programmes, cited titles, place forms), the token
not being a place form itself, or strictly inside another entity's mention (not a target's,
whose counted phrase may hold a place). This is a measure, independent of the extractor's rules.

    python -m bench.place_context ../shared/corpus [--list] [--exclude stem ...]
"""

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

import jieba

from loaders.entities import Mention, extract_mentions
from loaders.entities.gazetteer import gazetteer
from loaders.files import load_file
from loaders.records import _locality

Inside = tuple[str, str, str, str]  # file stem, place as written, the word holding it, context


def places_inside_words(corpus: Path) -> tuple[int, list[Inside]]:
    """The number of Place mentions in the corpus's ``*.txt`` files, and those inside a longer
    word or another entity's mention."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
    per_sentence: list[tuple[str, str, list[Mention]]] = []
    names: set[str] = set(gazetteer().forms)
    for path in sorted(corpus.glob("*.txt")):
        loaded = load_file(path)
        locality = _locality(loaded.parsed)
        for sentence in loaded.batch.sentences:
            mentions = extract_mentions(sentence.text, locality)
            per_sentence.append((path.stem, sentence.text, mentions))
            names.update(m.name for m in mentions if m.label != "Target")
            names.update(m.text for m in mentions if m.label != "Target")
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for name in names:
        if 2 <= len(name) <= 30:
            tokenizer.add_word(name)
    forms = gazetteer().forms

    total = 0
    inside: list[Inside] = []
    for stem, text, mentions in per_sentence:
        places = [m for m in mentions if m.label == "Place"]
        if not places:
            continue
        total += len(places)
        spans, pos = [], 0
        for token in tokenizer.cut(text, HMM=False):
            spans.append((pos, pos + len(token), token))
            pos += len(token)
        others = [m for m in mentions if m.label not in ("Place", "Target")]
        for m in places:
            container = next((tok for s, e, tok in spans if s <= m.start and m.end <= e
                              and e - s > m.end - m.start and tok not in forms
                              and not _being_there(tok, m.text)), None)
            if container is None:
                container = next((o.text for o in others if o.start <= m.start and m.end <= o.end
                                  and o.end - o.start > m.end - m.start), None)
            if container is not None:
                context = text[max(0, m.start - 8):m.end + 8]
                inside.append((stem, m.text, container, context))
    return total, inside


def _being_there(token: str, place: str) -> bool:
    """A word of being or going somewhere and that place (驻京 "stationed in Beijing", 来沪): it
    names the place as its object, not something else the place is part of."""
    return len(token) == len(place) + 1 and token.endswith(place) \
        and token[0] in gazetteer().division_abbreviation_before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--list", action="store_true", help="print each mention found inside a longer word")
    parser.add_argument("--exclude", nargs="*", default=[], help="file stems to leave out of the listing")
    args = parser.parse_args(argv)
    total, inside = places_inside_words(args.corpus)
    print(f"place mentions: {total}; inside a longer word: {len(inside)}")
    print(Counter(t for _, t, _, _ in inside).most_common(30))
    if args.list:
        for stem, place, container, context in inside:
            if stem not in args.exclude:
                print(f"{stem}\t{place}\t{container}\t{context}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
