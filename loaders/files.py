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


# A short document that takes every path of the parse and, written, every kind of statement
# a document's write runs: an issuer, a 文号, a date, a preamble, documents cited in the title
# and in items, a section, numbered items with institutions, places, a programme, a target, a
# lead and a deadline, and an item longer than a LadybugDB 8-bit offset.
_WARM_UP_TEXT = """苏州市太仓市教育局
太教〔2021〕1号
关于印发《2021年度教育工作要点》的通知
各学校：根据《太仓市教育事业发展“十四五”规划》，现将工作要点印发给你们，请认真贯彻落实。
一、深化合作
1. 推进“双元制”职业教育，与上海交通大学、西北工业大学太仓长三角研究院合作，完成500位教师招聘。\
（牵头单位：市教育局；完成时限：2021年12月）
2. 落实《江苏省教育现代化2035》，深化与上海、苏州的教育合作，推动优质资源共享。\
加强教师队伍建设，完善教师培训体系，组织骨干教师赴上海跟岗学习。\
推进学校安全工作，健全校园安全管理制度，开展安全教育进校园活动，提升师生安全意识和应急处置能力。\
深化课程改革，推进劳动教育和美育工作，促进学生全面发展。（牵头单位：市教育局；配合单位：市财政局）
太仓市教育局
2021年2月18日
"""


def load_resources() -> GraphBatch:
    """Load what the parse reads on first use (jieba's dictionary, CC-CEDICT, the gazetteer:
    about 2.5 s). A server calls this at start: loading them holds Python's lock for up to
    0.7 s at a time, which stalled every search during a server's first upload. Returns the
    short document's batch, for the store to rehearse its writes on (``prime_writes``)."""
    return load_bytes("warm-up.txt", _WARM_UP_TEXT.encode("utf-8")).batch


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
              convert_timeout_s: float = DEFAULT_TIMEOUT_S) -> LoadedDocument:
    """Like ``load_bytes``; a file over ``max_bytes`` is refused before it is read."""
    try:
        check_size(path.name, path.stat().st_size, max_bytes)
        content = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot read ({exc.strerror})") from exc
    return load_bytes(path.name, content, max_bytes=max_bytes, convert_timeout_s=convert_timeout_s)
