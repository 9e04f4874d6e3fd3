"""Recalculating workbooks in LibreOffice, for tests that check formulas as a user's Excel would.

openpyxl writes formulas without results; these helpers let LibreOffice compute them and
save the workbook back as .xlsx, so the readers (and the tests) see the values a unit
without the add-in sees on screen. The product never needs this: it reads values, and
converts only the report (:func:`xlplan.io.libreoffice.to_pdf`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from xlplan.io.libreoffice import convert_many

XLSX_FILTER = "Calc MS Excel 2007 XML"


def recalculate(path: str | Path, out_path: str | Path, timeout: float = 120) -> Path:
    """Open a workbook in LibreOffice, recalculate ALL formulas, save it as .xlsx at ``out_path``.

    openpyxl writes formulas without results and other programs may leave stale
    ones; after this every formula cell carries the value LibreOffice computed,
    which is what a unit without the add-in sees on screen. ``out_path`` may be
    ``path`` itself.
    """
    out = Path(out_path)
    with tempfile.TemporaryDirectory(prefix="xlplan-recalc-") as work:
        produced = recalculate_many([path], work, timeout)[0]
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), str(out))
    return out


def recalculate_many(paths: Sequence[str | Path], out_dir: str | Path, timeout: float = 120) -> list[Path]:
    """:func:`recalculate` for many workbooks in one LibreOffice run; results are ``out_dir/<stem>.xlsx``."""
    return convert_many(paths, f"xlsx:{XLSX_FILTER}", out_dir, timeout)
