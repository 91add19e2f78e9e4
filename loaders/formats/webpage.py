"""Web pages (.html/.htm) -> the article's text: navigation, headers, footers, scripts, share
buttons and related-link lists left out.

The article is found by trafilatura (maintained, with readability and jusText as its own
fallbacks) rather than by hand-written rules. Paragraphs become lines; tables go through the
same renderer as Word tables so a task table reads alike in both.
"""

import re
from collections.abc import Iterator
from typing import Any

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Document

from loaders.errors import UnreadableFileError
from loaders.formats.tables import Cell, table_lines
from loaders.text import decode_text

_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_:.\-]+)""", re.I)
_BLOCKS = {"p", "head", "item", "quote", "code"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_NAV_TOKENS = {"nav", "navbar", "navigation", "topnav", "subnav", "mainnav", "menu", "menubar",
               "breadcrumb", "breadcrumbs", "crumbs"}


def html_text(content: bytes, name: str) -> str:
    """The article body as lines, its title first when the body does not repeat it."""
    markup = decode_text(content, name, declared=declared_charset(content))
    document = _article(markup)
    if document is None:
        raise UnreadableFileError(f"{name}: no article text found in the web page")
    lines = [line for line in (ln.strip() for ln in _lines(document.body)) if line]
    title = (document.title or "").strip()
    if title and not any(_squash(title) == _squash(line) for line in lines[:20]):
        lines.insert(0, title)
    return "\n".join(lines)


def _article(markup: str) -> Document | None:
    markup = without_navigation(markup)
    for favor_recall in (False, True):  # a short notice can fall under the precision defaults
        document = trafilatura.bare_extraction(markup, favor_recall=favor_recall, include_tables=True,
                                               include_comments=False, include_images=False,
                                               include_links=False, include_formatting=False,
                                               with_metadata=True)
        if isinstance(document, Document) and document.body is not None and (document.text or "").strip():
            return document
    return None


def without_navigation(markup: str) -> str:
    """The page without its navigation: ``<nav>``, ``role="navigation"`` and elements whose
    id or class names a menu, a nav bar or breadcrumbs. trafilatura takes a page's first
    heading as its title, also the site name in a nav bar's ``<h1>``; the article's own
    heading or ``<title>`` must win. An element holding most of the page's text is kept
    (a ``<div class="nav-open">`` around everything)."""
    try:
        tree = lxml.html.fromstring(_XML_DECLARATION.sub("", markup, count=1))
    except (ValueError, lxml.etree.ParserError):
        return markup  # trafilatura says what it makes of it
    if not isinstance(tree, lxml.html.HtmlElement):
        return markup
    total = len(tree.text_content())
    for element in list(tree.iter()):
        if not isinstance(element, lxml.html.HtmlElement) or element.tag in ("html", "body", "head"):
            continue
        named = _NAV_TOKENS.intersection(re.split(r"[\s_\-]+", " ".join(
            (element.get("id") or "", element.get("class") or "")).lower()))
        navigation = element.tag == "nav" or element.get("role") == "navigation" or named
        if navigation and element.getparent() is not None \
                and len(element.text_content()) <= total / 2:
            element.drop_tree()
    return str(lxml.html.tostring(tree, encoding="unicode"))


def declared_charset(content: bytes) -> str | None:
    """The charset a page declares in a meta tag or an XML declaration, if any."""
    head = content[:_SNIFF_BYTES]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii") if m else None


def _lines(element: Any) -> Iterator[str]:
    """Lines of trafilatura's XML body: a line per paragraph, heading and list item (line
    breaks inside kept), tables row by row."""
    for child in element:
        if child.tag == "table":
            yield from table_lines(_table_rows(child))
        elif child.tag in _BLOCKS:
            yield from _block_text(child).split("\n")
        else:
            yield from _lines(child)
        if child.tail and child.tail.strip():
            yield child.tail


def _block_text(element: Any) -> str:
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "lb" else _block_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _table_rows(table: Any) -> list[list[Cell]]:
    rows = []
    for row in table.iter("row"):
        if _enclosing_table(row) is not table:
            continue  # a nested table's rows belong to the cell that holds it
        rows.append([Cell("\n".join(ln.strip() for ln in _block_text(cell).split("\n") if ln.strip()))
                     for cell in row if cell.tag == "cell"])
    return rows


def _enclosing_table(element: Any) -> Any:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
