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
import functools
import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Iterable

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from .file_package import Package, package

MAX_ROW = 1_048_576
MAX_COLUMN = 16_384  # XFD
_CELL_RE = re.compile(r"^([A-Za-z]{1,3})([1-9][0-9]{0,6})$")


class ReaderError(Exception):
    """A file no engine should try to read; ``reason`` is Vietnamese, for the finding.

    ``code`` is the finding code the refusal becomes, so that every caller
    (the form reader, the intake's pre-checks) names the same refusal the same way.
    """

    code: ClassVar[str] = "file-unreadable"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def params(self) -> dict[str, str]:
        """The finding parameters of this refusal (the catalogue templates' placeholders)."""
        return {"reason": self.reason}


class NotAWorkbook(ReaderError):
    """Empty, truncated, random bytes, or a zip that holds no spreadsheet."""


class UnsupportedFormat(ReaderError):
    """A spreadsheet in a format the readers refuse (.xlsb, .ods, HTML saved as .xls …)."""

    code: ClassVar[str] = "format-unsupported"

    def __init__(self, reason: str, format: str):
        super().__init__(reason)
        self.format = format

    def params(self) -> dict[str, str]:
        return {"reason": self.reason, "format": self.format}


class Encrypted(UnsupportedFormat):
    """A file with an opening password (encrypted OOXML or an encrypted .xls): nothing to read without it."""

    code: ClassVar[str] = "file-encrypted"


class TooLarge(ReaderError):
    """A file (or a part inside it) beyond :class:`Limits`: refused before anything is inflated."""

    code: ClassVar[str] = "file-too-large"


@dataclass(frozen=True)
class Limits:
    """How much one unit file may ask of the reader; a form is a few hundred kilobytes.

    The zip checks use the sizes the zip directory declares, before inflating
    anything; a directory that lies is caught by the worker process limits
    (``memory_bytes`` of address space beyond the worker's start, ``seconds`` per file).
    """

    file_bytes: int = 64 * 1024 * 1024
    zip_members: int = 10_000
    member_bytes: int = 256 * 1024 * 1024
    total_bytes: int = 512 * 1024 * 1024
    ratio: float = 200.0  # uncompressed / compressed, for members above ratio_floor
    ratio_floor: int = 8 * 1024 * 1024
    memory_bytes: int = 384 * 1024 * 1024
    seconds: float = 4.0


class WorkbookReader(ABC):
    """One open workbook, read-only. Values come back through :func:`normalize`.

    Engines never evaluate formulas: a formula cell gives the value last saved
    with it, or ``None`` when the file has none. ``path`` may be the file's
    :class:`~.file_package.Package` (as :func:`open_workbook` passes it): the
    engine then reads the bytes the sniff read, never the file again.
    """

    engine: ClassVar[str] = ""

    def __init__(self, path: str | Path | Package):
        self.package = package(path)  # nothing is read until an engine asks for the bytes
        self.path = self.package.path

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


@functools.lru_cache(maxsize=4096)  # every form of a kind asks for the same few dozen cells
def split_cell(cell: str) -> tuple[int, int]:
    """``"C12"`` → (row 12, column 3), both 1-based; ValueError outside the sheet grid."""
    match = _CELL_RE.match(cell)
    if not match:
        raise ValueError(f"not a cell address: {cell!r}")
    column = column_index_from_string(match[1].upper())
    row = int(match[2])
    if column > MAX_COLUMN or row > MAX_ROW:
        raise ValueError(f"cell outside the sheet: {cell!r}")
    return row, column


def cell_address(row: int, column: int) -> str:
    """(12, 3) → ``"C12"``."""
    return f"{get_column_letter(column)}{row}"
