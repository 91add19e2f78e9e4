"""The statement check of the read-only Cypher path: a lexer and a clause-level parser.

A reader's query is lexed here, checked against allow-lists, and then *rendered again from
its tokens*: the database never sees the text the reader wrote, only a canonical form of
what was checked (no comments, one ASCII space between tokens, strings and names re-quoted
with plain escapes). Whatever a database's own lexer does with a lone ``\\r``, U+180E or an
unclosed comment, it cannot find a clause this check did not see.

What a query may hold:

- exactly one statement (a trailing ``;`` is dropped; text that does not lex, or several
  statements, is a ``QueryError``: HTTP 400);
- it starts with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL;
- clause keywords of either dialect other than the reading ones (CREATE, SET, LOAD, COPY,
  ROLLBACK, SHOW, USE, ...) are refused wherever they stand, also as a would-be variable;
- CALL names one of a few schema-introspection procedures; a function call names a pure
  function from the allow-list below.

A refused clause, procedure or function is a ``ReadOnlyViolationError`` (HTTP 403).

This is one layer of several: the stores also run the rendered query in a read-only
transaction, and the embedded store in a sandboxed worker process (``graph.query_worker``).
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from graph.errors import QueryError, ReadOnlyViolationError


class TokenKind(Enum):
    WORD = "word"          # an identifier or keyword; ``quoted`` when written in backticks
    STRING = "string"      # ``value`` is the decoded string
    NUMBER = "number"
    PARAMETER = "parameter"
    SYMBOL = "symbol"      # punctuation and operators


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    value: str
    start: int  # code-point offsets into the query as written
    end: int
    quoted: bool = False


# Multi-character operators first: the lexer takes the longest that matches.
_SYMBOLS = ("<>", "<=", ">=", "!=", "=~", "..", "->", "<-", "+=",
            "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "|", "+", "-", "*", "/", "%",
            "^", "=", "<", ">")
_NUMBER = re.compile(r"0[xX][0-9A-Fa-f]+|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r",
                   "b": "\b", "f": "\f"}
# Outside strings and quoted names: every code point Python or either database may read as
# a space is one, and so are the invisible format characters some lexers skip (U+180E,
# U+200B, U+2060, U+FEFF). Other control and format characters (U+202E ...) are refused.
_EXTRA_SPACES = frozenset("\u180e\u200b\u2060\ufeff")

# A statement must begin with one of these.
_FIRST_CLAUSES = frozenset({"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL"})
# Clause words of openCypher, Neo4j 5 and LadybugDB that read nothing but change, load,
# export, administer or end the transaction. Refused wherever they stand.
_REFUSED_WORDS = frozenset({
    "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER", "FOREACH",
    "LOAD", "COPY", "IMPORT", "EXPORT", "INSTALL", "UNINSTALL", "ATTACH", "USE", "BEGIN",
    "COMMIT", "ROLLBACK", "CHECKPOINT", "GRANT", "REVOKE", "DENY", "TERMINATE", "START",
    "STOP", "RENAME", "SHOW", "EXPLAIN", "PROFILE", "FINISH", "INSERT", "UPDATE", "UPSERT",
    "TRUNCATE", "ENABLE", "DISABLE", "DEALLOCATE", "REALLOCATE", "DRYRUN", "CYPHER",
    "EXECUTE", "PREPARE", "VACUUM", "ANALYZE", "TRANSACTION", "TRANSACTIONS", "PERIODIC",
    "MACRO", "SEQUENCE", "PROJECT",
})
# Reading keywords that a '(' may follow without making them a function call.
_KEYWORDS_BEFORE_PARENTHESES = frozenset({
    "MATCH", "OPTIONAL", "WHERE", "WITH", "UNWIND", "RETURN", "ORDER", "BY", "SKIP", "LIMIT",
    "UNION", "CALL", "YIELD", "AS", "DISTINCT", "AND", "OR", "XOR", "NOT", "IN", "IS",
    "CONTAINS", "STARTS", "ENDS", "CASE", "WHEN", "THEN", "ELSE", "END", "ASC", "DESC",
    "ASCENDING", "DESCENDING", "NULL", "TRUE", "FALSE", "SHORTEST", "ALL_SHORTEST",
})
# Procedures a reader may CALL: schema introspection only (lower case).
READ_PROCEDURES = frozenset({
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties", "dbms.components",
    "show_tables", "table_info", "show_connection",
})
# Pure functions of either dialect (lower case): aggregation, lists, strings, maths, time.
READ_FUNCTIONS = frozenset({
    "count", "sum", "avg", "min", "max", "collect", "stdev", "stdevp", "percentilecont",
    "percentiledisc",
    "size", "length", "labels", "label", "type", "id", "elementid", "keys", "properties",
    "nodes", "relationships", "rels", "startnode", "endnode", "head", "last", "tail", "range",
    "reverse", "coalesce", "exists", "isempty", "all", "any", "none", "single", "reduce",
    "tolower", "toupper", "lower", "upper", "lcase", "ucase", "trim", "ltrim", "rtrim", "btrim",
    "replace", "substring", "substr", "left", "right", "split", "string_split", "split_part",
    "concat", "repeat", "lpad", "rpad", "initcap", "levenshtein", "char_length",
    "character_length", "contains", "starts_with", "ends_with", "prefix", "suffix",
    "regexp_matches", "regexp_replace", "regexp_extract", "regexp_extract_all",
    "tostring", "tointeger", "tofloat", "toboolean", "tostringornull", "tointegerornull",
    "tofloatornull", "tobooleanornull", "cast", "nullif", "ifnull",
    "abs", "ceil", "ceiling", "floor", "round", "sign", "sqrt", "rand", "log", "log10", "log2",
    "ln", "exp", "e", "pi", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "degrees",
    "radians",
    "list_contains", "list_has", "list_extract", "list_element", "list_concat", "list_cat",
    "list_sort", "list_reverse_sort", "list_distinct", "list_unique", "list_sum",
    "list_product", "list_slice", "list_position", "list_reverse", "list_transform",
    "list_filter", "list_reduce", "array_extract",
    "array_slice", "element_at", "cardinality", "struct_extract", "map_extract",
    "date", "datetime", "localdatetime", "localtime", "time", "duration", "timestamp",
    "date_part", "datepart", "date_trunc", "current_date", "current_timestamp",
    "shortestpath", "allshortestpaths", "is_trail", "is_acyclic",
})


def _is_space(ch: str) -> bool:
    return ch.isspace() or ch in _EXTRA_SPACES or unicodedata.category(ch) in ("Zs", "Zl", "Zp")


def _char_name(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def tokenize(query: str) -> list[Token]:
    """The query's tokens, comments and spaces dropped. ``QueryError`` if it does not lex."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if _is_space(ch):
            i += 1
        elif query.startswith("//", i):
            # A comment ends at any line break; what follows is code, checked like the rest.
            i += 2
            while i < n and query[i] not in "\n\r\u2028\u2029\x85\x0b\x0c":
                i += 1
        elif query.startswith("/*", i):
            close = query.find("*/", i + 2)
            if close < 0:
                raise QueryError(f"unclosed comment at offset {i}")
            i = close + 2
        elif ch in "'\"":
            token, i = _lex_string(query, i)
            tokens.append(token)
        elif ch == "`":
            name, end = _lex_quoted_name(query, i)
            tokens.append(Token(TokenKind.WORD, name, i, end, quoted=True))
            i = end
        elif ch == "$":
            if i + 1 < n and query[i + 1] == "`":
                name, end = _lex_quoted_name(query, i + 1)
            else:
                end = _word_end(query, i + 1)
                name = query[i + 1:end]
            if not name or not (_PLAIN_NAME.fullmatch(name) or name.isdigit()):
                raise QueryError(f"invalid parameter name at offset {i}")
            tokens.append(Token(TokenKind.PARAMETER, name, i, end))
            i = end
        elif "0" <= ch <= "9":
            match = _NUMBER.match(query, i)
            assert match is not None
            end = match.end()
            if end < n and (query[end] == "_" or query[end].isalnum()):
                raise QueryError(f"invalid number at offset {i}")
            tokens.append(Token(TokenKind.NUMBER, match.group(0), i, end))
            i = end
        elif ch == "_" or ch.isalpha():
            end = _word_end(query, i)
            tokens.append(Token(TokenKind.WORD, query[i:end], i, end))
            i = end
        else:
            symbol = next((s for s in _SYMBOLS if query.startswith(s, i)), None)
            if symbol is None:
                raise QueryError(f"unexpected character {_char_name(ch)} at offset {i}")
            tokens.append(Token(TokenKind.SYMBOL, symbol, i, i + len(symbol)))
            i += len(symbol)
    return tokens


def _word_end(query: str, i: int) -> int:
    while i < len(query) and (query[i] == "_" or query[i].isalnum()):
        i += 1
    return i


def _lex_string(query: str, start: int) -> tuple[Token, int]:
    quote, i, n = query[start], start + 1, len(query)
    out: list[str] = []
    while i < n:
        ch = query[i]
        if ch == quote:
            return Token(TokenKind.STRING, "".join(out), start, i + 1), i + 1
        if ch == "\\":
            if i + 1 >= n:
                break
            code = query[i + 1]
            if code in _STRING_ESCAPES:
                out.append(_STRING_ESCAPES[code])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(code)
            digits = query[i + 2:i + 2 + width] if width else ""
            if not width or len(digits) != width or not re.fullmatch(r"[0-9A-Fa-f]+", digits):
                raise QueryError(f"invalid escape in a string at offset {i}")
            value = int(digits, 16)
            if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise QueryError(f"invalid escape in a string at offset {i}")
            out.append(chr(value))
            i += 2 + width
            continue
        out.append(ch)
        i += 1
    raise QueryError(f"unclosed string at offset {start}")


def _lex_quoted_name(query: str, start: int) -> tuple[str, int]:
    out, i, n = [], start + 1, len(query)
    while i < n:
        if query[i] == "`":
            if i + 1 < n and query[i + 1] == "`":
                out.append("`")
                i += 2
                continue
            name = "".join(out)
            if not name or any(unicodedata.category(c)[0] in "CZ" and c != " " for c in name):
                raise QueryError(f"invalid quoted name at offset {start}")
            return name, i + 1
        out.append(query[i])
        i += 1
    raise QueryError(f"unclosed quoted name at offset {start}")


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the check: the text to run and the column names as written."""

    text: str
    columns: list[str] | None

    def column_names(self, returned: list[str]) -> list[str]:
        """The names as written where they can be told, else the ones the database gave."""
        if self.columns is not None and len(self.columns) == len(returned):
            return self.columns
        return returned


def check_read_only(query: str) -> CheckedQuery:
    """Check one read-only statement; raise ``QueryError`` (does not parse, several
    statements) or ``ReadOnlyViolationError`` (a clause, procedure or function not allowed).
    Returns the canonical text to send to the database."""
    tokens = tokenize(query)
    if tokens and tokens[-1].value == ";" and tokens[-1].kind is TokenKind.SYMBOL:
        tokens = tokens[:-1]
    if not tokens:
        raise QueryError("the query is empty")
    if any(t.kind is TokenKind.SYMBOL and t.value == ";" for t in tokens):
        raise QueryError("send one statement at a time (no ';' between statements)")
    first = tokens[0]
    enclosing = _enclosing_brackets(tokens)
    procedure_name_at = -1
    for index, token in enumerate(tokens):
        if index == procedure_name_at or not _in_keyword_position(tokens, index, enclosing):
            continue
        word = token.value.upper()
        if word in _REFUSED_WORDS:
            raise ReadOnlyViolationError(f"{word} is not allowed: this endpoint only reads the graph")
        if word == "CALL":
            _check_call(tokens, index)
            procedure_name_at = index + 1
        elif word not in _KEYWORDS_BEFORE_PARENTHESES and _is_function_call(tokens, index):
            name = _dotted_name(tokens, index).lower()
            if name not in READ_FUNCTIONS:
                raise ReadOnlyViolationError(
                    f"function {name}() is not allowed: only pure read functions may be used")
    if first.kind is not TokenKind.WORD or first.quoted or first.value.upper() not in _FIRST_CLAUSES:
        raise ReadOnlyViolationError(
            "a read-only query starts with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL")
    return CheckedQuery(text=render(tokens), columns=_return_columns(query, tokens, enclosing))


def _in_keyword_position(tokens: list[Token], index: int, enclosing: list[str | None]) -> bool:
    """A bare word that is not a property key (after '.'), a label or type (after ':') or a
    map key (a word and ':' right after '{' or ',' inside braces)."""
    token = tokens[index]
    if token.kind is not TokenKind.WORD or token.quoted:
        return False
    previous = tokens[index - 1] if index > 0 else None
    if previous is not None and previous.kind is TokenKind.SYMBOL and previous.value in (".", ":"):
        return False
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    is_map_key = (following is not None and following.value == ":" and previous is not None
                  and previous.value in ("{", ",") and enclosing[index] == "{")
    return not is_map_key


_CLOSING = {")": "(", "]": "[", "}": "{"}


def _enclosing_brackets(tokens: list[Token]) -> list[str | None]:
    """For each token, the innermost bracket open around it (None: top level), in one pass so
    that the check stays linear in the query's length. ``QueryError`` if brackets do not pair."""
    stack: list[str] = []
    enclosing: list[str | None] = []
    for token in tokens:
        enclosing.append(stack[-1] if stack else None)
        if token.kind is not TokenKind.SYMBOL:
            continue
        if token.value in "([{":
            stack.append(token.value)
        elif token.value in _CLOSING and (not stack or stack.pop() != _CLOSING[token.value]):
            raise QueryError(f"unbalanced '{token.value}' at offset {token.start}")
    if stack:
        raise QueryError(f"unclosed '{stack[-1]}'")
    return enclosing


def _dotted_end(tokens: list[Token], index: int) -> int:
    """The index after the dotted name that starts at ``index`` (db.schema.visualization)."""
    i = index + 1
    while (i + 1 < len(tokens) and tokens[i].value == "." and tokens[i].kind is TokenKind.SYMBOL
           and tokens[i + 1].kind is TokenKind.WORD):
        i += 2
    return i


def _dotted_name(tokens: list[Token], index: int) -> str:
    return ".".join(tokens[k].value for k in range(index, _dotted_end(tokens, index), 2))


def _is_function_call(tokens: list[Token], index: int) -> bool:
    i = _dotted_end(tokens, index)
    return i < len(tokens) and tokens[i].kind is TokenKind.SYMBOL and tokens[i].value == "("


def _check_call(tokens: list[Token], index: int) -> None:
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is None or following.kind is not TokenKind.WORD:
        raise ReadOnlyViolationError("CALL takes a schema procedure here, not a subquery")
    name = _dotted_name(tokens, index + 1).lower()
    if name not in READ_PROCEDURES or not _is_function_call(tokens, index + 1):
        raise ReadOnlyViolationError(
            f"CALL {name} is not allowed: only schema procedures may be called")


def render(tokens: list[Token]) -> str:
    """The canonical text of the tokens: what the database runs.

    One space between tokens, except inside brackets, before a comma, around a property dot
    before a subscript and around ``..``: LadybugDB's grammar wants no space before a comma in
    ORDER BY, before ``[2]`` or inside ``[1..3]``. Two tokens are never
    glued where they could read as one (``-`` ``-``, ``/`` ``*``, ``<`` ``-``)."""
    parts: list[str] = []
    for i, token in enumerate(tokens):
        if i:
            previous = tokens[i - 1]
            if not (_symbol(previous, "([{") or _symbol(token, ")]},")
                    or (_symbol(token, ".") and previous.kind is not TokenKind.NUMBER)
                    or (_symbol(previous, ".") and token.kind is not TokenKind.NUMBER)
                    or (_symbol(token, "[") and _is_subscripted(previous))
                    or ".." in (token.value, previous.value)):
                parts.append(" ")
        parts.append(_render_token(token))
    return "".join(parts)


def _is_subscripted(token: Token) -> bool:
    """Whether a '[' after this token indexes it (``l[2]``, ``labels(n)[0]``): LadybugDB wants
    no space there, while after a keyword (``RETURN [1, 2]``) it needs one."""
    if token.kind is TokenKind.WORD:
        return token.quoted or token.value.upper() not in _KEYWORDS_BEFORE_PARENTHESES
    return token.kind is TokenKind.PARAMETER or _symbol(token, ")]")


def _symbol(token: Token, symbols: str) -> bool:
    return token.kind is TokenKind.SYMBOL and len(token.value) == 1 and token.value in symbols


def _render_token(token: Token) -> str:
    if token.kind is TokenKind.STRING:
        return "'" + "".join(_render_string_char(c) for c in token.value) + "'"
    if token.kind is TokenKind.WORD:
        if not token.quoted and _PLAIN_NAME.fullmatch(token.value):
            return token.value
        return "`" + token.value.replace("`", "``") + "`"
    if token.kind is TokenKind.PARAMETER:
        return "$" + token.value
    return token.value


def _render_string_char(ch: str) -> str:
    if ch in "\\'":
        return "\\" + ch
    if unicodedata.category(ch)[0] in "CZ" and ch != " ":
        code = ord(ch)
        return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"
    return ch


_RETURN = frozenset({"RETURN"})
_COLUMN_ENDS: frozenset[str] = frozenset({"ORDER", "SKIP", "LIMIT", "UNION"})


def _return_columns(query: str, tokens: list[Token], enclosing: list[str | None]
                    ) -> list[str] | None:
    """Column names as Neo4j gives them: the alias, else the expression as written.

    LadybugDB renames unaliased expressions (``count(t)`` becomes ``COUNT(t._ID)``) and both
    databases see the canonical text, so the names come from the final RETURN as the reader
    wrote it. None when they cannot be told (``RETURN *``).
    """
    def top_level_word(i: int, words: frozenset[str]) -> bool:
        return (enclosing[i] is None and _in_keyword_position(tokens, i, enclosing)
                and tokens[i].value.upper() in words)

    returns = [i for i in range(len(tokens)) if top_level_word(i, _RETURN)]
    if not returns:
        return None
    items: list[list[Token]] = [[]]
    for i in range(returns[-1] + 1, len(tokens)):
        token = tokens[i]
        if top_level_word(i, _COLUMN_ENDS):
            break
        if enclosing[i] is None and token.kind is TokenKind.SYMBOL and token.value == ",":
            items.append([])
            continue
        items[-1].append(token)
    if items[0] and items[0][0].kind is TokenKind.WORD and items[0][0].value.upper() == "DISTINCT":
        items[0] = items[0][1:]
    names = []
    for item in items:
        if not item or (len(item) == 1 and item[0].value == "*"):
            return None
        if (len(item) >= 3 and item[-2].kind is TokenKind.WORD and not item[-2].quoted
                and item[-2].value.upper() == "AS" and item[-1].kind is TokenKind.WORD):
            names.append(item[-1].value)
        else:
            names.append(query[item[0].start:item[-1].end])
    return names
