"""Tables (Word, web pages) as lines the outline parser reads like typed text.

Work plans often list tasks in a table: 序号 | 工作任务 | 牵头单位 | 完成时限. A row becomes
the numbered line ``1.夯实基层党建基础。…`` followed by ``牵头单位：市教育局；完成时限：12月底``,
the labelled form in which the task-field extractor finds lead and deadline in typed text.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loaders.outline import CN_DIGITS, match_numbering

_TERMINAL = "。！？；：!?;:"
_HEADER_CELL_MAX = 12
_NUMERAL_HEADER = re.compile(r"^(?:序号|编号|序|号|No\.?)$", re.I)
# Columns that qualify a task rather than state it: rendered as "header：value".
_ATTRIBUTE_HEADER = re.compile(r"单位|部门|时限|时间|期限|节点|责任人|联系人|备注|进度|牵头|配合|协办|分工|负责|主体")
# A header row names at least one column the way task tables do; a short key/value row
# (发文机关 | 太仓市教育局) does not.
_CONTENT_HEADER = re.compile(r"任务|内容|事项|措施|举措|目标|要点|项目|名称|类别|类型|工作|指标|要求|标准|领域|环节")


@dataclass(frozen=True)
class Cell:
    """One cell's text; ``continued`` marks the lower part of a vertically merged cell
    (its text is the merged cell's, repeated)."""

    text: str
    continued: bool = False


def table_lines(rows: Sequence[Sequence[Cell]]) -> list[str]:
    """The table's text as lines, row by row."""
    rows = [row for row in rows if any(c.text for c in row)]
    lines: list[str] = []
    # A caption row spanning the table (重点工作任务分解表) may stand above the header.
    while rows and len({c.text for c in rows[0] if c.text}) == 1 and len(rows) > 1:
        lines.append(next(c.text for c in rows[0] if c.text))
        rows = rows[1:]
    if len(rows) >= 2 and _is_header(rows[0]):
        return lines + _rows_under_header([_squash(c.text) for c in rows[0]], rows[1:])
    for row in rows:
        texts = [c.text for c in row if c.text and not c.continued]
        if len(texts) >= 2 and (prefix := _numeral_prefix(texts[0])):
            lines.append(prefix + _join_content(texts[1:]))
        elif len(texts) == 2 and _is_label(texts[0]):
            lines.append(f"{_squash(texts[0]).rstrip('：:')}：{texts[1]}")
        else:
            lines.extend(texts)
    return lines


def _rows_under_header(header: list[str], rows: Sequence[Sequence[Cell]]) -> list[str]:
    numeral_cols = {j for j, h in enumerate(header) if _NUMERAL_HEADER.match(h)}
    attribute_cols = {j for j, h in enumerate(header) if j not in numeral_cols and _ATTRIBUTE_HEADER.search(h)}
    content_cols = {j for row in rows for j in range(len(row))} - numeral_cols - attribute_cols
    # The task text is the content column holding most text; another content column with cells
    # merged over rows groups them (类别: 党建引领) and, like a lead, applies to each row: as a
    # line of its own it would read as the previous item's prose.
    main = max(content_cols, key=lambda j: sum(len(row[j].text) for row in rows if j < len(row)), default=None)
    group_cols = {j for row in rows for j, c in enumerate(row) if c.continued and j in content_cols} - {main}
    lines: list[str] = []
    for row in rows:
        if [_squash(c.text) for c in row] == header:
            continue  # the header repeated on a new page
        prefix = ""
        content: list[str] = []
        attributes: list[str] = []
        for j, cell in enumerate(row):
            if not cell.text:
                continue
            if j in numeral_cols:
                prefix = _numeral_prefix(cell.text) or ""
            elif j in attribute_cols or j in group_cols:
                label = header[j] if j < len(header) else ""
                attributes.append(f"{label}：{cell.text}" if label else cell.text)
            elif not cell.continued:
                content.append(cell.text)
        if content:
            lines.append(prefix + _join_content(content))
        if attributes:
            lines.append("；".join(attributes))
    return lines


def _is_header(row: Sequence[Cell]) -> bool:
    texts = [_squash(c.text) for c in row if c.text]
    return (len(texts) >= 2 and all(_is_label(t) and _numeral_prefix(t) is None for t in texts)
            and any(_NUMERAL_HEADER.match(t) or _ATTRIBUTE_HEADER.search(t) or _CONTENT_HEADER.search(t)
                    for t in texts))


def _is_label(text: str) -> bool:
    text = _squash(text)
    return len(text) <= _HEADER_CELL_MAX and text[-1:] not in "。！？；!?;" and match_numbering(text) is None


def _numeral_prefix(text: str) -> str | None:
    """"3" -> "3.", "三" -> "三、"; a numeral already punctuated ("（三）", "3.") stays."""
    text = _squash(text)
    if text.isdecimal() and len(text) <= 3:
        return f"{text}."
    if text and all(ch in CN_DIGITS for ch in text):
        return f"{text}、"
    numbered = match_numbering(text + "x")
    if numbered and numbered[2] == "x":
        return text
    return None


def _join_content(texts: list[str]) -> str:
    """Cells of one row in order; a title cell without a full stop gets one before the prose
    that follows it, as a typed item would have (夯实基层党建基础。完善…)."""
    out = ""
    for text in texts:
        if out and out[-1] not in _TERMINAL:
            out += "。"
        out += text
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
