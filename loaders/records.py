"""Parsed document -> graph records (a ``GraphBatch``) with stable ids.

Entities come from ``loaders.entities``: every mention in a task's sentence gives a
``(Sentence)-[:MENTIONS]->(entity)`` evidence edge and the task-level edge of its label
(INVOLVES, ADVANCES, CONCERNS, CITES, SETS). Places bring their PART_OF chain (太仓 -> 苏州 ->
江苏 -> 长三角), so a question about Jiangsu can reach a task that names Taicang.
"""

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from graph import ids
from graph.models import (
    TASK_CONTEXT_EDGES,
    GraphBatch,
    Institution,
    NodeLabel,
    Place,
    PolicyDocument,
    Programme,
    Relation,
    RelType,
    Section,
    Sentence,
    Target,
    Task,
)
from loaders.entities import (
    Locality,
    Mention,
    PlaceEntry,
    extract_mentions,
    extract_task_fields,
    lead_institutions,
    locality_of,
    place_entry,
)
from loaders.entities.document_names import with_document_names
from loaders.entities.gazetteer import DIVISION_LEVELS
from loaders.entities.institutions import canonical_body, institution_type, resolve
from loaders.entities.jurisdiction import CHINA, CHINA_EN, Jurisdiction, document_level, jurisdiction_of
from loaders.entities.normalise import fold
from loaders.entities.places import extract_places
from loaders.entities.programmes import is_generic_name
from loaders.outline import ParsedDocument, ParsedTask, is_printed_document
from loaders.sentences import SentenceSpan, split_sentences

TASK_EDGE: dict[str, RelType] = {label: rel_type for _, rel_type, label in TASK_CONTEXT_EDGES}
# Regional groupings nest at most a few levels (县 -> 市 -> 省 -> 长三角); a bound guards cycles.
_MAX_PART_OF_DEPTH = 6


def _relation(rel_type: RelType, start_label: NodeLabel, start_id: str,
              end_label: NodeLabel, end_id: str) -> Relation:
    return Relation(type=rel_type, start_label=start_label, start_id=start_id,
                    end_label=end_label, end_id=end_id)


def _merged_aliases(name: str, *alias_lists: Iterable[str]) -> list[str]:
    return sorted({a for aliases in alias_lists for a in aliases if a and a != name})


class _Entities:
    """The entity nodes of one document, one per id, aliases merged across mentions."""

    def __init__(self, document: PolicyDocument, scope: str | None = None) -> None:
        self.document = document
        self.scope = scope  # the document's (first) jurisdiction: where generic names belong
        self.institutions: dict[str, Institution] = {}
        self.programmes: dict[str, Programme] = {}
        self.places: dict[str, Place] = {}
        self.targets: dict[str, Target] = {}
        self.cited: dict[str, PolicyDocument] = {}
        self.part_of: list[Relation] = []
        self.expanded: set[tuple[str, str]] = set()  # (place, role) whose edges are in the batch
        # A title cited once with its 文号 (《…》（国办发〔2015〕71号）) and elsewhere alone is one document.
        self.number_by_title: dict[str, str] = {}
        # Titles of the documents the notice issues: the notice names them, it does not cite them.
        self.issued_titles: set[str] = set()

    def institution(self, name: str, kind: str | None, aliases: Iterable[str] = ()) -> str:
        """The node of a body; ``kind``: the extractor's kind of head, if known (the node's kind
        is the body's type, ``institution_type``)."""
        written = name
        name = canonical_body(name)
        node_id = ids.entity_id("Institution", name)
        old = self.institutions.get(node_id)
        self.institutions[node_id] = Institution(
            id=node_id, name=name, kind=(old.kind if old and old.kind else institution_type(name, kind)),
            aliases=_merged_aliases(name, [written, *aliases], old.aliases if old else []))
        return node_id

    def programme(self, m: Mention) -> str:
        """One node per programme; a generic name (三大工程, 省培计划) one per jurisdiction."""
        scope = self.scope if is_generic_name(m.name) else None
        node_id = ids.entity_id("Programme", f"{scope}/{m.name}" if scope else m.name)
        old = self.programmes.get(node_id)
        self.programmes[node_id] = Programme(
            id=node_id, name=m.name, scope=scope,
            aliases=_merged_aliases(m.name, m.aliases, old.aliases if old else []))
        return node_id

    def place(self, name: str, *, role: str = "mentioned", depth: int = 0,
              mentioned: PlaceEntry | None = None) -> str:
        """The place node and its PART_OF edges: a mentioned place links to every ancestor
        (太仓 -> 苏州 -> 江苏 -> 长三角) and, for a grouping, from its members (江浙沪 <- 上海);
        an ancestor links to its own ancestors; a member only to the grouping. Exactly the
        places the store keeps when it prunes (``graph.cypher.prune_orphans``)."""
        node_id = ids.entity_id("Place", name)
        # A grouping the text composes (滨沾博惠) is no gazetteer entry: the mention's own is used.
        entry = place_entry(name) or mentioned
        if node_id not in self.places:
            if entry is None and name == CHINA:  # a jurisdiction only: text names China rarely as a place
                entry = PlaceEntry(name=CHINA, name_en=CHINA_EN, level="country")
            self.places[node_id] = Place(id=node_id, name=name, name_en=entry.name_en if entry else None,
                                         aliases=sorted(entry.aliases) if entry else [],
                                         level=entry.level if entry else None)
        if entry is None or depth >= _MAX_PART_OF_DEPTH or (node_id, role) in self.expanded:
            return node_id
        self.expanded.add((node_id, role))
        if role in ("mentioned", "ancestor", "jurisdiction"):
            for parent in entry.parents:
                parent_id = self.place(parent, role="ancestor", depth=depth + 1)
                self.part_of.append(_relation("PART_OF", "Place", node_id, "Place", parent_id))
        if role == "mentioned":
            for member in entry.members:
                member_id = self.place(member, role="member", depth=depth + 1)
                self.part_of.append(_relation("PART_OF", "Place", member_id, "Place", node_id))
        return node_id

    def target(self, m: Mention) -> str:
        # Targets belong to their document: two plans that both say 培训100名教师 set two targets.
        node_id = ids.make_id("target", self.document.id, m.name)
        self.targets.setdefault(node_id, Target(
            id=node_id, text=m.text, value_min=m.value_min, value_max=m.value_max, unit=m.unit,
            counts=m.counts, year=m.year, approximate=m.approximate))
        return node_id

    def cited_document(self, m: Mention) -> str | None:
        """The cited document's node id, or None for a citation of the document itself."""
        doc = self.document
        number = m.doc_number or self.number_by_title.get(ids.normalise_title(m.name))
        title_is_number = m.doc_number is not None and m.name == m.doc_number
        key = ids.normalise_title(m.name)
        if (number and doc.doc_number == number) or (not title_is_number and key == doc.title_key) \
                or key in self.issued_titles:
            return None
        node_id = ids.cited_document_id(number, None if title_is_number else m.name)
        old = self.cited.get(node_id)
        if old is None or (old.title == old.doc_number and not title_is_number):
            # A title is a better name for the node than its 文号.
            self.cited[node_id] = PolicyDocument(id=node_id, title=m.name, doc_number=number,
                                                 ingested=False, title_key=key)
        return node_id

    def node_id(self, m: Mention) -> str | None:
        if m.label == "Institution":
            return self.institution(m.name, m.kind, m.aliases)
        if m.label == "Programme":
            return self.programme(m)
        if m.label == "Place":
            own = PlaceEntry(name=m.name, name_en=m.name_en or m.name, level=m.level or "region",
                             parents=list(m.parents), members=list(m.members))
            return self.place(m.name, mentioned=own)
        if m.label == "Target":
            return self.target(m)
        return self.cited_document(m)


def build_batch(parsed: ParsedDocument, source_name: str, content: bytes) -> GraphBatch:
    """Every node and edge one document contributes. Deterministic: the same input gives
    the same ids and records."""
    header = parsed.header
    issued = [s for s in parsed.sections if is_printed_document(s)]
    # A notice that prints several documents is a document of its own; one that prints a single
    # document is one node with it, titled as the notice cites it (the sample).
    title = header.title or Path(source_name).stem
    doc_id = ids.document_id(header.doc_number, header.issuer, header.issued_date, title,
                             source_name)  # as before issued documents had nodes: ids stay
    if len(issued) > 1 and header.notice_title:
        title = header.notice_title
    locality = _locality(parsed)
    # A report's "我代表市人民政府" names its government relative to the place it governs.
    issuers = [resolve(i, locality) for i in [header.issuer, *header.co_issuers] if i]
    jurisdictions = _jurisdictions(issuers, [title, header.notice_title])
    document = PolicyDocument(
        id=doc_id, title=title, notice_title=header.notice_title,
        doc_number=ids.normalise_doc_number(header.doc_number) if header.doc_number else None,
        issuer=header.issuer, issued_date=header.issued_date,
        year=_year(header.issued_date, title, header.notice_title, header.doc_number)
        or _year_of_plan(parsed),
        level=document_level(jurisdictions),
        source=source_name, sha256=hashlib.sha256(content).hexdigest(), ingested=True,
        title_key=ids.normalise_title(title),
    )
    batch = GraphBatch(document=document)
    entities = _Entities(document, jurisdictions[0].place if jurisdictions else None)
    if len(issued) > 1:
        batch.issued_documents = [document.model_copy(update={
            "id": ids.issued_document_id(doc_id, s.title), "title": s.title, "notice_title": None,
            "doc_number": None, "title_key": ids.normalise_title(s.title), "notice_id": doc_id,
        }) for s in issued]
        entities.issued_titles = {d.title_key for d in batch.issued_documents}

    for node in [document, *batch.issued_documents]:
        for issuer in issuers:
            batch.relations.append(_relation("ISSUED_BY", "PolicyDocument", node.id, "Institution",
                                             entities.institution(issuer, None)))
        for jurisdiction in jurisdictions:
            batch.relations.append(_relation("JURISDICTION", "PolicyDocument", node.id, "Place",
                                             entities.place(jurisdiction.place, role="jurisdiction")))
    # One printed part is no notice of several documents: it has no node of its own.
    for issued_document, part in zip(batch.issued_documents, issued if len(issued) > 1 else [], strict=True):
        batch.relations.append(_relation("ISSUES", "PolicyDocument", doc_id, "PolicyDocument",
                                         issued_document.id))
        batch.relations.append(_relation("HAS_SECTION", "PolicyDocument", issued_document.id, "Section",
                                         ids.section_id(doc_id, part.path)))
    for name in header.recipients:
        batch.relations.append(_relation("SENT_TO", "PolicyDocument", doc_id, "Institution",
                                         entities.institution(name, None)))
    for name in header.cc:
        batch.relations.append(_relation("COPIED_TO", "PolicyDocument", doc_id, "Institution",
                                         entities.institution(name, None)))

    section_ids = {}
    for ordinal, s in enumerate(parsed.sections, 1):  # the outline lists them in document order
        sid = ids.section_id(doc_id, s.path)
        section_ids[s.path] = sid
        batch.sections.append(Section(id=sid, doc_id=doc_id, level=s.level, number=s.number,
                                      label=s.label, title=s.title, path=s.path, ordinal=ordinal))
        parent = s.path.rsplit("/", 1)[0] if "/" in s.path else None
        if parent is None:
            batch.relations.append(_relation("HAS_SECTION", "PolicyDocument", doc_id,
                                             "Section", sid))
        else:
            batch.relations.append(_relation("HAS_SECTION", "Section", section_ids[parent],
                                             "Section", sid))

    spans_by_task = {t.path: split_sentences(t.text) for t in parsed.tasks}
    mentions_by_task = task_mentions(parsed, spans_by_task, locality)
    for sentence_mentions in mentions_by_task.values():
        for mentions in sentence_mentions:
            for m in mentions:
                if m.label == "PolicyDocument" and m.doc_number and m.name != m.doc_number:
                    entities.number_by_title.setdefault(ids.normalise_title(m.name), m.doc_number)

    for ordinal, t in enumerate(parsed.tasks, 1):
        _add_task(batch, entities, t, ordinal, spans_by_task[t.path], mentions_by_task[t.path],
                  doc_id, section_ids.get(t.section_path) if t.section_path else None, locality)

    for cited_id in entities.cited:
        batch.relations.append(_relation("CITES", "PolicyDocument", doc_id, "PolicyDocument", cited_id))
    batch.relations.extend(entities.part_of)
    batch.cited_documents = list(entities.cited.values())
    batch.institutions = list(entities.institutions.values())
    batch.programmes = list(entities.programmes.values())
    batch.places = list(entities.places.values())
    batch.targets = list(entities.targets.values())
    batch.relations = list(dict.fromkeys(batch.relations))
    return batch


_LIST_YEAR = re.compile(r"(?:^|[到至于在])((?:19|20)\d{2})年(?:底|末|前|内)?[，,：:]")


def _with_list_years(sentence_mentions: list[list[Mention]], texts: list[str]) -> list[list[Mention]]:
    """A year a list states once (到2020年，建设…；创建…；…。) is the year of every target in
    the list that names none: the list runs from that sentence to the next one that ends in 。."""
    year = None
    out = []
    for mentions, text in zip(sentence_mentions, texts, strict=True):
        if m := _LIST_YEAR.search(text):
            year = int(m.group(1))
        out.append([replace(x, year=year) if x.label == "Target" and x.year is None and year else x
                    for x in mentions])
        if not text.rstrip().endswith(("；", ";", "：", ":")):
            year = None
    return out


_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})年")
_YEAR_IN_NUMBER = re.compile(r"[〔\[［【(（﹝]((?:19|20)\d{2})[〕\]］】)）﹞]")


def _year(issued_date: str | None, title: str, notice_title: str | None, doc_number: str | None) -> int | None:
    """The year the document was issued: from its date, else the year its title or notice
    title opens with or names (2019年国务院政府工作报告), else its 文号's (泉政办〔2017〕106号)."""
    if issued_date:
        return int(issued_date[:4])
    for text in (title, notice_title):
        if text and (m := _YEAR_IN_TITLE.search(text)):
            return int(m.group(1))
    if doc_number and (m := _YEAR_IN_NUMBER.search(doc_number)):
        return int(m.group(1))
    return None


def task_mentions(parsed: ParsedDocument, spans_by_task: dict[str, list[SentenceSpan]],
                  locality: Locality | None) -> dict[str, list[list[Mention]]]:
    """The entity mentions of each task's sentences, by task path, as the graph records them:
    a company the document names is found wherever it recurs (``document_names``), a list's
    year reaches its targets, and a review of past work sets no targets."""
    header = parsed.header
    # The document's own titles, printed over its text without 《》 (a title of 5 characters or
    # fewer is too short to tell from a phrase of the text).
    titles = [t for t in (header.title, header.notice_title) if t and len(t) > 5]
    texts = [span.text for spans in spans_by_task.values() for span in spans]
    found = iter(with_document_names(texts, [extract_mentions(text, locality, titles) for text in texts]))
    out = {path: _with_list_years([next(found) for _ in spans], [span.text for span in spans])
           for path, spans in spans_by_task.items()}
    for path in _reviewed_task_paths(parsed):
        # A review (2023年工作回顾) reports results; the quantities there are not targets.
        out[path] = [[m for m in ms if m.label != "Target"] for ms in out[path]]
    return out


_REVIEW = re.compile(r"回顾|过去[一二三四五六七八九十\d]*年|工作总结|主要成绩|一年来")


def _reviewed_task_paths(parsed: ParsedDocument) -> list[str]:
    """The tasks under a top-level section that reviews past work (一、2023年工作回顾)."""
    reviews = {s.path for s in parsed.sections if "/" not in s.path and _REVIEW.search(s.title)}
    reviews |= {t.path for t in parsed.tasks if "/" not in t.path and _REVIEW.search(t.title)}
    return [t.path for t in parsed.tasks if t.path.split("/", 1)[0] in reviews]


def _year_of_plan(parsed: ParsedDocument) -> int | None:
    """A document that states no date or year of its own (a work report as a newspaper printed
    it) plans for the latest year its section titles name (2024年重点工作安排)."""
    years = [int(m.group(1)) for s in parsed.sections if (m := _YEAR_IN_TITLE.search(s.title))]
    return max(years) if years else None


def _jurisdictions(issuers: list[str], titles: list[str | None]) -> list[Jurisdiction]:
    """One per issuing jurisdiction (a joint document may have several); without an issuer
    that names one, the division the title opens with (包头市2022年数字政府建设考评办法)."""
    found = [j for issuer in issuers if (j := jurisdiction_of(issuer))]
    if not found:
        found = [j for title in titles if title and (j := jurisdiction_of(title))][:1]
    return list(dict.fromkeys(found))


def _locality(parsed: ParsedDocument) -> Locality | None:
    """Where relative names (市教育局) point: the issuer's division, else the first division the
    title names (包头市2022年数字政府建设考评办法 -> 包头市), else the division the text names
    most often (a report says 我代表市人民政府, then names its own city throughout: its opening
    may name the province first)."""
    header = parsed.header
    for text in (header.issuer, header.title, header.notice_title):
        if locality := locality_of(text):
            return locality
    if header.issuer and (central := jurisdiction_of(header.issuer)) and central.level == "national":
        return None  # a central body's 市教育局 is every city's: no division is named most for it
    counts = Counter(m.name for t in parsed.tasks for m in extract_places(t.text, fold(t.text), [])
                     if m.level in DIVISION_LEVELS and m.level != "special_administrative_region")
    return locality_of(counts.most_common(1)[0][0]) if counts else None



def _add_task(batch: GraphBatch, entities: _Entities, t: ParsedTask, ordinal: int,
              spans: list[SentenceSpan], sentence_mentions: list[list[Mention]], doc_id: str,
              section_id: str | None, locality: Locality | None) -> None:
    tid = ids.task_id(doc_id, t.path)
    lead, deadline = extract_task_fields(t.text)
    batch.tasks.append(Task(id=tid, doc_id=doc_id, number=t.number, path=t.path, title=t.title,
                            text=t.text, lead=lead, deadline=deadline, ordinal=ordinal))
    if section_id is None:
        batch.relations.append(_relation("HAS_TASK", "PolicyDocument", doc_id, "Task", tid))
    else:
        batch.relations.append(_relation("HAS_TASK", "Section", section_id, "Task", tid))
    sentence_ids = []
    for ordinal, (span, mentions) in enumerate(zip(spans, sentence_mentions, strict=True)):
        sent_id = ids.sentence_id(tid, ordinal)
        sentence_ids.append(sent_id)
        batch.sentences.append(Sentence(id=sent_id, task_id=tid, ordinal=ordinal,
                                        text=span.text, start=span.start, end=span.end))
        batch.relations.append(_relation("HAS_SENTENCE", "Task", tid, "Sentence", sent_id))
        for m in mentions:
            node_id = entities.node_id(m)
            if node_id is None:
                continue  # the document citing itself
            label: NodeLabel = m.label
            batch.relations.append(_relation("MENTIONS", "Sentence", sent_id, label, node_id))
            batch.relations.append(_relation(TASK_EDGE[m.label], "Task", tid, label, node_id))
    if lead is None:
        return
    for m in lead_institutions(lead, locality):
        node_id = entities.institution(m.name, m.kind, m.aliases)
        batch.relations.append(_relation("LED_BY", "Task", tid, "Institution", node_id))
        # Evidence: the sentence that states the lead unit.
        for span, sent_id in zip(spans, sentence_ids, strict=True):
            if m.text in span.text:
                batch.relations.append(_relation("MENTIONS", "Sentence", sent_id, "Institution", node_id))
                break
