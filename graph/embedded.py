"""The embedded default: LadybugDB, one database file under the data dir, no server."""

import fcntl
import logging
import os
import threading
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ladybug

from graph import cypher
from graph.cypher_store import CypherGraphStore
from graph.durable_file import replace_durably
from graph.errors import (
    GraphError,
    GraphLockedError,
    GraphUnavailableError,
    QueryError,
)
from graph.models import GraphBatch, QueryResult
from graph.query_worker import DEFAULT_MAX_MEMORY_BYTES, QueryWorker
from graph.readonly import check_read_only
from graph.snapshot import GraphSnapshot


class EmbeddedGraphStore(CypherGraphStore):
    """GraphStore on a LadybugDB file. One process may hold it for writing; open it with
    ``read_only=True`` to read beside a writer."""

    backend = "embedded"
    _typed_parameters = True
    _type_function = "label"

    def __init__(self, database: "ladybug.Database", path: Path, *, read_only: bool = False,
                 query_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES, created: bool = False) -> None:
        self._database: ladybug.Database | None = database
        self._query_worker = QueryWorker(path, max_memory_bytes=query_memory_bytes)
        self._read_only = read_only
        self._local = threading.local()
        self._write_lock = threading.Lock()
        # The search snapshot a writer saves when it closes, and the marker that says which
        # graph it was read from: a token, or WRITING from before a write's commit until the
        # next save. A new process loads the snapshot only when the two match (bench: reading
        # the whole graph takes ~20 s at 10^6 sentences).
        self._snapshot_file = path.with_name(path.name + ".search-snapshot")
        self._marker_file = path.with_name(path.name + ".search-snapshot-marker")
        self._marked_writing = False
        self._saved_token: str | None = None  # the marker's token when the saved file is current
        if created:  # files left by a database that was at this path before
            self._snapshot_file.unlink(missing_ok=True)
            self._mark_writing()

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False,
             query_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES) -> "EmbeddedGraphStore":
        """Open (or create) the database file; says clearly when another process holds it."""
        if read_only and not path.exists():
            raise GraphUnavailableError(f"no graph database at {path}: ingest a document first")
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        try:
            database = ladybug.Database(str(path), read_only=read_only)
        except RuntimeError as exc:
            if "lock" in str(exc).lower():
                raise GraphLockedError(
                    f"the graph database {path} is in use by another process (a running "
                    "`policykg serve`?). Stop it, or send the change through its HTTP API."
                ) from exc
            raise GraphUnavailableError(f"cannot open graph database {path}: {exc}") from exc
        return cls(database, path, read_only=read_only, query_memory_bytes=query_memory_bytes,
                   created=created)

    @staticmethod
    def held_for_writing(path: Path) -> bool:
        """Whether another process holds the database file for writing (LadybugDB takes a
        POSIX write lock on it). Asks for a read lock and gives it back at once; a read-only
        open takes no lock, so readers never stand in a writer's way. Call it before this
        process opens the file for writing: closing the probe drops the process's own locks."""
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(descriptor)  # closing releases the probe's lock
        return False

    def _connection(self) -> "ladybug.Connection":
        # Connections are not shared across threads; each thread gets its own.
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._database is None:
                raise GraphUnavailableError("the graph store is closed")
            conn = ladybug.Connection(self._database)
            self._local.conn = conn
        return conn

    @staticmethod
    def _fetch(result: Any) -> tuple[list[str], list[list[Any]]]:
        columns = list(result.get_column_names())
        rows = []
        while result.has_next():
            rows.append(list(result.get_next()))
        return columns, rows

    def _execute(self, query: str, parameters: Mapping[str, Any] | None = None
                 ) -> tuple[list[str], list[list[Any]]]:
        try:
            return self._fetch(self._connection().execute(query, dict(parameters or {})))
        except RuntimeError as exc:
            raise QueryError(str(exc)) from exc

    def _read(self, query: str, parameters: Mapping[str, Any] | None = None
              ) -> list[dict[str, Any]]:
        columns, rows = self._execute(query, parameters)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def _write(self, statements: list[cypher.Statement]) -> None:
        if self._read_only:
            raise GraphError("this graph store was opened read-only")
        with self._write_lock:
            self._mark_writing()
            conn = self._connection()
            conn.execute("BEGIN TRANSACTION")
            try:
                _run(conn, statements)
            except BaseException:
                _rollback(conn)
                raise
            conn.execute("COMMIT")

    def prime_writes(self, batch: GraphBatch) -> None:
        """Run the reads and statements of writing ``batch`` on this thread's connection in a
        transaction that is rolled back. LadybugDB prepares a statement the first time a
        connection runs it, holding Python's lock throughout (about 0.1 s for a document's
        statements): a server's first upload spent that while every search waited."""
        if self._read_only:
            return
        with self._write_lock:
            before = self._stored_structure(batch.document.id)
            statements = self._document_statements(batch, before, self._existing(batch))
            conn = self._connection()
            conn.execute("BEGIN TRANSACTION")
            try:
                _run(conn, statements)
            finally:
                try:
                    _rollback(conn)
                except RuntimeError as exc:
                    self._local.conn = None  # a connection in an unknown state is not used again
                    raise QueryError(f"could not undo the rehearsed write: {exc}") from exc

    def ensure_schema(self) -> None:
        if self._read_only:
            return
        for statement in cypher.ladybug_schema():
            self._execute(statement)
        for label in cypher.NODE_MODELS:
            _, rows = self._execute(cypher.ladybug_table_columns(label))
            for statement in cypher.ladybug_missing_columns(label, {str(r[0]) for r in rows}):
                self._mark_writing()
                self._execute(statement)

    def run_read(self, query: str, parameters: Mapping[str, Any] | None = None,
                 *, max_rows: int = 1000, timeout_s: float = 10.0,
                 max_bytes: int = 5_000_000) -> QueryResult:
        checked = check_read_only(query)
        result = self._query_worker.run(checked.text, parameters, max_rows=max_rows,
                                        timeout_s=timeout_s, max_bytes=max_bytes)
        return QueryResult(columns=checked.column_names(result.columns), rows=result.rows)

    def _forget(self, documents: Iterable[str] | None, nodes: Iterable[str] | None) -> None:
        super()._forget(documents, nodes)
        # The worker holds a read-only view from before the write: the next query gets a new one.
        self._query_worker.retire()

    def _mark_writing(self) -> None:
        """Say, durably and before the graph changes, that a saved snapshot no longer holds it."""
        if not self._marked_writing:
            self._set_marker(_WRITING)
            self._marked_writing, self._saved_token = True, None

    def _set_marker(self, text: str) -> None:
        replace_durably(self._marker_file, lambda file: file.write(text.encode("utf-8")))

    def _saved_snapshot(self) -> GraphSnapshot | None:
        try:
            token = self._marker_file.read_text("utf-8")
        except FileNotFoundError:
            return None
        if token == _WRITING:
            return None
        try:
            snapshot = GraphSnapshot.load(self._snapshot_file, token)
        except Exception as exc:  # a damaged file costs a whole read, nothing more
            _log.warning("cannot read the saved search snapshot %s (%s): reading the graph",
                         self._snapshot_file, exc)
            return None
        if snapshot is None or not self._holds_what_is_stored(snapshot):
            return None
        self._saved_token = token
        return snapshot

    def _save_snapshot(self) -> None:
        """Save the cached snapshot for the next process, when it holds the graph as it is."""
        snapshot = self._cached_snapshot
        if self._read_only or snapshot is None or self._snapshot_writes != self._writes \
                or self._saved_token is not None:  # the saved one holds it already
            return
        token = uuid.uuid4().hex
        try:
            snapshot.save(self._snapshot_file, token)
            self._set_marker(token)
            self._marked_writing, self._saved_token = False, token
        except OSError as exc:
            _log.warning("cannot save the search snapshot to %s: %s", self._snapshot_file, exc)

    def close(self) -> None:
        if self._database is not None:
            self._save_snapshot()
        self._query_worker.close()
        self._local = threading.local()
        database = self._database
        if database is not None:
            database.close()
            self._database = None


_WRITING = "writing"
_log = logging.getLogger("policykg.graph")


def _run(conn: "ladybug.Connection", statements: list[cypher.Statement]) -> None:
    """Run the statements in order; a failing one is a QueryError that names it."""
    for query, parameters in statements:
        try:
            conn.execute(query, parameters)
        except RuntimeError as exc:
            raise QueryError(f"{exc} (in: {query[:120]})") from exc


def _rollback(conn: "ladybug.Connection") -> None:
    """Roll back if a transaction is still open (a failed statement already rolled it back)."""
    try:
        conn.execute("ROLLBACK")
    except RuntimeError as exc:
        if "No active transaction" not in str(exc):
            raise


