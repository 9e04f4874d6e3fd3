"""Excel 97–2003 (.xls) workbooks, read with xlrd: values and defined names.

A unit that opens its form in an old Excel (or WPS, or LibreOffice) and saves
it "as Excel 97–2003" still sends a valid form: the defined names survive the
BIFF format, so the form is located exactly as in an .xlsx. xlrd reads both
the names (each name's formula is evaluated by xlrd to a :class:`xlrd.Name`
``result`` of 3-D references) and the values, so this one reader serves every
engine choice: :func:`open_workbook` picks it by the file's content.

xlrd never evaluates cell formulas either: a formula cell gives the value
saved with it. Dates come back as serial numbers tagged as dates and are
converted with the workbook's own date system (1900 or 1904).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import xlrd
from xlrd.biffh import XLRDError
from xlrd.formula import Operand

from .base import Encrypted, NotAWorkbook, WorkbookReader, cell_address, normalize, split_cell
from .file_package import Package

_GLOBAL_SCOPE = -1  # xlrd: a workbook-level name
_REFERENCE = xlrd.oREF


class _Discard:
    """A log file that keeps nothing: xlrd writes warnings about odd records to its logfile."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


class XlsReader(WorkbookReader):
    engine = "xlrd"

    def __init__(self, path: str | Path | Package):
        super().__init__(path)
        try:
            # From the file's package (inside reading(), the bytes the sniff read: no reopening).
            self._book = xlrd.open_workbook(file_contents=self.package.data, on_demand=True,
                                            logfile=_Discard(), verbosity=0, formatting_info=False)
        except XLRDError as exc:
            if "encrypt" in str(exc).casefold():
                raise Encrypted("tệp .xls được đặt mật khẩu mở", "tệp có mật khẩu mở") from exc
            raise NotAWorkbook("tệp Excel 97–2003 (.xls) bị hỏng hoặc không đọc được") from exc

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names())

    def defined_names(self) -> dict[str, tuple[str, str]]:
        sheets = self.sheet_names()
        found: dict[str, tuple[str, str]] = {}
        for item in self._book.name_obj_list:
            if item.scope != _GLOBAL_SCOPE or item.builtin or item.macro:
                continue
            target = _one_cell(item.result, sheets)
            if target is not None:
                found[str(item.name).casefold()] = target
        return found

    def read_cells(self, sheet: str, cells: Iterable[str]) -> dict[str, object]:
        wanted = {cell: split_cell(cell) for cell in cells}
        out: dict[str, object] = {cell: None for cell in wanted}
        if not wanted:
            return out
        if sheet not in self.sheet_names():
            raise KeyError(sheet)
        worksheet = self._book.sheet_by_name(sheet)
        for cell, (r, c) in wanted.items():
            if r <= worksheet.nrows and c <= worksheet.row_len(r - 1):
                out[cell] = self._value(worksheet.cell(r - 1, c - 1))
        return out

    def _value(self, cell: xlrd.sheet.Cell) -> object:
        kind, value = cell.ctype, cell.value
        if kind == xlrd.XL_CELL_DATE:
            try:
                return normalize(xlrd.xldate.xldate_as_datetime(value, self._book.datemode))
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return normalize(value)
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(value)
        if kind in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        return normalize(value)

    def close(self) -> None:
        self._book.release_resources()


def _one_cell(result: Operand | None, sheets: list[str]) -> tuple[str, str] | None:
    """The (sheet, ``"C12"``) of a name whose evaluated formula is exactly one cell, else None."""
    if result is None or getattr(result, "kind", None) != _REFERENCE:
        return None
    refs = result.value or []
    if len(refs) != 1:
        return None
    shtxlo, shtxhi, rowxlo, rowxhi, colxlo, colxhi = refs[0].coords
    if shtxhi != shtxlo + 1 or rowxhi != rowxlo + 1 or colxhi != colxlo + 1:
        return None
    if not 0 <= shtxlo < len(sheets) or rowxlo < 0 or colxlo < 0:
        return None
    try:
        address = cell_address(rowxlo + 1, colxlo + 1)
        split_cell(address)
    except ValueError:
        return None
    return sheets[shtxlo], address
