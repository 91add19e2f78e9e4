"""Institutions: named bodies and organisations.

Rules:
- A name ends in a head noun that says what kind of body it is (``HEADS``: 局 -> bureau,
  委员会 -> committee, 中专 -> school, 研究院 -> research_institute, 联盟 -> alliance …).
- It starts where a leftward scan from the head stops (punctuation, digits, 的 与 和 及 …,
  a quotation that is a slogan or a place), moved past leading clause words (verbs, adverbs,
  determiners: 建好教育系统党群服务中心 -> 教育系统党群服务中心), past the verb and adverb
  tokens it opens with (jieba's dictionary: 严厉查处长春长生公司 -> 长春长生公司), past a strong
  clause verb inside it (``strong_verbs.txt``: 社区教育要指导创建科教新城社区教育中心 ->
  科教新城社区教育中心; 市教育局会同市财政局 -> 市财政局) and past award levels
  (省、苏州市中小学生职业体验中心 -> 中小学生职业体验中心). For type-like heads (学校, 中心,
  基地) it also starts after the last verb in it (整合资源增强学校 -> 学校, then rejected).
- It must be named, not a type: at least two characters of its modifier are not generic type
  words (``generic_words.txt``: 民办学校, 社区教育中心, 课程基地 are not names), and the modifier
  is not a single common word for kinds that describe what a body does (CC-CEDICT: 研发中心,
  居民委员会, 行业协会), nor a single verb for companies (上市公司; 友谊公司 is a name); designations
  (示范学校, 示范校, 特色学校) and counted kinds (建成一家…基地, 创建一批…学校, 重点建设200个
  师生艺术团, 建设10个省级…中心: a quantifier in front once levels and batches are stripped, or
  inside the name: 三大…中心) are not bodies; inside a quotation only the head that ends it counts
  (“莆田市学校美育指导专家库” names no school). Government heads with one character (局 厅 委
  办 部) need a locality prefix (市 省 县 区 国家 中共 …, or a place name) unless the body is a
  national one (``national_bodies.txt``: 教育部); people's organisations (文联 妇联 科协 总工会 …)
  are named by a locality alone, one per locality (市文联 -> 太仓市文联); bare 人大/政协 are not resolved and not
  extracted, and 人大代表/政协委员 are people; 各市人民政府 is every such body, not one.
- A school head followed by another noun modifies it (上海市学校美育工作: no school is named)
  unless at least four characters of the name are not type words (…附属太仓实验学校项目).
- Of overlapping candidates the longest wins: 西北工业大学太仓长三角研究院 is one institution
  (not 西北工业大学), and the places inside it are not place mentions.
- Companies named by trade name alone count where a list says what they are: the items of a
  list that ends in 等 and a word for companies (魏桥、京博、滨化等链主企业), each a proper name
  by the dictionary's tags (钢铁、化工等传统企业 lists industries).
- Relative names (市教育局, 市委, 省教育厅) are resolved against the document's ``Locality``
  when one is given: canonical 太仓市教育局 with the alias 市教育局. Schools are not resolved
  (省太中专 abbreviates a school's name; its 省 is not a locality).
"""

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from loaders.entities.gazetteer import gazetteer
from loaders.entities.lexicon import (
    CJK,
    FUNCTION_CHARS,
    LEVEL,
    NAME_TAGS,
    ORDINAL,
    PROPER_TAGS,
    QUOTE_CLOSE,
    QUOTE_OPEN,
    cut_after_dictionary_verbs,
    cut_after_verbs,
    data_lines,
    is_cjk,
    is_verb_like,
    quoted_spans,
    scan_left,
    strip_lead,
    strip_qualifiers,
    tokens,
    word_list,
    word_tag,
)
from loaders.entities.mention import Mention
from loaders.entities.places import extract_places
from loaders.entities.spans import Spans, between

HEADS: dict[str, str] = {
    "人民代表大会": "congress", "人大常委会": "congress", "常委会": "congress", "人大": "congress", "政协": "congress",
    "委员会": "committee", "管理委员会": "government", "管委会": "government",
    "领导小组": "working_group", "指导小组": "working_group", "工作组": "working_group",
    "纪检监察组": "working_group", "专班": "working_group",
    "办公厅": "office", "办公室": "office", "秘书处": "office", "办事处": "government",
    "人民政府": "government", "政府": "government", "人民法院": "court", "法院": "court", "检察院": "procuratorate",
    "研究院": "research_institute", "研究所": "research_institute", "研究中心": "research_institute",
    "科院": "research_institute", "研院": "research_institute",  # short forms: 农科院, 先研院
    "医院": "hospital", "卫生院": "hospital", "保健院": "hospital", "附院": "hospital",
    "研究会": "association", "协会": "association", "商会": "association", "基金会": "association",
    "学会": "association", "联合会": "association",
    "总工会": "association", "文联": "association", "妇联": "association", "科协": "association",
    "侨联": "association", "残联": "association", "工商联": "association",
    "大学": "university", "学院": "university",
    "中专": "school", "职中": "school", "中学": "school", "小学": "school", "学校": "school",
    "幼儿园": "school", "校区": "school", "技校": "school", "党校": "school",
    "中心": "centre", "联盟": "alliance", "共同体": "alliance", "基地": "base", "工作室": "studio",
    "实验室": "laboratory",
    "科技馆": "venue", "图书馆": "venue", "博物馆": "venue", "美术馆": "venue", "文化馆": "venue",
    "纪念馆": "venue", "艺术馆": "venue", "少年宫": "venue", "青少年宫": "venue",
    "艺术团": "troupe", "合唱团": "troupe", "乐团": "troupe", "剧团": "troupe",
    "集团": "company", "公司": "company", "银行": "bank", "支行": "bank", "分行": "bank",
    "海关": "bureau", "交易所": "exchange", "大使馆": "embassy", "领事馆": "embassy", "总领事馆": "embassy",
    "报社": "media", "出版社": "media", "电视台": "media", "广播电视台": "media",
    "党委": "party_committee", "市委": "party_committee", "省委": "party_committee",
    "县委": "party_committee", "区委": "party_committee", "团市委": "association", "团省委": "association",
    "局": "bureau", "厅": "bureau", "署": "bureau", "委": "committee", "办": "office", "部": "department",
}
_HEAD_RE = re.compile("|".join(sorted(map(re.escape, HEADS), key=len, reverse=True)))
_SHORT_HEADS = {"局", "厅", "署", "委", "办", "部"}
# Characters around a one-character head that show it is part of another word (格局, 大厅, 委托, 举办, 干部).
_NOT_BEFORE = {"局": set("格布大全开结当变破胜棋"), "中心": set("个为"), "厅": set("大餐客展门舞"), "署": set("部签"),
               "委": set("全常"), "办": set("举承创主开合协兴民公督试包代筹查补照操"),
               "部": set("全内外局干东西南北中上下总支俱细腹头顶底胸背"), "小学": set("中"), "中学": set("初高"),
               "商会": set("招")}
_NOT_AFTER = {"局": set("面部势限长"), "厅": set("堂"), "署": set("名"), "委": set("托员派屈婉身"),
              "办": set("学法理事公好成"), "部": set("分门署位长件队落"),
              "人大": set("代"), "政协": set("委"), "中心": set("城任工思环支镇区平"), "学院": set("派"),
              "基地": set("址"), "大学": set("生"), "学校": set("长"), "中学": set("生"), "小学": set("生"),
              "银行": set("贷"), "科院": set("所校"), "研院": set("所"),
              "集团": set("化"), "联盟": set("化"), "共同体": set("化")}
_LOCALITY_PREFIX = re.compile(r"(?:中共|中央|国家|国务院|全国|自治区|团市|团省|团县|省|市|县|区|州|盟|旗|镇|乡|街道)")
_DESIGNATION = re.compile(r"(?:示范学校|示范校|特色学校|示范基地|实践基地|示范中心|示范点|达标学校|基地学校|示范区|"
                          r"命运共同体|民族共同体|利益共同体|责任共同体|生命共同体)$|^示范")
_PEOPLE = ("代表", "委员")
_QUANTIFIER = r"(?:一批|一些|多个|若干|各类|\d+[个所家座支批类次]|[一二两三四五六七八九十百千几]+大?[个所家座支批大次])"
_QUANTIFIED_BEFORE = re.compile(_QUANTIFIER + "$")
_QUANTIFIED = re.compile(_QUANTIFIER)
# A quantifier still in front once clause words, levels and batches are stripped (建设10个省级…).
_COUNTED_BEFORE = re.compile(rf"(?<!第){_QUANTIFIER}(?:{LEVEL.pattern}|{ORDINAL.pattern})*$")
_COLLECTIVE = re.compile(r"(?:各|各级|相关|有关|其他|其它)$")
# A level or a batch right before a name (组建省级中试研发公司, 首个省级种质资源中心, 第四批国家骨干冷链
# 物流基地): a designation of some body of that rank, not one body's name. Not a session (十二届市委)
# or a round of something else (第一轮省太中专…评估), not a list of levels (省、苏州市中小学生职业体验
# 中心: the body at each level), not "the first" alone (首个全国高校区域技术转移转化中心 is one).
_DESIGNATED_BEFORE = re.compile(r"(?:第[一二三四五六七八九十\d]+批|新一[轮批]|(?:国家|全国|省|市|县|区)级(?:以上)?)+$")
_COUNTED_AFTER = re.compile(r"\d+[个所家座]")
# Bases that produce, store or test (生产基地, 储备基地, 能源基地): places of an industry, not bodies.
_PRODUCTION_BASE = re.compile(r"(?:生产|储备|能源|食品|测试|一体化|制造|加工|种植|养殖|供应|产业|原料|商品粮)基地$")
# A head followed by one of these names a person in office (厅长, 局长), not the body.
_OFFICE_HOLDER = ("长", "主任", "书记", "委员", "主席", "干部")
# Kinds of body whose relative 省/市/县 prefix is the document's locality (省投资集团 in an Anhui
# document is 安徽省投资集团). Not schools: a school's short name may open with 省 or 市 of its
# own (省太中专, the sample's 江苏省太仓中等专业学校, is named so in DESIGN.md).
_RESOLVABLE_KINDS = {"bureau", "committee", "office", "department", "government", "party_committee",
                     "congress", "venue", "working_group", "court", "procuratorate", "association",
                     "centre", "research_institute", "company", "bank", "media", "troupe",
                     "base", "laboratory", "alliance", "university", "studio", "hospital", "exchange"}

# A centre or base without a locality of its own that a clause sets out to build or become is a
# goal, not a body (打造西部金融中心, 建设先进制造业基地, 成为世界重要人才中心). Not after
# 建成/创建/设立: the sample's gold counts a body being founded (建成教师勤廉教育基地).
_GOAL_VERB = re.compile(r"(?:建设|打造|成为|争创)$")


@dataclass(frozen=True)
class Locality:
    """Where a document's relative names point: 市 -> ``city``, 省 -> ``province`` …"""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    district: str | None = None


@lru_cache(maxsize=1)
def national_bodies() -> dict[str, str]:
    """Central bodies named without a locality, with their kind (``national_bodies.txt``)."""
    out = {}
    for line in data_lines("national_bodies.txt"):
        name, _, kind = line.partition(" ")
        out[name] = kind.strip() or "ministry"
    return out


def uncovered(modifier: str) -> int:
    """Characters of ``modifier`` not covered by generic type words (greedy, longest first)."""
    words = word_list("generic_words.txt")
    i, left = 0, 0
    while i < len(modifier):
        for n in range(min(6, len(modifier) - i), 1, -1):
            if modifier[i:i + n] in words:
                i += n
                break
        else:
            left += 1
            i += 1
    return left


def has_locality(name: str) -> bool:
    """Whether a name opens with a locality (市, 省, 中共, 国家 …, or a place name; not the 市
    of 市场监管局, which opens another word)."""
    prefix = _LOCALITY_PREFIX.match(name)
    if prefix and (len(prefix.group(0)) > 1 or _prefix_is_a_word(name)):
        return True
    g = gazetteer()
    return any(name[:n] in g.forms for n in range(2, min(len(name), 9)))


def _names_place(name: str) -> bool:
    g = gazetteer()
    return any(name[i:i + n] in g.forms for i in range(len(name)) for n in range(2, 6))


def resolve(name: str, locality: Locality | None) -> str:
    """市教育局 -> 太仓市教育局 when the locality's city is 太仓市 (not 市场监管局: 市场 is a
    word, the 市 no prefix)."""
    if locality is None or name.startswith(("市级", "省级", "县级", "区级", "州级", "盟级")):
        return name
    if name[:1] == "团" and name[1:] in _SELF_NAMED:
        return "团" + resolve(name[1:], locality)  # 团市委 -> 团泉州市委
    prefecture = locality.city if locality.city and locality.city.endswith(("州", "盟")) else None
    full = {"市": locality.city, "省": locality.province, "县": locality.county,
            "区": locality.district, "州": prefecture, "盟": prefecture}.get(name[:1])
    if not full:
        return name
    if not _prefix_is_a_word(name):
        return name  # the prefix opens another word (市场, 市民, 区域), or 市委/市政府 go on
    return full + name[1:]


def _prefix_is_a_word(name: str) -> bool:
    """Whether the one-character prefix of 市教育局 or 市委 is a word of its own, not the start
    of another word (市场, 市民, 区域). Segmented only for names that open with a prefix."""
    first = tokens(name)[0]
    return first == name[:1] or first[1:] in HEADS


_SELF_NAMED = {"市委", "省委", "县委", "区委", "团市委", "团省委"}
_PEOPLES_ORGANISATIONS = {"文联", "妇联", "科协", "总工会", "侨联", "残联", "工商联"}
_PLAIN_LOCALITY = re.compile(r"(?:中共)?(?:[市省县区镇乡州盟]|自治区|自治州)?(?:人民|中共)?")


def _is_locality(modifier: str) -> bool:
    """市 / 太仓市 / 苏州市人民 / 中共太仓市 / 江苏省第十四届: a locality and nothing else."""
    g = gazetteer()
    core = re.sub(r"第[一二三四五六七八九十百\d]+届$", "", modifier.removeprefix("中共").removesuffix("人民"))
    if _PLAIN_LOCALITY.fullmatch(core):
        return True
    return core in g.forms or (core[:-1] in g.forms and core[-1] in "市省县区")


_LOCALITY_NAMED = {"party_committee", "congress", "government"}


def _list_locality(norm: str, start: int, found: list[tuple[int, int, str, str]], head: str) -> str | None:
    """In a list of bodies (市财政局、人社局、文广新局), a body named without its locality is
    the previous one's: that body's locality prefix (市, 省, 泉州市), or None."""
    if start == 0 or norm[start - 1] != "、" or not found or found[-1][1] != start - 1:
        return None
    previous = found[-1][2].removeprefix("团")  # 团市委 is the city's youth league
    g = gazetteer()
    for n in range(min(len(previous) - 1, 9), 1, -1):
        if previous[:n] in g.forms:
            return previous[:n + 1] if previous[n:n + 1] in "省市县区" else previous[:n]
    # A one-character prefix is a locality only as a word of its own (市财政局, not 市场监管局).
    if previous in _SELF_NAMED:  # 团市委、妇联: the city's; 市委、宣传部 is not 市宣传部
        return previous[0] if head in _PEOPLES_ORGANISATIONS else None
    return previous[0] if previous[0] in "省市县区州" and _prefix_is_a_word(previous) else None


def _locality_start(norm: str, start: int, modifier_end: int) -> int:
    """A government, party committee or congress is named by its locality alone: the name
    starts at the longest locality that ends its modifier (我代表海拉尔区人民政府 ->
    海拉尔区人民政府). Unchanged when the modifier is none."""
    for k in range(start, modifier_end):
        if _is_locality(norm[k:modifier_end]):
            return k
    return start


def _accept(name: str, head: str, kind: str) -> bool:
    modifier = name[: len(name) - len(head)]
    if name in national_bodies():
        return True
    if name == head:
        return head in _SELF_NAMED
    if kind in {"school", "university", "centre", "base"} and all(is_verb_like(t) for t in tokens(modifier)):
        return False  # 改进学校: a verb and its object (派驻纪检监察组 is a name)
    if _DESIGNATION.search(name) or len(name) > 25:
        return False
    if kind in {"party_committee", "congress", "government"} and head not in {"管委会", "管理委员会"}:
        return _is_locality(modifier)
    if head in _PEOPLES_ORGANISATIONS and _is_locality(modifier):
        return True  # 市文联, 省妇联: one such body per locality, named by it
    if head in _SHORT_HEADS:
        return has_locality(name) and len(modifier) >= 2
    if kind == "venue" and has_locality(name):
        return True
    if kind == "bank":
        return _names_place(name) and len(modifier) >= 2
    if kind in _DESCRIPTIVE_KINDS and modifier in gazetteer().common_words:
        return False  # 研发中心, 居民委员会, 行业协会: one common word and a head name a type
    if kind in {"company", "bank"} and modifier in gazetteer().verbs:
        return False  # 上市公司, 运营公司: a verb says what kind of company (友谊公司 is a name)
    return uncovered(modifier) >= 2


def _blocked_quotes(norm: str) -> list[tuple[int, int]]:
    """Quotations that hold a list or a slogan: no institution is found inside them."""
    return [(s, e) for s, e in quoted_spans(norm) if any(c in norm[s + 1:e - 1] for c in "、,;。")]


def _place_quote_starts(norm: str) -> frozenset[int]:
    """Ends of quotations that hold a place name (“江浙沪”): a name scan does not cross them."""
    g = gazetteer()
    return frozenset(e for s, e in quoted_spans(norm) if norm[s + 1:e - 1] in g.forms)


_TYPE_KINDS = {"school", "university", "centre", "base", "hospital"}
# Kinds whose names describe what the body does (教育惠民中心), so that one common word in front
# of the head (研发中心) names a type; schools, companies and venues are often named by one word
# (幸福小学, 友谊公司), and 派驻纪检监察组 is a name.
_DESCRIPTIVE_KINDS = {"centre", "base", "committee", "association", "alliance", "laboratory", "studio",
                      "research_institute"}
_SCHOOL_HEADS = {"学校", "小学", "中学"}
_TRADE_KINDS = {"company", "bank", "media"}


def _after_last_verb(norm: str, start: int, modifier_end: int) -> int:
    """For heads that are also type words (学校, 中心, 基地), a verb inside the modifier shows
    a verb phrase whose object is the type (整合资源增强学校 -> 学校): start after the last one."""
    pos = start
    cut = start
    for token in tokens(norm[start:modifier_end]):
        pos += len(token)
        if is_verb_like(token) and token not in word_list("name_verbs.txt"):
            cut = pos
    return cut


def _after_function_words(norm: str, start: int, modifier_end: int) -> int:
    """A preposition or a pronoun inside the modifier ends a clause, not a name (科技成果从|实验室,
    云南那边谁来查|学校): start after the last one. 我市, 我省, 本市 name the document's own
    locality and stay."""
    pos = start
    cut = start
    for token in tokens(norm[start:modifier_end]):
        pos += len(token)
        tag = word_tag(token)
        if tag == "p" or (tag == "r" and not token.startswith(("我", "本"))):
            cut = pos
    return cut


def _locality_inside(norm: str, start: int, modifier_end: int) -> int:
    """Where the first place named inside a modifier starts, as a word of its own (周家龙安徽 ->
    安徽), or ``start`` when it names none: a name that is not accepted as a whole may open there."""
    places = extract_places(norm[start:modifier_end], norm[start:modifier_end], [])
    return start + places[0].start if places else start


def _in_collective_list(norm: str, start: int, end: int, head: str, separators: list[int]) -> bool:
    """A bare 市/县/区 body in a list that opened with 各 (各县（市）、区政府). ``separators``:
    the sorted positions of the clause separators ,。;: in ``norm``."""
    if end - start - len(head) > 1 or norm[start] not in "市县区镇乡":
        return False
    k = bisect_left(separators, start)
    clause = separators[k - 1] if k else -1
    return norm.startswith("各", clause + 1)


def candidates(norm: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str, str]]:
    """(start, end, name, kind) of every institution name in the folded sentence."""
    found: list[tuple[int, int, str, str]] = []
    head_ends = sorted({m.end() for m in _HEAD_RE.finditer(norm)})
    blocked = Spans(_blocked_quotes(norm) + taken)
    stops = _place_quote_starts(norm)
    quotes = Spans(quoted_spans(norm))
    separators = [i for i, ch in enumerate(norm) if ch in ",。;:"]
    for m in _HEAD_RE.finditer(norm):
        head, end = m.group(0), m.end()
        kind = HEADS[head]
        if blocked.overlaps(m.start(), end):
            continue
        before = norm[m.start() - 1] if m.start() else ""
        after = norm[end] if end < len(norm) else ""
        if before in _NOT_BEFORE.get(head, set()) or after in _NOT_AFTER.get(head, set()):
            continue
        if len(head) == 1 and m.start() and word_tag(norm[m.start() - 1:end]) in ("m", "mq"):
            continue  # 首部法规, 一部作品: the head closes a numeral's word, not a body's name
        if quotes.encloses(m.start(), end, margin=1):
            continue  # inside “莆田市学校美育指导专家库” the quotation goes on: not its head
        if head in {"人大", "政协"} and norm.startswith(_PEOPLE, end):
            continue
        if norm.startswith(_OFFICE_HOLDER, end) and head not in {"市委", "省委", "县委", "区委"}:
            continue
        start = scan_left(norm, m.start(), stop=stops) if m.start() else 0
        if _QUANTIFIED_BEFORE.search(norm[max(0, start - 4):start]) or _QUANTIFIED.match(norm, start):
            continue  # 创建一批…学校, 重点建设200个师生艺术团: a kind of body, counted, not one body
        start = strip_lead(norm, start, end, keep=len(head))
        if _QUANTIFIED.match(norm, start):
            continue
        start = cut_after_verbs(norm, start, end, keep=len(head))
        strong = word_list("strong_verbs.txt")
        for inner in between(head_ends, start, m.start()):
            verb = next((norm[inner:inner + n] for n in (4, 3, 2) if norm[inner:inner + n] in strong), None)
            if verb and end - inner - len(verb) > len(head):
                start = strip_lead(norm, inner + len(verb), end, keep=len(head))
        start = cut_after_dictionary_verbs(norm, start, end, keep=len(head))
        if kind in _TYPE_KINDS:
            start = _after_last_verb(norm, start, end - len(head))
        start = strip_qualifiers(norm, start, end, keep=len(head))
        if kind not in _TRADE_KINDS:  # a trade name may be any words (天有为公司)
            start = _after_function_words(norm, start, end - len(head))
        if _COUNTED_BEFORE.search(norm, max(0, start - 12), start) \
                or _QUANTIFIED.search(norm, start, end - len(head)):
            continue  # 建设一批工业互联网创新中心, 10个省级…中心, 三大省基础科学中心: counted, as above
        if _DESIGNATED_BEFORE.search(norm, max(0, start - 12), start):
            continue
        if _COLLECTIVE.search(norm, max(0, start - 3), start) \
                or _in_collective_list(norm, start, end, head, separators):
            continue  # 各市人民政府, 相关市政府, 各县（市）、区政府: every such body, not one
        if (_COUNTED_AFTER.match(norm, end) and not _names_place(norm[start:end])) \
                or (kind == "base" and _PRODUCTION_BASE.search(norm, start, end)):
            continue  # 一级博物馆6家: a counted kind; 绿色有机食品基地, 综合能源基地: production, not a body
        if kind in _LOCALITY_NAMED and head not in {"管委会", "管理委员会"}:
            start = _locality_start(norm, start, end - len(head))
        name = norm[start:end]
        if (central := _central_tail(name)) and not _is_locality(name[:-len(central)]):
            start, name = end - len(central), central  # 陇南获生态环境部激励: the ministry, not a 陇南 one
        if name.startswith(QUOTE_OPEN) and QUOTE_CLOSE not in name:
            start += 1
            name = name[1:]
        k = "congress" if head == "委员会" and name.endswith("常委会") else kind
        k = national_bodies().get(name, k)
        if head in _SCHOOL_HEADS and end < len(norm) and is_cjk(norm[end]) \
                and norm[end] not in FUNCTION_CHARS and uncovered(name[: -len(head)]) < 4 \
                and not is_verb_like(tokens(norm[end:end + 4])[0]):
            continue  # 上海市学校美育, 丰富学校美育课程: 学校 modifies the next noun (not 中学建成)
        if k in {"centre", "base"} and _GOAL_VERB.search(norm, max(0, start - 2), start) \
                and not has_locality(norm[start:end]):
            continue  # a goal (打造西部金融中心; 建设包头市政务大数据中心 names its own)
        if _accept(name, head, k):
            if k == "company" and not has_locality(name) and (prefix := _list_locality(norm, start, found, head)):
                name = prefix + name  # 省发展改革委、水利厅、电力公司: the province's power company
            found.append((start, end, name, k))
        elif (inner := _locality_inside(norm, start, end - len(head))) > start and _accept(norm[inner:end], head, k):
            found.append((inner, end, norm[inner:end], k))  # 周家龙安徽银保监局: the name opens at its place
        elif (head in _SHORT_HEADS or (head in _PEOPLES_ORGANISATIONS and name == head)) \
                and (prefix := _list_locality(norm, start, found, head)) and _accept(prefix + name, head, k):
            found.append((start, end, prefix + name, k))  # 市财政局、人社局, 团市委、妇联: the city's
    return found + _standing_committees(norm, found) + _national_candidates(norm, blocked) \
        + _listed_companies(norm, blocked) + _trade_named_companies(norm, blocked)


_ITS_STANDING_COMMITTEE = "及其常委会"


def _standing_committees(norm: str, found: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """省人大及其常委会: the congress and its standing committee, a body of its own named by 常委会."""
    committees = []
    for _, end, name, kind in found:
        if kind == "congress" and name.endswith(("人大", "人民代表大会")) \
                and norm.startswith(_ITS_STANDING_COMMITTEE, end):
            start = end + len(_ITS_STANDING_COMMITTEE) - 3
            full = name + "常委会" if name.endswith("人大") else name + "常务委员会"
            committees.append((start, start + 3, full, "congress"))
    return committees


# A list that ends in 等 and a word for companies (魏桥、京博、滨化等链主企业): its items are companies.
_COMPANY_LIST_END = re.compile(r"等[^\W\d_]{0,6}?(?:企业|公司|集团)")


def _unknown_name(item: str) -> bool:
    """A list item made of no word the dictionary knows but proper names (景域, 美团): a trade
    name, where 负极、隔膜、电解液 or 新能源汽车 are kinds of product."""
    words = tokens(item)
    return not any(len(w) > 1 and word_tag(w) not in PROPER_TAGS for w in words) \
        and not all(len(w) == 1 and word_tag(w) in ("m", "q", "f") for w in words)


def _listed_companies(norm: str, blocked: Spans) -> list[tuple[int, int, str, str]]:
    """Companies named by their trade names alone in a list that says what they are: 魏桥、京博、
    滨化等链主企业. An item counts when it reads as a proper name, its first word a name the
    dictionary tags as such (钢铁、化工等传统企业 lists industries, 青岛、烟台等企业 places)."""
    found = []
    for end_match in _COMPANY_LIST_END.finditer(norm):
        if any(w in end_match.group(0) for w in ("领域", "行业", "产业", "方面")):
            continue  # 交通、物流、能矿等领域省属企业: a list of fields, not of companies
        clause = end_match.start()
        while clause > 0 and norm[clause - 1] not in "，。；：,;:！？（）()\n":
            clause -= 1
        items = norm[clause:end_match.start()].split("、")
        if len(items) < 2:
            continue
        # The clause's verbs stand before the first item (充分发挥魏桥).
        words = tokens(items[0])
        while words and (is_verb_like(words[0]) or word_tag(words[0]) in {"d", "v", "p", "ad"}):
            words = words[1:]
        items[0] = "".join(words)
        position = end_match.start() - sum(len(it) + 1 for it in items) + 1
        for item in items:
            start, end = position, position + len(item)
            position = end + 1
            if 2 <= len(item) <= 8 and all(is_cjk(ch) for ch in item) \
                    and (word_tag(tokens(item)[0]) in PROPER_TAGS or _unknown_name(item)) \
                    and not extract_places(item, item, [], words=False) \
                    and not blocked.overlaps(start, end):
                found.append((start, end, item, "company"))
    return found


# A company named by a trade name and its industry (飞鹤乳业, 中裕食品, 向海新能源): at the start of
# a clause or a list item, where nothing else can be its subject's modifier.
_INDUSTRIES = ("乳业", "药业", "纸业", "酒业", "种业", "牧业", "矿业", "煤业", "铝业", "铜业", "实业", "食品",
               "生物", "机械", "化工", "电子", "电气", "电器", "光电", "能源", "新能源", "材料", "新材料",
               "钢铁", "重工", "制药", "医药", "物流", "股份", "控股")
_INDUSTRY = "|".join(sorted(_INDUSTRIES, key=len, reverse=True))
_TRADE_NAMED = re.compile(rf"(?:^|(?<=[、，。；：,;:（(]))([{CJK}]{{2,3}}?)(?:{_INDUSTRY})"
                          r"(?=[、，。；：,;:等]|分获|进入|成为|入选|获评|荣获|实现|跻身)")


_NOT_IN_TRADE_NAMES = frozenset({"v", "vn", "d", "ad", "p", "c", "u", "uj", "r"})


def _not_in_a_trade_name(word: str) -> bool:
    """A clause word: a verb, adverb, preposition or conjunction. A single character the
    dictionary tags as a verb is only a fragment of the unknown name (鸿|展, 蒙|拓) unless it is a
    function word (并, 在, 和)."""
    if len(word) == 1:
        return word in FUNCTION_CHARS or is_verb_like(word) or word_tag(word) in {"c", "p", "d", "u", "uj"}
    return is_verb_like(word) or word_tag(word) in _NOT_IN_TRADE_NAMES


def _trade_named_companies(norm: str, blocked: Spans) -> list[tuple[int, int, str, str]]:
    """Companies named by a trade name the dictionary does not know as a common word (or knows
    as a proper name) and an industry word, as a clause's or a list's item (飞鹤乳业、鸿展生物进入
    …; not 绿色食品, 合成生物, 甘肃能源: common words and places modify an industry)."""
    found = []
    g = gazetteer()
    for m in _TRADE_NAMED.finditer(norm):
        trade = m.group(1)
        words = tokens(m.group(0))
        if (word_tag(trade) in (None, *NAME_TAGS) and trade not in g.forms and trade not in g.words
                and "".join(words[:-1]) == trade  # the industry is a word of its own (not 发展畜|牧业)
                and not any(_not_in_a_trade_name(w) for w in words[:-1])
                and not blocked.overlaps(m.start(), m.end())):
            found.append((m.start(), m.end(), m.group(0), "company"))
    return found


def _national_candidates(norm: str, blocked: Spans) -> list[tuple[int, int, str, str]]:
    """National bodies named by their own name, which no head ends (国务院, 党中央): a
    longest match over ``national_bodies.txt``."""
    found = []
    for m in _national_re().finditer(norm):
        after = norm[m.end()] if m.end() < len(norm) else ""
        if after in _NOT_AFTER.get(m.group(0)[-1], set()):
            continue  # 教育部门, 公安部门: the head goes on into another word
        if not blocked.overlaps(m.start(), m.end()) and not norm.startswith(_OFFICE_HOLDER, m.end()):
            found.append((m.start(), m.end(), m.group(0), national_bodies()[m.group(0)]))
    for m in _CENTRE_WITH_COMMITTEES.finditer(norm):
        if not blocked.overlaps(m.start(), m.start() + 2):
            found.append((m.start(), m.start() + 2, "党中央", "party_committee"))
    return found


# 中央 coordinated with party committees (中央和省委、市委的部署) or holding a work conference
# (中央经济工作会议) is the Party's central committee; alone it is an adjective (中央财政,
# 中央预算内投资).
_CENTRE_WITH_COMMITTEES = re.compile(r"(?<![党共])中央(?=[和与及、](?:省委|市委|县委|区委|自治区党委)|"
                                     r"(?:经济|农村|城市|金融|外事|民族|统战|人才|政法)?工作会议)")


def _central_tail(name: str) -> str | None:
    """The longest national body that ends ``name`` (a ministry is only ever the nation's: a
    name that ends in one and opens with something other than a locality runs on from the
    clause before it)."""
    bodies = national_bodies()
    return next((name[i:] for i in range(len(name) - 2) if name[i:] in bodies), None)


@lru_cache(maxsize=1)
def _national_re() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(national_bodies(), key=len, reverse=True))))


# A government named without 人民 (市政府, 省政府办公厅) is the people's government (市人民政府).
_GOVERNMENT_SHORT = re.compile(r"(?<=[省市县区州旗盟])政府")


def canonical_body(name: str) -> str:
    """One name per body: 南通市政府办公室 -> 南通市人民政府办公室, 滨州市人大 -> 滨州市人民代表大会;
    a division named inside its parent (呼伦贝尔市海拉尔区人民政府) -> the division alone
    (海拉尔区人民政府) when its name is unambiguous; 省/市 relative names are left to ``resolve``."""
    name = _GOVERNMENT_SHORT.sub("人民政府", name)
    if name.endswith("人大") and len(name) > 2:
        name = name[:-2] + "人民代表大会"  # 市人大 and 滨州市人民代表大会: one body, named in full
    if name.endswith("人大常委会") and len(name) > 5:
        name = name[:-5] + "人民代表大会常务委员会"  # 省人大常委会: the standing committee in full
    if name.startswith("国家") and name[2:] in national_bodies() and name.endswith("部"):
        name = name[2:]  # 国家应急管理部: a ministry is the nation's; its name has no 国家
    g = gazetteer()
    for n in range(min(len(name) - 1, 12), 1, -1):
        outer = g.forms.get(name[:n])
        if outer is None:
            continue
        rest = name[n:]
        for k in range(min(len(rest) - 1, 12), 2, -1):
            inner = g.forms.get(rest[:k])
            # Only a full name (海拉尔区, not 海拉尔) that names one division of that parent.
            if inner and rest[:k][-1] in "市县区旗" and outer in g.entries[inner].parents:
                return rest
        break
    return name


_TYPES = {
    "government": "government", "court": "government", "procuratorate": "government",
    "congress": "government", "party_committee": "party", "bureau": "department",
    "committee": "department", "department": "department", "ministry": "department",
    "school": "school", "university": "school", "company": "enterprise", "bank": "enterprise",
    "association": "social_organisation", "alliance": "social_organisation", "troupe": "social_organisation",
}
INSTITUTION_TYPES = frozenset({"government", "party", "department", "school", "enterprise",
                               "social_organisation", "other"})
_PARTY = re.compile(r"^(?:中共|中国共产党)|党|^(?:中央|[省市县区]委)办公")


def institution_type(name: str, kind: str | None = None) -> str:
    """What kind of body: government, party, department, school, enterprise,
    social_organisation or other. ``kind`` is the extractor's finer kind of head; without it
    the head that ends ``name`` decides."""
    if kind is None:
        heads = [h for h in HEADS if name.endswith(h)]
        kind = national_bodies().get(name) or (HEADS[max(heads, key=len)] if heads else None)
    if _PARTY.search(name) and kind in {"office", "department", "committee", "party_committee", "working_group"}:
        return "party"
    if kind == "office":
        return "government"
    return _TYPES.get(kind or "", "other")


def to_mentions(sentence: str, spans: list[tuple[int, int, str, str]],
                locality: Locality | None) -> list[Mention]:
    mentions = []
    for start, end, name, kind in spans:
        resolved = resolve(name, locality) if kind in _RESOLVABLE_KINDS else name
        canonical = canonical_body(resolved)
        aliases = tuple(a for a in dict.fromkeys((name, resolved)) if a != canonical)
        mentions.append(Mention(label="Institution", name=canonical, text=sentence[start:end],
                                start=start, end=end, aliases=aliases, kind=kind))
    return mentions
