"""Deterministic entity extraction from Chinese policy sentences (no model, no network).

``extract_mentions(sentence)`` returns every Programme, Institution, Place, PolicyDocument and
Target the sentence names, as ``Mention`` records with canonical names (the node id is derived
from label and name) and code-point offsets into the sentence. Each label has its own module,
whose docstring states its rules: ``documents``, ``institutions``, ``programmes``, ``places``
(with ``gazetteer``), ``targets``; ``tasks`` reads per-task lead units and deadlines.

How the rules combine, in this order:
1. Matching runs on ``normalise.fold(sentence)`` (traditional and variant characters folded,
   full-width forms made ASCII, same length), so 领銜 matches 领衔 while ``text`` keeps 领銜.
2. Cited documents first; nothing else is found inside a 《title》.
3. Institutions and programmes; where two overlap, the longer one wins (“双元制”教育研究院 is an
   institution, “智能+”培训中心创新平台 a programme).
4. Places, outside every span above: a place inside an institution's, a programme's or a
   document's name is not a place mention.
5. Targets, outside document titles (they may overlap names: 培育…品格提升项目5个).
Relative institution names (市教育局) are resolved when a ``Locality`` is given; build one from
the document's issuer with ``locality_of``.
"""

from collections.abc import Sequence

from loaders.entities.documents import extract_documents
from loaders.entities.gazetteer import DIVISION_LEVELS, PlaceEntry, place_entry, short_division
from loaders.entities.institutions import Locality
from loaders.entities.institutions import candidates as _institution_candidates
from loaders.entities.institutions import to_mentions as _institution_mentions
from loaders.entities.mention import EntityLabel, Mention
from loaders.entities.normalise import fold
from loaders.entities.places import extract_places, leading_division
from loaders.entities.programmes import extract_programmes
from loaders.entities.targets import extract_targets
from loaders.entities.tasks import extract_task_fields, lead_institutions

__all__ = [
    "EntityLabel",
    "Locality",
    "Mention",
    "PlaceEntry",
    "extract_mentions",
    "extract_task_fields",
    "lead_institutions",
    "locality_of",
    "place_entry",
]

def extract_mentions(sentence: str, locality: Locality | None = None,
                     titles: Sequence[str] = ()) -> list[Mention]:
    """Every entity the sentence names, ordered by start offset. ``titles``: the document's own
    titles, which a document prints without 《》 (阿坝州政务数据资源管理暂行办法 over its text):
    nothing is found inside them, as inside a 《title》."""
    norm = fold(sentence)
    documents = extract_documents(sentence, norm)
    doc_spans = [(d.start, d.end) for d in documents] + _title_spans(norm, titles)
    found = _institution_candidates(norm, doc_spans)
    institutions = _institution_mentions(sentence, found, locality)
    programmes = extract_programmes(sentence, norm, doc_spans, {end for _, end, _, _ in found})
    kept: list[Mention] = []
    occupied = bytearray(len(norm))  # the positions of the kept mentions, which do not overlap
    for m in sorted(institutions + programmes, key=lambda x: (x.start - x.end, x.start)):
        if not any(occupied[m.start:m.end]):
            kept.append(m)
            occupied[m.start:m.end] = b"\x01" * (m.end - m.start)
    taken = doc_spans + [(m.start, m.end) for m in kept]
    places = extract_places(sentence, norm, taken, region=_region(locality))
    targets = extract_targets(sentence, norm, doc_spans)
    return sorted(documents + kept + places + targets, key=lambda x: (x.start, x.end))


def _title_spans(norm: str, titles: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    for title in titles:
        folded = fold(title)
        at = norm.find(folded)
        while at >= 0:
            spans.append((at, at + len(folded)))
            at = norm.find(folded, at + len(folded))
    return spans


def _region(locality: Locality | None) -> tuple[str, ...]:
    """The locality's full names, innermost first and the province last."""
    if locality is None:
        return ()
    inner = [n for n in (locality.district, locality.county, locality.city) if n]
    return (*inner, locality.province or (inner[-1] if inner else ""))


def _full_name(entry: PlaceEntry) -> str:
    """The name with its type suffix: 泉州 -> 泉州市 (its own name may end in 州 already); an
    autonomous prefecture by the name documents use (阿坝藏族羌族自治州 -> 阿坝州)."""
    for alias in [*entry.aliases, entry.name]:
        if alias.endswith("自治州") and place_entry(short := short_division(alias) + "州") is entry:
            return short
        if alias.endswith(("省", "市", "自治区", "特别行政区", "县", "区", "旗", "州", "盟", "地区")):
            return alias
    return entry.name


def locality_of(issuer: str | None) -> Locality | None:
    """The locality a document's relative names point to, from its issuer: 太仓市教育局 ->
    市 = 太仓市, 省 = 江苏省. None when the issuer names no Chinese division."""
    if not issuer:
        return None
    found = leading_division(fold(issuer))
    if found is None:
        return None
    entry: PlaceEntry | None = found[1]
    fields: dict[str, str] = {}
    while entry is not None:
        full = _full_name(entry)
        if entry.level in {"province", "autonomous_region"}:
            fields.setdefault("province", full)
        elif full.endswith("市") or entry.level == "prefecture":  # 泉州市, 阿坝藏族羌族自治州
            fields.setdefault("city", full)
        elif full.endswith("县") or full.endswith("旗"):
            fields.setdefault("county", full)
        elif full.endswith("区"):
            fields.setdefault("district", full)
        parent = next((p for p in entry.parents if (pe := place_entry(p)) and pe.level in DIVISION_LEVELS), None)
        entry = place_entry(parent) if parent else None
    return Locality(**fields)
