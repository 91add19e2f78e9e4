"""Stable node ids: sha256 of a normalised key, never Python's ``hash()``."""

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
_DOC_NUMBER_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕",
                                      "(": "〔", ")": "〕", "（": "〔", "）": "〕", "﹝": "〔", "﹞": "〕"})


def normalise_key(text: str) -> str:
    """NFKC, no whitespace: the form two spellings of one name share."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def normalise_doc_number(doc_number: str) -> str:
    """One spelling of a 文号: 国办发[2015]71号 and 国办发〔2015〕71号 are the same document."""
    return _SPACE.sub("", doc_number).translate(_DOC_NUMBER_BRACKETS)


def make_id(prefix: str, *parts: str) -> str:
    """``prefix`` + the first 20 hex digits of sha256 over the normalised parts."""
    key = "\x1f".join(normalise_key(p) for p in parts)
    return f"{prefix}_{hashlib.sha256(key.encode('utf-8')).hexdigest()[:20]}"


def document_id(doc_number: str | None, issuer: str | None, issued_date: str | None,
                title: str | None, source_name: str) -> str:
    """A document's id: its 文号, else (issuer, date, title), else the source file name."""
    if doc_number:
        return make_id("doc", "number", normalise_doc_number(doc_number))
    if issuer and issued_date and title:
        return make_id("doc", "meta", issuer, issued_date, title)
    return make_id("doc", "file", source_name)


def issued_document_id(notice_id: str, title: str) -> str:
    """Id of a document that a notice issues together with others (南通's notice prints two
    opinions): the notice's id (from its 文号) and the document's normalised title. Titles
    alone repeat across provinces (关于全面加强和改进学校美育工作的实施意见)."""
    return make_id("doc", "issued", notice_id, normalise_title(title))


def cited_document_id(doc_number: str | None, title: str | None) -> str:
    """Id of a document known only from a citation: 文号 if given, else its normalised title.

    An ingested document without a 文号 is matched to its citations by title (see ingest).
    """
    if doc_number:
        return make_id("doc", "number", normalise_doc_number(doc_number))
    if not title:
        raise ValueError("a cited document needs a 文号 or a title")
    return make_id("doc", "title", normalise_title(title))


def normalise_title(title: str) -> str:
    """Title form used to match citations: no 《》, no spaces, NFKC."""
    return normalise_key(title).strip("《》<>")


def section_id(doc_id: str, path: str) -> str:
    return make_id("sec", doc_id, path)


def task_id(doc_id: str, path: str) -> str:
    return make_id("task", doc_id, path)


def sentence_id(task_id_: str, ordinal: int) -> str:
    return make_id("sent", task_id_, str(ordinal))


def entity_id(label: str, canonical_name: str) -> str:
    """Entities are shared across documents: the id depends on label and name only."""
    return make_id(label.lower(), label, canonical_name)
