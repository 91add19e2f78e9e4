"""Whole-document gold annotations (issue 14, item 1): they are well formed, the held-out half
is large enough to measure on, and the extraction does not fall below the precision and
recall it reached when the scores were last recorded (the issue's targets, 0.95 precision and
0.9 recall, are not met yet: README, "Extraction quality")."""

import json
from itertools import pairwise
from pathlib import Path

import pytest

from tests.loaders.gold_documents import LABELS, document_path, fact_errors, gold_files, score, table

# (precision, recall) per label, as last measured (2026-12-08, the tuning half with the sichuan,
# beijing, guowuyuan, guangdong and xianning excerpts), less 0.02 for rounding. The held-out
# floors are a record, never a target to fit: their failures are not read.
FLOORS = {
    "tune": {"Place": (0.83, 0.80), "Institution": (0.84, 0.71), "Programme": (0.69, 0.73),
             "PolicyDocument": (0.95, 0.98), "Target": (0.92, 0.86)},
    "heldout": {"Place": (0.58, 0.57), "Institution": (0.75, 0.57), "Programme": (0.46, 0.51),
                "PolicyDocument": (0.98, 0.98), "Target": (0.94, 0.80)},
}

@pytest.mark.parametrize("path", gold_files(), ids=lambda p: p.stem)
def test_a_gold_file_is_well_formed(path: Path) -> None:
    gold = json.loads(path.read_text("utf-8"))
    assert gold["split"] in {"tune", "heldout"}
    body = document_path(gold).read_text(encoding="utf-8")
    assert set(gold["facts"]) >= {"title", "doc_number", "year", "date", "level", "jurisdictions", "issuers"}
    assert gold["facts"]["level"] in {"national", "provincial", "municipal", "county"}
    if gold["path"] == "docs":
        assert len(gold["source"]["commit"]) == 40 and gold["source"]["repo"]
    extent = gold.get("extent", {"start": 0, "end": len(body)})
    by_label: dict[str, list[tuple[int, int]]] = {}
    for m in gold["mentions"]:
        assert m["label"] in LABELS
        assert extent["start"] <= m["start"] < m["end"] <= extent["end"], m
        assert body[m["start"]:m["end"]] == m["text"], m
        by_label.setdefault(m["label"], []).append((m["start"], m["end"]))
    for spans in by_label.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(spans)), "mentions of one label overlap"


def test_the_held_out_half_is_large_enough_to_measure_on() -> None:
    heldout = [json.loads(p.read_text("utf-8")) for p in gold_files("heldout")]
    tune = gold_files("tune")
    assert len(heldout) >= 4 and len(tune) >= 4
    assert sum(len(g["mentions"]) for g in heldout) >= 300


@pytest.mark.parametrize("split", sorted(FLOORS))
def test_extraction_keeps_its_recorded_precision_and_recall(split: str) -> None:
    scores = score(gold_files(split))
    print(f"\n{split}\n{table(scores)}")
    below = [(label, round(s.precision, 3), round(s.recall, 3)) for label, s in scores.items()
             if s.precision < FLOORS[split][label][0] or s.recall < FLOORS[split][label][1]]
    assert not below


def test_document_facts_match_the_gold() -> None:
    assert fact_errors(gold_files()) == []
