"""The Party-document look shared by every sheet xlplan prints: forms, the city workbook, letters.

Forms, the city workbook's report and the feedback letters are printed, signed
and filed side by side, so they must look like one office wrote them
(DOMAIN.md "Document style"): Times New Roman, the header lines in 13 pt
(superior and issuer top left over a ``*``, :data:`PARTY` underlined top right,
place and date in italics), titles in 14 pt bold, tables in 12 pt, A4 one page
wide. This module holds that palette once — fonts, fills, borders, alignments,
number formats, the fixed header texts and the page setup — so a change of
look is made in one place. What each document lays out where stays with it
(:mod:`xlplan.io.form_layout`, :mod:`xlplan.io.city_workbook`,
:mod:`xlplan.io.feedback_writer`).

openpyxl style objects are immutable values interned by each workbook, so
building them once here (not per cell) is also what keeps generating a
thousand forms cheap.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "Times New Roman"
HEADER_SIZE = 13  # the document header lines, and the body of letters
BODY_SIZE = 12  # tables: long Vietnamese labels must fit A4 portrait
TITLE_SIZE = 14
PARAGRAPH_SIZE = 14  # the narrative paragraphs of the printed report

# Fixed texts of the Party header and signature block.
PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"
ISSUER_MARK = "*"  # under the issuing organization
SIGNATURE_PLACEHOLDER = "…………………………"

# Fonts
HEADER = Font(name=FONT_NAME, size=HEADER_SIZE)
HEADER_BOLD = Font(name=FONT_NAME, size=HEADER_SIZE, bold=True)
HEADER_PARTY = Font(name=FONT_NAME, size=HEADER_SIZE, bold=True, underline="single")
HEADER_ITALIC = Font(name=FONT_NAME, size=HEADER_SIZE, italic=True)
TITLE = Font(name=FONT_NAME, size=TITLE_SIZE, bold=True)
PARAGRAPH = Font(name=FONT_NAME, size=PARAGRAPH_SIZE)
BODY = Font(name=FONT_NAME, size=BODY_SIZE)
BODY_BOLD = Font(name=FONT_NAME, size=BODY_SIZE, bold=True)
BODY_ITALIC = Font(name=FONT_NAME, size=BODY_SIZE, italic=True)  # also the recipients (Nơi nhận)
LINK = Font(name=FONT_NAME, size=BODY_SIZE, color="0563C1", underline="single")
NOTE = Font(name=FONT_NAME, size=11, italic=True)
ALERT = Font(name=FONT_NAME, size=BODY_SIZE, bold=True, color="C00000")


def _solid(rgb: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


# Fills: input cells are pale yellow everywhere, so staff and units see at once where to type.
INPUT_FILL = _solid("FFF2CC")
PREFILLED_FILL = _solid("EDEDED")  # locked, filled in by the Organization Board
DERIVED_FILL = _solid("E2EFDA")  # locked, computed by a formula
HEAD_FILL = _solid("D9E1F2")  # table headers
GROUP_FILL = _solid("F2F2F2")  # group rows of a form

# Borders
_THIN = Side(style="thin", color="808080")
GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

# Alignment
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
CENTER_ONE_LINE = Alignment(horizontal="center", vertical="center")
LEFT = Alignment(horizontal="left", vertical="center")
LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
TOP_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
JUSTIFY = Alignment(horizontal="justify", vertical="top", wrap_text=True)
NUMBER = Alignment(horizontal="right", vertical="center")

# Protection
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

# Number formats
INT_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
TEXT_FORMAT = "@"

# Page margins in inches (left/right, top/bottom).
SIDE_MARGIN = 0.6
TOP_MARGIN = 0.7


def print_a4(ws: Worksheet, landscape: bool = False) -> None:
    """A4, one page wide and as many tall as needed, centred, with the documents' margins.

    Every printed sheet uses this, so a form, the city report and a letter
    come out of the printer alike.
    """
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN
    ws.page_margins.top = ws.page_margins.bottom = TOP_MARGIN
    ws.print_options.horizontalCentered = True
