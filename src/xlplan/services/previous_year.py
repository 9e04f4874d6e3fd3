"""Last year's working folder as this year's baseline (``xlplan init TH2018 --previous TH2017``).

The previous year's figures (the comparison columns, the "năm trước" paragraph)
need no re-collection when last year was run with xlplan: its last
consolidation's audit store lists the files it used and the values it read
from them (each with its cell), the archive holds their bytes, and its city
workbook names its plan file. The values are taken from the store as last
year's consolidation read them with *last year's* plan and rating scale (a
file without stored values is read again from the archive with that plan),
and rolled up with the same rules (:func:`xlplan.core.unit_year.year_figures`).

The link is the Cấu hình cell «Thư mục làm việc năm trước» (``cfg_nam_truoc``),
holding the previous folder's path (relative to this folder when it lies beside
it, :func:`link_text`), so the Board can see, change or empty it; every
consolidation reads the previous folder afresh, so a correction made there
reaches this year's baseline.
"""

from __future__ import annotations

import datetime as dt
import os
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

from ..core.errors import XlplanError
from ..core.periods import Period, PeriodError
from ..core.plan import Plan
from ..core.narrative import PreviousYear
from ..core.unit_year import year_figures
from ..core.submission import CellValue, Submission
from ..core.tracking import SubmissionKey
from ..io.audit_store import AuditStore, StoredValue
from ..io.intake import read_many
from .workspace import open_workspace

SETTING = "cfg_nam_truoc"  # the Cấu hình cell naming last year's folder


def link_text(root: Path, previous: Path) -> str:
    """What the Cấu hình cell holds for ``previous``: relative to ``root`` when it can be (folders side by side)."""
    target = previous.resolve()
    try:
        return os.path.relpath(target, Path(root).resolve())
    except ValueError:  # another drive (Windows)
        return str(target)


def linked_folder(root: Path, settings: Mapping[str, object]) -> Path | None:
    """The previous year's folder the Cấu hình cell names (relative to ``root``), or None when it is empty."""
    value = settings.get(SETTING)
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    path = Path(text)
    return path if path.is_absolute() else (root / path)


def previous_of(root: Path, plan: Plan, settings: Mapping[str, object], engine: str | None = None
                ) -> PreviousYear | None:
    """The baseline from the previous folder the Cấu hình names, or None when it names none."""
    folder = linked_folder(root, settings)
    return None if folder is None else read_previous(folder, plan, engine)


def read_previous(folder: Path, plan: Plan, engine: str | None = None) -> PreviousYear:
    """Last year's figures from its folder, read with its own plan; XlplanError saying what is wrong."""
    if not folder.is_dir():
        raise XlplanError(f"Không có thư mục năm trước '{folder}'.")
    ws = open_workspace(folder)
    last = ws.plan
    if last.year != plan.previous_year:
        raise XlplanError(f"Thư mục '{folder}' là của kế hoạch năm {last.year}, không phải năm trước "
                          f"({plan.previous_year}) của kế hoạch năm {plan.year}.")
    if not ws.audit.is_file():
        raise XlplanError(f"Thư mục năm trước '{folder}' chưa được tổng hợp lần nào (không có {ws.audit.name}): "
                          "hãy chạy «xlplan consolidate» cho thư mục đó trước.")
    latest: dict[SubmissionKey, Submission] = {}
    stubs = []
    with AuditStore(ws.audit) as store:
        run = store.last_run()
        if run is None:
            raise XlplanError(f"Thư mục năm trước '{folder}' chưa có lần tổng hợp nào thành công.")
        for row in store.inputs(run["id"]):
            if row["state"] != "used" or not _of_year(row["period"], last.year) or row["form"] not in ("F02", "F03"):
                continue  # last year's own year: its year-end forms and periodic reports
            stored = store.values(row["sha256"]) if row["sha256"] else {}
            if stored and row["unit"]:  # the values as last year's consolidation read them: nothing re-read
                latest[(row["unit"], row["form"], Period.parse(row["period"]))] = _from_store(row, stored)
            elif row["archived"]:
                stubs.append(Submission(file=row["name_nfc"], source=str(folder / row["archived"]),
                                        archived=str(folder / row["archived"]), sha256=row["sha256"] or ""))
    missing = [s.file for s in stubs if not Path(s.archived).is_file()]
    if missing:
        raise XlplanError(f"Thư mục năm trước '{folder}' thiếu bản lưu của {len(missing)} tệp "
                          f"(ví dụ {missing[0]}) trong thư mục archive.")
    for sub in read_many(stubs, last, ws.registry, engine) if stubs else ():
        if sub.unit and sub.form and sub.period:
            latest[(sub.unit, sub.form, Period.parse(sub.period))] = sub
    baseline = year_figures(latest, list(ws.registry), last)
    return PreviousYear(baseline.city, baseline.kinds, baseline.scales, str(folder))


def _from_store(row: Mapping[str, Any], stored: Mapping[str, StoredValue]) -> Submission:
    """A used input rebuilt from the values its consolidation stored (``cell_values``), with their cells."""
    values = {name: CellValue(name, _decoded(v), v.sheet, v.cell, v.raw) for name, v in stored.items()}
    return Submission(file=row["name_nfc"], form=row["form"], unit=row["unit"], period=row["period"],
                      values=values, sha256=row["sha256"] or "")


def _decoded(stored: StoredValue) -> Any:
    """The value :func:`xlplan.io.audit_store.encode_value` stored, back (lossless for ints, fractions, dates, text)."""
    text, kind = stored.value, stored.kind
    if text is None or kind == "none":
        return None
    if kind == "int":
        return int(text)
    if kind == "fraction":
        return Fraction(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "datetime":
        return dt.datetime.fromisoformat(text)
    if kind == "bool":
        return text == "True"
    if kind == "float":
        return float(text)
    return text


def _of_year(period: str | None, year: int) -> bool:
    try:
        return period is not None and Period.parse(period).year == year
    except PeriodError:
        return False
