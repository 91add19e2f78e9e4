"""Benchmark (not a test): ingest time, search latency p50/p95 next to query-embedding time.

    .venv/bin/python bench/search_latency.py [FILES or DIRS...]   (default: the sample document)
    .venv/bin/python bench/search_latency.py --data-dir DIR        (an existing store, e.g. the whole corpus)

Runs on the embedded default with the configured embedder, in a temporary data dir (or DIR,
read as it is: ingesting the whole corpus with the real model takes minutes, so do it once with
``POLICYKG_DATA_DIR=DIR policykg ingest ../shared/corpus``).
"""

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from service.search.text_norm import normalise_query
from service.settings import Settings
from service.wiring import build_components, build_ingestor, build_search

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "which items involve Shanghai cooperation", "心理健康教育", "training of newly hired teachers",
    "职业教育产教融合", "campus safety", "学前教育普及普惠", "rule of law in school governance",
    "党风廉政建设", "smart campus construction", "义务教育招生政策",
    "attracting high-level education talent", "劳动教育评价", "private education quality",
    "教育督导体系", "family education and home-school cooperation", "双元制", "德语课程",
    "teacher recruitment targets", "新建改扩建学校项目", "food safety in school canteens",
    "课后延时服务", "education informatization", "领航计划", "student eyesight", "校外培训机构监管",
    "哪些任务涉及长三角", "vocational skills training for workers", "乡村振兴", "elderly care services",
    "数字经济发展", "which tasks involve Suzhou", "城市更新", "green and low-carbon development",
    "营商环境优化", "medical insurance reform", "科技创新平台建设", "rural revitalization",
    "公共文化服务体系", "financial support for small enterprises", "安全生产责任制",
    "ecological environment protection", "人才引进政策", "housing security", "产业园区招商",
    "digital government services", "养老服务体系", "employment of college graduates",
    "国办发〔2015〕71号", "sports facilities for the public", "食品药品安全监管",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(files: list[Path], data_dir: Path | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=data_dir or Path(tmp))
        components = build_components(settings, read_only=data_dir is not None)
        started = time.perf_counter()
        if data_dir is None:
            ingestor = build_ingestor(components)
            for path in files:
                ingestor.ingest_path(path)
        ingest_s = time.perf_counter() - started
        sentences = components.vectors.count
        search = build_search(components)
        queries = QUERIES  # each asked once: no cache of an earlier run of the same question
        search.warm_up()  # what a server does at start: dictionary, entity names, BM25 matrix
        search.search("教育")
        embed_ms, dense_text_ms, search_ms = [], [], []
        for query in queries:  # interleaved, so all three see the same machine load
            t0 = time.perf_counter()
            components.embedder.embed_queries([query])
            embed_ms.append((time.perf_counter() - t0) * 1000)
            # What the dense channel embeds: an English question's bridged Chinese terms.
            dense_text = search.dense_query(normalise_query(query))
            t0 = time.perf_counter()
            components.embedder.embed_queries([dense_text])
            dense_text_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            search.search(query, k=10)
            search_ms.append((time.perf_counter() - t0) * 1000)
        documents = len(components.store.list_documents())
        components.close()
    p50_search, p50_embed = statistics.median(search_ms), statistics.median(embed_ms)
    p50_dense_text = statistics.median(dense_text_ms)
    return {
        "documents": documents, "sentences": sentences, "ingest_s": round(ingest_s, 2),
        "queries": len(queries), "embed_query_p50_ms": round(p50_embed, 2),
        "embed_dense_text_p50_ms": round(p50_dense_text, 2),
        "search_p50_ms": round(p50_search, 2), "search_p95_ms": round(percentile(search_ms, 0.95), 2),
        "search_over_embed_p50": round(p50_search / p50_embed, 2),
        "search_over_dense_text_embed_p50": round(p50_search / p50_dense_text, 2),
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--data-dir"]:
        print(json.dumps(main([], Path(args[1])), indent=2))
    else:
        paths = [Path(p) for p in args] or [ROOT / "examples" / "taicang_2021_education_work_points.txt"]
        files = [f for p in paths for f in (sorted(p.glob("*.txt")) if p.is_dir() else [p])]
        print(json.dumps(main(files), indent=2))
