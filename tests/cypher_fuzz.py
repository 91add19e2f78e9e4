"""Seeded, grammar-aware generator of hostile /cypher queries (for the tests and `make soak`).

Each query wraps one forbidden operation (a write, a file load or export, a procedure, an
admin command, a second statement) in what could make a lexer read it differently from the
database: every Unicode space and line break around keywords, each comment form (also the
``//`` comment ended by a lone CR), strings and quoted names that hold comment or quote
marks, case changes, backticks, several statements, parameters.
"""

import random
from dataclasses import dataclass

# Unicode White_Space, the ASCII separators Python's str.split() takes, and format
# characters some lexers skip.
SPACES = ("\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
          "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u180e\u200b\u2060\ufeff")
COMMENTS = ("/*x*/", "/**/", "/*/*nested*/*/", "//x\n", "//x\r", "//x\r\n", "//x\u2028",
            "//x\u0085", "//*x*/", "/*//*/", "//\r", "/* ' */", '/* " */', "/* ` */")
READ_PREFIXES = ("RETURN 1;", "RETURN 8 //*x*/ 2;", "MATCH (n) RETURN n LIMIT 1;",
                 "RETURN '//';", "RETURN 1 //", "RETURN '\\'';", "WITH 1 AS x RETURN x;",
                 "RETURN 8 //*x*/ 2 ", "MATCH (t:Task) RETURN t.id LIMIT 1 UNION ALL ")
STRING_TRICKS = ("RETURN '\\\\' + '", "RETURN \"\\\"\" + \"", "RETURN `a``b` //",
                 "RETURN '/*' + ", "RETURN 'x\\u0027' + ", "WITH '\r' AS s ")


@dataclass(frozen=True)
class Paths:
    """Files an attack aims at: a canary to read, a folder to write into."""

    canary: str
    out_dir: str


def operations(paths: Paths) -> list[str]:
    canary, out = paths.canary, paths.out_dir
    return [
        "CREATE (:Place {id: 'fuzz', name: 'fuzz'})",
        "MERGE (p:Place {id: 'fuzz'}) RETURN p",
        "MATCH (t:Task) SET t.title = 'fuzz'",
        "MATCH (t:Task) DETACH DELETE t",
        "MATCH (s:Sentence) DELETE s",
        "MATCH (t:Task) REMOVE t.title",
        "MATCH (t:Task) FOREACH (x IN [1] | SET t.title = 'fuzz')",
        "MATCH (t:Task) CALL { WITH t SET t.title = 'fuzz' } RETURN count(t)",
        f"LOAD FROM '{canary}' RETURN *",
        f"LOAD FROM '{canary}' (file_format='csv', delim='|') RETURN *",
        f"LOAD CSV FROM 'file://{canary}' AS line RETURN line",
        f"CALL READ_CSV_SERIAL('{canary}') RETURN *",
        f"CALL read_csv('{canary}') RETURN *",
        f"COPY (MATCH (t:Task) RETURN t.id) TO '{out}/fuzz.csv'",
        f"COPY Task FROM '{canary}'",
        f"EXPORT DATABASE '{out}/fuzz-export'",
        f"IMPORT DATABASE '{out}'",
        f"ATTACH '{out}/fuzz.lbug' AS other",
        "INSTALL httpfs",
        "CALL db.createLabel('Fuzz')",
        "CALL apoc.create.node(['Fuzz'], {})",
        "CALL threads=1",
        "DROP TABLE Task",
        "CREATE NODE TABLE Fuzz(id STRING PRIMARY KEY)",
        "ROLLBACK",
        "BEGIN TRANSACTION",
        "CHECKPOINT",
        "USE system",
        "SHOW USERS",
        "CREATE USER fuzz SET PASSWORD 'fuzz-password'",
        "ALTER TABLE Task ADD fuzz STRING",
    ]


def _keywords(operation: str) -> list[str]:
    return [w for w in operation.split(" ") if w.isalpha() and w.isupper()]


def _mutate(query: str, rng: random.Random) -> str:
    kind = rng.randrange(7)
    if kind == 0:  # a space becomes any Unicode space or line break
        spaces = [i for i, c in enumerate(query) if c == " "]
        if spaces:
            i = rng.choice(spaces)
            return query[:i] + rng.choice(SPACES) + query[i + 1:]
    if kind == 1:  # a comment before or after a keyword
        words = _keywords(query)
        if words:
            word = rng.choice(words)
            comment = rng.choice(COMMENTS)
            return query.replace(word, rng.choice([comment + word, word + comment]), 1)
    if kind == 2:  # case
        words = _keywords(query)
        if words:
            word = rng.choice(words)
            mixed = "".join(c.lower() if rng.random() < 0.5 else c for c in word)
            return query.replace(word, mixed, 1)
    if kind == 3:  # backticks around a keyword
        words = _keywords(query)
        if words:
            word = rng.choice(words)
            return query.replace(word, f"`{word}`", 1)
    if kind == 4:  # behind a harmless statement
        return rng.choice(READ_PREFIXES) + rng.choice(SPACES + "  ") + query
    if kind == 5:  # inside string or quoted-name tricks
        return rng.choice(STRING_TRICKS) + query + rng.choice(["'", '"', "`", "*/", ""])
    # a trailing line break or statement separator
    return query + rng.choice(["\r ", "\r", ";", "; RETURN 1", "\u2028 ", "//", "/*"])


@dataclass(frozen=True)
class FuzzQuery:
    query: str
    parameters: dict[str, object]


def generate(count: int, paths: Paths, seed: int = 20261206) -> list[FuzzQuery]:
    """``count`` hostile queries, the same ones for the same seed."""
    rng = random.Random(seed)
    base = operations(paths)
    queries = []
    for n in range(count):
        query = base[n % len(base)]
        for _ in range(rng.randint(1, 4)):
            query = _mutate(query, rng)
        parameters: dict[str, object] = {}
        if rng.random() < 0.15:
            parameters = {"p": rng.choice([paths.canary, "x' DETACH DELETE t //", "\r; ROLLBACK"])}
            query = query.replace("'fuzz'", "$p", 1)
        queries.append(FuzzQuery(query, parameters))
    return queries
