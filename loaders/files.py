"""Read a file of a supported format into a parsed document."""

from dataclasses import dataclass
from pathlib import Path

from graph.models import GraphBatch
from loaders.errors import UnreadableFileError, UnsupportedFormatError
from loaders.outline import ParsedDocument, parse_document
from loaders.records import build_batch
from loaders.text import decode_text

TEXT_SUFFIXES = (".txt", ".md", ".text")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES


@dataclass
class LoadedDocument:
    source_name: str
    content: bytes
    parsed: ParsedDocument
    batch: GraphBatch


def extract_text(name: str, content: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return decode_text(content, name)
    raise UnsupportedFormatError(
        f"{name}: unsupported file type {suffix or '(none)'}; "
        f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
    )


def load_bytes(name: str, content: bytes) -> LoadedDocument:
    text = extract_text(name, content)
    parsed = parse_document(text)
    if not parsed.tasks:
        raise UnreadableFileError(f"{name}: no text found")
    return LoadedDocument(source_name=name, content=content, parsed=parsed,
                          batch=build_batch(parsed, name, content))


def load_file(path: Path) -> LoadedDocument:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot read ({exc.strerror})") from exc
    return load_bytes(path.name, content)
