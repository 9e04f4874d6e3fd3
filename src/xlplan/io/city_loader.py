"""Loading the city workbook without the table rows a caller is about to replace.

At national scale (52,000 units) the city workbook holds millions of table
cells. openpyxl turns every one into a ``Cell`` object — tens of seconds and
about a gigabyte — although a consolidation replaces every table and only
needs each table's first data row (the writer copies its look to the new
rows). :func:`load_workbook` can leave chosen tables' data rows out: the
cells below their first data row are cut from the sheet XML, a piece at a
time (:class:`FilteredPart`), before openpyxl parses it, and so are those rows'
heights, which the writer sets anew. Everything else (styles, other row heights,
merged cells, conditional formats, names, charts, the other tables' rows) is
read exactly as ``openpyxl.load_workbook`` reads it, so a workbook loaded this
way and then filled with every table saves to the same bytes as one loaded in full.
"""

from __future__ import annotations

import bisect
import io
import re
from collections.abc import Collection
from pathlib import Path
from typing import IO, Any, Mapping

from openpyxl.utils.cell import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange

from .gc_pause import paused_gc
from .openpyxl_internals import PartFilter, load_filtered

DATA_SUFFIX = "_data"
_TABLE_PREFIX = "tbl_"
Box = tuple[int, int, int, int]  # min_row, max_row, min_col, max_col
_ROW_END = b"</row>"


def load_workbook(path: str | Path | IO[bytes], keep_tables: Collection[str] | None = None) -> Workbook:
    """The workbook at ``path``, as ``openpyxl.load_workbook(path, keep_vba=False)`` gives it.

    With ``keep_tables`` (table ids, e.g. ``{"tbl_bao_cao"}``), the data rows of
    every *other* table — those found by a workbook-level ``tbl_*_data`` name —
    are not loaded beyond their first row. ``None`` loads everything.
    """
    keep = None if keep_tables is None else frozenset(keep_tables)

    def choose(names: Mapping[str, Any], sheets: list[tuple[str, str]],
               plain_styles: frozenset[int]) -> dict[str, PartFilter]:
        if keep is None:
            return {}
        boxes = _skipped_boxes(names, keep)
        return {part: _dropping(boxes[title], plain_styles) for title, part in sheets if title in boxes}

    with paused_gc():
        return load_filtered(path if hasattr(path, "read") else Path(path), choose)


def _dropping(boxes: list[Box], plain_styles: frozenset[int]) -> PartFilter:
    """A filter reading a worksheet part without the cells in ``boxes`` (see :func:`drop_cells`)."""
    return lambda raw: io.BufferedReader(FilteredPart(raw, boxes, plain_styles=plain_styles))


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

    def __init__(self, raw: IO[bytes], boxes: list[Box], chunk: int = 1 << 20,
                 plain_styles: frozenset[int] = frozenset()):
        super().__init__()
        self._raw, self._boxes, self._chunk, self._plain = raw, boxes, chunk, plain_styles
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
            self._out += drop_cells(data[:cut], self._boxes, self._plain)
            self._pending = data[cut:]
        count = min(len(buffer), len(self._out))
        buffer[:count] = self._out[:count]
        del self._out[:count]
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


def drop_cells(xml: bytes, boxes: list[Box], plain_styles: frozenset[int] = frozenset()) -> bytes:
    """``xml`` (a worksheet part) without the ``<c>`` elements whose address falls in any box,
    and without the rows of the boxes left empty that say nothing but their number, spans and
    height (the writer sets the table rows' heights anew; see :func:`_empty_rows`). A row's
    ``s`` without ``customFormat`` counts as saying nothing when it is one of ``plain_styles``
    (the cell formats that format nothing: openpyxl writes such an ``s`` beside every height).

    The rows are taken in bands: consecutive rows covered by the same boxes.
    Within a band a cell is dropped by its column letters alone, so each band is
    one substitution by a pattern of those columns, run by the regex engine
    without a Python call per cell (a table of 60,000 rows has a million cells).
    """
    # The rows where the covering boxes change: between two of them every row has the same band.
    edges = sorted({b[0] for b in boxes} | {b[1] + 1 for b in boxes})
    out: list[bytes] = []
    done = 0  # xml[:done] is written out
    band: tuple[tuple[int, int], ...] = ()
    low, high = 0, edges[0]  # the rows [low, high) have the current band
    for match in _ROW_START.finditer(xml):
        row = int(match.group(1))
        if low <= row < high:
            continue
        at = bisect.bisect_right(edges, row)
        low, high = (edges[at - 1] if at else 0), (edges[at] if at < len(edges) else _NO_ROW)
        here = tuple((min_col, max_col) for min_row, max_row, min_col, max_col in boxes if min_row <= row <= max_row)
        if here == band:
            continue
        out.append(_drop_band(xml[done:match.start()], band, plain_styles))
        done, band = match.start(), here
    rows_end = xml.rfind(_ROW_END, done) + len(_ROW_END) if band else len(xml)  # rfind: -1 + 6 < done
    rows_end = max(rows_end, done)
    out.append(_drop_band(xml[done:rows_end], band, plain_styles))
    out.append(xml[rows_end:])  # what follows the rows: </sheetData>, filters, formats
    return b"".join(out)


_ROW_START = re.compile(rb'<row r="([0-9]{1,7})"')
_NO_ROW = 10_000_000  # past any row _ROW_START reads
_BAND_PATTERNS: dict[tuple[tuple[int, int], ...], tuple[re.Pattern[bytes], re.Pattern[bytes]]] = {}


def _drop_band(xml: bytes, band: tuple[tuple[int, int], ...], plain_styles: frozenset[int]) -> bytes:
    """``xml`` (whole rows, all covered by the same boxes) without the cells in the boxes' columns.

    When every cell of the band lies in those columns and the rows hold nothing
    but cells (no ``extLst``) — a table's rows with nothing typed beside them, the usual case —
    each row keeps its start tag and loses its content, found with ``bytes.find``
    rather than matched cell by cell; otherwise the cells are cut by pattern.
    """
    if not band or not xml:
        return xml
    patterns = _BAND_PATTERNS.get(band)
    if patterns is None:
        columns = sorted({c for low, high in band for c in range(low, high + 1)})
        letters = b"|".join(get_column_letter(c).encode() for c in columns)
        patterns = _BAND_PATTERNS[band] = (
            re.compile(rb'<c r="(?:' + letters + rb')[0-9]{1,7}"[^>]*?(?:/>|>.*?</c>)', re.DOTALL),
            re.compile(rb'<c r="(?!(?:' + letters + rb')[0-9])'))
    cells, foreign = patterns
    # A row holds cells and, rarely, an extLst; cells hold nothing that could end a row early.
    if foreign.search(xml) is not None or b"<extLst" in xml:
        return _drop_height_rows(cells.sub(b"", xml), plain_styles)
    return _empty_rows(xml, plain_styles)


def _drop_height_rows(xml: bytes, plain_styles: frozenset[int]) -> bytes:
    """``xml`` (whole rows of a band, its cells cut) without the empty rows that say only their
    number and height (see :func:`_empty_rows`)."""
    if xml.count(b"<row ") != xml.count(b'<row r="'):
        return xml  # a row without "r" counts on the one before: keep them all
    return _height_rows(plain_styles).sub(b"", xml)


def _empty_rows(xml: bytes, plain_styles: frozenset[int] = frozenset()) -> bytes:
    """Every ``<row …>…</row>`` of ``xml`` emptied; text after the last row is kept.

    A row whose start tag says nothing but its number and height (``r``,
    ``spans``, ``ht``, ``customHeight``, an ``s`` of ``plain_styles``) goes
    altogether: the writer gives the table's rows their heights anew and drops
    such a row dimension of the old rows anyway
    (:func:`xlplan.io.city_workbook._set_row_heights`), so parsing it would make
    a ``RowDimension`` per table row only to throw it away (90,000 of them at
    10,000 units). Any other row keeps its start tag: ``<row …></row>``. Rows
    are found with ``bytes.find`` (a table row's cells are most of its bytes)
    and a start tag is judged once per distinct tag (rows repeat theirs but for the number).
    """
    out: list[bytes] = []
    pos = 0
    numbered = xml.count(b"<row ") == xml.count(b'<row r="')  # a row without "r" counts on the one before
    judged = _HEIGHT_TAGS.get(plain_styles)
    if judged is None:
        judged = {}
        if len(_HEIGHT_TAGS) < 64:
            _HEIGHT_TAGS[plain_styles] = judged
    while True:
        start = xml.find(b"<row ", pos)
        if start < 0:
            out.append(xml[pos:])
            return b"".join(out)
        head_end = xml.find(b">", start) + 1
        head = xml[start:head_end]
        drop = False
        if numbered:
            key = head[head.find(b'"', 8) + 1:] if head.startswith(b'<row r="') else head  # the tag but its number
            drop = judged.get(key)  # type: ignore[assignment]
            if drop is None:
                drop = _height_rows(plain_styles).fullmatch(
                    head if head.endswith(b"/>") else head + _ROW_END) is not None
                if len(judged) < 4096:
                    judged[key] = drop
        if head.endswith(b"/>"):  # <row r="9"/>: nothing in it
            out.append(xml[pos:start] if drop else xml[pos:head_end])
            pos = head_end
            continue
        end = xml.find(_ROW_END, head_end) + len(_ROW_END)
        out.append(xml[pos:start] if drop else xml[pos:head_end] + _ROW_END)
        pos = end


_HEIGHT_TAGS: dict[frozenset[int], dict[bytes, bool]] = {}  # plain styles -> {start tag but its number: height-only}
_HEIGHT_PATTERNS: dict[frozenset[int], re.Pattern[bytes]] = {}


def _height_rows(plain_styles: frozenset[int]) -> re.Pattern[bytes]:
    """A pattern for the empty rows whose start tag holds only ``r``, ``spans``, ``ht``,
    ``customHeight``, an ``s`` of ``plain_styles`` (without ``customFormat``) and namespaced
    attributes (``x14ac:dyDescent``, which openpyxl ignores)."""
    pattern = _HEIGHT_PATTERNS.get(plain_styles)
    if pattern is None:
        styles = b"|".join(str(i).encode() for i in sorted(plain_styles))
        attribute = rb'\s+(?:spans|ht|customHeight)="[^"]*"|\s+[A-Za-z_][\w.-]*:[\w.-]+="[^"]*"'
        if styles:
            attribute += rb'|\s+s="(?:' + styles + rb')"'
        pattern = re.compile(rb'<row r="[0-9]{1,7}"(?:' + attribute + rb')*\s*(?:/>|></row>)')
        if len(_HEIGHT_PATTERNS) < 64:
            _HEIGHT_PATTERNS[plain_styles] = pattern
    return pattern
