"""The cell looks of the generated forms, built once and shared by every workbook.

The palette (fonts, fills, borders, alignments, formats) is the Party-document
one of :mod:`xlplan.io.party_style`; this module combines it into the complete
looks a form's cells take, and applies them fast (:class:`Styler`).
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection
from openpyxl.styles.cell_style import StyleArray

from .openpyxl_internals import set_style_record, style_record
from .party_style import (BODY, BODY_BOLD, BODY_ITALIC, CENTER, DATE_FORMAT, DERIVED_FILL, GRID, GROUP_FILL,
                          HEAD_FILL, HEADER, HEADER_BOLD, HEADER_ITALIC, HEADER_PARTY, INPUT_FILL, INT_FORMAT,
                          LEFT, LEFT_WRAP, LOCKED, NOTE, PREFILLED_FILL, TEXT_FORMAT, TITLE, TOP_LEFT, UNLOCKED)


# -- complete cell looks, applied through a per-workbook cache ------------------------

@dataclass(frozen=True, eq=False)
class Look:
    """A complete cell style. Compared by identity: hashing openpyxl styles is what is slow."""

    font: Font = BODY
    fill: PatternFill | None = None
    border: Border | None = None
    alignment: Alignment | None = None
    protection: Protection | None = None
    number_format: str | None = None


class Styler:
    """Applies :class:`Look` s to the cells of one workbook.

    Setting ``cell.font``/``fill``/… interns each style object in the workbook,
    which hashes it every time; for hundreds of cells per form and a thousand
    forms that dominates generation. The first cell given a look is styled the
    public way and its resulting style record copied to every later cell, the
    way openpyxl itself copies styles between cells.
    """

    def __init__(self) -> None:
        self._records: dict[Look, StyleArray] = {}

    def __call__(self, cell: Cell, look: Look) -> None:
        record = self._records.get(look)
        if record is not None:
            set_style_record(cell, record)
            return
        cell.font = look.font
        if look.fill is not None:
            cell.fill = look.fill
        if look.border is not None:
            cell.border = look.border
        if look.alignment is not None:
            cell.alignment = look.alignment
        if look.protection is not None:
            cell.protection = look.protection
        if look.number_format is not None:
            cell.number_format = look.number_format
        self._records[look] = style_record(cell)


# Looks of the form's cells.
HEAD_CELL = Look(BODY_BOLD, HEAD_FILL, GRID, CENTER)
GROUP_NUMBER = Look(BODY_BOLD, GROUP_FILL, GRID, CENTER)
GROUP_TITLE = Look(BODY_BOLD, GROUP_FILL, GRID, LEFT)
GROUP_BLANK = Look(BODY, GROUP_FILL, GRID)
ROW_NUMBER = Look(BODY, None, GRID, CENTER)
ROW_LABEL = Look(BODY, None, GRID, LEFT_WRAP)
ROW_REMARK = Look(NOTE, None, GRID, LEFT_WRAP)
DERIVED_CHECK = Look(BODY_BOLD, DERIVED_FILL, GRID, CENTER, LOCKED)
DERIVED_INT = Look(BODY_BOLD, DERIVED_FILL, GRID, CENTER, LOCKED, INT_FORMAT)
HEADER_PLAIN = Look(HEADER, alignment=CENTER)
HEADER_STRONG = Look(HEADER_BOLD, alignment=CENTER)
HEADER_PARTY_LINE = Look(HEADER_PARTY, alignment=CENTER)
HEADER_PLACE_DATE = Look(HEADER_ITALIC, alignment=CENTER)
TITLE_CENTER = Look(TITLE, alignment=CENTER)
HINT_CENTER = Look(NOTE, alignment=CENTER)
ITALIC_CENTER = Look(BODY_ITALIC, alignment=CENTER)
HELP_TITLE = Look(TITLE, alignment=TOP_LEFT)
HELP_HEAD = Look(BODY_BOLD, alignment=TOP_LEFT)
HELP_TEXT = Look(BODY, alignment=TOP_LEFT)
PLAIN = Look(BODY)
PLAIN_BOLD = Look(BODY_BOLD)
PLAIN_TEXT = Look(BODY, number_format=TEXT_FORMAT)

_FORMATS = {"int": INT_FORMAT, "date": DATE_FORMAT, "code": TEXT_FORMAT, "period": TEXT_FORMAT,
            "text": TEXT_FORMAT, "share": "0.00%"}
_VALUE_LOOKS: dict[tuple[str, bool], Look] = {}
_PERCENT_LOOKS: dict[str, Look] = {}


def value_look(field_type: str, is_input: bool) -> Look:
    """The look of a field's value cell: coloured and unlocked when the unit types into it."""
    key = (field_type, is_input)
    look = _VALUE_LOOKS.get(key)
    if look is None:
        look = Look(BODY, INPUT_FILL if is_input else PREFILLED_FILL, GRID,
                    LEFT_WRAP if field_type == "text" else CENTER,
                    UNLOCKED if is_input else LOCKED, _FORMATS.get(field_type))
        _VALUE_LOOKS[key] = look
    return look


def derived_percent_look(number_format: str) -> Look:
    """The look of a computed share cell with its percent format."""
    look = _PERCENT_LOOKS.get(number_format)
    if look is None:
        look = _PERCENT_LOOKS[number_format] = Look(BODY_BOLD, DERIVED_FILL, GRID, CENTER, LOCKED, number_format)
    return look
