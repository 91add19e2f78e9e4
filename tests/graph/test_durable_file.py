"""replace_durably: the old file or the new one, never part of one, and no temporary left."""

from pathlib import Path
from typing import BinaryIO

import pytest

from graph.durable_file import replace_durably


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "journal.json"
    replace_durably(target, lambda file: file.write(b"old"))

    def half_then_fail(file: BinaryIO) -> None:
        file.write(b"ne")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_durably(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["journal.json"]
    replace_durably(target, lambda file: file.write(b"new"))
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["journal.json"]


def test_the_new_file_has_the_mode_open_would_give_it(tmp_path: Path) -> None:
    import os

    target = tmp_path / "marker"
    replace_durably(target, lambda file: file.write(b"x"))
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
