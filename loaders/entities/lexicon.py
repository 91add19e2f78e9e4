"""Word lists and scanning helpers that several extractors share.

All functions work on folded text (see ``normalise``), where full-width punctuation is ASCII.
A *name* is found by its head noun (计划, 中心, 局 …) and scanned leftwards from it until a
boundary: punctuation, an ASCII digit, a function character (的 与 和 及 …), or the sentence
start. Its start is then moved past leading clause words (verbs, adverbs, determiners: the
``lead_words.txt`` list), so 建好教育系统党群服务中心 gives 教育系统党群服务中心.

Verbs are recognised from hand-vetted lists (``lead_words.txt``, ``strong_verbs.txt``) and from
jieba's dictionary (words tagged v, d or ad), through a private jieba tokenizer with no HMM so
that results never depend on user words other modules add to jieba's global tokenizer.
``name_verbs.txt`` lists the verbs that do occur inside names (推广基地, 审批服务局).
"""

import logging
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(rf"[{CJK}]")
# Characters that end a leftward name scan (folded text: full-width punctuation is ASCII).
BOUNDARY = set(",.;:!?()[]<>{}、。《》〈〉〔〕【】『』「」…—-～~/\\|\"'\n\t =+*&%#@$^_") | {"\u3000"}
# Function characters that end a scan: 的 marks a modifier clause, the others join phrases.
FUNCTION_CHARS = set("的与和及或等对向把将由各暨")
# Official department names that contain 和 (发展和改革委员会): 和 does not end a scan inside them.
_AND_NAMES = re.compile("发展和改革|经济和信息化|工业和信息化|人力资源和社会保障|住房和城乡建设|文化和旅游|"
                        "自然资源和规划|卫生和计划生育|科学技术和工业信息化|农业和农村|商务和口岸|"
                        "新闻出版和广电|教育和体育|文化广电和旅游|科学技术和|生态环境和")
_DENG_WORDS = "高平同均对相初中上"
QUOTE_OPEN, QUOTE_CLOSE = "“", "”"
_QUOTE_END = re.compile(f"[{QUOTE_CLOSE}\"]")
ORDINAL = re.compile(r"(?:第[一二三四五六七八九十百零〇\d]+[批届期轮次]|首[批个家所座项位]|新一轮|新一批|"
                     r"[一二两三四五六七八九十百千几数若干]+[个家所名位项批支座类种次届期轮])")
_LEVEL_ITEM = rf"(?:国家|全国|省|市|县|区|镇|校|[{CJK}]{{1,4}}?[省市县区])"
# 省、市 / 省、苏州市级 / 市级 / 太仓市级 / 国家级 / 省级以上: which level of a title or award,
# not a name part.
LEVEL = re.compile(rf"(?:{_LEVEL_ITEM}(?:[、和与及]{_LEVEL_ITEM})+级?|{_LEVEL_ITEM}级)(?:以上|及以上)?")


def _data_lines(name: str) -> list[str]:
    text = resources.files("loaders.entities").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def word_list(name: str) -> frozenset[str]:
    """Whitespace-separated words of a data file (``#`` lines are comments)."""
    return frozenset(w for line in _data_lines(name) for w in line.split())


@cache
def _longest_word(name: str) -> int:
    return max(map(len, word_list(name)))


def data_lines(name: str) -> tuple[str, ...]:
    return tuple(_data_lines(name))


def is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR.match(ch))


def is_level_comma(text: str, i: int) -> bool:
    """Whether ``text[i]`` is the 、 of a list of administrative levels (100所省、市艺术特色学校,
    省、市、县级): a 、 right after a level character. Callers add what the context needs."""
    return text[i] == "、" and i >= 1 and text[i - 1] in "省市县区级"


def protected_and(text: str) -> set[int]:
    """Positions of 和 that belong to an official department name."""
    return {m.start() + m.group(0).index("和") for m in _AND_NAMES.finditer(text)}


def scan_left(text: str, end: int, max_len: int = 24, *, quotes: bool = True,
              stop: frozenset[int] = frozenset()) -> int:
    """Start of the name-like run that ends at ``end``: CJK characters (and, with ``quotes``,
    whole “quoted” names without list punctuation inside) back to the first boundary. A 、 right
    after a level (省、苏州市级) is crossed, so award levels can be stripped as a whole.
    ``stop`` holds positions that may not be crossed (other entities' ends)."""
    ands = protected_and(text[max(0, end - max_len - 8):end])
    offset = max(0, end - max_len - 8)
    i = end
    while i > 0 and end - i < max_len:
        if i in stop:
            break
        ch = text[i - 1]
        if ch in (QUOTE_CLOSE, '"') and quotes:
            j = text.rfind(QUOTE_OPEN, max(0, end - max_len), i - 1)  # further back is too far
            inner = text[j + 1:i - 1] if j >= 0 else ""
            if j < 0 or not inner or any(c in inner for c in "、,;。") or end - j > max_len:
                break
            i = j
            continue
        if is_level_comma(text, i - 1) and (i < 3 or not is_cjk(text[i - 3])
                                                                  or text[i - 3] in FUNCTION_CHARS
                                                                  or _ends_lead(text, i - 2)):
            i -= 1
            continue
        if ch == "和" and ((i - 1 - offset) in ands or _in_proper_name(text, i - 1)):
            i -= 1  # 科学技术和信息化局, 北京协和医院: 和 inside a name
            continue
        if ch == "等" and i >= 2 and text[i - 2] in _DENG_WORDS:
            i -= 1  # 高等, 平等: not the list-closing 等
            continue
        if ch in FUNCTION_CHARS or ch in BOUNDARY or ch.isdigit() or not (is_cjk(ch) or ch in "·"):
            break
        i -= 1
    if 0 < i < end and text[i - 1] in FUNCTION_CHARS:
        # The function character opened a clause word (对照, 由于): the name starts after it.
        words = word_list("lead_words.txt")
        for n in range(5, 1, -1):
            if i - 1 + n < end and text[i - 1:i - 1 + n] in words:
                return i - 1 + n
    return i


def _ends_lead(text: str, pos: int) -> bool:
    """Whether a clause word ends right before ``pos``."""
    return any(text.endswith(w, 0, pos) for w in word_list("lead_words.txt") if len(w) >= 2)


# jieba's tags of proper nouns: personal names (also the pieces of an unknown name), other
# proper nouns and organisations; with place names, PROPER_TAGS.
NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "nz", "nt"})
PROPER_TAGS = NAME_TAGS | {"ns"}


def _word_at(text: str, i: int) -> str:
    """The token of jieba's segmentation of the text around ``i`` that holds the character."""
    start = max(0, i - 3)
    offset = start
    for token in tokens(text[start:i + 4]):
        if offset <= i < offset + len(token):
            return token
        offset += len(token)
    return text[i]


def _in_proper_name(text: str, i: int) -> bool:
    """Whether the character at ``i`` is inside a word that jieba's dictionary tags as a
    proper name (协和 in 北京协和医院), not a word of its own."""
    word = _word_at(text, i)
    return len(word) > 1 and word_tag(word) in PROPER_TAGS


def inside_word(text: str, i: int) -> bool:
    """Whether the character at ``i`` (a function character: 与, 和, 对 …) is part of a longer
    word of jieba's segmentation of the text around it (参与率, 和谐, 对象) rather than a word
    of its own."""
    return len(_word_at(text, i)) > 1


def is_deng_word(text: str, i: int) -> bool:
    """Whether the 等 at ``i`` belongs to a word (高等, 平等) rather than closing a list."""
    return text[i] == "等" and i > 0 and text[i - 1] in _DENG_WORDS


def cut_after_verbs(text: str, start: int, end: int, keep: int = 1) -> int:
    """Move ``start`` past the last strong clause verb in the span, its first character
    included (社区教育要指导创建科教新城社区教育中心 -> 科教新城社区教育中心; 入选国家重大人才工程
    -> 国家重大人才工程): a name does not contain 开展, 加强, 创建 … A resultative 成/为 after
    the verb goes with it (打造成城市治理共同体 -> 城市治理共同体)."""
    verbs = word_list("strong_verbs.txt")
    lead = word_list("lead_words.txt")
    cut = start
    for i in range(start, end - keep):
        for n in (4, 3, 2):
            if text[i:i + n] in verbs and end - (i + n) >= keep:
                after = i + n + 1 if text[i + n:i + n + 1] in ("成", "为") and end - (i + n + 1) >= keep else i + n
                cut = max(cut, after)
        # A modal verb before a clause word (教育部门要定期组织学校) ends what came before.
        if text[i] in "要应须" and any(text.startswith(w, i + 1) for w in lead if len(w) >= 2):
            cut = max(cut, i + 1)
    return strip_lead(text, cut, end, keep) if cut > start else cut


_CLASSIFIER = re.compile(r"人次|[个家所名位项批支座类种期届次人]")
# Suffixes that turn a verb into a modifier of the noun after it (保障性, 创新型, 规范化).
_MODIFIER_SUFFIXES = frozenset("性型化式")


@lru_cache(maxsize=1)
def _dictionary() -> tuple[Any, frozenset[str], frozenset[str]]:
    """A private jieba tokenizer (so user words that other modules add to jieba's global one do
    not change these results), the words its dictionary tags as plain verbs or adverbs (v, d,
    ad), seen at least 20 times, less the verbs that occur inside names (``name_verbs.txt``),
    and the words it tags as verbal nouns (vn: 建设, 服务, 管理)."""
    import jieba

    tokenizer = jieba.Tokenizer()
    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)  # jieba announces its dictionary loading at INFO
    try:
        tokenizer.initialize()
    finally:
        logger.setLevel(level)
    # Zones the dictionary lacks (经开区, 自创区) are words: otherwise 经 reads as a verb.
    for head in word_list("facility_heads.txt"):
        if len(head) >= 3 and head.endswith("区") and head not in tokenizer.FREQ:
            tokenizer.add_word(head)
    verbs = set()
    verbal_nouns = set()
    path = resources.files("jieba").joinpath("dict.txt")
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and 2 <= len(parts[0]) <= 4 and int(parts[1]) >= 20:
                if parts[2] in ("v", "d", "ad"):
                    verbs.add(parts[0])
                elif parts[2] == "vn":
                    verbal_nouns.add(parts[0])
    return tokenizer, frozenset(verbs - word_list("name_verbs.txt")), frozenset(verbal_nouns)


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    """jieba's part-of-speech tag of each dictionary word."""
    out = {}
    with resources.files("jieba").joinpath("dict.txt").open("r", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                out[parts[0]] = parts[2]
    return out


def word_tag(word: str) -> str | None:
    """jieba's dictionary tag of a word (t time, m numeral, q classifier, v verb …), if any."""
    return _tags().get(word)


def cut_after_dictionary_verbs(text: str, start: int, end: int, keep: int = 1) -> int:
    """Move ``start`` past the verb and adverb tokens the span opens with (jieba's dictionary,
    no HMM): 严厉查处长春长生公司 -> 长春长生公司, 撬动银行 -> 银行. Verbs further in are kept
    (技术转移转化中心). At least ``keep`` + 1 characters stay (派驻纪检监察组 stays whole). A
    classifier that a number leaves behind is dropped too (组建50个美育大师工作室 -> 美育大师工作室)."""
    tokenizer, verbs, _ = _dictionary()
    cut = start
    if cut > 0 and text[cut - 1].isdigit():
        cut = cut_after_classifier(text, cut)
    for token in tokenizer.cut(text[cut:end], HMM=False):
        verb_like = token in verbs or (len(token) == 4 and token[:2] in verbs and token[2:] in verbs)
        if not verb_like or end - (cut + len(token)) <= keep:
            break
        cut += len(token)
    return cut


def tokens(text: str) -> list[str]:
    """jieba's dictionary segmentation of ``text`` (no HMM), from the private tokenizer."""
    return list(_segmentation(text))


@lru_cache(maxsize=4096)
def _segmentation(text: str) -> tuple[str, ...]:
    """Remembered: the extractors cut the same short spans around each candidate many times."""
    tokenizer, _, _ = _dictionary()
    return tuple(tokenizer.cut(text, HMM=False))


def is_verb_like(word: str) -> bool:
    """A dictionary verb or adverb, or a clause word: 保证, 增长, 最高, 新建."""
    _, verbs, _ = _dictionary()
    return word in verbs or word in word_list("lead_words.txt") or \
        (len(word) == 4 and word[:2] in verbs and word[2:] in verbs)


def is_verbal_noun(word: str) -> bool:
    """A word jieba's dictionary tags as a verbal noun (建设, 服务, 管理): inside a noun phrase
    it modifies the noun after it (环境建设示范学校) rather than opening a clause."""
    return word in _dictionary()[2]


def cut_after_classifier(text: str, start: int) -> int:
    """Skip the classifier a number leaves in front of a name (5个项目 -> 项目)."""
    m = _CLASSIFIER.match(text, start)
    return m.end() if m else start


def strip_lead(text: str, start: int, end: int, keep: int = 1) -> int:
    """Move ``start`` past leading clause words (verbs, adverbs, determiners) and time words
    (jieba's tag t: 年内, 今年, 目前), keeping at least ``keep`` characters before ``end``. A
    word that opens a longer dictionary word (建设用地, 应用型) or takes a modifier suffix
    (保障性, 创新型) is part of the name."""
    words = word_list("lead_words.txt")
    longest = _longest_word("lead_words.txt")
    moved = True
    while moved:
        moved = False
        first = tokens(text[start:end])[0] if start < end else ""
        if word_tag(first) == "t" and end - start - len(first) >= keep:
            start += len(first)  # 年内学府路中学 -> 学府路中学
            moved = True
            continue
        for n in range(min(longest, end - start - keep), 0, -1):
            if text[start:start + n] in words:
                if len(tokens(text[start:end])[0]) > n:
                    continue  # 应用型大学, 共建国家, 建设用地: the word opens a longer one here
                if text[start + n:start + n + 1] in _MODIFIER_SUFFIXES:
                    continue  # 保障性住房, 创新型企业: the suffix makes the verb a modifier
                start += n
                moved = True
                break
    return start


def strip_qualifiers(text: str, start: int, end: int, keep: int = 1) -> int:
    """Move ``start`` past batch ordinals (第三批, 首批) and award levels (省、市 / 苏州市级)."""
    moved = True
    while moved and start < end:
        moved = False
        for pattern in (ORDINAL, LEVEL):
            m = pattern.match(text, start, end)
            if m and m.end() - start > 0 and end - m.end() >= keep:
                start = m.end()
                moved = True
    return start


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every “…” quotation, quotes included. Some documents close with an ASCII
    quote (“12345"政务热线), which is accepted too."""
    spans = []
    i = text.find(QUOTE_OPEN)
    while i >= 0:
        # One search for either closer: a find per closer would rescan to the end of the text
        # for a closer that never comes, at every quotation.
        close = _QUOTE_END.search(text, i + 1)
        if close is None:
            break
        j = close.start()
        spans.append((i, j + 1))
        i = text.find(QUOTE_OPEN, j + 1)
    return spans
