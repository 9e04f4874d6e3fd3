"""The fonts behind cell text: which font each cell, and each rich-text run of it, is typed in.

The value engines (calamine, openpyxl read-only) give a cell's text but not its
font, and a legacy Vietnamese font (``.VnTime``, ``VNI-Times``) is the only sure
sign that text such as "Hoµ Long" means "Hoà Long". This module reopens the
workbook with openpyxl in full mode, which keeps rich text, and returns each
asked-for cell as runs ``(text, font name)``. It is only called for the few
cells whose text passed :func:`xlplan.core.legacy_text.may_be_legacy`, so an
ordinary form never pays for the second opening.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from typing import Iterable

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock

from .openpyxl_engine import _unescape
from .file_package import Package, package

Run = tuple[str, str | None]


# A font element naming a legacy font: <name val=".VnTime"/> in styles, <rFont val="VNI-Times"/> in runs.
_LEGACY_FONT = re.compile(rb'val\s*=\s*["\'](?:\.vn|vni[- ])', re.IGNORECASE)
_FONT_PARTS = ("xl/styles.xml", "xl/sharedStrings.xml")


def declares_legacy_font(path: str | Path | Package) -> bool:
    """Whether the workbook names a legacy font anywhere a cell could use it.

    No cell can be typed in ``.VnTime`` unless the styles or the rich-text runs
    name it, so a workbook without one skips the full reopening (most forms).
    When the parts cannot be read we cannot tell, and say yes. Inside
    :func:`~.file_package.reading` the parts come from the bytes already read (a
    part whose head the sniff inflated is inflated on from there).
    """
    try:
        pkg = package(path)
        return any(_LEGACY_FONT.search(pkg.read(info)) for info in font_parts(pkg.infolist()))
    except Exception:  # noqa: BLE001 - unknown, so look properly
        return True


def font_parts(infos: Iterable[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The directory entries :func:`declares_legacy_font` reads whole: the styles and shared strings,
    matched case-insensitively, the last entry of a name winning (as in ``ZipFile.getinfo``)."""
    names = {info.filename.casefold(): info for info in infos}
    return [names[part.casefold()] for part in _FONT_PARTS if part.casefold() in names]


def read_runs(path: str | Path | Package, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Run]]:
    """Runs ``(text, font name)`` of each ``(sheet, "C12")`` that holds text; empty when unreadable.

    A plain text cell is one run in the cell's font; a rich-text cell gives one
    run per part, a part without its own font taking the cell's. Never raises:
    a file the value engine could read but this one cannot simply gets no font
    signal (the caller then falls back on the text alone).
    """
    wanted = list(dict.fromkeys(cells))
    if not wanted:
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dropped extensions are not findings
            # From the bytes already read (inside reading(), the file is not opened again).
            book = openpyxl.load_workbook(package(path).stream(), read_only=False, data_only=True,
                                          keep_links=False, rich_text=True)
    except Exception:  # noqa: BLE001 - no font signal, never a crash
        return {}
    try:
        out: dict[tuple[str, str], list[Run]] = {}
        for sheet, address in wanted:
            if sheet not in book.sheetnames:
                continue
            worksheet = book[sheet]
            if not hasattr(worksheet, "cell"):  # a chart sheet
                continue
            runs = _runs(worksheet[address])
            if runs:
                out[(sheet, address)] = runs
        return out
    except Exception:  # noqa: BLE001
        return {}
    finally:
        book.close()


def _runs(cell: object) -> list[Run]:
    value = getattr(cell, "value", None)
    font = getattr(getattr(cell, "font", None), "name", None)
    if isinstance(value, CellRichText):
        runs: list[Run] = []
        for part in value:
            if isinstance(part, TextBlock):
                own = getattr(part.font, "rFont", None)
                runs.append((str(_unescape(part.text)), own or font))
            else:
                runs.append((str(_unescape(part)), font))
        return runs
    if isinstance(value, str):
        return [(str(_unescape(value)), font)]
    return []
