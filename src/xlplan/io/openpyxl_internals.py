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

from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

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
