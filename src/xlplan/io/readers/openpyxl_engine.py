"""The openpyxl engine: the reference reader, slower than calamine but everywhere.

Opened ``read_only=True`` (streams the sheets, never writes), ``data_only=True``
(the values saved with formulas, never the formulas: nothing in a unit file is
evaluated) and ``keep_links=False`` (external links are not followed).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Iterable

import openpyxl

from .base import WorkbookReader, normalize, split_cell
from .defined_names import parse_reference
from .file_package import Package

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class OpenpyxlReader(WorkbookReader):
    engine = "openpyxl"

    def __init__(self, path: str | Path | Package):
        super().__init__(path)
        with warnings.catch_warnings():
            # openpyxl warns about extensions it drops (data validation lists, slicers);
            # the reader needs none of them and a warning is not a finding.
            warnings.simplefilter("ignore")
            # Through a handle: openpyxl refuses a path whose extension is not .xlsx/.xlsm,
            # and units rename files; the content was already sniffed. The handle reads
            # the file's package (inside reading(), the bytes the sniff read: no reopening).
            self._handle = self.package.stream()
            try:
                self._book = openpyxl.load_workbook(self._handle, read_only=True, data_only=True,
                                                    keep_links=False)
            except BaseException:
                self._handle.close()
                raise

    def sheet_names(self) -> list[str]:
        return list(self._book.sheetnames)

    def defined_names(self) -> dict[str, tuple[str, str]]:
        sheets = self.sheet_names()
        found: dict[str, tuple[str, str]] = {}
        for name, item in self._book.defined_names.items():  # workbook-level names only
            if name.startswith("_xlnm."):
                continue
            target = parse_reference(item.attr_text or "", sheets)
            if target is not None:
                found[name.casefold()] = target
        return found

    def read_cells(self, sheet: str, cells: Iterable[str]) -> dict[str, object]:
        wanted = {cell: split_cell(cell) for cell in cells}
        out: dict[str, object] = {cell: None for cell in wanted}
        if not wanted:
            return out
        worksheet = self._book[sheet]
        if not hasattr(worksheet, "iter_rows"):  # a chart sheet holds no cells
            return out
        rows = [r for r, _ in wanted.values()]
        cols = [c for _, c in wanted.values()]
        top, left = min(rows), min(cols)
        by_position = {position: cell for cell, position in wanted.items()}
        # One pass over the bounding box: a read-only sheet re-parses its XML on every call.
        for r, row in enumerate(worksheet.iter_rows(min_row=top, max_row=max(rows),
                                                    min_col=left, max_col=max(cols)), start=top):
            for c, item in enumerate(row, start=left):
                cell = by_position.get((r, c))
                if cell is not None:
                    # An error value (#DIV/0!) reads as empty, as calamine reads it.
                    out[cell] = None if getattr(item, "data_type", None) == "e" else normalize(_unescape(item.value))
        return out

    def close(self) -> None:
        self._book.close()
        self._handle.close()


def _unescape(value: object) -> object:
    """Decode OOXML ``_xHHHH_`` escapes (control characters) as Excel and calamine do.

    openpyxl leaves them encoded. One left-to-right pass, so ``_x005F_x0041_``
    (an escaped underscore) is the literal text ``_x0041_``; surrogates stay encoded.
    """
    if not isinstance(value, str) or "_x" not in value:
        return value

    def decode(match: re.Match[str]) -> str:
        code = int(match[1], 16)
        return match[0] if 0xD800 <= code <= 0xDFFF else chr(code)

    return _ESCAPE.sub(decode, value)
