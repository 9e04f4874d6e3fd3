"""The reader interface every workbook engine implements, and the value view they share.

In the style of pandas' ``io.excel``: one small class per engine behind one
interface, so the form reader never knows which library opened the file and
the tests can hold the engines to identical results. Engines disagree on small
things (calamine gives ``12.0`` where openpyxl gives ``12``, ``""`` where
openpyxl gives ``None``, a date where openpyxl gives midnight); :func:`normalize`
is where those differences end.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Iterable

MAX_ROW = 1_048_576
MAX_COLUMN = 16_384  # XFD
_CELL_RE = re.compile(r"^([A-Za-z]{1,3})([1-9][0-9]{0,6})$")


class ReaderError(Exception):
    """A file no engine should try to read; ``reason`` is Vietnamese, for the finding."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class NotAWorkbook(ReaderError):
    """Empty, truncated, random bytes, or a zip that holds no spreadsheet."""


class UnsupportedFormat(ReaderError):
    """A spreadsheet in a format the readers refuse (.xls, encrypted, .xlsb, .ods)."""

    def __init__(self, reason: str, format: str):
        super().__init__(reason)
        self.format = format


class WorkbookReader(ABC):
    """One open workbook, read-only. Values come back through :func:`normalize`.

    Engines never evaluate formulas: a formula cell gives the value last saved
    with it, or ``None`` when the file has none.
    """

    engine: ClassVar[str] = ""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @abstractmethod
    def sheet_names(self) -> list[str]:
        """Every sheet, hidden ones included, in workbook order."""

    @abstractmethod
    def defined_names(self) -> dict[str, tuple[str, str]]:
        """Workbook-level names that point at one cell: casefolded name → (sheet, ``"C12"``).

        Excel treats names case-insensitively, hence the casefolded keys. Sheet-local
        names, ranges, ``#REF!`` and constants are left out, never an error.
        """

    @abstractmethod
    def read_cells(self, sheet: str, cells: Iterable[str]) -> dict[str, object]:
        """The normalized values of ``cells`` (``"C12"``) of ``sheet``; KeyError for no such sheet."""

    @abstractmethod
    def close(self) -> None:
        """Release the file."""

    def __enter__(self) -> "WorkbookReader":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def normalize(value: object) -> object:
    """One view of a cell value whichever engine read it.

    ``None`` for empty and blank text (calamine drops whitespace-only strings),
    ``int`` for whole numbers (calamine reads every number as a float), ``date``
    for datetimes at midnight (openpyxl gives datetimes for date cells).
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        return value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date()
        return value
    return value


def split_cell(cell: str) -> tuple[int, int]:
    """``"C12"`` → (row 12, column 3), both 1-based; ValueError outside the sheet grid."""
    match = _CELL_RE.match(cell)
    if not match:
        raise ValueError(f"not a cell address: {cell!r}")
    column = 0
    for letter in match[1].upper():
        column = column * 26 + ord(letter) - 64
    row = int(match[2])
    if column > MAX_COLUMN or row > MAX_ROW:
        raise ValueError(f"cell outside the sheet: {cell!r}")
    return row, column


def cell_address(row: int, column: int) -> str:
    """(12, 3) → ``"C12"``."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"
