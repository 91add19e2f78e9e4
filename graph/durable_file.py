"""Files written whole or not at all, and kept across a crash: the one way the graph stores,
the journal and the originals replace a file (the graph package is below the service)."""

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def replace_durably(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``path`` with what ``write`` puts in a fresh file: the file is synced, renamed
    over ``path`` and the directory synced, so a reader sees the old file or the new one,
    never part of one, and the new one survives a crash once this returns. The temporary file
    has a name of its own (replicas may write one shared directory); it is removed when
    ``write`` fails."""
    # A name of its own, created as open() creates a file (the umask applies: mkstemp's files
    # are private to their owner).
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
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
