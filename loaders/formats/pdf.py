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
from loaders.outline import match_numbering
from loaders.text import normalise_spacing

_FULL_LINE_SLACK_EM = 1.5  # Chinese line breaking may end a wrapped line a character early
_INDENT_EM = 0.8
_MIN_COLUMN_EM = 10  # narrower text (a table column, a signature block) is never re-joined
_UNDECODED_SHARE = 0.3
_PAGE_NUMBER = re.compile(r"^[\s\-—–－~·]*(?:第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?|\d{1,4}(?:\s*/\s*\d{1,4})?)"
                          r"[\s\-—–－~·]*$")
_ENDS = "。！？；：!?;:"
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
    text = _join_pages([_paragraphs(lines) for lines in pages])
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        raise UnreadableFileError(f"{name}: no text layer (scanned PDF?); OCR is not supported")
    undecoded = sum(1 for ch in visible if _undecoded(ch))
    if undecoded / len(visible) > _UNDECODED_SHARE:
        raise UnreadableFileError(f"{name}: the text layer cannot be decoded (its fonts map no characters "
                                  "to Unicode); OCR is not supported")
    return text


def _join_pages(pages: list["_Page"]) -> str:
    """Pages separated by a blank line; a paragraph that visibly runs on (the page's last line
    is full, the next page's first is not indented) is joined across the break instead,
    since a break that falls after a full stop is one the outline parser cannot see through."""
    text = ""
    previous: _Page | None = None
    for page in pages:
        if not page.paragraphs:
            continue
        if previous is None:
            text = "\n".join(page.paragraphs)
        elif previous.runs_on and page.continues:
            text = _glue(text, "\n".join(page.paragraphs))
        else:
            text += "\n\n" + "\n".join(page.paragraphs)
        previous = page
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
    """Advance width in ems: Chinese characters and full-width punctuation are square, the
    rest roughly half. Only the last run of a line is measured, so the error stays small."""
    return sum(1.0 if _wide(ch) else 0.5 for ch in text)


@dataclass
class _Page:
    paragraphs: list[str]
    runs_on: bool = False  # its last line is full: the paragraph may go on overleaf
    continues: bool = False  # its first line is flush left and opens no numbered item


def _paragraphs(lines: list[_Line]) -> _Page:
    """The page's lines joined into paragraphs; page numbers at its head or foot dropped."""
    lines = [ln for ln in lines if ln.text.strip()]
    while lines and _PAGE_NUMBER.match(lines[-1].text):
        lines.pop()
    while lines and _PAGE_NUMBER.match(lines[0].text):
        lines.pop(0)
    measured = [ln for ln in lines if ln.left is not None and ln.right is not None and ln.size > 0]
    if not measured:
        return _Page([ln.text.strip() for ln in lines])
    em = statistics.median(ln.size for ln in measured)
    left = min(ln.left for ln in measured if ln.left is not None)
    right = max(ln.right for ln in measured if ln.right is not None)
    if right - left < _MIN_COLUMN_EM * em:
        return _Page([ln.text.strip() for ln in lines])
    out: list[str] = []
    for i, line in enumerate(lines):
        text = line.text.strip()
        if i and _full(lines[i - 1], right) and _flush(line, left, em, lines[i - 1]):
            out[-1] = _glue(out[-1], text)
        else:
            out.append(text)
    return _Page(out, runs_on=_full(lines[-1], right), continues=_flush(lines[0], left, em, None))


def _full(line: _Line, right: float) -> bool:
    return line.right is not None and line.size > 0 and line.right >= right - _FULL_LINE_SLACK_EM * line.size


def _flush(line: _Line, left: float, em: float, before: _Line | None) -> bool:
    """Whether ``line`` can continue the paragraph above: not indented, and not a numbered item
    after a finished sentence (the sentence above unknown at a page's head: numbered is enough)."""
    if line.left is None or line.left > left + _INDENT_EM * em:
        return False
    if match_numbering(normalise_spacing(line.text)) is None:
        return True
    return before is not None and before.text.rstrip().rstrip(_CLOSERS)[-1:] not in _ENDS


def _glue(head: str, tail: str) -> str:
    """Wrapped Chinese joins directly; wrapped Latin words keep a space."""
    if head[-1:].isascii() and head[-1:].isalnum() and tail[:1].isascii() and tail[:1].isalnum():
        return f"{head} {tail}"
    return head + tail
