"""Benchmark (not a test): the vector index and the search snapshot as the corpus grows.

    .venv/bin/python bench/index_scale.py DATA_DIR [--scales 1,10,25] [--out bench/results]

DATA_DIR is an ingested store on the embedded backend, with the real model (for example the
corpus: ``POLICYKG_DATA_DIR=DIR policykg ingest ../shared/corpus``). Two parts:

1. Exact search over the flat vectors, by FAISS's flat index and by one numpy matrix-vector
   product (what policykg's VectorIndex.search does), against HNSW at 1x, 10x, 25x the store's sentence
   vectors. Beyond 1x the extra vectors are the real ones with small Gaussian noise, normalised
   again (cosine ~0.97 to their source), which keeps the distribution's shape; the queries are the
   tuning set's questions embedded by the store's model. Reported: build seconds, bytes per
   vector, single-thread query p50/p99, recall@50 of HNSW against flat's exact top 50.
2. The search snapshot (``GraphStore.search_snapshot``): seconds to build it and the bytes of
   Python objects it allocates per sentence (tracemalloc), to set against the issue's bound of
   1 GB and 5 s at 10^6 sentences.

Writes ``index_scale.md`` (and ``index_scale.png`` when matplotlib is installed) under --out.
Times are wall-clock on a shared machine: compare rows of one run, not runs.
"""

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import threadpoolctl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.settings import Settings  # noqa: E402
from service.wiring import build_components  # noqa: E402

K = 50


def cpu_flags() -> str:
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    wanted = ["avx2", "avx512f", "avx512_vnni", "avx_vnni"]
    return ", ".join(f for f in wanted if f in flags) or "none of avx2/avx512/vnni"


def stored_vectors(index: Any) -> np.ndarray:
    inner = faiss.downcast_index(index.index if hasattr(index, "index") else index)
    return inner.reconstruct_n(0, inner.ntotal).astype(np.float32)


def grown(base: np.ndarray, factor: int, rng: np.random.Generator) -> np.ndarray:
    parts = [base]
    for _ in range(factor - 1):
        noisy = base + rng.normal(0.0, 0.012, base.shape).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        parts.append(noisy)
    return np.ascontiguousarray(np.vstack(parts))


def timed_search(index: faiss.Index, queries: np.ndarray) -> tuple[np.ndarray, list[float]]:
    found, times = [], []
    for q in queries:
        start = time.perf_counter()
        _, ids = index.search(q[None, :], K)
        times.append((time.perf_counter() - start) * 1000)
        found.append(ids[0])
    return np.array(found), times


def timed_product(data: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """policykg's exact search: one matrix-vector product, the top K by partition then sort."""
    found, times = [], []
    for q in queries:
        start = time.perf_counter()
        scores = data @ q
        top = np.argpartition(-scores, K - 1)[:K]
        ids = top[np.argsort(-scores[top])]
        times.append((time.perf_counter() - start) * 1000)
        found.append(ids)
    return np.array(found), times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build_hnsw(vectors: np.ndarray) -> tuple[Any, float]:
    """An HNSW index (M=32, efConstruction 80) over ``vectors``, built on both cores (offline),
    and its build seconds; FAISS is left on one thread for searching, as the server runs it."""
    faiss.omp_set_num_threads(2)
    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(vectors)
    seconds = time.perf_counter() - start
    faiss.omp_set_num_threads(1)
    return hnsw, seconds


def index_rows(vectors: np.ndarray, queries: np.ndarray, scales: list[int]) -> list[dict[str, Any]]:
    faiss.omp_set_num_threads(1)  # as the server runs it
    rng = np.random.default_rng(7)
    rows = []
    for scale in scales:
        data = grown(vectors, scale, rng)
        n, dim = data.shape
        start = time.perf_counter()
        flat = faiss.IndexFlatIP(dim)
        flat.add(data)
        flat_build = time.perf_counter() - start
        exact, flat_ms = timed_search(flat, queries)
        rows.append({"scale": scale, "vectors": n, "index": "flat (exact)", "build_s": flat_build,
                     "bytes_per_vector": dim * 4, "p50_ms": statistics.median(flat_ms),
                     "p99_ms": percentile(flat_ms, 0.99), "recall50": 1.0})
        print(rows[-1], flush=True)
        product, product_ms = timed_product(data, queries)
        recall = float(np.mean([len(set(a) & set(e)) / K for a, e in zip(product, exact, strict=True)]))
        rows.append({"scale": scale, "vectors": n, "index": "flat, numpy product (policykg)", "build_s": 0.0,
                     "bytes_per_vector": dim * 4, "p50_ms": statistics.median(product_ms),
                     "p99_ms": percentile(product_ms, 0.99), "recall50": recall})
        print(rows[-1], flush=True)
        hnsw, hnsw_build = build_hnsw(data)
        for ef in (64, 128, 256):
            hnsw.hnsw.efSearch = ef
            approx, ms = timed_search(hnsw, queries)
            recall = float(np.mean([len(set(a) & set(e)) / K for a, e in zip(approx, exact, strict=True)]))
            rows.append({"scale": scale, "vectors": n, "index": f"HNSW M=32 ef={ef}", "build_s": hnsw_build,
                         "bytes_per_vector": dim * 4 + 32 * 2 * 4, "p50_ms": statistics.median(ms),
                         "p99_ms": percentile(ms, 0.99), "recall50": recall})
            print(rows[-1], flush=True)
        del flat, hnsw, data
        gc.collect()
    return rows


def snapshot_row(components: Any) -> dict[str, Any]:
    store = components.store
    store.forget_cached_reads()
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    snapshot = store.search_snapshot()
    seconds = time.perf_counter() - start
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sentences = snapshot.sentence_count
    return {"sentences": sentences, "seconds": seconds, "bytes": current,
            "bytes_per_sentence": current / max(1, sentences),
            "seconds_per_10^6": seconds / max(1, sentences) * 1e6,
            "gb_per_10^6": current / max(1, sentences) * 1e6 / 1e9}


def blas_threads() -> str:
    """numpy's BLAS threads in this process (the server keeps them at one: service/wiring.py)."""
    counts = {lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"}
    return ", ".join(map(str, sorted(counts))) or "no BLAS"


def write_report(out: Path, rows: list[dict[str, Any]], snap: dict[str, Any], flags: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# Vector index and search snapshot at scale (bench/index_scale.py)", "",
             f"CPU flags: {flags}. FAISS searches on one thread, the numpy product on numpy's BLAS with "
             f"{blas_threads()} thread(s) (as the server runs both), HNSW built on 2. Beyond 1x the",
             "vectors are noisy copies of the real ones, so each query's top 50 is crowded with",
             "near-duplicates: a harsh case for HNSW. The snapshot's build time is measured under",
             "tracemalloc, which slows it several times (the bytes are exact).", "",
             "| scale | vectors | index | build s | bytes/vector | p50 ms | p99 ms | recall@50 |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['scale']}x | {r['vectors']:,} | {r['index']} | {r['build_s']:.1f} | {r['bytes_per_vector']} "
              f"| {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['recall50']:.3f} |" for r in rows]
    lines += ["", "## Search snapshot", "",
              f"{snap['sentences']:,} sentences: built in {snap['seconds']:.2f} s, "
              f"{snap['bytes'] / 1e6:.1f} MB of Python objects, {snap['bytes_per_sentence']:.0f} bytes per "
              f"sentence; linear at 10^6 sentences: {snap['gb_per_10^6']:.2f} GB and "
              f"{snap['seconds_per_10^6']:.1f} s (the issue's bound: 1 GB, 5 s).", ""]
    (out / "index_scale.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "index_scale.json").write_text(json.dumps({"rows": rows, "snapshot": snap, "cpu_flags": flags},
                                                     indent=1), encoding="utf-8")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for name in sorted({r["index"] for r in rows}):
        mine = [r for r in rows if r["index"] == name]
        left.plot([r["vectors"] for r in mine], [r["p50_ms"] for r in mine], marker="o", label=name)
        right.plot([r["vectors"] for r in mine], [r["recall50"] for r in mine], marker="o", label=name)
    left.set(xscale="log", yscale="log", xlabel="vectors", ylabel="query p50 (ms, 1 thread)")
    right.set(xscale="log", xlabel="vectors", ylabel="recall@50 against flat")
    left.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "index_scale.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--scales", default="1,10,25")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--queries", type=Path, default=ROOT / "tests" / "eval" / "questions.jsonl")
    args = parser.parse_args()
    components = build_components(Settings(data_dir=args.data_dir), read_only=True)
    questions = [json.loads(line)["q"] for line in args.queries.read_text("utf-8").splitlines() if line.strip()]
    queries = np.ascontiguousarray(components.embedder.embed_queries(questions), dtype=np.float32)
    vectors = stored_vectors(components.vectors._index)
    snap = snapshot_row(components)
    print(snap, flush=True)
    rows = index_rows(vectors, queries, [int(s) for s in args.scales.split(",")])
    write_report(args.out, rows, snap, cpu_flags())
    print((args.out / "index_scale.md").read_text("utf-8"))


if __name__ == "__main__":
    main()
