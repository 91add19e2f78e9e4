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
    may contain a full stop). Surrounding whitespace is not part of a sentence."""
    spans: list[SentenceSpan] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        boundary = ch == "\n" or (ch in _ENDS and depth == 0)
        if boundary:
            _append(spans, text, start, i if ch == "\n" else i + 1)
            start = i + 1
            if ch == "\n":
                depth = 0
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[SentenceSpan], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(SentenceSpan(text=text[start:end], start=start, end=end))
