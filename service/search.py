"""Search: normalise -> retrieve sentences -> aggregate to tasks -> graph context -> answer."""

import time
from collections import defaultdict
from dataclasses import dataclass, field

from embeddings.base import Embedder
from embeddings.vector_index import VectorHit, VectorIndex
from graph.base import GraphStore
from graph.models import TaskContext
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

_SENTENCE_POOL = 200  # sentences retrieved before aggregation to tasks
_EVIDENCE_PER_TASK = 3
_SUPPORT_WEIGHT = 0.15  # how much a task's second-best sentence adds to its best


@dataclass
class TaskCandidate:
    task_id: str
    score: float = 0.0
    channels: set[Channel] = field(default_factory=set)
    sentence_scores: dict[str, float] = field(default_factory=dict)


def aggregate_dense(hits: list[VectorHit]) -> list[TaskCandidate]:
    """Task score = its best sentence + a little of its second best, best tasks first."""
    by_task: dict[str, list[VectorHit]] = defaultdict(list)
    for hit in hits:
        by_task[hit.task_id].append(hit)
    candidates = []
    for task_id, task_hits in by_task.items():
        scores = sorted((h.score for h in task_hits), reverse=True)
        score = scores[0] + (_SUPPORT_WEIGHT * scores[1] if len(scores) > 1 else 0.0)
        candidates.append(TaskCandidate(
            task_id=task_id, score=score, channels={"dense"},
            sentence_scores={h.sentence_id: h.score for h in task_hits}))
    candidates.sort(key=lambda c: (-c.score, c.task_id))
    return candidates


class SearchService:
    def __init__(self, store: GraphStore, embedder: Embedder, vectors: VectorIndex) -> None:
        self._store = store
        self._embedder = embedder
        self._vectors = vectors

    def search(self, query: str, k: int = 10, offset: int = 0,
               filters: SearchFilters | None = None) -> SearchResponse:
        started = time.perf_counter()
        normalised = normalise_query(query)
        doc_ids = self._allowed_documents(filters) if filters else None
        query_vector = self._embedder.embed_queries([normalised])[0]
        hits = self._vectors.search(query_vector, _SENTENCE_POOL, doc_ids=doc_ids)
        candidates = aggregate_dense(hits)
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
