"""The manual spot check of entity extraction on unseen corpus documents (``spot_check_entities.json``).

The verdicts in that file are a person's judgments, recorded once per round; nothing here can
re-judge them. These tests check that the record is well formed (every sentence is really in its
document, each round's summary matches its items, later rounds are fresh draws), that every
entity judged correct in the latest round of its type is still extracted from its sentence (so
a rule change that loses one shows up), and that the latest judged precision of every type is at
least 0.8. Extraction is checked per sentence, not through the outline, because task paths move
when the outline parser changes.
"""

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from loaders.entities import Locality, extract_mentions, extract_task_fields, lead_institutions
from loaders.text import read_text_file
from tests.conftest import CORPUS

SPOT_CHECK = Path(__file__).with_name("spot_check_entities.json")
TYPES = ("Institution", "Programme", "Place", "PolicyDocument", "Target", "LED_BY")
MIN_PRECISION = 0.8


@cache
def record() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPOT_CHECK.read_text(encoding="utf-8"))
    return data


@cache
def document_text(stem: str) -> str:
    """The document's text without whitespace (the outline joins lines and trims spaces)."""
    return re.sub(r"\s+", "", read_text_file(CORPUS / f"{stem}.txt"))


def items(round_: dict[str, Any]) -> list[dict[str, Any]]:
    return list(round_["items"])


def latest_items() -> dict[str, list[dict[str, Any]]]:
    """Per type, the items of the latest round that judged that type."""
    latest: dict[str, list[dict[str, Any]]] = {}
    for round_ in record()["rounds"]:
        for type_ in TYPES:
            judged = [it for it in round_["items"] if it["type"] == type_]
            if judged:
                latest[type_] = judged
    return latest


def key(item: dict[str, Any]) -> tuple[str, str, str, str]:
    return item["document"], item["sentence"], item["type"], item["name"]


def locality(stem: str) -> Locality | None:
    fields = record()["localities"].get(stem)
    return Locality(**fields) if fields else None


def extracted(item: dict[str, Any]) -> set[str]:
    """Names of the item's type that the rules find in its sentence today."""
    loc = locality(item["document"])
    if item["type"] == "LED_BY":
        lead, _ = extract_task_fields(item["sentence"])
        return {m.name for m in lead_institutions(lead, loc)} if lead else set()
    found = set()
    for m in extract_mentions(item["sentence"], loc):
        if m.label == item["type"]:
            found.add(m.name)
            if m.label == "Target":
                # Rounds judged before comparators wrote 6个学分 for what is now ≥6个学分.
                found.add(m.name.lstrip("≥≤"))
            if m.label == "Institution":
                # Rounds judged before one name per body wrote 四川省政府 for 四川省人民政府.
                found.update(m.aliases)
            if m.doc_number:
                found.add(m.doc_number)  # a document node may be named by its 文号
    return found


def test_the_record_is_well_formed() -> None:
    data = record()
    assert data["description"] and set(data["conventions"]) == set(TYPES)
    rounds = data["rounds"]
    assert [r["round"] for r in rounds][:2] == ["before", "after"]
    assert len({r["seed"] for r in rounds}) == len(rounds), "every round draws with its own seed"
    for round_ in rounds:
        assert round_["documents"] and len(round_["documents"]) >= 5
        for stem in round_["documents"]:
            assert (CORPUS / f"{stem}.txt").is_file(), stem
            assert stem in data["localities"], stem
        assert set(round_["types"]) <= set(TYPES)
        for it in items(round_):
            where = f"{round_['round']}: {it.get('document')} {it.get('name')}"
            assert it["type"] in round_["types"], where
            assert it["document"] in round_["documents"], where
            assert it["task_path"] and it["name"] and it["sentence"], where
            assert isinstance(it["verdict"], bool), where
            assert bool(it.get("reason")) == (not it["verdict"]), f"{where}: a reason for each false verdict"
            assert re.sub(r"\s+", "", it["sentence"]) in document_text(it["document"]), where
            if it["type"] == "LED_BY":
                assert it["lead"], where
        for type_, counts in round_["summary"].items():
            judged = [it for it in items(round_) if it["type"] == type_]
            correct = sum(it["verdict"] for it in judged)
            assert counts == {"judged": len(judged), "correct": correct,
                              "precision": round(correct / len(judged), 3)}, (round_["round"], type_)
            assert len(judged) <= round_["per_type"]
        assert set(round_["summary"]) == {it["type"] for it in items(round_)}


def test_the_recall_reading_is_well_formed() -> None:
    recall = record()["recall"]
    assert (CORPUS / f"{recall['document']}.txt").is_file()
    assert len(recall["tasks"]) >= 10 and recall["method"]
    for miss in recall["missed"]:
        assert miss["task_path"] in recall["tasks"] and miss["type"] in TYPES, miss
        assert miss["name"] and miss["why"], miss
    assert set(recall["summary"]) == set(TYPES)


def test_later_rounds_are_fresh_draws() -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for round_ in record()["rounds"]:
        # The same sentence can stand in two tasks (baotou's lead brackets): an edge is per task.
        edges = [(*key(it), it["task_path"]) for it in items(round_)]
        assert len(edges) == len(set(edges)), f"{round_['round']} draws an edge twice"
        keys = {key(it) for it in items(round_)}
        assert not seen & keys, f"{round_['round']} repeats items of an earlier round"
        seen |= keys


#: Verdicts that a later, written convention overrules, each with the convention: the record
#: stays as judged, and only these items may be lost.
SUPERSEDED = {
    ("jiangsu_2025_government-work-report", "Place", "江苏", "“江苏医惠保1号”"):
        "a place inside a quoted brand, campaign or slogan is part of that name, not a place "
        "mention (tests/loaders/gold/CONVENTIONS.md, Places)",
    ("shanghai_2025_government-work-report", "Place", "上海", "上海大都市圈"):
        "a region named after a place (上海大都市圈, 武汉城市圈) is one place, a grouping with that "
        "place as its member (tests/loaders/gold/CONVENTIONS.md, Places)",
}


def _superseded(it: dict[str, Any]) -> bool:
    return any((it["document"], it["type"], it["name"]) == (doc, type_, name) and quote in it["sentence"]
               for doc, type_, name, quote in SUPERSEDED)


@pytest.mark.parametrize("type_", TYPES)
def test_entities_judged_correct_in_the_latest_round_are_still_extracted(type_: str) -> None:
    lost = [f"{it['document']}: {it['name']} in {it['sentence'][:60]}"
            for it in latest_items()[type_]
            if it["verdict"] and it["name"] not in extracted(it) and not _superseded(it)]
    assert not lost, lost


def test_a_superseded_verdict_is_really_lost() -> None:
    """Each overruled verdict names an item of the record that the rules now leave out: an entry
    kept after the rule changed again would hide a loss."""
    overruled = [it for items_ in latest_items().values() for it in items_ if _superseded(it)]
    assert len(overruled) == len(SUPERSEDED)
    assert all(it["name"] not in extracted(it) for it in overruled)


@pytest.mark.parametrize("type_", TYPES)
def test_latest_judged_precision_per_type(type_: str) -> None:
    judged = latest_items()[type_]
    precision = sum(it["verdict"] for it in judged) / len(judged)
    assert precision >= MIN_PRECISION, (type_, precision)
