"""Retrieval evaluation: recall@k and MRR per language, per channel configuration.

Each line of a questions file is one of:
- ``{"q": "...", "lang": "en"|"zh", "gold": [task numbers], "doc": optional}``, where ``doc``
  (a document id, title, 文号 or source file name) says which document the numbers refer to;
- ``{"q": "...", "lang": ..., "doc": "...", "gold_text": ["snippet", ...], "kind": optional}``,
  where each snippet is a verbatim piece of one sentence of a gold task (robust to outline changes).

Every configuration in ``CONFIGURATIONS`` runs in the same pass, so the dense-only baseline (the
question embedded as written) and the channel ablation sit beside the fused figures.
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph.base import GraphStore
from graph.models import PolicyDocument
from service.schemas import Channel
from service.search.service import ALL_CHANNELS, SearchService

CUTOFFS = (1, 5, 10)


@dataclass(frozen=True)
class Configuration:
    channels: tuple[Channel, ...]
    bridge_dense: bool = True  # False: embed an English question as written


CONFIGURATIONS: dict[str, Configuration] = {
    "fused": Configuration(ALL_CHANNELS),
    "dense only (baseline)": Configuration(("dense",), bridge_dense=False),
    "dense, bridged": Configuration(("dense",)),
    "lexical only": Configuration(("lexical",)),
    "entity only": Configuration(("entity",)),
    "dense + lexical": Configuration(("dense", "lexical")),
    "dense + entity": Configuration(("dense", "entity")),
}


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str
    lang: str = "zh"
    gold: list[int] = Field(default_factory=list)
    gold_text: list[str] = Field(default_factory=list)
    doc: str | None = None
    kind: str | None = None

    @model_validator(mode="after")
    def _has_gold(self) -> "Question":
        if not self.gold and not self.gold_text:
            raise ValueError("a question needs gold task numbers or gold_text snippets")
        if self.gold_text and not self.doc:
            raise ValueError("gold_text needs the document (doc) it quotes")
        return self


@dataclass
class Scores:
    questions: int
    recall: dict[int, float]
    mrr: float


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                questions.append(Question.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not a question line: {exc}") from exc
    return questions


class GoldResolver:
    """Turns a question's gold (numbers or snippets in a document) into task ids."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._documents = store.list_documents()
        self._tasks: dict[str, dict[str, tuple[int, list[str]]]] = {}

    def document(self, ref: str) -> PolicyDocument:
        for doc in self._documents:
            if ref in (doc.id, doc.title, doc.doc_number) or (
                    doc.source and ref in (doc.source, Path(doc.source).stem)):
                return doc
        raise ValueError(f"question names document {ref!r}, which is not ingested")

    def _document_tasks(self, doc_id: str) -> dict[str, tuple[int, list[str]]]:
        """task id -> (number, sentence texts) of one document."""
        if doc_id not in self._tasks:
            sentences = self._store.document_sentences(doc_id)
            task_ids = sorted({s.task_id for s in sentences})
            contexts = self._store.task_contexts(task_ids)
            tasks: dict[str, tuple[int, list[str]]] = {
                tid: (contexts[tid].task.number, []) for tid in task_ids}
            for s in sentences:
                tasks[s.task_id][1].append(s.text)
            self._tasks[doc_id] = tasks
        return self._tasks[doc_id]

    def gold_task_ids(self, question: Question) -> list[set[str]]:
        """One set of acceptable task ids per gold item."""
        docs = [self.document(question.doc)] if question.doc else self._documents
        gold: list[set[str]] = []
        for snippet in question.gold_text:
            tasks = self._document_tasks(docs[0].id)
            found = {tid for tid, (_, texts) in tasks.items() if any(snippet in t for t in texts)}
            if not found:
                raise ValueError(f"{question.q!r}: snippet {snippet!r} is in no task of {question.doc}")
            gold.append(found)
        for number in question.gold:
            found = {tid for doc in docs for tid, (n, _) in self._document_tasks(doc.id).items()
                     if n == number}
            if not found:
                raise ValueError(f"{question.q!r}: no task numbered {number}")
            gold.append(found)
        return gold


def _question_scores(ranked: Sequence[str], gold: list[set[str]]) -> tuple[float, dict[int, float]]:
    ranks = [next((i for i, tid in enumerate(ranked, 1) if tid in item), None) for item in gold]
    found = [r for r in ranks if r is not None]
    reciprocal = 1.0 / min(found) if found else 0.0
    recall = {k: sum(1 for r in found if r <= k) / len(gold) for k in CUTOFFS}
    return reciprocal, recall


def score(search: SearchService, store: GraphStore, questions: list[Question],
          configurations: dict[str, Configuration] | None = None
          ) -> dict[str, dict[str, Scores]]:
    """Scores per configuration, then per language plus "all"."""
    resolver = GoldResolver(store)
    gold = [resolver.gold_task_ids(q) for q in questions]
    out: dict[str, dict[str, Scores]] = {}
    for name, configuration in (configurations or CONFIGURATIONS).items():
        per_lang: dict[str, list[tuple[float, dict[int, float]]]] = defaultdict(list)
        for question, question_gold in zip(questions, gold, strict=True):
            results = search.search(question.q, k=max(CUTOFFS), channels=configuration.channels,
                                    bridge_dense=configuration.bridge_dense).results
            row = _question_scores([r.task.id for r in results], question_gold)
            per_lang[question.lang].append(row)
            per_lang["all"].append(row)
        out[name] = {
            lang: Scores(questions=len(rows),
                         recall={k: sum(r[1][k] for r in rows) / len(rows) for k in CUTOFFS},
                         mrr=sum(r[0] for r in rows) / len(rows))
            for lang, rows in per_lang.items()
        }
    return out


def scores_json(scores: dict[str, dict[str, Scores]]) -> str:
    return json.dumps({
        name: {lang: {"questions": s.questions, "mrr": round(s.mrr, 4),
                      **{f"recall@{k}": round(v, 4) for k, v in s.recall.items()}}
               for lang, s in per_lang.items()}
        for name, per_lang in scores.items()
    }, ensure_ascii=False, indent=2)
