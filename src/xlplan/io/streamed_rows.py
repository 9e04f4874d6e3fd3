"""Table rows that become sheet XML at save time, never a grid of openpyxl cells.

At national scale a consolidation writes hundreds of thousands of table rows
(``tbl_theo_doi`` has a row per unit and tracked form-period). Held as
openpyxl ``Cell`` objects they cost about 3.7 KB a row — once the largest part
of the run's memory. Instead the writer (:mod:`xlplan.io.city_workbook`) can
*defer* a table: it leaves the rows as the caller's plain mappings, with the
table's place and each column's style, and :func:`sheet_rows` hands the
deferred rows into openpyxl's worksheet writer, which writes them one row at a
time while it writes the XML. Memory for the summary then stays flat as N grows.

A row made only of values whose XML is known — numbers, dates in date-formatted
columns, text that needs no ``xml:space`` — is written as text by
:class:`_FastRows`, exactly as openpyxl with its pure-Python XML writer would
write it; every other row (and every row when openpyxl writes through lxml)
becomes cells built with :func:`xlplan.io.cell_values.fill_cell` (the one
cell-writing rule: text is text), as in the eager path, written by
openpyxl's own ``write_row``. Either way the workbook's bytes are the eager
path's (tests compare them byte for byte, over every kind of value).

A worksheet with deferred rows must be saved through
:func:`xlplan.io.workbook_files.workbook_bytes` (plain ``Workbook.save`` does
not know them); code between deferring and saving must not read the table's
cells.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Iterator, Mapping, Sequence

from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet

from .cell_values import clean_text, fill_cell
from .openpyxl_internals import WriteRow, cell_store, raw_xml_writer, style_id, style_record

_ATTRIBUTE = "_xlplan_deferred_rows"
_HEIGHTS = "_xlplan_row_heights"


@dataclass(frozen=True)
class DeferredRows:
    """One table's data rows, written when the sheet is saved.

    ``columns`` are (column index, column id, style array or None) in sheet
    order; row ``i`` of ``rows`` goes to sheet row ``first_row + i``.
    """

    first_row: int
    columns: tuple[tuple[int, str, StyleArray | None], ...]
    rows: Sequence[Mapping[str, object]]

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1

    def cells(self, ws: Worksheet, row: int) -> list[Cell]:
        """The cells of sheet row ``row``, made now (they live only while the row is written)."""
        values = self.rows[row - self.first_row]
        made = []
        for col, column_id, style in self.columns:
            cell = Cell(ws, row=row, column=col, style_array=style)  # Cell() copies the style array
            fill_cell(cell, values.get(column_id))
            made.append(cell)
        return made


def defer(ws: Worksheet, rows: DeferredRows) -> None:
    """Attach ``rows`` to ``ws``; the caller has already removed every cell they cover."""
    if rows.rows:
        ws.__dict__.setdefault(_ATTRIBUTE, []).append(rows)


def defer_heights(ws: Worksheet, heights: Mapping[int, float]) -> None:
    """Row heights (sheet row → points) to give rows when they are written, as row dimensions would."""
    if heights:
        ws.__dict__.setdefault(_HEIGHTS, {}).update(heights)


def deferred(ws: Worksheet) -> list[DeferredRows]:
    """The rows waiting to be written into ``ws`` (empty for an ordinary sheet)."""
    return ws.__dict__.get(_ATTRIBUTE, [])


def sheet_rows(ws: Worksheet) -> _StreamedSheet | None:
    """The rows to write into ``ws`` while it is saved, if it has deferred tables (for
    :func:`xlplan.io.openpyxl_internals.save_package`)."""
    tables = deferred(ws)
    return _StreamedSheet(ws, tables) if tables else None


class _StreamedSheet:
    """A sheet's stored cells and deferred tables, written in row order."""

    def __init__(self, ws: Worksheet, tables: list[DeferredRows]) -> None:
        self._ws = ws
        self._tables = tables

    def write(self, xf: object, write_row: WriteRow) -> None:
        """The content of ``sheetData``: the stored rows with the deferred rows merged in by row number.

        A row that is only a deferred table row (no stored cells, no row
        dimensions) is serialized here, as the text openpyxl's pure-Python XML
        writer would produce (:class:`_FastRows`); anything else — and every row
        when openpyxl writes through lxml — goes through openpyxl's own
        ``write_row`` with cells made for the moment.
        """
        ws = self._ws
        fast = _FastRows(ws, xf)
        heights: Mapping[int, float] = ws.__dict__.get(_HEIGHTS, {})
        for row, stored, parts in _rows(ws, self._tables):
            height = heights.get(row)
            if not stored and row not in ws.row_dimensions and fast.write(row, parts, height):
                continue
            extra = [cell for table in parts for cell in table.cells(ws, row)]
            if stored or len(parts) > 1:  # a staff cell beside a table, or two tables side by side
                extra = sorted(stored + extra, key=_column)
            if height is None:
                write_row(xf, extra, row)
                continue
            dims = ws.row_dimensions
            existed = row in dims
            before = dims[row].ht
            dims[row].height = height  # for this row only, as the eager path's row dimension says it
            try:
                write_row(xf, extra, row)
            finally:
                if existed:
                    dims[row].ht = before
                else:
                    del dims[row]

    def dimension(self) -> str:
        """The sheet's used range, as ``Worksheet.calculate_dimension`` gives it with the rows stored."""
        cells = cell_store(self._ws)
        rows = {row for row, _ in cells}
        cols = {col for _, col in cells}
        low_row, high_row = min(rows, default=None), max(rows, default=None)
        low_col, high_col = min(cols, default=None), max(cols, default=None)
        for t in self._tables:
            first_col, last_col = t.columns[0][0], t.columns[-1][0]
            low_row = t.first_row if low_row is None else min(low_row, t.first_row)
            high_row = t.last_row if high_row is None else max(high_row, t.last_row)
            low_col = first_col if low_col is None else min(low_col, first_col)
            high_col = last_col if high_col is None else max(high_col, last_col)
        return f"{get_column_letter(low_col)}{low_row}:{get_column_letter(high_col)}{high_row}"


def _rows(ws: Worksheet, tables: list[DeferredRows]) -> Iterator[tuple[int, list[Cell], list[DeferredRows]]]:
    """Every row to write, in order: (row index, its stored cells, the deferred tables covering it)."""
    stored: dict[int, list[Cell]] = defaultdict(list)
    for (row, _col), cell in sorted(cell_store(ws).items()):
        stored[row].append(cell)
    plain = sorted(stored.keys() | ws.row_dimensions.keys())
    spans = [(t.first_row, t.last_row, t) for t in tables]
    sources = [plain] + [range(first, last + 1) for first, last, _ in spans]
    previous = None
    covering: list[DeferredRows] = []
    until = 0  # the rows up to here are covered by ``covering`` (tables start and end at few rows)
    for row in heapq.merge(*sources):
        if row == previous:
            continue
        previous = row
        if row > until:
            covering = [t for first, last, t in spans if first <= row <= last]
            until = min([last for first, last, _ in spans if first <= row <= last]
                        + [first - 1 for first, _, _ in spans if first > row], default=row)
        yield row, stored.pop(row, []), covering


def _column(cell: Cell) -> int:
    return cell.column


class _FastRows:
    """Plain table rows as XML text, byte for byte what openpyxl + et_xmlfile write for them.

    openpyxl spends about 20 µs a cell building and serializing an element; a
    national summary has millions of cells. Only what is known to match is
    written here — whole numbers, finite floats, dates, and text that needs
    no ``xml:space`` — and :meth:`write` returns False for any other row, so
    openpyxl writes it. ``tests/test_streamed_rows.py`` compares the bytes.
    """

    def __init__(self, ws: Worksheet, xf: object):
        self._ws = ws
        raw = raw_xml_writer(xf)  # None when openpyxl writes through lxml: no fast path
        self._raw = raw if raw is not None and not ws.parent.iso_dates else None
        self._columns: dict[int, list[tuple[str, bool, bool]]] = {}  # id(table) -> see _column_facts
        self._style_ids: dict[int, list[str]] = {}  # id(table) -> ' s="n"' per column ("" unstyled)
        self._heights: dict[float, str] = {}  # row height -> its attributes
        self._reads: dict[int, list[tuple[str, bool]]] = {}  # id(table) -> (column id, dates shown) per column
        self._cells: dict[int, list[tuple[str, bool, str]]] = {}  # id(table) -> see _cell_plan
        self._texts: dict[str, str | None] = {}  # text -> its cell body (None: openpyxl's to write)

    def write(self, row: int, tables: list[DeferredRows], height: float | None = None) -> bool:
        """Write ``row`` if every cell of it is one this class knows; False (nothing written) if not.

        ``height`` gives the row the attributes a row dimension of that height
        gives it in openpyxl's writer.
        """
        if self._raw is None:
            return False
        # Tables side by side never share a column: taken left to right, their cells are in column order.
        ordered = sorted(tables, key=lambda table: table.columns[0][0]) if len(tables) > 1 else tables
        bodies: list[str] = []  # every cell known before any style is added (see _styles)
        texts = self._texts
        for table in ordered:
            get = table.rows[row - table.first_row].get
            for column_id, date_ok in self._read_plan(table):
                value = get(column_id)
                if value is None:
                    body: str | None = ""
                elif type(value) is str:
                    body = texts.get(value, _UNSEEN)
                    if body is _UNSEEN:
                        body = self._body(value, date_ok)
                        if len(texts) < _TEXTS_KEPT:
                            texts[value] = body
                else:
                    body = self._body(value, date_ok)
                if body is None:
                    return False
                bodies.append(body)
        number = str(row)
        parts = [f'<row r="{number}"{self._height(height)}>']
        found = iter(bodies)
        for table in ordered:
            for (start, styled, style), body in zip(self._cell_plan(table), found):
                if body:
                    parts.append(start + number + style + body)
                elif styled:  # an empty cell is written only for its style, as openpyxl does
                    parts.append(start + number + style + ' t="n" />')
        parts.append("</row>")
        self._raw("".join(parts))
        return True

    def _read_plan(self, table: DeferredRows) -> list[tuple[str, bool]]:
        """Per column of ``table``: its id and whether its number format shows dates."""
        plan = self._reads.get(id(table))
        if plan is None:
            plan = self._reads[id(table)] = [(column_id, date_ok) for (_, column_id, _), (_, _, date_ok)
                                             in zip(table.columns, self._column_facts(table))]
        return plan

    def _cell_plan(self, table: DeferredRows) -> list[tuple[str, bool, str]]:
        """Per column of ``table``: a cell's text before its row number (``<c r="B``), whether the
        column is styled, and what follows the number up to the value (``" s="3"``). Asks for
        the styles (see :meth:`_styles`), so only once a row is known to be written here."""
        plan = self._cells.get(id(table))
        if plan is None:
            plan = self._cells[id(table)] = [
                (f'<c r="{letter}', styled, f'"{style}')
                for (letter, styled, _), style in zip(self._column_facts(table), self._styles(table))]
        return plan

    def _height(self, height: float | None) -> str:
        """The ``ht``/``customHeight`` attributes openpyxl writes for a row dimension of ``height``."""
        if height is None:
            return ""
        found = self._heights.get(height)
        if found is None:
            attributes = dict(RowDimension(self._ws, index=1, ht=height))
            found = "".join(f' {name}="{_escape(value)}"' for name, value in attributes.items())
            self._heights[height] = found
        return found

    def _body(self, value: object, date_ok: bool) -> str | None:
        """The cell's XML after its ``r`` and ``s`` attributes; "" for no value; None: not ours to write."""
        # type(value) is X, not isinstance: bool and other subclasses are left to openpyxl.
        if value is None:
            return ""
        if type(value) is int and -_EXACT < value < _EXACT:
            return f' t="n"><v>{value}</v></c>'  # what "%.16g" writes for a whole number of up to 15 digits
        if type(value) is int or (type(value) is float and math.isfinite(value)):
            return f' t="n"><v>{"%.16g" % value}</v></c>'
        if type(value) is Fraction or type(value) is Decimal:
            number = float(value)
            return f' t="n"><v>{"%.16g" % number}</v></c>' if math.isfinite(number) else None
        if type(value) is dt.date or type(value) is dt.datetime:
            if not date_ok:
                return None  # openpyxl would give the cell a date format (and a style) of its own
            if type(value) is dt.datetime and value.tzinfo is not None:
                value = value.replace(tzinfo=None)
            return f' t="n"><v>{"%.16g" % to_excel(value, self._ws.parent.epoch)}</v></c>'
        if type(value) is str:
            if not value:
                return ""  # no text: an empty cell (fill_cell leaves it empty too)
            text = clean_text(value)
            if not text or text.strip() != text:
                return None  # empty text, or xml:space="preserve": openpyxl's way
            return f' t="inlineStr"><is><t>{_escape(text)}</t></is></c>'
        return None  # bool, time, anything else: openpyxl writes the row

    def _column_facts(self, table: DeferredRows) -> list[tuple[str, bool, bool]]:
        """Per column: its letter, whether it is styled, whether its number format shows dates.

        Reading these changes nothing in the workbook (unlike asking for a style id).
        """
        found = self._columns.get(id(table))
        if found is None:
            found = []
            for col, _, style in table.columns:
                probe = Cell(self._ws, row=1, column=col, style_array=style)
                found.append((get_column_letter(col), probe.has_style, is_date_format(probe.number_format)))
            self._columns[id(table)] = found
        return found

    def _styles(self, table: DeferredRows) -> list[str]:
        """Per column, the ``s`` attribute ("" unstyled), the styles added to the workbook's list now.

        Called only once a row is known to be written here, so the styles enter
        the list when and in the order openpyxl's own writer would add them
        (the first row that uses them, in column order); a row left to openpyxl
        adds its own.
        """
        found = self._style_ids.get(id(table))
        if found is None:
            wb = self._ws.parent
            found = []
            for col, _, style in table.columns:
                probe = Cell(self._ws, row=1, column=col, style_array=style)
                found.append(f' s="{style_id(wb, style_record(probe))}"' if probe.has_style else "")
            self._style_ids[id(table)] = found
        return found


_EXACT = 10**15
_UNSEEN = "\x00unseen"  # not a cell body (bodies start with a space): a text not met yet
_TEXTS_KEPT = 200_000  # distinct texts whose bodies are kept (a national table repeats names and states)


def _escape(text: str) -> str:
    """Character data escaped as xml.etree does it (``&``, ``<``, ``>``)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text
