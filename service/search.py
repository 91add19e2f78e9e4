"""Search: normalise -> retrieve sentences -> aggregate to tasks -> graph context -> answer."""

import re
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from embeddings.base import Embedder
from embeddings.lexical_index import LexicalIndex
from embeddings.vector_index import VectorIndex
from graph.base import GraphStore
from graph.models import TaskContext
from service.query_bridge import QueryBridge
from service.schemas import (
    Channel,
    CitedDocument,
    DocumentRef,
    Evidence,
    SearchFilters,
    SearchResponse,
    SearchResult,
    SectionRef,
    TaskContextOut,
    TaskOut,
)
from service.text_norm import normalise_query

_SENTENCE_POOL = 200  # sentences retrieved per channel before aggregation to tasks
_EVIDENCE_PER_TASK = 3
_SUPPORT_WEIGHT = 0.15  # how much a task's second-best sentence adds to its best
_RRF_K = 60  # reciprocal rank fusion constant (Cormack et al.): damps the top ranks' weight
_LATIN = re.compile(r"[A-Za-z]{2,}")


class SentenceHit(Protocol):
    @property
    def sentence_id(self) -> str: ...
    @property
    def task_id(self) -> str: ...
    @property
    def score(self) -> float: ...


@dataclass
class TaskCandidate:
    task_id: str
    score: float = 0.0
    channels: set[Channel] = field(default_factory=set)
    sentence_scores: dict[str, float] = field(default_factory=dict)


def aggregate(hits: Sequence[SentenceHit], channel: Channel) -> list[TaskCandidate]:
    """Sentence hits of one channel -> tasks. Task score = its best sentence + a little of its
    second best; best tasks first."""
    by_task: dict[str, list[SentenceHit]] = defaultdict(list)
    for hit in hits:
        by_task[hit.task_id].append(hit)
    candidates = []
    for task_id, task_hits in by_task.items():
        scores = sorted((h.score for h in task_hits), reverse=True)
        score = scores[0] + (_SUPPORT_WEIGHT * scores[1] if len(scores) > 1 else 0.0)
        candidates.append(TaskCandidate(
            task_id=task_id, score=score, channels={channel},
            sentence_scores={h.sentence_id: h.score for h in task_hits}))
    candidates.sort(key=lambda c: (-c.score, c.task_id))
    return candidates


def fuse(rankings: Sequence[list[TaskCandidate]]) -> list[TaskCandidate]:
    """Reciprocal rank fusion of per-channel task rankings; evidence scores are merged (best
    per sentence), channels are the union of those that found the task."""
    fused: dict[str, TaskCandidate] = {}
    for ranking in rankings:
        for rank, candidate in enumerate(ranking, 1):
            into = fused.setdefault(candidate.task_id, TaskCandidate(candidate.task_id))
            into.score += 1.0 / (_RRF_K + rank)
            into.channels |= candidate.channels
            for sid, s in candidate.sentence_scores.items():
                into.sentence_scores[sid] = max(s, into.sentence_scores.get(sid, s))
    return sorted(fused.values(), key=lambda c: (-c.score, c.task_id))


class SearchService:
    """Dense (e5 over sentences) and lexical (BM25 over jieba tokens; English questions are
    bridged to Chinese terms with CC-CEDICT) channels, fused by reciprocal rank."""

    def __init__(self, store: GraphStore, embedder: Embedder, vectors: VectorIndex,
                 lexical: LexicalIndex, bridge_cache_dir: Path | None = None) -> None:
        self._store = store
        self._embedder = embedder
        self._vectors = vectors
        self._lexical = lexical
        self._bridge_cache_dir = bridge_cache_dir
        self._bridge: QueryBridge | None = None
        self._bridge_lock = threading.Lock()

    def _query_bridge(self) -> QueryBridge:
        # Loaded on the first English question: the dictionary takes a moment to read.
        with self._bridge_lock:
            if self._bridge is None:
                self._bridge = QueryBridge.load(self._bridge_cache_dir)
            return self._bridge

    def warm_up(self) -> None:
        """Load the dictionary and build the BM25 matrix now rather than in the first request."""
        self._query_bridge()
        self._lexical.search("教育", 1)

    def lexical_query(self, normalised: str) -> str | dict[str, float]:
        """The question itself, or for English words their weighted Chinese terms."""
        if not _LATIN.search(normalised):
            return normalised
        return {t.term_zh: t.weight for t in self._query_bridge().translate(normalised)}

    def channel_rankings(self, normalised: str, doc_ids: set[str] | None
                         ) -> dict[Channel, list[TaskCandidate]]:
        query_vector = self._embedder.embed_queries([normalised])[0]
        dense = self._vectors.search(query_vector, _SENTENCE_POOL, doc_ids=doc_ids)
        lexical = self._lexical.search(self.lexical_query(normalised), _SENTENCE_POOL,
                                       doc_ids=doc_ids)
        return {"dense": aggregate(dense, "dense"), "lexical": aggregate(lexical, "lexical")}

    def search(self, query: str, k: int = 10, offset: int = 0,
               filters: SearchFilters | None = None) -> SearchResponse:
        started = time.perf_counter()
        normalised = normalise_query(query)
        doc_ids = self._allowed_documents(filters) if filters else None
        candidates = fuse(list(self.channel_rankings(normalised, doc_ids).values()))
        page = candidates[offset:offset + k]
        results = self._results(page)
        return SearchResponse(
            query=query,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            listing=None,
            results=results,
            context_text=context_text(results),
        )

    def _allowed_documents(self, filters: SearchFilters) -> set[str] | None:
        if not (filters.document or filters.year or filters.issuer):
            return None
        allowed = set()
        for doc in self._store.list_documents():
            if filters.document and doc.id not in filters.document:
                continue
            if filters.year and doc.year not in filters.year:
                continue
            if filters.issuer and doc.issuer not in filters.issuer:
                continue
            allowed.add(doc.id)
        return allowed

    def _results(self, page: list[TaskCandidate]) -> list[SearchResult]:
        contexts = self._store.task_contexts([c.task_id for c in page])
        evidence_ids = [
            sid for c in page
            for sid, _ in sorted(c.sentence_scores.items(), key=lambda kv: -kv[1])[
                :_EVIDENCE_PER_TASK]
        ]
        sentences = self._store.sentences(evidence_ids)
        results = []
        for candidate in page:
            context = contexts.get(candidate.task_id)
            if context is None:
                continue  # the vector index is ahead of the graph (a delete in flight)
            top = sorted(candidate.sentence_scores.items(), key=lambda kv: -kv[1])
            evidence = [
                Evidence(sentence_id=sid, text=sentences[sid].text, start=sentences[sid].start,
                         end=sentences[sid].end, score=round(score, 4))
                for sid, score in top[:_EVIDENCE_PER_TASK] if sid in sentences
            ]
            results.append(SearchResult(
                task=task_out(context), score=round(candidate.score, 4),
                matched_by=sorted(candidate.channels), evidence=evidence,
                context=context_out(context)))
        return results


def task_out(context: TaskContext) -> TaskOut:
    task, doc = context.task, context.document
    return TaskOut(
        id=task.id, number=task.number, path=task.path, title=task.title, text=task.text,
        document=DocumentRef(id=doc.id, title=doc.title, doc_number=doc.doc_number),
        section=SectionRef(number=context.section.number, title=context.section.title)
        if context.section else None,
    )


def context_out(context: TaskContext) -> TaskContextOut:
    return TaskContextOut(
        programmes=context.programmes, institutions=context.institutions,
        places=context.places, targets=context.targets,
        documents=[CitedDocument(id=d.id, title=d.title, doc_number=d.doc_number,
                                 ingested=d.ingested) for d in context.documents],
    )


def context_text(results: list[SearchResult]) -> str:
    """A numbered, cited context ready to paste into a chatbot prompt."""
    lines = []
    for i, result in enumerate(results, 1):
        task, doc = result.task, result.task.document
        source = f"《{doc.title}》" + (f"（{doc.doc_number}）" if doc.doc_number else "")
        where = f"{task.path}" + (f" 第{task.number}项" if task.number else "")
        lines.append(f"[{i}] {source} {where} {task.title}\n{task.text}")
    return "\n\n".join(lines)
