"""A persistent cache of passage vectors keyed by (embedder name, sha256 of the text).

Re-ingesting unchanged text, re-ingesting after a delete, documents sharing sentences and a
``reindex`` with the same model then cost no model time. One SQLite file (stdlib, transactional,
safe with several processes); vectors are stored as float32 bytes, exactly as the model gave
them, so a cached vector and a fresh one are the same.

Bounded: beyond ``max_entries`` the least recently used entries are evicted. Safe to delete:
a missing file is recreated empty, and an unreadable one is set aside and replaced (it is a
cache; losing it costs only model time).
"""

import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from embeddings.base import Vectors

log = logging.getLogger(__name__)

#: ~1.5 KB per 384-dimensional vector: the default bound is about 300 MB on disk.
DEFAULT_MAX_ENTRIES = 200_000
_SQLITE_VARIABLES = 900  # stay under SQLite's bound on parameters per statement
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    sha TEXT NOT NULL,
    dimension INTEGER NOT NULL,
    vector BLOB NOT NULL,
    used REAL NOT NULL,
    PRIMARY KEY (model, sha)
);
CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used);
"""


class EmbeddingCache:
    """Vectors by (model, text sha256). Thread-safe; several processes may share the file."""

    def __init__(self, path: Path, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.path = path
        self.max_entries = max_entries
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        # Opened on first use (constructors do no I/O).
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._conn = self._open()
            except sqlite3.DatabaseError as exc:
                aside = self.path.with_name(self.path.name + f".corrupt-{int(time.time())}")
                log.warning("embedding cache %s is unreadable (%s): moved to %s, starting empty",
                            self.path, exc, aside)
                self.path.rename(aside)
                self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False,
                               isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def get(self, model: str, dimension: int, shas: Iterable[str]) -> dict[str, Vectors]:
        """The cached vectors among ``shas`` (1-d float32 arrays), marking them as used."""
        wanted = list(dict.fromkeys(shas))
        found: dict[str, Vectors] = {}
        if not wanted:
            return found
        with self._lock:
            conn = self._connection()
            for start in range(0, len(wanted), _SQLITE_VARIABLES):
                chunk = wanted[start:start + _SQLITE_VARIABLES]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT sha, vector FROM vectors WHERE model = ? AND dimension = ? "
                    f"AND sha IN ({marks})", (model, dimension, *chunk)).fetchall()
                for sha, blob in rows:
                    found[sha] = np.frombuffer(blob, dtype=np.float32)
            if found:
                now = time.time()
                conn.executemany("UPDATE vectors SET used = ? WHERE model = ? AND sha = ?",
                                 [(now, model, sha) for sha in found])
        return found

    def put(self, model: str, shas: Sequence[str], vectors: Vectors) -> None:
        """Store one vector per sha (rows of ``vectors``); then evict beyond the bound."""
        if len(shas) != len(vectors):
            raise ValueError("one vector per sha")
        if not shas:
            return
        now = time.time()
        dimension = int(vectors.shape[1])
        rows = [(model, sha, dimension, np.ascontiguousarray(v, dtype=np.float32).tobytes(), now)
                for sha, v in zip(shas, vectors, strict=True)]
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)", rows)
                self._evict(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _evict(self, conn: sqlite3.Connection) -> None:
        (count,) = conn.execute("SELECT count(*) FROM vectors").fetchone()
        excess = int(count) - self.max_entries
        if excess > 0:
            # Evict a tenth more than needed, so that a full cache does not evict on every put.
            conn.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors "
                         "ORDER BY used LIMIT ?)", (excess + self.max_entries // 10,))

    def count(self, model: str | None = None) -> int:
        with self._lock:
            conn = self._connection()
            if model is None:
                row = conn.execute("SELECT count(*) FROM vectors").fetchone()
            else:
                row = conn.execute("SELECT count(*) FROM vectors WHERE model = ?",
                                   (model,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
