"""How a document's graph write grows with the store, statement by statement (issue 17).

Writes ``--scale`` replicas of the corpus (bench/scale.py's perturbed copies) into an embedded
store, graph only (no embedding, no indexes), and prints the seconds each read and statement of
``write_document`` took, summed over each bucket of ``--bucket`` documents: a statement whose
column rises from bucket to bucket costs time in proportion to the store.

    .venv/bin/python bench/write_growth.py --scale 20 --bucket 180 --work /tmp/growth
"""

import argparse
import re
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from scale import DEFAULT_CORPUS, read_sources, write_replicas  # noqa: E402

from graph.embedded import EmbeddedGraphStore  # noqa: E402
from loaders.files import load_file  # noqa: E402


def _key(query: str) -> str:
    return re.sub(r"\s+", " ", query)[:100]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=20, help="corpus multiple")
    parser.add_argument("--bucket", type=int, default=180, help="documents per column")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--work", type=Path, required=True, help="replicas and the store go here")
    parser.add_argument("--top", type=int, default=20, help="rows printed")
    args = parser.parse_args()
    replicas = args.work / "rep"
    if not replicas.exists():
        print(write_replicas(read_sources(args.corpus), args.scale, replicas), flush=True)
    store = EmbeddedGraphStore.open(args.work / "graph.lbug")
    store.ensure_schema()
    seconds: dict[str, float] = defaultdict(float)
    read = store._read

    def timed_read(query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        started = time.perf_counter()
        rows = read(query, parameters)
        seconds["READ " + _key(query)] += time.perf_counter() - started
        return rows

    def timed_write(statements: list[tuple[str, dict[str, Any]]]) -> None:
        connection = store._connection()
        connection.execute("BEGIN TRANSACTION")
        for query, parameters in statements:
            started = time.perf_counter()
            connection.execute(query, parameters)
            seconds[_key(query)] += time.perf_counter() - started
        started = time.perf_counter()
        connection.execute("COMMIT")
        seconds["COMMIT"] += time.perf_counter() - started

    store._read = timed_read  # type: ignore[method-assign]
    store._write = timed_write  # type: ignore[method-assign]
    # Replica-major: every source once, then every source again, as a growing corpus would come.
    files = sorted(replicas.glob("*.txt"), key=lambda p: (p.name.split(".r")[1], p.name))
    buckets: list[dict[str, float]] = []
    for k, path in enumerate(files, 1):
        batch = load_file(path).batch
        started = time.perf_counter()
        store.write_document(batch)
        seconds["TOTAL write_document"] += time.perf_counter() - started
        if k % args.bucket == 0:
            buckets.append(dict(seconds))
            seconds.clear()
            print(f"documents {k}: {buckets[-1]['TOTAL write_document']:.1f} s", flush=True)
    store.close()
    if not buckets:
        raise SystemExit(f"fewer than --bucket {args.bucket} documents")
    for key in sorted(buckets[-1], key=lambda k: -buckets[-1][k])[:args.top]:
        print(" ".join(f"{b.get(key, 0):7.2f}" for b in buckets), " ", key)


if __name__ == "__main__":
    main()
