"""The sample document parses into the header, 6 sections and 24 numbered tasks."""

import re

import pytest

from loaders.coverage import check_coverage
from loaders.files import load_file
from loaders.outline import cn_to_int, join_page_breaks, parse_document
from loaders.sentences import split_sentences
from loaders.text import normalise_spacing, read_text_file
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def parsed():  # type: ignore[no-untyped-def]
    return parse_document(read_text_file(SAMPLE))


def test_header_fields(parsed) -> None:  # type: ignore[no-untyped-def]
    h = parsed.header
    assert h.issuer == "太仓市教育局"
    assert h.doc_number == "太教〔2021〕1号"
    assert h.issued_date == "2021-02-18"
    assert h.title == "2021年度教育工作要点"
    assert h.notice_title == "关于印发《2021年度教育工作要点》的通知"
    assert h.recipients == ["各镇（区、街道）政府（管委会、办事处）相关部门", "全市各中小学、幼教中心及相关单位"]
    assert h.cc == ["苏州市教育局办公室", "市委办公室", "市人大常委会办公室", "市政府办公室", "市政协秘书处"]


def test_six_sections_and_24_numbered_tasks_in_order(parsed) -> None:  # type: ignore[no-untyped-def]
    assert [s.label for s in parsed.sections] == ["一", "二", "三", "四", "五", "六"]
    numbered = [t for t in parsed.tasks if t.number > 0]
    assert [t.number for t in numbered] == list(range(1, 25))
    assert numbered[5].path == "二/6"
    assert numbered[5].title == "推进教育资源扩容"
    assert numbered[0].section_path == "一" and numbered[23].section_path == "六"


def test_preamble_is_one_unnumbered_task(parsed) -> None:  # type: ignore[no-untyped-def]
    unnumbered = [t for t in parsed.tasks if t.number == 0]
    assert len(unnumbered) == 1
    assert unnumbered[0].path == "前言"
    assert unnumbered[0].text.startswith("2021年是“十四五”发展的开局之年")


@pytest.mark.parametrize(("number", "joined"), [
    (4, "扩大“红色在线”等一批行动支部的影响力"),
    (9, "搭建联合班会"),
    (11, "重点推进绳、毽、球等运动项目"),
    (17, "做好第五期骨干教师高研班中期成果汇报会"),
    (20, "完善《太仓市中招工作科学管理考评办法》"),
    (22, "抓实苏州市级平安校园创建工作，筑牢校园、校车安全防线"),
])
def test_page_breaks_are_rejoined(parsed, number: int, joined: str) -> None:  # type: ignore[no-untyped-def]
    task = next(t for t in parsed.tasks if t.number == number)
    assert joined in task.text
    assert "\n" not in task.text


def test_no_section_heading_inside_a_task(parsed) -> None:  # type: ignore[no-untyped-def]
    for task in parsed.tasks:
        for section in parsed.sections:
            assert section.title not in task.text


def test_text_omits_numeral_and_normalises_pdf_spacing(parsed) -> None:  # type: ignore[no-untyped-def]
    six = next(t for t in parsed.tasks if t.number == 6)
    assert six.text.startswith("推进教育资源扩容。")
    assert "2020年结转" in six.text and "8个项目" in six.text
    assert not any(re.search(r"\d [\u4e00-\u9fff]|[\u4e00-\u9fff] \d", t.text) for t in parsed.tasks)


def test_sentences_carry_exact_offsets_and_keep_titles_whole(parsed) -> None:  # type: ignore[no-untyped-def]
    for task in parsed.tasks:
        spans = split_sentences(task.text)
        assert spans
        for span in spans:
            assert task.text[span.start:span.end] == span.text
    twenty = next(t for t in parsed.tasks if t.number == 20)
    assert split_sentences(twenty.text)[1].text == "完善《太仓市中招工作科学管理考评办法》，加快招生考试机构专业化能力建设。"


def test_sentence_split_ignores_stops_inside_quotes_and_titles() -> None:
    spans = split_sentences("落实《关于A。B的意见》要求。开展“学。思”活动！好")
    assert [s.text for s in spans] == ["落实《关于A。B的意见》要求。", "开展“学。思”活动！", "好"]
    assert [(s.start, s.end) for s in spans] == [(0, 15), (15, 25), (25, 26)]


def test_ids_are_stable_across_loads() -> None:
    first, second = load_file(SAMPLE).batch, load_file(SAMPLE).batch
    assert first == second
    assert first.document.id.startswith("doc_")
    assert len({t.id for t in first.tasks}) == len(first.tasks) == 25


def test_cn_numerals() -> None:
    assert [cn_to_int(n) for n in ["一", "十", "十二", "二十三", "一百零五", "7", "③"]] == \
        [1, 10, 12, 23, 105, 7, 3]


def test_spacing_normaliser_keeps_latin_spaces() -> None:
    assert normalise_spacing("2021 年 是 Open Data 的 100 周年") == "2021年是 Open Data 的100周年"


def test_heading_never_joins_the_next_paragraph() -> None:
    paras = ["一、总体要求", "坚持以人为本的发展思想，推进各项工作落实，不断提高人民群众满意度和获得感水平等", "二、主要任务"]
    assert join_page_breaks(paras) == paras


def test_task_paths_of_the_sample_are_stable(parsed) -> None:  # type: ignore[no-untyped-def]
    ranges = {"一": range(1, 5), "二": range(5, 9), "三": range(9, 12), "四": range(12, 16),
              "五": range(16, 20), "六": range(20, 25)}
    expected = ["前言"] + [f"{section}/{n}" for section, numbers in ranges.items() for n in numbers]
    assert [t.path for t in parsed.tasks] == expected
    assert [s.path for s in parsed.sections] == list(ranges)
    assert all(s.level == 1 for s in parsed.sections)


def test_every_body_character_of_the_sample_reaches_a_task(parsed) -> None:  # type: ignore[no-untyped-def]
    coverage = check_coverage(read_text_file(SAMPLE), parsed)
    assert coverage.uncovered == [] and coverage.invented == []
    # The notice's header, its cover letter, 抄送, 印发 lines and the printed document's own title.
    assert parsed.skipped[0] == "太仓市教育局" and parsed.skipped[-1] == "2021年教育工作要点"
    assert len(parsed.skipped) == 10
