"""Unnumbered prose cut into task-sized parts.

A government work report runs for pages under a heading with no numbered items; a search hit
on "the whole of section 一" would be useless. Paragraphs are the natural unit: a very short
one (an address, a lead-in ending in ：) joins the paragraph after it, and a very long one is
cut at sentence ends into near-equal pieces. Every character of the input lands in exactly
one part, in order.
"""

import itertools
import math
import re

from loaders.sentences import split_sentences

MIN_PART = 100
MAX_PART = 600
_TITLE_MAX = 40
_TITLE_MIN = 6
_LEAD_IN_MIN = 8
_LEAD_IN_MAX = 50
_FOLLOWING = re.compile(r"(?:以下|如下)[^，,]{0,12}$")
_ADDRESS = ("各位代表",)


def split_long(paragraph: str, max_len: int = MAX_PART) -> list[str]:
    """Cut a paragraph longer than max_len at sentence ends into pieces of near-equal length,
    none longer than max_len unless one sentence is."""
    ends = [span.end for span in split_sentences(paragraph)][:-1]
    cuts: list[int] = []
    start = 0
    while len(paragraph) - start > max_len:
        target = start + (len(paragraph) - start) / math.ceil((len(paragraph) - start) / max_len)
        fitting = [end for end in ends if start < end <= start + max_len]
        if fitting:
            cut = min(fitting, key=lambda end: abs(end - target))
        else:
            # One sentence longer than max_len: it ends the piece on its own.
            cut = next((end for end in ends if end > start), len(paragraph))
        if cut >= len(paragraph):
            break
        cuts.append(cut)
        start = cut
    bounds = [0, *cuts, len(paragraph)]
    return [p for p in (paragraph[a:b].strip() for a, b in itertools.pairwise(bounds)) if p]


def chunk_paragraphs(paragraphs: list[str], min_len: int = MIN_PART, max_len: int = MAX_PART) -> list[str]:
    """Group paragraphs into parts of roughly min_len..max_len characters (lines kept apart by
    newlines): short paragraphs join the next one, long ones are split at sentence ends."""
    groups: list[list[str]] = []
    for paragraph in paragraphs:
        for piece in split_long(paragraph, max_len):
            if groups and _size(groups[-1]) < min_len and _size(groups[-1]) + len(piece) <= max_len:
                groups[-1].append(piece)
            else:
                groups.append([piece])
    # A short group the next piece did not fit into (a closing appeal, a lone sentence before a
    # long paragraph) joins the group before it when that one has room.
    merged: list[list[str]] = []
    for group in groups:
        if merged and _size(group) < min_len and _size(merged[-1]) + _size(group) <= max_len:
            merged[-1].extend(group)
        else:
            merged.append(group)
    return ["\n".join(group) for group in merged]


def _size(group: list[str]) -> int:
    return sum(len(piece) for piece in group)


def part_title(text: str) -> str:
    """The part's first real sentence, shortened to its first clauses when long. An address
    (各位代表！) is skipped, and so is a lead-in (一年来，我们主要做了以下工作：)."""
    sentences = [s.text for s in split_sentences(text) if not s.text.startswith(_ADDRESS)]
    while len(sentences) > 1 and _is_lead_in(sentences[0]):
        sentences.pop(0)
    sentence = sentences[0] if sentences else text
    lead, colon, rest = sentence.partition("：")
    if colon and len(lead) >= _LEAD_IN_MIN and rest:
        sentence = rest
    sentence = sentence.rstrip("。！？；!?;")
    if len(sentence) <= _TITLE_MAX:
        return sentence
    # Cut at a clause boundary outside 《》 and brackets: the last one within the limit, else
    # the first one (a clause that quotes a long title), else at the limit.
    cuts = _clause_ends(sentence)
    within = [c for c in cuts if _TITLE_MIN <= c <= _TITLE_MAX]
    if within:
        return sentence[:within[-1]]
    if cuts and cuts[0] <= 2 * _TITLE_MAX:
        return sentence[:cuts[0]]
    return sentence[:_TITLE_MAX]


def _is_lead_in(sentence: str) -> bool:
    """一年来，我们主要做了以下工作： / …重点抓好以下几个方面工作。"""
    return (sentence.endswith(("：", ":")) and len(sentence) > _LEAD_IN_MIN) or (
        len(sentence) <= _LEAD_IN_MAX and bool(_FOLLOWING.search(sentence)))


def _clause_ends(sentence: str) -> list[int]:
    ends = []
    depth = 0
    for i, ch in enumerate(sentence):
        if ch in "《“（(":
            depth += 1
        elif ch in "》”）)":
            depth = max(0, depth - 1)
        elif ch in "，,、" and depth == 0:
            ends.append(i)
    return ends
