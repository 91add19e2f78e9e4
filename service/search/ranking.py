"""Ranking: sentence hits of each channel aggregated to tasks, then the channels fused by
weighted reciprocal rank fusion. The channel weights live here."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from service.schemas import Channel

_SUPPORT_WEIGHT = 0.15  # how much a task's second-best sentence adds to its best
# Reciprocal rank fusion: with 200 sentences per channel, the classic k=60 lets a task found
# low in two channels beat one found first by one; k=10 keeps the top ranks decisive. The
# small 4-bit e5 model is the least precise channel on policy Chinese (eval: dense-only MRR
# well below lexical-only on both question sets), so its votes count half.
RRF_K = 10
CHANNEL_WEIGHTS: dict[Channel, float] = {"dense": 0.5, "lexical": 1.0, "entity": 0.5}


class SentenceHit(Protocol):
    @property
    def sentence_id(self) -> str: ...
    @property
    def task_id(self) -> str: ...
    @property
    def score(self) -> float: ...


@dataclass(slots=True)
class TaskCandidate:
    task_id: str
    score: float = 0.0
    channels: set[Channel] = field(default_factory=set)
    sentence_scores: dict[str, float] = field(default_factory=dict)


def aggregate(hits: Sequence[SentenceHit], channel: Channel) -> list[TaskCandidate]:
    """Sentence hits of one channel, best first (as both indexes return them) -> tasks. Task
    score = its best sentence + a little of its second best; best tasks first."""
    candidates: dict[str, TaskCandidate] = {}
    for hit in hits:
        candidate = candidates.get(hit.task_id)
        if candidate is None:
            candidates[hit.task_id] = TaskCandidate(
                hit.task_id, hit.score, {channel}, {hit.sentence_id: hit.score})
            continue
        if len(candidate.sentence_scores) == 1:  # this is the task's second-best sentence
            candidate.score += _SUPPORT_WEIGHT * hit.score
        candidate.sentence_scores[hit.sentence_id] = hit.score
    return sorted(candidates.values(), key=lambda c: (-c.score, c.task_id))


def fuse(rankings: Mapping[Channel, list[TaskCandidate]]) -> list[TaskCandidate]:
    """Weighted reciprocal rank fusion of per-channel task rankings; channels are the union of
    those that found the task. Evidence is fused the same way, sentence by sentence: a BM25
    score, a cosine and an entity link are on scales of their own, so a sentence's evidence
    score is the sum over the channels that found it of the channel's weight / (RRF_K + the
    sentence's rank in that channel)."""
    fused: dict[str, TaskCandidate] = {}
    for channel, ranking in rankings.items():
        weight = CHANNEL_WEIGHTS[channel]
        sentence_votes = _sentence_votes(ranking, weight)
        for rank, candidate in enumerate(ranking, 1):
            into = fused.get(candidate.task_id)
            if into is None:
                into = fused[candidate.task_id] = TaskCandidate(candidate.task_id, 0.0, set())
            into.score += weight / (RRF_K + rank)
            into.channels |= candidate.channels
            merged = into.sentence_scores
            for sid in candidate.sentence_scores:
                merged[sid] = merged.get(sid, 0.0) + sentence_votes[sid]
    return sorted(fused.values(), key=lambda c: (-c.score, c.task_id))


def _sentence_votes(ranking: Sequence[TaskCandidate], weight: float) -> dict[str, float]:
    """Each sentence of one channel's ranking: ``weight / (RRF_K + rank)`` by its score in the
    channel (equal scores share the better rank)."""
    scores = sorted((score for c in ranking for score in c.sentence_scores.values()), reverse=True)
    rank_of: dict[float, int] = {}
    for rank, score in enumerate(scores, 1):
        rank_of.setdefault(score, rank)
    return {sid: weight / (RRF_K + rank_of[score])
            for c in ranking for sid, score in c.sentence_scores.items()}


def merge(first: list[TaskCandidate], second: list[TaskCandidate], weight: float) -> list[TaskCandidate]:
    """Two rankings of one channel as one, by reciprocal rank (``second``'s votes times
    ``weight``); a task's sentence scores are the first ranking's, else the second's."""
    merged: dict[str, TaskCandidate] = {}
    for ranking, share in ((first, 1.0), (second, weight)):
        for rank, candidate in enumerate(ranking, 1):
            into = merged.get(candidate.task_id)
            if into is None:
                into = merged[candidate.task_id] = TaskCandidate(
                    candidate.task_id, 0.0, set(candidate.channels), dict(candidate.sentence_scores))
            into.score += share / (RRF_K + rank)
    return sorted(merged.values(), key=lambda c: (-c.score, c.task_id))
