"""The BM25 lexical index: ranking, persistence, removal, filters, user words, 文号."""

import json
import math
import subprocess
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

import embeddings.lexical_index as lexical
from embeddings.errors import IndexCorruptError, IndexMismatchError
from embeddings.lexical_index import LexicalEntry, LexicalIndex, tokenize

ROOT = Path(__file__).resolve().parents[2]
INSTITUTE = "西北工业大学太仓长三角研究院"

SENTENCES = [
    ("s1", "t1", "d1", f"推进与{INSTITUTE}交流合作，加强与上海等地优质学校的结对共建。"),
    ("s2", "t2", "d1", "组织高中教师暑期集中研修，建立乡村学校薄弱学科教师研修站。"),
    ("s3", "t3", "d1", "西北地区的大学与研究院开展工业技术合作。"),
    ("s4", "t4", "d2", "推动“双元制”教育研究院稳步运行，做好产教融合型企业培育工作。"),
    ("s5", "t5", "d2", "根据国办发〔2015〕71号文件精神，全面加强和改进学校美育工作。"),
    ("s6", "t6", "d2", "2015年起实施71项美育改革举措，办公室发布通知。"),
    ("s7", "t7", "d3", "加强校园安全工作，筑牢校园、校车安全防线。"),
    ("s8", "t8", "d3", "完善校园文化建设，培训100名兼职心理教师。"),
]


def entries() -> list[LexicalEntry]:
    return [LexicalEntry(*row) for row in SENTENCES]


def index_at(directory: Path) -> LexicalIndex:
    index = LexicalIndex.open(directory)
    index.upsert(entries())
    return index


def ids(hits: list[lexical.LexicalHit]) -> list[str]:
    return [h.sentence_id for h in hits]


def test_tokenize_drops_punctuation_and_stop_characters_and_keeps_numbers() -> None:
    tokens = tokenize("2021年，培训１００名兼职心理教师的工作！")
    assert "2021" in tokens and "100" in tokens  # full-width digits are folded by NFKC
    assert "教师" in tokens and "心理" in tokens
    assert not {"，", "！", "的", " "} & set(tokens)


def test_document_number_is_a_token_in_any_bracket_style() -> None:
    assert "国办发〔2015〕71号" in tokenize("根据国办发〔2015〕71号文件")
    assert "国办发〔2015〕71号" in tokenize("国办发[2015]71号")
    assert "〔2015〕71号" in tokenize("国办发（2015）71号")


def test_document_number_query_ranks_its_sentence_above_loose_number_matches(
        tmp_path: Path) -> None:
    index = index_at(tmp_path / "lex")
    hits = index.search("国办发[2015]71号", 5)
    assert ids(hits)[0] == "s5"
    assert hits[0].score > 2 * hits[1].score  # s6 shares only 2015, 71, 发


def test_exact_entity_name_ranks_first(tmp_path: Path) -> None:
    index = index_at(tmp_path / "lex")
    index.add_user_words([INSTITUTE, "双元制"])
    assert ids(index.search(INSTITUTE, 3))[0] == "s1"
    assert ids(index.search("双元制", 3)) == ["s4"]


def test_user_word_added_after_indexing_recuts_the_sentences_that_contain_it(
        tmp_path: Path) -> None:
    word = "乡村学校薄弱学科教师研修站"
    index = index_at(tmp_path / "lex")
    assert word not in index.tokens_of("s2")
    index.add_user_words([word])
    assert ids(index.search(word, 3))[0] == "s2"
    assert word in index.tokens_of("s2")


def test_results_are_best_first_with_positive_scores(tmp_path: Path) -> None:
    index = index_at(tmp_path / "lex")
    hits = index.search("校园安全", 10)
    assert ids(hits)[0] == "s7"
    assert all(a.score >= b.score > 0 for a, b in pairwise(hits))
    assert (hits[0].task_id, hits[0].doc_id) == ("t7", "d3")
    assert index.search("校园安全", 1) == hits[:1]


def test_scores_equal_brute_force_bm25(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lucene BM25 as bm25s scores it (k1=1.5, b=0.75, no (k1 + 1) factor), by hand."""
    monkeypatch.setattr(lexical, "CHAR_QUERY_WEIGHT", 1.0)
    index = index_at(tmp_path / "lex")
    query = "校园安全教师合作"
    docs = {sid: Counter(tokenize(text)) for sid, _, _, text in SENTENCES}
    avg = sum(sum(c.values()) for c in docs.values()) / len(docs)
    expected = {}
    for sid, tf in docs.items():
        score = 0.0
        for token in tokenize(query):
            df = sum(1 for c in docs.values() if token in c)
            if tf[token]:
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                norm = 1.5 * (1 - 0.75 + 0.75 * sum(tf.values()) / avg)
                score += idf * tf[token] / (tf[token] + norm)
        if score > 0:
            expected[sid] = score
    got = {h.sentence_id: h.score for h in index.search(query, 100)}
    assert got.keys() == expected.keys()
    for sid, score in expected.items():
        assert got[sid] == pytest.approx(score, rel=1e-4)


def test_weighted_terms_shift_the_ranking(tmp_path: Path) -> None:
    index = index_at(tmp_path / "lex")
    assert ids(index.search({"校园": 1.0, "教师": 0.05}, 1)) != ids(
        index.search({"校园": 0.05, "教师": 1.0}, 1))
    assert ids(index.search(["校车", "研修"], 10))[:2] in (["s7", "s2"], ["s2", "s7"])


def test_sentence_frequency_counts_the_sentences_that_hold_every_token_at_most(tmp_path: Path) -> None:
    index = index_at(tmp_path / "lex")
    assert index.sentence_frequency("校园") == 2  # s7 twice, s8
    assert index.sentence_frequency("教师") == 2
    assert index.sentence_frequency("校园安全") == 1  # cut into 校园 + 安全: the rarer
    assert index.sentence_frequency("物流") == 0
    assert LexicalIndex.open(tmp_path / "empty").sentence_frequency("校园") == 0


def test_doc_filter_keeps_only_those_documents(tmp_path: Path) -> None:
    index = index_at(tmp_path / "lex")
    assert {"s1", "s3", "s4"} <= set(ids(index.search("研究院", 10)))
    hits = index.search("研究院", 10, doc_ids={"d2", "nope"})
    assert ids(hits)[0] == "s4" and {h.doc_id for h in hits} == {"d2"}
    assert index.search("研究院", 10, doc_ids=set()) == []
    assert index.search("研究院", 10, doc_ids={"nope"}) == []


def test_remove_drops_sentences_and_counts_only_present_ones(tmp_path: Path) -> None:
    index = index_at(tmp_path / "lex")
    assert "s7" in ids(index.search("校园", 10))
    assert index.remove(["s7", "s7", "missing"]) == 1
    assert index.count == len(SENTENCES) - 1
    assert "s7" not in ids(index.search("校园", 10))
    assert index.remove(["missing"]) == 0


def test_upsert_same_id_replaces_the_sentence(tmp_path: Path) -> None:
    index = index_at(tmp_path / "lex")
    index.upsert([LexicalEntry("s7", "t9", "d9", "实施青少年视力综合干预工程。")])
    assert index.count == len(SENTENCES)
    assert "s7" not in ids(index.search("校车", 10))
    [hit] = index.search("视力", 10)
    assert (hit.sentence_id, hit.task_id, hit.doc_id) == ("s7", "t9", "d9")


def test_query_without_known_tokens_and_empty_index_return_nothing(tmp_path: Path) -> None:
    assert LexicalIndex.open(tmp_path / "empty").search("校园", 5) == []
    index = index_at(tmp_path / "lex")
    assert index.search("，。！", 5) == []
    assert index.search("量子引力", 5) == []
    assert index.search("校园", 0) == []


def test_save_open_round_trip_gives_equal_results(tmp_path: Path) -> None:
    directory = tmp_path / "lex"
    index = index_at(directory)
    index.add_user_words([INSTITUTE])
    queries = ["校园安全", INSTITUTE, "国办发〔2015〕71号", ["教师", "研修"]]
    before = [index.search(q, 10) for q in queries]
    index.save()
    manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    assert manifest["format_version"] == lexical.FORMAT_VERSION
    assert manifest["tokenizer"] == lexical.TOKENIZER and manifest["count"] == len(SENTENCES)
    reopened = LexicalIndex.open(directory)
    assert reopened.count == index.count
    assert [reopened.search(q, 10) for q in queries] == before
    assert reopened.tokens_of("s1") == index.tokens_of("s1")
    assert not list(tmp_path.glob(".lex.*"))  # staging and old directories are gone


def test_open_recovers_from_a_crash_between_the_two_renames(tmp_path: Path) -> None:
    directory = tmp_path / "lex"
    index_at(directory).save()
    directory.rename(tmp_path / ".lex.old")
    assert LexicalIndex.open(directory).count == len(SENTENCES)


def test_index_cut_by_another_tokenizer_is_recut_on_open(tmp_path: Path) -> None:
    directory = tmp_path / "lex"
    index_at(directory).save()
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["tokenizer"] = "jieba-0.1:cut"
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    tokens = np.load(directory / "tokens.npy")
    np.save(directory / "tokens.npy", np.zeros_like(tokens))  # stale ids: all one token
    reopened = LexicalIndex.open(directory)
    assert ids(reopened.search("校车", 3))[0] == "s7"
    assert reopened.tokens_of("s7") == tokenize(SENTENCES[6][3])


def test_refuses_a_vector_index_directory(tmp_path: Path) -> None:
    directory = tmp_path / "vectors"
    directory.mkdir()
    (directory / "manifest.json").write_text(json.dumps(
        {"format_version": 1, "model": "hash-128", "dimension": 128, "count": 0}), "utf-8")
    with pytest.raises(IndexMismatchError, match="another kind of index"):
        LexicalIndex.open(directory)


def test_refuses_another_format_version(tmp_path: Path) -> None:
    directory = tmp_path / "lex"
    index_at(directory).save()
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexCorruptError, match="format 99"):
        LexicalIndex.open(directory)


def test_refuses_an_inconsistent_index(tmp_path: Path) -> None:
    directory = tmp_path / "lex"
    index_at(directory).save()
    entries_path = directory / "entries.json"
    entries_path.write_text(json.dumps(json.loads(entries_path.read_text("utf-8"))[:-1]),
                            "utf-8")
    with pytest.raises(IndexCorruptError, match="reindex"):
        LexicalIndex.open(directory)


def test_import_and_first_cut_print_nothing() -> None:
    """jieba announces "Building prefix dict" on stderr unless its log level is raised."""
    result = subprocess.run(
        [sys.executable, "-c", "import embeddings.lexical_index as m; m.tokenize('初始化')"],
        cwd=ROOT, capture_output=True, text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    assert result.stdout == "" and "prefix dict" not in result.stderr


def test_matrix_equals_bm25s_on_a_real_document(tmp_path: Path) -> None:
    """The numpy build gives bm25s' matrix (its default scoring), entry for entry, over the
    sample's sentences (repeated tokens, empty-after-stopwords lines and all)."""
    import bm25s

    lines = [line.strip() for line in (ROOT / "examples" / "taicang_2021_education_work_points.txt")
             .read_text("utf-8").splitlines()]
    index = LexicalIndex.create(tmp_path / "lex")
    index.upsert([LexicalEntry(f"s{i}", f"t{i // 3}", "d", line) for i, line in enumerate(lines)])
    matrix = index._built()
    assert matrix is not None and len(matrix.rows) > 80
    corpus = [np.frombuffer(r.token_ids, dtype=np.int32).tolist() for r in matrix.rows]
    reference = bm25s.BM25()
    n_vocab = len(index._vocab)
    reference.index((corpus, {i: i for i in range(n_vocab)}), create_empty_token=False, show_progress=False)
    expected = reference.scores
    assert matrix.indptr.tolist() == np.asarray(expected["indptr"]).tolist()
    for token in range(n_vocab):
        start, end = matrix.indptr[token], matrix.indptr[token + 1]
        got = dict(zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist(), strict=True))
        want = dict(zip(np.asarray(expected["indices"][start:end]).tolist(),
                        np.asarray(expected["data"][start:end]).tolist(), strict=True))
        assert got.keys() == want.keys()
        assert np.allclose([got[k] for k in want], list(want.values()), rtol=1e-6, atol=0)


def test_rows_matching_finds_the_right_texts_when_normalising_changes_lengths() -> None:
    """Texts are normalised and searched as one string; NFKC that lengthens a text (㍿ ->
    株式会社, ﬁ -> fi) must not shift a match onto its neighbour."""
    import re

    texts = ["㍿㍿㍿㍿", "ﬁﬁﬁ 北京", "ＡＢＣ上海", "纯文本", "上海", "x\x00上海"]
    pattern = re.compile("上海|abc")
    assert lexical._rows_matching(pattern, texts) == {"ＡＢＣ上海", "上海", "x\x00上海"}
    assert lexical._rows_matching(pattern, texts[:5]) == {"ＡＢＣ上海", "上海"}
    assert lexical._rows_matching(re.compile("株式"), texts) == {"㍿㍿㍿㍿"}
    many = [f"第{i}句" for i in range(1000)] + ["上海"] + [f"第{i}句" for i in range(1000)]  # chunks
    assert lexical._rows_matching(pattern, many) == {"上海"}
    assert lexical._rows_matching(re.compile("第999句"), many) == {"第999句"}
