"""Check (not a unit test, part of `make soak`): an API server over Neo4j while Neo4j restarts.

    NEO4J_BOLT_PORT=7697 NEO4J_HOME_DIR=... NEO4J_PASSWORD=... .venv/bin/python bench/neo4j_restart.py

Uses the Neo4j that scripts/neo4j_start.sh runs with the same environment (it empties it).
Starts `policykg serve` (hash embedder) and uploads the sample, stops Neo4j with
scripts/neo4j_stop.sh and starts it again with scripts/neo4j_start.sh, asking `/health`,
`/cypher` and `/search` all along. Passes (exit 0) when, while Neo4j is down, `/health` and
`/cypher` answer 503 with `Retry-After`, and, once it is back, all three answer 200 and an
upload works, without restarting the API server.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "taicang_2021_education_work_points.txt"


def probe(base: str) -> dict[str, str]:
    """Status (and Retry-After) of /health, /cypher and /search, one request each."""
    outcome = {}
    for name, send in (
            ("health", lambda: httpx.get(f"{base}/health", timeout=30)),
            ("cypher", lambda: httpx.post(f"{base}/cypher", timeout=30,
                                          json={"query": "MATCH (t:Task) RETURN count(t)"})),
            ("search", lambda: httpx.get(f"{base}/search", params={"q": "心理健康"}, timeout=30))):
        try:
            response = send()
            retry = response.headers.get("Retry-After")
            outcome[name] = f"{response.status_code}" + (f" Retry-After {retry}" if retry else "")
        except httpx.TransportError as exc:
            outcome[name] = type(exc).__name__
    return outcome


def main() -> int:
    uri = f"bolt://127.0.0.1:{os.environ.get('NEO4J_BOLT_PORT', '7687')}"
    with tempfile.TemporaryDirectory() as tmp:
        from neo4j import GraphDatabase

        with GraphDatabase.driver(uri, auth=("neo4j", os.environ.get("NEO4J_PASSWORD", ""))) as d:
            d.execute_query("MATCH (n) DETACH DELETE n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "POLICYKG_DATA_DIR": tmp, "POLICYKG_GRAPH": "neo4j",
               "POLICYKG_EMBEDDER": "hash", "NEO4J_URI": uri, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.3)
            httpx.post(f"{base}/documents", files={"file": (SAMPLE.name, SAMPLE.read_bytes())},
                       timeout=300).raise_for_status()
            print("up:", probe(base))
            subprocess.run(["bash", str(ROOT / "scripts" / "neo4j_stop.sh")], check=True)
            down = probe(base)
            print("Neo4j stopped:", down)
            restarting = threading.Thread(target=subprocess.run, kwargs={
                "args": ["bash", str(ROOT / "scripts" / "neo4j_start.sh")], "check": True})
            started = time.monotonic()
            restarting.start()
            while restarting.is_alive():
                print(f"  {time.monotonic() - started:5.1f} s", probe(base))
                time.sleep(2)
            deadline = time.monotonic() + 120
            while (after := probe(base)) != {"health": "200", "cypher": "200", "search": "200"}:
                if time.monotonic() > deadline:
                    break
                time.sleep(1)
            print(f"Neo4j started; {time.monotonic() - started:.1f} s after the start:", after)
            upload = httpx.post(f"{base}/documents", timeout=300, files={"file": (
                "plan.txt", "测试市教育局\n测教〔2024〕5号\n关于印发《方案》的通知\n\n一、重点工作\n\n"
                            "1.推进示范学校建设。\n".encode())})
            print("upload after the restart:", upload.status_code)
        finally:
            server.terminate()
            server.wait(timeout=30)
    ok = (all(down[name].startswith("503 Retry-After") for name in ("health", "cypher"))
          and after == {"health": "200", "cypher": "200", "search": "200"}
          and upload.status_code in (200, 201))
    print("neo4j restart:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
