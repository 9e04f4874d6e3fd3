"""The city workbook: template layout and names, the writer, staff restyling, LibreOffice.

Every table and cell is found through its defined name, exactly as the writer
does, so the tests also prove the names point where the data is.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from xlplan.core.call_list import call_table
from xlplan.core.plan import Plan
from xlplan.core.report_sections import BOARD_CELLS, GENERATED_CELLS, RESULT_CELLS, SECTION_HEADINGS, SEED_SUFFIX
from xlplan.core.summary_tables import CONFIG_CELLS, REPORT_CELLS, SHEETS, summary_tables
from xlplan.io.city_layout import HIGHLIGHT_ROWS, fitted_widths, page_width, printed_width, resolve
from xlplan.io.report_sheet import REPORT_WIDTHS
from xlplan.io.city_workbook import (
    CityWorkbookError,
    build_city_template,
    load_city_workbook,
    read_config,
    write_city_data,
)

from tests.support.libreoffice_uno import run_script
from tests.support.recalc import recalculate

FORMULA_NAME = '=HYPERLINK("http://x")'
ERRORS = ("#REF!", "#NAME?", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!")


def unit_rows() -> list[dict[str, object]]:
    return [
        {"ma": "DV001", "ten": "Đảng bộ phường Vũ Ninh", "loai_hinh": "Đảng bộ xã, phường",
         "dk_xep_loai": "Trong sạch, vững mạnh", "dk_ket_nap": 9, "ct_toi_thieu": 8, "dat_toi_thieu": "Đạt",
         "dk_nguon": 15, "dk_nguon_boi_duong": 12, "dk_ty_le_tot": Fraction(8227, 10000),
         "ngay_lap": dt.date(2017, 2, 15), "trang_thai": "Đúng hạn"},
        {"ma": "DV002", "ten": FORMULA_NAME, "loai_hinh": "Chi bộ cơ sở", "dk_ket_nap": 0, "ct_toi_thieu": 1,
         "dat_toi_thieu": "Chưa đạt", "dk_ty_le_tot": None, "trang_thai": "Muộn"},
        {"ma": "DV003", "ten": "Chi bộ Trường THPT Hàn Thuyên", "loai_hinh": "Chi bộ cơ sở",
         "trang_thai": "Chưa nộp"},
    ]


def sample_tables() -> dict[str, list[dict[str, object]]]:
    return {
        "tbl_dang_ky": unit_rows(),
        "tbl_theo_doi": [
            {"ma": "DV001", "ten": "Đảng bộ phường Vũ Ninh", "bieu": "F01", "ky": "2017", "trang_thai": "Đã nộp",
             "ngay_tren_bieu": dt.date(2017, 2, 15), "thoi_gian_tep": dt.datetime(2017, 2, 16, 9, 30),
             "han_nop": dt.date(2017, 2, 20), "dung_han": "Đúng hạn", "so_lan_nop": 2, "tep": "dv001.xlsx"},
            {"ma": "DV003", "ten": "Chi bộ Trường THPT Hàn Thuyên", "bieu": "F01", "ky": "2017",
             "trang_thai": "Chưa nộp", "han_nop": dt.date(2017, 2, 20), "dung_han": "Chưa nộp", "so_lan_nop": 0},
        ],
        "tbl_ty_le_nop": [{"bieu": "F01", "ky": "2017", "du_kien": 80, "da_nop": 79,
                           "ty_le_day_du": Fraction(9875, 10000), "dung_han": 70, "ty_le_dung_han": Fraction(7, 8)}],
        "tbl_kiem_tra": [
            {"muc_do": "Lỗi", "ma_loi": "f02-balance", "don_vi": "DV002", "tep": "dv002.xlsx", "o": "Báo cáo!C20",
             "noi_dung": "Số đảng viên cuối kỳ không khớp", "cach_sua": "Sửa ô C20"},
            {"muc_do": "Cảnh báo", "ma_loi": "late", "don_vi": "DV002"},
            {"muc_do": "Ghi chú", "ma_loi": "resubmitted", "don_vi": "DV001"},
        ],
        "tbl_bieu_do_ket_nap": [{"nhom": "Đảng bộ xã, phường", "ket_nap": 150, "chi_tieu": 152},
                                {"nhom": "Chi bộ cơ sở", "ket_nap": 20, "chi_tieu": 10},
                                {"nhom": "Toàn thành phố", "ket_nap": 218, "chi_tieu": 180}],
        "tbl_bieu_do_xep_loai": [{"xep_loai": "Trong sạch, vững mạnh", "so_tccs": 65},
                                 {"xep_loai": "Hoàn thành tốt nhiệm vụ", "so_tccs": 14}],
        "tbl_bieu_do_nop": [{"bieu_ky": "F01 - 2017", "ty_le_day_du": Fraction(79, 80)}],
        "tbl_bao_cao": [{"tt": "1", "chi_tieu": "Tỷ lệ TCCSĐ đạt TSVM", "nam_truoc": "65/79 = 82,27%",
                         "nam_nay": "70/80 = 87,50%", "danh_gia": "Đạt"}],
    }


PARAGRAPH = ("Năm 2016, toàn Đảng bộ có 80 tổ chức cơ sở đảng với 8.877 đảng viên; có 65/79 = 82,27% TCCSĐ "
             "đạt trong sạch, vững mạnh; kết nạp 218 đảng viên mới, đạt 121% kế hoạch.")
SAMPLE_CELLS = {"bc_doan_van": PARAGRAPH, "bc_noi_ngay": "Bắc Ninh, ngày 05 tháng 01 năm 2018"}


def anchor(wb: Workbook, name: str) -> tuple[openpyxl.worksheet.worksheet.Worksheet, int, int]:
    found = resolve(wb, name)
    assert found is not None, name
    ws, cells = found
    return ws, cells.min_row, cells.min_col


def data_rows(wb: Workbook, plan: Plan, table: str) -> list[dict[str, object]]:
    """The table's data region read back through its names, as dicts by column id."""
    spec = summary_tables(plan)[table]
    ws, header, col = anchor(wb, table)
    data_ws, cells = resolve(wb, table + "_data")
    assert data_ws is ws and cells.min_row == header + 1 and cells.min_col == col
    assert cells.max_col == col + len(spec.columns) - 1
    return [{cid: ws.cell(row, col + i).value for i, cid in enumerate(spec.column_ids)}
            for row in range(cells.min_row, cells.max_row + 1)]


def saved(wb: Workbook, path: Path) -> Workbook:
    wb.save(path)
    return load_city_workbook(path)


@pytest.fixture()
def template(plan: Plan, tmp_path: Path) -> Path:
    path = tmp_path / "so_tong_hop.xlsx"
    build_city_template(plan).save(path)
    return path


# -- the template ------------------------------------------------------------------------

def test_template_has_every_sheet_in_order_and_every_name(plan: Plan, template: Path) -> None:
    wb = load_city_workbook(template)
    assert wb.sheetnames == list(SHEETS)
    for spec in summary_tables(plan).values():
        ws, header, col = anchor(wb, spec.id)
        assert ws.title == spec.sheet
        assert [ws.cell(header, col + i).value for i in range(len(spec.columns))] == \
               [c.header for c in spec.columns]
        assert ws.cell(header - 2, col).value == spec.title
        head = ws.cell(header, col)
        assert head.font.b and head.font.name == "Times New Roman" and head.fill.fgColor.rgb.endswith("D9E1F2")
        assert head.border.left.style == "thin" and head.alignment.wrap_text
        fitted = fitted_widths(spec)  # the plan's widths, narrowed only where a table would not fit A4 at 9 pt
        assert all(w == c.width or (c.kind == "text" and max(14, c.width * 0.4) <= w < c.width)
                   or (c.kind != "text" and 8 <= w < c.width) for c, w in zip(spec.columns, fitted))
        for i in range(len(spec.columns)):
            letter = get_column_letter(col + i)
            # the report's appendix takes the page's widths (the text width of its margins)
            wanted = REPORT_WIDTHS[letter] if spec.id == "tbl_bao_cao" else fitted[i]
            assert ws.column_dimensions[letter].width == wanted
        data_ws, cells = resolve(wb, spec.id + "_data")
        assert (data_ws, cells.min_row, cells.max_row) == (ws, header + 1, header + 1)
    for name, _ in CONFIG_CELLS:
        assert resolve(wb, name)[0].title == "Cấu hình", name
    for name in REPORT_CELLS:
        assert resolve(wb, name)[0].title == "Báo cáo", name


def test_tables_sharing_a_sheet_stand_side_by_side(plan: Plan, template: Path) -> None:
    wb = load_city_workbook(template)
    specs = summary_tables(plan)
    for left, right in (("tbl_tien_do", "tbl_tien_do_thang"), ("tbl_tong_hop", "tbl_chi_tieu"),
                        ("tbl_theo_doi", "tbl_ty_le_nop"), ("tbl_bieu_do_ket_nap", "tbl_bieu_do_xep_loai"),
                        ("tbl_bieu_do_xep_loai", "tbl_bieu_do_nop")):
        _, left_row, left_col = anchor(wb, left)
        _, right_row, right_col = anchor(wb, right)
        assert right_row == left_row
        assert right_col == left_col + len(specs[left].columns) + 2


def test_number_formats_follow_column_kinds(plan: Plan, template: Path) -> None:
    wb = load_city_workbook(template)
    expected = {("tbl_dang_ky", "dk_ket_nap"): "#,##0", ("tbl_dang_ky", "dk_ty_le_tot"): "0.00%",
                ("tbl_dang_ky", "ngay_lap"): "dd/mm/yyyy", ("tbl_dang_ky", "ten"): "@",
                ("tbl_theo_doi", "thoi_gian_tep"): "dd/mm/yyyy hh:mm",
                ("tbl_tien_do_thang", "ty_le_hoan_thanh"): "0%"}  # plan completion: whole percent
    specs = summary_tables(plan)
    for (table, column), number_format in expected.items():
        ws, header, col = anchor(wb, table)
        cell = ws.cell(header + 1, col + specs[table].column_ids.index(column))
        assert cell.number_format == number_format, (table, column)
        assert cell.font.name == "Times New Roman" and cell.border.bottom.style == "thin"


def test_config_sheet_holds_the_settings(plan: Plan, tmp_path: Path) -> None:
    wb = saved(build_city_template(plan), tmp_path / "a.xlsx")
    assert read_config(wb) == {
        "cfg_ke_hoach": "bac_ninh_2017", "cfg_nam": 2017, "cfg_thu_muc_nop": "NopBaoCao",
        "cfg_thu_muc_gui": "GuiDonVi", "cfg_thu_muc_ket_qua": "KetQua", "cfg_han_dang_ky": dt.date(2017, 2, 20),
        "cfg_lam_tron": "cat", "cfg_so_le": 2, "cfg_ngay_chot": None, "cfg_nam_truoc": None}
    ws, row, col = anchor(wb, "cfg_nam")
    assert ws.cell(row, col - 1).value == "Năm kế hoạch"
    texts = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert "F03 – Đánh giá chất lượng" in texts and "Quý IV năm 2017" in texts
    custom = build_city_template(plan, {"cfg_thu_muc_nop": "Hop thu", "cfg_so_le": 1})
    assert read_config(saved(custom, tmp_path / "b.xlsx"))["cfg_thu_muc_nop"] == "Hop thu"
    with pytest.raises(CityWorkbookError, match="cfg_khong_co"):
        build_city_template(plan, {"cfg_khong_co": 1})


def test_guide_explains_every_sheet(template: Path) -> None:
    ws = load_city_workbook(template)["Hướng dẫn"]
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for sheet in SHEETS:
        assert sheet in texts
    assert "Tổng hợp" in texts and "xlplan consolidate" in texts and "Kiểm tra" in texts
    assert "không được" in texts.lower()


def test_report_sheet_follows_the_party_document_style(plan: Plan, template: Path) -> None:
    """Hướng dẫn 36-HD/VPTW, cell by cell: fonts, sizes, places, sections, page and margins."""
    wb = load_city_workbook(template)
    ws = wb["Báo cáo"]
    values = {c.value: c for row in ws.iter_rows() for c in row if c.value}
    cells = {name: ws.cell(*anchor(wb, name)[1:]) for name in (*REPORT_CELLS, *GENERATED_CELLS, *BOARD_CELLS)}

    def font(cell) -> tuple[str, float, bool, bool]:
        return cell.font.name, cell.font.sz, bool(cell.font.b), bool(cell.font.i)

    party = values["ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert font(party) == ("Times New Roman", 15, True, False) and party.font.u == "single"  # the rule under it
    assert font(cells["bc_cap_tren"]) == ("Times New Roman", 14, False, False)
    assert font(cells["bc_co_quan"]) == ("Times New Roman", 14, True, False)
    star = values["*"]
    assert font(star) == ("Times New Roman", 14, False, False) and star.row == cells["bc_co_quan"].row + 1
    assert font(cells["bc_so"]) == ("Times New Roman", 14, False, False)
    assert font(cells["bc_noi_ngay"]) == ("Times New Roman", 14, False, True)
    assert font(cells["bc_tieu_de"]) == ("Times New Roman", 15, True, False)
    assert font(cells["bc_ky"]) == ("Times New Roman", 14, False, True)
    for name in ("bc_doan_van", "bc_doan_van_nam", *RESULT_CELLS, *BOARD_CELLS):
        assert font(cells[name]) == ("Times New Roman", 14, False, False), name
        assert cells[name].alignment.horizontal == "justify" and cells[name].alignment.wrap_text, name
        assert any(r.min_row == r.max_row == cells[name].row and r.min_col == 1 and r.max_col == 5
                   for r in ws.merged_cells.ranges), name
    for heading in SECTION_HEADINGS.values():
        assert font(values[heading]) == ("Times New Roman", 14, True, False), heading
    # top left the organizations, top right the Party; sections in order, then recipients and signature
    assert cells["bc_cap_tren"].column == 1 and party.column == 3 and party.row == cells["bc_cap_tren"].row == 1
    assert cells["bc_noi_ngay"].column == 3 and cells["bc_so"].column == 1
    order = [cells["bc_tieu_de"].row, cells["bc_ky"].row, cells["bc_doan_van"].row,
             values[SECTION_HEADINGS["I"]].row, cells["bc_doan_van_nam"].row,
             *(cells[n].row for n in RESULT_CELLS), values[SECTION_HEADINGS["II"]].row, cells["bc_han_che"].row,
             values[SECTION_HEADINGS["III"]].row, cells["bc_phuong_huong"].row, cells["bc_noi_nhan"].row]
    assert order == sorted(order) and len(set(order)) == len(order)
    assert cells["bc_noi_nhan"].value.startswith("Nơi nhận:") and cells["bc_noi_nhan"].column == 1
    assert font(values["T/M BAN THƯỜNG VỤ"]) == ("Times New Roman", 14, True, False)
    assert cells["bc_tieu_de"].value == cells["bc_tieu_de"].value.upper()
    # the Board's cells remember their seed in a hidden cell outside the page
    for name in BOARD_CELLS:
        seed = ws.cell(*anchor(wb, name + SEED_SUFFIX)[1:])
        assert seed.value == cells[name].value and ws.column_dimensions[seed.column_letter].hidden
    # rows as tall as their text: no fixed 195 pt blank, no clipped line
    paragraph = cells["bc_doan_van"]
    assert ws.row_dimensions[paragraph.row].height < 60  # the placeholder is one line
    # A4 portrait, margins after 36-HD (top/bottom 20–25 mm, left 30–35, right 15–20), not centred
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "portrait"
    mm = {side: getattr(ws.page_margins, side) * 25.4 for side in ("top", "bottom", "left", "right")}
    assert 20 <= mm["top"] <= 25 and 20 <= mm["bottom"] <= 25 and 30 <= mm["left"] <= 35 and 15 <= mm["right"] <= 20
    assert not ws.print_options.horizontalCentered
    assert sum(6 * w + 3.75 for w in REPORT_WIDTHS.values()) <= 456  # the text width: 14 pt prints at 14 pt
    _, header, _ = anchor(wb, "tbl_bao_cao")
    assert ws.print_area.endswith(f"$A$1:$E${header + 1}")


def test_report_rows_follow_their_text(plan: Plan, template: Path, tmp_path: Path) -> None:
    """A long generated paragraph makes its row tall enough; a short one leaves no blank half page."""
    wb = load_city_workbook(template)
    long = "Năm 2016, Đảng bộ Thành phố có 80 tổ chức cơ sở đảng với 8.877 đảng viên. " * 8
    write_city_data(wb, plan, {}, {"bc_doan_van": long, "bc_doan_van_nam": "Ngắn."})
    wb = saved(wb, tmp_path / "r.xlsx")
    ws = wb["Báo cáo"]
    tall = ws.row_dimensions[anchor(wb, "bc_doan_van")[1]].height
    short = ws.row_dimensions[anchor(wb, "bc_doan_van_nam")[1]].height
    assert short < 30 and tall > 8 * 17  # 600 characters are at least eight lines of 14 pt on 165 mm
    assert tall < 20 * 17


def test_print_setup_freeze_and_filter(plan: Plan, template: Path) -> None:
    wb = load_city_workbook(template)
    ws, header, col = anchor(wb, "tbl_dang_ky")
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.print_title_rows == f"${header}:${header}"
    assert ws.freeze_panes == f"C{header + 1}"  # code and name stay in view
    assert ws.auto_filter.ref.startswith(f"A{header}:")


def test_each_table_prints_on_its_own_page_width_at_9_pt_or_more(plan: Plan, template: Path) -> None:
    wb = load_city_workbook(template)
    specs = {**summary_tables(plan), "tbl_can_nhac": call_table()}
    for sheet in SHEETS:
        ws = wb[sheet]
        mine = [s for s in specs.values() if s.sheet == sheet]
        if not mine or sheet == "Báo cáo":
            continue
        setup = ws.page_setup
        assert int(setup.paperSize) == 9 and not ws.sheet_properties.pageSetUpPr.fitToPage, sheet
        scale = int(setup.scale)
        assert scale * 12 / 100 >= 9, sheet  # the 12 pt table text prints at 9 pt or more
        landscape = setup.orientation == "landscape"
        for spec in mine:
            _, header, col = anchor(wb, spec.id)
            widths = [ws.column_dimensions[get_column_letter(col + i)].width for i in range(len(spec.columns))]
            assert printed_width(widths) * scale / 100 <= page_width(landscape) + 0.5, spec.id  # one page wide
            assert ws.print_title_rows == f"${header}:${header}", spec.id  # header row on every page
        starts = sorted(anchor(wb, spec.id)[2] for spec in mine)
        assert sorted(b.id + 1 for b in ws.col_breaks.brk) == starts[1:], sheet  # each table its own page


def letter(plan: Plan, table: str, column: str, first_col: int = 1) -> str:
    """The column letter of a table column when the table starts at ``first_col``."""
    return get_column_letter(first_col + summary_tables(plan)[table].column_ids.index(column))


def highlight_rules(ws) -> dict[str, list[tuple[str, list[str]]]]:
    return {str(cf.sqref): [(rule.type, list(rule.formula)) for rule in cf.rules] for cf in ws.conditional_formatting}


def test_template_highlights_below_minimum_late_missing_and_severities(plan: Plan, template: Path) -> None:
    wb = load_city_workbook(template)
    ws, header, _ = anchor(wb, "tbl_dang_ky")
    rules = highlight_rules(ws)
    last = header + HIGHLIGHT_ROWS
    below, status = letter(plan, "tbl_dang_ky", "dat_toi_thieu"), letter(plan, "tbl_dang_ky", "trang_thai")
    assert rules[f"{below}{header + 1}:{below}{last}"] == [("cellIs", ['"Chưa đạt"'])]
    assert rules[f"{status}{header + 1}:{status}{last}"] == [("cellIs", ['"Muộn"']), ("cellIs", ['"Chưa nộp"'])]
    ws, header, _ = anchor(wb, "tbl_tien_do")
    below = letter(plan, "tbl_tien_do", "dat_toi_thieu")
    assert highlight_rules(ws)[f"{below}{header + 1}:{below}{last}"] == [("cellIs", ['"Chưa đạt"'])]
    ws, header, _ = anchor(wb, "tbl_kiem_tra")
    assert highlight_rules(ws)[f"A{header + 1}:G{last}"] == [
        ("expression", [f'$A{header + 1}="Lỗi"']), ("expression", [f'$A{header + 1}="Cảnh báo"']),
        ("expression", [f'$A{header + 1}="Ghi chú"'])]
    ws, header, _ = anchor(wb, "tbl_theo_doi")
    on_time = letter(plan, "tbl_theo_doi", "dung_han")
    assert highlight_rules(ws)[f"{on_time}{header + 1}:{on_time}{last}"] == [
        ("cellIs", ['"Muộn"']), ("cellIs", ['"Chưa nộp"'])]


# -- the writer --------------------------------------------------------------------------

def test_write_then_reload_puts_values_under_their_headers(plan: Plan, template: Path, tmp_path: Path) -> None:
    wb = load_city_workbook(template)
    write_city_data(wb, plan, sample_tables(), SAMPLE_CELLS)
    wb = saved(wb, tmp_path / "written.xlsx")
    rows = data_rows(wb, plan, "tbl_dang_ky")
    assert [r["ma"] for r in rows] == ["DV001", "DV002", "DV003"]
    assert rows[0]["ten"] == "Đảng bộ phường Vũ Ninh" and rows[0]["dk_ket_nap"] == 9
    assert rows[0]["dk_ty_le_tot"] == pytest.approx(0.8227)
    assert rows[0]["ngay_lap"] == dt.datetime(2017, 2, 15)
    assert rows[1]["dk_ty_le_tot"] is None and rows[2]["dk_ket_nap"] is None
    assert rows[1]["ten"] == FORMULA_NAME
    ws, header, col = anchor(wb, "tbl_dang_ky")
    assert ws.cell(header + 2, col + 1).data_type == "s"  # text, not a formula
    follow = data_rows(wb, plan, "tbl_theo_doi")
    assert follow[0]["thoi_gian_tep"] == dt.datetime(2017, 2, 16, 9, 30) and follow[1]["so_lan_nop"] == 0
    assert data_rows(wb, plan, "tbl_ty_le_nop")[0]["ty_le_dung_han"] == 0.875
    ws, row, col = anchor(wb, "bc_doan_van")
    assert ws.cell(row, col).value == PARAGRAPH
    assert ws.cell(*anchor(wb, "bc_noi_ngay")[1:]).value == "Bắc Ninh, ngày 05 tháng 01 năm 2018"
    # new rows look like the template's first data row
    ws, header, col = anchor(wb, "tbl_dang_ky")
    share = summary_tables(plan)["tbl_dang_ky"].column_ids.index("dk_ty_le_tot")
    assert ws.cell(header + 3, col + share).number_format == "0.00%"
    assert ws.cell(header + 3, col).border.left.style == "thin"
    assert ws.auto_filter.ref == f"A{header}:{letter(plan, 'tbl_dang_ky', 'trang_thai')}{header + 3}"
    with zipfile.ZipFile(tmp_path / "written.xlsx") as archive:
        sheet_xml = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>HYPERLINK" in xml for xml in sheet_xml)


def test_second_write_with_fewer_rows_clears_leftovers(plan: Plan, template: Path, tmp_path: Path) -> None:
    wb = load_city_workbook(template)
    write_city_data(wb, plan, sample_tables(), {})
    wb = saved(wb, tmp_path / "first.xlsx")
    write_city_data(wb, plan, {"tbl_dang_ky": unit_rows()[:1], "tbl_kiem_tra": []}, {})
    wb = saved(wb, tmp_path / "second.xlsx")
    assert [r["ma"] for r in data_rows(wb, plan, "tbl_dang_ky")] == ["DV001"]
    ws, header, col = anchor(wb, "tbl_dang_ky")
    width = len(summary_tables(plan)["tbl_dang_ky"].columns)
    assert all(ws.cell(row, col + i).value is None for row in (header + 2, header + 3) for i in range(width))
    empty = data_rows(wb, plan, "tbl_kiem_tra")
    assert len(empty) == 1 and set(empty[0].values()) == {None}  # one empty row keeps the style
    ws, header, col = anchor(wb, "tbl_kiem_tra")
    assert ws.cell(header + 1, col).border.left.style == "thin"
    assert ws.cell(header + 2, col).border.left.style is None
    assert len(data_rows(wb, plan, "tbl_theo_doi")) == 2  # tables not given are left alone


def test_report_print_area_follows_its_table(plan: Plan, template: Path, tmp_path: Path) -> None:
    wb = load_city_workbook(template)
    ws, header, _ = anchor(wb, "tbl_bao_cao")
    lines = [{"tt": str(i), "chi_tieu": f"Chỉ tiêu {i}"} for i in range(1, 9)]
    write_city_data(wb, plan, {"tbl_bao_cao": lines}, {})
    wb = saved(wb, tmp_path / "long.xlsx")
    assert wb["Báo cáo"].print_area.endswith(f"$A$1:$E${header + 8}")
    write_city_data(wb, plan, {"tbl_bao_cao": lines[:2]}, {})
    assert saved(wb, tmp_path / "short.xlsx")["Báo cáo"].print_area.endswith(f"$A$1:$E${header + 2}")


def test_formulas_are_few_and_excel_2010_compatible(template: Path) -> None:
    wb = load_city_workbook(template)
    formulas = [c.value for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert 0 < len(formulas) <= 10
    assert {f for text in formulas for f in re.findall(r"([A-Z][A-Z0-9.]*)\(", text)} <= {"COUNTA", "COUNTIF", "INDEX"}


def test_highlights_survive_writing_and_grow_with_large_tables(plan: Plan, template: Path, tmp_path: Path) -> None:
    wb = load_city_workbook(template)
    findings = [{"muc_do": "Cảnh báo", "ma_loi": "late", "don_vi": f"DV{i:05d}"} for i in range(HIGHLIGHT_ROWS + 100)]
    write_city_data(wb, plan, {"tbl_kiem_tra": findings, "tbl_dang_ky": unit_rows()}, {})
    wb = saved(wb, tmp_path / "big.xlsx")
    ws, header, _ = anchor(wb, "tbl_kiem_tra")
    last = header + HIGHLIGHT_ROWS + 100
    assert f"A{header + 1}:G{last}" in highlight_rules(ws)
    assert ws.cell(last, 3).value == f"DV{HIGHLIGHT_ROWS + 99:05d}" and ws.cell(last + 1, 3).value is None
    ws, header, _ = anchor(wb, "tbl_dang_ky")
    below = letter(plan, "tbl_dang_ky", "dat_toi_thieu")
    assert highlight_rules(ws)[f"{below}{header + 1}:{below}{header + HIGHLIGHT_ROWS}"] == [
        ("cellIs", ['"Chưa đạt"'])]


def test_charts_are_recreated_on_the_written_regions(plan: Plan, template: Path, tmp_path: Path) -> None:
    wb = load_city_workbook(template)  # openpyxl drops charts on load; the writer must add them back
    write_city_data(wb, plan, sample_tables(), {})
    path = tmp_path / "charts.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        charts = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        xml = "".join(archive.read(n).decode() for n in charts)
    assert len(charts) == 3
    assert xml.count("barChart>") == 4 and xml.count("pieChart>") == 2  # opening and closing tags
    ws, header, col = anchor(load_city_workbook(path), "tbl_bieu_do_ket_nap")
    letter = get_column_letter(col + 1)
    assert f"'Biểu đồ'!${letter}${header + 1}:${letter}${header + 3}" in xml  # the three written rows


def test_writer_errors_name_what_is_missing(plan: Plan, template: Path) -> None:
    wb = load_city_workbook(template)
    del wb.defined_names["tbl_dang_ky"]
    with pytest.raises(CityWorkbookError, match="tbl_dang_ky"):
        write_city_data(wb, plan, {"tbl_dang_ky": unit_rows()}, {})
    with pytest.raises(CityWorkbookError, match="bc_khong_co"):
        write_city_data(wb, plan, {}, {"bc_khong_co": "x"})
    with pytest.raises(CityWorkbookError, match="tbl_khong_co"):
        write_city_data(wb, plan, {"tbl_khong_co": []}, {})


def test_writer_refuses_to_overwrite_a_named_cell_below_a_table(plan: Plan, template: Path) -> None:
    wb = load_city_workbook(template)
    ws, header, col = anchor(wb, "tbl_dang_ky")
    from xlplan.io.city_layout import define_name
    define_name(wb, "ghi_chu_rieng", ws, col + 1, header + 3)
    write_city_data(wb, plan, {"tbl_dang_ky": unit_rows()[:2]}, {})
    with pytest.raises(CityWorkbookError, match="ghi_chu_rieng"):
        write_city_data(wb, plan, {"tbl_dang_ky": unit_rows()}, {})


def test_a_broken_data_name_falls_back_to_the_row_under_the_header(plan: Plan, template: Path,
                                                                  tmp_path: Path) -> None:
    wb = load_city_workbook(template)
    wb.defined_names["tbl_dang_ky_data"].attr_text = "#REF!"
    write_city_data(wb, plan, {"tbl_dang_ky": unit_rows()}, {})
    assert [r["ma"] for r in data_rows(saved(wb, tmp_path / "x.xlsx"), plan, "tbl_dang_ky")] == \
           ["DV001", "DV002", "DV003"]


def test_staff_restyling_in_openpyxl_reaches_new_rows(plan: Plan, template: Path, tmp_path: Path) -> None:
    wb = load_city_workbook(template)
    ws, header, col = anchor(wb, "tbl_dang_ky")
    from openpyxl.styles import Font, PatternFill
    ws.cell(header, col).fill = PatternFill(fill_type="solid", start_color="FFFF00", end_color="FFFF00")
    ws.cell(header, col).font = Font(name="Arial", italic=True)
    ws.cell(header + 1, col).font = Font(name="Arial", color="FF0000")  # the style row
    wb = saved(wb, tmp_path / "restyled.xlsx")
    write_city_data(wb, plan, {"tbl_dang_ky": unit_rows()}, {})
    wb = saved(wb, tmp_path / "after.xlsx")
    ws, header, col = anchor(wb, "tbl_dang_ky")
    assert ws.cell(header, col).fill.fgColor.rgb == "00FFFF00" and ws.cell(header, col).font.i
    assert [ws.cell(header + i, col).font.color.rgb for i in (1, 2, 3)] == ["00FF0000"] * 3
    assert ws.cell(header + 3, col).value == "DV003"


# -- LibreOffice ---------------------------------------------------------------------------

RESTYLE_SCRIPT = '''
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.awt.FontSlant import ITALIC


def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def main(ctx, desktop, args):
    src, dst, name, rows = args[0], args[1], args[2], int(args[3])
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    try:
        before = doc.NamedRanges.getByName(name).getContent()
        sheet = doc.Sheets.getByIndex(doc.NamedRanges.getByName(name).getReferredCells().getRangeAddress().Sheet)
        sheet.getRows().insertByIndex(0, rows)
        head = doc.NamedRanges.getByName(name).getReferredCells()
        head.CellBackColor = 0xFFFF00
        head.CharPosture = ITALIC
        after = doc.NamedRanges.getByName(name).getContent()
        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "Calc MS Excel 2007 XML"),))
        return {"before": before, "after": after}
    finally:
        doc.close(True)
'''


def test_restyle_and_rows_inserted_in_libreoffice_survive_a_consolidation(
        plan: Plan, template: Path, tmp_path: Path, uno_python: str) -> None:
    script = tmp_path / "restyle.py"
    script.write_text(RESTYLE_SCRIPT, encoding="utf-8")
    restyled = tmp_path / "restyled.xlsx"
    moved = run_script(script, [str(template), str(restyled), "tbl_dang_ky", "2"])
    assert moved["before"] != moved["after"]
    wb = load_city_workbook(restyled)
    ws, header, col = anchor(wb, "tbl_dang_ky")
    assert header == 5  # the template's header row 3, two rows lower
    write_city_data(wb, plan, sample_tables(), SAMPLE_CELLS)
    wb = saved(wb, tmp_path / "consolidated.xlsx")
    ws, header, col = anchor(wb, "tbl_dang_ky")
    head = ws.cell(header, col)
    assert head.value == "Mã đơn vị" and head.font.i and head.fill.fgColor.rgb.endswith("FFFF00")
    assert [ws.cell(header + i, col).value for i in (1, 2, 3)] == ["DV001", "DV002", "DV003"]
    assert [r["ma"] for r in data_rows(wb, plan, "tbl_dang_ky")] == ["DV001", "DV002", "DV003"]
    rules = highlight_rules(ws)
    below = letter(plan, "tbl_dang_ky", "dat_toi_thieu")
    assert rules[f"{below}{header + 1}:{below}{header + HIGHLIGHT_ROWS}"] == [("cellIs", ['"Chưa đạt"'])]
    assert read_config(wb)["cfg_han_dang_ky"] == dt.date(2017, 2, 20)
    with zipfile.ZipFile(tmp_path / "consolidated.xlsx") as archive:
        assert len([n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]) == 3


def test_libreoffice_recalculates_the_written_workbook_without_errors(
        plan: Plan, template: Path, tmp_path: Path, soffice: str) -> None:
    wb = load_city_workbook(template)
    units = [{"ma": f"DV{i:03d}", "ten": f"Đảng bộ số {i}", "loai_hinh": "xa_phuong", "so_dang_vien": 100 + i}
             for i in range(1, 6)]
    write_city_data(wb, plan, {**sample_tables(), "tbl_don_vi": units}, SAMPLE_CELLS)
    written = tmp_path / "written.xlsx"
    wb.save(written)
    out = recalculate(written, tmp_path / "recalculated.xlsx")
    values = openpyxl.load_workbook(out, data_only=True)
    problems = [f"{ws.title}!{cell.coordinate}={cell.value}" for ws in values for row in ws.iter_rows()
                for cell in row if cell.data_type == "e"
                or isinstance(cell.value, str) and (cell.value in ERRORS or cell.value.startswith("Err:"))]
    assert problems == []
    assert values["Danh mục đơn vị"]["B2"].value == 5
    counts = values["Kiểm tra"]
    assert [counts["B2"].value, counts["D2"].value, counts["F2"].value] == [1, 1, 1]
    ws, header, col = anchor(values, "tbl_dang_ky")
    assert ws.cell(header + 2, col + 1).value == FORMULA_NAME  # still the text the unit typed
    assert values.sheetnames == list(SHEETS)
