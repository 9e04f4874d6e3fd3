"""The report as an editable Word document (python-docx), in the Party's document style.

Party offices finish a report in a word processor: they rewrite a sentence,
add the Board's assessment, print and sign. This writes the same report as
the Báo cáo sheet (:class:`xlplan.core.report_sections.ReportDocument`, read
from the sheet's cells, the Board's own text included) after Hướng dẫn
36-HD/VPTW (2018):

* A4, margins top and bottom 20 mm, left 30 mm, right 15 mm;
* top left the superior organization (14 pt), the issuing organization
  (14 pt bold) over a star, the number (14 pt); top right
  "ĐẢNG CỘNG SẢN VIỆT NAM" (15 pt bold) with a rule under it, and the place
  and date (14 pt italic) — a borderless two-column table, as offices do;
* the document type "BÁO CÁO" (16 pt bold), the summary of content (14 pt
  bold), the period (14 pt italic), centred;
* the body in 14 pt, justified, first line indented; section headings bold;
* the recipients ("Nơi nhận:" 14 pt underlined, the list 12 pt) left and
  the signature block (14 pt bold) right;
* the key figures as an appendix table on a new page.

Every run carries its font explicitly (name, size, bold, italic) and the
document's styles are Times New Roman, so the file looks the same in Word,
LibreOffice and WPS. The file is written atomically.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from ..core.report_sections import ReportDocument
from . import party_style as ps

PARTY_SIZE = ps.REPORT_PARTY_SIZE
SIZE = ps.REPORT_SIZE
TYPE_SIZE = ps.REPORT_TYPE_SIZE
RECIPIENTS_SIZE = ps.REPORT_RECIPIENTS_SIZE
TABLE_SIZE = 12
DOCUMENT_TYPE = "BÁO CÁO"
BODY_STYLE = "Normal"
HEADING_STYLE = "XL Mục"  # the section headings I., II., III.
TEXT_WIDTH_MM = 210 - ps.REPORT_MARGINS_MM["left"] - ps.REPORT_MARGINS_MM["right"]


def write_report_docx(report: ReportDocument, target: Path) -> Path:
    """Write ``report`` as a .docx at ``target`` (atomically); return the path."""
    doc = Document()
    _page(doc)
    _styles(doc)
    _header(doc, report)
    _title(doc, report)
    for text in report.opening:
        _body(doc, text)
    for section in report.sections:
        heading = doc.add_paragraph(style=HEADING_STYLE)
        _run(heading, section.heading, SIZE, bold=True)
        for text in section.paragraphs:
            _body(doc, text)
    _signature(doc, report)
    if report.appendix:
        _appendix(doc, report)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".docx", dir=target.parent)
    os.close(handle)
    try:
        doc.save(staged)
        os.replace(staged, target)  # a reader of the old document never sees half a file
    finally:
        if os.path.exists(staged):
            os.unlink(staged)
    return target


# -- page and styles -----------------------------------------------------------------------

def _page(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(ps.REPORT_MARGINS_MM["top"])
    section.bottom_margin = Mm(ps.REPORT_MARGINS_MM["bottom"])
    section.left_margin = Mm(ps.REPORT_MARGINS_MM["left"])
    section.right_margin = Mm(ps.REPORT_MARGINS_MM["right"])


def _font_everywhere(element: object, name: str) -> None:
    """Set a font for every script (Vietnamese letters are in the 'hAnsi' range, some in 'cs')."""
    fonts = element.get_or_add_rFonts()  # type: ignore[attr-defined]
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), name)


def _styles(doc: DocumentObject) -> None:
    normal = doc.styles[BODY_STYLE]
    normal.font.name = ps.FONT_NAME
    normal.font.size = Pt(SIZE)
    _font_everywhere(normal.element.get_or_add_rPr(), ps.FONT_NAME)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.15
    heading = doc.styles.add_style(HEADING_STYLE, 1)  # 1: a paragraph style
    heading.base_style = normal
    heading.font.bold = True
    heading.font.size = Pt(SIZE)
    heading.paragraph_format.space_before = Pt(6)
    heading.paragraph_format.keep_with_next = True


def _run(paragraph: Paragraph, text: str, size: float, *, bold: bool = False, italic: bool = False,
         underline: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.name = ps.FONT_NAME
    _font_everywhere(run._element.get_or_add_rPr(), ps.FONT_NAME)
    run.font.size = Pt(size)
    run.font.bold, run.font.italic, run.font.underline = bold, italic, underline


def _line(cell: _Cell | DocumentObject, text: str, size: float, *, bold: bool = False, italic: bool = False,
          align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER, first: bool = False) -> Paragraph:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.first_line_indent = Pt(0)
    _run(paragraph, text, size, bold=bold, italic=italic)
    return paragraph


def _rule_under(paragraph: Paragraph, inset_mm: float) -> None:
    """A thin line under a paragraph (its bottom border), indented to about the text's width."""
    props = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    props.append(borders)
    paragraph.paragraph_format.left_indent = Mm(inset_mm)
    paragraph.paragraph_format.right_indent = Mm(inset_mm)


def _borderless(table: object) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)  # type: ignore[attr-defined]


# -- the parts -----------------------------------------------------------------------------------

def _header(doc: DocumentObject, report: ReportDocument) -> None:
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width = right.width = Mm(TEXT_WIDTH_MM / 2)
    _line(left, report.superior, SIZE, first=True)
    _line(left, report.issuer, SIZE, bold=True)
    _line(left, ps.ISSUER_MARK, SIZE)
    _line(left, report.number, SIZE)
    party = _line(right, ps.PARTY, PARTY_SIZE, bold=True, first=True)
    _rule_under(party, 4)
    _line(right, "", SIZE)
    _line(right, report.place_date, SIZE, italic=True)


def _title(doc: DocumentObject, report: ReportDocument) -> None:
    title = " ".join(report.title.split())
    kind, summary = DOCUMENT_TYPE, title
    if title.upper().startswith(DOCUMENT_TYPE):
        summary = title[len(DOCUMENT_TYPE):].strip()
    spacer = _line(doc, "", SIZE)
    spacer.paragraph_format.space_after = Pt(6)
    _line(doc, kind, TYPE_SIZE, bold=True)
    if summary:
        _line(doc, summary, SIZE, bold=True)
    if report.period:
        _line(doc, report.period, SIZE, italic=True).paragraph_format.space_after = Pt(12)


def _body(doc: DocumentObject, text: str) -> None:
    paragraph = doc.add_paragraph(style=BODY_STYLE)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(10)
    _run(paragraph, text, SIZE)


def _signature(doc: DocumentObject, report: ReportDocument) -> None:
    doc.add_paragraph(style=BODY_STYLE)
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    left, right = table.rows[0].cells
    left.width = right.width = Mm(TEXT_WIDTH_MM / 2)
    recipients = list(report.recipients) or ["Nơi nhận:"]
    head = _line(left, recipients[0], SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    head.runs[0].font.underline = True
    for item in recipients[1:]:
        _line(left, item, RECIPIENTS_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT)
    lines = list(report.signature)
    _line(right, lines[0], SIZE, bold=True, first=True)
    for item in lines[1:]:
        _line(right, item, SIZE, bold=True)
    for _ in range(4):
        _line(right, "", SIZE)
    _line(right, report.signer or ps.SIGNATURE_PLACEHOLDER, SIZE, bold=True)


def _appendix(doc: DocumentObject, report: ReportDocument) -> None:
    brk = doc.add_paragraph()
    brk.add_run().add_break(WD_BREAK.PAGE)
    _line(doc, "PHỤ LỤC", SIZE, bold=True)
    if report.appendix_title:
        _line(doc, report.appendix_title, SIZE, bold=True)
    _line(doc, "(Kèm theo báo cáo kết quả thực hiện kế hoạch)", SIZE, italic=True).paragraph_format.space_after = \
        Pt(6)
    header: Sequence[str] = report.appendix_header
    table = doc.add_table(rows=1 + len(report.appendix), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for col, text in enumerate(header):
        _line(table.rows[0].cells[col], text, TABLE_SIZE, bold=True, first=True)
    for r, row in enumerate(report.appendix, 1):
        for col, text in enumerate(row):
            align = WD_ALIGN_PARAGRAPH.LEFT if col == 1 else WD_ALIGN_PARAGRAPH.CENTER
            _line(table.rows[r].cells[col], text, TABLE_SIZE, align=align, first=True)
