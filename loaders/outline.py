"""Parse a policy document's text: the notice header, then the numbered outline.

The outline is a tree of numbered blocks (一、 / （一） / 1. / （1） / 第一章 / 第一条 …). A
numbering style's depth is decided by the order in which styles open inside each branch, so
documents that skip a level in one branch still parse. Tasks are the deepest numbered blocks
that carry prose; prose outside any task (a preamble, a section's introduction) becomes
unnumbered tasks so nothing is lost to search.
"""

import re
from dataclasses import dataclass, field

from loaders.text import paragraphs

CN_DIGITS = "零〇一二三四五六七八九十百"
_NUMBERING: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"^第([{CN_DIGITS}]+)章\s*(.*)$")),
    ("article", re.compile(rf"^第([{CN_DIGITS}]+)条\s*(.*)$")),
    ("cn", re.compile(rf"^([{CN_DIGITS}]+)[、，,]\s*(.*)$")),
    ("cn_paren", re.compile(rf"^[（(]([{CN_DIGITS}]+)[）)]\s*(.*)$")),
    ("arabic", re.compile(r"^(\d{1,3})(?:[.．、](?!\d)|\s+)\s*(.*)$")),
    ("arabic_paren", re.compile(r"^[（(](\d{1,3})[）)]\s*(.*)$")),
    ("circled", re.compile(r"^([①-⑳])\s*(.*)$")),
)
_TERMINAL = "。！？；：!?;:"
_CLOSERS = "”’」』）)"
_SOFT_BREAK = "，、（《“‘—"
_PAGE_TAIL_MIN = 40
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（﹝]\d{4}[〕\]］】)）﹞]\s*第?\d+\s*号")
_PRINTED = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:印发|发布|印)?$")
_NOTICE_TITLE = re.compile(r"^关于.+的(?:通知|意见|决定|批复|函|通报|报告|方案)$")
_CITED_IN_NOTICE = re.compile(r"《([^《》]+)》")
_CC = re.compile(r"^(?:抄送|抄)[:：]\s*(.+)$")
_ISSUER_SUFFIX = re.compile(r"(?:局|委员会|委|政府|办公厅|办公室|厅|部|院|中心|署|处)$")


@dataclass
class DocumentHeader:
    issuer: str | None = None
    doc_number: str | None = None
    notice_title: str | None = None
    title: str | None = None
    issued_date: str | None = None
    recipients: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A numbered block of the outline, or the root (style None)."""

    style: str | None
    number: int
    label: str
    head: str
    prose: list[str] = field(default_factory=list)
    children: list["Block"] = field(default_factory=list)

    @property
    def carries_prose(self) -> bool:
        return bool(self.prose) or any(c in self.head for c in "。！？；")


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


def cn_to_int(numeral: str) -> int:
    """一 -> 1, 十二 -> 12, 二十三 -> 23, 一百零五 -> 105; arabic and circled digits too."""
    if "①" <= numeral <= "⑳":
        return ord(numeral) - ord("①") + 1
    if numeral.isdecimal():
        return int(numeral)
    values = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
    total, current = 0, 0
    for ch in numeral:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = values[ch]
    return total + current


def match_numbering(paragraph: str) -> tuple[str, str, str] | None:
    """(style, numeral, rest) if the paragraph opens with an outline numeral."""
    for style, pattern in _NUMBERING:
        m = pattern.match(paragraph)
        if m and m.group(2):
            return style, m.group(1), m.group(2)
    return None


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
    a soft break, or leaving a 《 or “ open), and the next paragraph does not open with an
    outline numeral.
    """
    joined: list[str] = []
    for para in paras:
        if joined:
            prev = joined[-1]
            tail_like = (len(prev) >= _PAGE_TAIL_MIN or "。" in prev or prev[-1] in _SOFT_BREAK
                         or prev.count("《") > prev.count("》")
                         or prev.count("“") > prev.count("”"))
            if (not _ends_sentence(prev) and not _is_heading_line(prev) and tail_like
                    and match_numbering(para) is None):
                joined[-1] = prev + para
                continue
        joined.append(para)
    return joined


def _split_top_level(text: str, separators: str) -> list[str]:
    """Split on separators outside brackets: 各镇（区、街道）政府 stays one piece."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "（(《“":
            depth += 1
        elif ch in "）)》”":
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_header(paras: list[str]) -> tuple[DocumentHeader, int]:
    """Read the notice header; return it and the index of the first body paragraph."""
    header = DocumentHeader()
    body_start = 0
    head_zone = paras[:20]
    for i, para in enumerate(head_zone):
        if header.doc_number is None and (m := _DOC_NUMBER.search(para)) and len(para) < 40:
            header.doc_number = re.sub(r"\s+", "", m.group(0))
            body_start = max(body_start, i + 1)
            if i > 0 and header.issuer is None and _ISSUER_SUFFIX.search(paras[0]) \
                    and len(paras[0]) < 30:
                header.issuer = paras[0]
        elif header.notice_title is None and _NOTICE_TITLE.match(para):
            header.notice_title = para
            body_start = max(body_start, i + 1)
        elif header.notice_title and not header.recipients and para.endswith(("：", ":")) \
                and len(para) < 200 and i == body_start:
            header.recipients = _split_top_level(para.rstrip("：:"), "，,；;")
            body_start = i + 1
        elif m := _CC.match(para):
            header.cc = _split_top_level(m.group(1), "，,；;、")
            body_start = max(body_start, i + 1)
        elif m := _PRINTED.match(para):
            header.issued_date = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
            if para.endswith(("印发", "印")):
                body_start = max(body_start, i + 1)
    if header.notice_title and (cited := _CITED_IN_NOTICE.search(header.notice_title)):
        header.title = cited.group(1)
    return header, body_start


def _strip_signature(body: list[str], header: DocumentHeader) -> list[str]:
    """Drop a closing signature (issuer, date) and take its date when the header had none."""
    while body:
        m = _PRINTED.match(body[-1])
        if m:
            header.issued_date = header.issued_date or f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
            body = body[:-1]
        elif len(body[-1]) < 30 and _ISSUER_SUFFIX.search(body[-1]) and not _ends_sentence(body[-1]):
            header.issuer = header.issuer or body[-1]
            body = body[:-1]
        else:
            break
    return body


def build_tree(body: list[str]) -> Block:
    """Nest numbered blocks: a style already open in the current branch closes back to it."""
    root = Block(style=None, number=0, label="", head="")
    stack = [root]
    for para in body:
        numbering = match_numbering(para)
        if numbering is None:
            stack[-1].prose.append(para)
            continue
        style, numeral, rest = numbering
        open_styles = [b.style for b in stack]
        if style in open_styles:
            del stack[open_styles.index(style):]
        block = Block(style=style, number=cn_to_int(numeral), label=numeral, head=rest)
        stack[-1].children.append(block)
        stack.append(block)
    return root


def _title_of(text: str) -> str:
    for i, ch in enumerate(text):
        if ch in "。！？；":
            return text[:i]
    return text


def _unnumbered_paths(parent: str | None, count: int) -> list[str]:
    base = f"{parent}/前言" if parent else "前言"
    return [base if i == 0 else f"{base}{i + 1}" for i in range(count)]


def outline(root: Block) -> tuple[list[ParsedSection], list[ParsedTask]]:
    """Turn the block tree into sections and tasks with unique paths."""
    sections: list[ParsedSection] = []
    tasks: list[ParsedTask] = []

    def unnumbered(parent_path: str | None, texts: list[str]) -> None:
        for path, text in zip(_unnumbered_paths(parent_path, len(texts)), texts, strict=True):
            tasks.append(ParsedTask(path=path, section_path=parent_path, number=0,
                                    title=_title_of(text), text=text))

    def visit(block: Block, parent_path: str | None, level: int) -> None:
        path = f"{parent_path}/{block.label}" if parent_path else block.label
        if block.children:
            sections.append(ParsedSection(path=path, level=level, number=block.number,
                                          label=block.label, title=_title_of(block.head)))
            intro = block.head[len(_title_of(block.head)) + 1:].strip()
            texts = ([intro] if intro else []) + block.prose
            unnumbered(path, ["\n".join(texts)] if texts else [])
            for child in block.children:
                visit(child, path, level + 1)
        elif block.carries_prose:
            text = "\n".join([block.head, *block.prose])
            tasks.append(ParsedTask(path=path, section_path=parent_path, number=block.number,
                                    title=_title_of(block.head), text=text))
        else:
            sections.append(ParsedSection(path=path, level=level, number=block.number,
                                          label=block.label, title=block.head))

    unnumbered(None, root.prose)
    for child in root.children:
        visit(child, None, 1)
    return sections, tasks


def parse_document(text: str) -> ParsedDocument:
    paras = paragraphs(text)
    header, body_start = parse_header(paras)
    body = join_page_breaks(paras[body_start:])
    body = _strip_signature(body, header)
    if body and match_numbering(body[0]) is None and not _ends_sentence(body[0]) \
            and len(body[0]) < _PAGE_TAIL_MIN:
        # A body heading such as "2021年教育工作要点": the document's title, not prose.
        header.title = header.title or body[0]
        body = body[1:]
    sections, tasks = outline(build_tree(body))
    return ParsedDocument(header=header, sections=sections, tasks=tasks)
