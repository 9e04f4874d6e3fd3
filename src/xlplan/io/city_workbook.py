"""The city summary workbook (sổ tổng hợp): its template, and the writer that fills it.

The layout lives in the workbook, not in Python: :func:`build_city_template`
lays out every sheet once (headers, widths, number formats, conditional
formats, print setup, the Party-style report page) and names every anchor.
Consolidation then calls :func:`write_city_data`, which finds each table and
cell *by its defined name*, replaces only values below the headers, copies the
look of each table's first data row to the new rows, and resizes the
``<table>_data`` names. Staff may restyle the workbook, insert rows above the
tables or move them; the next consolidation keeps their work.

The Hướng dẫn and Cấu hình sheets are laid out here; the Báo cáo sheet (the
report and its sections) in :mod:`xlplan.io.report_sheet`, the generic table
machinery in :mod:`xlplan.io.city_layout`, the charts in
:mod:`xlplan.io.city_charts`. A write of the tracking also writes the call
list (:mod:`xlplan.core.call_list`) on the Theo dõi nộp sheet.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import IO, Collection, Mapping, Sequence

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from ..core import report_sections as rs
from ..core.call_list import TABLE_ID as CALL_TABLE
from ..core.call_list import call_rows, call_table
from ..core.forms import form_spec
from ..core.periods import periods_of
from ..core.plan import Plan
from ..core.summary_tables import (CONFIG_CELLS, SHEETS, TableSpec, keeps_report_text, summary_tables)
from . import city_layout as lay
from . import party_style as ps
from .city_charts import add_charts
from .city_layout import CityWorkbookError, Region, define_name, number_format, resolve, table_region
from .gc_pause import paused_gc
from .openpyxl_internals import cell_store, set_default_font, style_record
from .cell_values import fill_cell, put_value, write_formula, write_value
from .report_sheet import fit_row, lay_out_report, read_named_values, write_board_cells
from .streamed_rows import DeferredRows, defer, defer_heights
from .text_fit import lines_height, wrapped_lines

__all__ = ["CityWorkbookError", "build_city_template", "config_cells", "default_settings", "load_city_workbook",
           "read_config", "read_named_values", "write_city_data"]

_CONFIG_NAMES = tuple(name for name, _ in CONFIG_CELLS)
# Cấu hình cells shown for information only (not yellow, not a setting): the plan year is the plan
# file's, chosen through cfg_ke_hoach. Cells older workbooks lack are read as empty.
CONFIG_INFO_CELLS = frozenset({"cfg_nam"})
CONFIG_OPTIONAL_CELLS = frozenset({"cfg_ngay_chot", "cfg_nam_truoc"})
_COMPARISON_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}



# -- public API ------------------------------------------------------------------------

def default_settings(plan: Plan) -> dict[str, object]:
    """The Cấu hình values of a new city workbook for ``plan`` (keys are the ``cfg_*`` names)."""
    source = plan.source or plan.id
    if source.startswith("xlplan:"):
        source = source[len("xlplan:"):]
    return {
        "cfg_ke_hoach": source,
        "cfg_nam": plan.year,
        "cfg_thu_muc_nop": "NopBaoCao",
        "cfg_thu_muc_gui": "GuiDonVi",
        "cfg_thu_muc_ket_qua": "KetQua",
        "cfg_han_dang_ky": plan.due_date("F01", str(plan.year)),
        "cfg_lam_tron": plan.rounding_mode,
        "cfg_so_le": plan.share_digits,
        "cfg_ngay_chot": None,  # empty: the day of each consolidation
        "cfg_nam_truoc": None,  # empty: no previous year's folder (xlplan init --previous fills it)
    }


def build_city_template(plan: Plan, settings: Mapping[str, object] | None = None) -> Workbook:
    """A new, empty city workbook for ``plan``: every sheet of ``SHEETS`` laid out and named.

    ``settings`` overrides :func:`default_settings` (keys are ``cfg_*`` names);
    an unknown key raises :class:`CityWorkbookError`.
    """
    values = default_settings(plan)
    unknown = sorted(set(settings or ()) - set(_CONFIG_NAMES))
    if unknown:
        raise CityWorkbookError(f"Mục cấu hình không có trong sổ tổng hợp: {', '.join(unknown)} "
                                f"(chỉ có: {', '.join(_CONFIG_NAMES)}).")
    values.update(settings or {})
    wb = Workbook()
    set_default_font(wb, ps.DEFAULT_FONT)  # column widths measured alike in Excel and LibreOffice
    wb.active.title = SHEETS[0]
    for title in SHEETS[1:]:
        wb.create_sheet(title)
    specs = summary_tables(plan)
    by_sheet: dict[str, list[TableSpec]] = {}
    for spec in (*specs.values(), call_table()):
        by_sheet.setdefault(spec.sheet, []).append(spec)
    for sheet, tables in by_sheet.items():
        if sheet != "Báo cáo":
            lay.lay_out_sheet(wb, wb[sheet], tables, plan)
    _counts(wb, plan)
    _guide(wb[SHEETS[0]], plan)
    _config(wb, wb["Cấu hình"], plan, values)
    lay_out_report(wb, wb["Báo cáo"], plan, specs["tbl_bao_cao"])
    add_charts(wb, plan)
    return wb


def load_city_workbook(path: str | Path | IO[bytes], keep_tables: Collection[str] | None = None) -> Workbook:
    """Open a city workbook for writing (openpyxl, no macros kept: the add-in lives outside it).

    ``keep_tables=None`` loads everything. A caller that will replace every
    table (consolidation) or needs only settings and names (opening a working
    folder) passes ``keep_tables=()``; the print copy keeps the tables it does
    not rewrite. Left-out tables' data rows are not loaded (their first row is,
    for its look), which at national scale saves most of the load time and
    memory (:mod:`xlplan.io.city_loader`).
    """
    from .city_loader import load_workbook

    return load_workbook(path if hasattr(path, "read") else Path(path), keep_tables)  # a path or the bytes already read


def read_config(wb: Workbook) -> dict[str, object]:
    """The ``cfg_*`` cells by name: {name: value}; names the workbook lost are left out.

    Values come back as staff typed them, tidied: text stripped (empty → None),
    whole numbers as int (Excel stores 2017 as 2017.0 after some programs),
    dates as ``datetime.date``. Checking them is the caller's job.
    """
    config: dict[str, object] = {}
    for name in _CONFIG_NAMES:
        found = resolve(wb, name)
        if found is None:
            continue
        ws, cells = found
        config[name] = tidy_setting(ws.cell(cells.min_row, cells.min_col).value)
    return config


def config_cells(wb: Workbook) -> dict[str, str]:
    """Where each ``cfg_*`` cell is (``{"cfg_so_le": "B12"}``), to name it in a message about its value."""
    places: dict[str, str] = {}
    for name in _CONFIG_NAMES:
        found = resolve(wb, name)
        if found is not None:
            places[name] = f"{get_column_letter(found[1].min_col)}{found[1].min_row}"
    return places


def write_city_data(wb: Workbook, plan: Plan, tables: Mapping[str, Sequence[Mapping[str, object]]],
                    cells: Mapping[str, object], *, stream: bool = False,
                    report_period: rs.ReportPeriod | None = None) -> None:
    """Write table rows and named cells into a city workbook; re-create the charts.

    For each table id in ``tables``, the rows (mappings by column id; missing
    keys are empty) replace the old data under the header found by name. Text
    stays text, even if it starts with ``=`` (unit files are untrusted).
    ``cells`` maps defined names (``bc_*``, ``cfg_*``…) to values; a report
    cell staff typed their own text into keeps it (only the generated
    paragraphs are always rewritten: :func:`~xlplan.core.summary_tables.keeps_report_text`).
    Raises :class:`CityWorkbookError` when a name is missing or a table would
    run into another named table or cell.

    ``stream=True`` (a consolidation that saves right away) leaves the table
    rows as they are and has them written into the sheet XML while
    :func:`xlplan.io.workbook_files.workbook_bytes` saves: memory stays flat
    at national scale and the bytes are the same (:mod:`xlplan.io.streamed_rows`).
    The tables' cells cannot be read from ``wb`` in between.

    A write of every table also writes the report's sections
    (:func:`xlplan.core.report_sections.section_cells`, for ``report_period``,
    by default the plan year) into the Báo cáo cells the workbook has; the
    Board's cells II and III only while they hold the seed last written.
    """
    cells = dict(cells)
    if _REPORT_SOURCES <= set(tables):
        generated = rs.section_cells(plan, tables, report_period)
        cells = {**{k: v for k, v in generated.items() if resolve(wb, k) is not None}, **cells}
    write_board_cells(wb, cells)
    specs = {**summary_tables(plan), CALL_TABLE: call_table()}
    if _CALL_SOURCES <= set(tables) and CALL_TABLE not in tables and resolve(wb, CALL_TABLE) is not None:
        tables = {**tables, CALL_TABLE: call_rows(plan, tables)}  # the call list follows the tracking
    unknown = sorted(set(tables) - set(specs))
    if unknown:
        raise CityWorkbookError(f"Sổ tổng hợp không có bảng: {', '.join(unknown)}.")
    with paused_gc():
        measured: dict[tuple[float, float], dict[str, float]] = {}  # tables share texts (names): measured once
        fitted = [_write_table(wb, specs[table_id], rows, stream, plan, measured) for table_id, rows in tables.items()]
    _set_row_heights(fitted, stream)
    for name, value in cells.items():
        ws, row, col = lay.named_cell(wb, name)
        cell = ws.cell(row, col)
        if keeps_report_text(name, cell.value, plan):
            continue  # staff typed it (the report's number, date…): theirs, not a default's
        put_value(cell, value)
        fit_row(ws, cell)
    add_charts(wb, plan)


# -- writing ---------------------------------------------------------------------------

_CALL_SOURCES = frozenset({"tbl_theo_doi", "tbl_kiem_tra", "tbl_don_vi"})
_REPORT_SOURCES = frozenset({"tbl_dang_ky", "tbl_tien_do", "tbl_tong_hop", "tbl_chi_tieu", "tbl_ty_le_nop",
                             "tbl_theo_doi"})


def _write_table(wb: Workbook, spec: TableSpec, rows: Sequence[Mapping[str, object]], stream: bool,
                 plan: Plan, measured: dict[tuple[float, float], dict[str, float]] | None = None,
                 ) -> tuple[Region, dict[int, float]]:
    """Write one table's rows under its header; returns its old region and the heights its rows need."""
    old = table_region(wb, spec)
    ws = old.ws
    last_row = old.first_row + max(len(rows), 1) - 1
    new = Region(ws, old.header_row, old.first_col, old.width, old.first_row, last_row)
    _refuse_overlap(wb, spec, new)
    cells = cell_store(ws)  # direct access keeps a 50,000-row table linear and fast
    styles = []
    for offset, column in enumerate(spec.columns):
        template = cells.get((old.first_row, old.first_col + offset))
        if template is not None and column.kind == "share":
            template.number_format = number_format(column, plan)  # the decimals set on Cấu hình, as shown
        styles.append(style_record(template) if template is not None else None)
    wraps = _wrapping_columns(ws, spec, old, cells)
    # Clear the old region, values and the styles we copied; rows past the sheet's end hold nothing.
    for row in range(old.first_row, min(old.last_row, ws.max_row) + 1):
        for col in range(old.first_col, old.last_col + 1):
            if row == old.first_row:
                if (row, col) in cells:
                    cells[(row, col)].value = None
            else:
                cells.pop((row, col), None)
    columns = tuple((old.first_col + offset, column_id, styles[offset] or None)
                    for offset, column_id in enumerate(spec.column_ids))
    if stream and rows:
        # Whatever the new rows cover (the first row's template cells, staff cells below the
        # table) gives way to them, as in the eager path; the rows are written at save time.
        covered = [key for key in cells
                   if new.first_row <= key[0] <= new.last_row and new.first_col <= key[1] <= new.last_col]
        for key in covered:
            del cells[key]
        defer(ws, DeferredRows(old.first_row, columns, rows))
    else:
        # At 52,000 units this loop makes millions of cells, so it does no more than it must.
        for row, values in enumerate(rows, old.first_row):
            for col, column_id, style in columns:
                cell = Cell(ws, row=row, column=col, style_array=style)  # a new cell: empty, data type "n"
                fill_cell(cell, values.get(column_id))
                cells[(row, col)] = cell
    define_name(wb, spec.id + lay.DATA_SUFFIX, ws, new.first_col, new.first_row, new.last_col, new.last_row)
    _follow_sheet_settings(ws, old, new)
    lay.extend_highlights(ws, new)
    return old, _row_heights(wraps, old.first_row, rows, measured)


def _wrapping_columns(ws: Worksheet, spec: TableSpec, region: Region,
                      cells: Mapping[tuple[int, int], Cell]) -> list[tuple[str, float, float]]:
    """(column id, width, font size) of the text columns whose style row wraps: the sheet's look and widths."""
    wraps = []
    for offset, column in enumerate(spec.columns):
        template = cells.get((region.first_row, region.first_col + offset))
        if column.kind != "text" or template is None or not (template.alignment and template.alignment.wrap_text):
            continue
        width = ws.column_dimensions[get_column_letter(region.first_col + offset)].width or 8.43
        wraps.append((column.id, float(width), float(template.font.sz or 11) if template.font else 11.0))
    return wraps


def _row_heights(wraps: Sequence[tuple[str, float, float]], first_row: int,
                 rows: Sequence[Mapping[str, object]],
                 measured: dict[tuple[float, float], dict[str, float]] | None = None) -> dict[int, float]:
    """Sheet row → the height its wrapped text needs, for the rows that need more than one line."""
    heights: dict[int, float] = {}
    if not wraps:
        return heights
    single = max(lines_height(1, size) for _, _, size in wraps)
    # Per (width, size), text -> height: a table repeats its texts (names, states) row after row.
    shared = {} if measured is None else measured
    columns = [(column_id, width, size, shared.setdefault((width, size), {})) for column_id, width, size in wraps]
    for row, values in enumerate(rows, first_row):
        needed = 0.0
        for column_id, width, size, known in columns:
            value = values.get(column_id)
            if value and type(value) is str:
                height = known.get(value)
                if height is None:
                    height = known[value] = lines_height(wrapped_lines(value, width, size), size)
                if height > needed:
                    needed = height
            elif value and isinstance(value, str):  # a str subclass: measured as its text
                needed = max(needed, lines_height(wrapped_lines(value, width, size), size))
        if needed > single:
            heights[row] = needed
    return heights


def _set_row_heights(fitted: Sequence[tuple[Region, dict[int, float]]], stream: bool) -> None:
    """Give the written rows the heights of their text (the tallest table's on a shared row).

    Heights set by an earlier run on the old rows are removed first (a row
    dimension holding nothing else goes: a style index without ``customFormat``,
    which openpyxl writes beside every height, formats nothing); rows of one line
    keep the default. A row left without a dimension can be streamed on the fast lane.
    Streamed rows get theirs as they are written (:func:`xlplan.io.streamed_rows.defer_heights`).
    """
    by_sheet: dict[int, tuple[Worksheet, dict[int, float]]] = {}
    for old, heights in fitted:
        ws = old.ws
        dims = ws.row_dimensions
        for row in range(old.first_row, old.last_row + 1):
            if row in dims and set(dict(dims[row])) <= {"ht", "customHeight", "s"}:
                del dims[row]
            elif row in dims:
                dims[row].height = None
        merged = by_sheet.setdefault(id(ws), (ws, {}))[1]
        for row, height in heights.items():
            merged[row] = max(height, merged.get(row, 0.0))
    for ws, heights in by_sheet.values():
        if stream:
            defer_heights(ws, heights)
        else:
            for row, height in heights.items():
                ws.row_dimensions[row].height = height


def _refuse_overlap(wb: Workbook, spec: TableSpec, region: Region) -> None:
    """Stop before a growing table overwrites another named table or cell on its sheet."""
    own = {spec.id, spec.id + lay.DATA_SUFFIX}
    box = CellRange(min_col=region.first_col, min_row=region.first_row, max_col=region.last_col,
                    max_row=region.last_row)
    for name in list(wb.defined_names):
        if name in own:
            continue
        found = resolve(wb, name)
        if found is None or found[0] is not region.ws:
            continue
        if not box.isdisjoint(found[1]):
            raise CityWorkbookError(
                f"Bảng '{spec.title}' ở trang '{region.ws.title}' cần {region.last_row - region.first_row + 1} "
                f"dòng nhưng sẽ đè lên vùng có tên '{name}'. Hãy dời vùng đó ra khỏi phía dưới bảng rồi tổng hợp lại.")


def _follow_sheet_settings(ws: Worksheet, old: Region, new: Region) -> None:
    """Make the autofilter and the print area that ended with this table end with its new rows."""
    if ws.auto_filter.ref:
        current = _range(ws.auto_filter.ref)
        if current is not None and (current.min_row, current.min_col) == (new.header_row, new.first_col):
            ws.auto_filter.ref = f"{get_column_letter(new.first_col)}{new.header_row}:" \
                                 f"{get_column_letter(new.last_col)}{new.last_row}"
    area = ws.print_area
    if area and "," not in area:
        current = _range(area.rsplit("!", 1)[-1])
        if (current is not None and current.max_row == old.last_row and current.min_row <= new.header_row
                and current.min_col <= new.first_col and new.last_col <= current.max_col):
            ws.print_area = f"{get_column_letter(current.min_col)}{current.min_row}:" \
                            f"{get_column_letter(current.max_col)}{new.last_row}"


def _range(text: str) -> CellRange | None:
    try:
        return CellRange(text.replace("$", ""))
    except (ValueError, TypeError):
        return None


def tidy_setting(value: object) -> object:
    """A setting as staff typed it: text stripped (empty → None), 2017.0 → 2017, midnight → date."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


# -- the fixed sheets ----------------------------------------------------------------------

def _counts(wb: Workbook, plan: Plan) -> None:
    """Live counts above two tables, by formulas on the data names (they follow every resize)."""
    units = wb["Danh mục đơn vị"]
    _label(units, 2, 1, "Số đơn vị:")
    write_formula(units, 2, 2, "=COUNTA(INDEX(tbl_don_vi_data,0,1))").font = ps.BODY_BOLD
    checks = wb["Kiểm tra"]
    col = 1
    for severity in ("Lỗi", "Cảnh báo", "Ghi chú"):
        _label(checks, 2, col, f"{severity}:")
        write_formula(checks, 2, col + 1, f'=COUNTIF(INDEX(tbl_kiem_tra_data,0,1),"{severity}")').font = ps.BODY_BOLD
        col += 2


def _label(ws: Worksheet, row: int, col: int, value: str | dt.date) -> Cell:
    cell = write_value(ws, row, col, value)
    cell.font = ps.BODY
    return cell


_SHEET_HELP = {
    "Hướng dẫn": "Trang này: cách dùng sổ tổng hợp.",
    "Cấu hình": "Tệp kế hoạch, các thư mục, hạn nộp đăng ký, cách làm tròn, số chữ số thập phân, ngày chốt số "
                "liệu. Phần mềm đọc các ô màu vàng ở trang này mỗi lần tổng hợp (bằng nút trên thanh công cụ hoặc "
                "bằng dòng lệnh) và báo rõ ô nào gõ sai.",
    "Danh mục đơn vị": "Danh sách tổ chức cơ sở đảng, loại hình và chỉ tiêu kết nạp tối thiểu của từng đơn vị.",
    "Đăng ký": "Đăng ký xếp loại và chỉ tiêu kết nạp của từng đơn vị (biểu F01), so với chỉ tiêu tối thiểu; "
               "tình trạng nộp đăng ký.",
    "Tiến độ": "Kết nạp lũy kế của từng đơn vị (biểu F02) so với đăng ký và chỉ tiêu tối thiểu; tiến độ "
               "toàn thành phố theo tháng, quý.",
    "Đánh giá": "Kết quả đánh giá, xếp loại chất lượng tổ chức cơ sở đảng và đảng viên (biểu F03).",
    "Tổng hợp": "Số liệu theo loại hình và toàn thành phố; các chỉ tiêu của kế hoạch, năm trước so với năm nay.",
    "Theo dõi nộp": "Đơn vị nào đã nộp biểu nào, kỳ nào, ngày nào, đúng hạn hay muộn; tỷ lệ nộp đầy đủ, đúng hạn; "
                    "danh sách đơn vị cần nhắc (chưa nộp, tệp không đọc được, có lỗi) kèm số liên hệ, theo loại "
                    "hình (in riêng bằng lệnh «xlplan status --can-nhac»).",
    "Kiểm tra": "Các lỗi, cảnh báo, ghi chú phát hiện khi kiểm tra số liệu: đơn vị, tệp, ô cần sửa và cách "
                "khắc phục.",
    "Biểu đồ": "Biểu đồ kết nạp so với chỉ tiêu, xếp loại tổ chức cơ sở đảng, tỷ lệ nộp đầy đủ.",
    "Báo cáo": "Báo cáo in theo thể thức văn bản của Đảng (Hướng dẫn 36-HD/VPTW): phần I. Kết quả được viết tự "
               "động từ số liệu mỗi lần tổng hợp; phần II. Hạn chế, nguyên nhân và III. Phương hướng có sẵn gợi ý "
               "từ số liệu, Ban Tổ chức gõ nhận định của mình vào đó và được giữ lại ở các lần tổng hợp sau. "
               "Lệnh «xlplan report --docx» ghi báo cáo ra tệp Word để hoàn thiện; «--period 2017-6T» cho báo "
               "cáo 6 tháng (hoặc một quý).",
}


def _guide(ws: Worksheet, plan: Plan) -> None:
    """Instructions for the Organization Board's staff, in Vietnamese."""
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    write_value(ws, 1, 1, "HƯỚNG DẪN SỬ DỤNG SỔ TỔNG HỢP").font = ps.TITLE
    write_value(ws, 2, 1, f"Kế hoạch {plan.title}").font = ps.NOTE
    row = 4
    _head(ws, row, ("Trang", "Nội dung"))
    for sheet in SHEETS:
        row += 1
        name = write_value(ws, row, 1, sheet)
        name.hyperlink = Hyperlink(ref=name.coordinate, location=f"{quote_sheetname(sheet)}!A1", display=sheet)
        name.font = ps.LINK
        name.alignment = ps.TOP_LEFT
        _text(ws, row, 2, _SHEET_HELP.get(sheet, ""))
    sections = (
        ("Cách tổng hợp", (
            "1. Chép các tệp báo cáo đơn vị gửi về vào thư mục nhận báo cáo (ô «Thư mục nhận báo cáo» ở trang "
            "Cấu hình, mặc định là thư mục NopBaoCao cạnh sổ này). Tệp bị đổi tên hoặc nộp hai lần vẫn được "
            "nhận đúng.",
            "2. Bấm nút «Tổng hợp» trên thẻ «Xây dựng Đảng» của thanh công cụ Excel; trên máy không có Excel, chạy lệnh "
            "«xlplan consolidate» (xem «xlplan consolidate --help»).",
            "3. Phần mềm đọc lại tất cả các tệp, ghi số liệu vào các bảng, vẽ lại biểu đồ và điền báo cáo. Số "
            "liệu cũ trong các bảng được thay thế: không gõ số liệu trực tiếp vào các bảng.",
            "4. Xem trang Kiểm tra; bấm nút «Gửi phản hồi cho đơn vị» (hoặc lệnh «xlplan feedback») để gửi mỗi đơn "
            "vị có lỗi một công văn có số, kèm bản sao tệp của đơn vị có tô màu ô cần sửa. Đơn vị sửa, gửi lại; "
            "lần tổng hợp sau đánh dấu nội dung nào của công văn đã khắc phục (lệnh «xlplan congvan»).")),
        ("Ngày nhận, nộp lại và ngày chốt số liệu", (
            "Ngày nhận một tệp là ngày phần mềm thấy tệp đó lần đầu (lần tổng hợp đầu tiên có tệp trong thư mục "
            "nhận báo cáo), không phải ngày đơn vị gõ trên biểu hay ngày ghi trên tệp. Nhận được hai tệp giống hệt "
            "nhau thì tính một lần.",
            "Đơn vị gửi lại (sửa số liệu): tệp nhận sau thay tệp nhận trước, dù ngày gõ trên tệp sau là ngày nào. "
            "Tệp bị thay vẫn được liệt kê ở trang Theo dõi nộp; lỗi của tệp bị thay không tính vào số lỗi và không "
            "gửi lại cho đơn vị.",
            "Đúng hạn hay muộn được xét theo tệp dùng được nhận đầu tiên của đơn vị cho biểu và kỳ đó: đơn vị nộp "
            "đúng hạn rồi gửi bản sửa sau hạn vẫn là đúng hạn; số lần nộp và ngày sửa cuối cùng được ghi lại.",
            "Ngày chốt số liệu (ô «Ngày chốt số liệu» ở trang Cấu hình, hoặc tùy chọn --as-of của dòng lệnh; để "
            "trống là ngày tổng hợp): biểu và kỳ chưa đến hạn nộp vào ngày này ghi «Chưa đến hạn», không bị tính "
            "là chưa nộp. Cùng các tệp và cùng ngày chốt thì luôn cho cùng số liệu.",
            "Hạn nộp đăng ký, cách làm tròn và số chữ số thập phân gõ ở trang Cấu hình được dùng thay cho giá trị "
            "của tệp kế hoạch; gõ sai (không phải ngày, không phải cat/tron, số ngoài 0–6) thì không tổng hợp và "
            "thông báo ô cần sửa.",
            "Không tổng hợp khi sổ này đang mở trong Excel hoặc LibreOffice (có tệp khóa ~$SoTongHop.xlsx hoặc "
            ".~lock.SoTongHop.xlsx# bên cạnh): hãy đóng sổ rồi chạy lại, hoặc dùng nút «Tổng hợp» ngay trong Excel.")),
        ("Được phép", (
            "Đổi màu, phông chữ, cỡ chữ, độ rộng cột, chiều cao dòng, định dạng số và định dạng có điều kiện; "
            "chèn dòng phía trên các bảng; ghi chú ở ngoài vùng các bảng. Định dạng của dòng số liệu đầu tiên "
            "được áp dụng cho mọi dòng khi tổng hợp.",)),
        ("Không được", (
            "Đổi tên, xóa hoặc sắp xếp lại thứ tự các trang; xóa ô tiêu đề đầu tiên của mỗi bảng (ô có tên "
            "tbl_…, xem Công thức > Quản lý tên); xóa các ô có tên cfg_… ở trang Cấu hình và bc_… ở trang Báo "
            "cáo; chèn cột vào giữa một bảng; để nội dung khác ngay bên dưới các bảng (bảng dài ra khi tổng hợp).",
            "Biểu đồ được vẽ lại sau mỗi lần tổng hợp: sửa biểu đồ bằng tay sẽ không được giữ.")),
        ("Kết quả kiểm tra", (
            "Trang Kiểm tra liệt kê mọi phát hiện, tô màu theo mức độ: Lỗi (đỏ) phải sửa; Cảnh báo (vàng) cần xem "
            "lại; Ghi chú (xanh) để biết. Đơn vị chưa đạt chỉ tiêu tối thiểu được tô đỏ ở trang Đăng ký và Tiến "
            "độ; đơn vị nộp muộn (cam) hoặc chưa nộp (đỏ) ở trang Theo dõi nộp.",)),
    )
    for heading, paragraphs in sections:
        row += 2
        title = write_value(ws, row, 1, heading)
        title.font, title.alignment = ps.BODY_BOLD, ps.TOP_LEFT
        for paragraph in paragraphs:
            _text(ws, row, 2, paragraph)
            row += 1
        row -= 1
    ps.print_a4(ws)


def _head(ws: Worksheet, row: int, labels: Sequence[str], col: int = 1) -> None:
    for offset, label in enumerate(labels):
        cell = write_value(ws, row, col + offset, label)
        cell.font, cell.fill, cell.border, cell.alignment = ps.BODY_BOLD, ps.HEAD_FILL, ps.GRID, ps.CENTER


def _text(ws: Worksheet, row: int, col: int, text: str) -> Cell:
    """A wrapped body-text cell, its row made tall enough for the text."""
    cell = write_value(ws, row, col, text)
    cell.font, cell.alignment = ps.BODY, ps.TOP_LEFT
    width = ws.column_dimensions[get_column_letter(col)].width or 8.43
    lines = max(1, math.ceil(len(text) / max(width * 1.2, 1)))  # Times New Roman is narrower than the width unit
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 16 * lines + 3)
    return cell


_CONFIG_NOTES = {
    "cfg_ke_hoach": "Tên kế hoạch có sẵn (vd. bac_ninh_2017) hoặc đường dẫn tới tệp .toml.",
    "cfg_nam": "Chỉ để xem: năm lấy từ tệp kế hoạch (ô Kế hoạch), sửa ở đây không có tác dụng.",
    "cfg_thu_muc_nop": "Nơi chép các tệp đơn vị gửi về; đường dẫn tương đối tính từ thư mục chứa sổ này.",
    "cfg_thu_muc_gui": "Nơi tạo các biểu mẫu để gửi cho đơn vị.",
    "cfg_thu_muc_ket_qua": "Nơi lưu báo cáo PDF và bản sao lưu sổ tổng hợp.",
    "cfg_han_dang_ky": "Ngày cuối cùng nhận đăng ký (biểu F01), dạng ngày/tháng/năm; xét đúng hạn theo ngày này.",
    "cfg_lam_tron": "cat = cắt bỏ phần lẻ như kế hoạch viết (65/79 = 82,27%); tron = làm tròn.",
    "cfg_so_le": "Số chữ số sau dấu phẩy của các tỷ lệ phần trăm (0 đến 6).",
    "cfg_ngay_chot": "Ngày/tháng/năm chốt số liệu: biểu chưa đến hạn vào ngày này là «Chưa đến hạn». Để trống: "
                     "ngày tổng hợp.",
    "cfg_nam_truoc": "Thư mục làm việc năm trước đã tổng hợp (vd. ../TongHop2017): số liệu năm trước ở các cột so "
                     "sánh và đoạn «năm trước» lấy từ đó. Để trống: lấy theo kế hoạch, không so sánh.",
}


def _config(wb: Workbook, ws: Worksheet, plan: Plan, values: Mapping[str, object]) -> None:
    """Label/value rows the code reads (each value cell named ``cfg_*``), then plan facts to look at."""
    for letter, width in (("A", 46), ("B", 26), ("C", 70)):
        ws.column_dimensions[letter].width = width
    write_value(ws, 1, 1, "CẤU HÌNH SỔ TỔNG HỢP").font = ps.TITLE
    write_value(ws, 2, 1, "Phần mềm đọc các ô màu vàng mỗi lần tổng hợp. Có thể sửa giá trị; không xóa các ô này.").font = \
        ps.NOTE
    _head(ws, 4, ("Mục cấu hình", "Giá trị", "Ghi chú"))
    formats = {"cfg_nam": "0", "cfg_so_le": "0", "cfg_han_dang_ky": ps.DATE_FORMAT, "cfg_ngay_chot": ps.DATE_FORMAT}
    row = 4
    for name, label in CONFIG_CELLS:
        row += 1
        _label(ws, row, 1, label).border = ps.GRID
        cell = write_value(ws, row, 2, values.get(name))
        cell.font, cell.border = ps.BODY_BOLD, ps.GRID
        if name not in CONFIG_INFO_CELLS:  # yellow = read at every consolidation; the others are shown only
            cell.fill = ps.INPUT_FILL
        cell.number_format = formats.get(name, ps.TEXT_FORMAT)
        cell.alignment = ps.LEFT
        note = _label(ws, row, 3, _CONFIG_NOTES.get(name, ""))
        note.font, note.border = ps.NOTE, ps.GRID
        define_name(wb, name, ws, 2, row)
    rows = {name: 5 + i for i, name in enumerate(_CONFIG_NAMES)}
    _validate(ws, f"B{rows['cfg_lam_tron']}", DataValidation(type="list", formula1='"cat,tron"'))
    _validate(ws, f"B{rows['cfg_so_le']}", DataValidation(type="whole", operator="between", formula1="0",
                                                          formula2="6"))
    row += 2
    write_value(ws, row, 1, "THÔNG TIN TỪ KẾ HOẠCH (chỉ để xem; muốn thay đổi thì sửa tệp kế hoạch)").font = ps.BODY_BOLD
    facts = [("Kế hoạch", plan.title),
             ("Năm so sánh", str(plan.previous_year)),
             ("Chỉ tiêu kết nạp toàn thành phố",
              f"{_COMPARISON_SIGNS[plan.admission_comparison]} {plan.city_admission_target:,}".replace(",", ".")),
             ("Đảng viên hoàn thành tốt nhiệm vụ trở lên",
              f"{_COMPARISON_SIGNS[plan.good_share_comparison]} {str(plan.good_share_target).replace('.', ',')}%")]
    facts += [(f"Kết nạp tối thiểu: {k.label}",
               f"≥ {k.min_admissions}" + (" (đơn vị có nguồn)" if k.only_with_source else "")) for k in plan.kinds]
    for label, value in facts:
        row += 1
        _label(ws, row, 1, label)
        _label(ws, row, 2, value).alignment = Alignment(horizontal="left")
    row += 2
    write_value(ws, row, 1, f"HẠN NỘP BIỂU MẪU NĂM {plan.year} (theo tệp kế hoạch)").font = ps.BODY_BOLD
    row += 1
    _head(ws, row, ("Biểu", "Kỳ báo cáo", "Hạn nộp"))
    for form_id, rule in plan.forms.items():
        short = form_spec(form_id, plan).short
        for kind in ("month", "quarter", "year"):
            if kind not in rule.periods:
                continue
            for period in periods_of(plan.year, kind):
                row += 1
                _label(ws, row, 1, f"{form_id} – {short}").border = ps.GRID
                _label(ws, row, 2, period.label).border = ps.GRID
                due = _label(ws, row, 3, plan.due_date(form_id, period))
                due.number_format, due.border = ps.DATE_FORMAT, ps.GRID
                due.alignment = Alignment(horizontal="left")
    ps.print_a4(ws, landscape=True)


def _validate(ws: Worksheet, cell: str, validation: DataValidation) -> None:
    validation.showErrorMessage = True
    validation.errorTitle = "Giá trị không hợp lệ"
    validation.error = "Xem cột Ghi chú để biết giá trị được phép."
    validation.add(cell)
    ws.add_data_validation(validation)
