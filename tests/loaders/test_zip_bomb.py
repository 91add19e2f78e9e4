"""A .docx is a zip whose directory states each member's size; the loader counts the bytes a
member really inflates to, so that a directory that lies cannot make it inflate a bomb."""

import io
import struct
import zipfile
import zlib

import docx
import pytest

from loaders.errors import UnreadableFileError
from loaders.files import load_bytes
from loaders.formats import word

BOMB_MEMBER = "word/media/image1.bin"
BOMB_SIZE = 8 * 2**20
DECLARED_SIZE = 888


def _plain_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("一、总体要求")
    document.add_paragraph("加强学校美育工作。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _with_member(package: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO(package)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return out.getvalue()


def _declare_size(package: bytes, name: str, size: int) -> bytes:
    """The package with ``name``'s uncompressed size rewritten to ``size`` in its local header
    and in the central directory (the CRC is left as it is: readers fail on it only after
    inflating)."""
    patched = bytearray(package)
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        local = z.getinfo(name).header_offset
    struct.pack_into("<I", patched, local + 22, size)
    encoded = name.encode()
    central = patched.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", patched, central + 28)[0]
        if patched[central + 46:central + 46 + name_length] == encoded:
            struct.pack_into("<I", patched, central + 24, size)
            break
        central = patched.find(b"PK\x01\x02", central + 46)
    else:
        raise AssertionError(f"{name} is not in the central directory")
    return bytes(patched)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    package = _with_member(_plain_docx(), BOMB_MEMBER, bytes(BOMB_SIZE))
    patched = _declare_size(package, BOMB_MEMBER, DECLARED_SIZE)
    with zipfile.ZipFile(io.BytesIO(patched)) as z:  # the crafted directory reads as intended
        assert z.getinfo(BOMB_MEMBER).file_size == DECLARED_SIZE
        assert sum(m.file_size for m in z.infolist()) < 2**20
    assert len(patched) < BOMB_SIZE / 100
    return patched


def test_a_plain_docx_passes_the_inflation_check() -> None:
    assert "加强学校美育工作。" in word.docx_text(_plain_docx(), "plan.docx")


def test_a_member_inflating_past_its_declared_size_is_refused(bomb: bytes) -> None:
    with pytest.raises(UnreadableFileError,
                       match=rf"^bomb\.docx: not a readable \.docx file \({BOMB_MEMBER} unpacks to more than "
                             rf"the {DECLARED_SIZE} bytes the zip directory declares\)"):
        load_bytes("bomb.docx", bomb)


def test_inflation_past_the_cap_is_refused_counting_inflated_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Honest sizes, counted as inflated: the cap holds for what is read, not what is declared."""
    package = _with_member(_plain_docx(), BOMB_MEMBER, bytes(BOMB_SIZE))
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        members = z.infolist()
    monkeypatch.setattr(word, "MAX_UNPACKED_BYTES", 4 * 2**20)
    with pytest.raises(UnreadableFileError, match=r"^bomb\.docx: unpacks to more than the 4 MiB"):
        word.check_inflated_sizes(package, members, "bomb.docx")


def test_inflation_is_counted_in_bounded_pieces() -> None:
    pieces = list(word._inflated_lengths(_raw_deflate(bytes(BOMB_SIZE))))
    assert sum(pieces) == BOMB_SIZE
    assert max(pieces) <= word._INFLATE_CHUNK


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()
