"""The city workbook's Báo cáo sheet: the report page (Hướng dẫn 36-HD/VPTW), its sections and row heights.

The page is laid out once, with the template (:func:`lay_out_report`):
header, title and period, the opening paragraph, sections I (generated),
II and III (the Board's), recipients and signature, then the appendix table
on its own page. Every cell the code writes is found by its defined name
(``bc_*``), so staff may restyle and move them. Row heights follow the text
(:func:`fit_row`): neither Excel nor LibreOffice grows a row for the wrapped
text of a merged cell. The Board's cells II and III keep what staff typed
(:func:`write_board_cells`).
"""

from __future__ import annotations

from typing import Sequence

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ..core import report_sections as rs
from ..core.plan import Plan
from ..core.summary_tables import REPORT_CELLS, TableSpec, report_defaults
from . import city_layout as lay
from . import party_style as ps
from .cell_values import put_value, write_value
from .city_layout import CityWorkbookError, define_name, resolve
from .text_fit import text_height

# The report's columns (A–E, the appendix table's) sized to the text width the report margins
# leave on A4 (161 mm = 456 pt; a unit is 6 pt and a column 3.75 pt more): one page wide is then the full
# size, 14 pt prints as 14 pt.
REPORT_WIDTHS = {"A": 4, "B": 32, "C": 12, "D": 13, "E": 10}
_BODY_ROWS = (  # (row, named cell or fixed text, font, alignment), from the opening paragraph down
    (9, "bc_doan_van"), (10, rs.SECTION_HEADINGS["I"]), (11, "bc_doan_van_nam"),
    *((12 + i, name) for i, name in enumerate(rs.RESULT_CELLS)),
    (17, rs.SECTION_HEADINGS["II"]), (18, "bc_han_che"), (19, rs.SECTION_HEADINGS["III"]), (20, "bc_phuong_huong"),
)
_SEED_COLUMN = "G"  # hidden: the seed last written into each Board cell (core.report_sections.SEED_SUFFIX)
_SIGN_ROW = 22  # recipients left, signature right
_APPENDIX_ROW = 29


def lay_out_report(wb: Workbook, ws: Worksheet, plan: Plan, spec: TableSpec) -> None:
    """The printable report (Hướng dẫn 36-HD/VPTW); its indicator table follows as an appendix.

    Header, title and period; the opening paragraph (the previous year, as the
    plan opens); I. results (generated), II. shortcomings and III. directions
    (the Board's cells, seeded from the data); recipients and signature. The
    table comes after the signature, on its own page, so it can grow without
    pushing into the signature block. Row heights follow each cell's text.
    """
    defaults = {**report_defaults(plan), **rs.section_cells(plan, {})}
    places = {  # name → (merged range, font, alignment)
        "bc_cap_tren": ("A1:B1", ps.REPORT_SUPERIOR, ps.CENTER),
        "bc_co_quan": ("A2:B2", ps.REPORT_ISSUER, ps.CENTER),
        "bc_so": ("A4:B4", ps.REPORT_NUMBER, ps.CENTER),
        "bc_noi_ngay": ("C3:E3", ps.REPORT_PLACE_DATE, ps.CENTER_ONE_LINE),
        "bc_tieu_de": ("A6:E6", ps.REPORT_TITLE, ps.CENTER),
        rs.PERIOD_CELL: ("A7:E7", ps.REPORT_PERIOD, ps.CENTER),
        "bc_noi_nhan": (f"A{_SIGN_ROW}:B{_SIGN_ROW + 4}", ps.REPORT_RECIPIENTS, ps.TOP_LEFT),
    }
    for row, item in _BODY_ROWS:
        if item.startswith("bc_"):
            places[item] = (f"A{row}:E{row}", ps.REPORT_BODY, ps.JUSTIFY)
    unplaced = sorted(set(REPORT_CELLS) - set(places))
    if unplaced:  # a report cell added to the contract needs its place on the page
        raise CityWorkbookError(f"Trang Báo cáo chưa có chỗ cho ô: {', '.join(unplaced)}.")
    for letter, width in REPORT_WIDTHS.items():
        ws.column_dimensions[letter].width = width
    # the rule under the Party's name: underlined, as long as the name (a border on merged cells would be
    # rewritten by every program that opens the book, and the bytes of an unchanged run would change)
    _place(ws, "C1:E1", ps.PARTY, ps.REPORT_PARTY, ps.CENTER)
    fixed = {"A3:B3": (ps.ISSUER_MARK, ps.REPORT_SUPERIOR),
             f"C{_SIGN_ROW}:E{_SIGN_ROW}": ("T/M BAN THƯỜNG VỤ", ps.REPORT_SIGNATURE),
             f"C{_SIGN_ROW + 1}:E{_SIGN_ROW + 1}": ("BÍ THƯ", ps.REPORT_SIGNATURE),
             f"C{_SIGN_ROW + 5}:E{_SIGN_ROW + 5}": (ps.SIGNATURE_PLACEHOLDER, ps.REPORT_SIGNATURE)}
    for coord, (text, font) in fixed.items():
        _place(ws, coord, text, font, ps.CENTER)
    for row, item in _BODY_ROWS:
        if not item.startswith("bc_"):
            fit_row(ws, _place(ws, f"A{row}:E{row}", item, ps.REPORT_HEADING, ps.LEFT_WRAP))
    for row in range(_SIGN_ROW, _SIGN_ROW + 6):
        ws.row_dimensions[row].height = 19
    for name, (coord, font, align) in places.items():
        cell = _place(ws, coord, defaults[name], font, align)
        define_name(wb, name, ws, cell.column, cell.row)
        fit_row(ws, cell)
    ws.column_dimensions[_SEED_COLUMN].hidden = True
    for name in rs.BOARD_CELLS:
        _, row, _ = lay.named_cell(wb, name)
        seed = write_value(ws, row, column_index_from_string(_SEED_COLUMN), defaults[name + rs.SEED_SUFFIX])
        seed.alignment = Alignment(wrap_text=False)
        define_name(wb, name + rs.SEED_SUFFIX, ws, seed.column, seed.row)
    for row in range(1, 5):  # the header lines: one line each
        ws.row_dimensions[row].height = 20
    for row in (5, 8, 21):  # spacers
        ws.row_dimensions[row].height = 8
    ws.row_breaks.append(Break(id=_APPENDIX_ROW - 1))
    _place(ws, f"A{_APPENDIX_ROW}:E{_APPENDIX_ROW}", "PHỤ LỤC", ps.TITLE, ps.CENTER)
    region = lay.lay_out_sheet(wb, ws, [spec], plan, header_row=_APPENDIX_ROW + 3, print_setup=False)[0]
    for letter, width in REPORT_WIDTHS.items():  # the table's own widths gave way to the page's
        ws.column_dimensions[letter].width = width
    ws.column_dimensions[_SEED_COLUMN].hidden = True
    title = ws.cell(region.header_row - 2, region.first_col)
    ws.merge_cells(start_row=title.row, start_column=1, end_row=title.row, end_column=region.last_col)
    title.alignment = ps.CENTER
    _place(ws, f"A{region.header_row - 1}:E{region.header_row - 1}",
           "(Kèm theo báo cáo kết quả thực hiện kế hoạch)", ps.HEADER_ITALIC, ps.CENTER)
    ps.print_report_page(ws)
    ws.print_area = f"A1:{get_column_letter(region.last_col)}{region.last_row}"


def _place(ws: Worksheet, coord: str, text: str, font: Font, align: Alignment) -> Cell:
    cells = CellRange(coord)
    if cells.size["rows"] * cells.size["columns"] > 1:
        ws.merge_cells(coord)
    cell = write_value(ws, cells.min_row, cells.min_col, text)
    cell.font, cell.alignment = font, align
    return cell


def read_named_values(wb: Workbook, names: Sequence[str]) -> dict[str, object]:
    """The values of named single cells as they stand (the Báo cáo cells staff typed into included).

    Names the workbook lacks (an older template) are left out.
    """
    values: dict[str, object] = {}
    for name in names:
        found = resolve(wb, name)
        if found is not None:
            values[name] = found[0].cell(found[1].min_row, found[1].min_col).value
    return values


def write_board_cells(wb: Workbook, cells: dict[str, object]) -> None:
    """Write (and take out of ``cells``) the Board's report cells: a new seed only where ours stands.

    The hidden ``<name>_goi_y`` cell remembers the seed written last; a cell
    holding anything else is the Board's text and stays (report_sections.keeps_board_text).
    """
    for name in rs.BOARD_CELLS:
        if name not in cells:
            continue
        value = cells.pop(name)
        seed = cells.pop(name + rs.SEED_SUFFIX, value)
        found, remembered = resolve(wb, name), resolve(wb, name + rs.SEED_SUFFIX)
        last = None
        if remembered is not None:
            last_cell = remembered[0].cell(remembered[1].min_row, remembered[1].min_col)
            last = last_cell.value
            put_value(last_cell, seed)
        if found is None:
            continue
        cell = found[0].cell(found[1].min_row, found[1].min_col)
        if not rs.keeps_board_text(cell.value, last):
            put_value(cell, value)
            fit_row(found[0], cell)


def fit_row(ws: Worksheet, cell: Cell) -> None:
    """Give the row of a wrapped text cell the height its text needs (grown or shrunk), from the text.

    Neither Excel nor LibreOffice grows a row for a merged cell's wrapped text,
    so the height is set from an estimate (:func:`text_height`) over the
    merged width: no fixed height leaving a blank half page, no clipped line.
    Cells that do not wrap, and those merged over several rows, are left alone.
    """
    if not (cell.alignment and cell.alignment.wrap_text) or not isinstance(cell.value, str):
        return
    width = ws.column_dimensions[get_column_letter(cell.column)].width or 8.43
    for merged in ws.merged_cells.ranges:
        if merged.min_row == cell.row and merged.min_col == cell.column:
            if merged.max_row != merged.min_row:
                return
            width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                        for c in range(merged.min_col, merged.max_col + 1))
            break
    size = float(cell.font.sz or 11) if cell.font else 11.0
    ws.row_dimensions[cell.row].height = max(text_height(cell.value, width, size), size * 1.4 + 3)
