"""The corpus tuning set (tests/eval/corpus_questions_tuning.jsonl) is well-formed.

A task-level set to fit on, beside tests/eval/questions.jsonl: questions over twelve corpus
documents searched together, as the blind set's are over its fourteen (several near-identical
provincial opinions, several work reports), so that a question often has to name its document.
It has the blind set's format and rules (tests/eval/test_blind_set.py): verbatim snippets inside
one sentence of exactly one task, low bigram overlap for Chinese questions, no question shared
with another set, and documents that no other task-level set asks about.
"""

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.eval.test_blind_set import (
    DOC_QUESTIONS,
    LISTING_QUESTIONS,
    MIN_ENGLISH_SHARE,
    QUESTIONS,
    BlindQuestion,
    _read,
    check_chinese_overlap,
    document_text,
    snippet_problems,
)

EVAL = Path(__file__).parent
CORPUS_TUNING = EVAL / "corpus_questions_tuning.jsonl"
TASK_SETS = [EVAL / "questions.jsonl", EVAL / "heldout_questions.jsonl", QUESTIONS]
MIN_QUESTIONS = 120
MIN_DOCUMENTS = 12
MIN_PER_DOCUMENT = 8
KINDS = ("fact", "lead", "listing", "scoped", "paraphrase")
MIN_PER_KIND = 15


@pytest.fixture(autouse=True)
def _needs_the_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.fail(f"shared corpus not found at {CORPUS}")


@cache
def questions() -> tuple[BlindQuestion, ...]:
    return _read(CORPUS_TUNING, BlindQuestion)


def test_size_languages_kinds_and_documents() -> None:
    rows = questions()
    languages = Counter(q.lang for q in rows)
    kinds = Counter(q.kind for q in rows)
    documents = Counter(q.doc for q in rows)
    assert len(rows) >= MIN_QUESTIONS and languages["en"] / len(rows) >= MIN_ENGLISH_SHARE, languages
    assert all(kinds[k] >= MIN_PER_KIND for k in KINDS), kinds
    assert len(documents) >= MIN_DOCUMENTS and min(documents.values()) >= MIN_PER_DOCUMENT, documents
    assert all((CORPUS / f"{d}.txt").is_file() for d in documents)


def test_its_documents_are_asked_about_by_no_other_task_level_set() -> None:
    others = {json.loads(line)["doc"] for path in TASK_SETS
              for line in path.read_text("utf-8").splitlines() if line.strip()}
    assert {q.doc for q in questions()} & others == set()


def test_questions_are_unique_and_not_taken_from_the_other_sets() -> None:
    texts = [q.q.strip().lower() for q in questions()]
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    other_paths = [*TASK_SETS, DOC_QUESTIONS, LISTING_QUESTIONS, EVAL / "doc_questions_tuning.jsonl",
                   EVAL / "listing_questions.jsonl"]
    others = {json.loads(line)["q"].strip().lower()
              for path in other_paths for line in path.read_text("utf-8").splitlines() if line.strip()}
    assert others.isdisjoint(texts)


def test_every_gold_snippet_lies_in_one_sentence_of_exactly_one_task() -> None:
    problems = [f"{q.doc}: {s!r} ({q.q!r}) is not in its document" for q in questions()
                for s in q.gold_text if s not in document_text(q.doc, CORPUS)]
    problems += snippet_problems(questions(), CORPUS)
    problems += [f"{q.q!r}: a listing with one gold item" for q in questions()
                 if q.kind == "listing" and len(q.gold_text) < 2]
    assert problems == [], "\n".join(problems)


def test_chinese_questions_share_at_most_half_their_bigrams_with_the_gold_text() -> None:
    check_chinese_overlap(questions(), CORPUS)
