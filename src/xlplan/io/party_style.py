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
DEFAULT_FONT = Font(name=FONT_NAME, size=BODY_SIZE)  # the city workbook's Normal style: its widths' unit
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

# The printed report, after Hướng dẫn 36-HD/VPTW (2018): the national Party header in 15 pt bold
# with a rule under it; the superior organization 14 pt, the issuing one 14 pt bold over a star;
# number 14 pt; place and date 14 pt italic; the document type 15–16 pt bold; body 14 pt.
REPORT_PARTY_SIZE = 15
REPORT_SIZE = 14
REPORT_TYPE_SIZE = 16  # "BÁO CÁO" where it stands alone (the editable document)
REPORT_TITLE_SIZE = 15  # the sheet's one title cell: type and summary together, in both ranges
REPORT_RECIPIENTS_SIZE = 12
REPORT_PARTY = Font(name=FONT_NAME, size=REPORT_PARTY_SIZE, bold=True, underline="single")  # the rule under it
REPORT_SUPERIOR = Font(name=FONT_NAME, size=REPORT_SIZE)
REPORT_ISSUER = Font(name=FONT_NAME, size=REPORT_SIZE, bold=True)
REPORT_NUMBER = Font(name=FONT_NAME, size=REPORT_SIZE)
REPORT_PLACE_DATE = Font(name=FONT_NAME, size=REPORT_SIZE, italic=True)
REPORT_TITLE = Font(name=FONT_NAME, size=REPORT_TITLE_SIZE, bold=True)
REPORT_PERIOD = Font(name=FONT_NAME, size=REPORT_SIZE, italic=True)
REPORT_BODY = Font(name=FONT_NAME, size=REPORT_SIZE)
REPORT_HEADING = Font(name=FONT_NAME, size=REPORT_SIZE, bold=True)
REPORT_SIGNATURE = Font(name=FONT_NAME, size=REPORT_SIZE, bold=True)
REPORT_RECIPIENTS = Font(name=FONT_NAME, size=REPORT_RECIPIENTS_SIZE, italic=True)


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
# The report's page (36-HD/VPTW): top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
MM_PER_INCH = 25.4
REPORT_MARGINS_MM = {"top": 22.0, "bottom": 22.0, "left": 32.0, "right": 17.0}


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


def print_report_page(ws: Worksheet) -> None:
    """A4 portrait with the report's margins (36-HD/VPTW), one page wide, never centred.

    The report's columns are sized to the text width these margins leave, so
    one page wide is the full size: the 14 pt body prints at 14 pt.
    """
    print_a4(ws)
    ws.print_options.horizontalCentered = False
    ws.page_margins.top = REPORT_MARGINS_MM["top"] / MM_PER_INCH
    ws.page_margins.bottom = REPORT_MARGINS_MM["bottom"] / MM_PER_INCH
    ws.page_margins.left = REPORT_MARGINS_MM["left"] / MM_PER_INCH
    ws.page_margins.right = REPORT_MARGINS_MM["right"] / MM_PER_INCH
    ws.page_margins.header = ws.page_margins.footer = 0.3
