"""Parse a policy document's text: the header, then the numbered outline, into sections and tasks.

The body may hold several parts: the document a notice prints (or several of them, "文件1",
"文件2"), attachments ("附件1") and a glossary ("名词解释"), each with its own outline. Within a
part, the outline is a tree of numbered blocks (一、 / （一） / 1. / （1） / ① / 第一章 / 第一条 /
一是…); a numbering style's depth is decided by the order in which styles open inside each
branch, so documents that skip a level in one branch still parse.

Tasks are the deepest numbered blocks that carry prose. Prose outside any task (a preamble, a
section's introduction, a report's pages of paragraphs, an over-long item) becomes unnumbered
tasks, cut into paragraph-sized parts, so that nothing is lost to search.

Path segments, joined by "/": a numbered block's label (二, （三）, 6, （1）, ①, 第二章, 第三条,
一是); a part (文件2, 附件1, 附件, 名词解释); an unnumbered heading (§2); and for unnumbered tasks
前言, 前言2 … (prose before a block's items), 结语 … (after them), ¶1, ¶2 … (prose that is all a
heading holds) and 通知 (a notice's own text). A path that would repeat gets ~2, ~3 ….
"""

import re
from dataclasses import dataclass, field

from loaders.header import DocumentHeader, is_signature_line, read_front_matter, read_signature
from loaders.numerals import CN_DIGITS, cn_to_int
from loaders.prose import chunk_paragraphs, part_title
from loaders.text import paragraphs

__all__ = [
    "CN_DIGITS",
    "DocumentHeader",
    "ParsedDocument",
    "ParsedSection",
    "ParsedTask",
    "cn_to_int",
    "join_page_breaks",
    "match_numbering",
    "parse_document",
]

_CN = f"[{CN_DIGITS}]+"
# (style, pattern, label format). Order matters only where patterns overlap (第…部分 before 第…章).
_NUMBERING: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("part", re.compile(rf"^第({_CN})部分\s*(.*)$"), "第{}部分"),
    ("chapter", re.compile(rf"^第({_CN})章\s*(.*)$"), "第{}章"),
    ("section", re.compile(rf"^第({_CN})节\s*(.*)$"), "第{}节"),
    ("article", re.compile(rf"^第({_CN})条\s*(.*)$"), "第{}条"),
    ("cn", re.compile(rf"^({_CN})[、，,]\s*(.*)$"), "{}"),
    ("cn_paren", re.compile(rf"^[（(]({_CN})[）)]\s*(.*)$"), "（{}）"),
    # A report's "一是…" is an item heading only as a short line of its own; in prose it is prose.
    ("cn_shi", re.compile(r"^([一二三四五六七八九十]+)是([^。！？；!?;]{2,40})$"), "{}是"),
    # A private-use character after the number is a full stop drawn in a custom font (hubei).
    ("arabic", re.compile(r"^(\d{1,3})(?:[.．、﹒\ue000-\uf8ff](?!\d)|\s+)\s*(.*)$"), "{}"),
    ("arabic_paren", re.compile(r"^[（(](\d{1,3})[）)]\s*(.*)$"), "（{}）"),
    ("circled", re.compile(r"^([①-⑳])\s*(.*)$"), "{}"),
)
# Item numbers that count only in sequence: "1坚持…" (no stop after the number) and "8.6个…"
# (the item's text starts with a figure).
_UNITS = "年月日号个项万亿千百元名所家次届批期条章节种类点位岁周天时分秒倍"
_BARE_ARABIC = re.compile(rf"^(\d{{1,2}})(?=[\u4e00-\u9fff])(?![{_UNITS}])(.+)$")
_DECIMAL_ITEM = re.compile(r"^(\d{1,3})[.．﹒](\d.+)$")
_SEQUENCE_LOOKAHEAD = 3

# 附件, 附件：, 附件1 …, 附件2名词解释; not prose that starts with the word (附件中的表格…).
_ATTACHMENT = re.compile(r"^附\s*件\s*(?:([0-9０-９]{1,2})|(?=[:：]|$))\s*[:：]?\s*([^。！？；:：]{0,40})$")
_APPENDIX = re.compile(r"^(?:名词解释|名词注释|注释|附录)\s*[:：]?$")
_DOC_KIND = re.compile(r"(?:意见|方案|办法|计划|政策|规定|通知|要点|细则|纲要|规划|条例|措施|指南|决定|标准|名单|清单"
                       r"|安排|任务|制度|公告|决议)"
                       r"(?:[（(][^（）()]*[）)])?$")
_HEADING = re.compile(r"^[\u4e00-\u9fff0-9“”]{2,20}$")
_BOX = "专栏"  # a box inside an item (专栏1 …工程) belongs to the item's text
_ADDRESS = re.compile(r"^各位代表[！!，,]")
_TITLE_MAX = 60

_TERMINAL = "。！？；：!?;:"
_STOPS = "。！？；"
_CLOSERS = "”’」』）)"
_SOFT_BREAK = "，、（《“‘—"
_PAGE_TAIL_MIN = 40
# A numbered item longer than this is a heading over pages of prose (a report's （十）…, with
# six paragraphs) and is cut into parts like other prose.
LONG_ITEM = 1200
_UNNUMBERED_STYLES = ("attachment", "heading")
_DIVISIONS = ("part", "chapter", "section", "article")


@dataclass(frozen=True)
class Numbering:
    style: str
    numeral: str
    number: int
    label: str
    rest: str


@dataclass
class Block:
    """A numbered block of the outline, an unnumbered heading, or the root (style None)."""

    style: str | None
    number: int
    label: str
    head: str
    prose: list[str] = field(default_factory=list)
    children: list["Block"] = field(default_factory=list)
    # Prose that follows the children (a report's closing paragraphs after its last item).
    tail: list[str] = field(default_factory=list)

    @property
    def carries_prose(self) -> bool:
        return bool(self.prose) or any(c in self.head for c in _STOPS)


@dataclass
class ParsedSection:
    path: str
    level: int
    number: int
    label: str
    title: str


@dataclass
class ParsedTask:
    path: str
    section_path: str | None
    number: int
    title: str
    text: str


@dataclass
class ParsedDocument:
    header: DocumentHeader
    sections: list[ParsedSection]
    tasks: list[ParsedTask]
    # Paragraphs read as metadata rather than body: header, signatures, attachment lists.
    skipped: list[str] = field(default_factory=list)



def unlike_a_policy(parsed: ParsedDocument) -> str | None:
    """Why a text does not read as a policy document, or None when it does: it has neither a
    header (an issuer, a 文号 or a date) nor an outline (numbered items from 1 on: a line that
    opens with "45 documents" is no outline). A directory ingest skips such a file (a README,
    a table of sources), which would otherwise become a "document" of unnumbered prose."""
    header = parsed.header
    if header.issuer or header.doc_number or header.issued_date:
        return None
    numbers = [n for n in (*(s.number for s in parsed.sections), *(t.number for t in parsed.tasks)) if n]
    if len(numbers) >= 2 and 1 in numbers:
        return None
    return "neither a header (issuer, 文号 or date) nor numbered items: not read as a policy document"

@dataclass
class _Part:
    label: str | None
    number: int
    title: str
    lines: list[str]


def _numbering(paragraph: str) -> Numbering | None:
    for style, pattern, label in _NUMBERING:
        m = pattern.match(paragraph)
        if m and m.group(2):
            return Numbering(style=style, numeral=m.group(1), number=cn_to_int(m.group(1)),
                             label=label.format(m.group(1)), rest=m.group(2))
    return None


def match_numbering(paragraph: str) -> tuple[str, str, str] | None:
    """(style, numeral, rest) if the paragraph opens with an outline numeral, judged alone."""
    n = _numbering(paragraph)
    return None if n is None else (n.style, n.numeral, n.rest)


def number_lines(lines: list[str]) -> list[Numbering | None]:
    """Each line's numbering, with the forms that count only in sequence (1坚持…, 8.6个…)."""
    out: list[Numbering | None] = []
    last = 0
    for i, line in enumerate(lines):
        n = _numbering(line)
        if n is None and (m := _BARE_ARABIC.match(line) or _DECIMAL_ITEM.match(line)):
            number = int(m.group(1))
            follows = last > 0 and number == last + 1
            opens = last == 0 and number == 1 and any(
                (nxt := _BARE_ARABIC.match(later)) and nxt.group(1) == "2"
                for later in lines[i + 1:i + 1 + _SEQUENCE_LOOKAHEAD])
            if follows or opens:
                n = Numbering(style="arabic", numeral=m.group(1), number=number, label=str(number),
                              rest=m.group(2))
        if n is not None:
            last = n.number if n.style == "arabic" else 0
        out.append(n)
    return out


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def _is_heading_line(paragraph: str) -> bool:
    """A numbered line without a full stop is a heading, never a page-break fragment."""
    return match_numbering(paragraph) is not None and "。" not in paragraph


def join_page_breaks(paras: list[str]) -> list[str]:
    """Re-join paragraphs a page break cut mid-sentence.

    A paragraph continues into the next when it does not end a sentence, is not a heading,
    looks like a page's tail rather than a title (long, already holding a full stop, ending on
    a soft break, or leaving a 《 or “ open), and the next paragraph does not open a block of
    its own: an outline numeral, an attachment, a signature (an item that ends on a bracket,
    〔责任单位：…〕, is often followed directly by 附件 or by the issuer and date).
    """
    joined: list[str] = []
    for para in paras:
        if joined:
            prev = joined[-1]
            tail_like = (len(prev) >= _PAGE_TAIL_MIN or "。" in prev or prev[-1] in _SOFT_BREAK
                         or prev.count("《") > prev.count("》")
                         or prev.count("“") > prev.count("”"))
            if not _ends_sentence(prev) and not _is_heading_line(prev) and tail_like and not _opens_block(para):
                joined[-1] = prev + para
                continue
        joined.append(para)
    return joined


def _opens_block(para: str) -> bool:
    return (match_numbering(para) is not None or is_signature_line(para)
            or bool(_ATTACHMENT.match(para) or _APPENDIX.match(para)))


def _title_like(line: str) -> bool:
    return (len(line) <= _TITLE_MAX and not any(c in line for c in _TERMINAL)
            and _numbering(line) is None and not is_signature_line(line))


def _document_title(lines: list[str], numbers: list[Numbering | None], i: int) -> int:
    """How many lines at i form the title of a document printed in the body (0: none).

    A title names a kind of document (…实施意见, …行动计划（2021-2023年）) and opens the body, or
    follows a finished sentence and restarts the numbering at 1 (the second document a notice
    prints); a title broken over two lines is read as one.
    """
    if not _title_like(lines[i]):
        return 0
    if _DOC_KIND.search(lines[i]):
        size = 1
    elif (i + 1 < len(lines) and _title_like(lines[i + 1]) and _DOC_KIND.search(lines[i + 1])
          and len(lines[i]) + len(lines[i + 1]) <= _TITLE_MAX):
        size = 2
    else:
        return 0
    if i == 0:
        return size
    first = next((n for n in numbers[i + size:] if n is not None), None)
    return size if _ends_sentence(lines[i - 1]) and first is not None and first.number == 1 else 0


@dataclass
class _Marker:
    """A line (or two) that opens a part: 附件1 + its title, 名词解释, a printed document's title."""

    start: int
    size: int
    kind: str  # "附件", "文件" or the appendix's own name
    title: str
    number: int = 0


def _markers(lines: list[str]) -> list[_Marker]:
    numbers = number_lines(lines)
    markers: list[_Marker] = []
    # An unnumbered heading that names no document (2023年工作回顾) makes its like-shaped
    # siblings headings of the same report (2024年工作安排), not titles of printed documents.
    report_headings = False
    i = 0
    while i < len(lines):
        line = lines[i]
        size = 1
        if m := _ATTACHMENT.match(line):
            title = m.group(2).strip()
            if not title and i + 1 < len(lines) and _title_like(lines[i + 1]):
                title, size = lines[i + 1], 2
            digits = (m.group(1) or "0").translate(str.maketrans("０１２３４５６７８９", "0123456789"))
            markers.append(_Marker(start=i, size=size, kind="附件", title=title, number=int(digits)))
        elif _APPENDIX.match(line):
            name = line.rstrip("：:").strip()
            markers.append(_Marker(start=i, size=size, kind=name, title=name))
        elif not (report_headings and _HEADING.match(line)) and (title_size := _document_title(lines, numbers, i)):
            size = title_size
            markers.append(_Marker(start=i, size=size, kind="文件", title="".join(lines[i:i + size])))
        elif numbers[i] is None and _HEADING.match(line) and (i == 0 or _ends_sentence(lines[i - 1])) \
                and not _DOC_KIND.search(line):
            report_headings = True
        i += size
    return markers


_PRINTED_DOCUMENT = "文件"  # the label of a part that holds one of several documents a notice prints
_PRINTED_DOCUMENT_PATH = re.compile(rf"{_PRINTED_DOCUMENT}\d+")


def is_printed_document(section: ParsedSection) -> bool:
    """Whether a section is the part of the outline that holds one of several documents a
    notice prints (文件1, 文件2; ``split_parts`` labels them)."""
    return bool(_PRINTED_DOCUMENT_PATH.fullmatch(section.path))


def split_parts(lines: list[str]) -> tuple[list[_Part], list[str], str | None]:
    """Cut the body into the parts that carry their own outline.

    Returns the parts, the lines read as metadata (the title of the one printed document, a
    notice's list of attachments) and that title. Several printed documents become 文件1,
    文件2 …; a single one keeps plain paths, as the sample does.
    """
    markers = _markers(lines)
    skipped: list[str] = []
    own_title = None
    documents = [m for m in markers if m.kind == "文件"]
    if len(documents) == 1 and documents[0].start == 0:
        own = documents[0]
        skipped.extend(lines[:own.size])
        own_title = own.title
        markers.remove(own)
        lines = lines[own.size:]
        for m in markers:
            m.start -= own.size

    parts: list[_Part] = []
    first = markers[0].start if markers else len(lines)
    if lines[:first]:
        parts.append(_Part(label=None, number=0, title="", lines=lines[:first]))
    # Body before the first printed title is the first document, untitled.
    doc_count = 1 if parts and documents and documents[0].start > 0 else 0
    for k, marker in enumerate(markers):
        end = markers[k + 1].start if k + 1 < len(markers) else len(lines)
        content = lines[marker.start + marker.size:end]
        if marker.kind == "附件" and not content:
            skipped.extend(lines[marker.start:end])  # a notice's list of its attachments
            continue
        number = marker.number
        if marker.kind == "文件":
            doc_count += 1
            label, number = f"{_PRINTED_DOCUMENT}{doc_count}", doc_count
        elif marker.kind == "附件":
            label = f"附件{number or ''}"
        else:
            label = marker.kind
        parts.append(_Part(label=label, number=number, title=marker.title, lines=content))
    return parts, skipped, own_title


def _headings(lines: list[str], numbers: list[Numbering | None]) -> set[int]:
    """Unnumbered headings that stand above the numbered outline (a report's 2024年工作回顾,
    2025年工作安排建议 …); a lone short line is not taken for an outline of its own."""
    found = set()
    for i, line in enumerate(lines):
        if (numbers[i] is None and _HEADING.match(line) and not line.startswith(_BOX)
                and (i == 0 or _ends_sentence(lines[i - 1]))
                and i + 1 < len(lines) and (numbers[i + 1] is not None or _ends_sentence(lines[i + 1]))):
            found.add(i)
    return found if len(found) >= 2 else set()


def build_tree(lines: list[str]) -> Block:
    """Nest numbered blocks: a style already open in the current branch closes back to it."""
    numbers = number_lines(lines)
    headings = _headings(lines, numbers)
    root = Block(style=None, number=0, label="", head="")
    stack = [root]
    for i, (para, numbering) in enumerate(zip(lines, numbers, strict=True)):
        if i in headings:
            count = sum(1 for b in root.children if b.style == "heading") + 1
            block = Block(style="heading", number=count, label=f"§{count}", head=para)
            root.children.append(block)
            stack[1:] = [block]
            continue
        if numbering is None:
            if _ADDRESS.match(para):
                del stack[2:]  # "各位代表！" turns from the last item back to the section
            target = stack[-1]
            (target.tail if target.children else target.prose).append(para)
            continue
        open_styles = [b.style for b in stack]
        if numbering.style in _DIVISIONS:
            # 第…部分 / 章 / 节 / 条 rank above any list: they close lists and lower divisions.
            higher = _DIVISIONS[:_DIVISIONS.index(numbering.style)]
            keep = next((depth for depth, style in enumerate(open_styles)
                         if depth > 0 and style not in higher and style != "heading"), len(stack))
            del stack[keep:]
        elif numbering.style in open_styles:
            del stack[open_styles.index(numbering.style):]
        if numbering.number == 2:
            _split_inline_first_item(stack[-1], numbering.style)
        block = Block(style=numbering.style, number=numbering.number, label=numbering.label,
                      head=numbering.rest)
        stack[-1].children.append(block)
        stack.append(block)
    return root


def _split_inline_first_item(parent: Block, style: str) -> None:
    """Item 1 written on its heading's line (（二）基本原则。1.普及型原则。…) before item 2."""
    if parent.children or parent.prose:
        return
    title = _title_of(parent.head)
    first = _numbering(parent.head[len(title) + 1:].strip())
    if first is not None and first.style == style and first.number == 1:
        parent.head = parent.head[:len(title) + 1]
        parent.children.append(Block(style=style, number=1, label=first.label, head=first.rest))


def _title_of(text: str) -> str:
    for i, ch in enumerate(text):
        if ch in _STOPS:
            return text[:i]
    return text


class _Outline:
    """Sections and tasks in document order, with paths made unique."""

    def __init__(self) -> None:
        self.sections: list[ParsedSection] = []
        self.tasks: list[ParsedTask] = []
        self._paths: set[str] = set()
        # The last suffix tried per path: all below it are taken (paths are never given back),
        # so the search resumes there; from 1 each time, 20,000 items "1 …" took quadratic time.
        self._suffix: dict[str, int] = {}

    def path(self, parent: str | None, label: str) -> str:
        path = f"{parent}/{label}" if parent else label
        unique, n = path, self._suffix.get(path, 1)
        if n > 1:
            unique = f"{path}~{n}"
        while unique in self._paths:
            n += 1
            unique = f"{path}~{n}"
        self._suffix[path] = n
        self._paths.add(unique)
        return unique

    def section(self, block: Block, parent: str | None, level: int, title: str) -> str:
        path = self.path(parent, block.label)
        self.sections.append(ParsedSection(path=path, level=level, number=block.number,
                                           label=block.label, title=title))
        return path

    def prose(self, parent: str | None, texts: list[str], base: str) -> None:
        """Unnumbered parts: 前言, 前言2 … before the items; 结语 … after; ¶1, ¶2 … as a body;
        通知 for a notice's own text."""
        for k, text in enumerate(chunk_paragraphs(texts), 1):
            label = f"¶{k}" if base == "¶" else (base if k == 1 else f"{base}{k}")
            self.tasks.append(ParsedTask(path=self.path(parent, label), section_path=parent, number=0,
                                         title=part_title(text), text=text))

    def block(self, block: Block, parent: str | None, level: int) -> None:
        title = _title_of(block.head)
        intro = block.head[len(title) + 1:].strip()
        if block.children:
            path = self.section(block, parent, level, title)
            self.prose(path, [intro, *block.prose] if intro else block.prose, "前言")
            for child in block.children:
                self.block(child, path, level + 1)
            self.prose(path, block.tail, "结语")
        elif block.style in _UNNUMBERED_STYLES or _too_long(block, intro):
            path = self.section(block, parent, level, title)
            if block.prose:
                self.prose(path, [intro] if intro else [], "前言")
                self.prose(path, block.prose, "¶")
            else:
                self.prose(path, [intro] if intro else [], "¶")
        elif block.carries_prose:
            text = "\n".join([block.head, *block.prose])
            self.tasks.append(ParsedTask(path=self.path(parent, block.label), section_path=parent,
                                         number=block.number, title=title, text=text))
        else:
            self.section(block, parent, level, block.head)

    def root(self, root: Block, parent: str | None, level: int) -> None:
        self.prose(parent, root.prose, "前言" if root.children else "¶")
        for child in root.children:
            self.block(child, parent, level)
        self.prose(parent, root.tail, "结语")


def _too_long(block: Block, intro: str) -> bool:
    """A numbered item too long for one task, that its paragraphs or sentences can divide."""
    if len(block.head) + sum(map(len, block.prose)) <= LONG_ITEM:
        return False
    parts = len(chunk_paragraphs(block.prose)) + bool(intro) if block.prose else len(chunk_paragraphs([intro]))
    return parts >= 2


def _strip_signature(lines: list[str], header: DocumentHeader, skipped: list[str]) -> list[str]:
    """Drop a closing signature (issuer, date, news dateline), keeping what the header lacks."""
    end = len(lines)
    while end and is_signature_line(lines[end - 1]):
        end -= 1
        read_signature(lines[end], header)
    skipped.extend(lines[end:])
    return lines[:end]


def parse_document(text: str) -> ParsedDocument:
    paras = paragraphs(text)
    front = read_front_matter(paras, lambda line: match_numbering(line) is not None)
    header, skipped = front.header, list(front.skipped)
    body = join_page_breaks(paras[front.body_start:])
    parts, listed, own_title = split_parts(body)
    skipped.extend(listed)
    header.title = header.title or own_title
    outline = _Outline()
    if front.notice:
        outline.prose(None, [front.notice], "通知")
    for part in parts:
        lines = _strip_signature(part.lines, header, skipped)
        tree = build_tree(lines)
        if part.label is None:
            outline.root(tree, None, 1)
            continue
        block = Block(style="attachment", number=part.number, label=part.label, head=part.title)
        path = outline.section(block, None, 1, part.title)
        outline.root(tree, path, 2)
    return ParsedDocument(header=header, sections=outline.sections, tasks=outline.tasks, skipped=skipped)
