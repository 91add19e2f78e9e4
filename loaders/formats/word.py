"""Word .docx -> plain text: body paragraphs and tables in order, list numbering restored.

Text is read from the XML rather than python-docx's ``Paragraph.text``, which skips runs inside
tracked insertions, smart tags and simple fields. Deleted text, text boxes (their drawings'
fallbacks would repeat them) and page headers and footers are left out.
"""

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from loaders.errors import UnreadableFileError
from loaders.formats.numbering import ListNumbering, W
from loaders.formats.tables import Cell, table_lines

# The size limit applies to the file as uploaded; a .docx is a zip, and a small one can unpack
# to gigabytes (a zip bomb). Counted as inflated, not as declared: the zip directory's sizes are
# the uploader's word (a 306 KB file declaring 888 bytes inflated to 300 MB).
MAX_UNPACKED_BYTES = 200 * 2**20
_INFLATE_CHUNK = 2**16
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name and extra field lengths
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED = {f"{W}del", f"{W}moveFrom", f"{W}txbxContent", f"{W}pPr", f"{W}rPr", f"{W}instrText",
            f"{W}delText", _MC_FALLBACK}
# Containers whose children are read as if they stood in their place.
_TRANSPARENT = {f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag", f"{W}ins", f"{W}moveTo"}


def docx_text(content: bytes, name: str) -> str:
    """The document body as lines; paragraphs in order, tables row by row."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            members = package.infolist()
        unpacked = sum(member.file_size for member in members)
        if unpacked > MAX_UNPACKED_BYTES:
            raise UnreadableFileError(f"{name}: unpacks to {unpacked / 2**20:.0f} MiB, over the "
                                      f"{MAX_UNPACKED_BYTES / 2**20:g} MiB a .docx may hold here")
        check_inflated_sizes(content, members, name)
        document = docx.Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, zlib.error,
            etree.XMLSyntaxError) as exc:
        raise UnreadableFileError(f"{name}: not a readable .docx file ({exc or type(exc).__name__})") from exc
    part = document.part
    numbering = ListNumbering(_related_xml(part, RT.NUMBERING), _related_xml(part, RT.STYLES))
    return "\n".join(_block_lines(document.element.body, numbering))


def check_inflated_sizes(content: bytes, members: list[zipfile.ZipInfo], name: str) -> None:
    """Inflate every member of the zip ``content``, a chunk at a time and keeping nothing,
    and refuse the file once a member inflates past its declared size or all of them past
    ``MAX_UNPACKED_BYTES``. Afterwards the declared sizes can be trusted: readers inflate a
    member to the size its compressed data really has."""
    total = 0
    for member in members:
        raw = _compressed_data(content, member, name)
        if member.compress_type == zipfile.ZIP_STORED:
            pieces: Iterator[int] = iter([len(raw)])
        elif member.compress_type == zipfile.ZIP_DEFLATED:
            pieces = _inflated_lengths(raw)
        else:
            raise UnreadableFileError(f"{name}: not a readable .docx file ({member.filename} is compressed "
                                      f"with method {member.compress_type}, not deflate)")
        size = 0
        for length in pieces:
            size += length
            total += length
            if size > member.file_size:
                raise UnreadableFileError(f"{name}: not a readable .docx file ({member.filename} unpacks to "
                                          f"more than the {member.file_size} bytes the zip directory declares)")
            if total > MAX_UNPACKED_BYTES:
                raise UnreadableFileError(f"{name}: unpacks to more than the "
                                          f"{MAX_UNPACKED_BYTES / 2**20:g} MiB a .docx may hold here")


def _compressed_data(content: bytes, member: zipfile.ZipInfo, name: str) -> bytes:
    """The member's compressed bytes, found through its local header."""
    header = content[member.header_offset:member.header_offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise UnreadableFileError(f"{name}: not a readable .docx file (no local header for {member.filename})")
    _, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    start = member.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    return content[start:start + member.compress_size]


def _inflated_lengths(raw: bytes) -> Iterator[int]:
    """Lengths of the pieces a raw deflate stream inflates to, each at most ``_INFLATE_CHUNK``
    bytes: memory stays bounded whatever the stream claims or holds."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for offset in range(0, len(raw), _INFLATE_CHUNK):
        pending = raw[offset:offset + _INFLATE_CHUNK]
        while not inflater.eof:
            piece = inflater.decompress(pending, _INFLATE_CHUNK)
            yield len(piece)
            pending = inflater.unconsumed_tail
            if not pending and len(piece) < _INFLATE_CHUNK:
                break  # this chunk is used up
        if inflater.eof:
            return


def _related_xml(part: Any, relationship: str) -> Any | None:
    try:
        return part.part_related_by(relationship).element
    except KeyError:
        return None


def _block_lines(container: Any, numbering: ListNumbering) -> Iterator[str]:
    """Lines of the paragraphs and tables directly in ``container`` (a body or a table cell)."""
    for child in container:
        if child.tag == f"{W}p":
            label = numbering.label(child)
            text = paragraph_text(child)
            if text.strip():
                yield _join_label(label, text.strip())
        elif child.tag == f"{W}tbl":
            yield from table_lines(_table_rows(child, numbering))
        elif child.tag in _TRANSPARENT:
            yield from _block_lines(child, numbering)


def paragraph_text(paragraph: Any) -> str:
    """The visible text of a w:p: runs in order, tabs and breaks kept as whitespace."""
    parts: list[str] = []

    def walk(element: Any) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                continue  # comments and processing instructions have no string tag
            if tag == f"{W}t":
                parts.append(child.text or "")
            elif tag == f"{W}tab":
                parts.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
            elif tag == f"{W}noBreakHyphen":
                parts.append("-")
            else:
                walk(child)

    walk(paragraph)
    return "".join(parts)


def _join_label(label: str, text: str) -> str:
    if label and label[-1].isascii() and label[-1].isalnum() and text[0].isascii() and text[0].isalnum():
        return f"{label} {text}"
    return label + text


def _table_rows(table: Any, numbering: ListNumbering) -> list[list[Cell]]:
    """Cells on the table grid: a cell spanning columns is followed by empty ones, the lower
    parts of a vertically merged cell repeat its text, marked ``continued``."""
    rows: list[list[Cell]] = []
    above: dict[int, str] = {}
    for tr in _children(table, "tr"):
        row: list[Cell] = []
        before = _int_val(tr.find(f"{W}trPr/{W}gridBefore"), 0)
        row.extend(Cell("") for _ in range(before))
        for tc in _children(tr, "tc"):
            column = len(row)
            props = tc.find(f"{W}tcPr")
            span = max(_int_val(props.find(f"{W}gridSpan") if props is not None else None, 1), 1)
            merge = props.find(f"{W}vMerge") if props is not None else None
            if merge is not None and merge.get(f"{W}val") in (None, "continue"):
                cell = Cell(above.get(column, ""), continued=True)
                list(_block_lines(tc, numbering))  # keeps list counters in step; the text is the merged cell's
            else:
                cell = Cell("\n".join(_block_lines(tc, numbering)))
            above[column] = cell.text
            row.append(cell)
            row.extend(Cell("") for _ in range(span - 1))
        rows.append(row)
    return rows


def _children(element: Any, local: str) -> Iterator[Any]:
    """``element``'s w:<local> children, looking through content controls and custom XML."""
    for child in element:
        if child.tag == f"{W}{local}":
            yield child
        elif child.tag in _TRANSPARENT:
            yield from _children(child, local)


def _int_val(element: Any | None, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(f"{W}val", default))
    except ValueError:
        return default
