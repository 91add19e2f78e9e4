"""Check that parsing lost nothing: every character of a document's body reaches search.

Each body character must lie in some task's text or some section's title, or in a paragraph
the parser read as metadata (``ParsedDocument.skipped``: header, signature, attachment list).
The only characters allowed to fall between them are outline numerals (一、 （二） 3. 第四条
附件1) and punctuation, which the outline keeps as labels. Whitespace is ignored throughout,
since the parser re-joins lines a page break cut.
"""

import re
from dataclasses import dataclass

from loaders.numerals import CN_DIGITS
from loaders.outline import ParsedDocument
from loaders.text import paragraphs

_N = f"[{CN_DIGITS}0-9]"
_LABEL = (rf"第{_N}+(?:章|节|条|部分)|[{CN_DIGITS}]+[、，,]|[（(]{_N}+[）)]|\d{{1,3}}[.．、﹒]?|[①-⑳]"
          rf"|[一二三四五六七八九十]+是|附件[0-9０-９]*")
_GAP = re.compile(rf"^(?:{_LABEL}|[^\w]|_)+$")
_SPACE = re.compile(r"\s+")


@dataclass
class Coverage:
    # Body text found in no task, section title or metadata line (numerals and punctuation apart).
    uncovered: list[str]
    # Task or title text that is not in the body as written (the parser changed or invented it).
    invented: list[str]

    @property
    def complete(self) -> bool:
        return not self.uncovered and not self.invented


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def check_coverage(text: str, parsed: ParsedDocument) -> Coverage:
    """Match every piece the parser produced to its own place in the body, longest first, and
    report what is left over on either side."""
    body = _squash("".join(paragraphs(text)))
    claimed = bytearray(len(body))
    pieces = [t.text for t in parsed.tasks] + [s.title for s in parsed.sections] + parsed.skipped
    invented = []
    for piece in sorted((_squash(p) for p in pieces if _squash(p)), key=len, reverse=True):
        start = body.find(piece)
        while start != -1 and any(claimed[start:start + len(piece)]):
            start = body.find(piece, start + 1)
        if start == -1:
            invented.append(piece)
            continue
        claimed[start:start + len(piece)] = b"\x01" * len(piece)
    uncovered = [run for run in _unclaimed_runs(body, claimed) if not _GAP.match(run)]
    return Coverage(uncovered=uncovered, invented=invented)


def _unclaimed_runs(body: str, claimed: bytearray) -> list[str]:
    runs: list[str] = []
    start = None
    for i, flag in enumerate(claimed):
        if not flag and start is None:
            start = i
        elif flag and start is not None:
            runs.append(body[start:i])
            start = None
    if start is not None:
        runs.append(body[start:])
    return runs
