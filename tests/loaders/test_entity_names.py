"""Entity names (issue 14, item 4): one name per programme, generic names kept apart per
jurisdiction, names that name no plan left out; institution names that stop at time words,
central bodies, lead units and list prefixes."""

import pytest

from loaders.entities import extract_mentions
from loaders.files import load_bytes


def _programmes(sentence: str) -> list[str]:
    return [m.name for m in extract_mentions(sentence) if m.label == "Programme"]


@pytest.mark.parametrize(("sentence", "names"), [
    ("实施中小学教师国培计划", ["国培计划"]),  # scope words are not part of the name
    ("开展学生美育素养提升计划", ["美育素养提升计划"]),
    ("完成全年计划任务", []),  # a time, a quantity or a verb alone names no plan
    ("实施系列专项行动", []),
    ("实施提升工程", []),
    ("实施品格提升工程", ["品格提升工程"]),
    ("深入实施基础研究领先行动", ["基础研究领先行动"]),  # an unquoted campaign
    ("成为全社会共同行动", []),  # an adverb before the head: a clause, not a name
    ("制定数字政府行动方案", []),  # 行动方案 is a document's kind, not a campaign
])
def test_programme_names(sentence: str, names: list[str]) -> None:
    assert _programmes(sentence) == names


def _batch(issuer: str):  # type: ignore[no-untyped-def]
    text = f"{issuer}关于推进工作的意见\n一、主要任务\n实施“三大工程”，推进省培计划和国培计划。\n"
    return load_bytes("x.txt", text.encode()).batch


def test_a_generic_name_is_one_programme_per_jurisdiction() -> None:
    shanghai, jiangsu = _batch("上海市人民政府办公厅"), _batch("江苏省人民政府办公厅")
    scoped = {p.name: (p.id, p.scope) for p in shanghai.programmes}
    other = {p.name: (p.id, p.scope) for p in jiangsu.programmes}
    assert scoped["三大工程"][1] == "上海" and other["三大工程"][1] == "江苏"
    assert scoped["三大工程"][0] != other["三大工程"][0]
    assert scoped["省培计划"][0] != other["省培计划"][0]
    assert scoped["国培计划"] == other["国培计划"] and scoped["国培计划"][1] is None  # one national programme


@pytest.mark.parametrize(("sentence", "name"), [
    ("确保年内学府路中学建成投用", "学府路中学"),  # a time word opens no name; a verb after 中学
    ("目前新城中学已完成改造", "新城中学"),
])
def test_institution_names_stop_at_time_words(sentence: str, name: str) -> None:
    assert [m.name for m in extract_mentions(sentence) if m.label == "Institution"] == [name]


def test_lead_units_named_without_their_locality_are_the_documents_own() -> None:
    from loaders.entities import lead_institutions, locality_of

    assert [m.name for m in lead_institutions("各旗县区政府、审批服务局", locality_of("包头市人民政府办公室"))] \
        == ["包头市审批服务局"]
    assert [m.name for m in lead_institutions("财政厅、省发展改革委", locality_of("河南省人民政府"))] \
        == ["河南省财政厅", "河南省发展改革委"]


@pytest.mark.parametrize(("sentence", "names"), [
    ("教育部门会同文化部门推进", []),  # 教育部 opens 教育部门, a kind of body
    ("教育部、财政部联合印发", ["教育部", "财政部"]),
    # 市场 is a word, no locality: neither body is named by a locality (nor 发展改革委 by 市); in
    # a document's list they are its own (test_entities: …the_list_s)
    ("市场监管局、发展改革委负责", []),
])
def test_central_bodies_and_list_prefixes(sentence: str, names: list[str]) -> None:
    assert [m.name for m in extract_mentions(sentence) if m.label == "Institution"] == names


@pytest.mark.parametrize(("sentence", "name"), [
    ("实施加快服务业高质量发展三年行动", "加快服务业高质量发展三年行动"),  # the verb after 实施 is the name's
    ("开展优化通关专项行动", "优化通关专项行动"),
    ("启动实施崇明世界级生态岛建设第六轮三年行动计划", "崇明世界级生态岛建设第六轮三年行动计划"),
    ("加快推进青少年视力综合干预工程", "青少年视力综合干预工程"),  # no launching verb: verbs are stripped
    ("创新实施成就企业家梦想行动", "成就企业家梦想行动"),  # any word after 实施 opens the name
    ("开展老年健康促进行动", "老年健康促进行动"),
    ("实施未来产业集群行动计划", "未来产业集群行动计划"),
])
def test_a_launched_programme_keeps_its_own_first_verb(sentence: str, name: str) -> None:
    assert [m.name for m in extract_mentions(sentence) if m.label == "Programme"] == [name]


def test_a_congress_is_named_in_full() -> None:
    from loaders.entities.institutions import canonical_body
    assert canonical_body("滨州市人大") == canonical_body("滨州市人民代表大会") == "滨州市人民代表大会"
    assert canonical_body("人大") == "人大"  # bare: not resolved here


def test_bodies_of_any_kind_named_with_a_relative_prefix_are_the_documents_own() -> None:
    text = ("安徽省人民政府关于推进工作的意见\n一、主要任务\n"
            "支持省投资集团、省铁塔公司参与建设，依托省人工智能行业赋能中心和省医学科学院开展研究。"
            "发挥省太中专的示范作用。\n")
    names = {i.name for i in load_bytes("x.txt", text.encode()).batch.institutions}
    assert {"安徽省投资集团", "安徽省铁塔公司", "安徽省人工智能行业赋能中心", "安徽省医学科学院"} <= names
    # A school whose name opens with 省 keeps it (省太中专 is the school's own short name).
    assert "省太中专" in names and not any(n.endswith("投资集团") and n != "安徽省投资集团" for n in names)


@pytest.mark.parametrize(("sentence", "names"), [
    ("加快打造西部金融中心，建设先进制造业基地", []),  # goals (issue 14: 国际金融中心, 重要能源基地)
    ("努力成为世界重要人才中心", []),
    ("建成教师勤廉教育基地", ["教师勤廉教育基地"]),  # a body being founded counts (the sample's gold)
    ("依托省人工智能行业赋能中心开展服务", ["省人工智能行业赋能中心"]),
])
def test_a_centre_to_be_built_or_become_is_a_goal(sentence: str, names: list[str]) -> None:
    assert [m.name for m in extract_mentions(sentence) if m.label == "Institution"] == names
