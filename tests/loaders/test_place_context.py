"""Places are words of their own (issue 14, item 2): not inside idioms, features' or other
entities' names, nor in slogans, and across the corpus (by ``bench.place_context``'s measure)
none at all."""

import pytest

from bench.place_context import places_inside_words
from loaders.entities import extract_mentions, locality_of
from loaders.entities.lexicon import quoted_spans
from tests.conftest import CORPUS


def _places(sentence: str) -> list[str]:
    return [m.name for m in extract_mentions(sentence) if m.label == "Place"]


@pytest.mark.parametrize(("sentence", "places"), [
    ("深入践行绿水青山就是金山银山的理念", []),  # a coordinate compound with a non-place
    ("加强“三河三湖”等重点流域水污染防治", []),
    ("启动环南昆山—罗浮山县镇村高质量发展引领区", []),  # mountains: dictionary words
    ("被确定为大小兴安岭林区生态保护试点", []),
    ("大庆油田原油产量保持稳定", []),
    ("形成海南区域特色", ["海南"]),  # 海南区 (a district of Wuhai) would cut 区域: the shorter form
    ("加强与上海、江苏、浙江的合作", ["上海", "江苏", "浙江"]),
    ("组织评定10个太仓市级“四有”好教师团队", ["太仓"]),
    ("江苏江阴和上海市嘉定区开展合作", ["江苏", "江阴", "上海", "嘉定"]),
    ("滨州港新增开放泊位4个", []),  # a port's name
    ("巴中至南充高铁开通运营", ["巴中", "南充"]),  # the ends of a route
    ("坚持兴业、强县、富民一体发展", []),  # 兴业 county, without a context that supports it
    ("新增南雄至信丰高速公路", ["南雄", "信丰"]),
    ("发生四川芦山地震", ["四川", "芦山"]),
    ("滨州黄河大桥建成通车", []),  # nouns between the place and the head of a facility's name
    ("依托泉州市教育资源公共服务平台", []),
    ("支持上海建设国际金融中心", ["上海"]),  # a verb comes between: no name
    ("持续推进平安江苏和法治江苏建设", []),  # slogans: a quality word and the place
    ("健康乐山加快建设", []),  # a slogan as the subject of its predicate
    ("大力推动美丽北京建设", []),  # a quality word that jieba tags as a place name (美丽 ns)
    ("功抵御乌苏里江和牡丹江流域洪水", []),  # a river's basin: the river, not the city
    ("品质滨州蒸蒸日上", []),
    ("便利澳门居民生活就业", ["澳门"]),  # 便利 acts on the residents: no slogan before a noun
    ("推进河源龙川新城建设", ["河源", "龙川"]),  # a place before a place is its parent
    ("建设更高水平的健康上海。", []),
    ("吸引更多人才落户太仓市", ["太仓"]),  # 落户 acts on 人才: no slogan
    ("多国际经销商落地四川。", ["四川"]),
    ("周家龙安徽银保监局局长", []),  # the body's name opens at its place (a person's name before it)
    ("成都轨道交通资阳线建成投用", []),  # a transit line named by its places
    ("加快轨道交通平谷线建设", []),
    ("川青铁路镇江关至黄胜关段开工", []),  # a pass
    ("友谊医院顺义院区开诊运行", []),  # a hospital's campus
    ("巴西驻成都总领事馆开馆", []),  # a consulate is a body: its places are inside its name
    ("支持北京证券交易所深化改革", []),
    ("启动健康四川高质量发展试验县", []),  # an adjective after a verb: a slogan, whatever follows
    ("推进15个美丽四川建设先行县", []),  # a slogan after a count
    ("北京地区进出口总额超3.6万亿元", ["北京"]),  # jieba's one word 北京地区 names 北京
    ("全力支持雄安新区建设", ["雄安新区"]),  # a state-level new area is a place
    ("谋划建设北京—雄安人才科创走廊", ["北京", "雄安新区"]),
    ("推进郑东新区建设", []),  # any other 新区 is a zone
    ("今年是新中国成立75周年", ["中国"]),  # the country by its full and historical names
    ("庆祝中华人民共和国成立75周年", ["中国"]),
    ("坚持中国特色社会主义", []),  # 中国 alone opens too many other words
    ("向香港特别行政区同胞、澳门特别行政区同胞、台湾同胞致以敬意", []),  # people, not places
    ("加强与港澳台的交流合作", ["港澳台"]),
    ("支持珠三角与粤东粤西粤北在项目导入方面合作", ["珠三角", "粤东", "粤西", "粤北"]),  # parts of a province
    ("持续推进贵阳、黔南抽水蓄能电站建设", ["贵阳"]),  # 黔南州 is a prefecture; a station's name
    ("完成苏南运河全线二级航道整治", []),  # a canal
    ("在京西宾馆开会", []),  # a hotel: one word
])
def test_a_place_is_a_word_of_its_own(sentence: str, places: list[str]) -> None:
    assert _places(sentence) == places


@pytest.mark.parametrize(("sentence", "places"), [
    ("外资医药企业在京新设研发机构", ["北京"]),  # a word of being there, then the character as a word
    ("22个重大成果在川转化", ["四川"]),
    ("向驻京人民解放军指战员致敬", ["北京"]),  # jieba's one word 驻京
    ("川籍运动员取得佳绩", ["四川"]),  # native of
    ("优秀服务商来皖落地", ["安徽"]),
    ("在港口建设中", []),  # inside a longer word: 港口, 台上, 苏北, 晋升
    ("在台上发言", []),
    ("在苏北地区", ["苏北"]),  # the north of the province, not 苏 standing for 江苏
    ("在晋升职称时", []),
])
def test_a_divisions_one_character_form_stands_alone_after_a_word_of_being_there(
        sentence: str, places: list[str]) -> None:
    assert _places(sentence) == places


def test_a_new_area_is_part_of_its_province() -> None:
    found = [m for m in extract_mentions("全力支持雄安新区建设") if m.label == "Place"]
    assert [(m.name, m.level, m.parents) for m in found] == [("雄安新区", "region", ("河北",))]


def test_a_part_of_a_province_is_a_region_within_it() -> None:
    found = [m for m in extract_mentions("陇东地区发现特大型铀矿") if m.label == "Place"]
    assert [(m.name, m.level, m.parents, m.name_en) for m in found] == [("陇东", "region", ("甘肃",), "East Gansu")]


@pytest.mark.parametrize(("issuer", "place"), [
    ("南京市教育局", "南京鼓楼区"), ("福建省教育厅", "福州鼓楼区"), ("江苏省教育厅", None), (None, None)])
def test_a_name_several_divisions_share_is_the_documents_own(issuer: str | None, place: str | None) -> None:
    locality = locality_of(issuer) if issuer else None
    found = [m.name for m in extract_mentions("支持鼓楼区加快发展", locality) if m.label == "Place"]
    assert found == ([place] if place else [])


def test_a_districts_short_form_names_it_in_its_own_citys_documents() -> None:
    sentence = "加快滨城优质小麦、沾化冬枣发展"
    own = [m.name for m in extract_mentions(sentence, locality_of("滨州市人民政府")) if m.label == "Place"]
    assert own == ["滨城区", "沾化区"]
    assert [m.name for m in extract_mentions(sentence) if m.label == "Place"] == []


def test_across_the_corpus_no_place_is_inside_a_longer_word() -> None:
    total, inside = places_inside_words(CORPUS)
    assert total > 1000
    assert inside == []


def test_a_town_is_a_place_in_its_own_county_or_citys_documents() -> None:
    sentence = "支持燕矶镇、建设街道发展特色产业"
    in_ezhou = extract_mentions(sentence, locality_of("鄂州市人民政府"))
    assert [(m.name, m.level, m.parents) for m in in_ezhou if m.label == "Place"] == [
        ("燕矶镇", "town", ("鄂城区",))]  # 鄂州 has no 建设街道
    in_hailaer = [m.name for m in extract_mentions(sentence, locality_of("呼伦贝尔市海拉尔区人民政府"))
                  if m.label == "Place"]
    assert in_hailaer == ["海拉尔建设街道"]  # one of 17 建设街道: the document's own
    assert [m.name for m in extract_mentions(sentence) if m.label == "Place"] == []


def _places_in(sentence: str, issuer: str) -> list[tuple[str, str]]:
    return [(m.text, m.name) for m in extract_mentions(sentence, locality_of(issuer)) if m.label == "Place"]


def test_two_divisions_named_by_a_character_each_before_their_cooperation() -> None:
    assert _places_in("深化京堰对口协作", "十堰市人民政府") == [("京", "北京"), ("堰", "十堰")]
    assert _places_in("龙粤、深哈对口合作成效明显", "黑龙江省人民政府") == [("龙", "黑龙江"), ("粤", "广东")]
    assert _places_in("深化鲁渝协作", "江苏省人民政府") == [("鲁", "山东"), ("渝", "重庆")]
    assert _places_in("向各驻堰机构和单位致以问候", "十堰市人民政府") == [("堰", "十堰")]
    # Not without the cooperation, a character the document does not own, or a dictionary word.
    assert _places_in("京堰两地", "十堰市人民政府") == []
    assert _places_in("深化京堰对口协作", "江苏省人民政府") == []
    assert _places_in("推动中外合作办学", "四川省人民政府") == []
    assert _places_in("加强四方合作", "四川省人民政府") == []


def test_a_grouping_named_by_its_members_first_characters_is_one_place() -> None:
    found = [m for m in extract_mentions("持续推进“滨沾博惠”同城化发展", locality_of("滨州市人民政府"))
             if m.label == "Place"]
    assert [(m.name, m.members) for m in found] == [("滨沾博惠", ("滨城区", "沾化区", "博兴", "惠民县"))]
    assert _places_in("加快金白兰武有色金属集群建设", "甘肃省人民政府") == [("金白兰武", "金白兰武")]
    # Only in the region's own documents, as a word of its own, and not part of a longer one.
    assert _places_in("加快金白兰武有色金属集群建设", "江苏省人民政府") == []
    assert _places_in("主动融入“乌阿海满”旅游一体化发展", "呼伦贝尔市海拉尔区人民政府") == []
    assert _places_in("建成广佛东环城际", "广东省人民政府") == []


@pytest.mark.parametrize(("sentence", "places"), [
    ("对东盟、中东出口分别增长9%", [("东盟", "东盟"), ("中东", "中东")]),
    ("推动东北地区等老工业基地振兴", [("东北地区", "东北")]),
    ("在西部地区率先组建营商环境建设局", [("西部地区", "西部地区")]),
    ("习近平总书记亲切关怀龙江振兴发展", [("龙江", "黑龙江")]),  # a province's literary name
    ("齐齐哈尔市龙江县", [("齐齐哈尔市", "齐齐哈尔"), ("龙江县", "龙江")]),  # the county keeps its full name
    ("给2400多万陇原儿女无限温暖", [("陇原", "甘肃")]),
    ("对俄进出口增速高于全国", [("俄", "俄罗斯")]),
    ("向驻川人民解放军指战员致以崇高敬意", [("川", "四川")]),
    ("兰州高新区全国排名上升", []),  # a zone's name
    ("兰州马拉松再获金标赛事", []),  # an event's name
    ("成功举办博鳌亚洲论坛年会", []),
    ("大力弘扬大庆精神、铁人精神", []),  # a named spirit
    ("临夏地质公园入列世界地质公园名录", []),  # a word that ends in a head (地质公园)
    ("武汉市武昌区、黄石市黄石港区、荆州市", [("武汉市", "武汉"), ("武昌区", "武昌区"), ("黄石市", "黄石"),
                                       ("黄石港区", "黄石港区"), ("荆州市", "荆州")]),  # unless it is a place
    ("建成投运酒泉肃州洪水河水库", []),  # pieces the dictionary reads as personal names (肃|州|洪水)
])
def test_regions_nicknames_zones_and_events(sentence: str, places: list[tuple[str, str]]) -> None:
    assert [(m.text, m.name) for m in extract_mentions(sentence) if m.label == "Place"] == places
    # A level word between the place and the zone: the place owns it.
    assert _places_in("邹平省级高新区成功获批", "滨州市人民政府") == [("邹平", "邹平")]


def test_counties_named_in_two_characters_and_districts_listed_in_a_provinces_document() -> None:
    gansu = "甘肃省人民政府"
    assert _places_in("凉州、陇西、康县3县区完成改革", gansu) == [("凉州", "凉州区"), ("陇西", "陇西"), ("康县", "康县")]
    assert _places_in("文县入选中国传统村落", gansu) == [("文县", "文县")]
    assert _places_in("各市和县要加强领导", "安徽省人民政府") == []  # not 和县
    assert [m.name for m in extract_mentions("发生甘肃岷县漳县地震") if m.label == "Place"] == ["甘肃", "岷县", "漳县"]
    assert _places_in("凉州历史悠久", "江苏省人民政府") == []  # no list, not its own province


def test_a_direction_after_a_provinces_name_is_part_of_that_province() -> None:
    assert [m.name for m in extract_mentions("出台支持川东北经济区发展的意见") if m.label == "Place"] == []
    assert [m.name for m in extract_mentions("推动东北振兴取得新突破") if m.label == "Place"] == ["东北"]


@pytest.mark.parametrize(("sentence", "name", "members"), [
    ("打造武汉城市圈节点城市", "武汉城市圈", ("武汉",)),
    ("积极融入成渝地区双城经济圈建设", "成渝地区双城经济圈", ("成渝",)),
    ("推动成都平原经济区一体化发展", "成都平原经济区", ("成都",)),
])
def test_a_region_named_after_a_place_is_one_place_with_it_as_member(sentence: str, name: str,
                                                                      members: tuple[str, ...]) -> None:
    found = [(m.name, m.members) for m in extract_mentions(sentence) if m.label == "Place"]
    assert found == [(name, members)]


def test_a_development_zone_is_no_planning_region() -> None:
    assert [m.name for m in extract_mentions("加快湛江临港经济区建设") if m.label == "Place"] == ["湛江"]


@pytest.mark.parametrize(("sentence", "places"), [
    ("原产威士忌在峨眉山发布上市", []),  # the mountain: CC-CEDICT's first sense
    ("峨眉山、乐山大佛两大景区接待游客", []),  # 乐山大佛 is a site
    ("峨眉山市入选全国百强县", ["峨眉山"]),  # the city, by its full name
    ("合肥、黄山、芜湖等市", ["合肥", "黄山", "芜湖"]),  # in a list of places
    ("黄山、池州等市", ["黄山", "池州"]),
])
def test_a_city_named_after_its_mountain_is_the_mountain_unless_its_type_or_a_list_says_otherwise(
        sentence: str, places: list[str]) -> None:
    assert [m.name for m in extract_mentions(sentence) if m.label == "Place"] == places


def test_quotations_are_read_once_per_sentence_however_many_groupings_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    # A crafted line of a thousand quoted groupings must cost linear time: the quotations are
    # found once, not once per candidate (that was quadratic: 56,000 characters took 25 s).
    calls: list[str] = []

    def counted(text: str) -> list[tuple[int, int]]:
        calls.append(text)
        return quoted_spans(text)

    monkeypatch.setattr("loaders.entities.places.quoted_spans", counted)
    text = "推进" + "、".join(["“滨沾博惠”"] * 1000) + "同城化。"
    found = [m for m in extract_mentions(text, locality_of("滨州市人民政府")) if m.label == "Place"]
    assert len(found) == 1000 and len(calls) <= 2
