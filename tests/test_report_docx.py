"""The report as an editable Word document, its sections, and a report for a period.

The demo folder (80 units, the plan's 2016 figures) is refreshed with
``xlplan report --docx`` and the .docx opened with python-docx: the page
(A4, 36-HD/VPTW margins), the styles, every header line's font and size, the
document type, the sections in order, the plan's paragraph, the Board's own
text typed on the Báo cáo sheet (kept across consolidations), the appendix.
"""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.shared import Mm, Pt

from xlplan.cli import main
from xlplan.core.report_sections import (BOARD_CELLS, SECTION_HEADINGS, SEED_SUFFIX, ReportPeriodError,
                                         parse_report_period)
from xlplan.io.city_layout import resolve
from xlplan.io.report_docx import HEADING_STYLE
from xlplan.services.report import docx_path, refresh_report

KEY_FIGURES = ("80 tổ chức cơ sở đảng", "8.877 đảng viên", "65/79 = 82,27%", "6.646/7.453", "89,17%",
               "901/7.453 = 12,08%", "218 đảng viên mới = 121% kế hoạch", "237 đồng chí")
BOARD_TEXT = "Một số cấp ủy chưa quan tâm đúng mức đến công tác tạo nguồn phát triển đảng viên."


def _cell(workbook: Path, name: str) -> openpyxl.cell.cell.Cell:
    wb = openpyxl.load_workbook(workbook)
    found = resolve(wb, name)
    assert found is not None, name
    return found[0].cell(found[1].min_row, found[1].min_col)


def _type_into(workbook: Path, name: str, text: str) -> None:
    wb = openpyxl.load_workbook(workbook)
    ws, cells = resolve(wb, name)
    ws.cell(cells.min_row, cells.min_col).value = text
    wb.save(workbook)


def _runs(paragraph) -> list[tuple[str, float, bool, bool, str]]:
    return [(r.text, r.font.size.pt, bool(r.font.bold), bool(r.font.italic), r.font.name)
            for r in paragraph.runs if r.text]


def test_docx_report_layout_styles_sections_and_the_paragraph(demo_copy: Path) -> None:
    workbook = demo_copy / "SoTongHop.xlsx"
    _type_into(workbook, "bc_han_che", BOARD_TEXT)
    _type_into(workbook, "bc_so", "Số 45-BC/TU")
    done = refresh_report(demo_copy, docx=True)
    assert done.docx == docx_path(demo_copy / "KetQua", 2017) == demo_copy / "KetQua" / "BaoCao_2017.docx"
    assert _cell(workbook, "bc_han_che").value == BOARD_TEXT  # the Board's text survived the consolidation
    document = docx.Document(str(done.docx))

    # the page: A4 portrait, top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert Mm(20) <= section.top_margin <= Mm(25) and Mm(20) <= section.bottom_margin <= Mm(25)
    assert Mm(30) <= section.left_margin <= Mm(35) and Mm(15) <= section.right_margin <= Mm(20)
    # the styles: Times New Roman 14 for the body, bold headings
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    assert document.styles[HEADING_STYLE].font.bold

    # the header: organizations left, the Party right with a rule under it
    left, right = document.tables[0].rows[0].cells
    assert _runs(left.paragraphs[0]) == [("ĐẢNG BỘ TỈNH BẮC NINH", 14, False, False, "Times New Roman")]
    assert _runs(left.paragraphs[1]) == [("THÀNH ỦY BẮC NINH", 14, True, False, "Times New Roman")]
    assert _runs(left.paragraphs[2]) == [("*", 14, False, False, "Times New Roman")]
    assert _runs(left.paragraphs[3]) == [("Số 45-BC/TU", 14, False, False, "Times New Roman")]
    party = right.paragraphs[0]
    assert _runs(party) == [("ĐẢNG CỘNG SẢN VIỆT NAM", 15, True, False, "Times New Roman")]
    assert party._p.pPr.find(docx.oxml.ns.qn("w:pBdr")) is not None  # the rule
    place = [p for p in right.paragraphs if p.text.strip()][-1]
    assert _runs(place) == [("Bắc Ninh, ngày … tháng … năm 2017", 14, False, True, "Times New Roman")]

    paragraphs = document.paragraphs
    texts = [p.text for p in paragraphs]
    kind = texts.index("BÁO CÁO")
    assert _runs(paragraphs[kind]) == [("BÁO CÁO", 16, True, False, "Times New Roman")]
    summary = _runs(paragraphs[kind + 1])[0]
    assert summary[0].startswith("KẾT QUẢ THỰC HIỆN KẾ HOẠCH") and summary[1:4] == (14, True, False)
    assert _runs(paragraphs[kind + 2])[0][:4] == ("(Kỳ báo cáo: năm 2017)", 14, False, True)

    # the plan's paragraph, then sections I, II, III in order, in the heading style
    opening = next(p for p in paragraphs if p.text.startswith("Năm 2016, Đảng bộ Thành phố"))
    assert all(figure in opening.text for figure in KEY_FIGURES)
    assert _runs(opening)[0][1:4] == (14, False, False) and opening.alignment == 3  # justified
    headings = [p for p in paragraphs if p.style.name == HEADING_STYLE]
    assert [p.text for p in headings] == list(SECTION_HEADINGS.values())
    assert all(_runs(p)[0][1:3] == (14, True) for p in headings)
    at = {text: texts.index(text) for text in SECTION_HEADINGS.values()}
    section_one = texts[at[SECTION_HEADINGS["I"]]:at[SECTION_HEADINGS["II"]]]
    for lead in ("1. Đăng ký", "2. Kết nạp đảng viên mới", "3. Đánh giá chất lượng", "4. Chấp hành chế độ",
                 "5. Theo loại hình"):
        assert any(t.startswith(lead) for t in section_one), lead
    assert any("Đảng bộ xã, phường" in t for t in section_one)  # by kind of unit
    section_two = texts[at[SECTION_HEADINGS["II"]]:at[SECTION_HEADINGS["III"]]]
    assert BOARD_TEXT in section_two
    body = [p for p in paragraphs[at[SECTION_HEADINGS["I"]]:] if p.text and p.style.name != HEADING_STYLE]
    assert all(size == 14 for p in body for _, size, *_ in _runs(p))

    # recipients and signature, then the appendix table with the key figures
    sign = document.tables[1].rows[0].cells
    assert sign[0].paragraphs[0].text == "Nơi nhận:" and sign[0].paragraphs[0].runs[0].font.underline
    assert all(r.font.size == Pt(12) for p in sign[0].paragraphs[1:] for r in p.runs)
    assert [p.text for p in sign[1].paragraphs[:2]] == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ"]
    assert all(r.font.bold and r.font.size == Pt(14) for p in sign[1].paragraphs if p.text for r in p.runs)
    appendix = document.tables[2]
    assert [c.text for c in appendix.rows[0].cells] == ["TT", "Chỉ tiêu", "Năm 2016", "Năm 2017", "Đánh giá"]
    assert any("65/79 = 82,27%" in c.text for row in appendix.rows for c in row.cells)


def test_board_cells_are_seeded_from_the_data_and_kept_once_typed(demo_copy: Path) -> None:
    workbook = demo_copy / "SoTongHop.xlsx"
    refresh_report(demo_copy)
    seeded = {name: _cell(workbook, name).value for name in BOARD_CELLS}
    for name, text in seeded.items():  # seeded with the data's facts; the seed remembered beside it
        assert text and text.startswith("(Ban Tổ chức") and _cell(workbook, name + SEED_SUFFIX).value == text
    assert "Đảng bộ Bệnh viện Đa khoa thành phố Bắc Ninh" in seeded["bc_han_che"]  # registered below minimum
    assert "chưa nộp" in seeded["bc_han_che"]
    _type_into(workbook, "bc_phuong_huong", "Tập trung kết nạp ở các chi bộ cơ sở.")
    refresh_report(demo_copy)
    assert _cell(workbook, "bc_phuong_huong").value == "Tập trung kết nạp ở các chi bộ cơ sở."
    assert _cell(workbook, "bc_han_che").value == seeded["bc_han_che"]  # untouched: still the (same) seed
    _type_into(workbook, "bc_phuong_huong", None)  # emptied: seeded again
    refresh_report(demo_copy)
    assert _cell(workbook, "bc_phuong_huong").value == seeded["bc_phuong_huong"]


def test_report_for_a_period(demo_copy: Path) -> None:
    workbook = demo_copy / "SoTongHop.xlsx"
    done = refresh_report(demo_copy, docx=True, period="2017-Q1")
    assert done.docx == demo_copy / "KetQua" / "BaoCao_2017-Q1.docx"
    assert _cell(workbook, "bc_ky").value == "(Kỳ báo cáo: quý I năm 2017)"
    admissions = _cell(workbook, "bc_kq_ket_nap").value
    assert admissions.startswith("2. Kết nạp đảng viên mới: đến hết quý I năm 2017 đã kết nạp")
    discipline = _cell(workbook, "bc_kq_nop").value
    assert "tháng 03 năm 2017" in discipline and "tháng 04" not in discipline
    text = "\n".join(p.text for p in docx.Document(str(done.docx)).paragraphs)
    assert "(Kỳ báo cáo: quý I năm 2017)" in text and admissions in text
    refresh_report(demo_copy, period="2017")
    assert _cell(workbook, "bc_ky").value == "(Kỳ báo cáo: năm 2017)"


def test_report_periods_are_parsed_and_refused_in_vietnamese() -> None:
    assert parse_report_period("2017-Q2").label == "quý II năm 2017"
    assert parse_report_period("2017-6t").label == "6 tháng đầu năm 2017"
    assert parse_report_period("2017-H1").code == "2017-6T"
    assert parse_report_period("2017").label == "năm 2017"
    assert parse_report_period("2017-Q4").covers("2017-12") and not parse_report_period("2017-Q1").covers("2017-04")
    for wrong in ("2017-Q5", "Q1", "2017-13", ""):
        with pytest.raises(ReportPeriodError, match="không hợp lệ"):
            parse_report_period(wrong)
    with pytest.raises(ReportPeriodError, match="năm kế hoạch 2017"):
        parse_report_period("2016-Q1", 2017)


def test_cli_report_docx_and_period(demo_copy: Path) -> None:
    help_text = CliRunner().invoke(main, ["report", "--help"]).output
    assert "--docx" in help_text and "--period" in help_text and "2017-6T" in help_text
    result = CliRunner().invoke(main, ["report", str(demo_copy), "--docx", "--period", "2017-6T", "--json"])
    data = json.loads(result.output)
    assert data["docx"] == str(demo_copy / "KetQua" / "BaoCao_2017-6T.docx") and Path(data["docx"]).is_file()
    result = CliRunner().invoke(main, ["report", str(demo_copy), "--period", "2016-Q1"])
    assert result.exit_code == 2 and "năm kế hoạch 2017" in result.output
