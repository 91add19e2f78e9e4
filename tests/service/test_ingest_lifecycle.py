"""The ingest lifecycle: directories, incremental re-ingest, delete, the embedding cache,
reindex, failing files, citations across documents, and the whole corpus on both backends.
Hash embedder throughout: these are tests of structure, not of the model."""

import os
import re
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embeddings.embedding_cache import EmbeddingCache
from embeddings.errors import IndexMismatchError
from embeddings.hash_embedder import HashEmbedder
from embeddings.lexical_index import LexicalIndex
from embeddings.vector_index import VectorIndex, text_sha
from graph.base import GraphStore
from loaders.files import load_bytes
from service.cli import app
from service.ingest.consistency import check_consistency
from service.ingest.journal import Journal
from service.settings import get_settings
from tests.conftest import BACKENDS, CORPUS, SAMPLE, use_backend
from tests.service.lifecycle_support import (
    graph_sentence_ids,
    make_ingestor,
    rows,
)

runner = CliRunner()


# --- incremental re-ingest -----------------------------------------------------------------

def _revised_sample(tmp_path: Path) -> Path:
    """The sample with task 6 edited, task 8 deleted and a task 25 added."""
    lines = SAMPLE.read_text("utf-8").split("\n")
    item_8 = next(i for i, line in enumerate(lines) if line.startswith("8."))
    del lines[item_8:item_8 + 2]
    text = "\n".join(lines).replace("加大教育投入", "持续加大教育投入", 1)
    text += "\n\n25.建设家校协同育人平台。开通家长学校线上课堂，每学期组织不少于两次家长开放日。\n"
    revised = tmp_path / "revised" / SAMPLE.name
    revised.parent.mkdir()
    revised.write_text(text, "utf-8")
    return revised


def _task_ids(store: GraphStore, doc_id: str) -> dict[str, str]:
    return {str(path): str(tid) for path, tid in
            rows(store, "MATCH (t:Task {doc_id: $d}) RETURN t.path, t.id", d=doc_id)}


def test_reingesting_a_revised_document_changes_only_what_changed(
        graph_store: GraphStore, tmp_path: Path) -> None:
    parts = make_ingestor(graph_store, tmp_path)
    first = parts.ingestor.ingest_path(SAMPLE)
    before = _task_ids(graph_store, first.doc_id)
    sentences_before = {s.id: s.text for s in graph_store.document_sentences(first.doc_id)}
    revised = _revised_sample(tmp_path)
    batch = load_bytes(revised.name, revised.read_bytes()).batch
    new_texts = {s.id: s.text for s in batch.sentences}
    parts.embedder.passages = 0

    report = parts.ingestor.ingest_path(revised)

    after = _task_ids(graph_store, report.doc_id)
    assert report.doc_id == first.doc_id
    removed, added = set(before) - set(after), set(after) - set(before)
    assert removed == {"二/8"} and added == {"六/25"}
    assert report.removed_task_ids == [before["二/8"]]
    # Every task still there keeps its id, the edited one included.
    assert all(after[path] == before[path] for path in set(before) & set(after))
    text_6 = rows(graph_store, "MATCH (t:Task {id: $id}) RETURN t.text", id=after["二/6"])[0][0]
    assert "持续加大教育投入" in str(text_6)
    # Only new or changed sentence texts went to the model.
    changed = {sid for sid, text in new_texts.items() if sentences_before.get(sid) != text}
    assert changed and report.embedded == len({new_texts[s] for s in changed}) == parts.embedder.passages
    # Both indexes now hold exactly the graph's sentences, with the new texts.
    graph_ids = graph_sentence_ids(graph_store)
    assert graph_ids == set(new_texts)
    reopened = VectorIndex.open(parts.vectors.directory, parts.embedder.name, parts.embedder.dimension)
    assert {e.sentence_id: e.text_sha for e in reopened.entries()} == {
        sid: text_sha(text) for sid, text in new_texts.items()}
    lexical = LexicalIndex.open(parts.lexical.directory)
    assert {e.sentence_id: e.text for e in lexical.entries()} == new_texts
    gone = {sid for sid in sentences_before if sid.startswith("sent_") and sid not in new_texts}
    assert gone and not gone & {e.sentence_id for e in reopened.entries()}
    assert check_consistency(graph_store, reopened, lexical, Journal(tmp_path / "indexes")).ok


# --- delete ---------------------------------------------------------------------------------

def test_delete_removes_a_document_and_keeps_entities_other_documents_link(
        graph_store: GraphStore, tmp_path: Path) -> None:
    parts = make_ingestor(graph_store, tmp_path)
    a = parts.ingestor.ingest_path(CORPUS / "hubei_2016_aesthetic-education-implementation-opinions.txt")
    b = parts.ingestor.ingest_path(CORPUS / "henan_2016_aesthetic-education-implementation-opinions.txt")

    def linked(doc_id: str) -> set[object]:
        return {r[0] for label in ("Institution", "Programme", "Place") for r in rows(
            graph_store, f"MATCH (t:Task)-[]->(e:{label}) WHERE t.doc_id = $d RETURN DISTINCT e.id",
            d=doc_id)}

    of_a, of_b = linked(a.doc_id), linked(b.doc_id)
    shared, only_a = of_a & of_b, of_a - of_b
    assert shared, "the two documents should share entities (institutions, places, programmes)"
    b_sentences = graph_sentence_ids(graph_store, b.doc_id)

    assert parts.ingestor.delete(a.doc_id)

    remaining = {r[0] for r in rows(graph_store, "MATCH (e) WHERE e.id IN $ids RETURN e.id",
                                    ids=sorted(of_a))}
    assert shared <= remaining
    # An entity only A linked may stay only if something else (a PART_OF region) holds it.
    assert not {r[0] for r in rows(graph_store, "MATCH (t:Task)-[]->(e) WHERE e.id IN $ids "
                                   "RETURN DISTINCT e.id", ids=sorted(only_a))} - of_b
    assert rows(graph_store, "MATCH (t:Task {doc_id: $d}) RETURN count(t)", d=a.doc_id) == [[0]]
    assert {e.doc_id for e in parts.vectors.entries()} == {b.doc_id}
    assert {e.doc_id for e in parts.lexical.entries()} == {b.doc_id}
    assert graph_sentence_ids(graph_store) == b_sentences == {e.sentence_id for e in parts.vectors.entries()}
    assert not parts.ingestor.delete(a.doc_id)  # nothing left to delete


# --- two writers, one after the other ------------------------------------------------------

@pytest.mark.parametrize("backend", ["embedded"])
def test_a_writer_picks_up_indexes_another_process_saved_before_it_writes(
        graph_store: GraphStore, tmp_path: Path) -> None:
    # Two ingestors over the same graph and index directory stand for a server and a CLI
    # ingest beside it (on Neo4j both may write; their writes take turns on the lock).
    server = make_ingestor(graph_store, tmp_path)
    cli_process = make_ingestor(graph_store, tmp_path)
    first = cli_process.ingestor.ingest_path(SAMPLE)
    second = server.ingestor.ingest_path(CORPUS / CITED_FILE)

    saved = VectorIndex.open(server.vectors.directory, "hash-256", 256)
    assert {e.doc_id for e in saved.entries()} == {first.doc_id, second.doc_id}
    assert {e.doc_id for e in LexicalIndex.open(server.lexical.directory).entries()} == {
        first.doc_id, second.doc_id}
    assert check_consistency(graph_store, saved, LexicalIndex.open(server.lexical.directory),
                             Journal(tmp_path / "indexes")).ok


# --- the embedding cache --------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["embedded"])
def test_unchanged_text_costs_no_model_time(graph_store: GraphStore, tmp_path: Path) -> None:
    parts = make_ingestor(graph_store, tmp_path)
    first = parts.ingestor.ingest_path(SAMPLE)
    distinct = len({s.text for s in graph_store.document_sentences(first.doc_id)})
    assert first.embedded == parts.embedder.passages == distinct and first.cached == 0

    again = parts.ingestor.ingest_path(SAMPLE)
    assert again.embedded == 0 and parts.embedder.passages == distinct

    # Deleted and re-ingested: the vectors come from the cache.
    assert parts.ingestor.delete(first.doc_id)
    back = parts.ingestor.ingest_path(SAMPLE)
    assert back.embedded == 0 and back.cached == first.sentences

    # Another document sharing all its sentences (another 文号): cached too.
    twin = tmp_path / "twin.txt"
    twin.write_text(SAMPLE.read_text("utf-8").replace("太教〔2021〕1号", "太教〔2021〕2号"), "utf-8")
    other = parts.ingestor.ingest_path(twin)
    assert other.doc_id != first.doc_id and other.embedded == 0 and other.cached > 0
    assert parts.embedder.passages == distinct

    # The cache persists: a reindex in a "new process" with the same model embeds nothing.
    parts.cache.close()
    fresh = make_ingestor(graph_store, tmp_path)
    report = fresh.ingestor.reindex()
    assert report.embedded == 0 and report.sentences == len(graph_sentence_ids(graph_store))

    # Deleting the cache file is safe: the next reindex embeds again and agrees.
    fresh.cache.close()
    (tmp_path / "cache" / "embeddings.sqlite3").unlink()
    third = make_ingestor(graph_store, tmp_path)
    assert third.ingestor.reindex().embedded == distinct
    assert check_consistency(graph_store, third.vectors, third.lexical, Journal(tmp_path / "indexes")).ok


def test_embedding_cache_is_bounded_and_replaces_an_unreadable_file(tmp_path: Path) -> None:
    embedder = HashEmbedder(16)
    texts = [f"第{i}条" for i in range(30)]
    shas = [text_sha(t) for t in texts]
    cache = EmbeddingCache(tmp_path / "cache.sqlite3", max_entries=10)
    for i in range(0, 30, 5):
        cache.put(embedder.name, shas[i:i + 5], embedder.embed_passages(texts[i:i + 5]))
    assert cache.count() <= 10
    latest = cache.get(embedder.name, 16, shas[-5:])
    assert set(latest) == set(shas[-5:])  # the most recent survive eviction
    assert (latest[shas[-1]] == embedder.embed_passages(texts[-1:])[0]).all()
    assert cache.get("another-model", 16, shas) == {} and cache.get(embedder.name, 32, shas) == {}
    cache.close()

    (tmp_path / "broken.sqlite3").write_bytes(b"not a database" * 100)
    broken = EmbeddingCache(tmp_path / "broken.sqlite3")
    assert broken.get(embedder.name, 16, shas) == {}
    broken.put(embedder.name, shas[:1], embedder.embed_passages(texts[:1]))
    assert broken.count() == 1
    assert list(tmp_path.glob("broken.sqlite3.corrupt-*"))
    broken.close()
    with sqlite3.connect(tmp_path / "broken.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM vectors").fetchone() == (1,)


# --- reindex --------------------------------------------------------------------------------

def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


@pytest.mark.parametrize("backend", ["embedded"])
def test_reindex_after_changing_the_embedder_builds_and_swaps_a_new_index(
        settings_env: Path, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("ingest", str(SAMPLE))
    vectors_dir = settings_env / "indexes" / backend / "vectors"
    monkeypatch.setenv("POLICYKG_EMBEDDER", "hash:128")
    get_settings.cache_clear()
    refused = cli("search", "心理健康", code=1)
    assert "hash-256" in refused and "policykg reindex" in refused

    output = cli("reindex")
    assert "reindexed 152 sentences of 1 documents with hash-128" in output.replace("\n", " ")
    index = VectorIndex.open(vectors_dir, "hash-128", 128)
    assert index.count == 152
    with pytest.raises(IndexMismatchError):
        VectorIndex.open(vectors_dir, "hash-256", 256)
    assert not list(vectors_dir.parent.glob(".vectors.*"))  # no staging left behind
    cli("check")
    assert "0 embedded" in cli("reindex")  # the same model again: all from the cache
    cli("search", "心理健康")


# --- directories and failures ---------------------------------------------------------------

@pytest.mark.parametrize("backend", ["embedded"])
def test_a_failing_file_is_reported_and_the_rest_of_the_directory_goes_on(
        settings_env: Path, backend: str, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    (folder / "empty.txt").write_text("", "utf-8")
    (folder / "notes.xyz").write_text("x", "utf-8")
    (folder / ".hidden.txt").write_text("一、隐藏\n1.不应读取。", "utf-8")

    result = runner.invoke(app, ["ingest", str(folder), "--glob", "*"])

    assert result.exit_code == 1
    out = result.output
    assert "2 of 3 files failed" in out
    assert "empty.txt" in out and "notes.xyz: unsupported file type .xyz" in out
    summary = re.search(r"│ (\d+)\s+│ (\d+)\s+│ (\d+)\s+│ (\d+)\s+│ (\d+)\s+│ (\d+)\s+│", out)
    assert summary is not None and summary.groups()[:2] == ("1", "2")
    assert int(summary.group(4)) == 152  # the sample's sentences
    assert ".hidden" not in out
    cli("check")


# --- citations across documents -------------------------------------------------------------

CITED_FILE = "guowuyuan-bangongting_2015_aesthetic-education-opinions.txt"
CITED_NUMBER = "国办发〔2015〕71号"
_CITES_71 = re.compile(r"国办发\s*[〔\[［(（【]\s*2015\s*[〕\]］)）】]\s*71\s*号"
                       r"|《国务院办公厅关于全面加强和改进学校美育工作的意见》")


def _citing_files() -> list[Path]:
    """Corpus files that cite 国办发〔2015〕71号 by 文号 or by full title (read from the text)."""
    return [p for p in sorted(CORPUS.glob("*.txt"))
            if p.name != CITED_FILE and _CITES_71.search(p.read_text("utf-8"))]


@pytest.mark.parametrize("order", ["cited-first", "cited-last"])
def test_citations_of_one_document_resolve_to_one_node_in_any_order(
        graph_store: GraphStore, tmp_path: Path, order: str) -> None:
    citing = _citing_files()
    assert len(citing) == 18
    files = [CORPUS / CITED_FILE, *citing] if order == "cited-first" else [*citing, CORPUS / CITED_FILE]
    parts = make_ingestor(graph_store, tmp_path)

    batch = parts.ingestor.ingest_files(files)

    assert not batch.failures
    nodes = rows(graph_store, "MATCH (d:PolicyDocument) WHERE d.doc_number = $n "
                 "RETURN d.id, d.ingested, d.source", n=CITED_NUMBER)
    assert len(nodes) == 1 and nodes[0][1] is True and nodes[0][2] == CITED_FILE
    citing_sources = {r[0] for r in rows(
        graph_store, "MATCH (x:PolicyDocument)-[:CITES]->(d:PolicyDocument {id: $id}) "
        "RETURN x.source", id=nodes[0][0])}
    assert citing_sources == {p.name for p in citing}
    report = check_consistency(graph_store, parts.vectors, parts.lexical, Journal(tmp_path / "indexes"))
    assert report.duplicate_documents == [] and report.ok


# --- the whole corpus, both backends --------------------------------------------------------

def _state(data_dir: Path, backend: str) -> tuple[dict[str, int], dict[str, int], int, int]:
    from service.wiring import build_graph_store

    store = build_graph_store(get_settings(), read_only=True)
    try:
        counts = store.counts()
    finally:
        store.close()
    index_dir = data_dir / "indexes" / backend
    return (counts.nodes, counts.relationships,
            VectorIndex.open(index_dir / "vectors", "hash-256", 256).count,
            LexicalIndex.open(index_dir / "lexical").count)


def _corpus_under_test(tmp_path: Path) -> tuple[Path, int]:
    """The whole corpus under `make soak` (POLICYKG_TEST_WHOLE_CORPUS=1: two minutes on both
    backends); in `make test` every third document, the largest included, linked into a folder."""
    files = sorted(CORPUS.glob("*.txt"))
    if os.environ.get("POLICYKG_TEST_WHOLE_CORPUS") == "1":
        return CORPUS, len(files)
    largest = max(files, key=lambda f: f.stat().st_size)
    chosen = sorted(set(files[::3]) | {largest})
    folder = tmp_path / "corpus"
    folder.mkdir()
    for f in chosen:
        (folder / f.name).symlink_to(f)
    return folder, len(chosen)


def test_the_whole_corpus_ingests_alike_on_both_backends_and_a_second_run_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, count = _corpus_under_test(tmp_path)
    states = {}
    for backend in BACKENDS:
        data_dir = tmp_path / backend
        use_backend(backend, data_dir, monkeypatch)
        started = time.perf_counter()
        first = cli("ingest", str(corpus), "--glob", "*.txt")
        seconds = time.perf_counter() - started
        assert re.search(rf"│ {count}\s+│ 0\s+│", first), first[-800:]
        state = _state(data_dir, backend)
        manifest = data_dir / "indexes" / backend / "vectors" / "manifest.json"
        saved = manifest.stat().st_mtime_ns

        second = cli("ingest", str(corpus), "--glob", "*.txt")

        assert _state(data_dir, backend) == state
        assert re.search(rf"│ {count}\s+│ 0\s+│ \d+\s+│ \d+\s+│ 0\s+│ 0\s+│", second), second[-800:]
        assert manifest.stat().st_mtime_ns == saved  # nothing changed, nothing rewritten
        cli("check")
        states[backend] = state
        print(f"{backend}: first run {seconds:.1f} s")  # the runtime, for the record (-s)
    assert states["embedded"] == states["neo4j"]
    nodes, _, vectors, lexical = states["embedded"]
    assert nodes["PolicyDocument"] >= count and vectors == lexical == nodes["Sentence"]


# --- the check after a write ----------------------------------------------------------------

def test_the_check_after_a_write_compares_only_the_changed_documents_and_the_totals(
        graph_store: GraphStore, tmp_path: Path) -> None:
    """After a write the server checks only the documents it changed (and the totals) when
    the last check was in order: a stale entry of a changed document is still found, a count
    that differs falls back to the whole comparison, and a flag that was degraded checks all."""
    from embeddings.lexical_index import LexicalEntry
    from service.ingest.consistency import HealthFlag

    parts = make_ingestor(graph_store, tmp_path)
    journal = Journal(tmp_path / "indexes")
    sample = parts.ingestor.ingest_path(SAMPLE).doc_id
    other_path = CORPUS / sorted(p.name for p in CORPUS.glob("*.txt"))[0]
    other = parts.ingestor.ingest_path(other_path).doc_id
    flag = HealthFlag()
    flag.update(graph_store, parts.vectors, parts.lexical, journal)
    assert flag.status == "ok"
    assert check_consistency(graph_store, parts.vectors, parts.lexical, journal, [sample]).ok

    # One sentence of the other document gets another text in the lexical index: a check of
    # the sample alone does not look there (the totals agree); a check of the other does.
    victim = next(e for e in parts.lexical.entries({other}))
    parts.lexical.upsert([LexicalEntry(victim.sentence_id, victim.task_id, victim.doc_id, "改过的句子")])
    assert check_consistency(graph_store, parts.vectors, parts.lexical, journal, [sample]).ok
    partial = check_consistency(graph_store, parts.vectors, parts.lexical, journal, [other])
    assert not partial.ok and partial.indexes[1].stale == [victim.sentence_id]
    assert partial.graph_sentences == len(graph_sentence_ids(graph_store))
    flag.update(graph_store, parts.vectors, parts.lexical, journal, [other])
    assert flag.status == "degraded"
    # Degraded: the next check compares everything, whatever document is named.
    flag.update(graph_store, parts.vectors, parts.lexical, journal, [sample])
    assert flag.status == "degraded"
    _, report, _ = flag.details()
    assert report is not None and report.indexes[1].stale == [victim.sentence_id]

    # A missing entry changes the totals: the whole comparison runs and names it.
    parts.lexical.upsert([LexicalEntry(victim.sentence_id, victim.task_id, victim.doc_id, victim.text)])
    flag.update(graph_store, parts.vectors, parts.lexical, journal)
    assert flag.status == "ok"
    parts.lexical.remove([victim.sentence_id])
    flag.update(graph_store, parts.vectors, parts.lexical, journal, [sample])
    _, report, _ = flag.details()
    assert report is not None and report.indexes[1].missing == [victim.sentence_id]
    assert report.indexes[1].documents == [other]


def test_the_start_up_check_against_the_search_snapshot_finds_what_the_store_check_finds(
        graph_store: GraphStore, tmp_path: Path) -> None:
    """A server's start-up check compares the indexes with the search snapshot's sentences
    instead of reading every sentence back: the same reports, clean (no sentence read from the
    store) and with a stale, a missing and an extra entry (then confirmed against the store)."""
    from embeddings.lexical_index import LexicalEntry

    parts = make_ingestor(graph_store, tmp_path)
    journal = Journal(tmp_path / "indexes")
    parts.ingestor.ingest_path(SAMPLE)
    other = parts.ingestor.ingest_path(CORPUS / sorted(p.name for p in CORPUS.glob("*.txt"))[0]).doc_id
    snapshot = graph_store.search_snapshot()

    def both() -> tuple[dict[str, object], dict[str, object], int]:
        from_store = check_consistency(graph_store, parts.vectors, parts.lexical, journal)
        read, reads = graph_store.all_sentences, []

        def counted() -> list:  # type: ignore[type-arg]
            reads.append(1)
            return read()

        graph_store.all_sentences = counted  # type: ignore[method-assign]
        try:
            from_snapshot = check_consistency(graph_store, parts.vectors, parts.lexical, journal,
                                              snapshot=snapshot)
        finally:
            graph_store.all_sentences = read  # type: ignore[method-assign]
        return from_store.as_json(), from_snapshot.as_json(), len(reads)

    clean_store, clean_snapshot, reads = both()
    assert clean_store["ok"] and clean_snapshot == clean_store and reads == 0
    stale, missing = list(parts.lexical.entries({other}))[:2]
    parts.lexical.upsert([LexicalEntry(stale.sentence_id, stale.task_id, stale.doc_id, "改过的句子")])
    parts.lexical.remove([missing.sentence_id])
    parts.vectors.remove([stale.sentence_id])
    parts.lexical.upsert([LexicalEntry("sent_extra", stale.task_id, stale.doc_id, "多出来的句子")])
    broken_store, broken_snapshot, reads = both()
    assert not broken_store["ok"] and broken_snapshot == broken_store and reads == 1
    lexical = broken_store["indexes"][1]  # type: ignore[index]
    assert (lexical["stale"], lexical["missing"], lexical["extra"]) == (
        [stale.sentence_id], [missing.sentence_id], ["sent_extra"])
