"""``xlplan report DIR [--pdf] [--docx] [--period P]``: refresh the city workbook's Báo cáo sheet, and print it.

The Báo cáo sheet is filled by consolidation (the opening paragraph, section
I generated from the figures, the seeds of sections II and III, the appendix
of key indicators), so refreshing it means consolidating again: the figures
in a report can never lag behind the inbox. With ``pdf`` the sheet alone is
printed, in the Party document layout it carries (Hướng dẫn 36-HD/VPTW), A4
portrait, to ``KetQua/BaoCao_<year>.pdf`` through LibreOffice. With ``docx``
the same report — read back from the sheet, so the Board's own text in II and
III, the number, date and recipients are in it — is written as an editable
Word document, ``KetQua/BaoCao_<year>.docx``.

``period`` (``2017-Q2``, ``2017-6T``, ``2017``) makes the report one for that
period: section I counts admissions and submission discipline up to the
period's end, the title carries the period, the files are named after it
(``BaoCao_2017-Q2.pdf``). The as-of date still decides what is due.

Where LibreOffice is missing the workbook (and the .docx) is still written;
the error says so and how to install LibreOffice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..core import report_sections as rs
from ..core.errors import XlplanError
from ..core.rollup import Consolidation
from ..core.summary_tables import REPORT_CELLS, summary_tables
from ..io.city_workbook import load_city_workbook, read_named_values
from ..io.libreoffice import LibreOfficeMissing
from ..io.report_docx import write_report_docx
from ..io.report_pdf import sheet_pdf
from .consolidate import ConsolidationResult, WriteOutcome, audited_run, save_summary
from .workspace import Workspace

Progress = Callable[[int, int], None]

REPORT_SHEET = "Báo cáo"


@dataclass
class ReportResult:
    """The refreshed workbook, the PDF and the .docx when asked for, and the consolidation behind them."""

    workbook: Path
    pdf: Path | None
    result: ConsolidationResult
    docx: Path | None = None
    period: rs.ReportPeriod | None = None

    @property
    def paragraph(self) -> str:
        return self.result.consolidation.paragraph

    @property
    def exit_code(self) -> int:
        """The consolidation's :class:`~xlplan.core.findings.Report` decides (1 on errors)."""
        return self.result.report.exit_code


def _stem(year: int, period: rs.ReportPeriod | None) -> str:
    return f"BaoCao_{period.code if period is not None else year}"


def pdf_path(output: Path, year: int, period: rs.ReportPeriod | None = None) -> Path:
    """Where the printed report goes: ``<output folder>/BaoCao_<year>.pdf`` (``BaoCao_2017-Q2.pdf`` for a period)."""
    return Path(output) / f"{_stem(year, period)}.pdf"


def docx_path(output: Path, year: int, period: rs.ReportPeriod | None = None) -> Path:
    """Where the editable report goes: ``<output folder>/BaoCao_<year>.docx``."""
    return Path(output) / f"{_stem(year, period)}.docx"


def refresh_report(root: Path, pdf: bool = False, engine: str | None = None,
                   progress: Progress | None = None, *, as_of: dt.date | None = None, docx: bool = False,
                   period: str | None = None) -> ReportResult:
    """Re-consolidate ``root`` (which rewrites the Báo cáo sheet); with ``pdf`` print it, with ``docx`` write it.

    ``period`` (text as typed: ``2017-Q2``, ``2017-6T``, ``2017``) makes the
    report one for that period of the plan year. Raises
    :class:`~xlplan.core.report_sections.ReportPeriodError` for a period it
    cannot read or of another year (before anything is written), and
    :class:`LibreOfficeMissing` (after the workbook and the .docx are written)
    when LibreOffice is not installed; its message says what was written and
    how to install LibreOffice.
    """
    chosen = rs.parse_report_period(period) if period else None

    def write(ws: Workspace, consolidation: Consolidation) -> WriteOutcome:
        if chosen is None:
            return save_summary(ws, consolidation)
        if chosen.year != ws.plan.year:
            raise rs.ReportPeriodError(f"Kỳ báo cáo '{period}' không thuộc năm kế hoạch {ws.plan.year}.")
        cells = {**consolidation.cells, **rs.section_cells(ws.plan, consolidation.tables, chosen)}
        return save_summary(ws, dataclasses.replace(consolidation, cells=cells))

    result = audited_run(Path(root), write, engine, progress, command="report", as_of=as_of)
    ws = result.workspace  # the folder as the consolidation opened it: not opened again
    assert ws is not None
    written = docx_path(ws.output, ws.plan.year, chosen) if docx else None
    if written is not None:
        write_report_docx(report_document(result.workbook, ws, result.consolidation), written)
    if not pdf:
        return ReportResult(result.workbook, None, result, written, chosen)
    target = pdf_path(ws.output, ws.plan.year, chosen)
    try:
        printed = sheet_pdf(result.workbook, REPORT_SHEET, target)
    except LibreOfficeMissing as exc:
        also = f" và tệp Word '{written.name}'" if written is not None else ""
        raise LibreOfficeMissing(f"Đã cập nhật trang {REPORT_SHEET} của sổ tổng hợp '{result.workbook}'{also}, "
                                 f"nhưng chưa xuất được tệp PDF. {exc}") from None
    return ReportResult(result.workbook, printed, result, written, chosen)


def report_document(workbook: Path, ws: Workspace, consolidation: Consolidation) -> rs.ReportDocument:
    """The report as the written workbook's Báo cáo sheet holds it, with the key figures as its appendix."""
    try:
        wb = load_city_workbook(workbook, keep_tables=())
    except (OSError, ValueError, KeyError) as exc:
        raise XlplanError(f"Không đọc lại được sổ tổng hợp '{workbook}' để viết báo cáo Word: {exc}") from None
    names = (*REPORT_CELLS, *rs.GENERATED_CELLS, *rs.BOARD_CELLS)
    cells = read_named_values(wb, names)
    spec = summary_tables(ws.plan)["tbl_bao_cao"]
    rows = consolidation.tables.get("tbl_bao_cao", [])
    return rs.report_document(cells, spec.title, [c.header for c in spec.columns],
                              [[row.get(c) for c in spec.column_ids] for row in rows])
