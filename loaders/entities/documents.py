"""Cited policy documents: 《titles》 and 文号 references.

Rules:
- Every outermost 《…》 is a document, unless a kind of work precedes it (舞剧《咏春》,
  电影《…》, 栏目《…》: works of art and media, not policy documents); its name is the
  title as written, without 《》 and whitespace (``graph.ids.normalise_title`` gives the key
  that citations are matched on).
  Nested 《》 inside a title belong to that title.
- Every 文号 is a document: an issuer code of 1–6 CJK characters, a four-digit year in 〔〕
  (or [] ［］ 【】 () （） ﹝﹞), a number and 号: 国办发〔2015〕71号, 榕政办[2017]121号. Its
  name is the normalised 文号 (brackets made 〔〕). Clause words in front of the code are not
  part of it (按照国办发〔2015〕71号 -> 国办发〔2015〕71号).
- A 文号 written right after a title, in brackets (《…的意见》（国办发〔2015〕71号）), names the
  same document: one mention, named by its title, with ``doc_number`` set and the span covering both.
- A 文号 inside a title is part of the title, not a mention of its own.
"""

import re

from graph.ids import normalise_doc_number
from loaders.entities.lexicon import CJK, strip_lead
from loaders.entities.mention import Mention
from loaders.entities.spans import Spans

# 《》 also names works of art and media: 舞剧《咏春》, 电影《谯国夫人》 are not documents.
_WORK_BEFORE = re.compile(r"(?:剧|电影|影片|歌曲|舞蹈|小说|诗|节目|纪录片|动画|专辑|画作|作品|戏|曲|报|刊|杂志|"
                          r"图书|书籍|栏目)$")
_DOC_NUMBER = re.compile(rf"([{CJK}]{{1,6}})\s*[〔\[【(﹝]\s*((?:19|20)\d{{2}})\s*[〕\]】)﹞]\s*第?\s*\d{{1,4}}\s*号")
_AFTER_TITLE = re.compile(rf"(?:精神)?\(\s*([{CJK}]{{1,6}}\s*[〔\[【(﹝]\s*(?:19|20)\d{{2}}\s*[〕\]】)﹞]"
                          rf"\s*第?\s*\d{{1,4}}\s*号)\s*\)")


def _titles(norm: str) -> list[tuple[int, int]]:
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(norm):
        if ch == "《":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def extract_documents(sentence: str, norm: str) -> list[Mention]:
    mentions: list[Mention] = []
    covered: list[tuple[int, int]] = []
    for start, end in _titles(norm):
        title = re.sub(r"\s+", "", sentence[start + 1:end - 1])
        if not title or _WORK_BEFORE.search(norm, max(0, start - 4), start):
            continue
        doc_number = None
        span_end = end
        if m := _AFTER_TITLE.match(norm, end):
            doc_number = normalise_doc_number(m.group(1))
            span_end = m.end()
        mentions.append(Mention(label="PolicyDocument", name=title, text=sentence[start:span_end],
                                start=start, end=span_end, doc_number=doc_number))
        covered.append((start, span_end))
    titled = Spans(covered)
    for m in _DOC_NUMBER.finditer(norm):
        if titled.holds(m.start()):
            continue
        start = strip_lead(norm, m.start(1), m.end(1))
        number = normalise_doc_number(norm[start:m.end()])
        mentions.append(Mention(label="PolicyDocument", name=number, text=sentence[start:m.end()],
                                start=start, end=m.end(), doc_number=number))
    return sorted(mentions, key=lambda x: x.start)
