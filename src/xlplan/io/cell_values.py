"""The one rule every writer follows to put a value in an openpyxl cell: text is text, always.

openpyxl decides a cell's type from the value it is given: a string starting
with ``=`` becomes a formula (``<f>``), one equal to an error code (``#N/A``)
an error. Much of what xlplan writes is text it does not control — unit names
and contacts from a registry, the plan file's title, place, kind labels and
board, what units typed in their forms — and any of it may start with ``=``
(``=cmd|' /C calc'!A0`` is a DDE call, ``=WEBSERVICE(…)`` fetches a URL).
Written as a formula it would run in every copy of the file the Board sends.

So every writer (forms, the city workbook, letters, feedback copies, the
streamed table rows) goes through this module:

- :func:`put_value` / :func:`write_value`: text is stored with data type
  ``s`` whatever it starts with (``=``, ``+``, ``-``, ``@``, ``#N/A``…);
  numbers, booleans and dates as such; exact numbers as floats.
- :func:`put_formula` / :func:`write_formula`: the only way to make a
  formula, for formulas the code itself builds; it refuses anything else.

Characters XML 1.0 cannot hold (C0 controls except tab, line feed and
carriage return) are *dropped*, not replaced: openpyxl refuses them
(``IllegalCharacterError``) and a file holding them would not open, so a
writer must not crash on a unit's stray control character and the rest of the
text is kept as it was. Text is cut to the 32,767 characters an Excel cell
keeps.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

from .openpyxl_internals import set_number

MAX_TEXT = 32767  # characters Excel keeps in one cell

__all__ = ["MAX_TEXT", "clean_text", "excel_value", "fill_cell", "put_formula", "put_text", "put_value",
           "write_formula", "write_value"]


def clean_text(text: str) -> str:
    """Text as a cell holds it: the characters XML forbids dropped, cut to what Excel keeps."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT]


def excel_value(value: object) -> object:
    """A Python value as a cell value: exact numbers to float, naive datetimes, anything else cleaned text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (Fraction, Decimal)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return clean_text(str(value))


def fill_cell(cell: Cell, value: object) -> None:
    """Put ``value`` in a *new* (empty) cell: :func:`put_value` with a fast lane for plain numbers.

    The table writers call this millions of times at national scale; a new
    cell needs neither clearing for ``None`` nor openpyxl's type dispatch for
    an ``int``/``float``.
    """
    if type(value) is int or type(value) is float:
        set_number(cell, value)  # a new cell's data type is already "n"
    elif value is not None and value != "":  # no text is an empty cell, as Excel keeps it
        put_value(cell, value)


def put_value(cell: Cell, value: object) -> Cell:
    """Store ``value`` in ``cell`` (``None`` empties it); text always as text. Returns the cell."""
    cell.value = excel_value(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # "=…" or "#N/A" is text, never a formula or an error
    return cell


def put_text(cell: Cell, text: str) -> Cell:
    """Store ``text`` as text, whatever it starts with. Returns the cell."""
    return put_value(cell, str(text))


def put_formula(cell: Cell, formula: str) -> Cell:
    """Store a formula the code built (``=COUNTA(…)``): the one door to a ``<f>`` element.

    Anything not starting with ``=`` is refused, so text can never be passed
    here by mistake and come out as something else.
    """
    if not isinstance(formula, str) or len(formula) < 2 or not formula.startswith("="):
        raise ValueError(f"not a formula: {formula!r}")
    cell.value = formula
    return cell


def write_value(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """``ws.cell(row, column, value)`` under this module's rule: text stays text."""
    return put_value(ws.cell(row, column), value)


def write_formula(ws: Worksheet, row: int, column: int, formula: str) -> Cell:
    """``ws.cell(row, column, formula)`` for a formula the code built (see :func:`put_formula`)."""
    return put_formula(ws.cell(row, column), formula)
