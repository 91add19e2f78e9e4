"""The hand-written evaluation sets are well-formed and their gold snippets each pick out exactly
one task of the document as the loader parses it today: tests/eval/questions.jsonl (89 questions,
7 documents; the English bridge's glossary was tuned on its failures) and
tests/eval/heldout_questions.jsonl (40 questions on 4 other documents, written without looking at
the search's answers: the check that tuning generalises).

A snippet that the outline parser later splits across tasks, or that a parser change makes
ambiguous, fails here on purpose: the gold set must then be re-checked by hand.
"""

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from loaders.files import load_file
from loaders.outline import ParsedTask
from loaders.sentences import split_sentences
from service.search.evaluation import load_questions as load_dev_questions
from tests.conftest import CORPUS, DEV_QUESTIONS, SAMPLE

QUESTIONS = Path(__file__).with_name("questions.jsonl")
HELDOUT = Path(__file__).with_name("heldout_questions.jsonl")
BOTH_SETS = pytest.mark.parametrize("path", [QUESTIONS, HELDOUT], ids=["tuning", "heldout"])
MIN_QUESTIONS = 60
MIN_LANGUAGE_SHARE = 0.4
MIN_CORPUS_DOCUMENTS = 5
MIN_PER_CORPUS_DOCUMENT = 8
MIN_SAMPLE_QUESTIONS = 15
_CJK = re.compile(r"[\u4e00-\u9fff]")

Snippet = Annotated[str, StringConstraints(min_length=10, max_length=30)]


class EvalQuestion(BaseModel):
    """One line of the question set; gold_text holds one snippet per gold task."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str = Field(min_length=3)
    lang: Literal["en", "zh"]
    doc: str = Field(min_length=1)
    gold_text: list[Snippet] = Field(min_length=1)
    kind: Literal["paraphrase", "entity", "listing", "target", "citation", "lead"]


def document_path(doc: str) -> Path:
    """The sample ships in examples/; every other document is read from the shared corpus."""
    return SAMPLE if doc == SAMPLE.stem else CORPUS / f"{doc}.txt"


@cache
def parsed_tasks(doc: str) -> tuple[ParsedTask, ...]:
    return tuple(load_file(document_path(doc)).parsed.tasks)


@cache
def question_set(path: Path) -> tuple[EvalQuestion, ...]:
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(EvalQuestion.model_validate_json(line))
        except ValidationError as exc:
            pytest.fail(f"{path.name}:{number}: not a valid question line: {exc}")
    return tuple(rows)


@pytest.fixture(scope="module")
def questions() -> list[EvalQuestion]:
    return list(question_set(QUESTIONS))


def test_the_heldout_set_has_its_own_documents_and_both_languages() -> None:
    heldout = question_set(HELDOUT)
    assert len(heldout) >= 40
    assert {q.doc for q in heldout}.isdisjoint(q.doc for q in question_set(QUESTIONS))
    counts = Counter(q.lang for q in heldout)
    assert counts["en"] == counts["zh"], counts


def test_set_has_at_least_60_questions(questions: list[EvalQuestion]) -> None:
    assert len(questions) >= MIN_QUESTIONS


def test_each_language_has_at_least_40_percent(questions: list[EvalQuestion]) -> None:
    counts = Counter(q.lang for q in questions)
    for lang in ("en", "zh"):
        assert counts[lang] / len(questions) >= MIN_LANGUAGE_SHARE, counts


@BOTH_SETS
def test_language_tag_matches_the_question_text(path: Path) -> None:
    questions = question_set(path)
    wrong = [q.q for q in questions if bool(_CJK.search(q.q)) != (q.lang == "zh")]
    assert wrong == []


def test_sample_and_five_corpus_documents_are_covered(questions: list[EvalQuestion]) -> None:
    per_doc = Counter(q.doc for q in questions)
    assert per_doc[SAMPLE.stem] >= MIN_SAMPLE_QUESTIONS
    corpus_docs = [d for d, n in per_doc.items() if d != SAMPLE.stem and n >= MIN_PER_CORPUS_DOCUMENT]
    assert len(corpus_docs) >= MIN_CORPUS_DOCUMENTS, per_doc


@BOTH_SETS
def test_every_document_exists(path: Path) -> None:
    questions = question_set(path)
    missing = sorted({str(document_path(q.doc)) for q in questions if not document_path(q.doc).is_file()})
    assert missing == []


def test_questions_are_unique_and_not_taken_from_the_dev_set() -> None:
    texts = [q.q.strip().lower() for q in (*question_set(QUESTIONS), *question_set(HELDOUT))]
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    dev = {d.q.strip().lower() for d in load_dev_questions(DEV_QUESTIONS)}
    assert dev.isdisjoint(texts)


@BOTH_SETS
def test_every_snippet_lies_in_exactly_one_task_and_one_sentence(path: Path) -> None:
    questions = question_set(path)
    problems = []
    for q in questions:
        tasks = parsed_tasks(q.doc)
        for snippet in q.gold_text:
            hits = [t for t in tasks if snippet in t.text]
            if len(hits) != 1:
                problems.append(f"{q.doc}: {snippet!r} ({q.q!r}) in {len(hits)} tasks: {[t.path for t in hits]}")
            elif not any(snippet in s.text for s in split_sentences(hits[0].text)):
                problems.append(f"{q.doc}: {snippet!r} ({q.q!r}) crosses a sentence boundary in {hits[0].path}")
    assert problems == [], "\n".join(problems)


@BOTH_SETS
def test_gold_snippets_of_a_question_name_distinct_tasks(path: Path) -> None:
    questions = question_set(path)
    repeated = []
    for q in questions:
        # Task paths are not yet unique in every corpus document, so tasks are told apart by position.
        hits = [i for s in q.gold_text for i, t in enumerate(parsed_tasks(q.doc)) if s in t.text]
        if len(hits) != len(set(hits)):
            repeated.append(f"{q.q!r}: task positions {hits}")
    assert repeated == [], "\n".join(repeated)
