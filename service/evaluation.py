"""Retrieval evaluation: recall@k and MRR per language over a JSONL file of questions.

Each line: ``{"q": "...", "lang": "en"|"zh", "gold": [task numbers], "doc": optional}``, where
``doc`` (a document id, title or 文号) says which document the numbers refer to.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from service.schemas import SearchResult
from service.search import SearchService

CUTOFFS = (1, 5, 10)


class Question(BaseModel):
    q: str
    lang: str = "zh"
    gold: list[int] = Field(min_length=1)
    doc: str | None = None


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


def _is_gold(result: SearchResult, question: Question) -> bool:
    task = result.task
    if task.number not in question.gold:
        return False
    if question.doc is None:
        return True
    doc = task.document
    return question.doc in (doc.id, doc.title, doc.doc_number)


def score(search: SearchService, questions: list[Question]) -> dict[str, Scores]:
    """Scores per language, plus "all"."""
    per_lang: dict[str, list[tuple[float, dict[int, float]]]] = defaultdict(list)
    for question in questions:
        results = search.search(question.q, k=max(CUTOFFS)).results
        ranks = [i for i, r in enumerate(results, 1) if _is_gold(r, question)]
        found_numbers = [results[i - 1].task.number for i in ranks]
        reciprocal = 1.0 / ranks[0] if ranks else 0.0
        recall = {
            k: len({n for n, i in zip(found_numbers, ranks, strict=True) if i <= k})
            / len(set(question.gold))
            for k in CUTOFFS
        }
        per_lang[question.lang].append((reciprocal, recall))
        per_lang["all"].append((reciprocal, recall))
    return {
        lang: Scores(
            questions=len(rows),
            recall={k: sum(r[1][k] for r in rows) / len(rows) for k in CUTOFFS},
            mrr=sum(r[0] for r in rows) / len(rows),
        )
        for lang, rows in per_lang.items()
    }


def scores_json(scores: dict[str, Scores]) -> str:
    return json.dumps({
        lang: {"questions": s.questions, "mrr": round(s.mrr, 4),
               **{f"recall@{k}": round(v, 4) for k, v in s.recall.items()}}
        for lang, s in scores.items()
    }, ensure_ascii=False, indent=2)
