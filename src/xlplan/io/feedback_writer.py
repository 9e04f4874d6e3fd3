"""Feedback workbooks for units: a highlighted copy of a submitted form, or a letter alone.

The Organization Board sends a unit back what is wrong with what it sent. The
most useful answer is the unit's own workbook with the offending cells
coloured and a comment on each (what is wrong, how to fix it), preceded by a
short letter sheet in the Party's document style that lists every finding
and the deadline to resend. A unit that sent nothing, or a file that cannot
be opened, gets the letter alone.

Unit files are untrusted: the source is only ever read (its bytes read once
from disk, loaded by openpyxl twice in memory — with formulas and with cached
values — external links dropped, macros not kept), its formulas become their
values (:mod:`xlplan.io.unit_formulas`; only the form's own formulas stay
live), every cell we write follows :mod:`xlplan.io.cell_values` (text is text),
and the copy is written elsewhere atomically. The source's bytes are never
touched.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable, Sequence

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..core.errors import XlplanError
from ..core.findings import Finding, Severity
from . import party_style as ps
from .cell_values import clean_text, put_text, write_value
from .form_writer import LIST_SHEET, META_SHEET
from .readers import Limits
from .unit_formulas import values_for_formulas
from .unit_package import INLINE_BYTES, UnitFileRefused, run_bounded, unit_bytes
from .workbook_files import save_workbook

LETTER_SHEET = "Phản hồi"
FORM_HIDDEN_SHEETS = (LIST_SHEET, META_SHEET)  # the form's own hidden sheets: every other hidden sheet is dropped

# Fills by severity. Not yellow for warnings: the forms already colour input cells pale yellow.
FILLS = {
    Severity.ERROR: PatternFill(fill_type="solid", start_color="FF8F8F", end_color="FF8F8F"),
    Severity.WARNING: PatternFill(fill_type="solid", start_color="F4B183", end_color="F4B183"),
    Severity.INFO: PatternFill(fill_type="solid", start_color="BDD7EE", end_color="BDD7EE"),
}
FILL_NAMES = {Severity.ERROR: "đỏ", Severity.WARNING: "cam", Severity.INFO: "xanh"}


# The letter's columns: (header, width in Excel character units).
# The first three carry the issuer's block of the header, the last two the Party's.
_COLUMNS = (("TT", 5), ("Mức độ", 10), ("Vị trí", 23), ("Nội dung", 36), ("Cách khắc phục", 28))
_LAST_COL = len(_COLUMNS)


class FeedbackCopyError(XlplanError):
    """The unit's file could not be opened for a highlighted copy; the message says why (Vietnamese)."""


@dataclass(frozen=True)
class LetterRow:
    """One line of the letter's table: a finding as the unit reads it."""

    severity: Severity
    where: str  # "Đăng ký, ô C29", or the file and cell for a letter without a copy
    message: str
    fix: str


@dataclass(frozen=True)
class Letter:
    """The texts of the letter sheet; the layout (Party document style) is this module's job."""

    superior: str  # top left, first line: the Party committee the board belongs to
    issuer: str  # top left, bold: the Organization Board
    number: str  # "Số …-CV/BTCTU"
    subject: str  # "V/v …" under the number
    place_date: str  # "Bắc Ninh, ngày … tháng … năm …", italic, top right
    recipient: str  # "Kính gửi: …"
    intro: str
    rows: tuple[LetterRow, ...]
    closing: str
    signer: tuple[str, ...]  # e.g. ("TRƯỞNG BAN",)
    copies: str  # "Nơi nhận: …"


@dataclass
class CopyOutcome:
    """What the highlighted copy got: comments by location, and findings that had no cell to carry them."""

    path: Path
    cells: dict[tuple[str, str], list[Finding]] = field(default_factory=dict)  # (sheet, cell) → findings
    unplaced: list[Finding] = field(default_factory=list)


# -- comments ------------------------------------------------------------------------

def comment_line(finding: Finding) -> str:
    """The head line of one finding in a comment: ``Lỗi: message`` (codes are the Board's, on Kiểm tra; never a unit's)."""
    return f"{finding.severity.label}: {finding.message}"


def comment_text(findings: Sequence[Finding]) -> str:
    """The comment of one cell: every finding there, most severe first, each with its fix."""
    parts = [f"{comment_line(f)}\nCách khắc phục: {f.fix}" for f in sorted(findings, key=Finding.sort_key)]
    return _clean("\n\n".join(parts))


def _clean(text: str) -> str:
    return clean_text(text)


def _comment(findings: Sequence[Finding], author: str, note: str = "") -> Comment:
    text = "\n\n".join(part for part in (comment_text(findings), _clean(note)) if part)
    lines = sum(max(1, math.ceil(len(part) / 48)) for part in text.split("\n"))
    return Comment(text, author, height=min(max(60, 15 * lines + 10), 600), width=320)


# -- the highlighted copy ------------------------------------------------------------

def write_highlighted_copy(source: Path, target: Path, letter: Letter, findings: Sequence[Finding],
                           author: str, own_formulas: Collection[str] = (),
                           keep_hidden: Collection[str] = FORM_HIDDEN_SHEETS, limits: Limits = Limits()) -> CopyOutcome:
    """Copy ``source`` to ``target`` with each finding's cell coloured and commented, the letter first.

    Findings without a sheet and cell, or whose sheet or cell the file does not
    have, are left in :attr:`CopyOutcome.unplaced` (the letter lists them all
    anyway). Sheet protection and the workbook's structure lock are kept:
    comments and fills do not need them lifted. A letter sheet and comments
    by ``author`` left from an earlier round (a unit resending its feedback
    copy) are removed first, so the copy shows this round only. The unit's
    formulas become their values, except ``own_formulas`` (the formulas the
    form writer builds: :func:`xlplan.io.form_writer.own_formulas`); a formula
    without a cached value becomes its text, with a note in the cell's comment.

    Bounded as the readers are (:mod:`xlplan.io.unit_package`): the file is
    read once with ``limits``, hidden sheets other than ``keep_hidden`` (the
    form's own) are dropped before loading and never sent back, and a file
    still big after that is copied in a worker with the readers' memory cap
    and a deadline. Raises :class:`FeedbackCopyError` when the file cannot be
    opened as a workbook within those limits.
    """
    try:
        prepared = unit_bytes(source, keep_hidden, limits)
        job = (prepared.data, prepared.dropped, source.name, Path(target), letter, tuple(findings), author,
               tuple(own_formulas))
        if prepared.inflated > INLINE_BYTES:
            return run_bounded(_copy_from_bytes, job, limits)
        return _copy_from_bytes(*job)
    except UnitFileRefused as exc:
        raise FeedbackCopyError(f"Không mở được tệp '{source.name}' để tô màu: {exc}.") from None


def _copy_from_bytes(data: bytes, dropped: Sequence[str], name: str, target: Path, letter: Letter,
                     findings: Sequence[Finding], author: str, own_formulas: Collection[str]) -> CopyOutcome:
    """:func:`write_highlighted_copy` on bytes already bounded (in this process or a capped worker)."""
    wb, cached = _open_copy(data, name)
    for book in (wb, cached):
        for sheet in dropped:
            if sheet in book.sheetnames:
                book.remove(book[sheet])
    _drop_earlier_round(wb, author)
    notes = values_for_formulas(wb, cached, own_formulas)
    outcome = CopyOutcome(Path(target))
    for finding in findings:
        located = _locate(wb, finding)
        if located is None:
            outcome.unplaced.append(finding)
        else:
            outcome.cells.setdefault(located, []).append(finding)
    for (sheet, coord), here in outcome.cells.items():
        cell = wb[sheet][coord]
        worst = min(here, key=lambda f: f.severity.rank).severity
        cell.fill = FILLS[worst]
        cell.comment = _comment(here, author, notes.pop((sheet, coord), ""))
    for (sheet, coord), note in notes.items():
        wb[sheet][coord].comment = _comment((), author, note)
    ws = wb.create_sheet(LETTER_SHEET, 0)
    _lay_out_letter(ws, letter)
    _make_first_and_active(wb, ws)
    wb.template = False
    save_workbook(wb, target)
    return outcome


def _open_copy(data: bytes, name: str) -> tuple[Workbook, Workbook]:
    """The unit's workbook in memory, with its formulas and with their cached values (links and macros dropped).

    Both loads parse the same bytes, read once (:func:`~xlplan.io.unit_package.unit_bytes`).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # extensions openpyxl drops are not the unit's problem
            formulas, values = (openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False,
                                                       data_only=only) for only in (False, True))
            return formulas, values
    except MemoryError:
        raise UnitFileRefused("tệp quá lớn") from None
    except Exception as exc:  # a damaged or hostile file: the letter alone still goes out
        raise UnitFileRefused(f"tệp hỏng ({type(exc).__name__})") from None


def _drop_earlier_round(wb: Workbook, author: str) -> None:
    if LETTER_SHEET in wb.sheetnames:
        wb.remove(wb[LETTER_SHEET])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == author:
                    cell.comment = None


def _locate(wb: Workbook, finding: Finding) -> tuple[str, str] | None:
    """The (sheet, top-left cell) a finding points at in ``wb``, or None when it has no such place."""
    if not finding.sheet or not finding.cell or finding.sheet not in wb.sheetnames:
        return None
    ws = wb[finding.sheet]
    if not isinstance(ws, Worksheet):  # a chart sheet has no cells
        return None
    try:
        min_col, min_row, _, _ = range_boundaries(finding.cell.replace("$", ""))
    except (ValueError, TypeError):
        return None
    if min_col is None or min_row is None:
        return None
    cell = ws.cell(min_row, min_col)
    if isinstance(cell, MergedCell):  # comments and fills live on a merged range's first cell
        for merged in ws.merged_cells.ranges:
            if cell.coordinate in merged:
                return ws.title, f"{get_column_letter(merged.min_col)}{merged.min_row}"
    return ws.title, cell.coordinate


def _make_first_and_active(wb: Workbook, ws: Worksheet) -> None:
    """Open on the letter: active, and the only selected tab (two selected tabs group sheets in Excel)."""
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = wb.worksheets.index(ws)
    if wb.views:
        wb.views[0].firstSheet = 0


# -- the letter ------------------------------------------------------------------------

def write_letter(target: Path, letter: Letter) -> Path:
    """A workbook holding the letter sheet alone (a unit that sent nothing, or a file we could not open)."""
    wb = Workbook()
    ws = wb.active
    ws.title = LETTER_SHEET
    _lay_out_letter(ws, letter)
    return save_workbook(wb, target)


def _lay_out_letter(ws: Worksheet, letter: Letter) -> None:
    """Party style: issuer top left with ``*``, the Party top right, date in italics, then the body."""
    for index, (_, width) in enumerate(_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _put(ws, 1, 1, 3, letter.superior, ps.HEADER, ps.CENTER)
    _put(ws, 2, 1, 3, letter.issuer, ps.HEADER_BOLD, ps.CENTER)
    _put(ws, 3, 1, 3, ps.ISSUER_MARK, ps.HEADER, ps.CENTER)
    _put(ws, 4, 1, 3, letter.number, ps.HEADER, ps.CENTER)
    _put(ws, 5, 1, 3, letter.subject, ps.BODY_ITALIC, ps.CENTER)
    _fit(ws, 5, letter.subject, _width(1, 3), 12)
    _put(ws, 1, 4, _LAST_COL, ps.PARTY, ps.HEADER_PARTY, ps.CENTER)
    _put(ws, 2, 4, _LAST_COL, letter.place_date, ps.HEADER_ITALIC, ps.CENTER)
    _put(ws, 7, 1, _LAST_COL, letter.recipient, ps.HEADER_BOLD, ps.CENTER)
    _fit(ws, 7, letter.recipient, _width(1, _LAST_COL), 13)
    row = 9
    _paragraph(ws, row, letter.intro)
    row += 2
    for col, (header, _) in enumerate(_COLUMNS, 1):
        cell = write_value(ws, row, col, header)
        cell.font, cell.fill, cell.border, cell.alignment = ps.BODY_BOLD, ps.HEAD_FILL, ps.GRID, ps.CENTER
    ws.print_title_rows = f"{row}:{row}"
    for number, item in enumerate(letter.rows, 1):
        row += 1
        values = (number, item.severity.label, item.where, item.message, item.fix)
        for col, value in enumerate(values, 1):
            cell = write_value(ws, row, col, value)  # text from a unit file stays text, never a formula
            cell.font, cell.border = ps.BODY, ps.GRID
            cell.alignment = ps.TOP_CENTER if col <= 2 else ps.TOP_LEFT
        ws.cell(row, 2).fill = FILLS[item.severity]
        lines = max(_lines(str(v), _COLUMNS[c][1]) for c, v in enumerate(values))
        ws.row_dimensions[row].height = 16 * lines + 4
    row += 2
    _paragraph(ws, row, letter.closing)
    row += 2
    _put(ws, row, 1, 2, letter.copies, ps.BODY_ITALIC, ps.TOP_LEFT, rows=len(letter.copies.split("\n")))
    for offset, line in enumerate(letter.signer):
        _put(ws, row + offset, 3, _LAST_COL, line, ps.HEADER_BOLD, ps.CENTER)
    last = row + max(len(letter.copies.split("\n")), len(letter.signer) + 4)
    _put(ws, last, 3, _LAST_COL, ps.SIGNATURE_PLACEHOLDER, ps.HEADER_BOLD, ps.CENTER)
    ws.sheet_view.showGridLines = False
    ps.print_a4(ws)
    ws.print_area = f"A1:{get_column_letter(_LAST_COL)}{last}"


def _put(ws: Worksheet, row: int, first_col: int, last_col: int, text: str, font: Font, align: Alignment,
         rows: int = 1) -> None:
    if last_col > first_col or rows > 1:
        ws.merge_cells(start_row=row, start_column=first_col, end_row=row + rows - 1, end_column=last_col)
    cell = put_text(ws.cell(row, first_col), text)
    cell.font, cell.alignment = font, align


def _paragraph(ws: Worksheet, row: int, text: str) -> None:
    _put(ws, row, 1, _LAST_COL, text, ps.HEADER, ps.JUSTIFY)
    _fit(ws, row, text, _width(1, _LAST_COL), 13)


def _width(first_col: int, last_col: int) -> float:
    return float(sum(width for _, width in _COLUMNS[first_col - 1:last_col]))


def _lines(text: str, width: float, size: float = 12) -> int:
    """Wrapped lines of ``text`` in a column ``width`` characters wide (an estimate that errs long)."""
    per_line = max(width * 12.0 / size * 1.05, 4.0)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _fit(ws: Worksheet, row: int, text: str, width: float, size: float) -> None:
    ws.row_dimensions[row].height = _lines(text, width, size) * size * 1.4 + 4


def place_text(finding: Finding) -> str:
    """Where a finding is, as a unit reads it in a letter: ``trang Đăng ký, ô C29`` (no Excel quoting)."""
    return finding.unit_location


def letter_rows(findings: Iterable[Finding], where: dict[Finding, str] | None = None) -> tuple[LetterRow, ...]:
    """Letter lines for findings, most severe first; ``where`` overrides a finding's place text."""
    ordered = sorted(findings, key=Finding.sort_key)
    return tuple(LetterRow(f.severity, (where or {}).get(f, place_text(f)), f.message, f.fix) for f in ordered)
