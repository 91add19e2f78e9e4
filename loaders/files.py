"""Read a file of a supported format into a parsed document.

Each format yields plain text, a paragraph per line, which the outline parser turns into
sections and tasks. The suffix chooses the format; for Word files the content decides which
reader, since .doc files that are really .docx, RTF or web pages (and the reverse) are common.
"""

from dataclasses import dataclass
from pathlib import Path

from graph.models import GraphBatch
from loaders.errors import FileTooLargeError, UnreadableFileError, UnsupportedFormatError
from loaders.formats.libreoffice import DEFAULT_TIMEOUT_S
from loaders.outline import ParsedDocument, parse_document
from loaders.records import build_batch
from loaders.text import decode_text

TEXT_SUFFIXES = (".txt", ".md", ".text")
WORD_SUFFIXES = (".docx", ".doc", ".wps")
PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + WORD_SUFFIXES + PDF_SUFFIXES + HTML_SUFFIXES
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003, WPS, and password-protected .docx
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_RTF = b"{\\rtf"


@dataclass
class LoadedDocument:
    source_name: str
    content: bytes
    parsed: ParsedDocument
    batch: GraphBatch


def extract_text(name: str, content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 convert_timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """The file's text, a paragraph per line. ``convert_timeout_s`` bounds a LibreOffice
    conversion (.doc, .wps)."""
    check_size(name, len(content), max_bytes)
    suffix = Path(name).suffix.lower()
    # Format readers are imported on first use: together they take ~0.7 s to import, which
    # a CLI run over .txt files should not pay.
    if suffix in TEXT_SUFFIXES:
        return decode_text(content, name)
    if suffix in WORD_SUFFIXES:
        return _word_text(name, content, suffix, convert_timeout_s)
    if suffix in PDF_SUFFIXES:
        from loaders.formats.pdf import pdf_text

        return pdf_text(content, name)
    if suffix in HTML_SUFFIXES:
        from loaders.formats.webpage import html_text

        return html_text(content, name)
    raise UnsupportedFormatError(
        f"{name}: unsupported file type {suffix or '(none)'}; "
        f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
    )


def check_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileTooLargeError(f"{name}: {size / 2**20:.1f} MiB is over the limit of "
                                f"{max_bytes / 2**20:g} MiB for one file")


def _word_text(name: str, content: bytes, suffix: str, convert_timeout_s: float) -> str:
    from loaders.formats.libreoffice import convert_to_docx
    from loaders.formats.webpage import html_text
    from loaders.formats.word import docx_text

    if content.startswith(_ZIP):
        return docx_text(content, name)
    if content.startswith(_OLE):
        if _ENCRYPTED_PACKAGE in content:
            raise UnreadableFileError(f"{name}: password-protected Word document; remove the password "
                                      "and load it again")
        legacy_suffix = ".doc" if suffix == ".docx" else suffix
        return docx_text(convert_to_docx(content, name, legacy_suffix, convert_timeout_s), name)
    if content.lstrip().startswith(_RTF):
        return docx_text(convert_to_docx(content, name, ".rtf", convert_timeout_s), name)
    if b"<html" in content[:1024].lower():
        return html_text(content, name)  # a web page saved under a Word name
    raise UnreadableFileError(f"{name}: not a Word document (no .docx, Word 97-2003/WPS or RTF content)")


def load_bytes(name: str, content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
               convert_timeout_s: float = DEFAULT_TIMEOUT_S) -> LoadedDocument:
    """Parse a file's content; ``name`` (its file name) chooses the format and names it in errors."""
    text = extract_text(name, content, max_bytes=max_bytes, convert_timeout_s=convert_timeout_s)
    parsed = parse_document(text)
    if not parsed.tasks:
        raise UnreadableFileError(f"{name}: no text found")
    return LoadedDocument(source_name=name, content=content, parsed=parsed,
                          batch=build_batch(parsed, name, content))


# A short document that takes every path of the parse: an issuer, a 文号, a cited document, a
# section, a numbered item with an institution, a place, a programme and a target.
_WARM_UP_TEXT = """苏州市太仓市教育局
太教〔2021〕1号
关于印发《2021年度教育工作要点》的通知
一、深化合作
1. 推进“双元制”职业教育，与上海交通大学、西北工业大学太仓长三角研究院合作，完成500位教师招聘。
"""


def load_resources() -> None:
    """Load what the parse reads on first use (jieba's dictionary, CC-CEDICT, the gazetteer:
    about 2.5 s). A server calls this at start: loading them holds Python's lock for up to
    0.7 s at a time, which stalled every search during a server's first upload."""
    load_bytes("warm-up.txt", _WARM_UP_TEXT.encode("utf-8"))


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
              convert_timeout_s: float = DEFAULT_TIMEOUT_S) -> LoadedDocument:
    """Like ``load_bytes``; a file over ``max_bytes`` is refused before it is read."""
    try:
        check_size(path.name, path.stat().st_size, max_bytes)
        content = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot read ({exc.strerror})") from exc
    return load_bytes(path.name, content, max_bytes=max_bytes, convert_timeout_s=convert_timeout_s)
