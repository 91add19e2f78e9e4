"""Programmes: named plans, projects, campaigns, brands, platforms and pilots.

Rules:
1. A quotation followed by a head noun (``QUOTED_HEADS``: 计划 工程 项目 行动 行动计划 品牌
   平台 试点 专项整治 阵地 …) within ten characters, with nothing but name characters in
   between: “蓝天”计划, “活力教育”三年行动计划, “红烛”五星级机关服务品牌. The name is the
   quotation with that phrase; the alias drops the quotes. The head is the first one reached, so
   “新雪亮”工程计划 is “新雪亮”工程. Events (活动, 大赛) are not programmes.
2. A quotation that itself ends in such a head (“体育艺术2+1工程”) is named without its quotes,
   unless a 的 makes it a phrase (“打造发展新质生产力的重要阵地” is a slogan).
3. A bare quotation is a programme only if it names a scheme (…制: “双元制” -> 双元制, with the
   alias “双元制”). Other bare quotations are slogans, abbreviations or counted phrases
   (“争当表率、争做示范、走在前列”, “四风”, “互联网+”, “十四五”) and are left alone.
4. Unquoted, a name counts only with a head that makes it a proper name (``UNQUOTED_HEADS``:
   工程 计划 行动计划 专项行动 行动 试点): 品格提升工程, 初中强校计划, 德育导师制试点. It starts like an
   institution name (scan left, skip clause words), then drops award levels, batches and scope
   words (第三批市级, 中小学, 全市) and a leading institution (省太中专领航计划 -> 领航计划, with
   the institution as its own mention); the surface form stays an alias. Generic plans
   (招生计划, 教学计划, 实事工程, 系统工程 …) and construction works (二期工程, 土建工程, 枢纽
   工程, 航道整治工程) are not programmes, nor is a name a number runs into (80吨污泥焚烧厂土建
   工程); a head followed by a character that makes another word (项目化, 计划生育, 试点学校)
   is not a head. As for institutions, two characters of the name must not be generic words
   (重大水利工程, 改革试点 are descriptions), and a duration alone does not name a plan
   (第三轮三年行动计划 leaves 三年行动计划).
5. Nothing in a clause that forbids or guards against it is a programme (不得搞形象工程,
   防止出现“半拉子”工程, 坚决杜绝…面子工程): the clause names a kind of thing to avoid.
"""

import re

from loaders.entities.gazetteer import gazetteer
from loaders.entities.institutions import uncovered
from loaders.entities.lexicon import (
    CJK,
    cut_after_verbs,
    quoted_spans,
    scan_left,
    strip_lead,
    strip_qualifiers,
    tokens,
    word_tag,
)
from loaders.entities.mention import Mention
from loaders.entities.spans import Spans, between

QUOTED_HEADS = ("三年行动计划", "行动计划", "专项行动", "专项整治", "计划", "工程", "项目", "行动",
                "品牌", "平台", "试点", "阵地群", "阵地")
UNQUOTED_HEADS = ("行动计划", "专项行动", "计划", "工程", "试点", "行动")
_QUOTED_TAIL = re.compile(rf"[{CJK}·]{{0,10}}?(?:{'|'.join(QUOTED_HEADS)})")
_UNQUOTED = re.compile("|".join(UNQUOTED_HEADS))
_NOT_AFTER_HEAD = set("化师生校学区县市内外经单员地产方上")  # 行动方案, 行动上: no head
_GENERIC_END = ("招生计划", "教学计划", "工作计划", "实施计划", "年度计划", "改扩建计划", "新建计划",
                "投资计划", "采购计划", "实事工程", "系统工程", "民心工程", "民生工程", "重点工程",
                "重大工程", "基础工程", "建设工程", "改造工程", "科技计划", "期工程", "土建工程",
                "枢纽工程", "整治工程", "道路工程", "桥梁工程", "管网工程", "景观工程", "绿化工程",
                "配套工程", "扩建工程", "大修工程", "安装工程", "装修工程", "课程计划", "使用计划",
                "经费计划", "预算计划")
# Physical works named by what they build or carry (引洮二期配套农业灌溉工程, 河西走廊水资源配置工程,
# 陇电入鲁工程: power sent to Shandong): construction, not a programme.
_PHYSICAL_WORKS = re.compile(rf"(?:灌溉|水利|供水|引水|调水|输水|输电|输变电|电网|航道|水库|管道|配置|修缮|电入[{CJK}])"
                             rf"[{CJK}]{{0,3}}工程$")
# Scope words in front of a name: the levels and the people a programme is for (教师国培计划 and
# 国培计划 are one programme; 学生美育素养提升计划 -> 美育素养提升计划; 国家再生水试点, 全国首批碳达峰
# 试点: the level and the batch after it).
_SCOPE = re.compile(r"(?:中小学生?|全市|全省|全区|全县|全国|国家|各级|各类|我市|我省|教师和学生|师生|教师|学生|幼儿)")
# A name made of these parts alone says what kind of plan it is, not which (全年计划: a time;
# 系列专项行动: a quantity; 提升工程: a verb).
_NOT_NAME_TAGS = frozenset({"t", "m", "q", "mq", "v", "vd", "d", "ad", "r"})
# What a pilot's name may be followed by: the units it designates, its work and its progress
# (产融合作试点城市, 算电融合试点布局省份, 改革试点任务完成, 创新试点取得积极成效).
_AFTER_PILOT = ("工作", "城市", "地区", "省份", "布局", "县", "区", "社区", "镇", "村", "任务", "取得", "扎实", "成效")
_SCHEME = re.compile(rf"[{CJK}]{{1,6}}制")
_DURATION = re.compile(r"[一二三四五六七八九十\d]+年")


# 推进, 推动, 完成, 落实 take a programme's whole name as their object too (推进国企改革深化提升行动).
_LAUNCH_VERBS = frozenset({"实施", "开展", "启动", "组织实施", "组织开展", "推进", "推动", "完成", "落实"})
_LAUNCH_MODIFIERS = frozenset({"创新", "深入", "全面", "继续", "持续", "扎实", "大力", "积极", "率先"})


def _head_ok(norm: str, end: int) -> bool:
    """计划生育, 项目化, 有计划地, 工程建设项目: the head is part of another word."""
    if end >= len(norm):
        return True
    return norm[end] not in _NOT_AFTER_HEAD and not (norm.endswith("工程", 0, end) and norm[end] == "建")


def _quoted(sentence: str, norm: str, taken: list[tuple[int, int]]) -> list[Mention]:
    g = gazetteer()
    out = []
    blocked = Spans(taken)
    for s, e in quoted_spans(norm):
        inner = norm[s + 1:e - 1]
        if not inner or any(c in inner for c in "、,;。:") or inner in g.forms:
            continue
        if blocked.overlaps(s, e):
            continue
        head = next((h for h in QUOTED_HEADS if inner.endswith(h) and len(inner) > len(h) + 1), None)
        if head and "的" not in inner:
            out.append(Mention(label="Programme", name=inner, text=sentence[s:e], start=s, end=e,
                               aliases=(f"“{inner}”",)))
            continue
        m = _QUOTED_TAIL.match(norm, e)
        if m and _head_ok(norm, m.end()) and not any(c in m.group(0) for c in "的与和及或等对在为是以"):
            name = f"“{inner}”{m.group(0)}"
            out.append(Mention(label="Programme", name=name, text=sentence[s:m.end()], start=s,
                               end=m.end(), aliases=(inner + m.group(0),)))
            continue
        if _SCHEME.fullmatch(inner) and tokens(inner)[-1] not in g.common_words:
            # 双元制, 河长制: a scheme; “四项机制”: 机制 (mechanism) is a common word, not the 制 of a scheme
            out.append(Mention(label="Programme", name=inner, text=sentence[s:e], start=s, end=e,
                               aliases=(f"“{inner}”",)))
    return out


def _after_launch(norm: str, start: int, end: int, keep: int) -> int:
    """Where the name starts after the clause words in front of it. A verb that launches a
    programme (实施, 开展) takes the name as its object, so the word right after it is the name's
    own first word, a verb too (实施加快服务业高质量发展三年行动, 开展优化通关专项行动, 开展老年
    健康促进行动, 实施成就企业家梦想行动); otherwise leading verbs and adverbs are stripped
    (深入推进…, 加快…)."""
    words = tokens(norm[start:end])
    skip = 0
    while skip < len(words) - 1 and (words[skip] in _LAUNCH_MODIFIERS or
                                     (words[skip] in _LAUNCH_VERBS and words[skip + 1] in _LAUNCH_VERBS)):
        skip += 1  # 深入实施, 启动实施: the last of the launching words takes the name
    if skip < len(words) - 1 and words[skip] in _LAUNCH_VERBS and words[skip + 1] not in ("好", "了", "的"):
        launched = start + sum(len(w) for w in words[:skip + 1])
        if end - launched >= keep:
            return launched
    start = strip_lead(norm, start, end, keep=keep - 2)
    return cut_after_verbs(norm, start, end, keep=keep)


def _unquoted(sentence: str, norm: str, taken: list[tuple[int, int]],
              institution_ends: set[int]) -> list[Mention]:
    out = []
    blocked = Spans(taken + quoted_spans(norm))
    sorted_ends = sorted(institution_ends)
    for m in _UNQUOTED.finditer(norm):
        end = m.end()
        pilot_unit = m.group(0) == "试点" and norm.startswith(_AFTER_PILOT, end)
        if not (_head_ok(norm, end) or pilot_unit) or blocked.overlaps(m.start(), end):
            continue
        if m.group(0) == "试点" and end < len(norm) and norm[end] not in ",。;、:)" and not pilot_unit:
            continue  # 试点学校: a kind of school; 试点城市, 试点县, 试点任务: the pilot's units and work
        start = scan_left(norm, m.start(), quotes=False) if m.start() else 0
        if start > 0 and norm[start - 1] in "”\"":
            continue  # the quoted rule owns “…”X计划
        start = _after_launch(norm, start, end, keep=len(m.group(0)) + 2)
        if norm[start:start + 1] in ("本", "该", "此") or norm.startswith("上述", start):
            continue  # 本行动计划: the document itself
        if start > 0 and norm[start - 1].isdigit():
            continue  # 日处理80吨污泥焚烧厂土建工程: a quantity runs into it, not a name
        surface_start = start
        ends = between(sorted_ends, start, m.start())
        if ends:
            start = ends[-1]
        start = strip_qualifiers(norm, start, end, keep=len(m.group(0)) + 2)
        while (sm := _SCOPE.match(norm, start)) and end - sm.end() >= len(m.group(0)) + 2:
            start = strip_qualifiers(norm, sm.end(), end, keep=len(m.group(0)) + 2)
        name = norm[start:end]
        modifier = name[: -len(m.group(0))]
        if len(name) < len(m.group(0)) + 2 or name.endswith(_GENERIC_END) or _PHYSICAL_WORKS.search(name) \
                or uncovered(modifier) < 2 or _DURATION.fullmatch(modifier) \
                or any(name[k:] in gazetteer().common_words for k in range(len(modifier) - 1)) \
                or _names_no_plan(tokens(modifier)) \
                or word_tag(tokens(modifier)[-1]) in ("d", "ad"):  # 全社会共同行动: an adverb, a clause
            continue  # 形象工程 ends it, a word (a vanity project); 全年计划, 提升工程 name no plan
        surface = norm[surface_start:end]
        aliases = (surface,) if surface != name else ()
        out.append(Mention(label="Programme", name=name, text=sentence[start:end], start=start,
                           end=end, aliases=aliases))
    return out


def _names_no_plan(words: list[str]) -> bool:
    """Whether a name's modifier says only what kind of plan it is (全年计划: a time; 系列专项行动:
    a quantity; 提升工程: one verb). Two verbs or more are a campaign's own phrase (治理欠薪行动)."""
    tags = [word_tag(w) for w in words]
    if not all(t in _NOT_NAME_TAGS for t in tags):
        return False
    return len(words) == 1 or any(t not in ("v", "vd") for t in tags)


_GENERIC_NAME = re.compile(r"^[“\"]?(?:[一二三四五六七八九十两百千万]+[大个项类]?|[省市县区])")


def is_generic_name(name: str) -> bool:
    """A name whose meaning depends on who uses it: a numbered abbreviation (三大工程, “两重”)
    or a name relative to the issuer's place (省培计划: the province's). Such programmes are
    kept apart per jurisdiction (``loaders.records``)."""
    return bool(_GENERIC_NAME.match(name)) and len(name.strip("“”\"")) <= 8


# A clause that forbids or guards against something (不得搞形象工程, 防止出现“半拉子”工程,
# 坚决遏制“两高一低”项目): what it names is a kind of thing to avoid, not a programme anyone runs.
_PROHIBITION = re.compile(r"不能|不得|不搞|不要|杜绝|防止|避免|禁止|严禁|遏制")
# Rectifying (整治“新形象工程”) forbids only what it takes as its object: right before the name
# (岸线整治修复工程、魅力沙滩打造工程 lists works).
_RECTIFIED = re.compile(r"(?:整治|纠治)$")
_CLAUSE_END = re.compile(r"[,.;:!?，。；：！？]")


def _forbidden(norm: str, start: int) -> bool:
    """Whether the clause before ``start`` forbids what follows."""
    clause = max((m.end() for m in _CLAUSE_END.finditer(norm, 0, start)), default=0)
    return bool(_PROHIBITION.search(norm, clause, start) or _RECTIFIED.search(norm, clause, start))


def extract_programmes(sentence: str, norm: str, taken: list[tuple[int, int]],
                       institution_ends: set[int]) -> list[Mention]:
    quoted = _quoted(sentence, norm, taken)
    spans = taken + [(q.start, q.end) for q in quoted]
    found = quoted + _unquoted(sentence, norm, spans, institution_ends)
    return [m for m in found if not _forbidden(norm, m.start)]
