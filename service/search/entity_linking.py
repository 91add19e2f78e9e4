"""Entity linking for search: which graph entities a question names, and whether it asks for a
complete listing of them ("which items involve Shanghai", "哪些任务涉及上海").

Matching rules (kept deliberately exact, so a link is evidence, not a guess):
- Chinese: leftmost-longest match of an entity's name or alias (2+ characters, quotes ignored)
  in the normalised question: 上海市教育局 links the institution, not 上海.
- English: an entity's English name as whole words, case-insensitive ("Shanghai",
  "Yangtze River Delta"), and, through ``extra_terms``, Chinese terms the query bridge gives for
  English words that are exactly an entity's name ("dual system" -> 双元制).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from graph.models import EntityNames, NodeLabel
from loaders.entities.gazetteer import english_variants
from service.search.text_norm import normalise_query

_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
# A quoted name in a question ("童声里的中国" 美育品牌, 《上海市…方案》 is a title, not quoted):
# a name found only inside a longer quoted one is part of it, not an entity of its own.
_QUOTED = re.compile(r"[“\"「『‘]([^“”\"「」『』‘’]{1,60})[”\"」』’]")
_MIN_CHARS = 2
_MIN_COMPOSED_CHARS = 3
# Words that ask for every matching item rather than the best few.
_LIST_INTENT_ZH = re.compile(r"哪些|哪几|所有|全部|列出|列举|有多少|清单|涉及|有关|相关")
_LIST_INTENT_EN = re.compile(r"\b(?:which|list|all|every|any|what (?:items|tasks|work|measures|parts)|"
                             r"involv\w*|concern\w*|mention\w*|related to)\b", re.I)
# The role a question asks an institution to play in its tasks: the unit that leads (牵头单位,
# 责任单位: LED_BY) or one that works with the lead (配合部门, 协办单位: INVOLVES only). These
# are the role labels a work plan writes beside each task (loaders/entities/tasks.py), in both
# languages, not words of any one question.
Role = Literal["lead", "partner"]
_LEAD_WORDS_ZH = r"牵头|负责|主责|责任单位|责任部门|主管"
_PARTNER_WORDS_ZH = r"配合|协办|协助|协同"
# Not "leading" or "head": a leading group (领导小组) and head teachers are not roles of a unit.
_LEAD_WORDS_EN = r"led|leads?|headed by|in charge|responsib\w*"
_PARTNER_WORDS_EN = r"partners?|partnering|cooperating|co-operating|collaborating|assist\w*|supporting|support role"
_LEAD_ROLE_ZH = re.compile(_LEAD_WORDS_ZH)
_PARTNER_ROLE_ZH = re.compile(_PARTNER_WORDS_ZH)
_LEAD_ROLE_EN = re.compile(rf"\b(?:{_LEAD_WORDS_EN})\b", re.I)
_PARTNER_ROLE_EN = re.compile(rf"\b(?:{_PARTNER_WORDS_EN})\b", re.I)
_FILLER = re.compile(r"[\s,.;:?!，。；：？！、]+")


@dataclass(frozen=True)
class LinkedEntity:
    id: str
    label: NodeLabel
    name: str
    surface: str  # the words of the question that named it
    name_en: str | None = None

    def as_listing_entity(self) -> dict[str, str | None]:
        return {"id": self.id, "label": self.label, "name": self.name, "name_en": self.name_en,
                "matched": self.surface}


@lru_cache(maxsize=1 << 16)
def _surface(text: str) -> str:
    # Remembered: each write rebuilds the linker over every entity name, and the OpenCC
    # conversion of the corpus' ~5,000 names took 0.27 s of every upload's swap.
    return normalise_query(text).translate(_QUOTES)


def _english_spellings(name_en: str | None) -> list[str]:
    """An English name and its spellings with a word spelled another common way
    (``gazetteer.english_variants``: Hong Kong and Macao, Hong Kong and Macau)."""
    if not name_en:
        return []
    spellings = [name_en]
    for pattern, others in _english_variants():
        spellings += [pattern.sub(other, spelling) for spelling in spellings if pattern.search(spelling)
                      for other in others]
    return spellings


@lru_cache(maxsize=1)
def _english_variants() -> list[tuple[re.Pattern[str], list[str]]]:
    """Each word with other spellings, as a whole-word pattern: read and compiled on the first
    linker (not at import), then shared by every name of every linker."""
    return [(re.compile(rf"\b{re.escape(word)}\b"), others) for word, others in english_variants().items()]


class EntityLinker:
    """An in-memory dictionary of the graph's entity names; rebuild it when the graph changes."""

    def __init__(self, entities: Iterable[EntityNames]) -> None:
        self._by_surface: dict[str, list[EntityNames]] = defaultdict(list)
        self._english: dict[str, list[EntityNames]] = defaultdict(list)
        self.entities: dict[str, EntityNames] = {}
        self._name_surfaces: dict[str, str] = {}  # id -> normalised name, for ``containing``
        self._containing: dict[tuple[str, tuple[NodeLabel, ...]], list[EntityNames]] = {}
        for entity in entities:
            self.entities[entity.id] = entity
            self._name_surfaces[entity.id] = _surface(entity.name)
            for name in {entity.name, *entity.aliases}:
                surface = _surface(name)
                if len(surface) >= _MIN_CHARS:
                    self._by_surface[surface].append(entity)
            for spelling in _english_spellings(entity.name_en):
                self._english[spelling.lower()].append(entity)
        self._lengths = sorted({len(s) for s in self._by_surface}, reverse=True)
        # Names an English question may spell out word by word: 3+ characters, a body's or a
        # programme's (a place has an English name of its own).
        self._composable = {surface: frozenset(surface) for surface, found in self._by_surface.items()
                            if len(surface) >= _MIN_COMPOSED_CHARS
                            and any(e.label in ("Institution", "Programme") for e in found)}
        english = sorted(self._english, key=len, reverse=True)
        self._english_pattern = re.compile(
            r"\b(" + "|".join(re.escape(e) for e in english) + r")\b", re.I) if english else None

    def english_names(self) -> dict[str, list[str]]:
        """English name -> Chinese names, for the query bridge."""
        return {en: [e.name for e in entities] for en, entities in self._english.items()}

    def by_name(self, names: Iterable[str]) -> list[EntityNames]:
        """Entities whose id, name, alias or English name is one of ``names`` exactly."""
        found: dict[str, EntityNames] = {}
        for name in names:
            if name in self.entities:
                found[name] = self.entities[name]
            for entity in self._by_surface.get(_surface(name), []) + self._english.get(name.lower(), []):
                found[entity.id] = entity
        return list(found.values())

    def containing(self, entity: EntityNames, labels: tuple[NodeLabel, ...]) -> list[EntityNames]:
        """Entities of ``labels`` whose name contains this entity's name or an alias (the
        institutes and programmes named after a place: 西北工业大学太仓长三角研究院 for 长三角)."""
        key = (entity.id, labels)
        found = self._containing.get(key)
        if found is None:  # a scan of every name: remembered, the same entities come back
            forms = {_surface(n) for n in (entity.name, *entity.aliases)}
            forms = {f for f in forms if len(f) >= _MIN_CHARS}
            found = [other for other in self.entities.values()
                     if other.label in labels and other.id != entity.id
                     and any(f in self._name_surfaces[other.id] for f in forms)]
            self._containing[key] = found
        return list(found)

    def link(self, question: str, bridged_terms: Iterable[str] = (),
             composable_terms: Iterable[str] = ()) -> list[LinkedEntity]:
        """Entities the question names, in order of appearance; then those a bridged term names
        exactly, then institutions and programmes composed of ``composable_terms``."""
        normalised = normalise_query(question)
        text = normalised.translate(_QUOTES)  # _surface(question), normalised once
        linked: dict[str, LinkedEntity] = {}
        i = 0
        while i < len(text):
            for length in self._lengths:
                candidates = self._by_surface.get(text[i:i + length])
                if candidates:
                    for entity in candidates:
                        linked.setdefault(entity.id, LinkedEntity(
                            entity.id, entity.label, entity.name, text[i:i + length], entity.name_en))
                    i += length
                    break
            else:
                i += 1
        inside = _inside_quoted_names(normalised)
        if inside:
            linked = {k: e for k, e in linked.items() if not inside(e.surface)}
        if self._english_pattern is not None:
            for m in self._english_pattern.finditer(question):
                for entity in self._english[m.group(1).lower()]:
                    linked.setdefault(entity.id, LinkedEntity(
                        entity.id, entity.label, entity.name, m.group(1), entity.name_en))
        for term in bridged_terms:
            for entity in self._by_surface.get(_surface(term), []):
                linked.setdefault(entity.id, LinkedEntity(
                    entity.id, entity.label, entity.name, term, entity.name_en))
        for surface in self._composed(composable_terms):
            for entity in self._by_surface[surface]:
                linked.setdefault(entity.id, LinkedEntity(
                    entity.id, entity.label, entity.name, surface, entity.name_en))
        return list(linked.values())

    def _composed(self, terms: Iterable[str]) -> list[str]:
        """Institution and programme names written entirely in the given Chinese terms, two or
        more of them ("city education bureau" -> 市 + 教育 + 局 = 市教育局)."""
        pieces = {_surface(t) for t in terms if t}
        if len(pieces) < 2:
            return []
        characters = set("".join(pieces))
        longest = max(len(p) for p in pieces)
        return [surface for surface, chars in self._composable.items()
                if chars <= characters and _segments(surface, pieces, longest) >= 2]


def _inside_quoted_names(question: str) -> Callable[[str], bool] | None:
    """A test of whether a name occurs in ``question`` only inside longer quoted names
    (中国 in “童声里的中国”), or None when the question quotes nothing."""
    spans = [(m.start(1), m.end(1), m.group(1)) for m in _QUOTED.finditer(question)]
    if not spans:
        return None

    def inside(surface: str) -> bool:
        starts = [m.start() for m in re.finditer(re.escape(surface), question)]
        return bool(starts) and all(
            any(s <= p and p + len(surface) <= e and name != surface for s, e, name in spans)
            for p in starts)
    return inside


def question_role(question: str) -> Role | None:
    """"lead" when the question asks which unit leads (or which tasks a unit leads), "partner"
    when it asks for a cooperating unit; None when it names neither role, or both."""
    lead = bool(_LEAD_ROLE_ZH.search(question) or _LEAD_ROLE_EN.search(question))
    partner = bool(_PARTNER_ROLE_ZH.search(question) or _PARTNER_ROLE_EN.search(question))
    if lead == partner:
        return None
    return "lead" if lead else "partner"


# Words a listing question wraps around its entity ("which tasks involve X", "哪些工作涉及X").
_FRAME_EN = re.compile(
    r"\b(?:which|what|list|all|every|any|the|a|an|of|in|on|to|for|with|and|or|about|that|there|"
    r"are|is|do|does|items?|tasks?|work|parts?|measures?|plans?|things?|involv\w*|concern\w*|"
    r"mention\w*|related|relating|refer\w*|name[sd]?|cooperation|collaboration|exchanges?|"
    # what a text does with a name it mentions
    r"says?|said|cover\w*|includ\w*|contain\w*|discuss\w*|deal\w*|address\w*|writ\w*|"
    r"projects?|report|document|plan|'s|"
    # the role a unit plays in its tasks (see ``question_role``), and the words around it
    rf"{_LEAD_WORDS_EN}|{_PARTNER_WORDS_EN}|headed|charge|support\w*|role|units?|departments?|by|as|among)\b",
    re.I)
_FRAME_ZH = re.compile(r"哪些|哪几|所有|全部|列出|列举|有多少|清单|涉及|有关|相关|关于|提到|提及|"
                       r"写到|写了|谈到|讲到|说到|包括|包含|"
                       r"任务|工作|事项|内容|部分|措施|项目|报告|文件|中|与|和|及|的|了|有|是|在|"
                       r"合作|交流|地区|"
                       # the role a unit plays in its tasks (see ``question_role``), and the words around it
                       rf"{_LEAD_WORDS_ZH}|{_PARTNER_WORDS_ZH}|责任|参与|承担|作为|单位|部门|由")
_FRAME_LEFT_MAX = 2  # content characters or words a listing question may add to the entity


def _segments(surface: str, pieces: set[str], longest: int) -> int:
    """The fewest pieces that spell ``surface`` exactly, or 0 when they cannot."""
    best = [0] + [-1] * len(surface)
    for end in range(1, len(surface) + 1):
        for start in range(max(0, end - longest), end):
            if best[start] >= 0 and surface[start:end] in pieces:
                count = best[start] + 1
                if best[end] < 0 or count < best[end]:
                    best[end] = count
    return max(best[-1], 0)


def asks_for_listing(question: str, linked: list[LinkedEntity], name_words: Iterable[str] = ()) -> bool:
    """A question asks for every item about an entity when it uses a listing word (哪些, which,
    all, involve …) and says little else besides the entity's name ("which items involve
    Shanghai cooperation" does; "which tasks involve Putian's local opera" asks about opera),
    or when it consists of nothing but the entity's name. ``name_words``: English words that
    spell out a linked name ("city finance bureau" for 市财政局)."""
    if not linked:
        return False
    rest = _surface(question)
    for entity in sorted(linked, key=lambda e: -len(e.surface)):
        rest = re.sub(re.escape(_surface(entity.surface)), " ", rest, flags=re.I)
    for word in sorted(name_words, key=len, reverse=True):
        rest = re.sub(rf"\b{re.escape(_surface(word))}\b", " ", rest, flags=re.I)
    words = [w for w in re.findall(r"[A-Za-z]+", _FRAME_EN.sub(" ", rest))]
    chinese = _FILLER.sub("", re.sub(r"[A-Za-z'’]+", "", _FRAME_ZH.sub("", rest)))
    if not words and not chinese:
        return True  # the name and frame words alone ("关于天津的内容", "Shanghai"): nothing else to rank by
    if not (_LIST_INTENT_ZH.search(question) or _LIST_INTENT_EN.search(question)):
        return False
    return len(words) + len(chinese) // 2 <= _FRAME_LEFT_MAX
