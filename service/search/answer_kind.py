"""What kind of answer a question asks for, and which tasks carry one.

"How many jobs will Hailar create?" asks for a quantity, "谁来查学校美育落实得怎么样" for a
responsible body, "by when …" for a time. Among tasks on the same topic, the one that states a
target, a lead or a deadline is the likelier answer; the graph records each of these
(``SETS`` a Target, ``lead``, ``deadline``), so no list of topic words is
needed. The question side reads only interrogatives: a closed class of each language, not
words fitted to a set of questions.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from graph.models import Task

AnswerKind = Literal["quantity", "body", "time"]

# An English interrogative that may also join a clause ("teachers who travel", "when they
# graduate") asks only at a clause's start: the question's, after punctuation or a preposition.
_CLAUSE_START = r"(?:^|[,:;?]\s*|\b(?:by|until|from|to|for|with|and|of|in|on|at)\s+)"
# Interrogatives and the nouns they ask with ("哪个部门", "which agency"): what each kind asks.
# 哪几 asks which ones, not how many.
_ASKS: dict[AnswerKind, re.Pattern[str]] = {
    "quantity": re.compile(
        r"多少|(?<!哪)几[个所项名人次家批类条种门支座台位成倍十百千万亿]|百分之几|多大|多高|多长"
        r"|\bhow (?:many|much|large|big|high)\b|\bwhat (?:share|percentage|proportion|number|amount|rate|ratio)\b",
        re.IGNORECASE),
    "body": re.compile(
        r"谁|哪(?:一?个|些|家)?(?:部门|单位|机构|机关)|什么(?:部门|单位|机构|机关)"
        rf"|{_CLAUSE_START}(?:who(?:m|se)?\b"
        r"|which (?:department|agenc|bod|office|authorit|unit|organi[sz]ation|institution))",
        re.IGNORECASE),
    "time": re.compile(
        r"何时|什么时候|哪一?年|几月|几号|截止|期限|\bdeadline"
        rf"|{_CLAUSE_START}(?:when\b|what (?:date|time)\b|(?:which|what) (?:year|month)\b)",
        re.IGNORECASE),
}
# A time a task writes: a year, a month, or the end of one (年底, 年内).
_TIME_WRITTEN = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|[年季月]底|年内|年前|年中")


# An amount a task writes: a number that is not a year (20%, 3万, 500名, 1.5亿元).
_AMOUNT_WRITTEN = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|[万亿]|[^\d\s年月日号.])")


def asked_kinds(normalised: str) -> frozenset[AnswerKind]:
    """The kinds of answer the question asks for (none for a topic or a listing)."""
    return frozenset(kind for kind, pattern in _ASKS.items() if pattern.search(normalised))


def answer_evidence(kinds: frozenset[AnswerKind], tasks: Mapping[str, Task],
                    edges: Mapping[str, Sequence[tuple[str, str]]]) -> dict[str, float]:
    """For each task (by id) that carries an answer of one of ``kinds``: 1.0 when the graph
    records one (a target it sets, its lead, its deadline), 0.5 for weaker evidence (an
    institution it involves, a time its text writes). ``edges``: each task's (relationship
    type, node id)."""
    found: dict[str, float] = {}
    for task_id, task in tasks.items():
        types = {rel_type for rel_type, _ in edges.get(task_id, ())}
        strength = 0.0
        if "quantity" in kinds:
            strength = 1.0 if "SETS" in types else 0.5 if _AMOUNT_WRITTEN.search(task.text) else 0.0
        if "body" in kinds:
            strength = max(strength, 1.0 if task.lead else 0.5 if "INVOLVES" in types else 0.0)
        if "time" in kinds:
            strength = max(strength, 1.0 if task.deadline
                           else 0.5 if _TIME_WRITTEN.search(task.text) else 0.0)
        if strength:
            found[task_id] = strength
    return found
