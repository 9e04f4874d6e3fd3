"""The calamine engine: python-calamine (Rust) for values, our own parse for names.

calamine is the fast path for reading eighty unit files at a time. It does not
expose defined names, so they come from :mod:`.defined_names`. Its sheets
report a used range that starts at the first non-empty cell (``sheet.start``);
rows are taken with ``skip_empty_area=False`` so that index 0 is always row 1,
column A, and addresses map without offsets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from python_calamine import CalamineWorkbook, SheetTypeEnum

from .base import WorkbookReader, normalize, split_cell
from .defined_names import read_defined_names, workbook_level
from .file_package import Package


class CalamineReader(WorkbookReader):
    engine = "calamine"

    def __init__(self, path: str | Path | Package):
        super().__init__(path)
        # From the bytes, not the path: calamine picks its parser by the file's
        # extension, and a unit's "bao_cao.xls" may well hold an .xlsx. The bytes
        # are the file's package (read once: inside reading(), the ones the sniff read),
        # which the defined names are read from too.
        self._book = CalamineWorkbook.from_filelike(self.package.stream())

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def defined_names(self) -> dict[str, tuple[str, str]]:
        return workbook_level(read_defined_names(self.package))

    def read_cells(self, sheet: str, cells: Iterable[str]) -> dict[str, object]:
        wanted = {cell: split_cell(cell) for cell in cells}
        out: dict[str, object] = {cell: None for cell in wanted}
        if not wanted:
            return out
        kinds = {meta.name: meta.typ for meta in self._book.sheets_metadata}
        if sheet not in kinds:
            raise KeyError(sheet)
        if kinds[sheet] != SheetTypeEnum.WorkSheet:  # a chart sheet holds no cells
            return out
        last_row = max(r for r, _ in wanted.values())
        try:
            rows = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=last_row)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - calamine panics (a BaseException) on some cell values
            # e.g. a date serial out of its range: read the same cells the slow, careful way,
            # so both engines still give the same Submission for the same file.
            return self._read_with_openpyxl(sheet, list(wanted))
        for cell, (r, c) in wanted.items():
            if r <= len(rows) and c <= len(rows[r - 1]):
                out[cell] = normalize(rows[r - 1][c - 1])
        return out

    def _read_with_openpyxl(self, sheet: str, cells: list[str]) -> dict[str, object]:
        from .openpyxl_engine import OpenpyxlReader

        with OpenpyxlReader(self.package) as fallback:
            return fallback.read_cells(sheet, cells)

    def close(self) -> None:
        self._book.close()
