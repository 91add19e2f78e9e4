"""The production backend: Neo4j 5 over Bolt with the official driver."""

from collections.abc import Mapping
from typing import Any

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ClientError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)
from neo4j.graph import Node, Path, Relationship

from graph import cypher
from graph.cypher_store import CypherGraphStore
from graph.errors import GraphUnavailableError, QueryError, ReadOnlyViolationError
from graph.models import QueryResult
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
        try:
            records, _, _ = self._driver.execute_query(
                query, dict(parameters or {}), routing_=RoutingControl.READ,
                database_=self._database,
            )
        except (ServiceUnavailable, SessionExpired) as exc:
            raise GraphUnavailableError(f"Neo4j is not reachable: {exc}") from exc
        except Neo4jError as exc:
            raise QueryError(str(exc)) from exc
        return [record.data() for record in records]

    def _write(self, statements: list[cypher.Statement]) -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            for query, parameters in statements:
                tx.run(query, parameters).consume()

        try:
            with self._driver.session(database=self._database) as session:
                session.execute_write(work)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise GraphUnavailableError(f"Neo4j is not reachable: {exc}") from exc
        except Neo4jError as exc:
            raise QueryError(str(exc)) from exc

    def ensure_schema(self) -> None:
        for statement in cypher.neo4j_schema():
            self._read_write_single(statement)

    def _read_write_single(self, statement: str) -> None:
        try:
            self._driver.execute_query(statement, database_=self._database)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise GraphUnavailableError(f"Neo4j is not reachable: {exc}") from exc
        except Neo4jError as exc:
            raise QueryError(str(exc)) from exc

    def run_read(self, query: str, parameters: Mapping[str, Any] | None = None,
                 *, max_rows: int = 1000, timeout_s: float = 10.0) -> QueryResult:
        check_read_only(query)

        @neo4j.unit_of_work(timeout=timeout_s)
        def work(tx: neo4j.ManagedTransaction) -> tuple[list[str], list[list[Any]]]:
            result = tx.run(query, dict(parameters or {}))
            columns = list(result.keys())
            rows = []
            for record in result:
                if len(rows) >= max_rows:
                    raise QueryError(f"the query returned more than {max_rows} rows: add a LIMIT")
                rows.append([_to_json(v) for v in record.values()])
            return columns, rows

        try:
            # READ access mode: the server itself refuses any write in this transaction.
            with self._driver.session(database=self._database,
                                      default_access_mode=neo4j.READ_ACCESS) as session:
                columns, rows = session.execute_read(work)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise GraphUnavailableError(f"Neo4j is not reachable: {exc}") from exc
        except ClientError as exc:
            if exc.code and ("AccessMode" in exc.code or "Forbidden" in exc.code):
                raise ReadOnlyViolationError(exc.message or str(exc)) from exc
            if exc.code and "TransactionTimedOut" in exc.code:
                raise QueryError(f"query took longer than {timeout_s:g} s") from exc
            raise QueryError(exc.message or str(exc)) from exc
        except Neo4jError as exc:
            raise QueryError(str(exc)) from exc
        return QueryResult(columns=columns, rows=rows)

    def close(self) -> None:
        self._driver.close()


def _to_json(value: Any) -> Any:
    if isinstance(value, Node):
        properties = {k: _to_json(v) for k, v in value.items()}
        return {"id": properties.get("id"), "labels": sorted(value.labels),
                "properties": properties}
    if isinstance(value, Relationship):
        start, end = value.start_node, value.end_node
        return {
            "type": value.type,
            "start": start.get("id") if start is not None else None,
            "end": end.get("id") if end is not None else None,
            "properties": {k: _to_json(v) for k, v in value.items()},
        }
    if isinstance(value, Path):
        return {"nodes": [_to_json(n) for n in value.nodes],
                "relationships": [_to_json(r) for r in value.relationships]}
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
