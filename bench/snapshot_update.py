"""Benchmark (not a test; `make bench`): the search snapshot after a write, updated against
read whole, at N times the corpus.

    .venv/bin/python bench/snapshot_update.py [--scales 1,10] [--corpus ../shared/corpus]
                                              [--out bench/results]

After every write a server builds the next generation's search snapshot (graph/snapshot.py)
before swapping it in. It used to read the whole graph (every sentence row) each time; now a
store updates its last snapshot with the documents it wrote (``GraphSnapshot.replaced``). Per
size, on the embedded backend, graph writes only (no embedding: bench/scale.py's replicas are
written straight into the store), this measures:

- the whole read (``_read_snapshot``), best of 3;
- the update after writing one more document, after re-writing it with changed text, and after
  deleting it, each checked to hold exactly the whole read's sentence and task counts;

- the next process: the writer's save as it closes, the saved file's size, and a new store's
  load of it (instead of a whole read);

and projects them linearly to 10^6 sentences (the issue's bound for a load: 5 s). Writes
``snapshot_update.md`` and ``.json`` under --out. Times are wall-clock on a shared machine:
compare the rows of one run.
"""

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from index_scale import cpu_flags  # noqa: E402
from scale import perturb, read_sources  # noqa: E402

from graph.embedded import EmbeddedGraphStore  # noqa: E402
from graph.snapshot import GraphSnapshot, collector_paused  # noqa: E402
from loaders.files import load_bytes  # noqa: E402


def paused(work: Callable[[], Any]) -> Any:
    with collector_paused():
        return work()


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def measure(scale: int, corpus: Path, progress: bool = True) -> dict[str, Any]:
    sources = read_sources(corpus)
    with tempfile.TemporaryDirectory(prefix="policykg-snapshot-") as tmp:
        store = EmbeddedGraphStore.open(Path(tmp) / "graph.lbug")
        store.ensure_schema()
        started = time.perf_counter()
        for replica in range(scale):
            for source in sources:
                text = perturb(source.text, replica, source.title)
                store.write_document(load_bytes(f"{source.path.stem}.r{replica:03d}.txt", text.encode()).batch)
            if progress:
                print(f"  {scale}x: replica {replica + 1}/{scale} written "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
        whole_reads = [timed(lambda: paused(store._read_snapshot)) for _ in range(3)]  # as search_snapshot runs it
        whole_s = min(s for s, _ in whole_reads)
        whole: GraphSnapshot = whole_reads[0][1]
        store.search_snapshot()  # the base the updates start from

        extra = sources[0]
        text = perturb(extra.text, scale, extra.title)  # one replica past the others
        name = f"{extra.path.stem}.r{scale:03d}.txt"
        batch = load_bytes(name, text.encode()).batch
        updates: dict[str, float] = {}
        for step, write in (
                ("new document", lambda: store.write_document(batch)),
                ("changed document", lambda: store.write_document(
                    load_bytes(name, text.replace("推进", "推动").encode()).batch)),
                ("deleted document", lambda: store.delete_document(batch.document.id))):
            write()
            seconds, updated = timed(store.search_snapshot)
            check = store._read_snapshot()
            if (updated.sentence_count, updated.task_count) != (check.sentence_count, check.task_count):
                raise SystemExit(f"{step}: the update holds other counts than a whole read")
            updates[step] = seconds
        # What the next process does: the writer saves its snapshot as it closes; a new store
        # loads it instead of reading the whole graph.
        saved_s, _ = timed(store.close)
        loads = []
        for _ in range(3):  # best of 3, as for the whole read
            store = EmbeddedGraphStore.open(Path(tmp) / "graph.lbug")
            store._read_snapshot = _refused  # type: ignore[method-assign]
            seconds, loaded = timed(store.search_snapshot)
            if (loaded.sentence_count, loaded.task_count) != (check.sentence_count, check.task_count):
                raise SystemExit("the loaded snapshot holds other counts than a whole read")
            loads.append(seconds)
            store.close()  # nothing written: nothing saved again
        load_s = min(loads)
        file_bytes = (Path(tmp) / "graph.lbug.search-snapshot").stat().st_size
    sentences = whole.sentence_count
    return {"scale": scale, "sentences": sentences, "tasks": whole.task_count, "whole_s": whole_s,
            "update_s": updates,
            "whole_at_1e6_s": whole_s * 1e6 / sentences,
            "save_s": saved_s, "load_s": load_s, "file_bytes": file_bytes,
            "load_at_1e6_s": load_s * 1e6 / sentences}


def _refused() -> GraphSnapshot:
    raise SystemExit("the new store read the whole graph instead of loading the saved snapshot")


def write_report(out: Path, rows: list[dict[str, Any]], flags: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# The search snapshot after a write: updated against read whole (bench/snapshot_update.py)",
        "",
        f"CPU flags: {flags}. Embedded backend, graph writes only. Update: the store's last snapshot "
        "with the written document read again (`GraphSnapshot.replaced`); each update was checked "
        "against a whole read's counts. The first update of a process also prepares LadybugDB's "
        "statements for it (once): whole / update and the projection use the later two. Linear "
        "projection to 10^6 sentences in the last columns (for the update, an upper bound: only "
        "its pass over the columns grows with the store).",
        "",
        "| scale | sentences | whole read s | update s: new / changed / deleted document | "
        "whole / update | whole at 10^6 s | update at 10^6 s |",
        "|---|---|---|---|---|---|---|",
    ]
    saved = [
        "",
        "The next process: the writer saves the snapshot as it closes (`policykg serve` stopping); "
        "a new store loads it (best of 3), checked against the graph's task and sentence counts, "
        "instead of reading the whole graph.",
        "",
        "| scale | save s | file MB (bytes/sentence) | load s | whole read / load | load at 10^6 s |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        u = r["update_s"]
        # The first update of a process also prepares its statements (once): the steady cost
        # is the later ones'.
        steady = max(u["changed document"], u["deleted document"])
        r["update_at_1e6_s"] = steady * 1e6 / r["sentences"]
        lines.append(
            f"| {r['scale']}x | {r['sentences']:,} | {r['whole_s']:.2f} | "
            f"{u['new document']:.3f} / {u['changed document']:.3f} / {u['deleted document']:.3f} | "
            f"{r['whole_s'] / steady:.1f} | {r['whole_at_1e6_s']:.1f} | {r['update_at_1e6_s']:.1f} |")
        saved.append(
            f"| {r['scale']}x | {r['save_s']:.2f} | {r['file_bytes'] / 1e6:.1f} "
            f"({r['file_bytes'] / r['sentences']:.0f}) | {r['load_s']:.2f} | "
            f"{r['whole_s'] / r['load_s']:.1f} | {r['load_at_1e6_s']:.1f} |")
    lines += saved
    (out / "snapshot_update.json").write_text(json.dumps({"cpu": flags, "rows": rows}, indent=2), "utf-8")
    (out / "snapshot_update.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--report-only", type=Path, help="rewrite the report from this JSON")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    if args.report_only:
        saved = json.loads(args.report_only.read_text("utf-8"))
        write_report(args.out, saved["rows"], saved["cpu"])
        return
    rows = [measure(int(s), args.corpus) for s in args.scales.split(",")]
    write_report(args.out, rows, cpu_flags())


if __name__ == "__main__":
    main()
