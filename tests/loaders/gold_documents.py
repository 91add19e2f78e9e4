"""Scores of the extraction against the whole-document gold annotations in ``gold/``
(issue 14, item 1; conventions in ``gold/CONVENTIONS.md``).

A predicted mention matches a gold mention of its label when their spans overlap and they
name the same thing: the same gazetteer place, the same body (``canonical_body``), the same
programme or title (NFKC, no spaces), the same 文号, or for a target the same bounds. Each
gold mention matches at most one prediction. Mentions are scored in the document's body,
the text of its tasks; the header's names (title lines, signature) are document facts. A
gold file with an ``extent`` annotates only that excerpt: the sentences inside it are scored.
"""

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from graph.ids import normalise_doc_number, normalise_key, normalise_title
from loaders.entities import place_entry
from loaders.entities.gazetteer import gazetteer
from loaders.entities.institutions import canonical_body
from loaders.files import LoadedDocument, load_bytes
from loaders.records import _locality, task_mentions
from loaders.sentences import split_sentences
from tests.conftest import CORPUS

GOLD_DIR = Path(__file__).with_name("gold")
LABELS = ("Place", "Institution", "Programme", "PolicyDocument", "Target")


def gold_files(split: str | None = None) -> list[Path]:
    paths = sorted(GOLD_DIR.glob("*.json"))
    return [p for p in paths if split is None or json.loads(p.read_text("utf-8"))["split"] == split]


def document_path(gold: dict[str, Any]) -> Path:
    folder = CORPUS if gold["path"] == "corpus" else GOLD_DIR / "docs"
    return folder / gold["document"]


@dataclass
class LabelScore:
    """``tp`` predictions that match gold, ``fp`` that do not; ``found`` gold mentions
    matched, ``fn`` not (a citation written as 《title》（文号） is one prediction that matches
    two gold mentions, the title and the 文号)."""

    tp: int = 0
    fp: int = 0
    found: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.found / (self.found + self.fn) if self.found + self.fn else 1.0


@dataclass
class Predicted:
    label: str
    name: str
    start: int
    end: int
    value_min: float | None = None
    value_max: float | None = None
    doc_number: str | None = None


def _place_key(name: str, within: str | None = None) -> str:
    """The canonical place a name denotes: a gazetteer form, else a short form that only one
    division has (the gold's 峨边 is the gazetteer's 峨边彝族自治县). A gold name given
    ``within`` (市中区 within 乐山) is the division of that name under that place."""
    g = gazetteer()
    if within:
        named = [c for parent, _, c in [*g.local.get(name, []), *g.ambiguous.get(name, [])]
                 if parent.startswith(within)]
        if len(named) == 1:
            return named[0]
    entry = place_entry(name)
    if entry:
        return entry.name
    local = g.local.get(name, [])
    return local[0][2] if len(local) == 1 else normalise_key(name)


def _key(label: str, name: str, within: str | None = None) -> str:
    if label == "Place":
        return _place_key(name, within)
    if label == "Institution":
        return canonical_body(normalise_key(name))
    if label == "PolicyDocument":
        return normalise_title(name)
    if label == "Programme":  # “体育艺术2+1工程” and 体育艺术2+1工程 name one programme
        return normalise_key(name).replace("“", "").replace("”", "").replace('"', "")
    return normalise_key(name)


def _same(gold: dict[str, Any], p: Predicted) -> bool:
    if gold["label"] != p.label or not (p.start < gold["end"] and gold["start"] < p.end):
        return False
    if p.label == "Target":
        return (gold.get("value_min"), gold.get("value_max")) == (p.value_min, p.value_max)
    if p.label == "PolicyDocument" and p.doc_number and \
            normalise_doc_number(p.doc_number) == normalise_doc_number(gold["text"]):
        return True
    return _key(p.label, p.name) == _key(gold["label"], gold["name"], gold.get("within"))


@lru_cache(maxsize=32)
def _loaded(path: Path) -> LoadedDocument:
    return load_bytes(path.name, path.read_bytes())


def predictions(path: Path) -> tuple[list[Predicted], list[tuple[int, int]]]:
    """Every mention the graph records in the document's task sentences (``task_mentions``),
    at offsets into the file's text, and the spans of those sentences."""
    body = path.read_text(encoding="utf-8")
    loaded = _loaded(path)
    spans_by_task = {t.path: split_sentences(t.text) for t in loaded.parsed.tasks}
    mentions = task_mentions(loaded.parsed, spans_by_task, _locality(loaded.parsed))
    found: list[Predicted] = []
    spans: list[tuple[int, int]] = []
    cursor = 0
    for task_path, sentence_spans in spans_by_task.items():
        for sentence, sentence_mentions in zip(sentence_spans, mentions[task_path], strict=True):
            at = body.find(sentence.text, cursor)
            if at < 0:
                at = body.find(sentence.text)
            if at < 0:
                continue
            cursor = at + len(sentence.text)
            spans.append((at, cursor))
            found += [Predicted(m.label, m.name, at + m.start, at + m.end, m.value_min, m.value_max,
                                m.doc_number) for m in sentence_mentions]
    return found, spans


def _around(text: str, start: int, end: int, width: int = 8) -> str:
    """The mention in brackets with a few characters either side, for reading misses."""
    return f"{text[max(0, start - width):start]}【{text[start:end]}】{text[end:end + width]}".replace("\n", " ")


def score(paths: list[Path]) -> dict[str, LabelScore]:
    scores = {label: LabelScore() for label in LABELS}
    for gold_path in paths:
        gold = json.loads(gold_path.read_text("utf-8"))
        found, spans = predictions(document_path(gold))
        text = document_path(gold).read_text(encoding="utf-8")
        extent = gold.get("extent", {"start": 0, "end": len(text)})
        # An excerpt's gold scores the sentences that lie wholly inside it.
        spans = [(s, e) for s, e in spans if extent["start"] <= s and e <= extent["end"]]
        found = [p for p in found if any(s <= p.start and p.end <= e for s, e in spans)]
        in_body = [g for g in gold["mentions"]
                   if any(s <= g["start"] and g["end"] <= e for s, e in spans)]
        taken: set[int] = set()
        for p in found:
            s = scores[p.label]
            matches = [i for i, g in enumerate(in_body) if i not in taken and _same(g, p)]
            if p.label != "PolicyDocument":
                matches = matches[:1]
            if matches:
                taken.update(matches)
                s.tp += 1
            else:
                s.fp += 1
                s.misses.append(f"{gold_path.stem[:20]} extra {p.name} [{_around(text, p.start, p.end)}]")
        for i, g in enumerate(in_body):
            if i in taken:
                scores[g["label"]].found += 1
            else:
                scores[g["label"]].fn += 1
                scores[g["label"]].misses.append(
                    f"{gold_path.stem[:20]} missed {g['name']} [{_around(text, g['start'], g['end'])}]")
    return scores


def fact_errors(paths: list[Path]) -> list[str]:
    """Where the document node's year, level, jurisdictions, issuers or (for a notice that prints
    several documents) the documents it issues differ from the gold."""
    errors = []
    for gold_path in paths:
        gold = json.loads(gold_path.read_text("utf-8"))
        facts = gold["facts"]
        batch = _loaded(document_path(gold)).batch
        doc = batch.document
        names = {p.id: p.name for p in batch.places} | {i.id: i.name for i in batch.institutions}
        own = [r for r in batch.relations if r.start_id == doc.id]
        got = {
            "year": doc.year, "level": doc.level,
            "jurisdictions": sorted(names[r.end_id] for r in own if r.type == "JURISDICTION"),
            "issuers": sorted(names[r.end_id] for r in own if r.type == "ISSUED_BY"),
            # A notice that prints several documents issues each of them (one that prints a
            # single document is one node with it: no ISSUES).
            "issues": sorted(normalise_title(d.title) for d in batch.issued_documents),
        }
        want = {
            "year": facts["year"], "level": facts["level"],
            "jurisdictions": sorted(_place_key(j) for j in facts["jurisdictions"]),
            "issuers": sorted(canonical_body(i) for i in facts["issuers"]),
            "issues": sorted(normalise_title(i["title"]) for i in facts["issues"]) if len(facts["issues"]) > 1 else [],
        }
        errors += [f"{gold_path.stem}: {k} {got[k]!r} != gold {want[k]!r}" for k in want if got[k] != want[k]]
    return errors


def table(scores: dict[str, LabelScore]) -> str:
    lines = ["label            tp   fp found   fn  precision  recall"]
    lines += [f"{label:15} {s.tp:4} {s.fp:4} {s.found:5} {s.fn:4}  {s.precision:9.3f}  {s.recall:6.3f}"
              for label, s in scores.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    split = sys.argv[1] if len(sys.argv) > 1 else "tune"
    result = score(gold_files(split))
    print(table(result))
    if "--misses" in sys.argv:
        print("\n".join(m for s in result.values() for m in s.misses))
    print("\n".join(fact_errors(gold_files(split))))
