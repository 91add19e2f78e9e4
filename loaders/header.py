"""The front matter of a policy document: notice header, report header and closing signature.

Three kinds of front matter occur:

- an official document (意见, 通知): title line(s), 文号, issuer, the recipients line ending in ：;
  a notice that 印发 another document adds a cover letter ("现印发给你们"), then a signature
  (issuer, date), 抄送 and 印发 lines before the printed document begins;
- a government work report: title, source, the date and place it was delivered, the speaker,
  the address "各位代表：" and the formula "我代表…向大会报告工作";
- a news release of a document ("…全文如下。").

Everything read here is metadata, not body text; the outline parser starts where it ends.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from loaders.numerals import cn_to_int, cn_year

# 2015年9月15日, or in Chinese numerals as signatures often are: 二〇一七年七月二十二日.
_CN_DATE = (r"(\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
            r"\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")
_DATE = re.compile(_CN_DATE)
_PRINTED = re.compile(rf"^{_CN_DATE}(?:印发|发布|印)?$")
_NEWS_DATELINE = re.compile(rf"^[（(][^（）()]{{0,20}}?{_CN_DATE}电[）)]$")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（﹝]\d{4}[〕\]］】)）﹞]\s*第?\d+\s*号")
_ISSUER_SUFFIX = re.compile(r"(?:局|委员会|委|政府|办公厅|办公室|厅|部|院|中心|署|处)$")
_ISSUER_IN_TITLE = re.compile(r"^(?!关于)(.{2,40}?)(?:关于|印发|转发)")
_CITED = re.compile(r"《([^《》]+)》")
_PRINTED_OBJECT = re.compile(r"(?:印发|转发)(.+?)(?:的通知)?$")
_NOTICE_VERB = re.compile(r"印发|转发")
_CC = re.compile(r"^(?:抄送|抄)[:：]\s*(.+)$")
_COVER = re.compile(r"(?:印发|转发|发)给你们|全文如下|现予印发")
_PUBLIC_NOTE = re.compile(r"^[（(]此件[^（）()]{0,10}[）)]$")
_ADDRESS = re.compile(r"^各位代表\s*[:：]$")
_SPEAKER = re.compile(r"(?:省长|市长|区长|县长|旗长|州长|总理|主席)")
# The lazy parts are bounded: unbounded, each 我代表 / 2021年 of a long line rescans the rest of it.
_REPORT_FORMULA = re.compile(r"我代表(.{1,60}?)(?:，|,)?向大会")
_REPORT_PLACE = re.compile(r"\d{4}年(.{1,60}?[省市区县])政府工作报告")
_SPEAKER_BODY = re.compile(r"^(.*?人民政府)(?:代)?(?:省长|市长|区长|县长|旗长|州长|主席)")
_REPORT_TITLE = "政府工作报告"
_TERMINAL = "。！？；!?;"
_FRONT_ZONE = 12
_TITLE_MAX = 80
_RECIPIENTS_MAX = 200
_ISSUER_MAX = 30
_COVER_MAX = 80


@dataclass
class DocumentHeader:
    issuer: str | None = None
    doc_number: str | None = None
    notice_title: str | None = None
    title: str | None = None
    issued_date: str | None = None
    recipients: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    # Further issuers of a joint document (中共中央办公厅、国务院办公厅印发…): issuer holds the first.
    co_issuers: list[str] = field(default_factory=list)


@dataclass
class FrontMatter:
    header: DocumentHeader
    body_start: int
    skipped: list[str]
    # A notice's cover letter that says more than "printed herewith": body text, not header.
    notice: str | None = None


def iso_date(text: str) -> str | None:
    """2015年9月15日 -> 2015-09-15 (the first Chinese date in the text), or None."""
    m = _DATE.search(text)
    if m is None:
        return None
    year, month, day = cn_year(m[1]), cn_to_int(m[2]), cn_to_int(m[3])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def split_top_level(text: str, separators: str) -> list[str]:
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


def is_signature_line(line: str) -> bool:
    """A closing signature: an issuing body's name, a date, or a news agency's dateline."""
    return bool(_PRINTED.match(line) or _NEWS_DATELINE.match(line) or _is_issuer_line(line))


def read_signature(line: str, header: DocumentHeader) -> None:
    """Take the date (and issuer) of a signature line where the header has none."""
    if _is_issuer_line(line):
        header.issuer = header.issuer or line
    else:
        header.issued_date = header.issued_date or iso_date(line)


def _is_issuer_line(line: str) -> bool:
    return (len(line) <= _ISSUER_MAX and bool(_ISSUER_SUFFIX.search(line)) and not _ends_sentence(line)
            and "：" not in line and ":" not in line)


def _ends_sentence(line: str) -> bool:
    return line.rstrip("”’」』）)")[-1:] in _TERMINAL


def _is_recipients(line: str) -> bool:
    return (line.endswith(("：", ":")) and len(line) <= _RECIPIENTS_MAX and "。" not in line
            and not _ADDRESS.match(line))


def read_front_matter(paras: list[str], numbered: Callable[[str], bool]) -> FrontMatter:
    """Read the header; return it, the index of the first body paragraph and the lines read.
    ``numbered`` tells an outline heading (一、总体要求), which ends any header, from a title."""
    zone = paras[:_FRONT_ZONE]
    address = next((i for i, p in enumerate(zone) if _ADDRESS.match(p)), None)
    if address is not None:
        return _read_report(paras, address)
    return _read_official(paras, numbered)


def _read_official(paras: list[str], numbered: Callable[[str], bool]) -> FrontMatter:
    """An official document: title, 文号 and issuer lines up to the recipients line (or the
    first sentence), then a notice's cover letter and signature."""
    header = DocumentHeader()
    zone = paras[:_FRONT_ZONE]
    outline_start = next((i for i, p in enumerate(zone) if numbered(p)), len(zone))
    recipients = next((i for i, p in enumerate(zone[:outline_start]) if _is_recipients(p)), None)
    titles: list[str] = []
    i = 0
    end = recipients if recipients is not None else len(zone)
    while i < end:
        line = paras[i]
        if (m := _DOC_NUMBER.search(line)) and len(line) < 40:
            header.doc_number = re.sub(r"\s+", "", m.group(0))
        elif numbered(line) or (recipients is None and (_ends_sentence(line) or len(line) > _TITLE_MAX)):
            break
        elif _is_issuer_line(line) and "关于" not in line and not titles:
            header.issuer = line
        elif _PRINTED.match(line):
            header.issued_date = iso_date(line)
        else:
            titles.append(line)
        i += 1
    if recipients is not None:
        header.recipients = split_top_level(paras[recipients].rstrip("：:"), "，,；;")
        i = recipients + 1
    if titles:
        _read_title(titles[0], header)
    # A notice's cover letter, then its signature, 抄送 and 印发 lines, precede the printed document.
    notice = None
    skipped = paras[:i]
    if i < len(paras) and _COVER.search(paras[i]) and len(paras[i]) <= _RECIPIENTS_MAX:
        if _substantive(paras[i]):
            notice = paras[i]
        else:
            skipped.append(paras[i])
        i += 1
        while i < len(paras):
            line = paras[i]
            if m := _CC.match(line):
                header.cc = split_top_level(m.group(1), "，,；;、")
            elif _PUBLIC_NOTE.match(line):
                pass
            elif is_signature_line(line):
                if _PRINTED.match(line):
                    header.issued_date = iso_date(line)  # the notice's own date line (…日 / …日印发)
                else:
                    read_signature(line, header)
            else:
                break
            skipped.append(line)
            i += 1
    return FrontMatter(header=header, body_start=i, skipped=skipped, notice=notice)


def _substantive(cover: str) -> bool:
    """A cover letter that does more than pass the document on ("现将《…》印发给你们，请认真贯彻执行")
    states a basis or purpose: it cites another document's 文号, or is long once titles are set aside."""
    return bool(_DOC_NUMBER.search(cover)) or len(_CITED.sub("", cover)) > _COVER_MAX


def _read_title(line: str, header: DocumentHeader) -> None:
    """The title, and for a notice that prints another document, that document's title."""
    if _NOTICE_VERB.search(line) and (line.endswith("的通知") or _CITED.search(line)):
        header.notice_title = line
        cited = _CITED.search(line)
        printed = _PRINTED_OBJECT.search(line)
        header.title = cited.group(1) if cited else (printed.group(1) if printed else line)
    else:
        header.title = line
    if header.issuer is None and (m := _ISSUER_IN_TITLE.match(line)):
        issuers = split_top_level(m.group(1), "、")
        header.issuer, header.co_issuers = issuers[0], issuers[1:]


def _read_report(paras: list[str], address: int) -> FrontMatter:
    """A government work report: everything up to the address is metadata, and so is the
    formula that follows it."""
    header = DocumentHeader()
    end = address + 1
    if end < len(paras) and "我代表" in paras[end] and len(paras[end]) <= 2 * _ISSUER_MAX:
        end += 1
    # No line before the address: the report prints no title (滨州's 2024 report opens with
    # 各位代表：), and the address is none. It is the report of the body the formula names.
    title = paras[0] if address > 0 else ""
    place = _REPORT_PLACE.search(title)
    speaker_issuer = None
    for line in paras[:end]:
        header.issued_date = header.issued_date or iso_date(line)
        if _SPEAKER.search(line) and (m := _SPEAKER_BODY.match(line)):
            speaker_issuer = speaker_issuer or m.group(1)
        if m := _REPORT_FORMULA.search(line):
            body = m.group(1)
            if place and body[0] in "省市区县" and not body.startswith(place.group(1)):
                body = place.group(1) + body[1:]
            header.issuer = body
    if speaker_issuer and (header.issuer is None or len(speaker_issuer) > len(header.issuer)):
        # "呼伦贝尔市海拉尔区人民政府区长" names the government more fully than "我代表区人民政府".
        header.issuer = speaker_issuer
    if not title:
        title = _REPORT_TITLE if not header.issuer or header.issuer.endswith("政府") \
            else f"{header.issuer}工作报告"
    if _REPORT_TITLE in title and not re.search(r"\d{4}年", title) and header.issued_date:
        title = f"{header.issued_date[:4]}年{title}"
    header.title = title
    return FrontMatter(header=header, body_start=end, skipped=paras[:end])

