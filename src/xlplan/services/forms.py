"""Jobs around the unit forms: generate them for the registry, write the blank templates, describe them.

The Organization Board sends each of ~80 units its own form per period; the
files are named ``<mã>_<biểu>_<kỳ>.xlsx`` so replies can be filed without
opening them. A thousand forms must take seconds, so on Linux generation runs
in several processes when there are many.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from fractions import Fraction
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..core.carry_forward import CARRIED_FORM, Prefilled, Report, carry_forward
from ..core.errors import XlplanError
from ..core.forms import FORM_IDS, Check, FormSpec, Ratio, Total, form_spec
from ..core.periods import Period
from ..core.plan import Plan, check_period
from ..core.registry import Unit
from ..io import form_writer
from ..io.audit_store import AuditStore, StoredValue
from ..io.excel_formulas import render

class FormsError(XlplanError, ValueError):
    """A request for forms that cannot be met (unknown or duplicate unit codes)."""


# Below this many forms a process pool costs more than it saves.
_PARALLEL_FROM = 40


def form_file_name(unit_code: str, form_id: str, period: Period | str) -> str:
    """``P_VUNINH_F02_2017-01.xlsx``."""
    return form_writer.form_file_name(unit_code, form_id, period)


def make_forms(plan: Plan, units: Sequence[Unit], form_id: str, period: Period | str, out_dir: str | os.PathLike[str],
               codes: Iterable[str] | None = None,
               values_by_unit: Mapping[str, Mapping[str, Any]] | None = None,
               workers: int | None = None,
               carried_by_unit: Mapping[str, Mapping[str, Prefilled]] | None = None) -> list[Path]:
    """Write one form per unit (or per unit in ``codes``) into ``out_dir``; returns the paths.

    ``carried_by_unit`` prefills each unit's opening figures (:func:`carried_forward`).

    Raises ValueError (Vietnamese) for a period the form does not take, unknown
    codes or duplicate unit codes. ``workers`` processes share the work (by
    default up to the CPU count when there are many forms); the files are the
    same bytes whatever the number.
    """
    spec = form_spec(form_id, plan)
    parsed = check_period(plan, spec.id, period)
    by_code: dict[str, Unit] = {}
    for unit in units:
        if unit.code in by_code:
            raise FormsError(f"Mã đơn vị '{unit.code}' bị trùng trong danh mục đơn vị")
        by_code[unit.code] = unit
    if codes is None:
        chosen = list(by_code.values())
    else:
        wanted = list(dict.fromkeys(codes))
        unknown = [c for c in wanted if c not in by_code]
        if unknown:
            raise FormsError(f"Không có đơn vị mã {', '.join(unknown)} trong danh mục đơn vị")
        chosen = [by_code[c] for c in wanted]
    values_by_unit = values_by_unit or {}
    stray = [c for c in values_by_unit if c not in by_code]
    if stray:
        raise FormsError(f"Có số liệu cho đơn vị không có trong danh mục: {', '.join(stray)}")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    carried = carried_by_unit or {}
    jobs = [(folder / form_file_name(u.code, spec.id, parsed), u, values_by_unit.get(u.code), carried.get(u.code))
            for u in chosen]
    count = _worker_count(workers, len(jobs))
    if count <= 1:
        return [form_writer.write_form(path, spec, plan, unit, parsed, values, carried=prefill)
                for path, unit, values, prefill in jobs]
    chunks = [jobs[i::count] for i in range(count)]
    with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork")) as pool:
        done = pool.map(_write_chunk, [(spec, plan, parsed, chunk) for chunk in chunks])
        list(done)  # re-raise the first error, if any
    return [path for path, _, _, _ in jobs]


def _worker_count(workers: int | None, jobs: int) -> int:
    """Processes to use. Only where ``fork`` is safe (Linux): a spawned pool would re-import
    the host program, which inside Excel (xlwings on Windows) is not a script."""
    if not sys.platform.startswith("linux"):
        return 1
    if workers is not None:
        return max(1, min(workers, jobs))
    if jobs < _PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, 4, jobs // (_PARALLEL_FROM // 2)))


_Job = tuple[Path, Unit, Mapping[str, Any] | None, Mapping[str, Prefilled] | None]


def _write_chunk(task: tuple[FormSpec, Plan, Period, list[_Job]]) -> int:
    spec, plan, period, jobs = task
    for path, unit, values, carried in jobs:
        form_writer.write_form(path, spec, plan, unit, period, values, carried=carried)
    return len(jobs)


def carried_forward(audit: Path, plan: Plan, form_id: str, period: Period | str
                    ) -> dict[str, dict[str, Prefilled]]:
    """For each unit, the figures of ``form_id`` for ``period`` that its consolidated reports determine.

    Read from the working folder's audit store (``audit``): the files the last
    consolidation used, with the values stored for them. Empty when nothing
    was consolidated yet or the form carries nothing (only F02 does).
    """
    spec = form_spec(form_id, plan)
    parsed = check_period(plan, spec.id, period)
    if form_id != CARRIED_FORM or not audit.is_file():
        return {}
    reports: dict[str, list[Report]] = {}
    with AuditStore(audit) as store:
        run = store.last_run()
        if run is None:
            return {}
        for row in store.inputs(run["id"]):
            if row["state"] != "used" or not row["unit"] or not row["sha256"] or not row["period"]:
                continue
            try:
                report_period = Period.parse(row["period"])
            except ValueError:
                continue
            values = {name: _number(stored) for name, stored in store.values(row["sha256"]).items()}
            reports.setdefault(row["unit"], []).append(Report(row["form"], report_period, values))
    out = {}
    for unit, unit_reports in reports.items():
        figures = carry_forward(form_id, parsed, unit_reports)
        if figures:
            out[unit] = figures
    return out


def _number(stored: StoredValue) -> int | Fraction | None:
    """A stored whole number or fraction; anything else (text, dates, floats) is not carried."""
    if stored.value is None:
        return None
    if stored.kind == "int":
        return int(stored.value)
    if stored.kind == "fraction":
        return Fraction(stored.value)
    return None


def make_templates(plan: Plan, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the blank forms ``F01.xlsx``, ``F02.xlsx``, ``F03.xlsx`` (identity left for the unit)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return [form_writer.write_form(folder / f"{form_id}.xlsx", form_spec(form_id, plan), plan)
            for form_id in FORM_IDS]


def describe_form(spec: FormSpec) -> list[dict[str, Any]]:
    """Every field and derived indicator of a form as plain rows (for ``forms describe`` and docs)."""
    rows: list[dict[str, Any]] = []
    for group in spec.groups:
        for item in group.fields:
            rows.append({
                "id": item.id, "label": item.label, "type": item.type, "constraints": item.constraints,
                "group": group.title, "required": item.required, "locked": item.locked,
            })
    for derived in spec.derived:
        rows.append({
            "id": derived.id, "label": derived.label, "type": "derived", "kind": _kind(derived),
            "constraints": "", "group": form_writer.DERIVED_TITLE, "required": False, "locked": True,
            "formula": render(derived),
        })
    return rows


def _kind(derived: Total | Ratio | Check) -> str:
    if isinstance(derived, Total):
        return "total"
    if isinstance(derived, Ratio):
        return "ratio"
    return "check"
