"""An index directory replaced atomically: write a staging copy, then swap it in with renames,
so a crash leaves the old index or the new one, never a mix."""

import json
import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_directory(directory: Path) -> Iterator[Path]:
    """Yield an empty staging directory; on success it replaces ``directory``."""
    parent = directory.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{directory.name}.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    yield staging
    old = parent / f".{directory.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        os.rename(directory, old)
    os.rename(staging, directory)
    shutil.rmtree(old, ignore_errors=True)


def recover_interrupted_swap(directory: Path) -> None:
    """A crash between the two renames of a swap leaves only the ``.old`` directory."""
    old = directory.parent / f".{directory.name}.old"
    if not directory.exists() and old.exists():
        os.rename(old, directory)


def saved_generation(directory: Path) -> str | None:
    """The ``generation`` token of the index saved in ``directory`` (new at every save), so
    that a process can tell whether another one saved it since; None if there is none."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    generation = manifest.get("generation") if isinstance(manifest, dict) else None
    return str(generation) if generation is not None else None


class SavedIndex(ABC):
    """An in-memory index kept in step with the one saved in ``directory``: it remembers the
    generation it reflects, so that it can tell when another process saved since, and reload."""

    directory: Path
    changed: bool  # since opened or saved
    _generation: str | None  # of the saved index this one reflects
    # Generations saved by this index or its copies (the next generation a server builds while
    # this one serves saves into the same directory: no other process' save).
    _own_saves: set[str]

    def saved_elsewhere(self) -> bool:
        """Whether another process saved this index since this one was opened or saved (one
        small file read: cheap enough to ask every few seconds)."""
        saved = saved_generation(self.directory)
        return saved != self._generation and saved not in self._own_saves

    def reload_if_changed(self) -> bool:
        """Re-read the saved index, in place, if another process saved it since this one was
        opened or saved (a CLI ingest beside a server on Neo4j); unsaved changes are dropped."""
        recover_interrupted_swap(self.directory)
        if not self.saved_elsewhere():
            return False
        self._reload()
        self.changed = False
        return True

    @abstractmethod
    def _reload(self) -> None:
        """Replace the contents, and the generation, with those of the saved index."""


def write_json(path: Path, data: object) -> None:
    # json.dumps, not json.dump: dump encodes in Python, chunk by chunk (0.5 s for the corpus'
    # entries, during every write), dumps in C at once.
    text = json.dumps(data, ensure_ascii=False)
    with path.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
