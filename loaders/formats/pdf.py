"""PDF text layer -> plain text, printed lines re-joined into paragraphs.

A PDF stores printed lines, not paragraphs: read line by line, a wrapped paragraph falls apart
(on a wrapped copy of the sample, none of its 25 tasks came out as in the .txt). pypdf reports
where each run of text starts; a line that runs to the right margin continues into the next,
unless that one is indented (a new paragraph) or opens a numbered item after a finished
sentence. Pages are separated by a blank line, which the outline parser reads through where a
sentence was cut, except where the same rule shows the paragraph running on overleaf.
Page numbers (— 3 —, 第3页 共9页) at a page's head or foot are dropped.
"""

import io
import math
import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PdfReadError

from loaders.errors import UnreadableFileError
from loaders.text import normalise_spacing

_FULL_LINE_SLACK_EM = 1.5  # Chinese line breaking may end a wrapped line a character early
_OPEN_LINE_SLACK_EM = 4.0
_INDENT_EM = 0.8
_MIN_COLUMN_EM = 10  # narrower text (a table column, a signature block) is never re-joined
_UNDECODED_SHARE = 0.3
_PAGE_NUMBER = re.compile(r"^[\s\-—–－~·]*(?:第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?|\d{1,4}(?:\s*/\s*\d{1,4})?)"
                          r"[\s\-—–－~·]*$")
_ENDS = "。！？；：!?;:"
# Explicit item markers (一、 （一） 1. （1） ① 第一条). Not the outline parser's matcher: that one
# judges whole paragraphs (一是… is an item only as a line of its own), a printed line is a piece.
_ITEM_START = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条部分]|[一二三四五六七八九十百]+[、．.]"
                         r"|[（(][一二三四五六七八九十百\d]{1,3}[）)]|\d{1,3}[.．、](?!\d)|[①-⑳])")
_CLOSERS = "”’」』）)"


@dataclass
class _Line:
    """A printed line: its text, where it starts and (estimated) ends, its font size."""

    text: str = ""
    left: float | None = None
    right: float | None = None
    size: float = 0.0
    sizes: list[float] = field(default_factory=list)


def pdf_text(content: bytes, name: str) -> str:
    """The text layer, paragraphs as lines, pages separated by a blank line."""
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise UnreadableFileError(f"{name}: encrypted PDF that needs a password to open; "
                                      "remove the password and load it again")
        pages = [_page_lines(page) for page in reader.pages]
    except DependencyError as exc:
        raise UnreadableFileError(f"{name}: encrypted PDF that cannot be decrypted here ({exc})") from exc
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise UnreadableFileError(f"{name}: not a readable PDF ({exc})") from exc
    text = _paragraphs([_without_page_numbers(lines) for lines in pages])
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        raise UnreadableFileError(f"{name}: no text layer (scanned PDF?); OCR is not supported")
    undecoded = sum(1 for ch in visible if _undecoded(ch))
    if undecoded / len(visible) > _UNDECODED_SHARE:
        raise UnreadableFileError(f"{name}: the text layer cannot be decoded (its fonts map no characters "
                                  "to Unicode); OCR is not supported")
    return text


def _undecoded(ch: str) -> bool:
    return "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd" or ch < " "


def _page_lines(page: Any) -> list[_Line]:
    """The page's printed lines, from the runs pypdf reports with their start positions."""
    lines = [_Line()]

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, font_size: float) -> None:
        pieces = text.split("\n")
        for k, piece in enumerate(pieces):
            if k:
                lines.append(_Line())
            if piece and k == 0:
                _add_run(lines[-1], piece, cm, tm, font_size)
            else:
                lines[-1].text += piece  # position unknown: the line is never re-joined

    page.extract_text(visitor_text=visit)
    for line in lines:
        line.size = statistics.median(line.sizes) if line.sizes else 0.0
    return lines


def _add_run(line: _Line, text: str, cm: list[float], tm: list[float], font_size: float) -> None:
    # Where the run starts and how large its glyphs are, in page space (text matrix x CTM).
    a, b, e, f = tm[0], tm[1], tm[4], tm[5]
    x = e * cm[0] + f * cm[2] + cm[4]
    scale = math.hypot(a * cm[0] + b * cm[2], a * cm[1] + b * cm[3])
    em = font_size * scale
    line.text = _append(line.text, text)
    if not text.strip() or em <= 0:
        return
    if line.left is None:
        line.left = x + em * _width_em(text[: len(text) - len(text.lstrip())])
    line.right = x + em * _width_em(text.rstrip())
    line.sizes.append(em)


def _append(head: str, run: str) -> str:
    """pypdf puts a space where a run starts after a gap; in Chinese that gap is justification
    or a font change, not a word break (小 -初-高), so a space touching a Chinese character goes."""
    stripped_head, stripped_run = head.rstrip(), run.lstrip()
    if (stripped_head != head or stripped_run != run) and stripped_head and stripped_run \
            and (_wide(stripped_head[-1]) or _wide(stripped_run[0])):
        return stripped_head + stripped_run
    return head + run


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _width_em(text: str) -> float:
    """Advance width in ems: Chinese characters and full-width punctuation are square, as are
    the quotes and dashes Unicode leaves ambiguous (“”—, square in a Chinese font); the rest
    roughly half. Spaces count nothing: pypdf writes one for any gap, whatever its width. Only
    the last run of a line is measured, so the error stays small."""
    return sum(0.0 if ch.isspace() else 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


@dataclass(frozen=True)
class _Column:
    """The text column: where lines start and where full lines end."""

    left: float
    right: float
    em: float


def _without_page_numbers(lines: list[_Line]) -> list[_Line]:
    lines = [ln for ln in lines if ln.text.strip()]
    while lines and _PAGE_NUMBER.match(lines[-1].text):
        lines.pop()
    while lines and _PAGE_NUMBER.match(lines[0].text):
        lines.pop(0)
    return lines


def _paragraphs(pages: list[list[_Line]]) -> str:
    """Lines joined into paragraphs, a line per paragraph, pages separated by a blank line.

    A paragraph that visibly runs on overleaf (the page's last line reaches the margin, the next
    page's first is not indented) is joined across the break, since a break that falls after a
    full stop is one the outline parser cannot see through.
    """
    column = _column(pages)
    out: list[list[str]] = []
    previous: _Line | None = None
    holder: list[str] = []  # the page list holding the last paragraph so far
    for lines in pages:
        paragraphs: list[str] = []
        for line in lines:
            text = line.text.strip()
            if previous is not None and column is not None and _continues(previous, line, column):
                holder[-1] = _glue(holder[-1], text)
            else:
                paragraphs.append(text)
                holder = paragraphs
            previous = line
        out.append(paragraphs)
    return "\n\n".join("\n".join(paragraphs) for paragraphs in out if paragraphs)


def _column(pages: list[list[_Line]]) -> _Column | None:
    """The document's text column, measured over all pages (a page holding only a signature
    says nothing about the margins); None where no text is wide enough to have wrapped."""
    measured = [ln for lines in pages for ln in lines
                if ln.left is not None and ln.right is not None and ln.size > 0]
    if not measured:
        return None
    em = statistics.median(ln.size for ln in measured)
    left = -_shared_edge([-ln.left for ln in measured if ln.left is not None], em)
    right = _shared_edge([ln.right for ln in measured if ln.right is not None], em)
    return _Column(left, right, em) if right - left >= _MIN_COLUMN_EM * em else None


def _shared_edge(edges: list[float], em: float) -> float:
    """The furthest edge that two lines reach: one line's estimate can overshoot."""
    ordered = sorted(edges, reverse=True)
    for i, edge in enumerate(ordered[:-1]):
        if ordered[i + 1] >= edge - 0.5 * em:
            return edge
    return ordered[0]


def _continues(line: _Line, following: _Line, column: _Column) -> bool:
    """Whether ``following`` goes on with ``line``'s paragraph: it is not indented, does not open
    a numbered item after a finished sentence, and ``line`` reaches the right margin (within a
    character, or within a few where its sentence is unfinished: a number or a word that did not
    fit leaves a wider gap)."""
    if line.right is None or following.left is None or following.left > column.left + _INDENT_EM * column.em:
        return False
    ended = line.text.rstrip().rstrip(_CLOSERS)[-1:] in _ENDS
    if ended and _ITEM_START.match(normalise_spacing(following.text)):
        return False
    slack = _FULL_LINE_SLACK_EM if ended else _OPEN_LINE_SLACK_EM
    return line.right >= column.right - slack * line.size


def _glue(head: str, tail: str) -> str:
    """Wrapped Chinese joins directly; wrapped Latin words keep a space."""
    if head[-1:].isascii() and head[-1:].isalnum() and tail[:1].isascii() and tail[:1].isalnum():
        return f"{head} {tail}"
    return head + tail
