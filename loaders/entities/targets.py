"""Targets: quantities with their unit and what they count.

Rules:
- A target is an Arabic number or range (4-5, 3~5, 4至5) followed by a counting unit
  (``UNITS``: 名 所 位 个 家 项 人 % 万元 …; 万/亿 may precede the unit). Quantities written in
  Chinese numerals (一家, 十个) are not read.
- Not targets: years and dates (2021年, 5月底: 年 月 日 are not units), ordinals (第二届: 第
  before the number), anniversaries (100周年), scores (0.5分), 文号 and numbered items (1号),
  numbers joined by + or × (2+1, 7×24小时), and numbers inside a cited document's title.
- What is counted (``counts``): the noun phrase after the unit, or the part after the last 的
  when a clause qualifies it (100名具备…资格证的兼职心理教师 -> 兼职心理教师); a trailing 工作
  is dropped (500位教师招聘工作 -> 教师招聘). When nothing follows, the phrase before the
  number, without the verb that joins them (项目试点学校增加到22所 -> 项目试点学校). Clause
  words and award levels are dropped (新增省、市优质幼儿园4-5所 -> 优质幼儿园).
- ``year`` is the last year written before the number in the sentence (2021年培训100名 -> 2021).
- The canonical name is value, unit and counts: 4-5所优质幼儿园.
"""

import re

from loaders.entities.lexicon import (
    BOUNDARY,

    FUNCTION_CHARS,
    is_cjk,
    strip_lead,
    strip_qualifiers,
    word_list,
)
from loaders.entities.mention import Mention

UNITS = ("个百分点", "平方公里", "平方米", "公里", "千米", "学时", "课时", "小时", "名", "所", "位", "个",
         "家", "项", "人次", "人", "场", "门", "节", "台", "套", "支", "类", "种", "件", "篇", "册", "座",
         "处", "条", "间", "张", "元", "%", "亩", "吨", "部", "款", "批", "户", "辆", "架", "艘", "株", "首")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(?:-|~|～|至|到|—)\s*(\d+(?:\.\d+)?))?\s*"
                     rf"([万亿千百]?)({'|'.join(map(re.escape, UNITS))})")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_JOINING_VERBS = ("增加到", "增加至", "提高到", "提高至", "提升到", "提升至", "扩大到", "扩大至", "增至",
                  "达到", "超过", "不少于", "不低于", "不超过", "控制在", "保持在", "稳定在", "新增", "累计",
                  "共计", "达", "超", "约", "为", "有", "到", "至", "共")
_EDGE_WORDS = ("以上", "左右", "以内", "以下", "余")


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _scan_right(norm: str, start: int, max_len: int = 24) -> int:
    i = start
    while i < len(norm) and i - start < max_len:
        ch = norm[i]
        if ch in "“”\"":
            i += 1
            continue
        if ch in BOUNDARY or ch.isdigit() or (ch in FUNCTION_CHARS and ch != "的") or not is_cjk(ch):
            break
        i += 1
    return i


def _counts_after(norm: str, start: int) -> tuple[str, int, int]:
    while norm.startswith(_EDGE_WORDS, start):
        start += 2 if norm[start] != "余" else 1
    end = _scan_right(norm, start)
    phrase_start = start
    last_de = norm.rfind("的", start, end)
    if last_de >= 0:
        phrase_start = last_de + 1
    words = word_list("lead_words.txt")
    # A clause word inside the run ends the noun phrase (建成20所学校投入使用 keeps 学校).
    for i in range(phrase_start + 2, end):
        if any(norm.startswith(w, i) for w in words if len(w) >= 2):
            end = i
            break
    phrase_start = strip_qualifiers(norm, phrase_start, end)
    phrase = norm[phrase_start:end]
    if phrase.endswith("工作") and len(phrase) > 3:
        phrase = phrase[:-2]
        end -= 2
    return phrase, phrase_start, end


def _counts_before(norm: str, end: int) -> tuple[str, int]:
    i = end
    while i > 0 and end - i < 24:
        ch = norm[i - 1]
        if ch == "、" and i >= 2 and norm[i - 2] in "省市县区级":
            i -= 1
            continue
        if ch in "“”\"":
            i -= 1
            continue
        if ch in BOUNDARY or ch.isdigit() or ch in FUNCTION_CHARS or not is_cjk(ch):
            break
        i -= 1
    stop = end
    moved = True
    while moved:
        moved = False
        for verb in _JOINING_VERBS:
            if norm.endswith(verb, i, stop) and stop - len(verb) > i:
                stop -= len(verb)
                moved = True
                break
    start = strip_lead(norm, i, stop, keep=2)
    start = strip_qualifiers(norm, start, stop, keep=2)
    return norm[start:stop], start


def extract_targets(sentence: str, norm: str, taken: list[tuple[int, int]]) -> list[Mention]:
    out = []
    for m in _NUMBER.finditer(norm):
        s, e = m.start(), m.end()
        if any(a <= s < b for a, b in taken):
            continue
        before = norm[s - 1] if s else ""
        if before in "第+×*xX.-/" or before.isdigit() or (before and before.isascii() and before.isalpha()):
            continue
        after = norm[e:e + 2]
        if m.group(4) in ("个", "名") and after.startswith(("月", "小时")):
            continue
        if norm.startswith(("周年", "号"), e) or (e < len(norm) and norm[e] in "+×*"):
            continue
        low = float(m.group(1))
        high = float(m.group(2)) if m.group(2) else low
        unit = m.group(3) + m.group(4)
        counts, c_start, c_end = _counts_after(norm, e)
        span_start, span_end = s, max(e, c_end)
        if not counts:
            counts, c_start = _counts_before(norm, s)
            span_start, span_end = (c_start if counts else s), e
        if not counts:
            continue
        years = [int(y.group(1)) for y in _YEAR.finditer(norm, 0, s)]
        value = _format(low) + (f"-{_format(high)}" if high != low else "")
        out.append(Mention(label="Target", name=f"{value}{unit}{counts}", text=sentence[span_start:span_end],
                           start=span_start, end=span_end, value_min=low, value_max=high, unit=unit,
                           counts=counts, year=years[-1] if years else None))
    return out



