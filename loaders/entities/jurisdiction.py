"""A document's jurisdiction and level, from the bodies that issue it.

- Central bodies (``national_bodies.txt``: 国务院, 中共中央办公厅, 教育部 …, and names that open
  with 中共中央, 中央 or 国务院) issue for 中国, at the national level.
- Any other issuer names its division at the start: the last division of that leading run is
  the jurisdiction (呼伦贝尔市海拉尔区人民政府 -> 海拉尔区; 中共太仓市委 -> 太仓). Its gazetteer
  level gives the document's: a province, autonomous region or municipality (北京, 上海 …) ->
  provincial; a prefecture-level division -> municipal; a county, county-level city or
  district -> county. 新疆生产建设兵团 is provincial (``regions.json``).
- An issuer that names no division (市教育局 unresolved) gives none.
"""

from dataclasses import dataclass

from loaders.entities.institutions import national_bodies
from loaders.entities.normalise import fold
from loaders.entities.places import leading_division

CHINA = "中国"
CHINA_EN = "China"
_LEVELS = {"country": "national", "province": "provincial", "municipality": "provincial",
           "autonomous_region": "provincial", "special_administrative_region": "provincial", "prefecture": "municipal",
           "county": "county", "district": "county"}
_CENTRAL_PREFIXES = ("中共中央", "中央", "国务院", "党中央", "全国人大", "全国政协")


@dataclass(frozen=True)
class Jurisdiction:
    place: str  # the canonical Place name
    level: str  # national, provincial, municipal or county


def jurisdiction_of(issuer: str) -> Jurisdiction | None:
    norm = fold(issuer).removeprefix("中国共产党")
    if norm in national_bodies() or norm.startswith(_CENTRAL_PREFIXES) \
            or any(norm.startswith(body) for body in national_bodies() if len(body) >= 3):
        return Jurisdiction(CHINA, "national")
    found = leading_division(norm.removeprefix("中共"))
    if found is None or found[0] != 0:
        return None  # the issuer does not open with a division
    return Jurisdiction(found[1].name, _LEVELS[found[1].level])


def document_level(jurisdictions: list[Jurisdiction]) -> str | None:
    """The highest level among a jointly issued document's jurisdictions."""
    order = ["national", "provincial", "municipal", "county"]
    levels = [j.level for j in jurisdictions]
    return next((level for level in order if level in levels), None)
