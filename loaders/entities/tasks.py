"""Lead units and deadlines that a document states per task.

Recognised forms (from the corpus):
- a line or bracket with a label and a colon: 牵头单位：…, 牵头部门：…, 牵头考核单位：…,
  责任单位：…, 责任部门：…; the lead is what follows the colon up to the next label
  (配合部门：, 协办单位：), the closing bracket or the line end (putian: ``牵头部门：市教育局
  配合部门：市文广局``; nantong: ``〔责任单位：市教育局、各县（市、区）政府〕``; a trailing 等 is dropped);
- a deadline labelled 完成时限：, 完成时间：, 时间节点：, 时限要求：;
- baotou's bracket ``（6月底完成，牵头考核单位：市审批服务局）``: the phrase before the lead
  label in the same bracket is the deadline when it names a time (月, 年, 季度, 底, 前) or says
  持续推进 / 长期坚持.
``lead_institutions`` splits a lead into its bodies (市政府办公室、市公安局) and names them like
the institution rules do, skipping collective leads (各县（市、区）政府, 相关市人民政府, and both
parts of 各区、市政府: a bare 市政府 after a 各 list of levels is every city's government).
"""

import re

from loaders.entities.institutions import HEADS, Locality, has_locality, resolve
from loaders.entities.mention import Mention
from loaders.entities.normalise import fold

_LEAD_LABEL = r"(?:牵头(?:考核)?(?:单位|部门)|责任(?:单位|部门)|主责(?:单位|部门))"
_OTHER_LABEL = (r"(?:配合(?:单位|部门)|协办(?:单位|部门)|参与(?:单位|部门)|协同(?:单位|部门)"
                r"|完成时限|完成时间|时间节点|时限要求)")
_LEAD = re.compile(rf"{_LEAD_LABEL}\s*[:：]\s*")
_OTHER = re.compile(rf"{_OTHER_LABEL}|\s{{2,}}|\u3000|\n")
# The deadline is bounded: the lazy group tries the spaces after it once per character it grows
# by, and unbounded that made a long run of spaces take quadratic time.
_DEADLINE = re.compile(rf"(?:完成时限|完成时间|时间节点|时限要求)\s*[:：]\s*(.{{1,100}}?)\s*"
                       rf"(?=[)\]）〕】;；。]|{_LEAD_LABEL}|$)", re.M)
_BRACKET_DEADLINE = re.compile(rf"[(（〔\[]([^()（）〔〕\[\]]*?)[,，]\s*{_LEAD_LABEL}\s*[:：]")
_TIMEISH = re.compile(r"(?:\d+\s*月|\d{4}\s*年|季度|年底|月底|年内|前|持续推进|长期坚持|持续优化|长期)")
_SPLIT = re.compile(r"[、，,；;]")
_COLLECTIVE = re.compile(r"^(?:各|相关|有关|其他|其它)")
_LEVEL_CHARS = "省市县区镇乡"


def extract_task_fields(task_text: str) -> tuple[str | None, str | None]:
    """(lead, deadline) as the task states them, or None. The text keeps its original form."""
    norm = fold(task_text)
    lead = None
    if m := _LEAD.search(norm):
        end = _lead_end(norm, m.end())
        lead = task_text[m.end():end].strip().removesuffix("等").strip() or None
    deadline = None
    if (m := _DEADLINE.search(norm)) or ((m := _BRACKET_DEADLINE.search(norm)) and _TIMEISH.search(m.group(1))):
        deadline = task_text[m.start(1):m.end(1)].strip() or None
    return lead, deadline


def _lead_end(norm: str, start: int) -> int:
    """Where a lead ends: an unmatched closing bracket, the next label, a wide gap, the line end."""
    stop = _OTHER.search(norm, start)
    limit = stop.start() if stop else len(norm)
    depth = 0
    for i in range(start, limit):
        ch = norm[i]
        if ch in "(（〔[【":
            depth += 1
        elif ch in ")）〕]】":
            if depth == 0:
                return i
            depth -= 1
        elif ch in "。;" and depth == 0:
            return i
    return limit


def _split_top(text: str) -> list[tuple[int, int]]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif depth == 0 and _SPLIT.match(ch):
            parts.append((start, i))
            start = i + 1
    parts.append((start, len(text)))
    return [(s, e) for s, e in parts if text[s:e].strip()]


_DEPARTMENT_KINDS = {"bureau", "committee", "office", "department"}


def _innermost(locality: Locality | None) -> str | None:
    """The full name of the document's own division: 包头市 for a 包头 document."""
    if locality is None:
        return None
    return locality.district or locality.county or locality.city or locality.province


def lead_institutions(lead: str, locality: Locality | None = None) -> list[Mention]:
    """The bodies a lead names, as Institution mentions with offsets into ``lead``."""
    norm = fold(lead)
    out = []
    levels_go_on = False
    for s, e in _split_top(norm):
        while s < e and norm[s].isspace():
            s += 1
        while e > s and norm[e - 1].isspace():
            e -= 1
        name = norm[s:e]
        if not name:
            continue
        head = max((h for h in HEADS if name.endswith(h)), key=len, default=None)
        kind = HEADS[head] if head else None
        if _COLLECTIVE.match(name):
            levels_go_on = head is None  # 各区、市政府: the list of levels goes on after 各区
            continue
        if levels_go_on and head and len(name) - len(head) == 1 and name[0] in _LEVEL_CHARS:
            continue  # the 市政府 of 各区、市政府: every city's government, not this city's
        levels_go_on = False
        canonical = resolve(name, locality)
        own = _innermost(locality)
        if canonical == name and kind in _DEPARTMENT_KINDS and own and not has_locality(name):
            canonical = own + name  # a task list's lead units are its own jurisdiction's: 审批服务局
        out.append(Mention(label="Institution", name=canonical, text=lead[s:e], start=s, end=e,
                           aliases=(name,) if canonical != name else (), kind=kind))
    return out
