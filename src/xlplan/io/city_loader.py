"""Loading the city workbook without the table rows a caller is about to replace.

At national scale (52,000 units) the city workbook holds millions of table
cells. openpyxl turns every one into a ``Cell`` object — tens of seconds and
about a gigabyte — although a consolidation replaces every table and only
needs each table's first data row (the writer copies its look to the new
rows). :func:`load_workbook` can leave chosen tables' data rows out: the
cells below their first data row are cut from the sheet XML, a piece at a
time (:class:`FilteredPart`), before openpyxl parses it. Everything else (styles, row heights, merged cells, conditional
formats, names, charts, the other tables' rows) is read exactly as
``openpyxl.load_workbook`` reads it, so a workbook loaded this way and then
filled with every table saves to the same bytes as one loaded in full.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection
from pathlib import Path
from typing import IO, Any, Mapping

from openpyxl.utils.cell import column_index_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange

from .gc_pause import paused_gc
from .openpyxl_internals import PartFilter, load_filtered

DATA_SUFFIX = "_data"
_TABLE_PREFIX = "tbl_"
# One cell element, as Excel, LibreOffice and openpyxl write it: ``r`` first, then either
# self-closing or with content (``</c>`` cannot occur inside content: XML escapes ``<``).
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?:/>|>.*?</c>)', re.DOTALL)

Box = tuple[int, int, int, int]  # min_row, max_row, min_col, max_col
_ROW_END = b"</row>"


def load_workbook(path: str | Path | IO[bytes], keep_tables: Collection[str] | None = None) -> Workbook:
    """The workbook at ``path``, as ``openpyxl.load_workbook(path, keep_vba=False)`` gives it.

    With ``keep_tables`` (table ids, e.g. ``{"tbl_bao_cao"}``), the data rows of
    every *other* table — those found by a workbook-level ``tbl_*_data`` name —
    are not loaded beyond their first row. ``None`` loads everything.
    """
    keep = None if keep_tables is None else frozenset(keep_tables)

    def choose(names: Mapping[str, Any], sheets: list[tuple[str, str]]) -> dict[str, PartFilter]:
        if keep is None:
            return {}
        boxes = _skipped_boxes(names, keep)
        return {part: _dropping(boxes[title]) for title, part in sheets if title in boxes}

    with paused_gc():
        return load_filtered(path if hasattr(path, "read") else Path(path), choose)


def _dropping(boxes: list[Box]) -> PartFilter:
    """A filter reading a worksheet part without the cells in ``boxes``."""
    return lambda raw: io.BufferedReader(FilteredPart(raw, boxes))


def _skipped_boxes(names, keep: frozenset[str]) -> dict[str, list[Box]]:
    """Sheet title -> the cell boxes to leave out: each dropped table's data rows after its first."""
    boxes: dict[str, list[Box]] = {}
    for name, defined in names.items():
        if not (name.startswith(_TABLE_PREFIX) and name.endswith(DATA_SUFFIX)):
            continue
        if name[:-len(DATA_SUFFIX)] in keep:
            continue
        try:
            targets = list(defined.destinations)
        except (ValueError, TypeError, AttributeError):
            continue
        if len(targets) != 1:
            continue
        sheet, ref = targets[0]
        try:
            cells = CellRange(ref.replace("$", ""))
        except ValueError:
            continue
        if cells.max_row > cells.min_row:
            boxes.setdefault(sheet, []).append((cells.min_row + 1, cells.max_row, cells.min_col, cells.max_col))
    return boxes


class FilteredPart(io.RawIOBase):
    """A worksheet part read through :func:`drop_cells` a piece at a time, never whole.

    At national scale a table's sheet XML is hundreds of megabytes; holding it
    (and its filtered copy) to drop its rows would cost more than the rows
    kept. The part is read in chunks and cut after the last ``</row>`` of
    what has been read: cells never span rows, so each piece holds whole cells
    and the pieces filtered one by one give what :func:`drop_cells` gives the
    whole part.
    """

    def __init__(self, raw: IO[bytes], boxes: list[Box], chunk: int = 1 << 20):
        super().__init__()
        self._raw, self._boxes, self._chunk = raw, boxes, chunk
        self._pending = b""
        self._out = bytearray()
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._out and not self._eof:
            chunk = self._raw.read(self._chunk)
            data = self._pending + chunk
            if not chunk:
                self._eof = True
                cut = len(data)
            else:
                cut = data.rfind(_ROW_END)
                if cut < 0:  # no row ends here yet: read on
                    self._pending = data
                    continue
                cut += len(_ROW_END)
            self._out += drop_cells(data[:cut], self._boxes)
            self._pending = data[cut:]
        count = min(len(buffer), len(self._out))
        buffer[:count] = self._out[:count]
        del self._out[:count]
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


def drop_cells(xml: bytes, boxes: list[Box]) -> bytes:
    """``xml`` (a worksheet part) without the ``<c>`` elements whose address falls in any box."""
    first = min(b[0] for b in boxes)
    last = max(b[1] for b in boxes)
    columns: dict[bytes, int] = {}

    def keep(match: re.Match) -> bytes:
        row = int(match.group(2))
        if row < first or row > last:
            return match.group(0)
        letters = match.group(1)
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = column_index_from_string(letters.decode())
        for min_row, max_row, min_col, max_col in boxes:
            if min_row <= row <= max_row and min_col <= col <= max_col:
                return b""
        return match.group(0)

    return _CELL.sub(keep, xml)
