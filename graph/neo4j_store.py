"""The production backend: Neo4j 5 over Bolt with the official driver."""

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ClientError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from neo4j.graph import Node, Path, Relationship

from graph import cypher
from graph.base import SEARCH_CHANGES_KEPT, SearchChange, StoredVector
from graph.cypher_store import CypherGraphStore, enforce_result_size
from graph.errors import GraphUnavailableError, QueryError, ReadOnlyViolationError
from graph.models import GraphBatch, QueryResult
from graph.readonly import check_read_only


class Neo4jGraphStore(CypherGraphStore):
    """GraphStore on a Neo4j server; receives a ready driver (no I/O in the constructor)."""

    backend = "neo4j"

    def __init__(self, driver: neo4j.Driver, database: str | None = None) -> None:
        self._driver = driver
        self._database = database

    @classmethod
    def connect(cls, uri: str, user: str, password: str, database: str | None = None
                ) -> "Neo4jGraphStore":
        """Build a driver and check that the server answers, with a clear error if not."""
        driver = GraphDatabase.driver(uri, auth=(user, password),
                                      connection_timeout=5, max_transaction_retry_time=5)
        try:
            driver.verify_connectivity()
        except AuthError as exc:
            driver.close()
            raise GraphUnavailableError(f"Neo4j at {uri} refused the credentials of {user!r}") from exc
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            driver.close()
            raise GraphUnavailableError(f"Neo4j at {uri} is not reachable: {exc}") from exc
        return cls(driver, database)

    def _read(self, query: str, parameters: Mapping[str, Any] | None = None
              ) -> list[dict[str, Any]]:
        with _translated_errors():
            records, _, _ = self._driver.execute_query(
                query, dict(parameters or {}), routing_=RoutingControl.READ,
                database_=self._database,
            )
        return [record.data() for record in records]

    def _write(self, statements: list[cypher.Statement]) -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            for query, parameters in statements:
                tx.run(query, parameters).consume()

        with _translated_errors(), self._driver.session(database=self._database) as session:
            session.execute_write(work)

    def prime_writes(self, batch: GraphBatch) -> None:
        """Nothing to rehearse: the server prepares and caches statements on its side."""

    def ensure_schema(self) -> None:
        for statement in cypher.neo4j_schema():
            self._read_write_single(statement)

    def _read_write_single(self, statement: str) -> None:
        with _translated_errors():
            self._driver.execute_query(statement, database_=self._database)

    def run_read(self, query: str, parameters: Mapping[str, Any] | None = None,
                 *, max_rows: int = 1000, timeout_s: float = 10.0,
                 max_bytes: int = 5_000_000) -> QueryResult:
        checked = check_read_only(query)

        @neo4j.unit_of_work(timeout=timeout_s)
        def work(tx: neo4j.ManagedTransaction) -> tuple[list[str], list[list[Any]]]:
            result = tx.run(checked.text, dict(parameters or {}))
            columns = list(result.keys())
            raw: list[list[Any]] = []
            size = 0
            for record in result:
                if len(raw) >= max_rows:
                    raise QueryError(f"the query returned more than {max_rows} rows: add a LIMIT")
                values = list(record.values())
                # Bound the bytes as rows stream, not after all of them are held.
                size += len(json.dumps(values, ensure_ascii=False, default=str).encode())
                if size > max_bytes:
                    raise QueryError(f"the result is larger than {max_bytes} bytes: "
                                     "return fewer rows or columns")
                raw.append(values)
            # A relationship's end nodes arrive without properties unless also returned:
            # look their ``id`` up in the same transaction.
            element_ids = sorted({n.element_id for n in _relationship_ends(raw)
                                  if n.get("id") is None})
            node_ids = {}
            if element_ids:
                node_ids = {r["e"]: r["id"] for r in tx.run(
                    cypher.NEO4J_NODE_IDS_BY_ELEMENT_ID, ids=element_ids)}
            converted = [[_to_json(v, node_ids) for v in row] for row in raw]
            enforce_result_size(converted, max_bytes)
            return columns, converted

        # READ access mode: the server itself refuses any write in this transaction.
        with (_translated_errors(read_timeout_s=timeout_s),
              self._driver.session(database=self._database,
                                   default_access_mode=neo4j.READ_ACCESS) as session):
            columns, rows = session.execute_read(work)
        return QueryResult(columns=checked.column_names(columns), rows=rows)

    # --- what search replicas share (graph.base.SharedSearchStore) -------------------------

    def search_generation(self) -> int:
        rows = self._read(cypher.SEARCH_GENERATION)
        return int(rows[0]["g"]) if rows else 0

    def search_changes(self, since: int) -> tuple[int, list[SearchChange]]:
        upto = self.search_generation()
        if upto <= since:
            return upto, []
        rows = self._read(cypher.SEARCH_CHANGES, {"since": since, "upto": upto})
        return upto, [SearchChange(int(r["g"]), str(r["doc"])) for r in rows]

    def vector_keys(self, model: str, doc_ids: Collection[str] | None = None
                    ) -> dict[str, tuple[str, str]]:
        if doc_ids is None:
            rows = self._read(cypher.VECTOR_KEYS, {"model": model})
        else:
            rows = self._read(cypher.DOCUMENT_VECTOR_KEYS, {"model": model, "docs": sorted(doc_ids)})
        return {r["s"]: (r["d"], r["h"]) for r in rows}

    def stored_vectors(self, model: str, doc_ids: Collection[str]) -> list[StoredVector]:
        if not doc_ids:
            return []
        with _translated_errors():
            # Records as they come: ``Record.data()`` would walk every byte of the vectors.
            records, _, _ = self._driver.execute_query(
                cypher.STORED_VECTORS, {"model": model, "docs": sorted(doc_ids)},
                routing_=RoutingControl.READ, database_=self._database)
        return [StoredVector(r["s"], r["d"], r["t"], r["h"], bytes(r["x"])) for r in records]

    def publish_vectors(self, doc_id: str, model: str, upsert: Sequence[StoredVector],
                        keep: Collection[str]) -> int:
        rows = [{"s": v.sentence_id, "d": v.doc_id, "t": v.task_id, "h": v.text_sha,
                 "x": bytearray(v.vector)} for v in upsert]

        def work(tx: neo4j.ManagedTransaction) -> int:
            tx.run(cypher.DELETE_STALE_VECTORS, doc=doc_id, keep=list(keep)).consume()
            for start in range(0, len(rows), 2000):
                tx.run(cypher.UPSERT_VECTORS, rows=rows[start:start + 2000], model=model).consume()
            generation = int(tx.run(cypher.BUMP_SEARCH_GENERATION, doc=doc_id)
                             .single(strict=True)["g"])
            tx.run(cypher.PRUNE_SEARCH_CHANGES, below=generation - SEARCH_CHANGES_KEPT).consume()
            return generation

        with _translated_errors(), self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    # --- records and the write lock every replica reads (graph.base.SharedStateStore) -------

    def read_state(self, key: str) -> str | None:
        rows = self._read(cypher.READ_STATE, {"key": key})
        return rows[0]["text"] if rows else None

    def write_state(self, key: str, text: str | None) -> None:
        if text is None:
            self._write([(cypher.DELETE_STATE, {"key": key})])
        else:
            self._write([(cypher.WRITE_STATE, {"key": key, "text": text})])

    def acquire_lease(self, key: str, holder: str, token: str, ttl_s: float, *,
                      steal_from: str | None = None) -> str | None:
        def work(tx: neo4j.ManagedTransaction) -> tuple[bool, str | None]:
            row = tx.run(cypher.ACQUIRE_LEASE, key=key, token=token, holder=holder,
                         steal=steal_from or "", ttl_ms=int(ttl_s * 1000)).single(strict=True)
            return bool(row["free"]), row["holder"]

        with _translated_errors(), self._driver.session(database=self._database) as session:
            free, current = session.execute_write(work)
        return None if free else (current or "another process")

    def renew_lease(self, key: str, token: str, ttl_s: float) -> bool:
        with _translated_errors():
            records, _, _ = self._driver.execute_query(
                cypher.RENEW_LEASE, {"key": key, "token": token, "ttl_ms": int(ttl_s * 1000)},
                database_=self._database)
        return bool(records and records[0]["c"])

    def release_lease(self, key: str, token: str) -> None:
        self._write([(cypher.RELEASE_LEASE, {"key": key, "token": token})])

    def close(self) -> None:
        self._driver.close()


@contextmanager
def _translated_errors(read_timeout_s: float | None = None) -> Iterator[None]:
    """Raise the driver's errors as graph errors: GraphUnavailableError when the server
    cannot be reached, QueryError for what it refuses. With ``read_timeout_s`` (the
    read-only path), a write refused by the READ access mode is a ReadOnlyViolationError
    and a transaction timeout says the limit."""
    try:
        yield
    except (ServiceUnavailable, SessionExpired) as exc:
        raise GraphUnavailableError(f"Neo4j is not reachable: {exc}") from exc
    except TransientError as exc:
        if "Unavailable" not in (exc.code or ""):
            raise QueryError(exc.message or str(exc)) from exc
        # A database starting or stopping (Neo.TransientError.General.DatabaseUnavailable):
        # retry later, as for a server that cannot be reached.
        raise GraphUnavailableError(f"Neo4j is unavailable for now: {exc.message or exc}") from exc
    except ClientError as exc:
        if read_timeout_s is None:
            raise QueryError(str(exc)) from exc
        if exc.code and ("AccessMode" in exc.code or "Forbidden" in exc.code):
            raise ReadOnlyViolationError(exc.message or str(exc)) from exc
        if exc.code and "TransactionTimedOut" in exc.code:
            raise QueryError(f"query took longer than {read_timeout_s:g} s") from exc
        raise QueryError(exc.message or str(exc)) from exc
    except Neo4jError as exc:
        raise QueryError(str(exc)) from exc


def _relationship_ends(value: Any) -> Iterator[Node]:
    if isinstance(value, Relationship):
        yield from (n for n in (value.start_node, value.end_node) if n is not None)
    elif isinstance(value, Path):
        for rel in value.relationships:
            yield from _relationship_ends(rel)
    elif isinstance(value, list):
        for item in value:
            yield from _relationship_ends(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _relationship_ends(item)


def _node_id(node: Node | None, node_ids: dict[str, str]) -> str | None:
    if node is None:
        return None
    return node.get("id") or node_ids.get(node.element_id)


def _to_json(value: Any, node_ids: dict[str, str]) -> Any:
    if isinstance(value, Node):
        properties = {k: _to_json(v, node_ids) for k, v in value.items()}
        return {"id": properties.get("id"), "labels": sorted(value.labels),
                "properties": properties}
    if isinstance(value, Relationship):
        return {
            "type": value.type,
            "start": _node_id(value.start_node, node_ids),
            "end": _node_id(value.end_node, node_ids),
            "properties": {k: _to_json(v, node_ids) for k, v in value.items()},
        }
    if isinstance(value, Path):
        return {"nodes": [_to_json(n, node_ids) for n in value.nodes],
                "relationships": [_to_json(r, node_ids) for r in value.relationships]}
    if isinstance(value, dict):
        return {k: _to_json(v, node_ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v, node_ids) for v in value]
    if isinstance(value, (bytes, bytearray)):
        # Binary properties (a SentenceVector's float32 bytes) are machine data, not for reading.
        return f"<{len(value)} bytes>"
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
