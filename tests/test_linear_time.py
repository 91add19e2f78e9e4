"""Every function that reads user text takes time linear in its length, on adversarial text too.

Each test times one function on a small and a 25 times larger input of the same pattern (a long
run of one Chinese character, of digits, of spaces, of brackets, quotes left open, numbered
items ...) and checks the ratio of the times, not the times themselves: linear work gives ~25,
quadratic work ~625. The bound of 60 leaves room for a loaded machine. Before the fixes, a run
of 350,000 Chinese characters froze the server (the lexical tokeniser's 文号 pattern restarted
at every character), and 40,000 numbered lines took minutes to outline.
"""

import contextlib
import time
from collections.abc import Callable

import pytest

from embeddings.lexical_index import tokenize
from loaders.errors import LoaderError
from loaders.files import load_bytes
from service.search.bridge import QueryBridge
from service.search.text_norm import normalise_query

GROWTH = 25
# Linear work grows 25x, quadratic 625x; CPU time (not wall time, which other processes on a
# shared machine inflate) of large inputs still grows a little faster than linear (caches).
MAX_RATIO = 80


def _seconds(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def _ratio(function: Callable[[str], object], unit: str, small_bytes: int) -> float:
    """Time of ``function`` on ``unit`` repeated to 25 x ``small_bytes`` over its time on
    ``small_bytes`` (UTF-8 bytes, whole units). The small input is timed best of three, after
    a warm-up call, so that one-off costs (dictionaries, caches) do not count."""
    per_unit = len(unit.encode())
    small = unit * max(1, small_bytes // per_unit)
    large = unit * max(1, small_bytes * GROWTH // per_unit)
    function(unit * 10)
    small_time = _seconds(lambda: function(small), repeat=3)
    large_time = _seconds(lambda: function(large), repeat=1)
    return large_time / max(small_time, 1e-4)


def _load(text: str) -> None:
    with contextlib.suppress(LoaderError):  # "no text found" is an answer too: its time counts
        load_bytes("adversarial.txt", text.encode())


@pytest.mark.parametrize("unit", ["的", "中", " ", "〔", "1", "国办发〔2015", "〔2015〕1号 "],
                         ids=["cjk-de", "cjk-zhong", "spaces", "brackets", "digits", "open-doc-number",
                              "doc-numbers"])
def test_lexical_tokens_take_linear_time(unit: str) -> None:
    assert _ratio(tokenize, unit, 40_000) < MAX_RATIO


# Loading runs the whole pipeline (paragraphs, outline, sentences, entities, records): 20 KB vs
# 500 KB keeps the file quick.
@pytest.mark.parametrize("unit", [
    "的", "1", " ", "\u3000", "《", "“a", "《》", "”", "1个学校", "市教育局、", "一是", "我代表", "完成时限：a ",
    "1 a\n", "（一）a\n", "一、a\n", "2020年政府工作报告\n", "上海金山银山",
], ids=["cjk", "digits", "spaces", "ideographic-spaces", "open-titles", "open-quotes", "titles",
        "closing-quotes", "counted-schools", "bureau-lists", "yi-shi", "report-formula", "deadline-spaces",
        "numbered-lines", "cn-paren-lines", "cn-lines", "report-titles", "place-names"])
def test_loading_a_document_takes_linear_time(unit: str) -> None:
    assert _ratio(_load, unit, 20_000) < MAX_RATIO


BRIDGE = QueryBridge({"head": [("头", 9.0)], "state": [("国家", 9.0)], "head of state": [("元首", 8.0)]})


@pytest.mark.parametrize("unit", ["的", "1", " ", "《", "(", "Aa "],
                         ids=["cjk", "digits", "spaces", "open-titles", "open-parens", "names"])
def test_query_normalisation_and_bridge_take_linear_time(unit: str) -> None:
    assert _ratio(lambda text: BRIDGE.translate(normalise_query(text)), unit, 20_000) < MAX_RATIO
