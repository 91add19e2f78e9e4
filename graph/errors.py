"""Errors of the graph package. One root; the API maps them to HTTP statuses in one place."""


class GraphError(Exception):
    """Root of every error a GraphStore raises."""


class GraphUnavailableError(GraphError):
    """The backend cannot be reached (Neo4j down, database file missing or locked)."""


class GraphLockedError(GraphUnavailableError):
    """The embedded database is held for writing by another process."""


class ReadOnlyViolationError(GraphError):
    """A query sent through the read-only path tried to write."""


class QueryError(GraphError):
    """A query failed: syntax error, unknown label, timeout, result too large."""
