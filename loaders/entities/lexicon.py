"""Word lists and scanning helpers that several extractors share.

All functions work on folded text (see ``normalise``), where full-width punctuation is ASCII.
A *name* is found by its head noun (计划, 中心, 局 …) and scanned leftwards from it until a
boundary: punctuation, an ASCII digit, a function character (的 与 和 及 …), or the sentence
start. Its start is then moved past leading clause words (verbs, adverbs, determiners: the
``lead_words.txt`` list), so 建好教育系统党群服务中心 gives 教育系统党群服务中心.
"""

import re
from functools import lru_cache
from importlib import resources

CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(rf"[{CJK}]")
# Characters that end a leftward name scan (folded text: full-width punctuation is ASCII).
BOUNDARY = set(",.;:!?()[]<>{}、。《》〈〉〔〕【】『』「」…—-～~/\\|\"'\n\t =+*&%#@$^_") | {"\u3000"}
# Function characters that end a scan: 的 marks a modifier clause, the others join phrases.
FUNCTION_CHARS = set("的与和及或等对在向把将由从")
# Official department names that contain 和 (发展和改革委员会): 和 does not end a scan inside them.
_AND_NAMES = re.compile("发展和改革|经济和信息化|工业和信息化|人力资源和社会保障|住房和城乡建设|文化和旅游|"
                        "自然资源和规划|卫生和计划生育|科学技术和工业信息化|农业和农村|商务和口岸|"
                        "新闻出版和广电|教育和体育|文化广电和旅游|科学技术和|生态环境和")
QUOTE_OPEN, QUOTE_CLOSE = "“", "”"
ORDINAL = re.compile(r"(?:第[一二三四五六七八九十百零〇\d]+[批届期轮次]|首批|新一轮|新一批|"
                     r"[一二两三四五六七八九十百千几数若干]+[个家所名位项批支座类种次届期轮])")
_LEVEL_ITEM = rf"(?:国家|全国|省|市|县|区|镇|校|[{CJK}]{{1,4}}?[省市县区])"
# 省、市 / 省、苏州市级 / 市级 / 太仓市级 / 国家级: which level of a title or award, not a name part.
LEVEL = re.compile(rf"(?:{_LEVEL_ITEM}(?:[、和与及]{_LEVEL_ITEM})+级?|{_LEVEL_ITEM}级)")


def _data_lines(name: str) -> list[str]:
    text = resources.files("loaders.entities").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=None)
def word_list(name: str) -> frozenset[str]:
    """Whitespace-separated words of a data file (``#`` lines are comments)."""
    return frozenset(w for line in _data_lines(name) for w in line.split())


def data_lines(name: str) -> tuple[str, ...]:
    return tuple(_data_lines(name))


def is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR.match(ch))


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
            j = text.rfind(QUOTE_OPEN, 0, i - 1)
            inner = text[j + 1:i - 1] if j >= 0 else ""
            if j < 0 or not inner or any(c in inner for c in "、,;。") or end - j > max_len:
                break
            i = j
            continue
        if ch == "、" and i >= 2 and text[i - 2] in "省市县区级" and (i < 3 or not is_cjk(text[i - 3])
                                                                  or text[i - 3] in FUNCTION_CHARS
                                                                  or _ends_lead(text, i - 2)):
            i -= 1
            continue
        if ch == "和" and (i - 1 - offset) in ands:
            i -= 1
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


def cut_after_verbs(text: str, start: int, end: int, keep: int = 1) -> int:
    """Move ``start`` past the last strong clause verb inside the span (社区教育要指导创建科教新城
    社区教育中心 -> 科教新城社区教育中心): a name does not contain 开展, 加强, 创建 …"""
    verbs = word_list("strong_verbs.txt")
    cut = start
    for i in range(start + 1, end - keep):
        for n in (4, 3, 2):
            if text[i:i + n] in verbs and end - (i + n) >= keep:
                cut = max(cut, i + n)
    return cut


# Verbs that do occur inside names of bodies (推广基地, 孵化器, 审批服务局): never cut at them.
_NAME_VERBS = frozenset("推广 孵化 促进 创新 干预 体验 审批 监管 执法 保障 督导 转化 检测 检验 认证 交易 救助 展示 "
                        "开发 实训 实践 实验 示范 研发 监测 评价 指导 组织 防治 预防 康复 培养 提升 提高 科普 "
                        "援助 调解 仲裁 发展 改革 合作 交流 服务 管理 研究 教育 培训 自治 应急 退役 统计 审计 扶贫 "
                        "招商 信访 征收 拆迁 接待 税务 稽查 监察 考试 招生 评审 鉴定 登记 出入境 监督 治理".split())
_CLASSIFIER = re.compile(r"[个家所名位项批支座类种期届次]")


@lru_cache(maxsize=1)
def dictionary_verbs() -> frozenset[str]:
    """Two- to four-character words that jieba's dictionary tags as plain verbs (v), seen at
    least 100 times in its corpus, less ``_NAME_VERBS``: a body's name does not contain them,
    so a candidate name starts after the last one (严厉查处长春长生公司 -> 长春长生公司)."""
    path = resources.files("jieba").joinpath("dict.txt")
    verbs = set()
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "v" and 2 <= len(parts[0]) <= 4 and int(parts[1]) >= 100:
                verbs.add(parts[0])
    return frozenset(verbs - _NAME_VERBS)


def cut_after_dictionary_verbs(text: str, start: int, end: int, keep: int = 1) -> int:
    """Like ``cut_after_verbs`` with every dictionary verb; also drops a classifier left
    behind by a number (组建50个美育大师工作室 -> 美育大师工作室)."""
    verbs = dictionary_verbs()
    cut = start
    for i in range(start, end - keep):
        for n in (4, 3, 2):
            if i + n <= end - keep and text[i:i + n] in verbs:
                cut = max(cut, i + n)
    if cut < end - keep and _CLASSIFIER.match(text, cut) and cut > 0 and text[cut - 1].isdigit():
        cut += 1
    return cut


def cut_after_classifier(text: str, start: int) -> int:
    """Skip the classifier a number leaves in front of a name (5个项目 -> 项目)."""
    return start + 1 if _CLASSIFIER.match(text, start) else start


def strip_lead(text: str, start: int, end: int, keep: int = 1) -> int:
    """Move ``start`` past leading clause words (verbs, adverbs, determiners), keeping at
    least ``keep`` characters before ``end``."""
    words = word_list("lead_words.txt")
    longest = max(len(w) for w in words)
    moved = True
    while moved:
        moved = False
        for n in range(min(longest, end - start - keep), 0, -1):
            if text[start:start + n] in words:
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
        j = min((k for k in (text.find(QUOTE_CLOSE, i + 1), text.find('"', i + 1)) if k >= 0), default=-1)
        if j < 0:
            break
        spans.append((i, j + 1))
        i = text.find(QUOTE_OPEN, j + 1)
    return spans
