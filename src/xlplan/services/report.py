"""``xlplan report DIR [--pdf]``: refresh the city workbook's Báo cáo sheet, and print it.

The Báo cáo sheet is filled by consolidation (the narrative paragraphs and
the appendix of key indicators), so refreshing it means consolidating again:
the figures in a report can never lag behind the inbox. With ``pdf`` the
sheet alone is printed, in the Party document layout it carries, A4
portrait, to ``KetQua/BaoCao_<year>.pdf`` through LibreOffice.

Where LibreOffice is missing the workbook is still refreshed; the error says
so and how to install LibreOffice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..io.libreoffice import LibreOfficeMissing
from ..io.report_pdf import sheet_pdf
from .consolidate import ConsolidationResult, consolidate_folder

Progress = Callable[[int, int], None]

REPORT_SHEET = "Báo cáo"


@dataclass
class ReportResult:
    """The refreshed workbook, the PDF when asked for, and the consolidation behind them."""

    workbook: Path
    pdf: Path | None
    result: ConsolidationResult

    @property
    def paragraph(self) -> str:
        return self.result.consolidation.paragraph

    @property
    def exit_code(self) -> int:
        """The consolidation's :class:`~xlplan.core.findings.Report` decides (1 on errors)."""
        return self.result.report.exit_code


def pdf_path(output: Path, year: int) -> Path:
    """Where the printed report goes: ``<output folder>/BaoCao_<year>.pdf``."""
    return Path(output) / f"BaoCao_{year}.pdf"


def refresh_report(root: Path, pdf: bool = False, engine: str | None = None,
                   progress: Progress | None = None, *, as_of: dt.date | None = None) -> ReportResult:
    """Re-consolidate ``root`` (which rewrites the Báo cáo sheet) and, with ``pdf``, print that sheet.

    Raises :class:`LibreOfficeMissing` (after the workbook is refreshed) when
    LibreOffice is not installed; its message says the workbook was refreshed
    and how to install LibreOffice.
    """
    result = consolidate_folder(Path(root), engine=engine, progress=progress, as_of=as_of)
    if not pdf:
        return ReportResult(result.workbook, None, result)
    ws = result.workspace  # the folder as the consolidation opened it: not opened again
    assert ws is not None
    target = pdf_path(ws.output, ws.plan.year)
    try:
        printed = sheet_pdf(result.workbook, REPORT_SHEET, target)
    except LibreOfficeMissing as exc:
        raise LibreOfficeMissing(f"Đã cập nhật trang {REPORT_SHEET} của sổ tổng hợp '{result.workbook}', "
                                 f"nhưng chưa xuất được tệp PDF. {exc}") from None
    return ReportResult(result.workbook, printed, result)
