"""The ``Mention`` record every extractor returns."""

from dataclasses import dataclass
from typing import Literal

EntityLabel = Literal["Programme", "Institution", "Place", "PolicyDocument", "Target"]


@dataclass(frozen=True)
class Mention:
    """One entity named in a sentence.

    ``name`` is the canonical name (the node id is derived from label and name); ``text`` is the
    surface form exactly as written, at code-point offsets ``start``..``end`` (end exclusive) of
    the sentence. The optional fields apply to one label each:

    - Institution: ``kind`` (bureau, committee, government, office, department, ministry,
      party_committee, congress, school, university, research_institute, centre, alliance, base,
      studio, working_group, venue, laboratory, association, company, bank, media); the graph
      stores its type (``institutions.institution_type``).
    - Place: ``name_en``, ``level`` (country, province, municipality, autonomous_region,
      special_administrative_region, prefecture, county, district, region); ``parents``: the
      places it is PART_OF (its administrative parent and the regional groupings it belongs to,
      e.g. 上海 -> 长三角, 江浙沪); ``members``: for a grouping, the places it consists of
      (江浙沪 -> 江苏, 浙江, 上海), each of which is PART_OF the grouping.
    - Target: ``value_min``, ``value_max``, ``unit``, ``counts`` (what is counted), ``year``,
      ``approximate`` (左右, 约).
    - PolicyDocument: ``doc_number`` (the normalised 文号) when one is written.
    """

    label: EntityLabel
    name: str
    text: str
    start: int
    end: int
    aliases: tuple[str, ...] = ()
    kind: str | None = None
    name_en: str | None = None
    level: str | None = None
    parents: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    value_min: float | None = None
    value_max: float | None = None
    unit: str | None = None
    counts: str | None = None
    year: int | None = None
    approximate: bool = False
    doc_number: str | None = None

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end
