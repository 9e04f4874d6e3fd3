"""``xlplan status --can-nhac``: the units to call — not submitted, unreadable, with errors — and their contact.

The list comes from the inbox as it is now (nothing is written to the city
workbook; consolidation and the ribbon's «Theo dõi nộp báo cáo» write the
same list on the Theo dõi nộp sheet). For the pairs due at the as-of date it
names each unit once, with everything to ask of it and the contact the
registry holds, sorted by kind of unit; printed on A4 to
``KetQua/DanhSachCanNhac_<as-of date>.pdf`` through LibreOffice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..core.call_list import call_rows, call_table
from ..core.indicators import format_date
from ..io.report_pdf import table_pdf
from .consolidate import compute
from .workspace import Workspace, open_workspace


@dataclass
class CallList:
    """The rows of the call list, the as-of date they were judged at, and the folder."""

    rows: list[dict[str, object]]
    as_of: dt.date
    workspace: Workspace

    @property
    def subtitle(self) -> str:
        return f"(Các biểu đến hạn nộp tính đến ngày {format_date(self.as_of)}; sắp xếp theo loại hình đơn vị)"


def call_list(root: Path, as_of: dt.date | None = None) -> CallList:
    """The units to call for the folder ``root`` at ``as_of`` (else the folder's as-of date, else today)."""
    ws = open_workspace(Path(root))
    result, _ = compute(ws) if as_of is None else compute(ws, as_of=as_of)
    day = ws.as_of or dt.date.today()
    return CallList(call_rows(ws.plan, result.tables), day, ws)


def pdf_path(output: Path, as_of: dt.date) -> Path:
    """``<output folder>/DanhSachCanNhac_<yyyy-mm-dd>.pdf``."""
    return Path(output) / f"DanhSachCanNhac_{as_of.isoformat()}.pdf"


def print_call_list(found: CallList, target: Path | None = None) -> Path:
    """Print the call list on A4 (LibreOffice); returns the PDF. Raises ``LibreOfficeMissing`` without it."""
    plan = found.workspace.plan
    spec = call_table()
    return table_pdf(spec.title, found.subtitle, spec, found.rows,
                     target or pdf_path(found.workspace.output, found.as_of), header=(plan.superior, plan.issuer))
