"""Entity extraction: one test per rule, then precision and recall on the hand-checked gold
annotation of the sample (``gold_taicang.json``)."""

from pathlib import Path

import pytest

from graph.ids import normalise_key
from loaders.entities import (
    Locality,
    Mention,
    extract_mentions,
    extract_task_fields,
    lead_institutions,
    locality_of,
    place_entry,
)
from loaders.entities.lexicon import cut_after_dictionary_verbs, cut_after_verbs
from loaders.outline import parse_document
from loaders.sentences import split_sentences
from loaders.text import read_text_file
from tests.loaders.gold_scores import below, gold_paths, score_against_gold

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "taicang_2021_education_work_points.txt"
TAICANG = Locality(province="江苏省", city="太仓市")


def names(sentence: str, label: str, locality: Locality | None = None) -> list[str]:
    return [m.name for m in extract_mentions(sentence, locality) if m.label == label]


def only(sentence: str, label: str, locality: Locality | None = None) -> Mention:
    found = [m for m in extract_mentions(sentence, locality) if m.label == label]
    assert len(found) == 1, found
    return found[0]


# --- documents ---------------------------------------------------------------------------

def test_title_in_book_quotes_is_a_document() -> None:
    assert names("出台《太仓市教师信息技术应用能力标准》，举办大赛。", "PolicyDocument") == ["太仓市教师信息技术应用能力标准"]


@pytest.mark.parametrize("ref", ["国办发〔2015〕71号", "国办发[2015]71号", "国办发［2015］71号", "国办发【2015】71号"])
def test_doc_number_in_any_bracket_is_one_document(ref: str) -> None:
    m = only(f"各级各类学校要按照{ref}文件精神。", "PolicyDocument")
    assert (m.name, m.doc_number, m.text) == ("国办发〔2015〕71号", "国办发〔2015〕71号", ref)


def test_doc_number_after_a_title_names_the_same_document() -> None:
    m = only("贯彻《国务院办公厅关于全面加强和改进学校美育工作的意见》（国办发〔2015〕71号）精神。", "PolicyDocument")
    assert m.name == "国务院办公厅关于全面加强和改进学校美育工作的意见"
    assert m.doc_number == "国办发〔2015〕71号"
    assert m.text.endswith("71号）")


def test_nothing_else_is_found_inside_a_title() -> None:
    found = extract_mentions("出台《太仓市教育事业发展“十四五”规划》。")
    assert [(m.label, m.name) for m in found] == [("PolicyDocument", "太仓市教育事业发展“十四五”规划")]


# --- programmes --------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "name"), [
    ("启动学科德育质量提升“蓝天”计划，推进课程建设", "“蓝天”计划"),
    ("有序推进“新雪亮”工程计划", "“新雪亮”工程"),
    ("完善“阳光食堂”平台建设", "“阳光食堂”平台"),
    ("继续推进“1+X”证书试点，加快改革", "“1+X”证书试点"),
    ("扎实推进“活力教育”三年行动计划", "“活力教育”三年行动计划"),
    ("持续做亮“红烛”五星级机关服务品牌", "“红烛”五星级机关服务品牌"),
    ("完善“体育艺术2+1工程”，重点推进", "体育艺术2+1工程"),
    ("实施初中强校计划，制订三年推进目标措施", "初中强校计划"),
    ("开展德育导师制试点工作", "德育导师制试点"),
    ("兰州新区入选国家产融合作试点城市", "产融合作试点"),  # the level and the designated unit stay out
    ("农村宅基地制度改革试点任务完成", "农村宅基地制度改革试点"),
    ("扎实开展治理欠薪行动，为农民工追回工资", "治理欠薪行动"),  # a campaign's verb phrase
    ("十堰入选全国首批碳达峰试点城市", "碳达峰试点"),  # level and batch out
    ("郧西县获评国家全域森林康养试点县", "全域森林康养试点"),  # the designated county out
])
def test_named_programmes(sentence: str, name: str) -> None:
    assert names(sentence, "Programme") == [name]


def test_quoted_and_bare_scheme_are_one_programme() -> None:
    quoted = only("开展“双元制”本土化20周年庆祝活动", "Programme")
    assert (quoted.name, quoted.text) == ("双元制", "“双元制”")
    assert "“双元制”" in quoted.aliases


def test_levels_batches_and_scope_are_not_part_of_a_programme_name() -> None:
    found = names("推进中小学品格提升工程，启动第三批市级品格提升工程项目建设", "Programme")
    assert found == ["品格提升工程", "品格提升工程"]
    m = extract_mentions("推进中小学品格提升工程")[0]
    assert "中小学品格提升工程" in m.aliases


def test_an_institution_in_front_of_a_programme_is_its_own_mention() -> None:
    found = [(m.label, m.name) for m in extract_mentions("落实省太中专领航计划各项年度建设任务")]
    assert found == [("Institution", "省太中专"), ("Programme", "领航计划")]


@pytest.mark.parametrize("sentence", [
    "着眼“争当表率、争做示范、走在前列”，立足新发展阶段",
    "要求我们“继续走在前列”“打造发展新质生产力的重要阵地”；",
    "制定实施第三轮三年行动计划，产业协同",
    "持续用力纠“四风”、树新风",
    "用好“互联网+”，优化履职信息平台",
    "制订“十四五”教育规划",
    "持续开展“四史”学习教育",
    "开展思政教师“师说新语”展评活动",
    "扎实做好“一张网”运行和“不见面”审批工作",
    "扩大乡村定向师范生招生计划和签约师范生数量",
    "全力推进苏州、太仓两级政府实事工程项目",
    "在部分学校试点开设德语课程",
    "严控新建楼堂馆所，不得搞形象工程。",  # a clause that forbids names what to avoid
    "切实防止出现“半拉子”工程。",
    "坚决杜绝劳民伤财的形象工程、徒有其表的面子工程。",
    "以实际行动坚定拥护“两个确立”",  # a generic phrase
    "开工建设引洮二期配套农业灌溉工程",  # physical works named by what they build or carry
    "加快推进陇电入浙工程",
    "深化河西走廊水资源配置工程规划论证",
    "实施武当山景区引水上山工程",
    "坚决整治“新形象工程”等突出问题",  # rectified: what to avoid
])
def test_slogans_abbreviations_events_and_generic_plans_are_not_programmes(sentence: str) -> None:
    assert names(sentence, "Programme") == []


# --- institutions ------------------------------------------------------------------------

def test_institution_span_does_not_swallow_the_verb() -> None:
    m = only("建好教育系统党群服务中心，创建市级示范点", "Institution")
    assert (m.name, m.kind, m.text) == ("教育系统党群服务中心", "centre", "教育系统党群服务中心")


@pytest.mark.parametrize(("sentence", "name", "kind"), [
    ("推进与西北工业大学太仓长三角研究院交流合作", "西北工业大学太仓长三角研究院", "research_institute"),
    ("推动“双元制”教育研究院稳步运行", "“双元制”教育研究院", "research_institute"),
    ("建立心理健康工作联盟", "心理健康工作联盟", "alliance"),
    ("建成教师勤廉教育基地", "教师勤廉教育基地", "base"),
    ("社区教育要指导创建科教新城社区教育中心", "科教新城社区教育中心", "centre"),
    ("对照教育部《县域义务教育优质均衡发展督导评估办法》要求", "教育部", "ministry"),
    ("牵头考核单位：市住建局", "市住建局", "bureau"),
    ("推动北京协和医院贵州医院一期建成开诊", "北京协和医院贵州医院", "hospital"),  # 和 inside 协和
    ("发挥渤海先研院科创带动效益", "渤海先研院", "research_institute"),
])
def test_named_bodies_with_kind(sentence: str, name: str, kind: str) -> None:
    m = only(sentence, "Institution")
    assert (m.name, m.kind) == (name, kind)


def test_a_place_inside_an_institution_name_is_not_a_place() -> None:
    assert names("推进与西北工业大学太仓长三角研究院交流合作", "Place") == []


def test_relative_names_resolve_against_the_locality() -> None:
    m = only("完善市委教育工作领导小组的组织体系", "Institution", TAICANG)
    assert m.name == "太仓市委教育工作领导小组"
    assert m.aliases == ("市委教育工作领导小组",)
    assert names("落实省太中专领航计划", "Institution", TAICANG) == ["省太中专"]


def test_locality_from_the_issuer() -> None:
    assert locality_of("太仓市教育局") == TAICANG
    assert locality_of("教育局") is None


@pytest.mark.parametrize("sentence", [
    "完善民办学校党建工作考核机制",
    "社区教育中心要加强建设",
    "举行区域教育联盟集团化办学成果系列展示活动",
    "做好2021年度省、市级课程基地申报",
    "做好苏州市第八批语言文字工作规范化示范学校申报",
    "认真办好人大代表议案和政协委员提案",
    "深化学校思想政治理论课改革创新",
    "适度发展高端民办学校",
    "建设政务服务大厅，优化整体布局",
    "推进县级医院、公立医院、乡镇卫生院和民营医院建设。",  # kinds of hospital
    "支持副高级以上职称的医疗专家到县级公立医院工作。",
])
def test_types_designations_people_and_common_words_are_not_institutions(sentence: str) -> None:
    assert names(sentence, "Institution") == []


def test_a_name_starts_after_the_verbs_that_open_it() -> None:
    assert names("加强食品药品安全监管，严厉查处长春长生公司等问题疫苗案件。", "Institution") == ["长春长生公司"]
    # The classifier a number leaves is dropped with the verbs (the body itself is counted: see below).
    text = "组建50个美育大师工作室"
    assert text[cut_after_dictionary_verbs(text, 4, len(text), keep=3):] == "美育大师工作室"
    assert names("建设包头市政务大数据中心，汇总各类政务数据资源。", "Institution") == ["包头市政务大数据中心"]
    assert names("首个全国高校区域技术转移转化中心获批建设。", "Institution") == ["全国高校区域技术转移转化中心"]


def test_a_strong_verb_opening_the_span_and_its_result_complement_are_cut() -> None:
    assert names("入选国家重大人才工程科技类项目人数。", "Programme") == ["重大人才工程"]  # the level goes too
    text = "网格治理打造成城市治理共同体"
    assert text[cut_after_verbs(text, 0, len(text), keep=3):] == "城市治理共同体"


@pytest.mark.parametrize("sentence", [
    "组建50个美育大师工作室（工作坊）。",
    "支持建设一批工业互联网创新中心、公共服务平台。",
    "力争建设10个省级工业互联网创新中心。",
    "布局建设物理、应用数学、合成生物三大省基础科学中心。",
    "每三年组织一次学校美育质量监测。",
])
def test_counted_kinds_are_not_bodies_even_after_levels_and_batches(sentence: str) -> None:
    assert names(sentence, "Institution") == []


@pytest.mark.parametrize("sentence", [
    "大力发展外资总部和研发中心。",
    "推动居民委员会、业主委员会、物业服务企业协调运行。",
    "发挥行业协会、联盟作用。",
    "强化上市公司市值管理。",
])
def test_one_common_word_and_a_head_name_a_type(sentence: str) -> None:
    assert names(sentence, "Institution") == []


def test_a_locality_names_its_peoples_organisations_and_its_culture_bureau() -> None:
    qingdao = Locality(province="山东省", city="青岛市")
    found = names("（责任单位：市教育局、市文广新局、市文联、市妇联，各区、市政府）", "Institution", qingdao)
    assert found == ["青岛市教育局", "青岛市文广新局", "青岛市文联", "青岛市妇联"]
    assert names("开创新局面，谱写新篇章。", "Institution") == []
    assert names("发挥文联、妇联作用。", "Institution") == []


def test_a_one_word_company_or_school_name_is_still_a_name() -> None:
    assert names("友谊公司与大商集团实现强强联合。", "Institution") == ["友谊公司", "大商集团"]
    assert names("推进幸福小学等项目的前期准备工作。", "Institution") == ["幸福小学"]


def test_the_centre_beside_party_committees_is_the_party_central_committee() -> None:
    binzhou = Locality(province="山东省", city="滨州市")
    assert names("贯彻中央和省委、市委经济工作会议部署", "Institution", binzhou) == ["党中央", "山东省委", "滨州市委"]
    assert names("争取中央和省级财政资金", "Institution", binzhou) == []


def test_collective_bodies_are_not_one_institution() -> None:
    assert names("纳入各市人民政府考核，各县（市）、区政府要通过多种形式筹措。", "Institution") == []


# --- places ------------------------------------------------------------------------------

def test_short_and_full_forms_name_one_place() -> None:
    assert names("加强与上海等地优质学校的结对共建", "Place") == ["上海"]
    m = only("吸引更多人才落户太仓市", "Place")
    assert (m.name, m.text, m.name_en, m.level) == ("太仓", "太仓市", "Taicang", "county")
    assert "苏州" in m.parents and "嘉昆太" in m.parents


def test_groupings_have_members_and_members_are_part_of_them() -> None:
    found = {m.name: m for m in extract_mentions("深化“江浙沪”“嘉昆太”区域联盟合作")}
    assert set(found) == {"江浙沪", "嘉昆太"}
    assert found["江浙沪"].members == ("江苏", "浙江", "上海")
    assert found["嘉昆太"].members == ("嘉定", "昆山", "太仓")
    assert found["江浙沪"].level == "region"
    shanghai = place_entry("上海")
    assert shanghai is not None and {"长三角", "江浙沪"} <= set(shanghai.parents)


def test_one_character_country_form_needs_a_relation_word() -> None:
    m = only("扩大对德友好学校结对交流", "Place")
    assert (m.name, m.name_en, m.text) == ("德国", "Germany", "德")
    assert names("加强对德育工作的领导", "Place") == []


def test_one_character_division_form_needs_being_there_and_who_is_there() -> None:
    binzhou = Locality(province="山东省", city="滨州市")
    assert names("向驻滨部队、来鲁投资企业和在京高校致以敬意", "Place", binzhou) == ["滨州", "山东", "北京"]
    # Not abbreviations: 抓 and 稳 name no division; 滨 outside 滨州's documents names none.
    assert names("在抓投资、来稳就业", "Place", binzhou) == []
    assert names("向驻滨部队致以敬意", "Place", TAICANG) == []


@pytest.mark.parametrize("sentence", [
    "提高政治判断力和政治执行力",
    "认真办好人大代表议案和政协委员提案",
    "创建平安校园，开发新城",
])
def test_common_words_are_not_places(sentence: str) -> None:
    assert names(sentence, "Place") == []


def test_a_province_inside_words_and_district_nicknames_are_not_places() -> None:
    assert names("我们隆重庆祝改革开放40周年。", "Place") == []
    assert names("整理历届鹿城文化艺术节。", "Place") == []
    assert names("推动嘉定、昆山、太仓协同发展。", "Place") == ["嘉定", "昆山", "太仓"]


def test_a_short_form_must_name_the_division_and_not_a_lake_or_sea() -> None:
    assert names("深入推动新一轮太湖综合治理。", "Place") == []
    assert names("地处安徽省太湖县。", "Place") == ["安徽", "太湖县"]  # the county by its full name
    assert names("支持合肥、汕头建设，推进崇明东滩保护。", "Place") == ["合肥", "汕头", "崇明"]


def test_a_place_opening_another_proper_name_is_not_a_place() -> None:
    assert names("完成14座苏州河桥梁景观灯光提升改造。", "Place") == []
    assert names("出席上海合作组织峰会。", "Place") == []
    assert names("开通海拉尔至蒙古国乌兰巴托定期航线。", "Place") == ["蒙古国"]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("推出“大戏看北京”系列演出。", []),  # a campaign: the place is part of its name
    ("“江苏医惠保1号”超500万人参保。", []),  # a product
    ("紧扣“山东走在前、滨州怎么干”，深入落实。", []),  # a slogan, even with list punctuation
    ("打造“深圳—香港—广州”科技集群。", ["深圳", "香港", "广州"]),  # only places and links
    ("获评“苏州市级依法治校示范校”。", ["苏州"]),  # 苏州市级: the level of an award
    ("北京服务业扩大开放。", ["北京"]),  # no quotation
])
def test_a_place_inside_a_quoted_name_is_not_a_place(sentence: str, expected: list[str]) -> None:
    assert names(sentence, "Place") == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("通过阿坝州共享交换平台统一提供服务。", []),  # a name's verbs stand right before its head
    ("确保长江干流江苏段水质保持Ⅱ类", []),  # a section of a river, named by the place it crosses
    ("对呼北高速河南段等9条路段实施改造", []),
    ("完善包头市信用信息共享平台。", []),
    ("支持汕头规划建设大型主题公园。", ["汕头"]),  # a noun after the verbs: a clause, not a name
    ("开工建设铜仁至吉首铁路。", ["铜仁", "吉首"]),  # the ends of a route
    ("支持上海打造科创平台。", ["上海"]),  # a clause verb
    ("推动滨州疏港高速尽早开工。", []),  # a one-character verb of the name (疏港)
])
def test_a_place_opening_a_facility_name_with_verbs(sentence: str, expected: list[str]) -> None:
    assert names(sentence, "Place") == expected


def test_nothing_is_found_inside_the_documents_own_title_printed_without_quotes() -> None:
    sentence = "2021年10月11日　阿坝州政务数据资源管理暂行办法　第一条　为规范阿坝州政务数据管理"
    title = "阿坝州政务数据资源管理暂行办法"
    assert names(sentence, "Place") == ["阿坝", "阿坝"]
    found = [m for m in extract_mentions(sentence, None, [title]) if m.label == "Place"]
    assert [m.start for m in found] == [sentence.rindex("阿坝州")]


@pytest.mark.parametrize(("sentence", "locality", "expected"), [
    # 市 of 市场监管局 is no locality: in a province's list the body is the province's
    ("（省行政审批政务信息管理局、司法厅、市场监管局、发展改革委按职责分工负责）", Locality(province="河南省"),
     ["河南省行政审批政务信息管理局", "河南省司法厅", "河南省市场监管局", "河南省发展改革委"]),
    # the youth league of the city, and the people's organisations listed after it
    ("市总工会、团市委、妇联、文联", Locality(province="福建省", city="泉州市"),
     ["泉州市总工会", "团泉州市委", "泉州市妇联", "泉州市文联"]),
    ("市委、宣传部", Locality(province="福建省", city="泉州市"), ["泉州市委"]),  # not 市宣传部
    ("加强妇联工作", Locality(province="福建省", city="泉州市"), []),  # bare, outside a list
])
def test_a_body_listed_without_its_locality_is_the_list_s(sentence: str, locality: Locality,
                                                           expected: list[str]) -> None:
    assert names(sentence, "Institution", locality) == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("充分发挥魏桥、京博、滨化等链主企业龙头带动作用", ["魏桥", "京博", "滨化"]),
    ("引进华为、比亚迪等龙头企业", ["华为", "比亚迪"]),
    ("推动钢铁、化工、建材等传统企业转型", []),  # industries
    ("支持新能源、新材料等企业发展", []),
    ("魏桥、京博积极转型", []),  # no word says what they are
])
def test_companies_listed_by_trade_name_before_a_word_for_companies(sentence: str, expected: list[str]) -> None:
    assert [m.name for m in extract_mentions(sentence) if m.label == "Institution" and m.kind == "company"] \
        == expected


def test_a_slogan_before_de_is_no_place() -> None:
    assert names("今年是建设品质滨州的关键一年。", "Place") == []
    assert names("这是发展滨州的关键。", "Place") == ["滨州"]  # 发展 is a verb, not a quality


def test_a_centre_that_opens_a_platform_name_is_no_body_and_its_place_no_mention() -> None:
    sentence = "政务部门应当依托阿坝州大数据中心平台，推动各类政务数据共享。"
    assert names(sentence, "Institution") == []
    assert names(sentence, "Place") == []


def test_english_names_use_proper_noun_readings() -> None:
    for name, english in [("长治", "Changzhi"), ("六安", "Lu'an"), ("陕西", "Shaanxi"), ("长三角", "Yangtze River Delta")]:
        entry = place_entry(name)
        assert entry is not None and entry.name_en == english


@pytest.mark.parametrize(("sentence", "expected"), [
    ("推行“双元制”办学", ["双元制"]),
    ("全面推行“河长制”", ["河长制"]),
    ("有效落实“四项机制”", []),  # 机制 is a common word, not the 制 of a scheme
])
def test_a_quoted_scheme_ends_in_the_zhi_of_a_scheme(sentence: str, expected: list[str]) -> None:
    assert names(sentence, "Programme") == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("推进国企改革深化提升行动，省属国有企业", ["国企改革深化提升行动"]),  # 推进 takes the whole name
    ("落实降低全社会物流成本专项行动", ["降低全社会物流成本专项行动"]),
    ("实施岸线整治修复工程、魅力沙滩打造工程", ["岸线整治修复工程", "魅力沙滩打造工程"]),  # 整治 inside a name
])
def test_a_verb_that_carries_out_a_programme_takes_its_whole_name(sentence: str, expected: list[str]) -> None:
    assert names(sentence, "Programme") == expected


def test_a_level_with_and_above_is_no_part_of_a_programme_name() -> None:
    assert names("实施省级以上青年英才计划", "Programme") == ["青年英才计划"]


# --- targets -----------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "low", "high", "unit", "counts", "year"), [
    ("2021年培训100名具备苏州市心理健康教师上岗资格证的兼职心理教师。", 100, 100, "名", "兼职心理教师", 2021),
    ("新增省、市优质幼儿园4-5所。", 4, 5, "所", "优质幼儿园", None),
    ("完成2021年度500位教师招聘工作，不断提高层次。", 500, 500, "位", "教师招聘", 2021),
    ("培育省、苏州市级品格提升项目5个。", 5, 5, "个", "品格提升项目", None),
    ("深入推进“社工进校园”项目，项目试点学校增加到22所，营造环境。", 22, 22, "所", "项目试点学校", None),
    # An adverb is dropped only as a whole word.
    ("城镇调查失业率平均为4.2%。", 4.2, 4.2, "%", "城镇调查失业率", None),
    # A quoted name is one piece; a verbal noun before a noun modifies it.
    ("创建40所“莆仙戏演唱基地学校”。", 40, 40, "所", "“莆仙戏演唱基地学校”", None),
    ("继续创建100所校园文化美育环境建设示范学校。", 100, 100, "所", "校园文化美育环境建设示范学校", None),
    ("完成137家省重点实验室优化重组。", 137, 137, "家", "省重点实验室", None),
    # 与 inside a word (参与率) does not end what is counted; units of measure.
    ("学生参与率达98%以上。", 98, None, "%", "学生参与率", None),
    ("年内新增装机容量320万千瓦以上。", 320, None, "万千瓦", "装机容量", None),
    ("粮食产量稳定在70亿斤以上。", 70, None, "亿斤", "粮食产量", None),
    ("举办各类赛事活动3000项次以上。", 3000, None, "项次", "赛事活动", None),
    # Latin letters in what is counted; the last kind of a list closed by 等; within a period.
    ("主要预期目标是：GDP增长5.5%左右。", 5.5, 5.5, "%", "GDP", None),
    ("新增5G基站1000座。", 1000, 1000, "座", "基站", None),
    ("新增智能工厂、数字化车间等100家以上。", 100, None, "家", "数字化车间", None),
    ("自收到申请之日起7个工作日内答复。", None, 7, "个", "工作日", None),
    ("学生实际活动时间不少于15分钟。", 15, None, "分钟", "学生实际活动时间", None),
])
def test_targets(sentence: str, low: float, high: float, unit: str, counts: str, year: int | None) -> None:
    m = only(sentence, "Target")
    assert (m.value_min, m.value_max, m.unit, m.counts, m.year) == (low, high, unit, counts, year)
    assert sentence[m.start:m.end] == m.text


@pytest.mark.parametrize(("sentence", "name", "low", "high"), [
    ("新建幼儿园30所以上。", "≥30所幼儿园", 30, None),
    ("培训教师不少于500名。", "≥500名教师", 500, None),
    ("建成30余所乡村学校。", "≥30所乡村学校", 30, None),
    ("企业超830万户。", "≥830万户企业", 830, None),
    ("班额控制在45人以内。", "≤45人班额", None, 45),
    ("每年新增学位不超过3000个。", "≤3000个学位", None, 3000),
    ("新增学位3000个左右。", "3000个学位", 3000, 3000),
])
def test_comparators_set_one_bound(sentence: str, name: str, low: float | None,
                                   high: float | None) -> None:
    m = only(sentence, "Target")
    assert (m.name, m.value_min, m.value_max) == (name, low, high)


def test_a_share_counts_the_whole_it_is_a_share_of_and_a_bound_needs_no_counted_noun() -> None:
    found = [(m.name, m.value_min, m.value_max) for m in extract_mentions("分别完成工程量的50%和60%以上。")
             if m.label == "Target"]
    assert found == [("50%工程量", 50, 50), ("≥60%", 60, None)]
    hours = only("保证不低于72学时。", "Target")
    assert (hours.value_min, hours.value_max, hours.unit) == (72, None, "学时")


def test_a_list_of_levels_after_the_number_is_crossed_and_dropped() -> None:
    m = only("创建100所省、市艺术特色学校。", "Target")
    assert (m.value_min, m.unit, m.counts, m.text) == (100, "所", "艺术特色学校", "100所省、市艺术特色学校")


@pytest.mark.parametrize("sentence", [
    "按照设备、软件实际投资额的15%给予补助。",  # the rate a grant is worked out at
    "给予补助，最高不超过500万元。",  # a cap on a grant
    "增长了一些，约为12%。",  # a bare share with no bound and nothing counted
    "按一定比例给予奖励，单个企业年度最高1000万元。",  # the cap a clause before grants
    "对新认证企业给予一次性30万元支持。",
    "实施期第一年拨付50%奖补资金。",
    "工伤保险费率下调20%。",
])
def test_rates_of_a_grant_and_caps_on_money_are_not_targets(sentence: str) -> None:
    assert names(sentence, "Target") == []


def test_a_sum_raised_to_a_level_and_a_sum_beside_an_unrelated_grant_are_targets() -> None:
    assert names("城乡居民医保财政补助标准提高到120元。", "Target") == ["120元城乡居民医保财政补助标准"]
    assert names("用足用好中央财政贴息政策，新增科技型企业贷款1600亿元。", "Target") == [
        "1600亿元科技型企业贷款"]


def test_what_an_object_verb_takes_is_counted_after_a_year() -> None:
    found = names("2025年开展政策宣讲活动500场、产销对接活动1000场。", "Target")
    assert found == ["500场政策宣讲活动", "1000场产销对接活动"]
    assert names("到2017年底前建成投产17个。", "Target") == []  # only verbs after the object verb


def test_chinese_numerals_of_ten_or_more_are_quantities() -> None:
    found = {m.name: m.value_min for m in extract_mentions("建设百支管乐团、千支舞蹈队、万个艺术社，培训三千名教师。")
             if m.label == "Target"}
    assert found == {"100支管乐团": 100, "1000支舞蹈队": 1000, "10000个艺术社": 10000,
                     "3000名教师": 3000}
    for sentence in ["建成一个中心和两个基地。", "走进千家万户。", "每千人口拥有执业医师。", "亿万人民群众。",
                     "实施“十个全覆盖”工程。"]:
        assert names(sentence, "Target") == [], sentence


@pytest.mark.parametrize("sentence", [
    "2021年是开局之年。",
    "以实际行动向建党100周年献礼。",
    "举办第二届智慧教育云平台应用教学大赛，做好第五期骨干教师高研班中期成果汇报会。",
    "办好人大1号议案，贯彻国办发〔2015〕71号文件。",
    "完善“体育艺术2+1工程”，加强与331整治的对接。",
    "5月底取得阶段性成效。（0.5分）",
    "出台《行动计划（2021-2023年）》。",
    "持续推进15分钟社区生活圈建设。",  # a minutes' reach names a kind of service area
])
def test_years_dates_ordinals_and_numbers_in_names_are_not_targets(sentence: str) -> None:
    assert names(sentence, "Target") == []


def test_a_verb_with_a_modifier_suffix_is_part_of_what_is_counted() -> None:
    found = names("筹集保障性住房1.57万套、保障性租赁住房18.11万套。", "Target")
    assert found == ["1.57万套保障性住房", "18.11万套保障性租赁住房"]


def test_newly_and_its_verb_and_a_rate_are_not_what_is_counted() -> None:
    assert names("新改建农村公路1.1万公里。", "Target") == ["1.1万公里农村公路"]
    assert names("按照每周16～18课时的标准配足配齐美育教师。", "Target") == []


def test_possessive_and_class_quantities() -> None:
    assert only("联通市本级50个部门的政务数据。", "Target").counts == "部门"
    assert names("连云港30万吨级航道改扩建工程开工。", "Target") == []
    assert names("公共财政预算收入同比增长10.3%。", "Target") == ["10.3%公共财政预算收入"]


# --- normalisation -----------------------------------------------------------------------

def test_traditional_and_variant_forms_match_while_text_keeps_the_original() -> None:
    m = only("組織開展“領銜教師”評選，推進“新雪亮”工程", "Programme")
    assert m.name == "“新雪亮”工程"
    assert names("建立心理健康工作聯盟", "Institution") == ["心理健康工作联盟"]
    inst = only("建立心理健康工作聯盟", "Institution")
    assert inst.text == "心理健康工作聯盟"


def test_offsets_are_code_points_into_the_sentence() -> None:
    sentence = "深化“江浙沪”“嘉昆太”区域联盟合作，推进与西北工业大学太仓长三角研究院交流合作，加强与上海等地优质学校的结对共建。"
    for m in extract_mentions(sentence):
        assert sentence[m.start:m.end] == m.text


# --- lead units and deadlines ------------------------------------------------------------

def test_baotou_bracket_gives_deadline_and_lead() -> None:
    text = "完善授权代理、亲友代办等功能。（6月底取得阶段性成效并持续推进，牵头考核单位：市政府办公室、市公安局）"
    assert extract_task_fields(text) == ("市政府办公室、市公安局", "6月底取得阶段性成效并持续推进")
    leads = lead_institutions("市政府办公室、市公安局", Locality(city="包头市"))
    assert [(m.name, m.kind) for m in leads] == [("包头市政府办公室", "office"), ("包头市公安局", "bureau")]


def test_putian_lead_line_stops_at_the_next_label() -> None:
    text = "学校美育课程建设要以艺术课程为主体。\n牵头部门：市教育局　　配合部门：市文广局、市人社局、团市委"
    assert extract_task_fields(text) == ("市教育局", None)


def test_responsibility_brackets_and_collective_leads() -> None:
    text = "做大做强美术教育。〔责任单位：市教育局、市文明办、各县（市、区）政府〕"
    lead, deadline = extract_task_fields(text)
    assert (lead, deadline) == ("市教育局、市文明办、各县（市、区）政府", None)
    assert [m.name for m in lead_institutions(lead or "")] == ["市教育局", "市文明办"]
    assert extract_task_fields("逐步开齐开足上好美育课程。（责任单位：省教育厅等）") == ("省教育厅", None)
    assert extract_task_fields("完成时限：2022年底") == (None, "2022年底")
    assert extract_task_fields("推进依法治校。") == (None, None)


def test_a_collective_list_of_levels_covers_the_bare_body_after_it() -> None:
    qingdao = Locality(province="山东省", city="青岛市")
    found = lead_institutions("市教育局、市财政局，各区、市政府，青岛演艺集团有限公司", qingdao)
    assert [m.name for m in found] == ["青岛市教育局", "青岛市财政局", "青岛演艺集团有限公司"]
    assert [m.name for m in lead_institutions("市政府办公室、市公安局", qingdao)] == ["青岛市政府办公室", "青岛市公安局"]


# --- the sample against its gold annotation ------------------------------------------------

def _predicted() -> dict[str, set[tuple[str, str]]]:
    parsed = parse_document(read_text_file(SAMPLE))
    locality = locality_of(parsed.header.issuer)
    out: dict[str, set[tuple[str, str]]] = {}
    for task in parsed.tasks:
        found: set[tuple[str, str]] = set()
        for span in split_sentences(task.text):
            for m in extract_mentions(span.text, locality):
                assert span.text[m.start:m.end] == m.text
                found.add((m.label, normalise_key(m.name)))
        out[task.path] = found
    return out


def test_precision_and_recall_against_the_gold_annotation() -> None:
    predicted = _predicted()
    assert set(predicted) == gold_paths()
    scores = score_against_gold(
        lambda path, label: {name for found_label, name in predicted[path] if found_label == label})
    assert not below(scores, 0.9), below(scores, 0.9)
