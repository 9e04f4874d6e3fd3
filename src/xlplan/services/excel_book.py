"""The city workbook open in Excel: its settings and registry, and consolidation results written into it.

The ribbon works on the workbook the user has *open* (an ``xlwings.Book``),
not on the file: staff may have changed Cấu hình or the registry without
saving, and Excel keeps the file locked while it is open. So this service
does on an xlwings Book what :mod:`xlplan.services.workspace` reads and
:func:`xlplan.io.city_workbook.write_city_data` writes with openpyxl, by the
same defined names and the same rules:

* A table is found by its anchor name (its first header cell); its rows go
  right below the header, leftover values of the old ``<id>_data`` region are
  cleared, and ``<id>_data`` is redefined on the new rows.
* Values only: the styles are the staff's. Rows below the style row (the
  first data row) get that row's number formats, else a share would read
  0.8227 instead of 82,27%.
* Text is written as text (a leading apostrophe, which Excel keeps out of the
  value), so a unit's "=…" never becomes a formula and "2017-01" never a date.
* Everything is located, converted and checked (missing names, a table
  growing into another named range) by :func:`plan_writes` before
  :func:`apply_writes` touches a cell, so an error leaves the workbook as it was.

Only xlwings's public API is used, so the same code drives desktop Excel (COM)
and xlwings's remote engine (``xw.Book(json=...)``, which the tests run on).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from openpyxl.utils.cell import get_column_letter

from ..core import report_sections as rs
from ..core.call_list import TABLE_ID as CALL_TABLE
from ..core.call_list import call_rows, call_table
from ..core.errors import XlplanError
from ..core.findings import Finding
from ..core.plan import Plan
from ..core.registry import Registry, parse_registry
from ..core.summary_tables import CONFIG_CELLS, REPORT_CELLS, TableSpec, keeps_report_text, summary_tables
from ..core.tracking import file_name
from ..io.city_layout import DATA_SUFFIX, CityWorkbookError, number_format
from ..io.city_workbook import CONFIG_OPTIONAL_CELLS, tidy_setting
from ..io.cell_values import excel_value
from ..io.registry import SHEET_NAME as REGISTRY_SHEET
from .settings import LABELS, apply_settings
from .workspace import Workspace, settings_folders, settings_plan

if TYPE_CHECKING:  # xlwings is only needed by the caller, who hands us its Book
    import xlwings as xw

CONFIG_NAMES = tuple(name for name, _ in CONFIG_CELLS)
TEXT_MARK = "'"  # Excel's text prefix: stored as the cell's prefix character, not in its value


# -- reading the open book ------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """Where a defined name points: sheet and 1-based corners."""

    sheet: str
    row: int
    column: int
    last_row: int
    last_column: int

    def overlaps(self, other: "Place") -> bool:
        return (self.sheet == other.sheet and self.row <= other.last_row and other.row <= self.last_row
                and self.column <= other.last_column and other.column <= self.last_column)


def _place_of(item: "xw.Name") -> Place:
    rng = item.refers_to_range
    last = rng.last_cell
    return Place(rng.sheet.name, rng.row, rng.column, last.row, last.column)


def named_place(book: "xw.Book", name: str) -> Place | None:
    """The range a workbook name points at, or None when it is missing or broken (#REF!, a constant)."""
    try:
        return _place_of(book.names[name]) if name in book.names else None
    except Exception:  # COM raises its own error types for a name that no longer refers to cells
        return None


def is_city_book(book: "xw.Book | None") -> bool:
    """Whether ``book`` is a city workbook: it still has every ``cfg_*`` name of the Cấu hình sheet."""
    if book is None:
        return False
    try:
        return all(name in book.names for name in CONFIG_NAMES if name not in CONFIG_OPTIONAL_CELLS)
    except Exception:  # a book Excel is closing, a protected view: not one we can work on
        return False


def config_cells(book: "xw.Book") -> dict[str, str]:
    """Where each ``cfg_*`` cell of the open book is (``{"cfg_so_le": "B12"}``), to name it in messages."""
    cells = {}
    for name in CONFIG_NAMES:
        place = named_place(book, name)
        if place is not None:
            cells[name] = f"{get_column_letter(place.column)}{place.row}"
    return cells


def read_settings(book: "xw.Book") -> dict[str, object]:
    """The ``cfg_*`` cells of the open book by name (as :func:`xlplan.io.city_workbook.read_config`)."""
    settings: dict[str, object] = {}
    for name in CONFIG_NAMES:
        place = named_place(book, name)
        if place is not None:
            settings[name] = tidy_setting(book.sheets[place.sheet].range((place.row, place.column)).value)
    return settings


def book_folder(book: "xw.Book") -> Path:
    """The working folder: the folder the open workbook is saved in.

    A workbook never saved has no folder; one opened from OneDrive or
    SharePoint reports a web address, which xlwings maps to the synced folder
    when it can.
    """
    full = str(book.fullname)
    if "://" in full:
        try:
            from xlwings.utils import fullname_url_to_local_path

            full = str(fullname_url_to_local_path(full))
        except Exception:
            raise XlplanError(
                f"Sổ '{book.name}' đang mở từ OneDrive/SharePoint nên không xác định được thư mục làm việc "
                "trên máy. Hãy mở sổ từ thư mục đồng bộ trên máy tính (File Explorer) rồi bấm lại nút.") from None
    path = Path(full)
    if not path.is_absolute() or not path.parent.is_dir():
        raise XlplanError(f"Sổ '{book.name}' chưa được lưu vào một thư mục. Hãy lưu sổ tổng hợp vào thư mục "
                          "làm việc (Tệp > Lưu) rồi bấm lại nút.")
    return path.parent


def is_blank_new_book(book: "xw.Book") -> bool:
    """Whether ``book`` is a blank workbook never saved ("Book1"): nothing in it to lose.

    The ribbon's callback adds such a book when no workbook is open (xlwings's
    RunPython needs an active workbook); «Khởi tạo» then closes it once the
    city workbook is open, instead of leaving an empty "Book1" behind.
    """
    try:
        book_folder(book)
        return False  # saved somewhere: the user's file
    except XlplanError:
        pass
    try:
        for sheet in book.sheets:
            used = sheet.used_range
            if used.count > 1 or used.value not in (None, ""):
                return False
        return True
    except Exception:  # a book Excel is closing: not one to touch
        return False


def sheet_rows(sheet: "xw.Sheet") -> list[list[Any]]:
    """A sheet's values from A1 to the end of its used range, so row numbers are the sheet's."""
    last = sheet.used_range.last_cell
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value
    return [list(row) for row in values]


def read_registry(book: "xw.Book", plan: Plan) -> tuple[Registry, list[Finding]]:
    """The registry as the open book's Danh mục đơn vị sheet holds it now (saved or not)."""
    names = [s.name for s in book.sheets]
    if REGISTRY_SHEET not in names:
        raise XlplanError(f"Sổ '{book.name}' không có trang '{REGISTRY_SHEET}'. Hãy tạo lại sổ từ mẫu "
                          "(nút «Khởi tạo thư mục làm việc» trong một thư mục mới).")
    rows = sheet_rows(book.sheets[REGISTRY_SHEET])
    return parse_registry(rows, plan, source=str(book.name), sheet=REGISTRY_SHEET,
                          row_numbers=list(range(1, len(rows) + 1)))


@dataclass(frozen=True)
class Folders:
    """The working folder and its sub-folders, as the open book's Cấu hình sheet names them."""

    root: Path
    inbox: Path
    outbox: Path
    output: Path


def book_folders(book: "xw.Book", settings: Mapping[str, object] | None = None) -> Folders:
    """Where the inbox, outbox and output folders of an open city workbook are (relative to its folder)."""
    root = book_folder(book)
    settings = read_settings(book) if settings is None else settings
    inbox, outbox, output = settings_folders(root, settings, config_cells(book))
    return Folders(root, inbox, outbox, output)


def require_city_book(book: "xw.Book") -> None:
    """Stop, with what to do, when the book is not a city workbook."""
    if not is_city_book(book):
        raise XlplanError(f"Sổ '{book.name}' không phải sổ tổng hợp (không có các ô cấu hình cfg_… ở trang "
                          "Cấu hình). Hãy mở sổ tổng hợp SoTongHop.xlsx; chưa có thì bấm «Khởi tạo thư mục "
                          "làm việc».")


def workspace_from_book(book: "xw.Book") -> Workspace:
    """The working folder of an open city workbook, with the plan, registry and settings it holds now.

    The same :class:`Workspace` as :func:`xlplan.services.workspace.open_workspace`
    gives for the saved file, so every service runs unchanged on it.
    """
    require_city_book(book)
    settings = read_settings(book)
    folders = book_folders(book, settings)
    cells = config_cells(book)
    applied = apply_settings(settings_plan(folders.root, settings, cells), settings, cells)  # as the CLI's
    plan = applied.plan
    registry, findings = read_registry(book, plan)
    errors = [f for f in findings if f.severity.value == "error"]
    if errors:
        raise XlplanError(f"Danh mục đơn vị trong sổ '{book.name}' có {len(errors)} lỗi; hãy sửa ở trang "
                          f"'{REGISTRY_SHEET}' rồi bấm lại nút.", errors)
    return Workspace(folders.root, folders.root / Path(str(book.fullname)).name, folders.inbox, folders.outbox,
                     folders.output, plan, registry, settings, as_of=applied.as_of)


def require_same_setup(open_ws: Workspace, saved_ws: Workspace) -> None:
    """Stop when the saved workbook's setup differs from the open book's (unsaved edits).

    An audited consolidation (:func:`xlplan.services.consolidate.audited_run`)
    reads the plan, the registry and the folders from the workbook *saved* on
    disk, as the CLI does, so the audit store records what the run really used.
    Results computed that way are written into the open book only when the open
    book says the same: else its tables would follow a registry it does not show.
    """
    changed = []
    if open_ws.plan != saved_ws.plan or open_ws.as_of != saved_ws.as_of:
        differing = [f"«{LABELS[name].split(' (')[0]}»" for name in CONFIG_NAMES
                     if open_ws.settings.get(name) != saved_ws.settings.get(name)]
        changed.append(f"ô {', '.join(differing) or '«Kế hoạch»'} ở trang Cấu hình")
    if open_ws.inbox.resolve() != saved_ws.inbox.resolve() or open_ws.output.resolve() != saved_ws.output.resolve():
        changed.append("các thư mục ở trang Cấu hình")
    if open_ws.registry != saved_ws.registry:
        changed.append(f"trang '{REGISTRY_SHEET}'")
    if changed:
        raise XlplanError(f"Sổ đang mở có thay đổi chưa lưu ({', '.join(changed)}) so với sổ đã lưu "
                          f"'{saved_ws.workbook.name}'. Việc tổng hợp đọc cấu hình và danh mục từ sổ đã lưu để "
                          "ghi nhật ký kiểm tra đúng những gì đã dùng. Hãy lưu sổ (Ctrl+S) rồi bấm lại nút; "
                          "sổ chưa bị thay đổi.")


# -- planning the writes -----------------------------------------------------------------

def cell_value(value: object) -> object:
    """A Python value as Excel should receive it (see the module docstring for text).

    Exact numbers become floats, as the file writer stores them; non-finite
    numbers and empty text become empty cells.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    converted = excel_value(value)  # what the file writer stores
    if isinstance(converted, str):
        return TEXT_MARK + converted if converted else None
    return converted


@dataclass(frozen=True)
class TableWrite:
    """One table's new rows, where they go, and the old region to clear."""

    spec: TableSpec
    sheet: str
    header_row: int
    first_col: int
    old_last_row: int
    values: list[list[object]]
    formats: tuple[str | None, ...]  # number format per column for rows below the style row

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        return self.first_row + max(len(self.values), 1) - 1

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.spec.columns) - 1

    @property
    def place(self) -> Place:
        return Place(self.sheet, self.first_row, self.first_col, self.last_row, self.last_col)

    @property
    def data_ref(self) -> str:
        """``='Kiểm tra'!$A$4:$G$9``: what ``<id>_data`` is redefined to."""
        return f"={quote_sheet(self.sheet)}!{_a1(self.first_row, self.first_col)}:{_a1(self.last_row, self.last_col)}"


@dataclass(frozen=True)
class CellWrite:
    name: str
    sheet: str
    row: int
    column: int
    value: object


@dataclass
class BookWrites:
    """Every write of a job, computed and checked before the first one is made."""

    tables: list[TableWrite]
    cells: list[CellWrite]

    @property
    def rows(self) -> int:
        return sum(len(t.values) for t in self.tables)


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _a1(row: int, col: int) -> str:
    return f"${get_column_letter(col)}${row}"


def _require(book: "xw.Book", name: str) -> Place:
    place = named_place(book, name)
    if place is None:
        raise CityWorkbookError(
            f"Sổ tổng hợp không còn ô được đặt tên '{name}' (có thể ô đã bị xóa hoặc tên bị đổi). "
            "Hãy đặt lại tên cho ô (Công thức > Quản lý tên) hoặc tạo lại sổ từ mẫu.")
    return place


def _style_formats(book: "xw.Book", sheet: str, row: int, first_col: int, spec: TableSpec,
                   plan: Plan) -> tuple[str | None, ...]:
    """The style row's number formats; the template's where the engine cannot read them (remote)."""
    formats: list[str | None] = []
    target = book.sheets[sheet]
    for offset, column in enumerate(spec.columns):
        try:
            formats.append(target.range((row, first_col + offset)).number_format)
        except NotImplementedError:
            formats.append(number_format(column, plan))
    return tuple(formats)


def plan_writes(book: "xw.Book", plan: Plan, tables: Mapping[str, Sequence[Mapping[str, object]]],
                cells: Mapping[str, object] | None = None,
                sources: Mapping[str, Sequence[Mapping[str, object]]] | None = None) -> BookWrites:
    """Locate, convert and check every write of ``tables`` (rows by column id) and ``cells`` (by name).

    Raises :class:`CityWorkbookError` (nothing written) for an unknown table,
    a missing name, or a table that would grow into another named range of its
    sheet — the rules of :func:`xlplan.io.city_workbook.write_city_data`,
    which this follows: writing the tracking writes the call list too (from
    ``sources``, the consolidation's every table, when ``tables`` is a part of
    them), and writing the cells writes the report's sections, the Board's
    cells II and III only where the seed last written still stands.
    """
    specs = {**summary_tables(plan), CALL_TABLE: call_table()}
    every = sources if sources is not None else tables
    if ("tbl_theo_doi" in tables and CALL_TABLE not in tables and named_place(book, CALL_TABLE) is not None
            and {"tbl_theo_doi", "tbl_kiem_tra", "tbl_don_vi"} <= set(every)):
        tables = {**tables, CALL_TABLE: call_rows(plan, every)}
    if cells is not None and {"tbl_dang_ky", "tbl_tong_hop", "tbl_chi_tieu", "tbl_ty_le_nop"} <= set(every):
        generated = rs.section_cells(plan, every)
        cells = {**{k: v for k, v in generated.items() if named_place(book, k) is not None}, **cells}
        cells = _board_cells(book, cells)
    unknown = sorted(set(tables) - set(specs))
    if unknown:
        raise CityWorkbookError(f"Sổ tổng hợp không có bảng: {', '.join(unknown)}.")
    writes = []
    for table_id, rows in tables.items():
        spec = specs[table_id]
        anchor = _require(book, spec.id)
        first_row = anchor.row + 1
        old_last = first_row
        data = named_place(book, spec.id + DATA_SUFFIX)
        if data is not None and data.sheet == anchor.sheet and data.row == first_row:
            old_last = max(data.last_row, first_row)
        values = [[cell_value(row.get(c)) for c in spec.column_ids] for row in rows]
        formats = _style_formats(book, anchor.sheet, first_row, anchor.column, spec, plan) if len(values) > 1 else ()
        writes.append(TableWrite(spec, anchor.sheet, anchor.row, anchor.column, old_last, values, formats))
    _refuse_overlaps(book, writes)
    placed = []
    for name, value in (cells or {}).items():
        place = _require(book, name)
        if name in REPORT_CELLS:  # what staff typed on Báo cáo stays (as in the file writer)
            current = book.sheets[place.sheet].range((place.row, place.column)).value
            if keeps_report_text(name, current, plan):
                continue
        placed.append(CellWrite(name, place.sheet, place.row, place.column, cell_value(value)))
    return BookWrites(writes, placed)


def _board_cells(book: "xw.Book", cells: Mapping[str, object]) -> dict[str, object]:
    """``cells`` without the Board's report cells whose text is theirs (not the seed written last)."""
    kept = dict(cells)
    for name in rs.BOARD_CELLS:
        place, seed = named_place(book, name), named_place(book, name + rs.SEED_SUFFIX)
        if name not in kept or place is None:
            continue
        current = book.sheets[place.sheet].range((place.row, place.column)).value
        last = book.sheets[seed.sheet].range((seed.row, seed.column)).value if seed is not None else None
        if rs.keeps_board_text(current, last):
            del kept[name]
    return kept


def _refuse_overlaps(book: "xw.Book", writes: Iterable[TableWrite]) -> None:
    """Stop before a growing table overwrites another named table or cell on its sheet.

    Only workbook-level names count, as in the file writer: Excel keeps its own
    sheet-level names (``Print_Area``, ``Print_Titles``, the autofilter's hidden
    ``_FilterDatabase``) over the tables, and those follow the data.
    """
    others = {}
    for item in book.names:
        try:
            if "!" in item.name or item.name.startswith("_"):
                continue
            others[item.name] = _place_of(item)
        except Exception:  # a name on a constant or a deleted range holds no cells to overwrite
            continue
    for write in writes:
        own = {write.spec.id, write.spec.id + DATA_SUFFIX}
        for name, place in others.items():
            if name not in own and write.place.overlaps(place):
                raise CityWorkbookError(
                    f"Bảng '{write.spec.title}' ở trang '{write.sheet}' cần {len(write.values)} dòng nhưng sẽ đè "
                    f"lên vùng có tên '{name}'. Hãy dời vùng đó ra khỏi phía dưới bảng rồi chạy lại.")


# -- writing ---------------------------------------------------------------------------------

def apply_writes(book: "xw.Book", writes: BookWrites, progress: Callable[[int, int], None] | None = None) -> None:
    """Make the planned writes: values, leftover rows cleared, number formats, ``<id>_data`` names."""
    total = len(writes.tables) + (1 if writes.cells else 0)
    for number, write in enumerate(writes.tables, 1):
        sheet = book.sheets[write.sheet]
        if write.values:
            sheet.range((write.first_row, write.first_col)).value = write.values
        start = write.last_row + 1 if write.values else write.first_row
        if start <= write.old_last_row:
            sheet.range((start, write.first_col), (write.old_last_row, write.last_col)).clear_contents()
        _extend_formats(sheet, write)
        _define(book, write.spec.id + DATA_SUFFIX, write.data_ref)
        if progress:
            progress(number, total)
    for cell in writes.cells:
        book.sheets[cell.sheet].range((cell.row, cell.column)).value = cell.value
    if writes.cells and progress:
        progress(total, total)


def _extend_formats(sheet: "xw.Sheet", write: TableWrite) -> None:
    """Give rows below the style row its number formats, a run of equal columns at a time."""
    if write.last_row <= write.first_row or not write.formats:
        return
    start = 0
    for end in range(1, len(write.formats) + 1):
        if end == len(write.formats) or write.formats[end] != write.formats[start]:
            number_format = write.formats[start]
            if number_format:
                sheet.range((write.first_row + 1, write.first_col + start),
                            (write.last_row, write.first_col + end - 1)).number_format = number_format
            start = end


def _define(book: "xw.Book", name: str, refers_to: str) -> None:
    if name in book.names:
        book.names[name].refers_to = refers_to
    else:
        book.names.add(name, refers_to)


def finding_rows(findings: Iterable[Finding]) -> list[dict[str, object]]:
    """Findings as rows of the Kiểm tra table (the columns consolidation fills), most severe first."""
    ordered = sorted(findings, key=lambda f: (*f.sort_key(), f.message))
    return [{"muc_do": f.severity_label, "ma_loi": f.code, "don_vi": f.unit or "", "tep": file_name(f.file),
             "o": f.location, "noi_dung": f.message, "cach_sua": f.fix} for f in ordered]


def print_report_copy(ws: Workspace, tables: Mapping[str, Sequence[Mapping[str, object]]],
                      cells: Mapping[str, object], target: Path) -> Path:
    """Print the Báo cáo sheet as the saved workbook would show these results, through LibreOffice.

    For engines that cannot export a PDF themselves (xlwings's remote engine,
    Excel on the web): the results are written into a temporary copy of the
    saved city workbook (the file itself is Excel's to save) and that copy is
    printed by the report service's printer. Unsaved edits of the open book
    are not in this print; desktop Excel prints the open book instead.
    """
    import tempfile

    from ..io.city_workbook import load_city_workbook, write_city_data
    from ..io.report_pdf import sheet_pdf
    from ..io.workbook_files import save_workbook
    from .report import REPORT_SHEET

    # The tables written below are replaced whole: their old data rows are not loaded.
    keep = set(summary_tables(ws.plan)) - set(tables)
    wb = load_city_workbook(ws.workbook, keep_tables=keep)
    write_city_data(wb, ws.plan, tables, cells, stream=True)  # saved right below
    with tempfile.TemporaryDirectory(prefix="xlplan-bao-cao-") as work:
        copy = save_workbook(wb, Path(work) / ws.workbook.name)
        return sheet_pdf(copy, REPORT_SHEET, target)
