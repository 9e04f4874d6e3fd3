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
from typing import Sequence

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.pagebreak import Break
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
# Printing (issue 13): each table starts its own page (a column break between side-by-side tables), at a
# fixed scale chosen per sheet so its widest table fills the page width and its 12 pt text prints at
# 9 pt or more, its header row on every page. A table too wide for a landscape page at that minimum gets
# its widest text columns narrowed (never below 40 %, nor below 14), then its number and date columns
# (never below what their values need): text and headers wrap, and the writer sets row heights from it.
MIN_SCALE = 75  # 12 pt at 75 % is 9 pt
PORTRAIT_SCALE = 85  # a sheet whose tables fit a portrait page at this scale or more prints portrait
TABLE_SIDE_MARGIN = 0.3  # inches, left and right, on the table sheets
# A column width unit is a digit of the workbook's default font (Times New Roman 12: 6 pt, in Excel and in
# LibreOffice alike), plus 5 pixels of padding a column.
PT_PER_UNIT, PT_PER_COLUMN = 6.0, 3.75
NARROWEST_TEXT = 14
NARROWEST = {"int": 8, "share": 8, "date": 10, "datetime": 15}  # "8.877", "82,27%", "dd/mm/yyyy hh:mm" at 12 pt

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


def page_width(landscape: bool) -> float:
    """Points across an A4 page inside the table sheets' side margins, less a little for rounding."""
    return (297 if landscape else 210) / 25.4 * 72 - 2 * TABLE_SIDE_MARGIN * 72 - 6


def printed_width(widths: Sequence[float]) -> float:
    """Points a run of columns takes on paper at 100 %."""
    return sum(PT_PER_UNIT * w + PT_PER_COLUMN for w in widths)


def fitted_widths(spec: TableSpec) -> list[float]:
    """The table's column widths, its widest text columns narrowed until it fits landscape A4 at 9 pt."""
    widths = [float(c.width) for c in spec.columns]
    floors = [max(NARROWEST_TEXT, math.ceil(c.width * 0.4)) if c.kind == "text" else
              min(c.width, NARROWEST[c.kind]) for c in spec.columns]
    for kinds in (("text",), ("int", "share", "date", "datetime")):  # text wraps first; then numbers and dates
        while printed_width(widths) * MIN_SCALE / 100 > page_width(landscape=True):
            narrowable = [i for i, c in enumerate(spec.columns) if c.kind in kinds and widths[i] > floors[i]]
            if not narrowable:
                break
            widest = max(narrowable, key=lambda i: (widths[i], -i))
            widths[widest] -= 1
    return widths


def print_scale(widths: Sequence[float]) -> tuple[bool, int]:
    """(landscape, scale in %) printing columns this wide one page wide at 9 pt or more, as large as fits."""
    wide = printed_width(widths) or 1.0
    portrait = int(page_width(landscape=False) / wide * 100)
    if portrait >= PORTRAIT_SCALE:
        return False, min(portrait, 100)
    return True, max(min(int(page_width(landscape=True) / wide * 100), 100), MIN_SCALE)


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
    for offset, (column, width) in enumerate(zip(spec.columns, fitted_widths(spec))):
        col = first_col + offset
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        head = write_value(ws, header_row, col, column.header)
        head.font, head.fill, head.border, head.alignment = ps.BODY_BOLD, ps.HEAD_FILL, ps.GRID, ps.CENTER
        lines = max(lines, _lines(column.header, width))
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
    """Freeze the header, filter the first table, print each table on its own A4 page width (≥ 9 pt), header repeated."""
    first = regions[0]
    freeze_col = first.first_col
    if len(specs) == 1 and "ten" in specs[0].column_ids:  # keep the unit's code and name in view
        freeze_col = first.first_col + specs[0].column_ids.index("ten") + 1
    ws.freeze_panes = ws.cell(first.first_row, freeze_col)
    ws.auto_filter.ref = f"{get_column_letter(first.first_col)}{first.header_row}:" \
                         f"{get_column_letter(first.last_col)}{first.last_row}"
    widest = max((fitted_widths(spec) for spec in specs), key=printed_width)
    landscape, scale = print_scale(widest)
    ps.print_a4(ws, landscape=landscape)
    ws.sheet_properties.pageSetUpPr.fitToPage = False  # a fixed scale: the widest table one page wide
    ws.page_setup.scale = scale
    ws.page_margins.left = ws.page_margins.right = TABLE_SIDE_MARGIN
    ws.print_options.horizontalCentered = False
    for region in regions[1:]:  # each table starts its own page
        ws.col_breaks.append(Break(id=region.first_col - 1, max=1048575))
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
