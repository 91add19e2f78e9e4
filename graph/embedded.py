"""The embedded default: LadybugDB, one database file under the data dir, no server."""

import threading
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_args

import ladybug

from graph import cypher
from graph.cypher_store import CypherGraphStore, enforce_result_size
from graph.errors import (
    GraphError,
    GraphLockedError,
    GraphUnavailableError,
    QueryError,
    ReadOnlyViolationError,
)
from graph.models import QueryResult
from graph.readonly import check_read_only, return_columns


class EmbeddedGraphStore(CypherGraphStore):
    """GraphStore on a LadybugDB file. One process may hold it for writing; open it with
    ``read_only=True`` to read beside a writer."""

    backend = "embedded"
    _typed_parameters = True
    _type_function = "label"

    def __init__(self, database: "ladybug.Database", *, read_only: bool = False) -> None:
        self._database: ladybug.Database | None = database
        self._read_only = read_only
        self._local = threading.local()
        self._write_lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> "EmbeddedGraphStore":
        """Open (or create) the database file; says clearly when another process holds it."""
        if read_only and not path.exists():
            raise GraphUnavailableError(f"no graph database at {path}: ingest a document first")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            database = ladybug.Database(str(path), read_only=read_only)
        except RuntimeError as exc:
            if "lock" in str(exc).lower():
                raise GraphLockedError(
                    f"the graph database {path} is in use by another process (a running "
                    "`policykg serve`?). Stop it, or send the change through its HTTP API."
                ) from exc
            raise GraphUnavailableError(f"cannot open graph database {path}: {exc}") from exc
        return cls(database, read_only=read_only)

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
            conn = self._connection()
            conn.execute("BEGIN TRANSACTION")
            try:
                for query, parameters in statements:
                    conn.execute(query, parameters)
            except BaseException as exc:
                _rollback(conn)
                if isinstance(exc, RuntimeError):
                    raise QueryError(f"{exc} (in: {query[:120]})") from exc
                raise
            conn.execute("COMMIT")

    def ensure_schema(self) -> None:
        if self._read_only:
            return
        for statement in cypher.ladybug_schema():
            self._execute(statement)

    def run_read(self, query: str, parameters: Mapping[str, Any] | None = None,
                 *, max_rows: int = 1000, timeout_s: float = 10.0,
                 max_bytes: int = 5_000_000) -> QueryResult:
        check_read_only(query)
        conn = self._connection()
        conn.set_query_timeout(int(timeout_s * 1000))
        conn.execute("BEGIN TRANSACTION READ ONLY")
        try:
            columns, rows = self._fetch(conn.execute(query, dict(parameters or {})))
        except RuntimeError as exc:
            message = str(exc)
            if "read-only" in message:
                raise ReadOnlyViolationError(message) from exc
            if "Interrupted" in message:
                raise QueryError(f"query took longer than {timeout_s:g} s") from exc
            raise QueryError(message) from exc
        finally:
            _rollback(conn)
            conn.set_query_timeout(0)
        if len(rows) > max_rows:
            raise QueryError(f"the query returned more than {max_rows} rows: add a LIMIT")
        labels = self._table_labels()
        resolve = self._node_ids_by_internal_id(rows, labels)
        written = return_columns(query)
        converted = [[_to_json(v, labels, resolve) for v in row] for row in rows]
        enforce_result_size(converted, max_bytes)
        return QueryResult(
            columns=written if written is not None and len(written) == len(columns) else columns,
            rows=converted,
        )

    def _table_labels(self) -> dict[int, str]:
        _, rows = self._execute(cypher.LADYBUG_TABLES)
        return {int(r[0]): str(r[1]) for r in rows}

    def _node_ids_by_internal_id(self, rows: list[list[Any]], labels: dict[int, str]
                                 ) -> dict[tuple[int, int], str]:
        """Map the internal ids that relationship values carry to the nodes' ``id``."""
        wanted: dict[int, set[int]] = {}
        for value in _walk(rows):
            if isinstance(value, dict) and "_SRC" in value:
                for end in (value["_SRC"], value["_DST"]):
                    wanted.setdefault(int(end["table"]), set()).add(int(end["offset"]))
        resolved: dict[tuple[int, int], str] = {}
        for table, offsets in wanted.items():
            label = labels[table]
            _, found = self._execute(cypher.ladybug_node_ids_by_offset(label),
                                     {"offsets": sorted(offsets)})
            resolved.update({(table, int(o)): str(i) for o, i in found})
        return resolved

    def close(self) -> None:
        self._local = threading.local()
        database = self._database
        if database is not None:
            database.close()
            self._database = None


def _column_value(label: str, name: str, value: Any) -> Any:
    model = cypher.NODE_MODELS.get(label)  # type: ignore[call-overload]
    field = model.model_fields.get(name) if model else None
    if field is None or not isinstance(value, str):
        return value
    annotation = [a for a in get_args(field.annotation) if a is not type(None)] or [field.annotation]
    if annotation[0] in (int, float):
        try:
            return annotation[0](value)
        except ValueError:
            return value
    return value


def _rollback(conn: "ladybug.Connection") -> None:
    """Roll back if a transaction is still open (a failed statement already rolled it back)."""
    try:
        conn.execute("ROLLBACK")
    except RuntimeError as exc:
        if "No active transaction" not in str(exc):
            raise


def _walk(value: Any) -> Any:
    if isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value
        if isinstance(value, dict) and "_LABEL" not in value:
            for item in value.values():
                yield from _walk(item)


def _to_json(value: Any, labels: dict[int, str], resolve: dict[tuple[int, int], str]) -> Any:
    if isinstance(value, dict) and "_SRC" in value:
        return {
            "type": value["_LABEL"],
            "start": resolve.get((int(value["_SRC"]["table"]), int(value["_SRC"]["offset"]))),
            "end": resolve.get((int(value["_DST"]["table"]), int(value["_DST"]["offset"]))),
            "properties": {k: _to_json(v, labels, resolve)
                           for k, v in value.items() if not k.startswith("_")},
        }
    if isinstance(value, dict) and "_LABEL" in value and "_ID" in value:
        label = value["_LABEL"]
        # Like Neo4j, a node shows only the properties it has. An unlabelled match unions all
        # tables' columns and coerces clashing types (Section.level to STRING): undo that.
        properties = {k: _to_json(_column_value(label, k, v), labels, resolve)
                      for k, v in value.items() if not k.startswith("_") and v is not None}
        return {"id": properties.get("id"), "labels": [label], "properties": properties}
    if isinstance(value, dict):
        return {k: _to_json(v, labels, resolve) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v, labels, resolve) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
