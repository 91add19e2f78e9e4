"""The version of the data a directory holds, and a clear refusal to use data that an older
policykg wrote in a shape this one no longer reads.

Entity ids come from canonical names (README, "Graph schema"). A release that changes how names
are made canonical leaves an older graph with nodes this code would never write: two nodes for
one body, kinds that are roles. Re-ingesting every document from its stored original (``policykg
migrate``) rewrites them; until then every command refuses the directory, naming that command.

The version is kept in ``<data dir>/data_version``. A directory without that file is read as
version 1 when its graph holds an institution whose ``kind`` is not one of version 2's types
(what version 1 wrote), else it is stamped with the current version.
"""

import contextlib
from pathlib import Path

from graph.base import GraphStore
from loaders.entities.institutions import INSTITUTION_TYPES
from service.errors import ServiceError

DATA_VERSION = 9
CHANGES = {
    2: "one name per body (市政府 -> 市人民政府; 呼伦贝尔市海拉尔区人民政府 -> 海拉尔区人民政府), "
       "Institution.kind a type, document level and JURISDICTION, places only as words of their own, "
       "generic programme names per jurisdiction, no targets in reviews of past work",
    3: "the documents a notice prints together are documents of their own (ISSUES, notice_id), "
       "towns and streets are places in their own county's documents, slogans are no places, "
       "人大 is named in full (市人大 -> 市人民代表大会)",
    4: "entities re-read: places inside quoted names and platform names are no places, bodies listed "
       "without their locality are the list's (市场监管局 in a province's list), companies named in a "
       "list of companies, targets with GDP, 等 and 工作日内, programme names after 实施/开展 whole",
    5: "centres, companies, banks, research institutes and other bodies named with a relative 省 or 市 "
       "are the document's (省投资集团 -> 安徽省投资集团), as government bodies already were; a centre "
       "or base to be built or become is a goal, not a body (打造西部金融中心)",
    6: "places re-read: China's macro-regions and world regions, provinces' literary names (龙江 is "
       "黑龙江), groupings named by their members' first characters (滨沾博惠) or after a place "
       "(武汉城市圈), two-character counties, no places inside zones, services, events and sites; "
       "companies a document names found wherever it names them again, by trade name and industry, "
       "and in the province's lists; standing committees and ministries named in full "
       "(省人大常委会 -> …人民代表大会常务委员会); programme names without level and batch",
    7: "places re-read: no places in slogans that are a predicate's subject (健康乐山加快建设) or open "
       "with a quality word (美丽北京), in names ending in a facility's head (临夏地质公园, 北京文化论坛) "
       "or in a river's basin (牡丹江流域); two divisions named by a character each before their "
       "cooperation (京堰对口协作); no body named by a numeral's word (全国首部); a work report that "
       "prints no title is titled by its formula (政府工作报告), not by its address (各位代表：)",
    8: "bodies re-read: a body's name opens after the last preposition or pronoun before its head "
       "(科技成果从实验室 is no body; 我们在市委 names 市委); trade names are kept whole",
    9: "places and bodies re-read: a division's one-character form alone after a word of being there "
       "(在京举办, 在川落地, 川籍), X地区 as X, the state-level new areas (雄安新区, PART_OF their "
       "province), no places in transit lines, passes and hospital campuses (资阳线, 镇江关, 顺义院区), "
       "exchanges and consulates are bodies (北京证券交易所, 巴西驻成都总领事馆), an adjective after a "
       "verb makes a slogan (启动健康四川高质量发展试验县); no body named after a level or a batch "
       "(组建省级中试研发公司, 第四批国家骨干冷链物流基地); 人大及其常委会 names the standing committee too; "
       "a programme's whole name after 推进/推动/完成/落实 (推进国企改革深化提升行动), none that is rectified "
       "(整治“新形象工程”); 新中国 and 中华人民共和国 name 中国; no place in 港澳台同胞; targets in 万亿 "
       "(1.4万亿斤); a part of a province named by its one-character form and a direction (粤东, 苏北, "
       "陇东) is a region within it",
}
MIGRATE = "policykg migrate"


class OutdatedDataError(ServiceError):
    """The data directory was written by an older (or newer) policykg."""


def version_path(data_dir: Path) -> Path:
    return data_dir / "data_version"


def read_version(data_dir: Path) -> int | None:
    path = version_path(data_dir)
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8").strip()
    if not text.isdigit():
        raise OutdatedDataError(f"{path}: not a data version ({text[:40]!r})")
    return int(text)


def write_version(data_dir: Path, version: int = DATA_VERSION) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = version_path(data_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(f"{version}\n", encoding="utf-8")
    temporary.replace(path)


def _written_by_version_1(store: GraphStore) -> bool:
    types = ", ".join(f"'{t}'" for t in sorted(INSTITUTION_TYPES))
    result = store.run_read(f"MATCH (i:Institution) WHERE i.kind IS NOT NULL AND NOT i.kind IN [{types}] "
                            "RETURN count(i) AS n")
    return bool(result.rows and result.rows[0][0])


def check_data_version(data_dir: Path, store: GraphStore, *, writable: bool) -> None:
    """Refuse data of another version; stamp a directory that has none with this one."""
    version = read_version(data_dir)
    if version == DATA_VERSION:
        return
    if version is not None and version > DATA_VERSION:
        raise OutdatedDataError(
            f"{data_dir} holds data version {version}, written by a newer policykg; this one "
            f"reads version {DATA_VERSION}: upgrade policykg")
    # An empty graph is new; only a graph without the file runs the (slower) Cypher check.
    if version is None and (not store.list_documents() or not _written_by_version_1(store)):
        if writable:
            with contextlib.suppress(OSError):  # a read-only directory: checked again next time
                write_version(data_dir)
        return
    old = version or 1
    changes = "; ".join(CHANGES[v] for v in range(old + 1, DATA_VERSION + 1))
    raise OutdatedDataError(
        f"{data_dir} holds data version {old}; this policykg writes version {DATA_VERSION} "
        f"({changes}). Run `{MIGRATE}` to re-ingest every document from its stored original "
        "(the search indexes are updated with it)")
