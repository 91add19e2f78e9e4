"""Benchmark (not a test): API replicas over one Neo4j, with the hash embedder.

    NEO4J_URI=bolt://127.0.0.1:7697 NEO4J_PASSWORD=... .venv/bin/python bench/replicas.py \\
        --wipe [--docs 8] [--runs 5] [CORPUS_DIR]

Empties the Neo4j database it is pointed at (``--wipe`` says you mean it), then:

1. starts replica A (`policykg serve`, empty data dir) and uploads ``--docs`` corpus documents
   through it;
2. times how long an empty data dir takes to load them from Neo4j (``Library.catch_up`` in this
   process: vectors, sentence texts, entity names, BM25), then starts replica B on one;
3. ``--runs`` times: uploads a small plan through A and times until a search through B finds it;
4. search p50 on A while idle and while A ingests another corpus document (the ratio).
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.service.lifecycle_support import free_port, wait_until_serving  # noqa: E402

QUESTIONS = ["心理健康教育", "职业教育产教融合", "美育课程", "校园安全", "乡村振兴", "数字政府",
             "教师队伍建设", "体育设施", "文化服务", "科技创新"]


def plan(number: int) -> bytes:
    return (f"测试市教育局\n测教〔2024〕{number}号\n关于印发《第{number}号方案》的通知\n\n"
            f"一、重点工作\n\n1.推进第{number}号示范工程建设。\n2.做好第{number}号方案的其他工作。\n"
            ).encode()


def with_dictionary(data_dir: Path, bridge: Path) -> Path:
    """A new data dir holding only the English dictionary's cache (seconds to build)."""
    (data_dir / "cache").mkdir(parents=True)
    shutil.copy(bridge / "cedict_reverse.json", data_dir / "cache")
    return data_dir


class Replica:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "POLICYKG_DATA_DIR": str(data_dir), "POLICYKG_GRAPH": "neo4j",
               "POLICYKG_EMBEDDER": "hash", "PYTHONPATH": str(ROOT)}
        self.log = data_dir.parent / f"{data_dir.name}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))
        started = time.monotonic()
        wait_until_serving(self.base, self.process, lambda: self.log.read_text("utf-8")[-3000:],
                           poll_s=0.2, timeout_s=300)
        self.start_s = time.monotonic() - started

    def search(self, question: str) -> tuple[float, list[str]]:
        started = time.perf_counter()
        response = httpx.get(f"{self.base}/search", params={"q": question, "k": 10}, timeout=120)
        response.raise_for_status()
        return (time.perf_counter() - started,
                [r["task"]["text"] for r in response.json()["results"]])

    def upload(self, name: str, content: bytes) -> None:
        httpx.post(f"{self.base}/documents", files={"file": (name, content)},
                   timeout=600).raise_for_status()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def empty_neo4j() -> None:
    from neo4j import GraphDatabase

    uri = os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687")
    auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
    with GraphDatabase.driver(uri, auth=auth) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")


def load_time(data_dir: Path) -> tuple[float, float, int]:
    """Seconds for an empty data dir to load the graph's search data (vectors, texts, entity
    names; the lexical index cut), then to warm up (BM25 matrix, entity linker), in this
    process, and the number of sentences loaded."""
    from service.ingest.audit import AuditLog
    from service.ingest.library import Library
    from service.ingest.originals import OriginalStore
    from service.settings import Settings
    from service.wiring import build_components

    settings = Settings(data_dir=data_dir, graph="neo4j", embedder="hash")
    components = build_components(settings)
    try:
        library = Library(components, OriginalStore(settings.originals_dir),
                          AuditLog(settings.audit_log_path))
        from embeddings.lexical_index import tokenize

        tokenize("教育")  # jieba's dictionary: loaded once per process, by any first search
        started = time.perf_counter()
        library.catch_up()
        loaded = time.perf_counter() - started
        library.warm_up()  # the BM25 matrix and entity names, as a server does at start
        return loaded, time.perf_counter() - started - loaded, components.vectors.count
    finally:
        components.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--docs", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--wipe", action="store_true", help="empty the Neo4j database first")
    args = parser.parse_args()
    if not args.wipe:
        parser.error("this benchmark empties the Neo4j database: pass --wipe")
    files = sorted(args.corpus.glob("*.txt"))[:args.docs + 1]
    empty_neo4j()
    with tempfile.TemporaryDirectory() as tmp:
        from service.search.bridge import QueryBridge

        bridge = Path(tmp) / "bridge"
        QueryBridge.load(bridge)
        a = Replica(with_dictionary(Path(tmp) / "a", bridge))
        replicas = [a]
        try:
            started = time.perf_counter()
            for path in files[:-1]:
                a.upload(path.name, path.read_bytes())
            print(f"uploaded {len(files) - 1} documents through A in "
                  f"{time.perf_counter() - started:.1f} s")
            seconds, warm_s, sentences = load_time(with_dictionary(Path(tmp) / "load", bridge))
            print(f"empty data dir -> loaded {sentences} sentences from Neo4j in {seconds:.2f} s "
                  f"({seconds / max(sentences, 1) * 1e6:.0f} us per sentence), then warmed up "
                  f"in {warm_s:.2f} s")
            b = Replica(with_dictionary(Path(tmp) / "b", bridge))
            replicas.append(b)
            print(f"replica B (empty data dir) served after {b.start_s:.1f} s")
            delays = []
            for run in range(args.runs):
                a.upload(f"plan{run}.txt", plan(900 + run))
                uploaded = time.monotonic()
                while not any(f"第{900 + run}号示范工程" in t
                              for t in b.search(f"第{900 + run}号示范工程")[1]):
                    time.sleep(0.02)
                delays.append(time.monotonic() - uploaded)
            print("upload through A -> found through B after (s): "
                  + ", ".join(f"{d:.2f}" for d in delays)
                  + f"; median {statistics.median(delays):.2f}, max {max(delays):.2f}")
            idle = [a.search(q)[0] for q in QUESTIONS * 3]
            during: list[float] = []
            upload = threading.Thread(target=a.upload, args=(files[-1].name, files[-1].read_bytes()))
            upload.start()
            while upload.is_alive():
                during.append(a.search(QUESTIONS[len(during) % len(QUESTIONS)])[0])
            upload.join()
            p50_idle, p50_during = statistics.median(idle), statistics.median(during)
            print(f"search on A: p50 idle {p50_idle * 1000:.0f} ms ({len(idle)} searches, max "
                  f"{max(idle) * 1000:.0f} ms), during an upload of {files[-1].name} "
                  f"{p50_during * 1000:.0f} ms ({len(during)} searches, max "
                  f"{max(during) * 1000:.0f} ms): p50 ratio {p50_during / p50_idle:.2f}, "
                  f"max ratio {max(during) / max(idle):.2f}")
        finally:
            for replica in replicas:
                replica.stop()


if __name__ == "__main__":
    main()
