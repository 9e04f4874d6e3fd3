"""``xlplan status DIR``: who has sent what, who is late, who is missing."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..core.indicators import format_date, format_percent
from .consolidate import compute
from .workspace import open_workspace


def submission_status(root: Path, form_id: str | None = None, period: str | None = None,
                      as_of: dt.date | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Tracking rows and completeness rates, from the inbox as it is now (nothing is written).

    ``as_of`` (the as-of date, ``--as-of``) decides which pairs are due; without
    it, the folder's own (Cấu hình, else the day of the run) does. A pair not due
    yet is ``Chưa đến hạn`` and counts in no rate.
    """
    from ..core.periods import Period

    ws = open_workspace(root)
    wanted = str(Period.parse(period)) if period else None
    track = [(form_id, wanted)] if form_id and wanted else []
    result, _ = compute(ws, track=track) if as_of is None else compute(ws, track=track, as_of=as_of)

    def keep(row: dict[str, Any]) -> bool:
        return (form_id is None or row["bieu"] == form_id) and (wanted is None or row["ky"] == wanted)

    rows = [dict(r) for r in result.tables["tbl_theo_doi"] if keep(r)]
    for row in rows:
        for column in ("han_nop", "ngay_sua_cuoi"):  # a date, or None (no deadline; no correction)
            day = row.get(column)
            row[column] = format_date(day) if isinstance(day, dt.date) else ""
    rates = [dict(r) for r in result.tables["tbl_ty_le_nop"] if keep(r)]
    for rate in rates:
        rate["ty_le_day_du_text"] = format_percent(_share(rate["ty_le_day_du"]), ws.plan.share_digits)
        rate["ty_le_dung_han_text"] = format_percent(_share(rate["ty_le_dung_han"]), ws.plan.share_digits)
    return rows, rates


def _share(value: object) -> Fraction | None:
    """A rate of ``tbl_ty_le_nop``: an exact share, or None when there is nothing to count yet."""
    if value is None or isinstance(value, Fraction):
        return value
    raise TypeError(f"tbl_ty_le_nop holds a share as a Fraction or None, not {value!r}")
