"""Chinese numerals as official documents write them: in outline labels (二十三、) and dates
(二〇一七年七月二十二日)."""

CN_DIGITS = "零〇一二三四五六七八九十百"
_VALUES = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_POWERS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(numeral: str) -> int:
    """一 -> 1, 十二 -> 12, 二十三 -> 23, 一百零五 -> 105, 三千五百 -> 3500, 两万 -> 20000, 万 ->
    10000; arabic and circled digits too."""
    if "①" <= numeral <= "⑳":
        return ord(numeral) - ord("①") + 1
    if numeral.isdecimal():
        return int(numeral)
    total, section, current = 0, 0, 0
    for ch in numeral:
        if ch == "万":
            total += (section + current or 1) * 10_000
            section = current = 0
        elif ch in _POWERS:
            section += (current or 1) * _POWERS[ch]
            current = 0
        else:
            current = _VALUES[ch]
    return total + section + current


def cn_year(numeral: str) -> int:
    """二〇一七 -> 2017 (a year is read digit by digit); 2017 -> 2017."""
    if numeral.isdecimal():
        return int(numeral)
    return int("".join(str(_VALUES[ch]) for ch in numeral))
