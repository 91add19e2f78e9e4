"""The labels Word draws for automatically numbered paragraphs (一、 （一） 1. ① 第一条).

Word keeps such numerals out of the paragraph's text, in the numbering part; without them the
outline parser would see headings and items with no numeral. Counters follow Word's rules for
the common case: numbering instances of one abstract definition share counters, a
``startOverride`` restarts its instance, and a level restarts after any higher level.
"""

from dataclasses import dataclass, field
from typing import Any

from loaders.outline import CN_DIGITS

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LEVELS = 9
_CN_UNITS = CN_DIGITS[2:11]  # 一 … 九
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_LEGAL = str.maketrans("零一二三四五六七八九十百", "零壹贰叁肆伍陆柒捌玖拾佰")


@dataclass(frozen=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False  # isLgl: every level's number drawn in decimal (1.2.3)
    style: str | None = None


@dataclass
class _Instance:
    abstract_id: str
    start_overrides: dict[int, int] = field(default_factory=dict)
    level_overrides: dict[int, _Level] = field(default_factory=dict)
    used_levels: set[int] = field(default_factory=set)


class ListNumbering:
    """Renders the numbering label of each paragraph, in document order (counters advance)."""

    def __init__(self, numbering: Any | None, styles: Any | None) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._instances: dict[str, _Instance] = {}
        self._style_numbering: dict[str, tuple[str | None, int | None]] = {}
        self._style_parent: dict[str, str] = {}
        self._counters: dict[str, list[int | None]] = {}
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            self._read_styles(styles)

    def label(self, paragraph: Any) -> str:
        """The label Word shows before ``paragraph`` ("" for none or a bullet)."""
        ref = self._numbering_of(paragraph)
        if ref is None:
            return ""
        num_id, level_no = ref
        instance = self._instances.get(num_id)
        if instance is None or instance.abstract_id not in self._abstract:
            return ""
        counters = self._counters.setdefault(instance.abstract_id, [None] * _LEVELS)
        level = self._level(instance, level_no)
        current = counters[level_no]
        if level_no in instance.start_overrides and level_no not in instance.used_levels:
            counters[level_no] = instance.start_overrides[level_no]
        else:
            counters[level_no] = level.start if current is None else current + 1
        instance.used_levels.add(level_no)
        for deeper in range(level_no + 1, _LEVELS):
            counters[deeper] = None
        if level.fmt in ("bullet", "none"):
            return ""
        text = level.text
        for k in range(level_no, -1, -1):
            placeholder = f"%{k + 1}"
            if placeholder in text:
                shown = self._level(instance, k)
                value = counters[k]
                shown_value = shown.start if value is None else value
                text = text.replace(placeholder, format_number(shown_value, "decimal" if level.legal else shown.fmt))
        return text

    def _level(self, instance: _Instance, level_no: int) -> _Level:
        if level_no in instance.level_overrides:
            return instance.level_overrides[level_no]
        return self._abstract[instance.abstract_id].get(level_no, _Level())

    def _numbering_of(self, paragraph: Any) -> tuple[str, int] | None:
        num_pr = paragraph.find(f"{W}pPr/{W}numPr")
        num_id = _val(num_pr, "numId") if num_pr is not None else None
        level = _int(_val(num_pr, "ilvl")) if num_pr is not None else None
        style = _val(paragraph.find(f"{W}pPr"), "pStyle")
        if num_id is None and style is not None:
            num_id, style_level = self._style_ref(style)
            level = level if level is not None else style_level
            if num_id is not None and level is None:
                level = self._level_of_style(num_id, style)
        if num_id is None or num_id == "0":
            return None
        return num_id, min(max(level or 0, 0), _LEVELS - 1)

    def _style_ref(self, style: str) -> tuple[str | None, int | None]:
        seen: set[str] = set()
        current: str | None = style
        while current is not None and current not in seen:
            seen.add(current)
            num_id, level = self._style_numbering.get(current, (None, None))
            if num_id is not None:
                return num_id, level
            current = self._style_parent.get(current)
        return None, None

    def _level_of_style(self, num_id: str, style: str) -> int | None:
        instance = self._instances.get(num_id)
        levels = self._abstract.get(instance.abstract_id, {}) if instance else {}
        return next((n for n, lvl in levels.items() if lvl.style == style), None)

    def _read_numbering(self, numbering: Any) -> None:
        for abstract in numbering.iter(f"{W}abstractNum"):
            abstract_id = abstract.get(f"{W}abstractNumId")
            self._abstract[abstract_id] = {
                _int(lvl.get(f"{W}ilvl")) or 0: _read_level(lvl) for lvl in abstract.iter(f"{W}lvl")}
        for num in numbering.iter(f"{W}num"):
            abstract_id = _val(num, "abstractNumId")
            if abstract_id is None:
                continue
            instance = _Instance(abstract_id)
            for override in num.iter(f"{W}lvlOverride"):
                level_no = _int(override.get(f"{W}ilvl")) or 0
                if (start := _int(_val(override, "startOverride"))) is not None:
                    instance.start_overrides[level_no] = start
                if (lvl := override.find(f"{W}lvl")) is not None:
                    instance.level_overrides[level_no] = _read_level(lvl)
            self._instances[num.get(f"{W}numId")] = instance

    def _read_styles(self, styles: Any) -> None:
        for style in styles.iter(f"{W}style"):
            style_id = style.get(f"{W}styleId")
            if (parent := _val(style, "basedOn")) is not None:
                self._style_parent[style_id] = parent
            num_pr = style.find(f"{W}pPr/{W}numPr")
            if num_pr is not None:
                self._style_numbering[style_id] = (_val(num_pr, "numId"), _int(_val(num_pr, "ilvl")))


def _read_level(lvl: Any) -> _Level:
    start = _int(_val(lvl, "start"))
    return _Level(start=1 if start is None else start,
                  fmt=_val(lvl, "numFmt") or "decimal",
                  text=_val(lvl, "lvlText") or "",
                  legal=lvl.find(f"{W}isLgl") is not None and _val(lvl, "isLgl") not in ("0", "false"),
                  style=_val(lvl, "pStyle"))


def _val(element: Any, child: str) -> str | None:
    """The w:val of ``element``'s child ``child``; for a bare flag element, "true"."""
    if element is None:
        return None
    found = element.find(f"{W}{child}")
    if found is None:
        return None
    value = found.get(f"{W}val")
    return str(value) if value is not None else "true"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def format_number(n: int, fmt: str) -> str:
    """``n`` in one of Word's number formats (ST_NumberFormat); unknown formats as decimal."""
    match fmt:
        case ("chineseCounting" | "chineseCountingThousand" | "japaneseCounting" | "taiwaneseCounting"
              | "taiwaneseCountingThousand"):
            return chinese_numeral(n)
        case "chineseLegalSimplified" | "ideographLegalTraditional" | "japaneseLegal":
            return chinese_numeral(n).translate(_LEGAL)
        case "ideographDigital" | "taiwaneseDigital" | "japaneseDigitalTenThousand":
            return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
        case "ideographTraditional" if 1 <= n <= len(_HEAVENLY_STEMS):
            return _HEAVENLY_STEMS[n - 1]
        case "ideographZodiac" if 1 <= n <= len(_EARTHLY_BRANCHES):
            return _EARTHLY_BRANCHES[n - 1]
        case "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if 1 <= n <= 20:
            return chr(ord("①") + n - 1)
        case "decimalEnclosedParen" if 1 <= n <= 20:
            return chr(ord("⑴") + n - 1)
        case "decimalEnclosedFullstop" if 1 <= n <= 20:
            return chr(ord("⒈") + n - 1)
        case "decimalFullWidth" | "decimalFullWidth2":
            return str(n).translate(_FULL_WIDTH_DIGITS)
        case "decimalZero":
            return f"{n:02d}"
        case "lowerLetter" | "upperLetter" if n >= 1:
            letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
            return letter.upper() if fmt == "upperLetter" else letter
        case "lowerRoman" | "upperRoman" if 1 <= n < 4000:
            return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    return str(n)


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 23 -> 二十三, 105 -> 一百零五: the inverse of ``cn_to_int``."""
    if n <= 0 or n >= 1000:
        return str(n)
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    out = ""
    if hundreds:
        out += _CN_UNITS[hundreds - 1] + "百"
        if tens == 0 and units:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _CN_UNITS[tens - 1]) + "十"
    if units:
        out += _CN_UNITS[units - 1]
    return out


def _roman(n: int) -> str:
    out = ""
    for value, symbol in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += symbol
            n -= value
    return out
