"""Cell styles of the generated forms, built once and shared by every workbook.

openpyxl style objects are immutable values that each workbook interns on
first use, so creating them once here (not per cell, not per form) keeps
generating a thousand forms cheap. Party documents use Times New Roman; the
header is 13 pt, the table 12 pt so long Vietnamese labels fit A4 portrait.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray

FONT_NAME = "Times New Roman"
HEADER_SIZE = 13
BODY_SIZE = 12

# Fonts
HEADER = Font(name=FONT_NAME, size=HEADER_SIZE)
HEADER_BOLD = Font(name=FONT_NAME, size=HEADER_SIZE, bold=True)
HEADER_BOLD_UNDERLINED = Font(name=FONT_NAME, size=HEADER_SIZE, bold=True, underline="single")
HEADER_ITALIC = Font(name=FONT_NAME, size=HEADER_SIZE, italic=True)
TITLE = Font(name=FONT_NAME, size=14, bold=True)
BODY = Font(name=FONT_NAME, size=BODY_SIZE)
BODY_BOLD = Font(name=FONT_NAME, size=BODY_SIZE, bold=True)
BODY_ITALIC = Font(name=FONT_NAME, size=BODY_SIZE, italic=True)
NOTE = Font(name=FONT_NAME, size=11, italic=True)
ALERT = Font(name=FONT_NAME, size=BODY_SIZE, bold=True, color="C00000")

# Fills: input cells are coloured so a unit sees at once where to type.
INPUT_FILL = PatternFill(fill_type="solid", start_color="FFF2CC", end_color="FFF2CC")
PREFILLED_FILL = PatternFill(fill_type="solid", start_color="EDEDED", end_color="EDEDED")
DERIVED_FILL = PatternFill(fill_type="solid", start_color="E2EFDA", end_color="E2EFDA")
HEAD_FILL = PatternFill(fill_type="solid", start_color="D9E1F2", end_color="D9E1F2")
GROUP_FILL = PatternFill(fill_type="solid", start_color="F2F2F2", end_color="F2F2F2")

# Borders
_THIN = Side(style="thin", color="808080")
GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

# Alignment
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
LEFT_TOP_WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")

# Protection
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

# Number formats
INT_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"
TEXT_FORMAT = "@"


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
            cell._style = copy(record)
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
        self._records[look] = copy(cell._style)


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
HEADER_PARTY = Look(HEADER_BOLD_UNDERLINED, alignment=CENTER)
HEADER_PLACE_DATE = Look(HEADER_ITALIC, alignment=CENTER)
TITLE_CENTER = Look(TITLE, alignment=CENTER)
HINT_CENTER = Look(NOTE, alignment=CENTER)
ITALIC_CENTER = Look(BODY_ITALIC, alignment=CENTER)
HELP_TITLE = Look(TITLE, alignment=LEFT_TOP_WRAP)
HELP_HEAD = Look(BODY_BOLD, alignment=LEFT_TOP_WRAP)
HELP_TEXT = Look(BODY, alignment=LEFT_TOP_WRAP)
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
