"""Targets as the graph records them (issue 14, item 3): estimates, the year a list states
once, and no targets in a review of past work."""

from loaders.entities import extract_mentions
from loaders.files import load_bytes

PLAN = """关于推进工作的意见
一、主要目标
到2020年，建设100个美育社团；创建30所以上艺术特色学校；培训约200名教师。
二、其他
培训50名教师。
"""

REPORT = """各位代表：
现在，我代表市人民政府向大会报告工作。
一、2023年工作回顾
过去一年，新建学校12所，完成投资120亿元。
二、2024年工作安排
新建学校10所，培训教师500名。
"""


def _targets(text: str) -> dict[str, tuple[int | None, bool]]:
    batch = load_bytes("x.txt", text.encode()).batch
    return {t.text: (t.year, t.approximate) for t in batch.targets}


def test_a_list_year_reaches_every_target_and_estimates_are_marked() -> None:
    assert _targets(PLAN) == {
        "100个美育社团": (2020, False), "30所以上艺术特色学校": (2020, False),
        "200名教师": (2020, True), "50名教师": (None, False)}


def test_a_review_of_past_work_sets_no_targets() -> None:
    assert set(_targets(REPORT)) == {"学校10所", "教师500名"}


def test_a_number_past_floats_range_is_no_target_and_the_document_loads() -> None:
    huge = "9" * 400
    plan = f"关于推进工作的意见\n一、主要目标\n到2025年，建成{huge}所学校；培训200名教师；覆盖率达{huge}%以上。\n"
    assert _targets(plan) == {"200名教师": (2025, False)}


def test_a_quantity_coordinated_with_a_target_is_one_though_it_names_nothing() -> None:
    found = [(m.name, m.value_min, m.value_max, m.approximate)
             for m in extract_mentions("城乡居民收入分别增长5%和7%左右。") if m.label == "Target"]
    assert found == [("5%城乡居民收入", 5.0, 5.0, False), ("7%", 7.0, 7.0, True)]
    # A bare amount of money beside another still sets nothing.
    assert [m.name for m in extract_mentions("分别突破2000亿元、1600亿元") if m.label == "Target"] == []


def test_a_quantity_in_trillions_is_a_target() -> None:
    found = [(m.value_min, m.value_max, m.unit, m.approximate)
             for m in extract_mentions("粮食产量1.4万亿斤左右。") if m.label == "Target"]
    assert found == [(1.4, 1.4, "万亿斤", True)]
