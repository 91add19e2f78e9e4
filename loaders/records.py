"""Parsed document -> graph records (a ``GraphBatch``) with stable ids."""

import hashlib
import re
from pathlib import Path

from graph import ids
from graph.models import (
    GraphBatch,
    Institution,
    NodeLabel,
    PolicyDocument,
    Relation,
    RelType,
    Section,
    Sentence,
    Task,
)
from loaders.outline import ParsedDocument
from loaders.sentences import split_sentences

_CITED_TITLE = re.compile(r"《([^《》]{2,80})》")


def _relation(rel_type: RelType, start_label: NodeLabel, start_id: str,
              end_label: NodeLabel, end_id: str) -> Relation:
    return Relation(type=rel_type, start_label=start_label, start_id=start_id,
                    end_label=end_label, end_id=end_id)


def build_batch(parsed: ParsedDocument, source_name: str, content: bytes) -> GraphBatch:
    """Every node and edge one document contributes. Deterministic: the same input gives
    the same ids and records."""
    header = parsed.header
    title = header.title or Path(source_name).stem
    doc_id = ids.document_id(header.doc_number, header.issuer, header.issued_date, title,
                             source_name)
    document = PolicyDocument(
        id=doc_id, title=title, notice_title=header.notice_title,
        doc_number=ids.normalise_doc_number(header.doc_number) if header.doc_number else None,
        issuer=header.issuer, issued_date=header.issued_date,
        year=int(header.issued_date[:4]) if header.issued_date else None,
        source=source_name, sha256=hashlib.sha256(content).hexdigest(), ingested=True,
        title_key=ids.normalise_title(title),
    )
    batch = GraphBatch(document=document)

    institutions: dict[str, Institution] = {}

    def institution(name: str, kind: str | None) -> str:
        node = institutions.setdefault(
            name, Institution(id=ids.entity_id("Institution", name), name=name, kind=kind))
        return node.id

    if header.issuer:
        batch.relations.append(_relation("ISSUED_BY", "PolicyDocument", doc_id, "Institution",
                                         institution(header.issuer, "issuer")))
    for name in header.recipients:
        batch.relations.append(_relation("SENT_TO", "PolicyDocument", doc_id, "Institution",
                                         institution(name, "recipient")))
    for name in header.cc:
        batch.relations.append(_relation("COPIED_TO", "PolicyDocument", doc_id, "Institution",
                                         institution(name, None)))

    section_ids = {}
    for s in parsed.sections:
        sid = ids.section_id(doc_id, s.path)
        section_ids[s.path] = sid
        batch.sections.append(Section(id=sid, doc_id=doc_id, level=s.level, number=s.number,
                                      label=s.label, title=s.title, path=s.path))
        parent = s.path.rsplit("/", 1)[0] if "/" in s.path else None
        if parent is None:
            batch.relations.append(_relation("HAS_SECTION", "PolicyDocument", doc_id,
                                             "Section", sid))
        else:
            batch.relations.append(_relation("HAS_SECTION", "Section", section_ids[parent],
                                             "Section", sid))

    cited: dict[str, PolicyDocument] = {}
    for t in parsed.tasks:
        tid = ids.task_id(doc_id, t.path)
        batch.tasks.append(Task(id=tid, doc_id=doc_id, number=t.number, path=t.path,
                                title=t.title, text=t.text))
        if t.section_path is None:
            batch.relations.append(_relation("HAS_TASK", "PolicyDocument", doc_id, "Task", tid))
        else:
            batch.relations.append(_relation("HAS_TASK", "Section", section_ids[t.section_path],
                                             "Task", tid))
        for ordinal, span in enumerate(split_sentences(t.text)):
            sent_id = ids.sentence_id(tid, ordinal)
            batch.sentences.append(Sentence(id=sent_id, task_id=tid, ordinal=ordinal,
                                            text=span.text, start=span.start, end=span.end))
            batch.relations.append(_relation("HAS_SENTENCE", "Task", tid, "Sentence", sent_id))
            for cited_title in _CITED_TITLE.findall(span.text):
                key = ids.normalise_title(cited_title)
                if key == document.title_key:
                    continue  # a document never cites itself
                node = cited.setdefault(key, PolicyDocument(
                    id=ids.cited_document_id(None, cited_title), title=cited_title,
                    ingested=False, title_key=key))
                batch.relations.append(_relation("MENTIONS", "Sentence", sent_id,
                                                 "PolicyDocument", node.id))
                batch.relations.append(_relation("CITES", "Task", tid, "PolicyDocument", node.id))
    for node in cited.values():
        batch.relations.append(_relation("CITES", "PolicyDocument", doc_id, "PolicyDocument",
                                         node.id))
    batch.cited_documents = list(cited.values())
    batch.institutions = list(institutions.values())
    batch.relations = list(dict.fromkeys(batch.relations))
    return batch
