"""Precision and recall per entity type against the hand-checked annotation of the sample
(``gold_taicang.json``): the extraction test scores mentions, the graph test task edges."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graph.ids import normalise_key

GOLD = Path(__file__).with_name("gold_taicang.json")
#: The annotation's key for each entity type -> the label it annotates.
GOLD_LABELS = {"programmes": "Programme", "institutions": "Institution", "places": "Place",
               "documents": "PolicyDocument", "targets": "Target"}


@dataclass(frozen=True)
class Score:
    label: str
    tp: int
    fp: int
    fn: int
    misses: tuple[str, ...]  # "path extra name" / "path missed name"

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def gold_paths() -> set[str]:
    return set(json.loads(GOLD.read_text(encoding="utf-8"))["tasks"])


def score_against_gold(found: Callable[[str, str], set[str]]) -> list[Score]:
    """One score per entity type; ``found(task path, label)`` gives the normalised names the
    system found for that task."""
    tasks = json.loads(GOLD.read_text(encoding="utf-8"))["tasks"]
    scores = []
    for key, label in GOLD_LABELS.items():
        tp = fp = fn = 0
        misses: list[str] = []
        for path, annotation in tasks.items():
            gold = {normalise_key(n) for n in annotation[key]}
            predicted = found(path, label)
            tp += len(gold & predicted)
            fp += len(predicted - gold)
            fn += len(gold - predicted)
            misses += [f"{path} extra {n}" for n in sorted(predicted - gold)]
            misses += [f"{path} missed {n}" for n in sorted(gold - predicted)]
        scores.append(Score(label, tp, fp, fn, tuple(misses)))
    print("\nlabel            tp  fp  fn  precision  recall")
    for s in scores:
        print(f"{s.label:15} {s.tp:3} {s.fp:3} {s.fn:3}  {s.precision:9.3f}  {s.recall:6.3f}")
    print("\n".join(m for s in scores for m in s.misses))
    return scores


def below(scores: list[Score], floor: float) -> list[tuple[str, float, float]]:
    return [(s.label, s.precision, s.recall) for s in scores if s.precision < floor or s.recall < floor]
