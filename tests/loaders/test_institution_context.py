"""Institutions read in context (issue 14, item 4): central bodies by their usual names and in
work conferences, companies by a trade name and an industry, and what is not a body (counted
kinds, production bases)."""

import pytest

from loaders.entities import extract_mentions, locality_of


def _institutions(sentence: str, issuer: str | None = None) -> list[str]:
    locality = locality_of(issuer) if issuer else None
    return [m.name for m in extract_mentions(sentence, locality) if m.label == "Institution"]


@pytest.mark.parametrize(("sentence", "names"), [
    ("深入落实中央经济工作会议精神", ["党中央"]),
    ("中央财政加大转移支付力度", []),  # an adjective
    ("碳离子治疗系统获国家药监局注册", ["国家药监局"]),
    ("陇南获生态环境部激励表扬", ["生态环境部"]),  # the ministry, not a 陇南 one
    ("天有为公司上交所主板上市通过中国证监会注册", ["天有为公司", "中国证监会"]),
    ("飞鹤乳业、鸿展生物进入中国品牌价值榜", ["飞鹤乳业", "鸿展生物"]),  # trade name + industry
    ("发展绿色食品、合成生物等产业", []),  # common words before the industry
    ("推动磷化工、煤化工、氟化工产业发展", []),
    ("甘肃能源借助资本市场实现融资", []),  # a place before an industry
    ("新晋国家一级博物馆6家", []),  # a counted kind
    ("绿色有机食品基地面积稳定在1亿亩以上", []),  # a production base
    ("建好建强国家重要商品粮生产基地", []),
    ("加快经开区人民医院新院区建设", ["经开区人民医院"]),  # 经开区 is a word, not the verb 经
    ("颁布全国首部省级数据流通交易条例", []),  # 首部 is a numeral's word: "the first", no ministry
    ("推动更多科技成果从实验室走向生产线", []),  # a preposition ends a clause: no name runs over it
    ("云南那边谁来查学校美育落实得怎么样", []),  # nor a pronoun
    ("让我们在市委、市政府和区委的坚强领导下", ["市委", "市人民政府", "区委"]),  # after 我们在
    ("组建省级中试研发公司", []),  # a level before the name: a designation of some such company
    ("国内首个省级种质资源中心库全面投入运行", []),
    ("茂名入选第四批国家骨干冷链物流基地建设名单", []),  # a batch of a designation
    ("按照十二届市委五次全会部署", ["市委"]),  # a session of the body names it
    ("接受全国人大及其常委会的监督", ["全国人民代表大会", "全国人民代表大会常务委员会"]),  # and its committee
    ("支持北京证券交易所深化改革", ["北京证券交易所"]),  # an exchange
    ("主要在证券交易所上市交易", []),  # a type, after a preposition
    ("巴西驻成都总领事馆开馆", ["巴西驻成都总领事馆"]),
])
def test_institutions_in_context(sentence: str, names: list[str]) -> None:
    assert _institutions(sentence) == names


def test_a_company_in_a_list_of_the_provinces_bodies_is_the_provinces() -> None:
    found = _institutions("（省发展改革委、住房城乡建设厅、水利厅、电力公司按职责分工负责）", "河南省人民政府办公厅")
    assert found == ["河南省发展改革委", "河南省住房城乡建设厅", "河南省水利厅", "河南省电力公司"]


def test_a_list_of_trade_names_the_dictionary_does_not_know_names_companies() -> None:
    assert {"美团", "景域"} <= set(_institutions("推动携程、美团、景域等企业在本市设立区域总部"))
    assert _institutions("大力引进负极、隔膜、电解液等关键材料企业") == []  # kinds of product
    assert _institutions("支持交通、物流、能矿、文化等领域省属企业改革") == []  # fields
