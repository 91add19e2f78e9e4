"""Places: Chinese administrative divisions, regional groupings and foreign countries.

Rules (the gazetteer module says which names and forms exist):
- Matching is leftmost-longest over the folded sentence (上海市 is one mention of 上海, not
  上海 plus a stray 市), outside spans already taken by documents, institutions and programmes:
  a place named inside an institution's or a document's name is not a place mention (DESIGN.md).
  Nor is a place that opens a longer CC-CEDICT proper noun that is not a place: a river, a
  lake, an organisation, a dialect (苏州河, 上海合作组织, 遵义会议).
- A place is a word of its own: its span must start and end on token boundaries of jieba's
  segmentation of the text between the names already taken (jieba's dictionary, through
  ``lexicon.tokens``), so a place inside a longer dictionary word is not a mention (金沙 in 金沙遗址
  is not; 南昆山, 兴安岭, 台湾同胞, 大庆油田 are words of their own), and where the longest
  form cuts a word (海南区|域) a shorter form is tried (海南). Nor is a place that forms one
  half of a four-character coordinate compound with a non-place (金山银山: same second
  character; 三河三湖: same leading numeral), nor one that opens a facility's or a feature's
  name (``facility_heads.txt``: 滨州港, 广州东站; the far end of a route is a place: 巴中至南充
  高铁). The segmentation also keeps forms out of words (和政治, 隆重庆祝).
- A county's short form (兴业, 正阳) counts only where the context supports it (see
  ``_county_supported``); a name several divisions share (鼓楼区) only as the document's own
  region's (``region``); a district's short form that is not matched elsewhere (滨城 for
  滨城区) only in its own city's documents.
- A foreign country is also named by one character after 对/中/赴/与/同 when a relation word
  follows (对德友好学校 -> 德国; 对德育 is not matched because 育 is not a relation word), and a
  division after 驻/来/在/赴… when a word for who or what is there follows (驻川单位 -> 四川;
  驻滨部队 in a 滨州 document -> 滨州): the province by its standard abbreviation, one of
  the document's own divisions by a character of its name (滨 for 滨州, 堰 for 十堰); and two
  divisions named so, one character each, before a word of their cooperation (京堰对口协作).
- A place that closes a slogan (a quality word and the place: 品质滨州, 美丽北京建设, 健康乐山
  加快建设) is part of it, not a mention (``_slogan``).
- The mention carries the English name, level, the places it is PART_OF (``parents``: its
  administrative parent and its groupings) and, for a grouping, its ``members``.
"""

import re
from bisect import bisect_right
from functools import lru_cache

from loaders.entities.gazetteer import (
    DIVISION_LEVELS,
    PROVINCE_LEVELS,
    PlaceEntry,
    children,
    gazetteer,
    place_entry,
    short_division,
)
from loaders.entities.lexicon import CJK, is_cjk, is_verb_like, quoted_spans, tokens, word_list, word_tag
from loaders.entities.mention import Mention

_NUMERALS = frozenset("一二三四五六七八九十两百千万")
_DETERMINERS = frozenset("全本该各我外")
_LINKS = frozenset("至—－-、")  # between the ends of a route or the items of a list
_DIVISION_TYPES = frozenset("省市州县区旗盟")


def _mention(entry: PlaceEntry, sentence: str, start: int, end: int) -> Mention:
    return Mention(label="Place", name=entry.name, text=sentence[start:end], start=start, end=end,
                   aliases=tuple(entry.aliases), name_en=entry.name_en, level=entry.level,
                   parents=tuple(entry.parents), members=tuple(entry.members))


_CLAUSE_ENDS = frozenset("，。；：、！？,.;:!?（）()《》“”\"'\n\t ")


class _WordEdges:
    """Whether a token of jieba's segmentation starts at a position. The text is segmented
    lazily, one clause at a time (between punctuation and taken spans), and only where a
    place form is tried, so text without place names costs no segmentation."""

    def __init__(self, norm: str, blocked: bytearray) -> None:
        self._norm = norm
        self._blocked = blocked
        self._edges = bytearray(len(norm) + 1)
        self._segmented = bytearray(len(norm) + 1)

    def _in_clause(self, i: int) -> bool:
        return not self._blocked[i] and self._norm[i] not in _CLAUSE_ENDS

    def __getitem__(self, i: int) -> bool:
        n = len(self._norm)
        if i <= 0 or i >= n or not self._in_clause(i) or not self._in_clause(i - 1):
            return True
        if not self._segmented[i]:
            start = i - 1
            while start > 0 and self._in_clause(start - 1):
                start -= 1
            end = i
            while end < n and self._in_clause(end):
                end += 1
            pos = start
            for token in tokens(self._norm[start:end]):
                self._edges[pos] = 1
                pos += len(token)
            self._segmented[start:end] = b"\x01" * (end - start)
        return bool(self._edges[i])

    def word(self, i: int, j: int) -> bool:
        """Whether ``i..j`` is one token."""
        return self[i] and self[j] and not any(self._edges[i + 1:j])


class _AllEdges:
    def __getitem__(self, i: int) -> bool:
        return True

    def word(self, i: int, j: int) -> bool:
        return False


# jieba's tags of the words that may stand between a place and the head of the name it opens
# (滨州|黄河|大桥, 滨州|民用|运输|机场, 泉州市|教育资源|公共服务|平台): nouns, not verbs or particles;
# nr too, as jieba reads the pieces of a name it does not know as personal names (酒泉|肃|州|洪水|河水库).
_NAME_WORD_TAGS = frozenset({"n", "nz", "nr", "ns", "nt", "ng", "vn", "b", "j", "a", "an"})
_NAME_REACH = 10  # characters between the place and the head: a name, not a clause
_LEVEL_WORDS = ("国家级", "省级", "市级", "县级", "区级")


def _opens_a_facility_name(norm: str, start: int, end: int, edges: "_WordEdges | _AllEdges") -> bool:
    """The place opens the name of a facility or a feature: the head of such a name follows it
    as a word of its own (滨州港, 广州东站), directly or after the words of a name: nouns,
    adjectives and the verbs that names hold (滨州黄河大桥, 泉州市教育资源公共服务平台, 阿坝州共享交换
    平台; not 上海打造科创平台, where a clause verb comes between), unless the place is the far
    end of a route (巴中至南充高铁: the railway runs to 南充)."""
    if start > 0 and norm[start - 1] in "至—－-":
        return False
    heads = word_list("facility_heads.txt")
    # A head of three characters or more is one even where the dictionary cuts it (经|开|区).
    if any(norm.startswith(h, end) and (edges.word(end, end + len(h))
                                        or (len(h) >= 3 and edges[end] and edges[end + len(h)]))
           for h in heads):
        return True
    if norm.startswith(_LEVEL_WORDS, end):
        return False  # 邹平省级高新区: the level separates the owner from its zone
    if isinstance(edges, _AllEdges):
        return False
    stop = next((k for k in range(end, min(len(norm), end + _NAME_REACH + 4)) if norm[k] in _CLAUSE_ENDS),
                min(len(norm), end + _NAME_REACH + 4))
    position = end
    strong = word_list("strong_verbs.txt")
    long_heads = tuple(h for h in heads if len(h) > 1)
    after_verb = False
    for token in tokens(norm[end:stop]):
        if (position > end and token in heads) or \
                (token.endswith(long_heads) and token not in heads and token not in gazetteer().forms):
            return True  # 平台, or a word that ends in one (开放平台; 临夏|地质公园, but not 黄石|黄石港区)
        if word_tag(token) in ("p", "c", "u", "uj"):
            return False  # 乐山籍运动员在大运会: a preposition or a conjunction ends the name
        verb = (is_verb_like(token) or word_tag(token) == "v") and token not in strong \
            and not any(ch in _LINKS for ch in token)
        noun = word_tag(token) in _NAME_WORD_TAGS and not verb
        # A name's verbs come right before its head (共享交换平台); a noun after a verb is the
        # verb's object, so the place is the subject of a clause (汕头规划建设大型主题公园).
        if not (verb or (noun and not after_verb)) or position + len(token) - end > _NAME_REACH:
            return False
        after_verb = after_verb or verb
        position += len(token)
    return False


_SLOGAN_TAGS = frozenset({"a", "an", "n", "nz"})
# jieba tags some quality words as names (美丽 ns, 智慧 nr, 文明 nr): a name tag counts where
# CC-CEDICT reads the word as a common word.
_QUALITY_NAME_TAGS = frozenset({"ns", "nr"})
_SLOGAN_OPENERS = frozenset({"v", "vn", "d", "uj", "c", "p", "q", "m"})  # q, m: 15个美丽四川建设先行县
_SLOGAN_WINDOW = 8
_SLOGAN_ENDS = ("建设", "篇章", "画卷", "品牌", "战略")  # what a slogan is followed by, besides a clause end


def _slogan(norm: str, start: int, end: int, blocked: bytearray) -> bool:
    """The place closes a slogan, a quality word and the place (品质滨州建设, 平安江苏和法治江苏,
    “电动贵州”): a two-character adjective or noun of the same clause, not a place, comes right
    before it, and right after it a clause end, a conjunction, a slogan's noun (建设, 篇章) or
    the slogan's predicate (健康乐山加快建设, 品质滨州蒸蒸日上: a verb or an adverb). After a verb,
    an adjective makes a slogan of the place whatever follows (启动健康四川高质量发展试验县)."""
    closed = end == len(norm) or norm[end] in _CLAUSE_ENDS or norm[end] in "和与的等" \
        or norm.startswith(_SLOGAN_ENDS, end) or (norm.startswith(_SLOGAN_ENDS, end + 1) and norm[end] == "新") \
        or _predicate_follows(norm, end, blocked)
    # The two words before the place, read from a few characters of its clause (a bounded
    # window: a long run of names must not be segmented again for each of them).
    clause = start
    while clause > max(0, start - _SLOGAN_WINDOW) and norm[clause - 1] not in _CLAUSE_ENDS \
            and not blocked[clause - 1]:
        clause -= 1
    if clause == start:
        return False
    words = tokens(norm[clause:start])
    quality, tag = words[-1], word_tag(words[-1])
    common = tag in _SLOGAN_TAGS or (tag in _QUALITY_NAME_TAGS and quality in gazetteer().common_words)
    if len(quality) != 2 or not common or is_verb_like(quality) or quality in gazetteer().forms:
        return False  # 落地四川: a verb the dictionary also tags as a noun; 河源龙川: a place in its parent
    before = words[-2] if len(words) > 1 else None
    if not closed:
        # An adjective after a verb makes a slogan of the place wherever the phrase goes on
        # (启动健康四川高质量发展试验县); at a clause's start it may be a verb itself (便利澳门居民).
        return tag == "a" and before is not None and (is_verb_like(before) or word_tag(before) in ("v", "vn"))
    # The slogan opens its phrase: after a verb, a particle, a conjunction or a count (推进平安江苏,
    # 更高水平的平安上海, 15个美丽四川), not after a noun whose action the word is (人才落户太仓市).
    return before is None or is_verb_like(before) or word_tag(before) in _SLOGAN_OPENERS


def _predicate_follows(norm: str, end: int, blocked: bytearray) -> bool:
    """The first word after ``end`` opens a predicate: a verb or an adverb (加快, 扎实, 蒸蒸日上)."""
    stop = end
    while stop < min(len(norm), end + _SLOGAN_WINDOW) and norm[stop] not in _CLAUSE_ENDS and not blocked[stop]:
        stop += 1
    if stop == end:
        return False
    word = tokens(norm[end:stop])[0]
    return is_verb_like(word) or word_tag(word) in ("v", "d", "ad", "i")


_PLACE_LIST_LINKS = frozenset("、,，—－-+·/和与及")


class _NameQuotes:
    """The “quotations” of a sentence that are names: a brand, campaign, slogan or title
    (“滨州微警务”, “千企万岗·就在滨州”, “大戏看北京”). A place inside one is part of that name,
    not a mention; a quotation that holds nothing but places and links (“深圳—香港—广州”,
    “澳门+横琴”) still names them. Each quotation is judged once, when a place is found in it."""

    def __init__(self, norm: str) -> None:
        self._norm = norm
        self.spans = quoted_spans(norm) if "“" in norm else []  # in order, not nested
        self._judged: dict[int, bool] = {}

    def encloses(self, start: int, end: int) -> bool:
        k = bisect_right(self.spans, (start, 1 << 62)) - 1  # the last quotation opening at or before start
        if k < 0:
            return False
        s, e = self.spans[k]
        if not (s < start and end < e):
            return False  # quotations do not nest: an earlier one closed before this one
        if k not in self._judged:
            self._judged[k] = not _only_places(self._norm[s + 1:e - 1])
        return self._judged[k]


def _only_places(text: str) -> bool:
    g = gazetteer()
    i = 0
    while i < len(text):
        if text[i] in _PLACE_LIST_LINKS:
            i += 1
            continue
        length = next((k for k in g.lengths.get(text[i], ()) if text[i:i + k] in g.forms), 0)
        if not length:
            return False
        i += length
    return True


@lru_cache(maxsize=4096)
def _province_of(name: str) -> str | None:
    entry = place_entry(name)
    for _ in range(4):
        if entry is None or entry.level in PROVINCE_LEVELS:
            return entry.name if entry else None
        parent = next((p for p in entry.parents if (pe := place_entry(p)) and pe.level != "region"), None)
        entry = place_entry(parent) if parent else None
    return None


def _county_supported(name: str, norm: str, before: list[Mention], start: int, end: int,
                      region: tuple[str, ...]) -> bool:
    """A county's short form (兴业, 龙江, 正阳) is also a word, a nickname or part of a name; it
    names the county where the context supports it: the document's own province
    holds it; its province or city is named right before it (四川芦山); or it is one end of a
    route or an item of a list of places (南雄至信丰, 开江至梁平, 潼南、长寿)."""
    entry = place_entry(name)
    if entry is None or entry.level not in ("county", "district"):
        return True
    if entry.level == "district":
        return True  # the short forms admitted for districts are the municipalities' (嘉定, 浦东)
    province = _province_of(name)
    if region and province and _province_of(region[-1]) == province:
        return True
    if norm[end:end + 1] in ("市", "县", "旗"):
        return True  # its full name is written (太仓市级: the 市 went with 级)
    previous = before[-1] if before else None
    if previous is not None and previous.end == start and \
            (previous.name in entry.parents or previous.name == province):
        return True
    if previous is not None and previous.end == start and previous.level in ("county", "district") \
            and _province_of(previous.name) == province:
        return True  # 甘肃岷县漳县: a run of the province's counties
    return _listed(norm, before, start, end)


_LIST_FOLLOWERS = _LINKS | _CLAUSE_ENDS | {"", "等", "和", "及", "与"}
_ENUMERATION = frozenset("、")


def _listed(norm: str, before: list[Mention], start: int, end: int, *,
            links: frozenset[str] = _LINKS, closed: bool = False) -> bool:
    """Whether a name stands in a list of places or a route: a place and a link right before
    it, or a link and a place form right after it. With ``closed`` that form must itself be
    followed by a link or a clause end (黄山、池州、…; not 峨眉山、乐山大佛, where 乐山 opens
    the name of a site)."""
    previous = before[-1] if before else None
    if previous is not None and previous.end == start - 1 and norm[start - 1] in links:
        return True
    g = gazetteer()
    return end + 1 < len(norm) and norm[end] in links and any(
        norm[end + 1:end + 1 + k] in g.forms
        and (not closed or norm[end + 1 + k:end + 2 + k] in _LIST_FOLLOWERS)
        for k in g.lengths.get(norm[end + 1], ()))


def _coordinate_compound(norm: str, start: int, end: int) -> bool:
    """The place's two characters and the two after them make a coordinate compound with a
    non-place: 金山银山 (same second character), 三河三湖 (same leading numeral)."""
    if end - start != 2 or end + 2 > len(norm):
        return False
    other = norm[end:end + 2]
    if other in gazetteer().forms or not all(is_cjk(ch) for ch in other):
        return False
    return other[1] == norm[start + 1] or (other[0] == norm[start] and norm[start] in _NUMERALS)


@lru_cache(maxsize=1)
def _regional_starts() -> frozenset[str]:
    g = gazetteer()
    return frozenset(name[0] for name in [*g.ambiguous, *g.local, *g.towns])


@lru_cache(maxsize=1)
def _regional_lengths() -> tuple[int, ...]:
    g = gazetteer()
    return tuple(sorted({len(name) for name in [*g.ambiguous, *g.local, *g.towns]}, reverse=True))


def _town(name: str, region: tuple[str, ...]) -> str | None:
    """A town or street named in a document of its own county or city (燕矶镇 in a 鄂州
    document): elsewhere the name is left alone, as many towns share names (建设街道)."""
    candidates = gazetteer().towns.get(name, [])
    for inner in region[:-1]:  # innermost first: the county's own town before another county's
        found = [c for county, city, c in candidates if inner in (county, city)]
        if found:
            return found[0] if len(found) == 1 else None
    return None


def _local(name: str, region: tuple[str, ...]) -> str | None:
    """A district's or county's short form that is matched only in its own city's documents
    (滨城 in a 滨州 document is 滨城区)."""
    found = [c for parent, _, c in gazetteer().local.get(name, []) if parent in region[:-1]]
    return found[0] if len(found) == 1 else None


def _listed_in_province(name: str, region: tuple[str, ...], norm: str, start: int, end: int,
                        before: list[Mention]) -> str | None:
    """A district's short form in a list of places of the document's province (凉州、陇西、康县3县区;
    镇原、崆峒2个产业园 in a 甘肃 document): the province's only division of that name."""
    g = gazetteer()
    found = [c for _parent, province, c in g.local.get(name, []) if province == region[-1]]
    return found[0] if len(found) == 1 and _listed(norm, before, start, end, links=_ENUMERATION) else None


def _in_region(name: str, region: tuple[str, ...]) -> str | None:
    """The canonical name of the division called ``name`` (鼓楼区, which several share) in the
    document's region (its locality's full names, innermost first): the one under the
    region's city or county, else the only one in its province."""
    candidates = gazetteer().ambiguous.get(name, [])
    for level_names in (region[:-1], region[-1:]):
        found = [c for parent, province, c in candidates
                 if parent in level_names or (level_names == region[-1:] and province in level_names)]
        if len(found) == 1:
            return found[0]
    return None


def leading_division(norm: str) -> tuple[int, PlaceEntry] | None:
    """The division a name opens with, and where: the innermost of the first run of divisions
    it names (北京市昌平区人民政府办公室 -> 昌平 at 0; places that are no division are passed)."""
    entry: PlaceEntry | None = None
    start = position = 0
    for m in extract_places(norm, norm, [], words=False):
        candidate = place_entry(m.name)
        if candidate is None or candidate.level not in DIVISION_LEVELS:
            continue
        if entry is not None and m.start != position:
            break
        if entry is None:
            start = m.start
        entry, position = candidate, m.end  # a division named inside its parent: the inner one
    return (start, entry) if entry else None


def extract_places(sentence: str, norm: str, taken: list[tuple[int, int]], *,
                   words: bool = True, region: tuple[str, ...] = ()) -> list[Mention]:
    """Every place the sentence names. ``words=False`` drops the word-boundary checks, to read
    the place that a name opens (吉林省人民政府办公厅 -> 吉林). ``region``: the full names of
    the document's locality, innermost first, with the province last (南京市, 江苏省): a name
    several divisions share is the region's own."""
    g = gazetteer()
    blocked = bytearray(len(norm))
    for s, e in taken:
        blocked[s:e] = b"\x01" * (e - s)
    edges: _WordEdges | _AllEdges = _WordEdges(norm, blocked) if words else _AllEdges()
    name_quotes = _NameQuotes(norm) if words else None
    quotations = name_quotes.spans if name_quotes else []
    mentions: list[Mention] = []
    heads: dict[int, re.Match[str] | None] = {}

    def region_head(end: int) -> re.Match[str] | None:
        """``_region_head`` at ``end``, looked for once (the edge test and the region's name)."""
        if end not in heads:
            heads[end] = _region_head(norm, end, blocked)
        return heads[end]

    i, n = 0, len(norm)
    while i < n:
        lengths = g.lengths.get(norm[i])
        found = 0
        if lengths and not blocked[i]:
            for length in lengths:
                form = norm[i:i + length]
                if len(form) == 2 and form[0] in _DETERMINERS and form[1] in _DIVISION_TYPES:
                    continue  # 全州, 本市: "the whole prefecture", not 全州 county
                if form in g.two_character_counties and i > 0 and norm[i - 1] in _DIVISION_TYPES \
                        and not (mentions and mentions[-1].end == i):
                    continue  # 各市和县: cities and counties, not 和县 (甘肃岷县漳县 names two)
                if i + length <= n and form in g.forms and not any(blocked[i:i + length]) \
                        and edges[i] and (edges[i + length] or (words and region_head(i + length))
                                          or (words and _area_end(norm, i + length, edges) > 0)) \
                        and not (words and _coordinate_compound(norm, i, i + length)) \
                        and not _opens_a_facility_name(norm, i, i + length, edges) \
                        and not (words and g.entries[g.forms[form]].level != "region"
                                 and _slogan(norm, i, i + length, blocked)) \
                        and (not words or form not in g.short_forms
                             or _county_supported(g.forms[form], norm, mentions, i, i + length, region)) \
                        and (not words or form not in g.mountains
                             or _listed(norm, mentions, i, i + length, closed=True)):
                    found = length
                    break
        if not found and words and region and (composite := _composite(norm, i, region, edges, blocked, quotations)):
            length, entry = composite
            mentions.append(_mention(entry, sentence, i, i + length))
            i += length
            continue
        if not found and words and (part := _province_part(norm, i, edges, blocked)):
            part_end, entry = part
            end = _area_end(norm, part_end, edges) or part_end  # 陇东地区 names 陇东
            mentions.append(_mention(entry, sentence, i, end))
            i = end
            continue
        if not found and region and norm[i] in _regional_starts() and not blocked[i]:
            for length in _regional_lengths():
                name = norm[i:i + length]
                canonical = _in_region(name, region) if name in g.ambiguous else \
                    (_local(name, region) or _listed_in_province(name, region, norm, i, i + length, mentions)) \
                    if name in g.local else \
                    _town(name, region) if name in g.towns else None
                if canonical and not any(blocked[i:i + length]) and edges[i] and edges[i + length] \
                        and not _opens_a_facility_name(norm, i, i + length, edges):
                    if name_quotes is None or not name_quotes.encloses(i, i + length):
                        mentions.append(_mention(g.entries[canonical], sentence, i, i + length))
                    found = -length
                    break
            if found:
                i -= found
                continue
        if found and words and norm.startswith(_COMPATRIOTS, i + found):
            i += found  # 港澳台同胞, 台湾同胞: people named by where they are from, not the place
            continue
        if found and words and _part_of_a_province(norm, i, norm[i:i + found]):
            i += found  # 川东北, 粤东西北: a part of a province, not the region of China
            continue
        if found and words and (head := region_head(i + found)):
            # 武汉城市圈, 成都平原经济区: the region the place gives its name to
            entry = _named_region(g.entries[g.forms[norm[i:i + found]]], norm[i:head.end()], head.group(2))
            mentions.append(_mention(entry, sentence, i, head.end()))
            i = head.end()
            continue
        if found and any(norm[i:i + k] in g.proper_names for k in range(found + 1, min(9, n - i + 1))):
            i += found  # 苏州河, 上海话: the place opens the name of something else (a river, a dialect)
            continue
        if found and name_quotes is not None and not norm.startswith("级", i + found) \
                and name_quotes.encloses(i, i + found):
            i += found  # part of a quoted name (苏州市级 is the level of an award: still a place)
            continue
        if found:
            entry = g.entries[g.forms[norm[i:i + found]]]
            end = (_area_end(norm, i + found, edges) if words else 0) or i + found
            mentions.append(_mention(entry, sentence, i, end))  # 北京地区 names 北京
            i = end
            continue
        if words and (pair := _abbreviated_pair(norm, i, region, blocked, edges)):
            for k, name in enumerate(pair):
                mentions.append(_mention(g.entries[name], sentence, i + k, i + k + 1))
            i += 2
            continue
        abbr = g.abbreviations.get(norm[i])
        if abbr and i > 0 and norm[i - 1] in g.abbreviation_before and not blocked[i] and edges[i] \
                and norm.startswith(g.abbreviation_after, i + 1) \
                and (name_quotes is None or not name_quotes.encloses(i, i + 1)):
            mentions.append(_mention(g.entries[abbr], sentence, i, i + 1))
        elif words and not blocked[i] and _stands_for_a_division(norm, i, edges) \
                and (division := _abbreviated_division(norm[i], region)):
            mentions.append(_mention(g.entries[division], sentence, i, i + 1))
        i += 1
    return mentions


_COMPATRIOTS = ("同胞", "侨胞")
_COMPOSITE_LENGTHS = (5, 4, 3)


@lru_cache(maxsize=64)
def _first_characters(region: tuple[str, ...]) -> dict[str, str]:
    """The divisions one level below each of the region's levels (a city's counties and
    districts, a province's cities), by the first character of their short names: a character
    that opens the names of two of them at one level names neither."""
    g = gazetteer()
    out: dict[str, str] = {}
    for parent in region:
        by_char: dict[str, list[str]] = {}
        for full in children(parent):
            by_char.setdefault(short_division(full)[0], []).append(g.forms[full])
        for char, names in by_char.items():
            if len(names) == 1:
                out.setdefault(char, names[0])
    return out


@lru_cache(maxsize=64)
def _name_characters(region: tuple[str, ...]) -> frozenset[str]:
    """Every character of the short names of the divisions right below the region's levels: an
    abbreviation may take any of them (莞 for 东莞), so a run of first characters that one of
    them follows is only part of a longer abbreviation (广深佛惠莞中)."""
    return frozenset(ch for parent in region for full in children(parent) for ch in short_division(full))


def _composite(norm: str, i: int, region: tuple[str, ...], edges: "_WordEdges | _AllEdges",
               blocked: bytearray, quotations: list[tuple[int, int]]) -> tuple[int, PlaceEntry] | None:
    """A grouping named by the first characters of its members (滨沾博惠 in a 滨州 document:
    滨城, 沾化, 博兴, 惠民; 金白兰武 in a 甘肃 one), at ``i``: three to five characters, each
    opening the name of a different division of the document's region, a word of its own that
    the dictionary does not know, not part of a longer abbreviation, a quoted name or a
    facility's name. Its entry has those divisions as members."""
    firsts = _first_characters(region)
    if blocked[i] or norm[i] not in firsts or (i > 0 and norm[i - 1] in firsts):
        return None
    g = gazetteer()
    for length in _COMPOSITE_LENGTHS:
        run = norm[i:i + length]
        if len(run) < length or not all(ch in firsts for ch in run) or any(blocked[i:i + length]):
            continue
        members = [firsts[ch] for ch in run]
        if len(set(members)) < length or not edges[i] or not edges[i + length] \
                or (i + length < len(norm) and norm[i + length] in _name_characters(region)) \
                or word_tag(run) is not None \
                or any(run[k:k + n] in g.forms for k in range(length) for n in range(2, length + 1 - k)) \
                or _opens_a_facility_name(norm, i, i + length, edges) \
                or _in_longer_quotation(quotations, i, i + length):
            continue
        name_en = "-".join(g.entries[m].name_en for m in members)
        return length, PlaceEntry(name=run, name_en=name_en, level="region", members=members)
    return None


# Heads of a region named after a place or a grouping (武汉城市圈, 成都平原经济区, 成渝地区双城经济圈).
_REGION_HEADS = {"双城经济圈": "Twin-City Economic Circle", "城市圈": "Metropolitan Circle",
                 "都市圈": "Metropolitan Area", "城市群": "City Cluster", "经济圈": "Economic Circle",
                 "经济区": "Economic Zone", "经济带": "Economic Belt"}
_REGION_HEAD = re.compile(rf"([{CJK}]{{0,4}}?)({'|'.join(sorted(_REGION_HEADS, key=len, reverse=True))})")


def _region_head(norm: str, end: int, blocked: bytearray) -> re.Match[str] | None:
    """The head of a region named after the place that ends at ``end`` (group 2; the match
    ends the region's name): right after it or after a few nouns (平原, 地区), none a verb."""
    m = _REGION_HEAD.match(norm, end)
    if not m or any(blocked[end:m.end()]):
        return None
    if m.group(2) == "经济区" and m.group(1) not in ("", "平原", "地区"):
        return None  # 湛江临港经济区: a development zone, not a planning region
    if m.group(1) and any(is_verb_like(w) or word_tag(w) in ("v", "p", "c", "u", "uj") for w in tokens(m.group(1))):
        return None
    return m


def _named_region(place: PlaceEntry, name: str, head: str) -> PlaceEntry:
    return PlaceEntry(name=name, name_en=f"{place.name_en} {_REGION_HEADS[head]}", level="region",
                      members=[place.name])


_DIRECTIONS = frozenset("东西南北中")


_COMPASS = {"东": "East", "西": "West", "南": "South", "北": "North", "中": "Central", "东北": "Northeast",
            "西北": "Northwest", "东南": "Southeast", "西南": "Southwest"}


def _province_part(norm: str, i: int, edges: "_WordEdges | _AllEdges", blocked: bytearray
                   ) -> tuple[int, PlaceEntry] | None:
    """A part of a province named by its one-character form and a direction (粤东, 苏北, 鲁西南,
    陇东), where the segmentation reads the two as one place name: a region PART_OF that
    province, named as written. Not 港 or 台 (港中大, 台北 name other things)."""
    g = gazetteer()
    province = g.division_abbreviations.get(norm[i])
    if province is None or norm[i] in "港台" or blocked[i] or not edges[i]:
        return None
    for end in (i + 3, i + 2):
        direction = norm[i + 1:end]
        if end <= len(norm) and direction in _COMPASS and not any(blocked[i:end]) \
                and edges.word(i, end) and word_tag(norm[i:end]) == "ns" and norm[i:end] not in g.forms \
                and norm[i:end] + "州" not in g.forms and not _opens_a_facility_name(norm, i, end, edges):
            # 黔南州 is a prefecture, not the south of 贵州; 苏南运河 is a canal
            name_en = f"{_COMPASS[direction]} {g.entries[province].name_en}"
            return end, PlaceEntry(name=norm[i:end], name_en=name_en, level="region", parents=[province])
    return None


def _part_of_a_province(norm: str, start: int, form: str) -> bool:
    """A direction region (东北, 西北) right after a province's one-character name or another
    direction names a part of that province (川东北, 粤东西北), not the region of China."""
    g = gazetteer()
    entry = g.entries[g.forms[form]]
    return entry.level == "region" and form[0] in _DIRECTIONS and start > 0 \
        and (norm[start - 1] in g.division_abbreviations or norm[start - 1] in _DIRECTIONS)


def _in_longer_quotation(quotations: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the span is inside a quotation (``quoted_spans`` of the sentence, in order, not
    nested) that holds more than it (“乌阿海满” for 阿海满)."""
    k = bisect_right(quotations, (start, 1 << 62)) - 1  # the last quotation opening at or before start
    if k < 0:
        return False
    s, e = quotations[k]
    return s < start and end < e and (s + 1, e - 1) != (start, end)


def _area_end(norm: str, end: int, edges: "_WordEdges | _AllEdges") -> int:
    """Where 地区 after a place ends, when the segmentation reads the two as one word (北京地区:
    the area of 北京, named by it); else 0."""
    if norm.startswith("地区", end) and not edges[end] and edges[end + 2]:
        return end + 2
    return 0


def _stands_for_a_division(norm: str, i: int, edges: "_WordEdges | _AllEdges") -> bool:
    """The character at ``i`` stands for a division where it is a word of its own after a word
    of being or going there (在京举办, 在川落地, 驻川部队: 京 and 川 are their own tokens; 驻京 is
    one), or before the word it is followed by in the gazetteer's list, or before 籍 (川籍运动员).
    Word edges keep a character inside a longer word out (在港口, 在台上, 在苏北)."""
    g = gazetteer()
    if i + 1 < len(norm) and norm[i + 1] == "籍":
        return edges[i] and edges[i + 1]
    if i == 0 or norm[i - 1] not in g.division_abbreviation_before:
        return False
    starts = edges[i] or (edges[i - 1] and edges.word(i - 1, i + 1))
    return starts and (edges[i + 1] or norm.startswith(g.division_abbreviation_after, i + 1))


def _abbreviated_division(char: str, region: tuple[str, ...]) -> str | None:
    """The division one character names between 驻/来/在… and 单位/部队/工作… (驻滨部队, 来川工作,
    来堰游客): one of the document's own divisions, innermost first, by a character of its name
    (滨 for 滨州, 堰 for 十堰, 龙 for 黑龙江), else a province by its standard abbreviation."""
    g = gazetteer()
    for name in region:
        if name in g.forms and char in short_division(name) and char not in _DIVISION_TYPES:
            return g.forms[name]
    return g.division_abbreviations.get(char)


# What follows two divisions named by one character each when they work together (京堰对口协作,
# 鲁渝协作, 龙粤、深哈对口合作).
_COOPERATION = ("对口", "协作", "合作", "帮扶", "结对")


def _abbreviated_pair(norm: str, i: int, region: tuple[str, ...], blocked: bytearray,
                      edges: "_WordEdges | _AllEdges") -> tuple[str, str] | None:
    """Two divisions named by one character each (``_abbreviated_division``) right before a
    word of their cooperation, or before another such pair and that word (龙粤、深哈对口合作): a
    pair the dictionary does not know as a word, starting a word of the segmentation."""
    if i + 3 > len(norm) or blocked[i] or blocked[i + 1] or not edges[i] or word_tag(norm[i:i + 2]) is not None:
        return None
    after = i + 2
    if not norm.startswith(_COOPERATION, after) and not (
            norm[after:after + 1] == "、" and norm.startswith(_COOPERATION, after + 3)):
        return None
    first, second = _abbreviated_division(norm[i], region), _abbreviated_division(norm[i + 1], region)
    return (first, second) if first and second and first != second else None
