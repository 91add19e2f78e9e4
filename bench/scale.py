"""Benchmark (not a test; `make bench`): policykg at 1x, 10x, 100x the corpus, on both backends.

    .venv/bin/python bench/scale.py [--scales 1,10] [--backends embedded,neo4j] [--seconds 15]
                                    [--corpus ../shared/corpus] [--out bench/results] [--wipe-neo4j]

For each size N (``--scales``) the corpus is written N times with perturbed text (``perturb``:
the replica number woven into the title, every 文号 and some sentences, so that document ids,
sentence ids and texts differ), and each replica is parsed and checked to give its source's
number of tasks and sentences. Then, per backend (the embedded default; Neo4j when NEO4J_URI and
NEO4J_PASSWORD are set, else reported as skipped), with ``POLICYKG_EMBEDDER=hash`` (embedding
cost is measured by bench/embedder_engines.py and ingest_throughput.py):

- ``policykg ingest`` of the replicas into a new data dir: documents/s, sentences/s, and the
  CLI's seconds per stage;
- the data dir's size per part (graph file, vector and lexical indexes, caches);
- a real ``policykg serve``: its RSS after start and after the searches (and its peak), search
  p50/p99 over HTTP at 1 client and at 32 clients (bench/http_load.py's functions);
- the search snapshot (``GraphStore.search_snapshot``) in this process: seconds to load it, and
  bytes (tracemalloc, bench/index_scale.py's ``snapshot_row``), against the issue's bound of
  1 GB and 5 s at 10^6 sentences;
- once per size (the vector index is the same FAISS index on both backends): flat against HNSW
  over the store's vectors, recall@50 against exact (index_scale.py's ``index_rows``).

The Neo4j database must be empty at the start (its contents are deleted between sizes), or
``--wipe-neo4j`` says it may be emptied. Writes ``scale.md``, ``scale.json`` and ``scale_*.png``
under --out. Times are wall-clock on a shared machine: compare rows of one run, not runs.
"""

import argparse
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_load import ADMIN, READER, many_clients, one_client, percentile, questions  # noqa: E402
from index_scale import K, build_hnsw, cpu_flags, snapshot_row, stored_vectors, timed_search  # noqa: E402

from loaders.files import load_bytes  # noqa: E402
from tests.service.lifecycle_support import quiet_server  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
TUNING_QUESTIONS = ROOT / "tests" / "eval" / "questions.jsonl"
# A 文号's year in brackets, then its number: 安政办〔2016〕111号, 榕政办[2017]121号.
DOC_NUMBER = re.compile(r"([〔\[［【(（﹝]\s*(?:19|20)\d{2}\s*[〕\]］】)）﹞]\s*)(\d+)(\s*号)")


class ReplicaMismatchError(ValueError):
    """A replica does not parse like its source: it would measure another corpus."""


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    title: str  # as the parse reads it (the replica's tag goes wherever it appears)
    doc_id: str
    tasks: int
    sentences: int


def read_sources(corpus: Path, first: int | None = None) -> list[Source]:
    """The corpus' documents (the first ``first`` by name), each parsed once."""
    sources = []
    for path in sorted(corpus.glob("*.txt"))[:first]:
        content = path.read_bytes()
        loaded = load_bytes(path.name, content)
        sources.append(Source(path, content.decode("utf-8"), loaded.batch.document.title,
                              loaded.batch.document.id, len(loaded.parsed.tasks), len(loaded.batch.sentences)))
    if not sources:
        raise SystemExit(f"no .txt files in {corpus}")
    return sources


def perturb(text: str, replica: int, title: str) -> str:
    """The text of replica ``replica`` (0: the text itself): 副本N after the title wherever it
    appears (or after the first line when the parse composes the title, 海拉尔's reports), N
    as three more digits of every 文号 (citations between documents of one replica still
    match), and in every other line of two or more sentences, the two characters before the
    last 。 replaced by N's last two digits. Lengths and the first sentence of each paragraph
    stay as they were: the outline reads paragraphs by them."""
    if replica == 0:
        return text
    tag = f"（副本{replica}）"
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.strip())
    if title not in lines[first]:
        lines[first] = lines[first].rstrip() + tag
    out, prose = [], 0
    for line in lines:
        line = DOC_NUMBER.sub(lambda m: f"{m[1]}{m[2]}{replica:03d}{m[3]}", line.replace(title, title + tag))
        if line.count("。") >= 2:
            prose += 1
            cut = line.rindex("。")
            if prose % 2 == 0 and all("\u4e00" <= ch <= "\u9fff" for ch in line[cut - 2:cut]):
                line = f"{line[:cut - 2]}{replica % 100:02d}{line[cut:]}"
        out.append(line)
    return "\n".join(out)


def write_replicas(sources: list[Source], factor: int, out_dir: Path) -> dict[str, Any]:
    """Writes ``factor`` replicas of every source under ``out_dir``, each parsed and checked:
    the same numbers of tasks and sentences as its source, a document id of its own, and (for
    replicas past the first) some sentence texts of its own."""
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    doc_ids: set[str] = set()
    tasks = sentences = 0
    for source in sources:
        source_texts: set[str] | None = None
        for replica in range(factor):
            name = f"{source.path.stem}.r{replica:03d}.txt"
            content = perturb(source.text, replica, source.title).encode("utf-8")
            loaded = load_bytes(name, content)
            got = (len(loaded.parsed.tasks), len(loaded.batch.sentences))
            if got != (source.tasks, source.sentences):
                raise ReplicaMismatchError(f"{name}: {got[0]} tasks and {got[1]} sentences, its source "
                                           f"{source.path.name} {source.tasks} and {source.sentences}")
            doc_id = loaded.batch.document.id
            if doc_id in doc_ids:
                raise ReplicaMismatchError(f"{name}: document id {doc_id} is another replica's")
            texts = {s.text for s in loaded.batch.sentences}
            if source_texts is None:
                source_texts = texts
            elif not texts - source_texts:
                raise ReplicaMismatchError(f"{name}: every sentence is its source's")
            doc_ids.add(doc_id)
            tasks += got[0]
            sentences += got[1]
            (out_dir / name).write_bytes(content)
    return {"documents": len(doc_ids), "tasks": tasks, "sentences": sentences,
            "write_and_check_s": time.perf_counter() - started}


def tree_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def data_dir_sizes(data_dir: Path) -> dict[str, int]:
    """Bytes per part of a data dir: each index (indexes/<backend>/<index>), each other entry."""
    sizes = {}
    for entry in sorted(data_dir.iterdir()):
        parts = sorted(p for d in entry.iterdir() if d.is_dir() for p in d.iterdir()) \
            if entry.name == "indexes" else [entry]
        for part in parts:
            sizes[str(part.relative_to(data_dir))] = tree_bytes(part)
    return sizes


def memory(pid: int) -> dict[str, int]:
    """The process' resident set now and at its peak, in bytes (/proc/<pid>/status)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ":" in line)
    return {key: int(fields[key].split()[0]) * 1024 for key in ("VmRSS", "VmHWM")}


def neo4j_configured() -> bool:
    return bool(os.environ.get("NEO4J_URI") and os.environ.get("NEO4J_PASSWORD"))


def neo4j_nodes() -> int:
    from neo4j import GraphDatabase

    auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"])
    with GraphDatabase.driver(os.environ["NEO4J_URI"], auth=auth) as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n")
        return int(records[0]["n"])


def empty_neo4j() -> None:
    """Deletes everything, in batches (one transaction over 10^6 nodes outgrows the heap)."""
    from neo4j import GraphDatabase

    auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"])
    with GraphDatabase.driver(os.environ["NEO4J_URI"], auth=auth) as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def backend_env(backend: str, data_dir: Path, keys: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    env.update(POLICYKG_DATA_DIR=str(data_dir), POLICYKG_GRAPH=backend, POLICYKG_EMBEDDER="hash",
               POLICYKG_KEYS_FILE=str(keys), POLICYKG_RATE_LIMIT_PER_MINUTE="0",
               OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), HF_HUB_OFFLINE="1",
               PYTHONPATH=str(ROOT))
    return env


def policykg_command() -> list[str]:
    """This checkout's CLI, run by this interpreter (so a worktree runs its own code)."""
    return [sys.executable, "-m", "service.cli"]


def ingest(env: dict[str, str], corpus: Path, log: Path) -> dict[str, Any]:
    """`policykg ingest` of a directory: wall seconds, and the CLI's seconds per stage."""
    started = time.perf_counter()
    with log.open("wb") as out:
        subprocess.run([*policykg_command(), "ingest", str(corpus)], env=env, check=True,
                       stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    found = re.search(r"seconds per stage: (.*)", log.read_text("utf-8", errors="replace"))
    stages = {}
    for part in (found[1].split(", ") if found else []):
        name, _, value = part.rpartition(" ")
        stages[name] = float(value)
    return {"seconds": seconds, "stages_s": stages}


@contextmanager
def server(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """A quiet `policykg serve` of this checkout (the console script in the interpreter's
    directory would run the installed code)."""
    wrapper = Path(env["POLICYKG_DATA_DIR"]).parent / "policykg"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m service.cli \"$@\"\n", "utf-8")
    wrapper.chmod(0o755)
    with quiet_server(str(wrapper), env) as (base, process):
        yield base, process.pid


def searches(env: dict[str, str], seconds: float, clients: int, single_searches: int) -> dict[str, Any]:
    with server(env) as (base, pid):
        # `exec` keeps the pid: this is the server's own memory.
        started = memory(pid)
        one_client(base, questions(10))  # warm: dictionary, entity names, BM25 matrix
        warm = memory(pid)
        single = one_client(base, questions(10 + single_searches)[10:])
        busy, wall = many_clients(base, clients, seconds)
        after = memory(pid)
    return {"rss_start": started["VmRSS"], "rss_warm": warm["VmRSS"], "rss_after": after["VmRSS"],
            "rss_peak": after["VmHWM"],
            "one_client": {"p50_ms": statistics.median(single) * 1000, "p99_ms": percentile(single, 0.99) * 1000},
            "many_clients": {"clients": clients, "requests": len(busy), "rps": len(busy) / wall,
                             "p50_ms": statistics.median(busy) * 1000, "p99_ms": percentile(busy, 0.99) * 1000}}


def snapshot(data_dir: Path, backend: str) -> dict[str, Any]:
    """The search snapshot's load seconds (plain), then its bytes (under tracemalloc)."""
    from service.settings import Settings
    from service.wiring import build_components

    components = build_components(Settings(data_dir=data_dir, graph=backend, embedder="hash"),  # type: ignore[arg-type]
                                  read_only=True)
    try:
        components.store.forget_cached_reads()
        gc.collect()
        started = time.perf_counter()
        components.store.search_snapshot()
        load_s = time.perf_counter() - started
        row = snapshot_row(components)  # forgets it again, then builds it under tracemalloc
        row["load_s"] = load_s
        row["load_s_per_10^6"] = load_s / max(1, row["sentences"]) * 1e6
        return row
    finally:
        components.close()
        gc.collect()


def tied_recall(found: np.ndarray, queries: np.ndarray, vectors: np.ndarray, floor: np.ndarray) -> float:
    """Recall@K counting every returned vector whose exact score reaches the K-th best exact
    score: replicas repeat sentences, so equal vectors tie, and an index may return any of them."""
    hits = [sum(1 for i in ids if i >= 0 and float(vectors[i] @ q) >= f - 1e-5) / K
            for ids, q, f in zip(found, queries, floor, strict=True)]
    return float(sum(hits) / len(hits))


def vector_rows(data_dir: Path, factor: int) -> list[dict[str, Any]]:
    """Flat against HNSW over the store's own (hash) vectors, queried by the tuning set's
    questions: build seconds, single-thread query p50/p99 (as the server searches), recall@50
    against exact search with ties counted (``tied_recall``)."""
    from service.settings import Settings
    from service.wiring import build_components

    components = build_components(Settings(data_dir=data_dir, embedder="hash"), read_only=True)
    try:
        qs = [json.loads(line)["q"] for line in TUNING_QUESTIONS.read_text("utf-8").splitlines() if line.strip()]
        queries = np.ascontiguousarray(components.embedder.embed_queries(qs), dtype=np.float32)
        vectors = stored_vectors(components.vectors._index)
    finally:
        components.close()
    n, dim = vectors.shape
    faiss.omp_set_num_threads(1)
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    flat.add(vectors)
    flat_build = time.perf_counter() - started
    scores, _ = flat.search(queries, K)
    floor = scores[:, -1]
    found, ms = timed_search(flat, queries)
    rows = [{"scale": factor, "vectors": n, "index": "flat (exact)", "build_s": flat_build,
             "p50_ms": statistics.median(ms), "p99_ms": percentile(ms, 0.99),
             "recall50": tied_recall(found, queries, vectors, floor)}]
    hnsw, hnsw_build = build_hnsw(vectors)
    for ef in (64, 128, 256):
        hnsw.hnsw.efSearch = ef
        found, ms = timed_search(hnsw, queries)
        rows.append({"scale": factor, "vectors": n, "index": f"HNSW M=32 ef={ef}", "build_s": hnsw_build,
                     "p50_ms": statistics.median(ms), "p99_ms": percentile(ms, 0.99),
                     "recall50": tied_recall(found, queries, vectors, floor)})
    return rows


def run_size(backend: str, factor: int, corpus: Path, work: Path, keys: Path, args: argparse.Namespace,
             replica_info: dict[str, Any]) -> dict[str, Any]:
    data_dir = work / f"{backend}-{factor}x" / "data"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    env = backend_env(backend, data_dir, keys)
    print(f"[{backend} {factor}x] ingest of {replica_info['documents']} documents", flush=True)
    done = ingest(env, corpus, data_dir.parent / "ingest.log")
    row: dict[str, Any] = {
        "backend": backend, "scale": factor, "documents": replica_info["documents"],
        "tasks": replica_info["tasks"], "sentences": replica_info["sentences"],
        "ingest_s": done["seconds"], "ingest_stages_s": done["stages_s"],
        "documents_per_s": replica_info["documents"] / done["seconds"],
        "sentences_per_s": replica_info["sentences"] / done["seconds"],
        "data_dir_bytes": data_dir_sizes(data_dir),
    }
    if backend == "embedded":
        row["vector_rows"] = vector_rows(data_dir, factor)
    print(f"[{backend} {factor}x] ingest {done['seconds']:.1f} s; serving", flush=True)
    row.update(searches(env, args.seconds, args.clients, args.single))
    print(f"[{backend} {factor}x] searches done; search snapshot", flush=True)
    row["snapshot"] = snapshot(data_dir, backend)
    printable = {k: v for k, v in row.items() if k != "vector_rows"}
    print(json.dumps(printable, ensure_ascii=False), flush=True)
    if not args.keep:
        shutil.rmtree(data_dir.parent)
    return row


def git_commit() -> str:
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


PROJECT_TO = 100


def projected_ingest(rows: list[dict[str, Any]], factor: int) -> list[dict[str, Any]]:
    """Per backend with two sizes run below ``factor``: ingest seconds at ``factor`` x, from the
    largest linearly and through the two largest by T = a*n + b*n^2 (n documents)."""
    out = []
    for backend in sorted({r["backend"] for r in rows}):
        mine = sorted((r for r in rows if r["backend"] == backend and r["scale"] < factor), key=lambda r: r["scale"])
        if len(mine) < 2:
            continue
        (n1, t1), (n2, t2) = [(r["documents"], r["ingest_s"]) for r in mine[-2:]]
        n = n2 * factor / mine[-1]["scale"]
        b = max(0.0, (t2 / n2 - t1 / n1) / (n2 - n1))  # a document costing less later: linear
        a = t2 / n2 - b * n2
        out.append({"backend": backend, "documents": n, "linear_s": t2 * n / n2, "quadratic_s": a * n + b * n * n})
    return out


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f}"


def write_report(out: Path, report: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows = report["rows"]
    lines = ["# policykg at scale (bench/scale.py)", "",
             f"Machine: {report['cores']} cores, CPU flags {report['cpu_flags']}; commit {report['commit']}; "
             f"hash embedder; OMP_NUM_THREADS={report['omp_threads']}.",
             f"Sizes run: {', '.join(f'{s}x' for s in report['scales'])} of {report['corpus_documents']} "
             f"documents (replicas with perturbed text); backends: {', '.join(report['backends'])}.", ""]
    lines += [f"Skipped: {why}" for why in report["skipped"]] + ([""] if report["skipped"] else [])
    lines += ["## Ingest (`policykg ingest`), size, memory", "",
              "| backend | scale | documents | sentences | ingest s | docs/s | sentences/s | data dir MB "
              "| server RSS MB: start / warm / after searches / peak |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['backend']} | {r['scale']}x | {r['documents']:,} | {r['sentences']:,} "
                     f"| {r['ingest_s']:.1f} | {r['documents_per_s']:.2f} | {r['sentences_per_s']:.0f} "
                     f"| {mb(sum(r['data_dir_bytes'].values()))} | {mb(r['rss_start'])} / {mb(r['rss_warm'])} / "
                     f"{mb(r['rss_after'])} / {mb(r['rss_peak'])} |")
    lines += ["", "Data dir, MB per part. Neo4j's own store is not measured: its files keep their largest size "
              "after deletes and its transaction logs are preallocated, so their bytes on disk do not follow "
              "the data.", ""]
    lines += [f"- {r['backend']} {r['scale']}x: " + ", ".join(f"{k} {mb(v)}" for k, v in r["data_dir_bytes"].items())
              for r in rows]
    lines += ["", "Ingest seconds per stage (the CLI's own figures):", ""]
    lines += [f"- {r['backend']} {r['scale']}x: " + ", ".join(f"{k} {v:.1f}" for k, v in r["ingest_stages_s"].items())
              for r in rows]
    projections = report["projected_ingest"] = projected_ingest(rows, PROJECT_TO)
    if projections:
        lines += ["", f"Ingest at {PROJECT_TO}x, projected from the two largest sizes run: linearly from the "
                  "largest, and by T = a*n + b*n^2 (n documents) through both, which holds when each document "
                  "costs time in proportion to the store it joins:", ""]
        lines += [f"- {p['backend']}: {p['linear_s'] / 60:,.0f} min linearly, {p['quadratic_s'] / 60:,.0f} min "
                  f"by the quadratic fit" for p in projections]
    lines += ["", "## Search over HTTP (a real `policykg serve`)", "",
              "| backend | scale | 1 client p50 / p99 ms | clients | requests/s | p50 / p99 ms |",
              "|---|---|---|---|---|---|"]
    for r in rows:
        o, m = r["one_client"], r["many_clients"]
        lines.append(f"| {r['backend']} | {r['scale']}x | {o['p50_ms']:.1f} / {o['p99_ms']:.1f} | {m['clients']} "
                     f"| {m['rps']:.1f} | {m['p50_ms']:.0f} / {m['p99_ms']:.0f} |")
    lines += ["", "## Search snapshot (bound: 1 GB and 5 s at 10^6 sentences)", "",
              "| backend | scale | sentences | load s | MB | bytes/sentence | linear at 10^6: GB / s |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r["snapshot"]
        lines.append(f"| {r['backend']} | {r['scale']}x | {s['sentences']:,} | {s['load_s']:.2f} | {mb(s['bytes'])} "
                     f"| {s['bytes_per_sentence']:.0f} | {s['gb_per_10^6']:.2f} / {s['load_s_per_10^6']:.1f} |")
    vector_rows = [v for r in rows for v in r.get("vector_rows", [])]
    if vector_rows:
        lines += ["", "## Vector index: flat against HNSW (the store's hash vectors; the same FAISS index "
                  "serves both backends)", "",
                  "Single-thread queries (the tuning set's questions, hash-embedded); recall@50 against exact "
                  "search, counting ties (replicas repeat sentences, so equal vectors tie).", "",
                  "| scale | vectors | index | build s | p50 ms | p99 ms | recall@50 |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {v['scale']}x | {v['vectors']:,} | {v['index']} | {v['build_s']:.1f} | {v['p50_ms']:.2f} "
                  f"| {v['p99_ms']:.2f} | {v['recall50']:.3f} |" for v in vector_rows]
    lines += ["", "Plots: " + ", ".join(f"`{p}`" for p in report["plots"]) if report["plots"] else "", ""]
    (out / "scale.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "scale.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")


def plot(out: Path, rows: list[dict[str, Any]]) -> list[str]:
    """scale_latency.png, scale_rss.png, scale_ingest.png; none without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    backends = sorted({r["backend"] for r in rows})
    clients = rows[0]["many_clients"]["clients"] if rows else 0
    Series = list[tuple[str, Callable[[dict[str, Any]], float]]]
    charts: dict[str, tuple[str, Series]] = {
        "scale_latency.png": ("search ms (HTTP)", [
            ("1 client p50", lambda r: r["one_client"]["p50_ms"]),
            ("1 client p99", lambda r: r["one_client"]["p99_ms"]),
            (f"{clients} clients p50", lambda r: r["many_clients"]["p50_ms"]),
            (f"{clients} clients p99", lambda r: r["many_clients"]["p99_ms"])]),
        "scale_rss.png": ("server RSS (MB)", [
            ("after start", lambda r: r["rss_start"] / 1e6), ("after searches", lambda r: r["rss_after"] / 1e6),
            ("peak", lambda r: r["rss_peak"] / 1e6)]),
        "scale_ingest.png": ("ingest sentences/s", [("sentences/s", lambda r: r["sentences_per_s"])]),
    }
    names = []
    for name, (ylabel, series) in charts.items():
        fig, axes = plt.subplots(1, len(backends), figsize=(5 * len(backends), 4), squeeze=False)
        for ax, backend in zip(axes[0], backends, strict=True):
            mine = sorted((r for r in rows if r["backend"] == backend), key=lambda r: r["sentences"])
            for label, value in series:
                ax.plot([r["sentences"] for r in mine], [value(r) for r in mine], marker="o", label=label)
            # Latencies at 1 and at 32 clients differ by ~30x: a log axis shows both.
            ax.set(xscale="log", yscale="log" if name == "scale_latency.png" else "linear",
                   xlabel="sentences", ylabel=ylabel, title=backend)
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="1,10", help="corpus multiples, e.g. 1,10,100")
    parser.add_argument("--backends", default="embedded,neo4j")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seconds", type=float, default=15, help="of searches at --clients")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--single", type=int, default=100, help="searches at 1 client")
    parser.add_argument("--first", type=int, default=None, help="only the first N corpus documents")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work", type=Path, default=None, help="where replicas and data dirs go (a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep each data dir")
    parser.add_argument("--wipe-neo4j", action="store_true", help="the Neo4j database may be emptied")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    wanted = args.backends.split(",")
    if unknown := set(wanted) - {"embedded", "neo4j"}:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    skipped = []
    backends = [b for b in wanted if b == "embedded"]
    if "neo4j" in wanted:
        if not neo4j_configured():
            skipped.append("neo4j: NEO4J_URI and NEO4J_PASSWORD are not set")
        elif not args.wipe_neo4j and (nodes := neo4j_nodes()):
            skipped.append(f"neo4j: the database holds {nodes:,} nodes (--wipe-neo4j lets this empty it)")
        else:
            backends.append("neo4j")
    for why in skipped:
        print(f"skipped: {why}", flush=True)
    commit = git_commit()  # of the code that runs, before anyone commits during the run
    sources = read_sources(args.corpus, args.first)
    work = args.work or Path(tempfile.mkdtemp(prefix="policykg-scale-"))
    keys = work / "keys"
    work.mkdir(parents=True, exist_ok=True)
    keys.write_text(f"reader {READER} bench\nadmin {ADMIN} bench\n", "utf-8")
    rows = []
    replicas: dict[int, dict[str, Any]] = {}
    try:
        for factor in scales:
            corpus = work / f"corpus-{factor}x"
            replicas[factor] = write_replicas(sources, factor, corpus)
            print(f"{factor}x: {replicas[factor]}", flush=True)
            for backend in backends:
                if backend == "neo4j":
                    empty_neo4j()
                rows.append(run_size(backend, factor, corpus, work, keys, args, replicas[factor]))
            shutil.rmtree(corpus)
    finally:
        if "neo4j" in backends:
            empty_neo4j()
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = {"cores": os.cpu_count(), "cpu_flags": cpu_flags(), "commit": commit,
              "omp_threads": os.environ.get("OMP_NUM_THREADS", "unset"), "scales": scales,
              "backends": backends, "skipped": skipped, "corpus_documents": len(sources),
              "replicas": {f"{k}x": v for k, v in replicas.items()}, "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    report["plots"] = plot(args.out, rows)
    write_report(args.out, report)
    print((args.out / "scale.md").read_text("utf-8"))


if __name__ == "__main__":
    main()
