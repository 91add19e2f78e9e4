"""Reading text files and repairing the artefacts that PDF extraction leaves in them."""

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from loaders.errors import UnreadableFileError

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef“”‘’《》"
# Spaces a PDF puts between a digit and a Chinese character ("2021 年", "建党 100 周年"),
# or between two Chinese characters; spaces between Latin words stay.
_SPACE_BEFORE = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}\d])[ \t\u00a0\u3000]+(?=[{_CJK}{_CJK_PUNCT}])")
_SPACE_AFTER = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])[ \t\u00a0\u3000]+(?=[\d{_CJK}])")

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Labels that pages declare for what is, in practice, GB18030 (its subsets, and their aliases).
_GB_LABELS = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "csgb2312", "cp936", "ms936", "euc-cn", "hz-gb-2312"}
SUPPORTED_ENCODINGS = ("utf-8", "gb18030")
# Below this size a detector's verdict on a few dozen characters is a guess (measured: 30-character
# pieces of corpus files were taken for cp949 and UTF-16); from here on it was right for every piece.
_DETECTOR_MIN_BYTES = 200


def decode_text(data: bytes, name: str, declared: str | None = None) -> str:
    """Decode a text file's bytes: a byte-order mark, else UTF-8, else GB18030 (a superset of
    GBK and GB2312).

    UTF-8 goes first whatever a page declares: GBK text is practically never valid UTF-8, while
    UTF-8 bytes often are valid GB18030, and pages labelled gb2312 are sometimes UTF-8.
    ``declared`` (an HTML meta charset) matters only when it names another encoding: such a
    page is refused with that name. Bytes that decode as GB18030 but that a detector takes
    for another legacy CJK encoding (Shift-JIS, Big5, EUC-KR …, often valid GB18030 too) are
    refused rather than stored as nonsense.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom):].decode(encoding), name, encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableFileError(f"{name}: starts with a {encoding} byte-order mark "
                                          f"but is not valid {encoding} ({exc.reason})") from exc
    try:
        return _checked(data.decode("utf-8"), name, "utf-8")
    except UnicodeDecodeError:
        pass
    if declared and (label := _foreign_label(declared)):
        raise UnreadableFileError(f"{name}: declares the encoding {label} and is not UTF-8; "
                                  f"policykg reads {', '.join(SUPPORTED_ENCODINGS)}")
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"{name}: not text in a supported encoding (tried "
                                  f"{', '.join(SUPPORTED_ENCODINGS)}; invalid GB18030 at byte {exc.start})") from exc
    if other := _other_cjk_encoding(data, text):
        raise UnreadableFileError(f"{name}: not text in a supported encoding (tried "
                                  f"{', '.join(SUPPORTED_ENCODINGS)}); the bytes look like {other}")
    return _checked(text, name, "gb18030")


def _foreign_label(declared: str) -> str | None:
    """The declared encoding's name when it is neither UTF-8 nor a GB encoding (nor unknown)."""
    label = declared.strip().lower()
    if label in _GB_LABELS:
        return None
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None  # an unknown label on a web page: the bytes decide
    return None if codec in ("utf-8", "ascii") else codec


def _other_cjk_encoding(data: bytes, text: str) -> str | None:
    """The encoding a detector prefers over GB18030, when it is confident enough to trust."""
    if len(data) < _DETECTOR_MIN_BYTES and _gb2312_share(text) >= 0.9:
        return None
    best = from_bytes(data).best()
    if best is None:
        return None
    guess = str(best.encoding)
    if guess.startswith(("gb", "utf", "ascii", "hz")):
        return None
    return guess


def _gb2312_share(text: str) -> float:
    """Share of the Chinese characters that GB2312 holds: ~1.0 for mainland text (the corpus'
    lowest is 0.9998), far lower for Shift-JIS or Big5 bytes read as GB18030."""
    hanzi = [ch for ch in text if "\u3400" <= ch <= "\u9fff"]
    if not hanzi:
        return 1.0
    common = 0
    for ch in hanzi:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(hanzi)


def _checked(text: str, name: str, encoding: str) -> str:
    """A NUL means a binary file that happens to decode."""
    if "\x00" in text:
        raise UnreadableFileError(f"{name}: decodes as {encoding} but holds NUL bytes; a binary file, not text")
    return text


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
