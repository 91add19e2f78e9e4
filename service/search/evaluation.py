"""Retrieval evaluation: recall@k and MRR per language, per channel configuration, and the rank
of each question's gold under every configuration (to read a miss in minutes).

Each line of a questions file is one of:
- ``{"q": "...", "lang": "en"|"zh", "gold": [task numbers], "doc": optional}``, where ``doc``
  (a document id, title, 文号 or source file name) says which document the numbers refer to;
- ``{"q": "...", "lang": ..., "doc": "...", "gold_text": ["snippet", ...], "kind": optional}``,
  where each snippet is a verbatim piece of one sentence of a gold task (robust to outline changes).

A listing-detection file has lines ``{"q", "lang", "listing": true|false}``: does search answer
the question as a listing (every item about the entity it names) when it should, and only then.

A document-level questions file has lines ``{"q", "lang", "gold_doc"}`` (a 文号 or title, as the
document prints it). A document's rank is the rank of the first of its tasks in a configuration's
task ranking (issue 13); beside it, the plain dense baseline ranks documents by their best sentence.

Every configuration in ``CONFIGURATIONS`` runs in the same pass, so the dense-only baseline (the
question embedded as written) and the channel ablation sit beside the fused figures; a new stage
(a reranker, say) becomes a configuration here and shows up in the tables and the miss listing.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from embeddings.base import Embedder
from embeddings.vector_index import VectorHit, VectorIndex
from graph.base import GraphStore
from graph.models import PolicyDocument
from service.schemas import Channel, SearchResult
from service.search.service import ALL_CHANNELS, SearchService
from service.search.text_norm import normalise_query

CUTOFFS = (1, 5, 10)
MISS_CUTOFF = 5  # a question is a miss when a gold item is not in the fused top 5
# Results read per question and configuration: a gold item ranked deeper is reported as not found.
# Documents need more depth than tasks: a document's first task can sit below many of another's.
TASK_RANK_DEPTH = 50
DOCUMENT_RANK_DEPTH = 100


@dataclass(frozen=True)
class Configuration:
    channels: tuple[Channel, ...]
    bridge_dense: bool = True  # False: embed an English question as written
    scope: bool = True  # False: ignore the documents a question names (search's document scope)
    second_stage: bool = False  # the reranker (search's default: the fused configuration has it)
    feedback: bool = False  # the lexical channel's pseudo-relevance feedback (off in search too)


FUSED = "fused"
DENSE_BASELINE = "dense only (baseline)"
FUSED_NO_RERANK = "fused, no rerank"
CONFIGURATIONS: dict[str, Configuration] = {
    FUSED: Configuration(ALL_CHANNELS, second_stage=True),
    DENSE_BASELINE: Configuration(("dense",), bridge_dense=False, scope=False),
    FUSED_NO_RERANK: Configuration(ALL_CHANNELS),
    "fused, with feedback": Configuration(ALL_CHANNELS, second_stage=True, feedback=True),
    "fused, no document scope": Configuration(ALL_CHANNELS, scope=False, second_stage=True),
    "dense, bridged": Configuration(("dense",)),
    "lexical only": Configuration(("lexical",)),
    "entity only": Configuration(("entity",)),
    "dense + lexical": Configuration(("dense", "lexical")),
    "dense + entity": Configuration(("dense", "entity")),
}
# Document level only: every sentence by cosine to the question as written, documents ranked by
# their best sentence.
DOCUMENT_BASELINE = "dense only, documents by best sentence (baseline)"
DenseSentences = Callable[[str], Sequence[VectorHit]]


def dense_sentences(embedder: Embedder, vectors: VectorIndex) -> DenseSentences:
    """The document baseline's retrieval: every indexed sentence, best first, for the question
    embedded as written (as the dense-only task baseline embeds it)."""
    def ranked(question: str) -> list[VectorHit]:
        return vectors.search(embedder.embed_queries([normalise_query(question)])[0], vectors.count)
    return ranked


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


class DocQuestion(BaseModel):
    """A question whose answer is a document, named by its 文号 or title."""

    model_config = ConfigDict(extra="forbid")

    q: str
    lang: str = "zh"
    gold_doc: str


@dataclass
class Scores:
    questions: int
    recall: dict[int, float]
    mrr: float
    # Share of the questions with a gold task in the top MISS_CUTOFF whose first such task shows
    # a gold snippet in its first evidence sentence; None where no question has a snippet there.
    evidence_at_1: float | None = None


@dataclass
class RankedQuestion:
    """One question's gold items (each a set of acceptable task ids, with a label to print) and
    their ranks under each configuration (None: not within the depth read)."""

    q: str
    lang: str
    kind: str | None
    gold: list[set[str]]
    labels: list[str]
    ranks: dict[str, list[int | None]] = field(default_factory=dict)
    snippets: list[str | None] = field(default_factory=list)  # per gold item, when quoted
    # Per configuration: does the first gold task in the top MISS_CUTOFF show its snippet in
    # its first evidence sentence (None: no quoted gold task there)?
    evidence_first: dict[str, bool | None] = field(default_factory=dict)

    def reciprocal(self, configuration: str) -> float:
        found = [r for r in self.ranks[configuration] if r is not None]
        return 1.0 / min(found) if found else 0.0

    def recall(self, configuration: str, k: int) -> float:
        ranks = self.ranks[configuration]
        return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)

    def missed(self, configuration: str = FUSED, k: int = MISS_CUTOFF) -> bool:
        return self.recall(configuration, k) < 1.0

    def as_json(self) -> dict[str, Any]:
        return {"q": self.q, "lang": self.lang, "kind": self.kind, "gold": self.labels,
                "ranks": self.ranks, "missed": self.missed() if FUSED in self.ranks else None,
                "evidence_first": self.evidence_first}


@dataclass
class Evaluation:
    """Every question ranked under every configuration; the scores derive from the ranks."""

    configurations: list[str]
    questions: list[RankedQuestion]

    def scores(self) -> dict[str, dict[str, Scores]]:
        """Scores per configuration, then per language plus "all"."""
        out: dict[str, dict[str, Scores]] = {}
        for name in self.configurations:
            per_lang: dict[str, list[RankedQuestion]] = defaultdict(list)
            for question in self.questions:
                per_lang[question.lang].append(question)
                per_lang["all"].append(question)
            out[name] = {
                lang: Scores(questions=len(rows),
                             recall={k: sum(q.recall(name, k) for q in rows) / len(rows) for k in CUTOFFS},
                             mrr=sum(q.reciprocal(name) for q in rows) / len(rows),
                             evidence_at_1=_share([q.evidence_first.get(name) for q in rows]))
                for lang, rows in per_lang.items()
            }
        return out

    def misses(self) -> list[RankedQuestion]:
        """Questions with a gold item outside the fused top ``MISS_CUTOFF``."""
        return [q for q in self.questions if q.missed()] if FUSED in self.configurations else []

    def misses_by_kind(self) -> dict[str, tuple[int, int, int]]:
        """kind -> (questions, misses, misses with no gold item at all in the top 5)."""
        asked = Counter(q.kind or "-" for q in self.questions)
        missed = Counter(q.kind or "-" for q in self.misses())
        empty = Counter(q.kind or "-" for q in self.misses() if q.recall(FUSED, MISS_CUTOFF) == 0.0)
        return {kind: (asked[kind], missed[kind], empty[kind]) for kind in sorted(asked)}

    def as_json(self) -> dict[str, Any]:
        return {"scores": scores_dict(self.scores()),
                "misses": {"cutoff": MISS_CUTOFF, "total": len(self.misses()),
                           "by_kind": {kind: {"questions": n, "misses": m, "none_found": e}
                                       for kind, (n, m, e) in self.misses_by_kind().items()}},
                "questions": [q.as_json() for q in self.questions]}


def _share(flags: Sequence[bool | None]) -> float | None:
    known = [f for f in flags if f is not None]
    return sum(known) / len(known) if known else None


M = TypeVar("M", bound=BaseModel)


def _load(path: Path, model: type[M]) -> list[M]:
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(model.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not a question line: {exc}") from exc
    return rows


class ListingQuestion(BaseModel):
    """A question and whether it asks for every item about the entity it names."""

    model_config = ConfigDict(extra="forbid")

    q: str
    lang: str = "zh"
    listing: bool


@dataclass
class ListingAnswer:
    question: ListingQuestion
    detected: bool
    entities: list[str]  # the names search linked, whether or not it answered with a listing

    @property
    def right(self) -> bool:
        return self.detected == self.question.listing


@dataclass
class ListingCounts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0

    @property
    def questions(self) -> int:
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    def add(self, answer: ListingAnswer) -> None:
        if answer.question.listing:
            if answer.detected:
                self.true_positive += 1
            else:
                self.false_negative += 1
        elif answer.detected:
            self.false_positive += 1
        else:
            self.true_negative += 1


def evaluate_listing(search: SearchService, store: GraphStore,
                     questions: list[ListingQuestion]) -> list[ListingAnswer]:
    """Whether search answers each question as a listing, and the entities it linked: the
    entity match that search's first stage runs, without the retrieval (no model call)."""
    snapshot = store.search_snapshot()
    answers = []
    for question in questions:
        entities = search.match_entities(normalise_query(question.q), snapshot)
        answers.append(ListingAnswer(question, detected=entities.listing,
                                     entities=[e.name for e in entities.linked]))
    return answers


def listing_counts(answers: Sequence[ListingAnswer]) -> dict[str, ListingCounts]:
    """Counts per language plus "all"."""
    counts: dict[str, ListingCounts] = defaultdict(ListingCounts)
    for answer in answers:
        counts[answer.question.lang].add(answer)
        counts["all"].add(answer)
    return dict(sorted(counts.items()))


def listing_json(answers: Sequence[ListingAnswer]) -> dict[str, Any]:
    return {
        "scores": {lang: {"questions": c.questions, **vars(c),
                          "precision": round(c.precision, 4), "recall": round(c.recall, 4)}
                   for lang, c in listing_counts(answers).items()},
        "questions": [{"q": a.question.q, "lang": a.question.lang, "listing": a.question.listing,
                       "detected": a.detected, "entities": a.entities} for a in answers],
    }


def load_listing_questions(path: Path) -> list[ListingQuestion]:
    return _load(path, ListingQuestion)


def load_questions(path: Path) -> list[Question]:
    return _load(path, Question)


def load_doc_questions(path: Path) -> list[DocQuestion]:
    return _load(path, DocQuestion)


# A 文号 or title as a question file writes it and as the graph stores it differ in bracket and
# dash forms ([2018] / 〔2018〕, (2021-2023年) / （2021—2023年）) and spacing.
_FOLD = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕",
                       "（": "(", "）": ")", "—": "-", "–": "-", "－": "-", "―": "-"})
_SPACE = re.compile(r"\s+")


def _folded(text: str) -> str:
    return _SPACE.sub("", text.translate(_FOLD))


class GoldResolver:
    """Turns a question's gold (numbers or snippets in a document, or a document's name) into
    task ids."""

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

    def named_document(self, name: str) -> PolicyDocument:
        """The one ingested document whose 文号, title or notice title is ``name`` (brackets,
        dashes and spaces folded)."""
        wanted = _folded(name)
        found = [doc for doc in self._documents
                 if wanted in {_folded(n) for n in (doc.doc_number, doc.title, doc.notice_title) if n}]
        if len(found) != 1:
            named = ", ".join(f"{d.id} {d.title}" for d in found) or "none"
            raise ValueError(f"gold_doc {name!r} names {len(found)} ingested documents ({named})")
        return found[0]

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

    def document_task_ids(self, doc_id: str) -> set[str]:
        tasks = set(self._document_tasks(doc_id))
        if not tasks:
            raise ValueError(f"document {doc_id} has no tasks")
        return tasks

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

    def task_label(self, task_ids: set[str]) -> str:
        """A gold item as a reader finds it: document, task number, path and title."""
        labels = []
        for context in self._store.task_contexts(sorted(task_ids)).values():
            doc, task = context.document, context.task
            name = Path(doc.source).stem if doc.source else doc.title
            labels.append(f"{name} #{task.number} {task.path} {task.title}".strip())
        return " | ".join(labels) or ", ".join(sorted(task_ids))


def _search(search: SearchService, q: str, configuration: Configuration, depth: int) -> list[SearchResult]:
    return search.search(q, k=depth, channels=configuration.channels,
                         bridge_dense=configuration.bridge_dense, scope=configuration.scope,
                         second_stage=configuration.second_stage, feedback=configuration.feedback).results


def _ranks(results: Sequence[SearchResult], gold: list[set[str]]) -> list[int | None]:
    """Each gold item's rank: the first result among its acceptable tasks."""
    return [next((i for i, r in enumerate(results, 1) if r.task.id in item), None) for item in gold]


def _document_rank(hits: Sequence[VectorHit], gold: set[str]) -> int | None:
    """The gold document's rank among documents ordered by their best sentence (the gold document
    is recognised by its tasks, the others by the document their sentence belongs to)."""
    before: set[str] = set()
    for hit in hits:
        if hit.task_id in gold:
            return len(before) + 1
        before.add(hit.doc_id)
    return None


def evaluate(search: SearchService, store: GraphStore, questions: list[Question],
             configurations: dict[str, Configuration] | None = None) -> Evaluation:
    """Task-level questions: each gold item's rank under each configuration."""
    resolver = GoldResolver(store)
    ranked = []
    for question in questions:
        gold = resolver.gold_task_ids(question)
        snippets: list[str | None] = [*question.gold_text, *([None] * len(question.gold))]
        ranked.append(RankedQuestion(question.q, question.lang, question.kind, gold,
                                     [resolver.task_label(item) for item in gold], snippets=snippets))
    chosen = configurations or CONFIGURATIONS
    for name, configuration in chosen.items():
        for row in ranked:
            results = _search(search, row.q, configuration, TASK_RANK_DEPTH)
            row.ranks[name] = _ranks(results, row.gold)
            row.evidence_first[name] = _evidence_first(results[:MISS_CUTOFF], row.gold, row.snippets)
    return Evaluation(list(chosen), ranked)


def _evidence_first(results: Sequence[SearchResult], gold: list[set[str]],
                    snippets: list[str | None]) -> bool | None:
    """Whether the first result that is a quoted gold task shows (one of) its snippet(s) in its
    first evidence sentence; None when no result is."""
    for result in results:
        quoted = [s for item, s in zip(gold, snippets, strict=True) if s and result.task.id in item]
        if quoted:
            first = result.evidence[0].text if result.evidence else ""
            return any(_folded(s) in _folded(first) for s in quoted)
    return None


def evaluate_documents(search: SearchService, store: GraphStore, questions: list[DocQuestion],
                       sentences: DenseSentences,
                       configurations: dict[str, Configuration] | None = None) -> Evaluation:
    """Document-level questions: the gold document's rank under each configuration (its first
    task), and with documents ranked by their best sentence (``sentences``: the dense baseline)."""
    resolver = GoldResolver(store)
    ranked = []
    for question in questions:
        doc = resolver.named_document(question.gold_doc)
        label = f"{Path(doc.source).stem if doc.source else doc.id} {doc.title}" + (
            f" ({doc.doc_number})" if doc.doc_number else "")
        ranked.append(RankedQuestion(question.q, question.lang, None,
                                     [resolver.document_task_ids(doc.id)], [label]))
    chosen = configurations or CONFIGURATIONS
    for name, configuration in chosen.items():
        for row in ranked:
            row.ranks[name] = _ranks(_search(search, row.q, configuration, DOCUMENT_RANK_DEPTH), row.gold)
    for row in ranked:
        row.ranks[DOCUMENT_BASELINE] = [_document_rank(sentences(row.q), row.gold[0])]
    return Evaluation([*chosen, DOCUMENT_BASELINE], ranked)


def score(search: SearchService, store: GraphStore, questions: list[Question],
          configurations: dict[str, Configuration] | None = None
          ) -> dict[str, dict[str, Scores]]:
    """Scores per configuration, then per language plus "all"."""
    return evaluate(search, store, questions, configurations).scores()


def scores_dict(scores: dict[str, dict[str, Scores]]) -> dict[str, Any]:
    return {
        name: {lang: {"questions": s.questions, "mrr": round(s.mrr, 4),
                      **{f"recall@{k}": round(v, 4) for k, v in s.recall.items()},
                      "evidence@1": None if s.evidence_at_1 is None else round(s.evidence_at_1, 4)}
               for lang, s in per_lang.items()}
        for name, per_lang in scores.items()
    }
