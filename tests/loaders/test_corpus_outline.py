"""The outline parser on the whole corpus: every document parses, nothing of a body is lost,
and hand-checked documents come out with the structure they have on the page."""

import re
from functools import cache
from pathlib import Path

import pytest

from loaders.coverage import check_coverage
from loaders.outline import LONG_ITEM, ParsedDocument, ParsedTask, parse_document
from loaders.prose import MAX_PART, MIN_PART, chunk_paragraphs, part_title, split_long
from loaders.sentences import split_sentences
from loaders.text import read_text_file
from tests.conftest import CORPUS

CORPUS_FILES = sorted(CORPUS.glob("*.txt"))
REPORTS = [p for p in CORPUS_FILES if "government-work-report" in p.name]
# Header lines are metadata, never body: no single one is long, and together they are a small share.
MAX_SKIPPED_LINE = 200
MAX_SKIPPED_SHARE = 0.08


@cache
def _load(stem: str) -> tuple[str, ParsedDocument]:
    text = read_text_file(CORPUS / f"{stem}.txt")
    return text, parse_document(text)


def doc(prefix: str) -> ParsedDocument:
    (path,) = [p for p in CORPUS_FILES if p.stem.startswith(prefix)]
    return _load(path.stem)[1]


def tasks_by_path(parsed: ParsedDocument) -> dict[str, ParsedTask]:
    return {t.path: t for t in parsed.tasks}


def test_the_corpus_holds_45_documents() -> None:
    assert len(CORPUS_FILES) == 45
    assert len(REPORTS) == 18


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_every_document_parses_into_tasks_with_unique_paths(path: Path) -> None:
    parsed = _load(path.stem)[1]
    assert parsed.tasks
    paths = [t.path for t in parsed.tasks] + [s.path for s in parsed.sections]
    assert len(paths) == len(set(paths))
    sections = {s.path for s in parsed.sections}
    for task in parsed.tasks:
        assert task.text.strip() and task.title.strip()
        assert task.section_path is None or task.section_path in sections
        # A task's path is its section's path and one label more.
        assert task.path.rpartition("/")[0] == (task.section_path or "")
        assert not task.text.startswith(("牵头部门", "牵头单位", "配合部门", "责任单位"))
    for section in parsed.sections:
        parent = section.path.rsplit("/", 1)[0] if "/" in section.path else None
        assert parent is None or parent in sections
        assert section.level == section.path.count("/") + 1


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_every_body_character_reaches_a_task_or_a_section_title(path: Path) -> None:
    text, parsed = _load(path.stem)
    coverage = check_coverage(text, parsed)
    assert coverage.uncovered == []
    assert coverage.invented == []
    assert all(len(line) <= MAX_SKIPPED_LINE for line in parsed.skipped)
    assert sum(map(len, parsed.skipped)) <= MAX_SKIPPED_SHARE * len(re.sub(r"\s", "", text))


def test_the_coverage_check_reports_lost_and_altered_text() -> None:
    text, parsed = _load("guowuyuan-bangongting_2015_aesthetic-education-opinions")
    dropped = ParsedDocument(header=parsed.header, sections=parsed.sections, tasks=parsed.tasks[1:],
                             skipped=parsed.skipped)
    (lost,) = check_coverage(text, dropped).uncovered
    assert lost.startswith(re.sub(r"\s", "", parsed.tasks[0].text))
    first = parsed.tasks[0]
    altered = ParsedTask(path=first.path, section_path=first.section_path, number=first.number,
                         title=first.title, text=first.text.replace("美育", "体育", 1))
    report = check_coverage(text, ParsedDocument(header=parsed.header, sections=parsed.sections,
                                                 tasks=[altered, *parsed.tasks[1:]], skipped=parsed.skipped))
    assert len(report.invented) == 1 and report.uncovered


def test_baotou_attachment_holds_90_numbered_tasks_four_levels_deep() -> None:
    parsed = doc("baotou_2022")
    numbered = [t for t in parsed.tasks if t.path.startswith("附件/") and t.number > 0]
    assert [t.number for t in numbered] == list(range(1, 91))
    assert all(t.path.count("/") == 3 for t in numbered)  # 附件 / 一 / （一） / 1
    assert numbered[0].path == "附件/一/（一）/1"
    assert numbered[37].path == "附件/一/（九）/38"
    assert numbered[89].path == "附件/七/（三）/90"
    attachment = [s for s in parsed.sections if s.path.startswith("附件")]
    assert {s.level for s in attachment} == {1, 2, 3}
    assert [s.label for s in attachment if s.level == 2] == ["一", "二", "三", "四", "五", "六", "七"]
    assert attachment[0].title == "包头市数字政府建设考评指标"
    # The measure's own rules (一 … 四) keep plain paths; its lead units stay in the task text.
    assert [t.path for t in parsed.tasks if "/" not in t.path or t.path.startswith("三/")] == [
        "通知", "一", "二", "三/（一）", "三/（二）", "三/（三）", "三/（四）", "四"]
    assert numbered[0].text.endswith("（5月底取得明显成效并持续推进，牵头考核单位：市审批服务局）")
    assert "包府办发〔2022〕10号" in tasks_by_path(parsed)["通知"].text


@pytest.mark.parametrize(("prefix", "path", "lead_line"), [
    ("putian_2017", "三/（一）", "牵头部门：市教育局配合部门：市文广局、市人社局、团市委"),
    ("putian_2017", "三/（十三）/2", "牵头单位：市教育局"),
    ("quanzhou_2017", "三/（一）", "配合部门：市人社局、文广新局，团市委"),
])
def test_lead_unit_lines_stay_in_their_task(prefix: str, path: str, lead_line: str) -> None:
    task = tasks_by_path(doc(prefix))[path]
    assert task.number > 0
    assert lead_line in task.text.split("\n")


def test_every_lead_line_of_putian_lies_in_a_numbered_task() -> None:
    text, parsed = _load("putian_2017_aesthetic-education-implementation-opinions")
    leads = [line.strip().replace("\u3000", "") for line in text.splitlines() if line.strip().startswith("牵头")]
    in_tasks = [line for t in parsed.tasks if t.number > 0 for line in t.text.split("\n") if line.startswith("牵头")]
    assert len(leads) == 20
    assert sorted(in_tasks) == sorted(leads)


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_report_prose_is_cut_into_task_sized_parts(path: Path) -> None:
    parsed = _load(path.stem)[1]
    parts = [t for t in parsed.tasks if re.search(r"¶\d+$", t.path)]
    for part in parts:
        longest_sentence = max(len(s.text) for s in split_sentences(part.text))
        assert MIN_PART <= len(part.text) <= max(MAX_PART, longest_sentence), part.path
        assert part.number == 0 and part.title and part.title in part.text.replace("\n", "")
    for task in parsed.tasks:
        assert len(task.text) <= LONG_ITEM or max(len(s.text) for s in split_sentences(task.text)) > MAX_PART
    # The speaker's address and formula are header, never tasks.
    assert not any(t.text.startswith(("各位代表：", "现在，我代表")) for t in parsed.tasks)


def test_a_report_without_items_under_a_heading_gets_paragraph_paths() -> None:
    tasks = tasks_by_path(doc("guowuyuan_2025"))
    assert [p for p in tasks if p.startswith("一/")] == [f"一/¶{k}" for k in range(1, 16)]
    assert tasks["一/¶1"].text.startswith("过去一年，我国发展历程很不平凡。")
    assert tasks["一/¶6"].title == "一是因时因势加强和创新宏观调控，推动经济回升向好"
    # （一）…（九） are items; （十） runs for pages and is cut into parts under its heading.
    assert [tasks[f"三/（{n}）"].number for n in "一二三四五六七八九"] == list(range(1, 10))
    assert tasks["三/（十）/¶1"].title == "更大力度稳定和扩大就业"
    assert tasks["三/结语"].text.startswith("各位代表！信心凝聚力量，实干谱写华章。")
    assert tasks["三/结语"].title == "信心凝聚力量，实干谱写华章"


def test_report_headings_without_numerals_become_sections() -> None:
    parsed = doc("sichuan_2025")
    top = [(s.path, s.title) for s in parsed.sections if s.level == 1]
    assert top == [("§1", "2024年工作回顾"), ("§2", "2025年工作安排建议"), ("§3", "加强政府自身建设"),
                   ("名词解释", "名词解释")]
    tasks = tasks_by_path(parsed)
    assert tasks["§3/（四）"].title == "清正廉洁守底线"
    glossary = [t for t in parsed.tasks if t.path.startswith("名词解释/")]
    assert [t.number for t in glossary] == list(range(1, 51))
    # "8.6个重大科技专项：…" is item 8 (its text starts with a figure).
    assert tasks["名词解释/8"].text.startswith("6个重大科技专项：")


def test_yi_shi_heading_lines_are_items_of_a_report() -> None:
    tasks = tasks_by_path(doc("gansu_2025"))
    assert tasks["三/一是"].number == 1
    assert tasks["三/一是"].title == "聚焦全方位扩大内需，着力提消费促投资"
    assert "三/二是/¶1" in tasks  # a long item becomes a section over its paragraphs


@pytest.mark.parametrize(("prefix", "title", "sections", "numbered"), [
    ("guangdong_2025", "2025年省十件民生实事", ["附件1/一", "附件1/十"], ["附件1/一", "附件1/十"]),
    ("guangdong_2025", "名词解释", [], ["附件2/1", "附件2/18"]),
    ("anhui_2021", "省推进工业互联网创新发展专项工作组名单", [], []),
])
def test_attachments_carry_their_own_outline(prefix: str, title: str, sections: list[str],
                                             numbered: list[str]) -> None:
    parsed = doc(prefix)
    (attachment,) = [s for s in parsed.sections if s.level == 1 and s.title == title]
    assert attachment.label.startswith("附件")
    inside = [t for t in parsed.tasks if t.path.startswith(attachment.path + "/")]
    assert inside
    paths = {t.path for t in inside}
    for path in numbered:
        assert path in paths
    if not numbered:  # a list of names: cut into parts, nothing numbered
        assert all(t.number == 0 for t in inside)
        assert "组长：王清宪省长" in inside[0].text


def test_a_notice_printing_two_documents_gives_each_its_own_part() -> None:
    parsed = doc("nantong_2018")
    top = [(s.path, s.title) for s in parsed.sections if s.level == 1]
    assert top == [("文件1", "关于全面加强和改进中小学美育工作的实施意见"),
                   ("文件2", "关于强化中小学体育促进学生身心健康全面发展的实施意见")]
    tasks = tasks_by_path(parsed)
    assert tasks["文件1/三/（一）/1"].title == "科学设定美育课程目标"
    assert tasks["文件2/三/（一）/1"].title == "改进体育课程设置"
    # A page break cut item 2 of the second document: re-joined.
    assert "加强课堂教学研究，增强教学吸引力" in tasks["文件2/三/（一）/2"].text


@pytest.mark.parametrize(("prefix", "path", "number", "title"), [
    ("hubei_2016", "一/（二）/1", 1, "坚持育人为本，面向全体"),  # "1\ue010坚持…": a stop in a private font
    ("xinyang_2017", "一/（二）/1", 1, "普及型原则"),  # "（二）基本原则。1.普及型原则。…"
    ("xinyang_2017", "一/（二）/3", 3, "整体性原则"),
    ("zhongban-guoban_2020", "一/2", 2, "工作原则"),
    ("anhui_2021", "文件2/二/（一）/1", 1, "推进工业互联网外网建设"),  # 1﹒
    ("anhui_2021", "文件1/八", 8, "支持工业互联网利用资本市场加快发展"),
])
def test_numbering_styles_of_the_corpus(prefix: str, path: str, number: int, title: str) -> None:
    task = tasks_by_path(doc(prefix))[path]
    assert (task.number, task.title) == (number, title)


@pytest.mark.parametrize(("prefix", "doc_number", "issued", "issuer", "title"), [
    ("guowuyuan-bangongting_2015", "国办发〔2015〕71号", "2015-09-15", "国务院办公厅",
     "国务院办公厅关于全面加强和改进学校美育工作的意见"),
    ("jilin-city_2018", "吉市政办发[2018]3号", "2018-02-08", "吉林市人民政府办公厅",
     "吉林市人民政府办公厅关于全面加强和改进学校美育工作的实施意见"),
    ("hubei_2016", "鄂政办发〔2016〕32号", "2016-05-20", "湖北省人民政府办公厅",
     "湖北省人民政府办公厅关于全面加强和改进学校美育工作的实施意见"),
    ("quanzhou_2017", "泉政办〔2017〕106号", None, "泉州市人民政府办公室", "泉州市全面加强和改进学校美育工作实施方案"),
    ("baotou_2022", "包府办发〔2022〕43号", "2022-04-14", "包头市人民政府办公室", "包头市2022年数字政府建设考评办法"),
    ("anhui_2021", "皖政办秘〔2021〕82号", "2021-09-02", "安徽省人民政府办公厅",
     "支持工业互联网发展若干政策和安徽省工业互联网创新发展行动计划(2021—2023年)"),
    ("zhongban-guoban_2020", None, "2020-10-15", "中共中央办公厅", "关于全面加强和改进新时代学校美育工作的意见"),
    ("beijing_2025", None, "2025-01-14", "北京市人民政府", "2025年北京市政府工作报告"),
    ("gansu_2025", None, "2025-01-20", "甘肃省人民政府", "2025年甘肃省政府工作报告"),
    ("guowuyuan_2022", None, "2022-03-05", "国务院", "2022年中华人民共和国国务院政府工作报告"),
    ("hailaer-district_2012", None, "2012-02-29", "海拉尔区人民政府", "2012年政府工作报告"),
    ("hailaer-district_2019", None, "2019-03-04", "呼伦贝尔市海拉尔区人民政府", "2019年政府工作报告"),
])
def test_header_fields(prefix: str, doc_number: str | None, issued: str | None, issuer: str, title: str) -> None:
    header = doc(prefix).header
    assert (header.doc_number, header.issued_date, header.issuer, header.title) == (doc_number, issued, issuer, title)


def test_notice_titles_and_joint_issuers() -> None:
    assert doc("shanxi_2017").header.notice_title == "山西省人民政府办公厅关于印发山西省全面加强和改进学校美育工作实施方案的通知"
    assert doc("shanxi_2017").header.title == "山西省全面加强和改进学校美育工作实施方案"
    assert doc("zhongban-guoban_2020").header.co_issuers == ["国务院办公厅"]
    assert doc("nantong_2018").header.recipients[-1] == "市各部门、各直属单位"
    # A cover letter that only passes the document on is header; one that cites a basis is body.
    assert not any(t.path == "通知" for t in doc("anhui_2021").tasks)


def test_every_document_but_the_release_and_reports_without_a_dateline_has_a_date() -> None:
    undated = sorted(p.stem for p in CORPUS_FILES if _load(p.stem)[1].header.issued_date is None)
    assert undated == ["guowuyuan_2010_government-work-report", "guowuyuan_2014_government-work-report",
                       "guowuyuan_2016_government-work-report", "guowuyuan_2019_government-work-report",
                       "guowuyuan_2025_government-work-report", "quanzhou_2017_aesthetic-education-implementation-plan"]


ARTICLES = """XX市学校美育工作管理办法
第一章　总则
第一条　为了加强学校美育工作，根据有关规定，制定本办法。
第二条　本办法适用于本市各级各类学校。
第二章　课程与教学
第一节　课程
第三条　学校应当开齐开足美育课程：
（一）小学每周不少于4课时；
（二）初中每周不少于2课时。
第二节　教学
第四条　学校应当每年举办艺术节。
"""


def test_articles_nest_under_chapters_and_sections() -> None:
    parsed = parse_document(ARTICLES)
    assert parsed.header.title == "XX市学校美育工作管理办法"
    assert [(s.path, s.title) for s in parsed.sections] == [
        ("第一章", "总则"), ("第二章", "课程与教学"), ("第二章/第一节", "课程"),
        ("第二章/第一节/第三条", "学校应当开齐开足美育课程："), ("第二章/第二节", "教学")]
    # 第二节 closes the list of 第三条 and the 第一节 before it.
    assert [(t.path, t.number) for t in parsed.tasks] == [
        ("第一章/第一条", 1), ("第一章/第二条", 2), ("第二章/第一节/第三条/（一）", 1),
        ("第二章/第一节/第三条/（二）", 2), ("第二章/第二节/第四条", 4)]
    assert check_coverage(ARTICLES, parsed).complete


ATTACHED = """关于印发某市学校体育工作方案的通知
各区教育局：
现将《某市学校体育工作方案》印发给你们，请认真贯彻执行。
某市教育局
二〇二〇年三月一日
某市学校体育工作方案
一、总体要求
坚持健康第一的教育理念，推动学校体育发展。
二、主要任务
开齐开足体育课。
附件1
某市学校体育重点任务分工表
一、课程建设
（一）课程开设
1.开齐体育课。
（二）课时保障
1．保证每天锻炼一小时。
2、落实大课间制度。
3.开展课后体育服务。
附件2：某市体育场地开放名单
第一部分　城区
（1）人民公园球场。
（2）文化广场。
第二部分　郊区
①市体育中心；
②区体育馆。
"""


def test_attachments_and_deeper_numerals_in_a_constructed_notice() -> None:
    parsed = parse_document(ATTACHED)
    header = parsed.header
    assert (header.title, header.issuer, header.issued_date) == ("某市学校体育工作方案", "某市教育局", "2020-03-01")
    paths = [t.path for t in parsed.tasks]
    assert paths[:2] == ["一", "二"]
    assert "附件1/一/（二）/3" in paths
    assert "附件2/第一部分/（2）" in paths and "附件2/第二部分/②" in paths
    assert [s.path for s in parsed.sections if s.level == 1] == ["附件1", "附件2"]
    assert check_coverage(ATTACHED, parsed).complete


def test_bare_item_numbers_count_only_in_sequence() -> None:
    text = "一、基本原则\n1坚持育人为本。面向全体。\n2坚持因地制宜。分类指导。\n二、目标\n3年内建成体系。\n"
    tasks = tasks_by_path(parse_document(text))
    assert tasks["一/1"].title == "坚持育人为本" and tasks["一/2"].number == 2
    assert tasks["二"].text == "目标\n3年内建成体系。"  # "3年…" is a figure, not item 3


def test_long_prose_is_cut_at_sentence_ends_and_short_paragraphs_join() -> None:
    sentence = "加快建设现代化产业体系，推动科技创新和产业创新深度融合" * 2 + "。"
    paragraph = sentence * 24  # 1320 characters
    pieces = split_long(paragraph)
    assert "".join(pieces) == paragraph
    assert len(pieces) == 3 and all(len(p) <= MAX_PART for p in pieces)
    assert all(p.endswith("。") for p in pieces)
    parts = chunk_paragraphs(["各位代表！", sentence * 3, "一年来，我们主要做了以下工作：", sentence * 4])
    assert parts == [f"各位代表！\n{sentence * 3}", f"一年来，我们主要做了以下工作：\n{sentence * 4}"]
    # A long first sentence is cut at its last clause boundary within 40 characters.
    assert part_title(parts[1]) == "加快建设现代化产业体系，推动科技创新和产业创新深度融合加快建设现代化产业体系"


def test_straight_quotes_close_curly_ones_so_sentences_still_split() -> None:
    spans = split_sentences('全面提升“12345"政务热线服务水平。对标全国一流。加强"三河三湖"治理。')
    assert [s.text for s in spans] == ["全面提升“12345\"政务热线服务水平。", "对标全国一流。", "加强\"三河三湖\"治理。"]
    task = tasks_by_path(doc("baotou_2022"))["附件/一/（二）/3"]
    assert len(split_sentences(task.text)) >= 5
