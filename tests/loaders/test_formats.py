"""Every file format yields the text the outline parser reads: real files are built here (Word
with automatic numbering and a task table, a wrapped multi-page PDF, a GBK web page with
navigation around the article, GB18030 text, a .doc converted by LibreOffice) from the sample,
and each must parse into the same tasks as the sample's own lines loaded as .txt."""

import io
import random
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from loaders.errors import FileTooLargeError, UnreadableFileError, UnsupportedFormatError
from loaders.files import SUPPORTED_SUFFIXES, LoadedDocument, extract_text, load_bytes
from loaders.formats import word
from loaders.formats.numbering import ListNumbering, chinese_numeral, format_number
from loaders.formats.tables import Cell, table_lines
from loaders.outline import cn_to_int
from loaders.text import paragraphs
from tests.conftest import SAMPLE

DOC_NUMBER = "太教〔2021〕1号"
_SECTION = re.compile(r"^([一二三四五六七八九十]+)、(.*)$")
_ITEM = re.compile(r"^(\d+)\.\s*(.*)$")


@pytest.fixture(scope="module")
def lines() -> list[str]:
    """The sample from its header through task 6: header, preamble, sections 一 and 二."""
    paras = paragraphs(SAMPLE.read_text(encoding="utf-8"))
    end = next(i for i, p in enumerate(paras) if p.startswith("7."))
    return paras[:end]


@pytest.fixture(scope="module")
def reference(lines: list[str]) -> LoadedDocument:
    loaded = load_bytes("plan.txt", "\n".join(lines).encode("utf-8"))
    assert [t.number for t in loaded.parsed.tasks if t.number] == [1, 2, 3, 4, 5, 6]
    return loaded


def assert_same_tasks(loaded: LoadedDocument, reference: LoadedDocument) -> None:
    got, want = loaded.parsed.tasks, reference.parsed.tasks
    assert len(got) == len(want)
    assert [t.path for t in got] == [t.path for t in want]
    assert [t.text for t in got] == [t.text for t in want]
    assert [s.title for s in loaded.parsed.sections] == [s.title for s in reference.parsed.sections]
    assert loaded.parsed.header.doc_number == DOC_NUMBER


# --- text -------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_text_in_each_encoding_parses_like_utf8(lines: list[str], reference: LoadedDocument, encoding: str) -> None:
    loaded = load_bytes("plan.txt", "\n".join(lines).encode(encoding))
    assert_same_tasks(loaded, reference)


def test_undecodable_bytes_name_the_file_and_the_encodings_tried() -> None:
    noise = random.Random(7).randbytes(2000)
    with pytest.raises(UnreadableFileError) as info:
        load_bytes("noise.txt", noise)
    assert "noise.txt" in str(info.value)
    assert "utf-8, gb18030" in str(info.value)


def test_shift_jis_that_happens_to_decode_as_gb18030_is_refused() -> None:
    japanese = "本年度の教育計画について、各学校は実施状況を報告してください。東京都教育委員会。" * 4
    data = japanese.encode("shift_jis")
    data.decode("gb18030")  # valid GB18030 bytes: only detection can tell
    with pytest.raises(UnreadableFileError) as info:
        load_bytes("plan.txt", data)
    assert "plan.txt" in str(info.value)
    assert "look like" in str(info.value)


def test_nul_bytes_mean_a_binary_file() -> None:
    with pytest.raises(UnreadableFileError, match=r"blob\.txt: .*binary"):
        load_bytes("blob.txt", "太教〔2021〕1号\x00\x00".encode())


# --- Word -------------------------------------------------------------------------------------

def _add_list(document: docx.document.Document, fmt: str, text: str) -> str:
    """A single-level numbering definition; returns its numId."""
    numbering = document.part.numbering_part.element
    abstract_id = str(len(numbering.findall(".//" + numbering.tag.replace("numbering", "abstractNum"))) + 10)
    num_id = str(int(abstract_id) + 100)
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}"><w:multiLevelType w:val="singleLevel"/>'
        f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        "</w:lvl></w:abstractNum>")
    first_num = numbering.find(numbering.tag.replace("numbering", "num"))
    if first_num is None:
        numbering.append(abstract)
    else:
        first_num.addprevious(abstract)  # the schema wants every abstractNum before the nums
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return num_id


def _numbered(paragraph: object, num_id: str) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()  # type: ignore[attr-defined]
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = int(num_id)


def _docx_bytes(lines: list[str]) -> bytes:
    """The lines as Word paragraphs; section and item numerals as Word's automatic numbering
    (一、 as chineseCounting, 1. as decimal, one list for the items so they count on across sections)."""
    document = docx.Document()
    sections = _add_list(document, "chineseCounting", "%1、")
    items = _add_list(document, "decimal", "%1.")
    for line in lines:
        if m := _SECTION.match(line):
            _numbered(document.add_paragraph(m.group(2)), sections)
        elif m := _ITEM.match(line):
            _numbered(document.add_paragraph(m.group(2)), items)
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def docx_bytes(lines: list[str]) -> bytes:
    return _docx_bytes(lines)


def test_docx_with_automatic_numbering_parses_like_the_text(docx_bytes: bytes, reference: LoadedDocument) -> None:
    document = docx.Document(io.BytesIO(docx_bytes))
    assert not any(p.text.startswith(("一、", "1.")) for p in document.paragraphs)  # numerals only in numbering
    assert_same_tasks(load_bytes("plan.docx", docx_bytes), reference)


def test_docx_task_table_rows_become_items_with_lead_and_deadline(reference: LoadedDocument) -> None:
    tasks = [t for t in reference.parsed.tasks if t.number][:3]
    document = docx.Document()
    document.add_paragraph("2021年重点工作任务分解")
    table = document.add_table(rows=4, cols=4)
    for j, head in enumerate(["序号", "工作任务", "牵头单位", "完成时限"]):
        table.cell(0, j).text = head
    for i, task in enumerate(tasks, start=1):
        table.cell(i, 0).text = str(task.number)
        table.cell(i, 1).text = task.text
        table.cell(i, 3).text = f"2021年{i + 9}月"
    table.cell(1, 2).text = "市委教育工委"
    table.cell(1, 2).merge(table.cell(2, 2))  # one lead for the first two rows
    table.cell(3, 2).text = "市教育局"
    out = io.BytesIO()
    document.save(out)
    loaded = load_bytes("tasks.docx", out.getvalue())
    numbered = [t for t in loaded.batch.tasks if t.number]
    assert [t.number for t in numbered] == [t.number for t in tasks]
    for got, want in zip(numbered, tasks, strict=True):
        assert got.text.startswith(want.text)
    assert [t.lead for t in numbered] == ["市委教育工委", "市委教育工委", "市教育局"]
    assert [t.deadline for t in numbered] == ["2021年10月", "2021年11月", "2021年12月"]


def test_table_cells_merged_over_rows_apply_to_each_row() -> None:
    head = [Cell(h) for h in ("序号", "类别", "工作任务", "牵头单位")]
    rows = [[Cell("重点工作任务分解表"), Cell(""), Cell(""), Cell("")], head,
            [Cell("1"), Cell("党建引领"), Cell("夯实基层党建基础"), Cell("市委教育工委")],
            [Cell("2"), Cell("党建引领", continued=True), Cell("筑牢意识形态防线。落实责任制。"),
             Cell("市委教育工委", continued=True)],
            head,  # repeated on the next page
            [Cell("3"), Cell("优先发展"), Cell("推进教育资源扩容。"), Cell("市教育局")]]
    assert table_lines(rows) == [
        "重点工作任务分解表",
        "1.夯实基层党建基础", "类别：党建引领；牵头单位：市委教育工委",
        "2.筑牢意识形态防线。落实责任制。", "类别：党建引领；牵头单位：市委教育工委",
        "3.推进教育资源扩容。", "类别：优先发展；牵头单位：市教育局"]
    assert table_lines([[Cell("发文机关"), Cell("太仓市教育局")], [Cell("一"), Cell("总体要求")]]) == [
        "发文机关：太仓市教育局", "一、总体要求"]


def test_docx_unpacking_past_the_limit_is_refused(docx_bytes: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word, "MAX_UNPACKED_BYTES", 2**17)
    with pytest.raises(UnreadableFileError, match=r"^plan\.docx: unpacks to \d+ MiB, over the 0\.125 MiB"):
        load_bytes("plan.docx", docx_bytes)


def test_random_bytes_named_docx_are_refused_naming_the_file() -> None:
    with pytest.raises(UnreadableFileError, match=r"^broken\.docx: not a Word document"):
        load_bytes("broken.docx", random.Random(1).randbytes(4096))


def test_truncated_docx_is_refused_naming_the_file(docx_bytes: bytes) -> None:
    with pytest.raises(UnreadableFileError, match=r"^cut\.docx: not a readable \.docx file"):
        load_bytes("cut.docx", docx_bytes[: len(docx_bytes) // 2])


def test_multilevel_list_numbers_restart_below_and_follow_styles() -> None:
    w = nsdecls("w")
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."), ("decimal", "%1.%2.%3")]
    numbering = parse_xml(
        f'<w:numbering {w}><w:abstractNum w:abstractNumId="0">'
        + "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                  + ('<w:pStyle w:val="Heading1"/>' if i == 0 else "") + ("<w:isLgl/>" if i == 3 else "") + "</w:lvl>"
                  for i, (fmt, text) in enumerate(levels))
        + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/>'
        "</w:lvlOverride></w:num></w:numbering>")
    styles = parse_xml(f'<w:styles {w}><w:style w:styleId="Heading1"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr>'
                       '</w:pPr></w:style><w:style w:styleId="Title1"><w:basedOn w:val="Heading1"/></w:style></w:styles>')

    def para(level: int | None = None, num: int = 1, style: str | None = None) -> object:
        props = f'<w:pStyle w:val="{style}"/>' if style else ""
        if level is not None:
            props += f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr>'
        return parse_xml(f"<w:p {w}><w:pPr>{props}</w:pPr></w:p>")

    numbers = ListNumbering(numbering, styles)
    shown = [numbers.label(p) for p in [
        para(style="Heading1"), para(1), para(1), para(2), para(2), para(3),
        para(style="Title1"), para(1), para(), para(0, num=2)]]
    # isLgl: a legal level shows the levels above in decimal (1.2.2, not 一.二.2)
    assert shown == ["一、", "（一）", "（二）", "1.", "2.", "1.2.2", "二、", "（一）", "", "五、"]


@pytest.mark.parametrize(("n", "fmt", "shown"), [
    (3, "decimalEnclosedCircle", "③"), (12, "decimalFullWidth", "１２"), (4, "ideographTraditional", "丁"),
    (2021, "ideographDigital", "二〇二一"), (21, "taiwaneseCountingThousand", "二十一"),
    (15, "chineseLegalSimplified", "拾伍"), (14, "upperRoman", "XIV"), (28, "lowerLetter", "bb"), (7, "bogus", "7"),
])
def test_word_number_formats(n: int, fmt: str, shown: str) -> None:
    assert format_number(n, fmt) == shown


def test_chinese_numerals_invert_the_outline_parser() -> None:
    assert [chinese_numeral(n) for n in (1, 10, 11, 20, 105, 110)] == ["一", "十", "十一", "二十", "一百零五", "一百一十"]
    assert all(cn_to_int(chinese_numeral(n)) == n for n in range(1, 1000))


# --- PDF --------------------------------------------------------------------------------------

_FONT = "STSong-Light"
_SIZE = 14
_MARGIN = 72


def _pdf_bytes(lines: list[str]) -> bytes:
    """The lines typeset as a government PDF: body paragraphs wrapped at the margin with a
    two-character first-line indent, header lines centred, page numbers at the foot."""
    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    y = height - _MARGIN
    page = 1

    def draw(text: str, x: float) -> None:
        nonlocal y, page
        if y < _MARGIN + 2 * _SIZE:
            pdf.setFont(_FONT, _SIZE)
            pdf.drawCentredString(width / 2, _MARGIN / 2, f"— {page} —")
            pdf.showPage()
            page += 1
            y = height - _MARGIN
        pdf.setFont(_FONT, _SIZE)
        pdf.drawString(x, y, text)
        y -= _SIZE * 1.6

    body_starts = next(i for i, line in enumerate(lines) if line.startswith("2021年是"))
    for i, line in enumerate(lines):
        if i < body_starts and pdfmetrics.stringWidth(line, _FONT, _SIZE) < width - 2 * _MARGIN:
            draw(line, (width - pdfmetrics.stringWidth(line, _FONT, _SIZE)) / 2)
            continue
        indent, printed = 2 * _SIZE, ""
        for ch in line:
            if _MARGIN + indent + pdfmetrics.stringWidth(printed + ch, _FONT, _SIZE) > width - _MARGIN:
                draw(printed, _MARGIN + indent)
                indent, printed = 0, ""
            printed += ch
        draw(printed, _MARGIN + indent)
    pdf.setFont(_FONT, _SIZE)
    pdf.drawCentredString(width / 2, _MARGIN / 2, f"— {page} —")
    pdf.save()
    return out.getvalue()


@pytest.fixture(scope="module")
def pdf_bytes(lines: list[str]) -> bytes:
    return _pdf_bytes(lines)


def test_pdf_text_layer_is_rebuilt_into_the_same_tasks(pdf_bytes: bytes, reference: LoadedDocument) -> None:
    assert len(PdfReader(io.BytesIO(pdf_bytes)).pages) >= 3  # page breaks cut paragraphs
    assert_same_tasks(load_bytes("plan.pdf", pdf_bytes), reference)
    text = extract_text("plan.pdf", pdf_bytes)
    assert not re.search(r"—\s*\d+\s*—", text)  # page numbers dropped


def test_pdf_with_an_owner_password_only_opens(pdf_bytes: bytes, reference: LoadedDocument) -> None:
    assert_same_tasks(load_bytes("locked.pdf", _encrypted(pdf_bytes, user="")), reference)


def test_pdf_that_needs_a_password_is_refused(pdf_bytes: bytes) -> None:
    with pytest.raises(UnreadableFileError, match=r"^secret\.pdf: encrypted PDF that needs a password"):
        load_bytes("secret.pdf", _encrypted(pdf_bytes, user="secret"))


def _encrypted(pdf_bytes: bytes, user: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
    writer.encrypt(user_password=user, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_scanned_pdf_without_text_layer_is_refused() -> None:
    scan = Image.new("L", (400, 560), color=255)
    for x in range(40, 360, 8):
        scan.putpixel((x, 100), 0)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawImage(ImageReader(scan), 0, 0, width=A4[0], height=A4[1])
    pdf.showPage()
    pdf.save()
    with pytest.raises(UnreadableFileError) as info:
        load_bytes("scan.pdf", out.getvalue())
    assert str(info.value) == "scan.pdf: no text layer (scanned PDF?); OCR is not supported"


def test_bytes_that_are_no_pdf_are_refused() -> None:
    with pytest.raises(UnreadableFileError, match=r"^fake\.pdf: not a readable PDF"):
        load_bytes("fake.pdf", b"%PDF-1.7\n" + random.Random(2).randbytes(500))


# --- web pages --------------------------------------------------------------------------------

_BOILERPLATE = ["首页", "政务公开", "请输入关键字", "当前位置", "分享到", "打印本页", "关闭窗口", "相关文章",
                "太仓市2020年教育工作总结", "主办单位", "ICP备", "_hmt", "share()", "浏览次数"]


def _html_bytes(lines: list[str]) -> bytes:
    """A government article page in GBK: navigation, breadcrumbs, share and print buttons,
    related links, footer and scripts around the article body."""
    body = "\n".join(f"<p>{escape(line)}</p>" if not _SECTION.match(line) else f"<p><strong>{escape(line)}</strong></p>"
                     for line in lines)
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于印发《2021年度教育工作要点》的通知_太仓市人民政府</title>
<script>var _hmt = _hmt || []; document.write("统计");</script><style>.nav {{ color: red }}</style></head>
<body><div class="header"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/hdjl">互动交流</a></li></ul><form><input type="text" value="请输入关键字"><button>搜索</button></form></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 通知公告</div>
<div class="main"><div class="article"><h1>关于印发《2021年度教育工作要点》的通知</h1>
<div class="info">发布日期：2021-02-20　来源：市教育局　浏览次数：<span>123</span></div>
<div class="content" id="zoom">
{body}
</div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a></div>
<div class="print"><a href="javascript:window.print()">【打印本页】</a><a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关文章</h3><ul><li><a href="/a">关于做好2021年春季学期开学工作的通知</a></li>
<li><a href="/b">太仓市2020年教育工作总结</a></li></ul></div></div>
<div class="footer"><p>主办单位：太仓市人民政府办公室　承办单位：太仓市大数据管理局</p><p>苏ICP备05012345号</p></div>
<script>$(function () {{ share(); }});</script></body></html>"""
    return page.encode("gbk")


def test_gbk_web_page_yields_the_article_only(lines: list[str], reference: LoadedDocument) -> None:
    page = _html_bytes(lines)
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    assert_same_tasks(load_bytes("plan.html", page), reference)
    text = extract_text("plan.htm", page)
    assert [word for word in _BOILERPLATE if word in text] == []


# --- .doc and .wps through LibreOffice -----------------------------------------------------------

@pytest.fixture(scope="module")
def doc_bytes(docx_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The Word document saved as Word 97-2003 by LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed (scripts/run_tests.sh installs it)"
    work = tmp_path_factory.mktemp("doc")
    (work / "plan.docx").write_bytes(docx_bytes)
    subprocess.run([soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(work), str(work / "plan.docx")],
                   check=True, capture_output=True, timeout=120)
    return (work / "plan.doc").read_bytes()


@pytest.mark.parametrize("name", ["plan.doc", "plan.wps", "renamed.docx"])
def test_word_97_file_converted_by_libreoffice_parses_like_the_text(
        doc_bytes: bytes, reference: LoadedDocument, name: str) -> None:
    assert doc_bytes.startswith(b"\xd0\xcf\x11\xe0")  # an OLE compound file, not a zip
    assert_same_tasks(load_bytes(name, doc_bytes), reference)


def test_doc_without_libreoffice_says_it_is_needed(doc_bytes: bytes, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UnsupportedFormatError, match=r"^plan\.doc: reading \.doc files needs LibreOffice"):
        load_bytes("plan.doc", doc_bytes)


def test_conversion_past_its_timeout_is_stopped(doc_bytes: bytes) -> None:
    with pytest.raises(UnreadableFileError, match=r"^plan\.doc: LibreOffice did not finish converting it within 0\.01 s"):
        extract_text("plan.doc", doc_bytes, convert_timeout_s=0.01)


# --- any file -----------------------------------------------------------------------------------

def test_unsupported_suffix_lists_the_supported_ones() -> None:
    with pytest.raises(UnsupportedFormatError) as info:
        load_bytes("budget.xlsx", b"PK\x03\x04")
    message = str(info.value)
    assert message.startswith("budget.xlsx: unsupported file type .xlsx")
    assert all(suffix in message for suffix in SUPPORTED_SUFFIXES)


def test_file_over_the_size_limit_is_refused_before_reading(pdf_bytes: bytes) -> None:
    with pytest.raises(FileTooLargeError, match=r"^plan\.pdf: [\d.]+ MiB is over the limit of [\d.]+ MiB"):
        load_bytes("plan.pdf", pdf_bytes, max_bytes=len(pdf_bytes) - 1)
    assert load_bytes("plan.pdf", pdf_bytes, max_bytes=len(pdf_bytes)).parsed.tasks
