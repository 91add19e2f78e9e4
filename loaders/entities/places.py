"""Places: Chinese administrative divisions, regional groupings and foreign countries.

Rules (the gazetteer module says which names and forms exist):
- A short form is not matched where its edge characters make words with the characters
  beside it (和政治: 政治; 隆重庆祝: 隆重 and 庆祝, for a province both sides must).
- Matching is leftmost-longest over the folded sentence (上海市 is one mention of 上海, not
  上海 plus a stray 市), outside spans already taken by documents, institutions and programmes:
  a place named inside an institution's or a document's name is not a place mention (DESIGN.md).
  Nor is a place that opens a longer CC-CEDICT proper noun that is not a place: a river, a
  lake, an organisation, a dialect (苏州河, 上海合作组织, 遵义会议).
- A foreign country is also named by one character after 对/中/赴/与/同 when a relation word
  follows (对德友好学校 -> 德国; 对德育 is not matched because 育 is not a relation word).
- The mention carries the English name, level, the places it is PART_OF (``parents``: its
  administrative parent and its groupings) and, for a grouping, its ``members``.
"""

from loaders.entities.gazetteer import PlaceEntry, gazetteer
from loaders.entities.mention import Mention


def _mention(entry: PlaceEntry, sentence: str, start: int, end: int) -> Mention:
    return Mention(label="Place", name=entry.name, text=sentence[start:end], start=start, end=end,
                   aliases=tuple(entry.aliases), name_en=entry.name_en, level=entry.level,
                   parents=tuple(entry.parents), members=tuple(entry.members))


def _straddles_word(norm: str, start: int, end: int, words: frozenset[str], *, both: bool) -> bool:
    """Whether the form's edge characters make words with their neighbours: on either side, or
    (``both``, for provinces, which are rarely inside words) on both sides (隆重庆祝)."""
    left = start > 0 and norm[start - 1:start + 1] in words
    right = norm[end - 1:end + 1] in words
    if (left and right) if both else (left or right):
        return True
    # A four-character idiom around it (安居乐业 holds 乐业 county).
    return any(norm[k:k + 4] in words for k in range(max(0, end - 4), start + 1)
               if k < start or k + 4 > end)


def extract_places(sentence: str, norm: str, taken: list[tuple[int, int]]) -> list[Mention]:
    g = gazetteer()
    blocked = bytearray(len(norm))
    for s, e in taken:
        blocked[s:e] = b"\x01" * (e - s)
    mentions: list[Mention] = []
    i, n = 0, len(norm)
    while i < n:
        lengths = g.lengths.get(norm[i])
        found = 0
        if lengths and not blocked[i]:
            for length in lengths:
                form = norm[i:i + length]
                if i + length <= n and form in g.forms and not any(blocked[i:i + length]) \
                        and not _straddles_word(norm, i, i + length, g.words,
                                                both=form not in g.short_forms):
                    found = length
                    break
        if found and any(norm[i:i + k] in g.proper_names for k in range(found + 1, min(9, n - i + 1))):
            i += found  # 苏州河, 上海话: the place opens the name of something else (a river, a dialect)
            continue
        if found:
            entry = g.entries[g.forms[norm[i:i + found]]]
            mentions.append(_mention(entry, sentence, i, i + found))
            i += found
            continue
        abbr = g.abbreviations.get(norm[i])
        if abbr and i > 0 and norm[i - 1] in g.abbreviation_before and not blocked[i] \
                and norm.startswith(g.abbreviation_after, i + 1):
            mentions.append(_mention(g.entries[abbr], sentence, i, i + 1))
        i += 1
    return mentions
