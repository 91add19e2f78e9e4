"""A check that refuses Cypher which writes, loads files or administers the database.

It is the second line of defence: both stores also run user queries in read-only
transactions, so the database itself refuses a write this check might miss.
"""

import re

from graph.errors import ReadOnlyViolationError

_WRITE_CLAUSES = (
    "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER", "FOREACH",
    "LOAD", "COPY", "IMPORT", "EXPORT", "INSTALL", "ATTACH", "GRANT", "REVOKE", "DENY",
    "TERMINATE", "START", "STOP", "RENAME", "CHECKPOINT", "USE", "BEGIN", "COMMIT", "ROLLBACK",
)
# Procedures a reader may call: schema introspection only.
_READ_PROCEDURES = (
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties", "dbms.components",
    "show_tables", "table_info", "show_connection",
)
_STRING_OR_COMMENT = re.compile(
    r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.DOTALL
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_CALL = re.compile(r"\bCALL\s+([A-Za-z_][A-Za-z0-9_.]*)", re.IGNORECASE)


def check_read_only(query: str) -> None:
    """Raise ``ReadOnlyViolationError`` naming the first clause that could write."""
    code = _STRING_OR_COMMENT.sub(" ", query)
    for word in _WORD.findall(code):
        if word.upper() in _WRITE_CLAUSES:
            raise ReadOnlyViolationError(
                f"{word.upper()} is not allowed: this endpoint only reads the graph"
            )
    for match in _CALL.finditer(code):
        procedure = match.group(1).lower()
        if procedure not in _READ_PROCEDURES:
            raise ReadOnlyViolationError(
                f"CALL {match.group(1)} is not allowed: only schema procedures may be called"
            )
