"""Print one sheet of a workbook to PDF with LibreOffice (the city workbook's Báo cáo sheet), or a list.

``soffice --convert-to pdf`` prints every visible sheet. To print one, we
write a temporary copy of the workbook in which every other sheet is hidden
(LibreOffice does not print hidden sheets) and convert that. Hiding, rather
than deleting, keeps every sheet, defined name and formula the printed sheet
may refer to, so LibreOffice computes it exactly as the workbook shows it.
The workbook itself is never modified.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

from typing import Mapping, Sequence

import openpyxl
from openpyxl.utils import get_column_letter

from ..core.errors import XlplanError
from ..core.summary_tables import TableSpec
from . import party_style as ps
from .cell_values import write_value
from .libreoffice import PDF_FILTER, convert
from .city_layout import print_scale
from .openpyxl_internals import set_default_font
from .report_sheet import fit_row
from .text_fit import text_height


def sheet_pdf(workbook: Path, sheet: str, target: Path, timeout: float = 180) -> Path:
    """Print ``sheet`` of ``workbook`` alone, on A4 as the sheet is set up, to ``target`` (a .pdf path); return it.

    Raises :class:`XlplanError` when the sheet is missing, and LibreOffice's own
    errors (:class:`xlplan.io.libreoffice.LibreOfficeMissing` with install
    instructions when it is not installed).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(Path(workbook), keep_vba=False, keep_links=False)
    if sheet not in wb.sheetnames:
        raise XlplanError(f"Sổ '{Path(workbook).name}' không có trang '{sheet}'. Hãy tạo lại sổ từ mẫu.")
    shown = wb[sheet]
    for other in wb.worksheets + wb.chartsheets:
        if other is not shown:
            other.sheet_state = "hidden"
            if hasattr(other, "print_area"):
                other.print_area = None  # LibreOffice prints a hidden sheet's print range all the same
            if hasattr(other, "sheet_view"):
                other.sheet_view.tabSelected = False
    shown.sheet_state = "visible"
    shown.sheet_view.tabSelected = True
    wb.active = wb.worksheets.index(shown)
    shown.page_setup.paperSize = shown.PAPERSIZE_A4  # the sheet's own orientation, scale and breaks stay
    target = Path(target)
    _print(wb, target, timeout)
    return target


def table_pdf(title: str, subtitle: str, spec: TableSpec, rows: Sequence[Mapping[str, object]], target: Path,
              header: Sequence[str] = (), timeout: float = 180) -> Path:
    """Print a list (the call list) as its own A4 document: Party header, title, table, repeated head row.

    ``header`` is the issuing organization's lines (top left, over the star).
    The table is printed at its columns' widths, one page wide at a fixed
    scale (9 pt or more; landscape when a portrait page would need less), its
    head row repeated on every page and rows as tall as their wrapped text.
    """
    wb = openpyxl.Workbook()
    set_default_font(wb, ps.DEFAULT_FONT)  # widths measured alike in Excel and LibreOffice
    ws = wb.active
    ws.title = "Danh sách"
    for offset, column in enumerate(spec.columns, 1):
        ws.column_dimensions[get_column_letter(offset)].width = column.width
    last = get_column_letter(len(spec.columns))
    row = 1
    for line, font in zip(header, (ps.HEADER, ps.HEADER_BOLD)):
        put = write_value(ws, row, 1, line)
        put.font, put.alignment = font, ps.LEFT
        row += 1
    if header:
        write_value(ws, row, 1, ps.ISSUER_MARK).font = ps.HEADER
        row += 2
    for text, font in ((title, ps.TITLE), (subtitle, ps.HEADER_ITALIC)):
        if not text:
            continue
        ws.merge_cells(f"A{row}:{last}{row}")
        cell = write_value(ws, row, 1, text)
        cell.font, cell.alignment = font, ps.CENTER
        fit_row(ws, cell)
        row += 1
    row += 1
    head_row = row
    for col, column in enumerate(spec.columns, 1):
        cell = write_value(ws, row, col, column.header)
        cell.font, cell.fill, cell.border, cell.alignment = ps.BODY_BOLD, ps.HEAD_FILL, ps.GRID, ps.CENTER
    for values in rows:
        row += 1
        lines = 1.0
        for col, column in enumerate(spec.columns, 1):
            cell = write_value(ws, row, col, values.get(column.id))
            cell.font, cell.border = ps.BODY, ps.GRID
            cell.alignment = ps.TOP_LEFT if column.kind == "text" else ps.TOP_CENTER
            if isinstance(cell.value, str):
                lines = max(lines, text_height(cell.value, column.width, ps.BODY_SIZE))
        ws.row_dimensions[row].height = lines
    landscape, scale = print_scale([c.width for c in spec.columns])
    ps.print_a4(ws, landscape=landscape)
    ws.sheet_properties.pageSetUpPr.fitToPage = False  # one page wide at a fixed scale: 9 pt or more
    ws.page_setup.scale = scale
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.print_area = f"A1:{last}{max(row, head_row)}"
    target = Path(target)
    _print(wb, target, timeout)
    return target


def _print(wb: openpyxl.Workbook, target: Path, timeout: float) -> None:
    """``wb`` saved to a temporary copy and printed by LibreOffice to ``target``, which appears whole
    (a reader of the old PDF never sees half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlplan-pdf-") as work:
        copy = Path(work) / f"{target.stem}.xlsx"
        wb.save(copy)
        produced = convert(copy, f"pdf:{PDF_FILTER}", Path(work) / "out", timeout)
        staged = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(produced, staged)
        staged.replace(target)
