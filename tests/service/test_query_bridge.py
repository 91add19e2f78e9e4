"""English questions -> Chinese search terms: matching rules on a small hand-made index, and
the expectations of the dev questions on the real CC-CEDICT reverse index."""

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from service.search import bridge as query_bridge
from service.search.bridge import QueryBridge, WeightedTerm

TOY = {
    "head": [("头", 9.0)],
    "state": [("国家", 9.0)],
    "head of state": [("元首", 8.0)],
    "doctor": [("医生", 9.0), ("大夫", 8.8), ("博士", 8.0), ("郎中", 7.0)],
    "attract": [("吸引", 8.0)],
    "construct": [("建设", 8.0)],
    "construction": [("施工", 8.0)],
    "germany": [("德国", 9.0)],
    "center": [("中心", 9.0)],
}


def zh(terms: Sequence[WeightedTerm]) -> list[str]:
    return [t.term_zh for t in terms]


def covers(terms: Sequence[WeightedTerm], word: str) -> bool:
    """A term contains ``word``: the lexical index cuts 校园安全 into 校园 and 安全 too."""
    return any(word in t.term_zh for t in terms)


@pytest.fixture(scope="module")
def bridge_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bridge-cache")


@pytest.fixture(scope="module")
def bridge(bridge_cache: Path) -> QueryBridge:
    """The real reverse index, built once (~4 s) and cached in ``bridge_cache``."""
    return QueryBridge.load(bridge_cache)


def test_longest_phrase_wins_over_its_words() -> None:
    terms = QueryBridge(TOY).translate("the head of state")
    assert zh(terms) == ["元首"]
    assert terms[0] == WeightedTerm("元首", 1.0, "head of state")


def test_plurals_and_inflections_are_lemmatised() -> None:
    toy = QueryBridge(TOY)
    assert zh(toy.translate("Doctors"))[0] == "医生"
    assert zh(toy.translate("attracting"))[0] == "吸引"
    assert zh(toy.translate("attracted"))[0] == "吸引"
    assert zh(toy.translate("centres")) == ["中心"]  # British spelling, plural


def test_derived_words_add_their_base_words_candidates_lower() -> None:
    terms = QueryBridge(TOY).translate("construction")
    assert zh(terms) == ["施工", "建设"]
    assert terms[1].weight < terms[0].weight


def test_weights_are_relative_to_the_best_and_weak_candidates_dropped() -> None:
    terms = QueryBridge(TOY, per_term=4).translate("doctor")
    assert zh(terms) == ["医生", "大夫", "博士"]  # 郎中 is 2.0 below: exp(-2) < floor
    assert terms[0].weight == 1.0 and 1.0 > terms[1].weight > terms[2].weight
    assert zh(QueryBridge(TOY, per_term=1).translate("doctor")) == ["医生"]


def test_stopwords_and_question_framing_give_no_terms() -> None:
    assert QueryBridge(TOY).translate("Which of the items involve these?") == []


def test_framing_phrases_give_no_terms_and_do_not_split() -> None:
    toy = QueryBridge({**TOY, "deal": [("交易", 9.0)], "refer": [("参考", 9.0)]})
    assert toy.translate("which tasks deal with doctors") == toy.translate("doctors")
    assert zh(toy.translate("parts that refers to Germany")) == ["德国"]


def test_listed_phrases_may_begin_or_end_with_a_stopword() -> None:
    assert zh(QueryBridge(TOY).translate("income per capita this year"))[-2:] == ["人均", "今年"]


def test_the_glossary_file_refuses_a_repeated_term() -> None:
    repeated = "# comment\nsmart campus\t智慧校园\ndeal with\t\nSmart-Campus\t智能校园\n"
    with pytest.raises(ValueError, match=r"glossary.tsv:4: .*Smart-Campus"):
        query_bridge._read_glossary(repeated, "glossary.tsv")
    assert query_bridge._read_glossary("smart campus\t智慧校园|智能校园\ndeal with\t\n", "glossary.tsv") == (
        {"smart campus": ("智慧校园", "智能校园")}, frozenset({"deal with"}))


def test_extra_terms_take_priority_in_their_order() -> None:
    terms = QueryBridge(TOY).translate("Germany's schools",
                                       {"Germany": ["联邦德国", "德国"]})
    assert zh(terms)[:2] == ["联邦德国", "德国"]
    assert terms[0].weight == 1.0 > terms[1].weight
    assert terms[0].source_en == "germany's"


def test_chinese_fragments_and_numbers_pass_through() -> None:
    terms = QueryBridge(TOY).translate("心理健康 doctors in 2021")
    assert zh(terms) == ["心理健康", "医生", "大夫", "博士", "2021"]


def test_load_uses_a_valid_cache_and_ignores_a_stale_one(tmp_path: Path) -> None:
    cache = tmp_path / "cedict_reverse.json"
    cache.write_text(json.dumps({"stamp": query_bridge._stamp(),
                                 "index": {"campus": [["校园", 9.0]]}}), "utf-8")
    assert zh(QueryBridge.load(tmp_path).translate("campus")) == ["校园"]
    assert query_bridge._read_cache(cache, {**query_bridge._stamp(), "build": -1}) is None
    cache.write_text("{not json", "utf-8")
    assert query_bridge._read_cache(cache, query_bridge._stamp()) is None


def test_shanghai_cooperation(bridge: QueryBridge) -> None:
    terms = bridge.translate("which items involve Shanghai cooperation")
    assert {"上海", "合作"} <= set(zh(terms))
    assert not covers(terms, "涉及") and not covers(terms, "项目")  # framing words


@pytest.mark.parametrize(("question", "alternatives"), [
    ("campus safety", [["校园"], ["安全"]]),
    ("training of newly hired teachers", [["培训"], ["新"], ["教师"]]),
    ("private education quality", [["民办", "私立"], ["教育"], ["质量"]]),
    ("smart campus construction", [["智慧", "智能"], ["校园"], ["建设"]]),
    ("family education and home-school cooperation", [["家庭"], ["家校"], ["合作"]]),
    ("attracting high-level education talent",
     [["人才"], ["高层次", "高水平"], ["吸引", "引进"]]),
    ("rule of law in school governance", [["法治"], ["学校"], ["治理"]]),
    ("cooperation with Germany", [["合作"], ["德国"]]),
    ("what is this year's GDP growth target", [["今年"], ["生产总值"], ["增长"]]),
    ("which tasks deal with privately run schools", [["民办学校"]]),
])
def test_dev_question_terms(bridge: QueryBridge, question: str,
                            alternatives: list[list[str]]) -> None:
    terms = bridge.translate(question)
    for options in alternatives:
        assert any(covers(terms, o) for o in options), (options, terms)


def test_real_index_prefers_common_short_headwords(bridge: QueryBridge) -> None:
    assert bridge.candidates("school")[0][0] == "学校"
    assert bridge.candidates("talent")[0][0] == "人才"
    assert bridge.candidates("Shanghai")[0][0] == "上海"
    assert all(2 <= len(term) <= 4 for term, _ in bridge.candidates("cooperation"))


def test_a_word_no_gloss_knows_is_read_as_pinyin(bridge: QueryBridge) -> None:
    assert zh(bridge.translate("gaokao bonus points"))[0] == "高考"
    assert zh(bridge.translate("jiuye and yiliao")) == ["就业", "医疗"]
    # An English word that also spells pinyin (li + ne, chang + e) stays English.
    assert "线路" in zh(bridge.translate("line")) and "变化" in zh(bridge.translate("change"))
    assert bridge.translate("zzzqqq") == []


def test_pinyin_is_a_fallback_only_on_the_toy_index() -> None:
    toy = QueryBridge({**TOY, "pinyin:gaokao": [("高考", 9.0)], "pinyin:center": [("森特", 9.0)],
                       "pinyin:gao": [("高", 9.0)]})
    assert zh(toy.translate("gaokao")) == ["高考"]
    assert zh(toy.translate("center")) == ["中心"]  # the gloss wins
    assert toy.translate("gao") == []  # under four letters: too ambiguous to read as pinyin


def test_a_prior_reorders_dictionary_candidates_but_not_the_glossary() -> None:
    toy = QueryBridge(TOY)
    assert zh(toy.translate("doctor"))[0] == "医生"
    uses = {"博士": 40, "医生": 0}
    prior = lambda term: math.log1p(uses.get(term, 0))  # noqa: E731
    assert zh(toy.translate("doctor", prior=prior))[0] == "博士"
    # Caller's names (and the glossary) keep their order whatever the documents write.
    assert zh(toy.translate("doctor", extra_terms={"doctor": ["大夫", "郎中"]}, prior=prior)) == ["大夫", "郎中"]


def test_second_load_reads_the_cache_and_gives_the_same_terms(
        bridge: QueryBridge, bridge_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (bridge_cache / "cedict_reverse.json").exists()

    def no_build() -> query_bridge.ReverseIndex:
        raise AssertionError("rebuilt despite a valid cache")

    monkeypatch.setattr(query_bridge, "build_reverse_index", no_build)
    again = QueryBridge.load(bridge_cache)
    question = "attracting high-level education talent"
    assert again.translate(question) == bridge.translate(question)
