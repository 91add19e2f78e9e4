"""Files written whole or not at all, and kept across a crash: the one way the graph stores,
the journal and the originals replace a file (the graph package is below the service)."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def replace_durably(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``path`` with what ``write`` puts in a fresh file: the file is synced, renamed
    over ``path`` and the directory synced, so a reader sees the old file or the new one,
    never part of one, and the new one survives a crash once this returns. The temporary file
    has a name of its own (replicas may write one shared directory); it is removed when
    ``write`` fails."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
