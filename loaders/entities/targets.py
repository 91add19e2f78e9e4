"""Targets: quantities with their unit and what they count.

Rules:
- A target is an Arabic number or range (4-5, 3~5, 4至5) followed by a counting unit
  (``UNITS``: 名 所 位 个 家 项 人 % 万元 …; 万/亿 may precede the unit), or a Chinese numeral of
  ten or more (十个, 百支, 千支, 万个, 三千名; not 一个/两项, not inside an idiom, and not with
  人/元/家/户/亩/吨, where it is a rate or a name: 每千人口, 万元GDP, 千户苗寨).
- Comparators set one bound: 不少于/至少/超过 before or 以上 after the number, and 余/多 after
  it (30余所), set ``value_min`` only; 不超过/控制在 before or 以内/以下 after set ``value_max``
  only; the canonical value is then ≥30 or ≤45. 左右 after the number and 约/大约/近 before it
  set ``approximate`` (the bounds stay: 增长7%左右 is 7, approximately).
- Not targets: years and dates (2021年, 5月底: 年 月 日 are not units), ordinals (第二届: 第
  before the number), anniversaries (100周年), scores (0.5分), 文号 and numbered items (1号),
  numbers joined by + or × (2+1, 7×24小时), and numbers inside a cited document's title.
- What is counted (``counts``): the noun phrase after the unit; when a 的 follows, the part
  after the last 的 if a verb opens the phrase (a relative clause: 100名具备…资格证的兼职心理
  教师 -> 兼职心理教师), else the part before it (possessive: 50个部门的政务数据 -> 部门); a
  trailing 工作 is dropped (500位教师招聘工作 -> 教师招聘). A verb ends the phrase (80吨污泥焚烧厂
  开工建设 -> 污泥焚烧厂) unless it is inside a quoted name (40所“莆仙戏演唱基地学校”) or is a
  verbal noun with a noun after it (环境建设示范学校; 实验室优化重组 ends at 优化). A phrase of
  verbs and adverbs only (增长, 最高, 保证) counts nothing. When nothing follows, the phrase before the
  number, without the verb that joins them (项目试点学校增加到22所 -> 项目试点学校). Clause
  words and award levels are dropped, before or after the number (新增省、市优质幼儿园4-5所,
  100所省、市艺术特色学校 -> 艺术特色学校). A share after 的
  counts the whole it is a share of (完成工程量的50% -> 工程量), unless 按照 opens the clause (the
  rate a grant is worked out at). A bound with nothing named to count is still a requirement
  (保证不低于72学时), except on money (最高不超过500万元 caps a grant).
- Before the number, adverbs (年均, 平均, 最高, 分别) and the joining verb (增长, 达到, 增加到) are
  dropped, each only as a whole word of the phrase (失业率平均为 drops 平均为, not 均为), and a
  phrase longer than 12 characters is a clause, not what is counted.
- Latin letters belong to what is counted (GDP增长5.5%), except a letter that goes with a digit
  (5G基站); the list a 等 closes counts its last kind (数字化车间等100家). 内 after a period counted
  with 个 bounds it from above (7个工作日内: at most 7 working days). Minutes followed by what
  they reach name a kind of area (15分钟社区生活圈), not a target.
- ``year`` is the last year written before the number in the sentence (2021年培训100名 -> 2021).
- The canonical name is value, unit and counts: 4-5所优质幼儿园.
"""

import math
import re
from bisect import bisect_left, bisect_right

from loaders.entities.gazetteer import gazetteer
from loaders.entities.lexicon import (
    BOUNDARY,
    FUNCTION_CHARS,
    inside_word,
    is_cjk,
    is_deng_word,
    is_level_comma,
    is_verb_like,
    is_verbal_noun,
    quoted_spans,
    strip_lead,
    strip_qualifiers,
    tokens,
)
from loaders.entities.mention import Mention
from loaders.entities.spans import Spans
from loaders.numerals import cn_to_int

UNITS = ("个百分点", "平方公里", "平方米", "立方米", "公里", "千米", "千瓦时", "千瓦", "公斤", "学时", "课时",
         "小时", "分钟", "名", "所", "位", "个", "家", "项次", "项", "人次", "人", "斤", "场", "门", "节", "台", "套",
         "支", "类", "种", "件", "篇", "册", "座", "处", "条", "间", "张", "元", "%", "亩", "吨", "部", "款", "批",
         "户", "辆", "架", "艘", "株", "首")
# (?<!\d): a match starts where a digit run does (nothing in the pattern can follow a part of a
# run, so a start inside one would only fail again), which keeps a long run of digits linear.
_UNIT = "|".join(map(re.escape, UNITS))
_NUMBER = re.compile(r"(?<!\d)(\d+(?:\.\d+)?)(?:\s*(?:-|~|～|至|到|—)\s*(\d+(?:\.\d+)?))?\s*"
                     rf"([余多])?(万亿(?!元)|[万亿千百]|)({_UNIT})")  # 万亿斤; money in 万亿元 is left as it was
# Chinese numerals count only from ten up (十个, 百支, 千支, 万个, 三千名): 一个/两项 name one
# thing far more often than they set a quantity.
_CN_CHARS = "一二两三四五六七八九十百千万零〇"
# With these units a Chinese numeral is mostly a rate or a name (每千人口, 万元GDP, 万人大会,
# 千户苗寨, 万家灯火), not a quantity to reach.
_CN_RATE_UNITS = frozenset({"人", "人次", "元", "家", "户", "亩", "吨"})
# The same groups as _NUMBER (value, range end, 余/多, multiplier, unit), two always empty.
_CN_NUMBER = re.compile(rf"(?<![{_CN_CHARS}亿])([{_CN_CHARS}]*[十百千万][{_CN_CHARS}]*)()([余多])?()({_UNIT})")
# Comparators: the bound a target sets (不少于30所, 30所以上: at least; 不超过45人, 45人以内: at
# most); 余/多 after the number (30余所, 30多个) is "more than" too. 左右 / 约 mark an estimate.
_AT_LEAST_BEFORE = ("不少于", "不低于", "至少", "超过", "多于", "高于", "大于", "突破", "超", "逾")
_AT_MOST_BEFORE = ("不超过", "不高于", "不多于", "少于", "低于", "小于", "控制在")
_AT_LEAST_AFTER = ("以上",)
_AT_MOST_AFTER = ("以内", "以下")
_APPROXIMATE_BEFORE = ("约", "大约", "近", "接近")
_APPROXIMATE_AFTER = ("左右",)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# Longest first, so that 不超过 is dropped whole rather than 超过 leaving 不.
_JOINING_VERBS = tuple(sorted(dict.fromkeys((
    "增加到", "增加至", "提高到", "提高至", "提升到", "提升至", "扩大到", "扩大至", "增至", "增长", "下降",
    "提高", "提升", "降低", "减少", "增加", "达到", "超过", "不少于", "不低于", "不超过", "不高于",
    "不多于", "控制在", "保持在", "稳定在", "新增", "实现", "累计", "共计", "至少", "少于", "低于", "小于",
    "高于", "多于", "大于", "突破", "达", "超", "逾", "约", "为", "有", "到", "至", "共")),
    key=len, reverse=True))
_EDGE_WORDS = ("以上", "左右", "以内", "以下", "余")
# Adverbs that sit between what is counted and the number (…总额年均增长9%, 单个企业最高1000万元).
_TRAILING_ADVERBS = ("分别", "每年", "平均", "年均", "人均", "日均", "月均", "最高", "最低", "累计", "合计",
                     "共计", "均", "共", "约", "全年", "当年", "同比", "实际", "总计", "大幅", "今年", "明年")
_MAX_COUNTS_BEFORE = 12
# A share "of" something after 按照 is the rate a sum is worked out at (按照设备投资额的15%给予补助),
# not a goal; nor is a bound on money (最高不超过500万元), a cap on a grant.
_RATE_BASIS = re.compile(r"(?:按照|依照|比照)[^，。；：,;:]*$")
_MONEY_UNITS = frozenset({"元", "万元", "亿元", "千元", "百元", "万亿元"})
# A sum or a share in a clause that grants support or sets a fee rate is the instrument's size
# (给予最高200万元资金支持, 按50%给予贴息, 费率下调20%), not a goal the plan sets. The words are
# the closed class of Chinese subsidy and fee terms, not fitted to any one document.
_SUPPORT = re.compile("给予|予以|补助|奖补|奖励|补贴|贴息|返还|拨付|资助|费率|利率")
_CAP = re.compile("最高|不超过|单个|每个|每家|每人|每项")
# Raised to a level, the sum is the goal itself (补助标准提高到120元).
_RAISED_TO = re.compile("(?:提高|增加|提升|增长|扩大)(?:到|至)?$")
# Periods counted with 个 (7个工作日内, 3个月内): 内 after them bounds the time from above.
# Verbs that take the counted noun as their object inside the phrase before a number.
_OBJECT_VERBS = ("开展", "完成", "实施", "建成", "组织", "举办")
_PERIODS = frozenset({"工作日", "日", "天", "月", "年", "周", "星期", "季度", "小时", "分钟"})


_COORDINATORS = frozenset({"和", "、", "与", "及", ",", "，"})


def _number_end(norm: str, target: Mention) -> int:
    """Where a target's quantity ends: its span's end, or, when what it counts is written
    before the number (城乡居民收入分别增长5%), the end of its unit and comparator words."""
    at = norm.rfind(target.unit or "", target.start, target.end)
    end = at + len(target.unit or "") if at >= 0 else target.end
    return next((end + len(w) for w in _EDGE_WORDS if norm.startswith(w, end)), end)


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _scan_right(norm: str, start: int, max_len: int = 24) -> int:
    i = start
    while i < len(norm) and i - start < max_len:
        ch = norm[i]
        if ch == "“":
            close = norm.find("”", i + 1, i + 17)
            if 0 < close - i <= 16:
                i = close + 1  # a quoted name is one piece: 10个“郑和学院”
                continue
        if ch in "“”\"":
            i += 1
            continue
        if is_deng_word(norm, i):
            i += 1
            continue
        if i > start and is_level_comma(norm, i) and i + 1 < len(norm) and is_cjk(norm[i + 1]):
            i += 1  # 100所省、市艺术特色学校: a list of levels, dropped with them below
            continue
        if ch in BOUNDARY or ch.isdigit() or (ch in FUNCTION_CHARS and ch != "的" and not inside_word(norm, i)) \
                or not is_cjk(ch):
            break
        i += 1
    return i


def _counts_after(norm: str, start: int, quotations: list[tuple[int, int]]) -> tuple[str, int, int]:
    """What the quantity ending at ``start`` counts; ``quotations``: the sentence's quoted
    spans, in order."""
    while norm.startswith(_EDGE_WORDS, start):
        start += 2 if norm[start] != "余" else 1
    end = _scan_right(norm, start)
    phrase_start = start
    first_de = norm.find("的", start, end)
    if first_de == start:
        return "", start, start  # 13672户的年度改造任务, 30万吨级航道: nothing is counted
    lead_tokens = tokens(norm[start:end]) if end > start else []
    if lead_tokens and first_de < 0 and is_verb_like(lead_tokens[0]):
        return "", start, start  # 10%给予奖补, 10条具有国际优势: a verb follows, not a noun
    if first_de > start:
        before = tokens(norm[start:first_de])
        if before and is_verb_like(before[0]):
            phrase_start = norm.rfind("的", start, end) + 1  # 100名具备…资格证的兼职心理教师
        else:
            end = first_de  # 50个部门的政务数据: the possessor is counted
    # A verb inside the run ends the noun phrase (80吨污泥焚烧厂开工建设 keeps 污泥焚烧厂), unless
    # it is inside a quoted name (40所“莆仙戏演唱基地学校”) or a verbal noun that modifies the
    # noun after it (校园文化美育环境建设示范学校).
    first, stop = bisect_left(quotations, (phrase_start,)), bisect_left(quotations, (end,))
    quoted = [(s - phrase_start, e - phrase_start) for s, e in quotations[first:stop]]
    pos = phrase_start
    words = tokens(norm[phrase_start:end])
    for k, token in enumerate(words):
        nominal = k + 1 < len(words) and words[k + 1] in ("工作", "任务", "活动")  # 教师招聘工作
        modifier = is_verbal_noun(token) and k + 1 < len(words) and not is_verb_like(words[k + 1]) \
            and not is_verb_like(words[-1]) and not is_verbal_noun(words[-1])
        inside_quote = any(s < pos - phrase_start < e for s, e in quoted)
        if pos - phrase_start >= 2 and is_verb_like(token) and not nominal and token != "试点" \
                and not modifier and not inside_quote:
            end = pos
            break
        pos += len(token)
    phrase_start = strip_qualifiers(norm, phrase_start, end)
    phrase = norm[phrase_start:end]
    if phrase.endswith("工作") and len(phrase) > 3:
        phrase = phrase[:-2]
        end -= 2
    return phrase, phrase_start, end


def _counts_before(norm: str, end: int) -> tuple[str, int]:
    i = end
    if i > 0 and norm[i - 1] == "等" and not is_deng_word(norm, i - 1):
        i -= 1  # 智能工厂、数字化车间等100家: the last of the listed kinds
    scan_from = i
    while i > 0 and scan_from - i < 24:
        ch = norm[i - 1]
        if is_level_comma(norm, i - 1):
            i -= 1
            continue
        if ch in "“”\"":
            i -= 1
            continue
        if ch in BOUNDARY or ch.isdigit() or (ch in FUNCTION_CHARS and not inside_word(norm, i - 1)) \
                or not (is_cjk(ch) or (ch.isascii() and ch.isalpha())):  # GDP增长5.5%
            break
        i -= 1
    stop = scan_from
    moved = True
    while moved:
        moved = False
        for verb in _JOINING_VERBS:
            if norm.endswith(verb, i, stop) and stop - len(verb) > i:
                stop -= len(verb)
                moved = True
                break
    if i >= 4 and norm[i] == "年" and _YEAR.fullmatch(norm, i - 4, i + 1) and i + 1 < scan_from \
            and norm[i + 1] not in "底末初前中":
        i += 1  # 2025年开展…500场: the year dates the target, it is not another quantity
    while i < scan_from and norm[i].isascii() and i > 0 and norm[i - 1].isdigit():
        i += 1  # 新增5G基站1000座: the G of 5G goes with its digit
    if i > 0 and norm[i - 1].isdigit():
        return "", end  # 3万元提高到10万元: another quantity, not a noun, comes first
    start = strip_lead(norm, i, stop, keep=2)
    start = strip_qualifiers(norm, start, stop, keep=2)
    # Adverbs before the number and verbs opening the phrase are not what is counted; each is
    # dropped only as a whole word (失业率平均为4.2% drops 平均, not the 均 of 平均).
    moved = True
    while moved:
        moved = False
        for word in _TRAILING_ADVERBS + _JOINING_VERBS:
            if norm.endswith(word, start, stop) and stop - len(word) > start \
                    and _word_boundary(norm, start, stop, stop - len(word)):
                stop -= len(word)
                moved = True
    # 开展政策宣讲活动500场: what an object verb takes is counted (the verb and what precedes it
    # are not); a phrase with nothing after the verb is a clause.
    object_verb = max((norm.rfind(v, start, stop) + len(v) for v in _OBJECT_VERBS
                       if norm.rfind(v, start, stop) >= 0), default=-1)
    if object_verb >= 0:
        if stop - object_verb < 2 or _only_verbs(norm[object_verb:stop]):
            return "", end  # 建成投产17个: only verbs follow
        start = object_verb
    words = tokens(norm[start:stop])
    activity = bool(words) and words[-1] in ("活动", "工作", "任务")  # 产销对接活动: a verb names the activity
    while not activity and len(words) > 1 and words[1][:1] not in "性型化" and (
            is_verb_like(words[0]) or (words[0] == "新" and len(words) > 2 and is_verb_like(words[1]))):
        # 给予一次性奖补 -> 一次性奖补; 保障性租赁住房 stays; 新 (newly) goes with its verb: 新改建
        start += len(words.pop(0))
    while words and words[-1] in ("要", "将", "应", "须", "需"):
        stop -= len(words.pop())  # 氨氮排放量要下降2%
    phrase = norm[start:stop]
    if phrase.startswith("每"):
        return "", end  # 每周16课时, 每人每年380元: a rate, not what is counted
    inner_verbs = {"累计", "发放", "安排", "举全", "今年", "明年", "扩招",
                   "我区", "我市", "我省", "比去年", "比上年", "处于", "共投资", "月增"}
    if len(phrase) > _MAX_COUNTS_BEFORE or phrase in _TRAILING_ADVERBS or \
            any(norm.startswith(w, i) for i in range(start, stop) for w in inner_verbs):
        return "", end  # a clause or an adverb, not a noun phrase
    return phrase, start


def _word_boundary(norm: str, start: int, stop: int, pos: int) -> bool:
    """Whether ``pos`` falls between two words of the segmentation of ``norm[start:stop]``."""
    offset = start
    for token in tokens(norm[start:stop]):
        if offset == pos:
            return True
        offset += len(token)
    return offset == pos


def _only_verbs(phrase: str) -> bool:
    """增长, 最高, 保证, 新建: a verb or adverb says what happens, not what is counted."""
    return all(is_verb_like(t) for t in tokens(phrase))


def _support_clause(norm: str, start: int, end: int) -> str:
    """The comma clause that holds [start, end), and the one before it when this one caps a
    grant (给予奖励，单个企业最高500万元)."""
    marks = "，,。；;：:"
    first = max(norm.rfind(mark, 0, start) for mark in marks) + 1
    stops = [i for i in (norm.find(mark, end) for mark in marks) if i >= 0]
    clause = norm[first:min(stops, default=len(norm))]
    if first > 0 and _CAP.search(clause):
        first = max(norm.rfind(mark, 0, first - 1) for mark in marks) + 1
    return norm[first:min(stops, default=len(norm))]


def _value(number: str) -> float:
    return float(number) if number[0].isdigit() else float(cn_to_int(number))


def _chinese_numbers(norm: str, quotations: list[tuple[int, int]]) -> list[re.Match[str]]:
    """Quantities in Chinese numerals of ten or more, outside four-character idioms (千家万户)
    and quoted names (“十个全覆盖”工程)."""
    words = gazetteer().words
    quoted = Spans(quotations)
    found = []
    for m in _CN_NUMBER.finditer(norm):
        s, e = m.start(), m.end()
        if quoted.holds(s) or m.group(5) in _CN_RATE_UNITS or any(
                norm[k:k + 4] in words for k in range(max(0, e - 4), s + 1)):
            continue
        if cn_to_int(m.group(1)) >= 10:
            found.append(m)
    return found


def _bounds(norm: str, start: int, end: int, low: float, high: float, *, more: bool
            ) -> tuple[float | None, float | None]:
    """(value_min, value_max): both for an exact number or range, one for a comparator."""
    before = norm[max(0, start - 4):start].rstrip()
    # The longest comparator decides: 不超过 (at most) ends with 超过 (at least).
    least = max((len(w) for w in _AT_LEAST_BEFORE if before.endswith(w)), default=0)
    most = max((len(w) for w in _AT_MOST_BEFORE if before.endswith(w)), default=0)
    if more or norm.startswith(_AT_LEAST_AFTER, end) or least > most:
        return low, None
    if most or norm.startswith(_AT_MOST_AFTER, end):
        return None, high
    return low, high


def extract_targets(sentence: str, norm: str, taken: list[tuple[int, int]]) -> list[Mention]:
    out: list[Mention] = []
    blocked = Spans(taken)
    quotations = quoted_spans(norm)
    year_ends, year_values = [], []
    for y in _YEAR.finditer(norm):
        year_ends.append(y.end())
        year_values.append(int(y.group(1)))
    for m in sorted([*_NUMBER.finditer(norm), *_chinese_numbers(norm, quotations)],
                    key=lambda x: x.start()):
        s, e = m.start(), m.end()
        if blocked.holds(s):
            continue
        before = norm[s - 1] if s else ""
        if before == "“" and norm.startswith("”", e):
            continue  # “33条”: a name, not a quantity
        if before in "第+×*xX.-/" or before.isdigit() or (before and before.isascii() and before.isalpha()):
            continue
        after = norm[e:e + 2]
        if m.group(5) in ("个", "名") and after.startswith(("月", "小时")):
            continue
        if norm.startswith(("周年", "号"), e) or (e < len(norm) and norm[e] in "+×*"):
            continue
        low = _value(m.group(1))
        high = _value(m.group(2)) if m.group(2) else low
        if not (math.isfinite(low) and math.isfinite(high)):
            continue  # hundreds of digits: past float's range, and no quantity a plan sets
        unit = m.group(4) + m.group(5)
        low_bound, high_bound = _bounds(norm, s, e, low, high, more=bool(m.group(3)))
        if norm.startswith("级", e):
            continue  # 30万吨级航道: a class, not a quantity
        counts, c_start, c_end = _counts_after(norm, e, quotations)
        span_start, span_end = s, max(e, c_end)
        if not counts or _only_verbs(counts):
            # 总课时的9%: a share counts the whole that the 的 before it names.
            share = unit == "%" and before == "的" and not _RATE_BASIS.search(norm, 0, s)
            counts, c_start = _counts_before(norm, s - 1 if share else s)
            span_start, span_end = (c_start if counts else s), e
        if ((unit in _MONEY_UNITS or unit == "%") and _SUPPORT.search(_support_clause(norm, s, e))
                and not _RAISED_TO.search(norm, 0, s)):
            continue
        # 收入分别增长5%和7%左右, 分别下降23%、15%、18%: a quantity coordinated with the target
        # before it is one too, though what it counts is not named (分别: each its own noun).
        bounded = low_bound is None or high_bound is None or (
            out and out[-1].unit == unit and norm[_number_end(norm, out[-1]):s] in _COORDINATORS)
        if len(counts) < 2 or _only_verbs(counts):
            if not bounded or unit in _MONEY_UNITS:
                continue
            counts = ""  # 不低于72学时: a bound is a requirement even with nothing named to count
        if unit == "分钟" and span_end > e:
            continue  # 15分钟社区生活圈: a minutes' reach names a kind of service area
        if counts.endswith("内") and counts[:-1] in _PERIODS and low_bound is not None:
            counts, low_bound = counts[:-1], None  # 7个工作日内: within, at most 7 working days
        written_before = bisect_right(year_ends, s)  # the years that end before the number
        if high_bound is None:
            value = f"≥{_format(low)}"
        elif low_bound is None:
            value = f"≤{_format(high)}"
        else:
            value = _format(low) + (f"-{_format(high)}" if high != low else "")
        approximate = norm.startswith(_APPROXIMATE_AFTER, e) \
            or norm[max(0, s - 2):s].rstrip().endswith(_APPROXIMATE_BEFORE)
        out.append(Mention(label="Target", name=f"{value}{unit}{counts}", text=sentence[span_start:span_end],
                           start=span_start, end=span_end, value_min=low_bound, value_max=high_bound,
                           unit=unit, approximate=approximate,
                           counts=counts,
                           year=year_values[written_before - 1] if written_before else None))
    return out



