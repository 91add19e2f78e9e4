"""Uploaded files exactly as they came, content-addressed by sha256 under the data dir.

Layout: ``<root>/<sha[:2]>/<sha>`` holds the bytes and ``<sha>.name`` the source file name
(UTF-8). Both are written to a temporary file and renamed into place, so a reader never sees
half a file; saving the same bytes twice keeps one copy (the latest name wins there, so a
document's own name is its ``source``: see ``original_of``).
"""

import hashlib
import re
from pathlib import Path

from graph.durable_file import replace_durably
from graph.models import PolicyDocument

_SHA256 = re.compile(r"[0-9a-f]{64}")


class OriginalStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path | None:
        if not _SHA256.fullmatch(sha256):
            return None  # not a sha256: never a path outside the root
        return self.root / sha256[:2] / sha256

    def save(self, source_name: str, content: bytes) -> str:
        """Store ``content`` (once per distinct content) and return its sha256 hex."""
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_durably(path.with_name(sha256 + ".name"), lambda file: file.write(source_name.encode("utf-8")))
        if not path.exists():
            replace_durably(path, lambda file: file.write(content))
        return sha256

    def get(self, sha256: str) -> tuple[str, bytes] | None:
        """(source name, bytes) of a stored file, or None when there is none."""
        path = self._path(sha256)
        if path is None:
            return None
        try:
            content = path.read_bytes()
            name = path.with_name(sha256 + ".name").read_text("utf-8")
        except FileNotFoundError:
            return None
        return name, content

    def original_of(self, document: PolicyDocument) -> tuple[str, bytes] | None:
        """(file name, bytes) a document was ingested from: documents with the same bytes
        share one stored copy, and each keeps its own name (its ``source``)."""
        stored = self.get(document.sha256) if document.sha256 else None
        if stored is None:
            return None
        name, content = stored
        return document.source or name, content

    def delete(self, sha256: str) -> bool:
        """Remove a stored file; False when there was none."""
        path = self._path(sha256)
        if path is None or not path.exists():
            return False
        path.unlink()
        path.with_name(sha256 + ".name").unlink(missing_ok=True)
        return True
