"""Workbook readers: one small class per engine behind :class:`WorkbookReader`.

``open_workbook(path)`` sniffs the file and opens it with calamine (the fast
path) or the engine named; ``ENGINES`` lists them so tests can run every check
on every engine.
"""

from __future__ import annotations

from pathlib import Path

from .base import NotAWorkbook, ReaderError, UnsupportedFormat, WorkbookReader
from .calamine_engine import CalamineReader
from .openpyxl_engine import OpenpyxlReader
from .sniff import sniff

ENGINES: dict[str, type[WorkbookReader]] = {
    "openpyxl": OpenpyxlReader,
    "calamine": CalamineReader,
}
DEFAULT_ENGINE = "calamine"

__all__ = ["ENGINES", "DEFAULT_ENGINE", "NotAWorkbook", "ReaderError", "UnsupportedFormat",
           "WorkbookReader", "open_workbook", "sniff"]


def open_workbook(path: str | Path, engine: str | None = None) -> WorkbookReader:
    """An open, read-only reader for ``path``.

    Raises ValueError for an unknown engine name (a programming mistake), and
    :class:`NotAWorkbook` / :class:`UnsupportedFormat` for files no engine should try.
    """
    name = engine or DEFAULT_ENGINE
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    sniff(path)
    return ENGINES[name](path)
