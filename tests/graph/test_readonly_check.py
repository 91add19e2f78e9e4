"""The statement check: what it refuses (403 vs 400), and that its canonical rendering means the
same on both databases as the text the reader wrote."""

import contextlib
import time
import unicodedata

import pytest

from graph.base import GraphStore
from graph.errors import QueryError, ReadOnlyViolationError
from graph.readonly import check_read_only, tokenize
from loaders.files import load_file
from tests.conftest import SAMPLE
from tests.cypher_fuzz import SPACES


@pytest.mark.parametrize("query", [
    "MATCH (t:Task) SET t.title = 'x'", "match (t:Task) detach delete t",
    "CALL READ_CSV_SERIAL('/etc/hostname') RETURN *", "CALL db.createLabel('X')",
    "CALL { MATCH (n) RETURN n } RETURN 1", "LOAD CSV FROM 'file:///x' AS l RETURN l",
    "EXPLAIN MATCH (n) RETURN n", "PROFILE MATCH (n) RETURN n", "SHOW DATABASES",
    "USE system MATCH (n) RETURN n", "MATCH (n) RETURN apoc.text.join(['a'], ',')",
    "MATCH (n) RETURN n ORDER BY n.id CREATE (:X)", "CYPHER runtime=slotted MATCH (n) RETURN n",
    "MATCH (`x`) RETURN x UNION MATCH (n) MERGE (n)-[:R]->(n) RETURN n",
    "RETURN 1 //\u2028 CREATE (:X)",
])
def test_writes_procedures_and_admin_commands_are_read_only_violations(query: str) -> None:
    with pytest.raises(ReadOnlyViolationError):
        check_read_only(query)


@pytest.mark.parametrize("query", [
    "RETURN 1; RETURN 2", "RETURN 1 /* unclosed", "RETURN 'unclosed", "RETURN `unclosed",
    "MATCH (n RETURN n", "RETURN 1 \u202e+ 1", "RETURN $", "RETURN 1 ]", "RETURN 'bad \\q'",
    "RETURN 1 \x00", "", "  // only a comment",
])
def test_text_that_does_not_lex_or_holds_several_statements_is_a_query_error(query: str) -> None:
    with pytest.raises(QueryError):
        check_read_only(query)


def test_the_rendering_holds_no_comment_and_only_ascii_spaces() -> None:
    query = "MATCH/*a*/(t:Task)\u3000WHERE\u180et.title\u2028CONTAINS '注释//不是' //x\rRETURN t.id"
    checked = check_read_only(query)
    assert checked.text == "MATCH (t : Task) WHERE t.title CONTAINS '注释//不是' RETURN t.id"
    assert checked.columns == ["t.id"]


def test_a_comment_ends_at_any_line_break_and_what_follows_is_checked() -> None:
    for line_break in "\n\r\u2028\u2029\x85\x0b\x0c":
        with pytest.raises(ReadOnlyViolationError):
            check_read_only(f"RETURN 8 //*x*/ 2{line_break}CREATE (:X)")


def test_strings_and_quoted_names_are_re_quoted_plainly() -> None:
    tokens = tokenize("RETURN 'a\\'b\\u4e2d\\n', \"q\\\"\", `a``b`")
    assert [t.value for t in tokens[1::2]] == ["a'b中\n", 'q"', "a`b"]
    text = check_read_only("RETURN 'a\\'b\\r', `a``b` AS x").text
    assert text == "RETURN 'a\\'b\\u000D', `a``b` AS x"
    assert all(c == " " or not unicodedata.category(c).startswith(("Z", "C")) for c in text)


@pytest.fixture
def sample_store(graph_store: GraphStore) -> GraphStore:
    graph_store.write_document(load_file(SAMPLE).batch)
    return graph_store


def test_every_space_and_comment_form_reads_the_same_on_the_database(
        sample_store: GraphStore) -> None:
    plain = "MATCH (t:Task) WHERE t.number = 15 RETURN t.title, 'a\\'b' AS s"
    expected = sample_store.run_read(plain).rows
    assert expected == [["推进教育联盟协同创新发展", "a'b"]]
    for separator in [*SPACES, "/*x*/", "//x\n", "//x\r", " /* ; CREATE */ "]:
        query = plain.replace(" WHERE ", f"{separator}WHERE{separator}")
        assert sample_store.run_read(query).rows == expected, repr(separator)


def test_allowed_introspection_runs_on_each_backend(sample_store: GraphStore) -> None:
    query = ("CALL show_tables() RETURN name" if sample_store.backend == "embedded"
             else "CALL db.labels() YIELD label RETURN label AS name")
    names = {row[0] for row in sample_store.run_read(query).rows}
    assert {"Task", "Sentence", "PolicyDocument"} <= names


def _check_seconds(query: str, repeat: int) -> float:
    """The best of three CPU times (other processes on the machine do not count) of ``repeat``
    checks, per check."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(repeat):
            with contextlib.suppress(QueryError, ReadOnlyViolationError):
                check_read_only(query)
        best = min(best, (time.process_time() - started) / repeat)
    return best


@pytest.mark.parametrize("unit", ["a:1,", "a+", "n.x,", "a.", "(", "'\\u4e2d'+", "/*x*/1+",
                                  "f(1),", "`a``b`,", "$p+"])
def test_the_check_takes_linear_time(unit: str) -> None:
    """A reader's 10,000 characters cost the server at most linear work (a ratio, not a time):
    the map-key check once scanned back for its bracket at every key."""
    def query(length: int) -> str:
        return ("RETURN {" if unit.startswith("a:") else "RETURN ") + unit * (length // len(unit))

    small, large = _check_seconds(query(400), 25), _check_seconds(query(10_000), 1)
    assert large / small < 60, (unit, small, large)


def test_aggregates_are_json_numbers_on_each_backend(sample_store: GraphStore) -> None:
    rows = sample_store.run_read(
        "MATCH (t:Task) WHERE t.number > 0 RETURN sum(t.number) AS total, count(t) AS n, "
        "avg(t.number) AS mean").rows
    [[total, n, mean]] = rows
    assert (total, n) == (300, 24) and isinstance(total, int) and isinstance(mean, float)
