"""Sentence splitting with character offsets (code points, end exclusive)."""

from dataclasses import dataclass

_ENDS = "。！？；!?;"
_OPEN = {"《": "》", "“": "”", "「": "」", "『": "』"}
_CLOSE = {v: k for k, v in _OPEN.items()}


@dataclass(frozen=True)
class SentenceSpan:
    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[SentenceSpan]:
    """Split at 。！？； and line breaks, never inside 《》 or “” (a title or a quoted slogan
    may contain a full stop). Surrounding whitespace is not part of a sentence.

    A straight quote closes an open “ or " and opens one otherwise: exported text pairs them
    (“12345"政务热线, "三河三湖"), and an unclosed “ would otherwise swallow every later stop.
    A closing mark that matches no opener is ignored."""
    spans: list[SentenceSpan] = []
    open_marks: list[str] = []
    # How many of each mark are open: whether a closer has an opener is then a lookup, not a
    # scan of the stack (a line of 100,000 《 and then 》 would take quadratic time).
    counts = dict.fromkeys([*_OPEN, '"'], 0)
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            open_marks.append(ch)
            counts[ch] += 1
        elif ch in _CLOSE and counts[_CLOSE[ch]]:
            while (closed := open_marks.pop()) != _CLOSE[ch]:  # marks opened inside it close too
                counts[closed] -= 1
            counts[closed] -= 1
        elif ch == '"':
            if open_marks and open_marks[-1] in '“"':
                counts[open_marks.pop()] -= 1
            else:
                open_marks.append(ch)
                counts[ch] += 1
        boundary = ch == "\n" or (ch in _ENDS and not open_marks)
        if boundary:
            _append(spans, text, start, i if ch == "\n" else i + 1)
            start = i + 1
            if ch == "\n":
                open_marks.clear()
                counts = dict.fromkeys(counts, 0)
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[SentenceSpan], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(SentenceSpan(text=text[start:end], start=start, end=end))
