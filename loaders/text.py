"""Reading text files and repairing the artefacts that PDF extraction leaves in them."""

import re
from pathlib import Path

from loaders.errors import UnreadableFileError

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef“”‘’《》"
# Spaces a PDF puts between a digit and a Chinese character ("2021 年", "建党 100 周年"),
# or between two Chinese characters; spaces between Latin words stay.
_SPACE_BEFORE = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}\d])[ \t\u00a0\u3000]+(?=[{_CJK}{_CJK_PUNCT}])")
_SPACE_AFTER = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])[ \t\u00a0\u3000]+(?=[\d{_CJK}])")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise UnreadableFileError(f"{name}: not UTF-8 or GB18030 text")


def read_text_file(path: Path) -> str:
    return decode_text(path.read_bytes(), path.name)


def normalise_spacing(line: str) -> str:
    """Remove PDF spacing artefacts inside Chinese text and trim the line."""
    line = _SPACE_BEFORE.sub("", line)
    line = _SPACE_AFTER.sub("", line)
    return line.strip()


def paragraphs(text: str) -> list[str]:
    """Non-empty lines, spacing normalised. Page-break repair happens in the outline parser,
    which knows which lines are headings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return [p for p in (normalise_spacing(line) for line in text.split("\n")) if p]
