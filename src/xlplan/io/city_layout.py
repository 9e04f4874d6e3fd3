"""The city workbook's table machinery: named anchors, data regions, table layout, highlights.

Every table of :func:`xlplan.core.summary_tables.summary_tables` sits on its
sheet as a bold title, a styled header row and a data region. Two workbook
names locate it: ``<table id>`` on the first header cell (the anchor) and
``<table id>_data`` on the data region below the header. Code finds tables
only through these names, so staff may insert rows, move tables and restyle
cells in Excel or LibreOffice without breaking consolidation.

Tables that share a sheet stand side by side with a two-column gap, so one
table can grow downwards without ever running into another. The first data
row of the template is the *style row*: the writer copies its look to every
data row, which is how the staff's restyling reaches new data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from ..core.errors import XlplanError
from ..core.plan import Plan
from ..core.summary_tables import Column, TableSpec
from . import party_style as ps
from .cell_values import write_value

DATA_SUFFIX = "_data"
HEADER_ROW = 3  # the title stands two rows above the header; the row between holds notes and counts
TABLE_GAP = 2  # empty columns between side-by-side tables
GAP_WIDTH = 3
HIGHLIGHT_ROWS = 5000  # rows covered by conditional formats in the template (the writer extends them)
LANDSCAPE_WIDTH = 100  # sheets wider than this (Excel character units) print landscape

# Share columns that are plan completions (218/180 = 121%): shown with the plan's completion digits.
COMPLETION_COLUMNS = frozenset({"ty_le_hoan_thanh", "ty_le_ket_nap", "ty_le_so_dang_ky"})

# Highlight fills (light background, dark text: readable when printed in grey).
RED = (PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE"), Font(color="9C0006"))
ORANGE = (PatternFill(fill_type="solid", start_color="FFD8A8", end_color="FFD8A8"), Font(color="833C0B"))
YELLOW = (PatternFill(fill_type="solid", start_color="FFEB9C", end_color="FFEB9C"), Font(color="7F6000"))
BLUE = (PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7"), Font(color="1F4E78"))

# (table, column) -> ((cell text, colour), ...), and whether the whole table row is coloured.
HIGHLIGHTS: dict[tuple[str, str], tuple[tuple[tuple[str, tuple[PatternFill, Font]], ...], bool]] = {
    ("tbl_dang_ky", "dat_toi_thieu"): ((("Chưa đạt", RED),), False),
    ("tbl_dang_ky", "trang_thai"): ((("Muộn", ORANGE), ("Chưa nộp", RED)), False),
    ("tbl_tien_do", "dat_toi_thieu"): ((("Chưa đạt", RED),), False),
    ("tbl_theo_doi", "trang_thai"): ((("Muộn", ORANGE), ("Chưa nộp", RED), ("Đã nhận, không đọc được", RED)), False),
    ("tbl_theo_doi", "dung_han"): ((("Muộn", ORANGE), ("Chưa nộp", RED)), False),
    ("tbl_kiem_tra", "muc_do"): ((("Lỗi", RED), ("Cảnh báo", YELLOW), ("Ghi chú", BLUE)), True),
}


class CityWorkbookError(XlplanError):
    """The city workbook lost a named cell or table the software needs (message in Vietnamese)."""


@dataclass(frozen=True)
class Region:
    """A table's place: its sheet, header row, first column, width and data rows."""

    ws: Worksheet
    header_row: int
    first_col: int
    width: int
    first_row: int  # first data row (the style row)
    last_row: int  # last data row (>= first_row: an empty table keeps one empty row)

    @property
    def last_col(self) -> int:
        return self.first_col + self.width - 1


# -- names ------------------------------------------------------------------------

def _absolute(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    first = f"${get_column_letter(min_col)}${min_row}"
    if (min_col, min_row) == (max_col, max_row):
        return first
    return f"{first}:${get_column_letter(max_col)}${max_row}"


def define_name(wb: Workbook, name: str, ws: Worksheet, min_col: int, min_row: int,
                max_col: int | None = None, max_row: int | None = None) -> None:
    """(Re)define a workbook-level name on a cell or a range of ``ws``."""
    ref = _absolute(min_col, min_row, max_col or min_col, max_row or min_row)
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!{ref}")


def resolve(wb: Workbook, name: str) -> tuple[Worksheet, CellRange] | None:
    """The sheet and range a workbook-level name points at; None if missing or broken (#REF!)."""
    defined = wb.defined_names.get(name)
    if defined is None:
        return None
    try:
        targets = list(defined.destinations)
    except (ValueError, TypeError, AttributeError):
        return None
    if len(targets) != 1:
        return None
    sheet, ref = targets[0]
    if sheet not in wb.sheetnames:
        return None
    try:
        return wb[sheet], CellRange(ref.replace("$", ""))
    except ValueError:
        return None


def named_cell(wb: Workbook, name: str) -> tuple[Worksheet, int, int]:
    """Sheet, row and column of a named single cell (the top-left one of a range)."""
    found = resolve(wb, name)
    if found is None:
        raise CityWorkbookError(
            f"Sổ tổng hợp không còn ô được đặt tên '{name}' (có thể ô đã bị xóa hoặc tên bị đổi). "
            "Hãy đặt lại tên cho ô (Công thức > Quản lý tên) hoặc tạo lại sổ từ mẫu.")
    ws, cells = found
    return ws, cells.min_row, cells.min_col


def table_region(wb: Workbook, spec: TableSpec) -> Region:
    """Where a table is now: anchor by its name; data rows by ``<id>_data`` when that is sane.

    The data region must start right under the header and span at least one
    row; anything else (a deleted or mangled ``_data`` name) falls back to the
    one row under the header, so the writer can always recover.
    """
    ws, header_row, first_col = named_cell(wb, spec.id)
    first_row, last_row = header_row + 1, header_row + 1
    data = resolve(wb, spec.id + DATA_SUFFIX)
    if data is not None and data[0] is ws and data[1].min_row == first_row:
        last_row = max(data[1].max_row, first_row)
    return Region(ws, header_row, first_col, len(spec.columns), first_row, last_row)


# -- layout -------------------------------------------------------------------------

def share_format(digits: int) -> str:
    return "0%" if digits <= 0 else "0." + "0" * digits + "%"


def number_format(column: Column, plan: Plan) -> str:
    """The number format of a column's data cells, by the column's kind."""
    if column.kind == "int":
        return ps.INT_FORMAT
    if column.kind == "share":
        return share_format(plan.completion_digits if column.id in COMPLETION_COLUMNS else plan.share_digits)
    if column.kind == "date":
        return ps.DATE_FORMAT
    if column.kind == "datetime":
        return ps.DATETIME_FORMAT
    return ps.TEXT_FORMAT


def lay_out_sheet(wb: Workbook, ws: Worksheet, specs: list[TableSpec], plan: Plan,
                  header_row: int = HEADER_ROW, first_col: int = 1, print_setup: bool = True) -> list[Region]:
    """Lay the tables of one sheet side by side; name anchors and data regions; set highlights.

    Returns each table's region. ``print_setup`` sets freeze panes, the
    autofilter and the page (off for the report sheet, which has its own).
    """
    regions = []
    col = first_col
    for spec in specs:
        region = _lay_out_table(wb, ws, spec, plan, header_row, col)
        add_highlights(ws, spec, region)
        regions.append(region)
        for gap in range(region.last_col + 1, region.last_col + 1 + TABLE_GAP):
            ws.column_dimensions[get_column_letter(gap)].width = GAP_WIDTH
        col = region.last_col + 1 + TABLE_GAP
    if print_setup and regions:
        _sheet_setup(ws, specs, regions)
    return regions


def _lay_out_table(wb: Workbook, ws: Worksheet, spec: TableSpec, plan: Plan, header_row: int,
                   first_col: int) -> Region:
    title = write_value(ws, header_row - 2, first_col, spec.title)
    title.font = ps.TITLE
    lines = 1
    for offset, column in enumerate(spec.columns):
        col = first_col + offset
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = column.width
        head = write_value(ws, header_row, col, column.header)
        head.font, head.fill, head.border, head.alignment = ps.BODY_BOLD, ps.HEAD_FILL, ps.GRID, ps.CENTER
        lines = max(lines, _lines(column.header, column.width))
        style_row = ws.cell(header_row + 1, col)
        style_row.font, style_row.border = ps.BODY, ps.GRID
        style_row.number_format = number_format(column, plan)
        style_row.alignment = ps.LEFT_WRAP if column.kind == "text" else (
            ps.CENTER_ONE_LINE if column.kind in ("date", "datetime") else ps.NUMBER)
    current = ws.row_dimensions[header_row].height or 0
    ws.row_dimensions[header_row].height = max(current, 16.5 * lines + 4)
    define_name(wb, spec.id, ws, first_col, header_row)
    region = Region(ws, header_row, first_col, len(spec.columns), header_row + 1, header_row + 1)
    define_name(wb, spec.id + DATA_SUFFIX, ws, region.first_col, region.first_row, region.last_col, region.last_row)
    return region


def _lines(text: str, width: float) -> int:
    """Wrapped lines of a bold header in a column ``width`` characters wide (estimate, generous)."""
    usable = max(width - 1.5, 1.0) / 1.15
    words, lines, used = text.split(), 1, 0.0
    for word in words:
        if used and used + 1 + len(word) > usable:
            lines, used = lines + 1, 0.0
        used += (1 if used else 0) + len(word)
        if used > usable:
            extra = math.ceil(used / usable) - 1
            lines, used = lines + extra, used - extra * usable
    return lines


def _sheet_setup(ws: Worksheet, specs: list[TableSpec], regions: list[Region]) -> None:
    """Freeze the header, filter the first table, print A4 fit to width with repeated headers."""
    first = regions[0]
    freeze_col = first.first_col
    if len(specs) == 1 and "ten" in specs[0].column_ids:  # keep the unit's code and name in view
        freeze_col = first.first_col + specs[0].column_ids.index("ten") + 1
    ws.freeze_panes = ws.cell(first.first_row, freeze_col)
    ws.auto_filter.ref = f"{get_column_letter(first.first_col)}{first.header_row}:" \
                         f"{get_column_letter(first.last_col)}{first.last_row}"
    width = sum(c.width for spec in specs for c in spec.columns) + TABLE_GAP * GAP_WIDTH * (len(specs) - 1)
    ps.print_a4(ws, landscape=width > LANDSCAPE_WIDTH)
    ws.print_title_rows = f"{first.header_row}:{first.header_row}"


# -- highlights ---------------------------------------------------------------------

def add_highlights(ws: Worksheet, spec: TableSpec, region: Region) -> None:
    """Conditional formats of a table's data region (below-minimum, late/missing, severities).

    The rules live in the workbook, so staff can change colours in Excel. A rule
    that colours the whole row refers to its column by position with a mixed
    reference (``$A4``): Excel and LibreOffice move it along when rows or
    columns are inserted above or to the left.
    """
    last = region.first_row + HIGHLIGHT_ROWS - 1
    for (table, column_id), (values, whole_row) in HIGHLIGHTS.items():
        if table != spec.id:
            continue
        col = region.first_col + spec.column_ids.index(column_id)
        letter = get_column_letter(col)
        if whole_row:
            target = f"{get_column_letter(region.first_col)}{region.first_row}:" \
                     f"{get_column_letter(region.last_col)}{last}"
        else:
            target = f"{letter}{region.first_row}:{letter}{last}"
        for text, (fill, font) in values:
            if whole_row:
                rule = FormulaRule(formula=[f'${letter}{region.first_row}="{text}"'], fill=fill, font=font)
            else:
                rule = CellIsRule(operator="equal", formula=[f'"{text}"'], fill=fill, font=font)
            ws.conditional_formatting.add(target, rule)


def extend_highlights(ws: Worksheet, region: Region) -> None:
    """Stretch the conditional formats that start at a table's first data row to its last row.

    The template covers :data:`HIGHLIGHT_ROWS` rows; a larger table (tens of
    thousands of rows) must stay coloured to its end. Rules and their order are
    kept; only the covered ranges grow.
    """
    rebuilt, changed = [], False
    for cf in ws.conditional_formatting:
        ranges = []
        for cells in cf.sqref.ranges:
            if (cells.min_row == region.first_row and region.first_col <= cells.min_col
                    and cells.max_col <= region.last_col and cells.max_row < region.last_row):
                cells = CellRange(min_col=cells.min_col, min_row=cells.min_row, max_col=cells.max_col,
                                  max_row=region.last_row)
                changed = True
            ranges.append(cells.coord)
        rebuilt.append((" ".join(ranges), list(cf.rules)))
    if not changed:
        return
    formats = type(ws.conditional_formatting)()
    for sqref, rules in rebuilt:
        for rule in rules:
            formats.add(sqref, rule)
    formats.max_priority = max((r.priority or 0 for _, rules in rebuilt for r in rules), default=0)
    ws.conditional_formatting = formats
