"""Workbook readers: one small class per engine behind :class:`WorkbookReader`.

``open_workbook(path)`` sniffs the file by its content and opens it with
calamine (the fast path) or the engine named; ``ENGINES`` lists the engines
for Office Open XML so tests can run every check on every engine. A legacy
.xls is read by :class:`XlsReader` whatever the engine (``FORMAT_READERS``):
only xlrd reads the defined names of the BIFF format. Inside
``reading(path)`` every reader and check of that file shares one read of its
bytes (:mod:`.file_package`).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl.xml

from ...core.errors import XlplanError
from .base import (Encrypted, Limits, NotAWorkbook, ReaderError, TooLarge, UnsupportedFormat,
                   WorkbookReader)
from .calamine_engine import CalamineReader
from .openpyxl_engine import OpenpyxlReader
from .file_package import Package, package, reading
from .sniff import sniff
from .xls_engine import XlsReader

ENGINES: dict[str, type[WorkbookReader]] = {
    "openpyxl": OpenpyxlReader,
    "calamine": CalamineReader,
}
DEFAULT_ENGINE = "calamine"
# Formats read by one reader whatever engine is asked for (sniff's answer → reader).
FORMAT_READERS: dict[str, type[WorkbookReader]] = {
    "xls": XlsReader,
}

__all__ = ["DEFAULT_ENGINE", "ENGINES", "FORMAT_READERS", "Encrypted", "Limits", "NotAWorkbook",
           "Package", "ReaderError", "TooLarge", "UnsupportedFormat", "WorkbookReader", "XlsReader",
           "open_workbook", "package", "reading", "require_defused_xml", "sniff"]


def require_defused_xml() -> None:
    """Refuse to read unit files unless openpyxl parses XML through defusedxml.

    Unit files are untrusted; an openpyxl that fell back to the standard library
    parser would expand entities. Raised as :class:`XlplanError` (for the face to
    show), checked before reading anything.
    """
    if not getattr(openpyxl.xml, "DEFUSEDXML", False):
        raise XlplanError("Không thể đọc tệp an toàn: thư viện openpyxl không dùng defusedxml. "
                          "Cài lại xlplan (pip install defusedxml) rồi chạy lại.")


def open_workbook(path: str | Path | Package, engine: str | None = None, limits: Limits | None = None,
                  kind: str | None = None) -> WorkbookReader:
    """An open, read-only reader for ``path``; ``kind`` is the format the caller's sniff found
    (then the file is not sniffed again), else it is sniffed here with ``limits``.

    Raises ValueError for an unknown engine name (a programming mistake), and a
    :class:`ReaderError` (:class:`NotAWorkbook`, :class:`UnsupportedFormat`,
    :class:`Encrypted`, :class:`TooLarge`) for files no engine should try.
    """
    name = engine or DEFAULT_ENGINE
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    require_defused_xml()
    pkg = package(path)  # one read of the file for the sniff and the engine (see .file_package)
    kind = kind or sniff(pkg, limits)
    reader = FORMAT_READERS.get(kind, ENGINES[name])
    return reader(pkg)
