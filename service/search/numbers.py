"""Numbers, years and shares in a question or a task, in one canonical form, so that a question's
2025, "three years", "20 percent" or "30,000" meets the text's 2025年, 三年, 20% or 3万.

A quantity is a string: the value (``"2025"``, ``"3"``, ``"0.5"``, ``"30000"``) or, for a share,
the value with ``%`` (``"20%"``). Chinese numerals count only next to a counter or unit (三年,
第三批, 百分之二十, 5万) or as a run of digit characters (二〇二五): a bare 一 is mostly a word
(统一, 一流), not a number.
"""

import math
import re
import unicodedata
from collections.abc import Set as AbstractSet

_DIGIT_VALUE = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                "七": 7, "八": 8, "九": 9}
_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10_000, "亿": 100_000_000}
_CHINESE_NUMERAL = "〇零一二两三四五六七八九十百千万亿"
# Counters and units a Chinese numeral stands before (三年, 五个, 两所 ...): a numeral with one of
# these, or after 第 or 百分之, is a number.
_COUNTERS = ("年", "个", "项", "所", "名", "人", "次", "天", "日", "月", "周", "小时", "倍", "家", "批",
             "类", "条", "种", "门", "节", "课时", "学时", "岁", "级", "届", "期", "篇", "部", "套",
             "支", "座", "台", "张", "位", "元", "亩", "公里", "米", "平方", "分钟", "轮", "场", "份",
             "成", "户", "间", "班", "本", "册", "块", "笔", "件", "起", "星")
_ARABIC = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s*(?:%|percent\b|per cent\b))?(\s*[万亿])?",
                     re.IGNORECASE)
_CHINESE = re.compile(rf"(第|百分之)?([{_CHINESE_NUMERAL}]+)(?=({'|'.join(_COUNTERS)})?)")
# "one" and "may" are left out: mostly a pronoun and a verb in a question.
_ENGLISH_ONES = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
                 "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
                 "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
                 "seventy": 70, "eighty": 80, "ninety": 90, "double": 2, "twice": 2, "half": 0.5}
_ENGLISH_SCALE = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "", "june", "july", "august", "september",
     "october", "november", "december"), 1)}
_ENGLISH = re.compile(r"\b(" + "|".join(sorted({*_ENGLISH_ONES, *_MONTHS} - {""}, key=len, reverse=True))
                      + r")\b(?:\s+(thousand|million|billion)\b)?(\s*(?:percent|per cent)\b)?", re.IGNORECASE)
_SCALE_AFTER_ARABIC = re.compile(r"\s*(thousand|million|billion)\b", re.IGNORECASE)


def quantities(text: str) -> set[str]:
    """The canonical quantities ``text`` writes, in digits, Chinese numerals or English words."""
    if not unicodedata.is_normalized("NFKC", text):  # stored task text mostly is: skip the copy
        text = unicodedata.normalize("NFKC", text)
    found: set[str] = set()
    for match in _ARABIC.finditer(text):
        number, percent, big = match.groups()
        value = float(number.replace(",", ""))
        english_scale = _SCALE_AFTER_ARABIC.match(text, match.end())
        if big:
            found.add(_canonical(value))  # 3万: also "3", as the text may say 3万 for "three"
            value *= _BIG_UNIT[big.strip()]
        elif english_scale:
            value *= _ENGLISH_SCALE[english_scale.group(1).lower()]
        found.add(_canonical(value) + ("%" if percent else ""))
    for match in _CHINESE.finditer(text):
        prefix, numeral, counter = match.groups()
        parsed = _chinese_value(numeral) if numeral[0] not in _BIG_UNIT else None
        if parsed is None:
            continue
        value = parsed
        # 二〇二五 is a year; 一一 in 统一一流 is two words.
        is_digit_run = all(c in _DIGIT_VALUE for c in numeral) and ("〇" in numeral or "零" in numeral)
        if prefix == "百分之":
            found.add(_canonical(value) + "%")
        elif prefix or counter or is_digit_run:
            found.add(_canonical(value))
    for match in _ENGLISH.finditer(text):
        word, scale, percent = (g.lower() if g else g for g in match.groups())
        value = float(_MONTHS.get(word) or _ENGLISH_ONES[word])
        if scale:
            value *= _ENGLISH_SCALE[scale]
        found.add(_canonical(value) + ("%" if percent else ""))
    return found


def share_found(question: AbstractSet[str], task: AbstractSet[str]) -> float:
    """The share of the question's quantities that the task writes (0.0 when it asks none)."""
    return len(question & task) / len(question) if question else 0.0


def _canonical(value: float) -> str:
    if not math.isfinite(value):  # a number past float's range (300 digits): no document writes it
        return "inf"
    return str(int(value)) if value == int(value) else f"{value:g}"


def _chinese_value(numeral: str) -> float | None:
    """二〇二五 -> 2025, 十四 -> 14, 三百五十 -> 350, 5 万 handled by the caller; None when the run
    is not one number (十四五, the 14th five-year plan, reads as 145 and is refused)."""
    if all(c in _DIGIT_VALUE for c in numeral):
        if len(numeral) == 1 or not any(c in "两" for c in numeral):
            return float(int("".join(str(_DIGIT_VALUE[c]) for c in numeral)))
        return None
    total, section, digit = 0.0, 0.0, None
    previous_unit = 10**9
    for c in numeral:
        if c in _DIGIT_VALUE:
            if digit is not None:
                return None  # two digits in a row inside a unit number: 十四五
            digit = _DIGIT_VALUE[c]
        elif c in _UNIT_VALUE:
            unit = _UNIT_VALUE[c]
            if unit >= previous_unit:
                return None
            section += (1 if digit is None else digit) * unit
            digit, previous_unit = None, unit
        else:  # 万, 亿
            section += digit or 0
            total += (section or 1) * _BIG_UNIT[c]
            section, digit, previous_unit = 0.0, None, 10**9
    return total + section + (digit or 0)
