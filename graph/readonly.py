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


_CLAUSE_END = re.compile(r"\b(ORDER\s+BY|SKIP|LIMIT|UNION)\b", re.IGNORECASE)
_RETURN = re.compile(r"\bRETURN\b", re.IGNORECASE)
_ALIAS = re.compile(r"\s+AS\s+(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s*$", re.IGNORECASE)


def return_columns(query: str) -> list[str] | None:
    """Column names as Neo4j gives them: the alias, else the expression as written.

    LadybugDB renames unaliased expressions (``count(t)`` becomes ``COUNT(t._ID)``); this reads
    the names from the final RETURN instead. None when it cannot tell (``RETURN *``).
    """
    masked = _STRING_OR_COMMENT.sub(lambda m: "\0" * len(m.group(0)), query)
    depth = 0
    top_level = []
    for ch in masked:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        top_level.append(ch if depth == 0 else "\0")
    flat = "".join(top_level)
    returns = list(_RETURN.finditer(flat))
    if not returns:
        return None
    start = returns[-1].end()
    end_match = _CLAUSE_END.search(flat, start)
    end = end_match.start() if end_match else len(query)
    items, item_start = [], start
    for i in range(start, end):
        if flat[i] == ",":
            items.append(query[item_start:i])
            item_start = i + 1
    items.append(query[item_start:end])
    items = [re.sub(r"^\s*DISTINCT\s+", "", item, count=1, flags=re.IGNORECASE) if n == 0 else item
             for n, item in enumerate(items)]
    names = []
    for item in (i.strip().rstrip(";").strip() for i in items):
        if not item or item == "*":
            return None
        alias = _ALIAS.search(item)
        names.append(alias.group(1).strip("`") if alias else item)
    return names
