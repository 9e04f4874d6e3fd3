"""Print one sheet of a workbook to PDF with LibreOffice (the city workbook's Báo cáo sheet).

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

import openpyxl

from ..core.errors import XlplanError
from .libreoffice import PDF_FILTER, convert


def sheet_pdf(workbook: Path, sheet: str, target: Path, timeout: float = 180) -> Path:
    """Print ``sheet`` of ``workbook`` alone, on A4 portrait, to ``target`` (a .pdf path); return it.

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
            if hasattr(other, "sheet_view"):
                other.sheet_view.tabSelected = False
    shown.sheet_state = "visible"
    shown.sheet_view.tabSelected = True
    wb.active = wb.worksheets.index(shown)
    shown.page_setup.paperSize = shown.PAPERSIZE_A4
    shown.page_setup.orientation = "portrait"
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlplan-pdf-") as work:
        copy = Path(work) / f"{target.stem}.xlsx"
        wb.save(copy)
        produced = convert(copy, f"pdf:{PDF_FILTER}", Path(work) / "out", timeout)
        staged = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(produced, staged)
        staged.replace(target)  # a reader of the old PDF never sees half a file
    return target
