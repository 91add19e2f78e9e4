"""Overlap and position questions over many spans in logarithmic time.

Extractors ask, for each candidate in a sentence, whether it overlaps a span already taken or
lies inside a quotation. A scan of every span per candidate is quadratic in the sentence, and
a sentence is as long as an uploaded line (a 1 MB line of 《》 or “” held the server for minutes).
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate


class Spans:
    """A fixed set of (start, end) spans, end exclusive; they may overlap one another."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end = list(accumulate((e for _, e in ordered), max))

    def _max_end_starting_before(self, position: int) -> int:
        """The largest end of the spans that start before ``position`` (-1 if none)."""
        k = bisect_left(self._starts, position)
        return self._max_end[k - 1] if k else -1

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a span shares a position with ``start..end`` (``s < end and start < e``)."""
        return self._max_end_starting_before(end) > start

    def holds(self, position: int) -> bool:
        """Whether a span holds ``position`` (``s <= position < e``)."""
        return self._max_end_starting_before(position + 1) > position

    def encloses(self, start: int, end: int, margin: int = 0) -> bool:
        """Whether a span starts before ``start`` and ends more than ``margin`` after ``end``
        (``s < start and end < e - margin``)."""
        return self._max_end_starting_before(start) > end + margin


def between(points: list[int], low: int, high: int) -> list[int]:
    """The points of the sorted list ``points`` with ``low < p < high``, in order."""
    return points[bisect_right(points, low):bisect_left(points, high)]
