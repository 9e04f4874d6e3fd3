"""Every use of openpyxl's private API, behind small named functions, in this one module.

xlplan writes and reads the city workbook at national scale (52,000 units,
millions of table cells; ``bench/RESULTS.md``). openpyxl's public API would do
for the 80 units of one city, but at that scale it costs minutes and
gigabytes, so a few places reach under it. They are gathered here so that an
openpyxl upgrade is checked in one place: ``pyproject.toml`` pins the tested
minor version and ``tests/test_openpyxl_internals.py`` fails, naming what to
re-check, when the installed version or anything below has moved.

What each function stands in for (the public way, fine for 80 units):

- :func:`style_record` / :func:`set_style_record` — copying a cell's whole
  style record instead of setting ``font``/``fill``/``border``/… one by one;
  each public setter hashes and interns its object, which dominated generating
  a thousand forms and copying a table row's look to 50,000 rows.
- :func:`set_number` — ``cell.value = number`` without the setter's type
  dispatch, millions of times per consolidation.
- :func:`cell_store` — the worksheet's ``{(row, col): Cell}`` dict: dropping
  and inserting table cells directly instead of ``ws.cell()``/``delete_rows``,
  which are quadratic or allocate a cell per lookup.
- :func:`style_id` — the index of a style record in the workbook's style list,
  so streamed rows can be written as XML text with the ``s`` attribute openpyxl
  itself would write.
- :func:`clear_charts` — removing a sheet's charts (openpyxl has no public way).
- :func:`save_package` — openpyxl's package writer with a hook that writes a
  worksheet's rows from the caller's data while the sheet XML is written
  (``xlplan.io.streamed_rows``) instead of from a grid of ``Cell`` objects.
- :func:`load_filtered` — openpyxl's package reader with chosen sheet parts
  passed through a filter before they are parsed (``xlplan.io.city_loader``),
  instead of ``openpyxl.load_workbook`` building every cell.
- :func:`raw_xml_writer` — the text sink of et_xmlfile's writer, to append
  rows already serialized.
"""

from __future__ import annotations

from copy import copy
from typing import IO, Any, Callable, Mapping, Protocol

import zipfile
from openpyxl.cell.cell import Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.fonts import Font
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

# The openpyxl versions this module was written and tested against (pyproject.toml pins the same).
TESTED_VERSIONS = ((3, 1), (3, 2))  # [low, high): 3.1.x


def style_record(cell: Cell) -> StyleArray:
    """A copy of ``cell``'s complete style record (font, fill, border, … ids), to give to other cells."""
    return copy(cell._style)


def set_style_record(cell: Cell, record: StyleArray) -> None:
    """Give ``cell`` a copy of a style record taken by :func:`style_record` from a cell of the same workbook."""
    cell._style = copy(record)


def set_number(cell: Cell, value: int | float) -> None:
    """Store a plain ``int``/``float`` in a new cell, as openpyxl's setter does for a number, minus its dispatch."""
    cell._value = value


def cell_store(ws: Worksheet) -> dict[tuple[int, int], Cell]:
    """The worksheet's own ``{(row, column): Cell}`` dict; changes to it are changes to the sheet."""
    return ws._cells


def style_id(wb: Workbook, record: StyleArray) -> int:
    """The index of ``record`` in the workbook's list of cell styles (the ``s`` of a cell), added if new."""
    return wb._cell_styles.add(record)


def clear_charts(ws: Worksheet) -> None:
    """Remove every chart of ``ws``."""
    ws._charts = []


def raw_xml_writer(xf: object) -> Callable[[str], Any] | None:
    """The function et_xmlfile's pure-Python writer appends text with; None under lxml (no such sink)."""
    raw = getattr(xf, "_file", None)
    return raw if callable(raw) else None


# -- writing a package with some sheets' rows streamed ---------------------------------

WriteRow = Callable[[object, list[Cell], int], None]  # (xml writer, cells of the row, row index)


class SheetRows(Protocol):
    """The rows of one worksheet, written by the caller while openpyxl writes the sheet."""

    def write(self, xf: object, write_row: WriteRow) -> None:
        """Write every row inside ``xf``'s open ``sheetData`` element; ``write_row`` is openpyxl's own."""

    def dimension(self) -> str:
        """The sheet's used range (``A1:K900``), as ``Worksheet.calculate_dimension`` would give it."""


def save_package(wb: Workbook, archive: zipfile.ZipFile, rows_for: Callable[[Worksheet], SheetRows | None]) -> None:
    """Write ``wb`` into ``archive`` with openpyxl's package writer (unlike ``Workbook.save``,
    it leaves ``properties.modified`` alone); a sheet for which ``rows_for`` gives rows
    has them written by the caller instead of from its cells."""
    _PackageWriter(wb, archive, rows_for).save()


class _PackageWriter(ExcelWriter):
    def __init__(self, wb: Workbook, archive: zipfile.ZipFile,
                 rows_for: Callable[[Worksheet], SheetRows | None]) -> None:
        super().__init__(wb, archive)
        self._rows_for = rows_for

    def write_worksheet(self, ws: Worksheet) -> None:
        rows = self._rows_for(ws)
        if rows is None:
            return super().write_worksheet(ws)
        # ExcelWriter.write_worksheet (openpyxl 3.1), with the rows hooked in before the sheet is written.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws)
        writer.write_rows = lambda: _write_rows(writer, rows)
        writer.write_dimensions = lambda: writer.xf.send(
            SheetDimension(rows.dimension()).to_tree())
        writer.write()
        ws._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()


def _write_rows(writer: WorksheetWriter, rows: SheetRows) -> None:
    """``WorksheetWriter.write_rows`` with the caller writing the content of ``sheetData``."""
    xf = writer.xf.send(True)
    with xf.element("sheetData"):
        rows.write(xf, writer.write_row)
    writer.xf.send(None)


# -- reading a package with some sheet parts filtered --------------------------------

PartFilter = Callable[[IO[bytes]], IO[bytes]]
# (workbook-level defined names {name: DefinedName}, [(sheet title, part path in the zip)],
#  the indices of the cell formats that format nothing) -> {part path: filter}
ChooseFilters = Callable[[Mapping[str, Any], list[tuple[str, str]], frozenset[int]], Mapping[str, PartFilter]]


def load_filtered(source: Any, choose: ChooseFilters) -> Workbook:
    """The workbook as ``openpyxl.load_workbook(source, keep_vba=False, keep_links=True)`` reads it,
    except that the sheet parts ``choose`` names are read through their filter."""
    reader = _FilteringReader(source, choose)
    reader.read()
    return reader.wb


class _FilteringReader(ExcelReader):
    # Set by ExcelReader.__init__; swapped for the filtering view while the worksheets are read.
    archive: zipfile.ZipFile | _FilteredArchive

    def __init__(self, source: Any, choose: ChooseFilters) -> None:
        super().__init__(source, read_only=False, keep_vba=False, data_only=False, keep_links=True, rich_text=False)
        self._choose = choose

    def read_worksheets(self) -> None:
        names = self.parser.defined_names.by_sheet().get("global", {})
        sheets = [(sheet.name, rel.target) for sheet, rel in self.parser.find_sheets()]
        # The stylesheet is read by now: a row's s="k" pointing at an all-default format styles nothing.
        plain = frozenset(i for i, style in enumerate(self.wb._cell_styles) if not any(style))
        filters = self._choose(names, sheets, plain)
        if not filters:
            return super().read_worksheets()
        inner = self.archive
        self.archive = _FilteredArchive(inner, filters)
        try:
            super().read_worksheets()
        finally:
            self.archive = inner


class _FilteredArchive:
    """The package's zip archive, with the chosen members read through their filter."""

    def __init__(self, inner: zipfile.ZipFile | _FilteredArchive, filters: Mapping[str, PartFilter]):
        self._inner = inner
        self._filters = filters

    def open(self, name: str, *args: Any, **kwargs: Any) -> IO[bytes]:
        part_filter = self._filters.get(name)
        if part_filter is None:
            return self._inner.open(name, *args, **kwargs)
        return part_filter(self._inner.open(name))

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)


def set_default_font(wb: Workbook, font: Font) -> None:
    """Make ``font`` the workbook's default (the Normal style's, font 0), on a new workbook before any cell is styled.

    Column widths are counted in the default font's digits: with Calibri,
    which LibreOffice lacks on many machines (it measures a wider substitute),
    the same columns print wider there than in Excel. Times New Roman (or its
    metric twin Liberation Serif, installed with LibreOffice) measures alike in both.
    """
    wb._fonts = IndexedList([font])
    wb._named_styles["Normal"].font = font
