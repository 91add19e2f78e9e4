"""Names a document teaches: one sense per document.

A company that a document names by its trade name where the context says what it is (魏桥、京博、
滨化等链主企业, 宏烨集团) is that company wherever the same document writes the name again,
in contexts that say nothing of it (京博动能转换综合体, 滨化LPG海上通道). And a trade name that
opens a fuller company name the document writes (魏桥 and 魏桥创业集团) names that company.

Where the name recurs it must start a word of its own: 华能 is not found in 中华能源.
"""

import re
from collections.abc import Sequence
from dataclasses import replace

from loaders.entities.lexicon import word_tag
from loaders.entities.mention import Mention

_COMPANY = "company"
_COMPANY_HEADS = ("集团", "公司", "股份", "控股")
_SHORTEST = 2  # a one-character name would recur inside every other word
_LONGEST_WORD = 4  # the dictionary words checked across a name's start


def with_document_names(texts: Sequence[str], mentions: Sequence[list[Mention]]) -> list[list[Mention]]:
    """``mentions`` (one list per sentence of ``texts``, in document order) with the companies
    the document names found again in every sentence, and their trade names resolved to the
    document's fuller form. A place the recurring name covers is dropped (鲁北 in 鲁北万润)."""
    companies = sorted({m.text for ms in mentions for m in ms
                        if m.label == "Institution" and m.kind == _COMPANY and len(m.text) >= _SHORTEST},
                       key=len, reverse=True)
    if not companies:
        return [list(ms) for ms in mentions]
    fuller = _fuller_names(companies)
    # One pass per sentence over every name at once (longest first), so a document that names
    # thousands of companies costs no more than one that names a few.
    names = re.compile("|".join(map(re.escape, companies)))
    out = []
    for text, found in zip(texts, mentions, strict=True):
        kept = [_resolved(m, fuller) for m in found]
        for match in names.finditer(text):
            start, end, name = match.start(), match.end(), match.group(0)
            if not _starts_a_word(text, start) \
                    or any(m.overlaps(start, end) and m.label != "Place" for m in kept):
                continue
            kept = [m for m in kept if not m.overlaps(start, end)]
            canonical = fuller.get(name, name)
            kept.append(Mention(label="Institution", name=canonical, text=name, start=start, end=end,
                                aliases=(name,) if canonical != name else (), kind=_COMPANY))
        out.append(sorted(kept, key=lambda m: (m.start, m.end)))
    return out


def _fuller_names(companies: list[str]) -> dict[str, str]:
    """Each trade name that opens exactly one longer company name of the document that ends in
    a word for a company -> that name (大唐 -> 大唐集团; 华润 is not 华润雪花, one of its brands)."""
    opening: dict[str, list[str]] = {}
    for other in companies:
        if other.endswith(_COMPANY_HEADS):
            for k in range(_SHORTEST, len(other)):
                opening.setdefault(other[:k], []).append(other)
    return {name: opening[name][0] for name in companies if len(opening.get(name, [])) == 1}


def _resolved(mention: Mention, fuller: dict[str, str]) -> Mention:
    if mention.label != "Institution" or mention.kind != _COMPANY or mention.text not in fuller:
        return mention
    return replace(mention, name=fuller[mention.text], aliases=(mention.text,))


def _starts_a_word(text: str, at: int) -> bool:
    """Whether a name at ``at`` starts a word of the text: no dictionary word runs across its
    first character from the text before it (中华 in 中华能源 takes 华 from 华能). Its end is not
    checked: an unknown name leaves jieba cutting its last character into the next word (京博
    动能 -> 京, 博动, 能)."""
    return not any(word_tag(text[at - before:at + after])
                   for before in range(1, min(at, _LONGEST_WORD - 1) + 1)
                   for after in range(1, _LONGEST_WORD - before + 1))
