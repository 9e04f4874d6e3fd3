"""Mutations of valid filled forms: what they are, how they are applied, how they are drawn.

One :class:`Mutation` is a data-only change to a valid form file, at workbook level (a cell
set to a value of any type, sheets renamed/deleted/added, defined names deleted/retargeted/
duplicated, ``xlp_*`` metadata changed) or at zip level (members dropped/duplicated/
truncated/corrupted, content types changed, raw bytes flipped). The same :class:`Mutation`
and :func:`apply_mutation` serve the hypothesis tests (``tests/test_fuzz_forms.py``) and the
seeded run of ``python -m tools.reliability`` (:func:`random_mutation`), so both test one
thing; :mod:`.fuzzing` judges what the engines read from a mutant.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import openpyxl
from openpyxl.workbook.defined_name import DefinedName

from xlplan.core.forms import FormSpec, form_spec
from xlplan.core.plan import Plan
from xlplan.core.registry import Unit
from xlplan.io.form_writer import write_form
from xlplan.io.registry import load_registry
from xlplan.services import sample_data

WORKBOOK_KINDS = ("set-cell", "set-meta", "rename-sheet", "delete-sheet", "add-sheet", "delete-name",
                  "retarget-name", "duplicate-name")
ZIP_KINDS = ("drop-member", "duplicate-member", "truncate-member", "corrupt-member", "content-type",
             "truncate-file", "flip-bytes")
KINDS = WORKBOOK_KINDS + ZIP_KINDS
META_KEYS = ("xlp_form", "xlp_version", "xlp_plan", "xlp_plan_year", "xlp_unit", "xlp_period", "xlp_generator")
SEED_PERIODS = {"F01": "2017", "F02": "2016", "F03": "2016"}


@dataclass(frozen=True)
class Mutation:
    """One change to a valid form file; data only, so a failing example prints as a reproducer.

    ``target`` is a field id, sheet name, defined name or zip member; ``value`` the new cell
    value, sheet name, cell reference, byte offset or content type, as the kind needs;
    ``amount`` a size (bytes kept, bytes flipped).
    """

    kind: str
    target: str = ""
    value: Any = None
    amount: int = 0


@dataclass(frozen=True)
class SeedForm:
    """A valid filled form to mutate, with what it reads as."""

    form: str
    path: Path
    values: dict[str, Any]



# -- seed forms -----------------------------------------------------------------------------

def seed_forms(folder: Path, plan: Plan, seed: int = 2017) -> list[SeedForm]:
    """One valid filled F01, F02 (year) and F03 for the first registry unit, written under ``folder``.

    Values come from the demo's sample data so every check holds: a mutation is then the
    only reason for a finding.
    """
    units = tuple(load_registry(plan=plan))
    totals = sample_data.city_totals_2016()
    year_end = sample_data.year_end_values(units, plan, totals, seed)
    annual = sample_data.annual_report_values(units, plan, totals, seed)
    data = {"F01": sample_data.registration_values(units, plan, seed, year_end=year_end, annual=annual),
            "F02": annual, "F03": year_end}
    unit: Unit = units[0]
    out = []
    for form, period in SEED_PERIODS.items():
        path = folder / f"{unit.code}_{form}_{period}.xlsx"
        write_form(path, form_spec(form, plan), plan, unit, period, data[form][unit.code])
        out.append(SeedForm(form, path, dict(data[form][unit.code])))
    return out


def zip_members(path: Path) -> list[str]:
    """Member names of a form file, for zip-level mutations to pick from."""
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


# -- applying mutations ---------------------------------------------------------------------

def apply_mutation(src: Path, dst: Path, mutation: Mutation) -> None:
    """Write ``src`` changed by ``mutation`` to ``dst`` (``src`` is never modified).

    Raises ValueError when the mutation does not apply to this file (unknown target):
    generators draw targets from the file, so that is a generator mistake.
    """
    if mutation.kind in WORKBOOK_KINDS:
        wb = openpyxl.load_workbook(src)
        _WORKBOOK_OPS[mutation.kind](wb, mutation)
        wb.save(dst)
    elif mutation.kind in ("truncate-file", "flip-bytes"):
        data = bytearray(src.read_bytes())
        if mutation.kind == "truncate-file":
            data = data[: max(0, mutation.amount) % (len(data) + 1)]
        else:
            for i in range(max(1, mutation.amount)):
                data[(int(mutation.value or 0) + i * 7919) % len(data)] ^= 0x5A
        dst.write_bytes(bytes(data))
    elif mutation.kind in ZIP_KINDS:
        _rezip(src, dst, mutation)
    else:
        raise ValueError(f"unknown mutation kind {mutation.kind!r}")


def _cell_of(wb: openpyxl.Workbook, name: str) -> Any:
    if name not in wb.defined_names:
        raise ValueError(f"no defined name {name!r}")
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")]


def _set_cell(wb: openpyxl.Workbook, m: Mutation) -> None:
    _cell_of(wb, m.target).value = m.value


def _rename_sheet(wb: openpyxl.Workbook, m: Mutation) -> None:
    wb[m.target].title = str(m.value)


def _delete_sheet(wb: openpyxl.Workbook, m: Mutation) -> None:
    if len(wb.sheetnames) > 1:
        del wb[m.target]
        wb.active = 0


def _add_sheet(wb: openpyxl.Workbook, m: Mutation) -> None:
    ws = wb.create_sheet(str(m.target), index=m.amount % (len(wb.sheetnames) + 1))
    ws["A1"] = m.value


def _delete_name(wb: openpyxl.Workbook, m: Mutation) -> None:
    del wb.defined_names[m.target]


def _retarget_name(wb: openpyxl.Workbook, m: Mutation) -> None:
    wb.defined_names[m.target] = DefinedName(m.target, attr_text=str(m.value))


def _duplicate_name(wb: openpyxl.Workbook, m: Mutation) -> None:
    """A sheet-local name with the same id on the first sheet, pointing elsewhere."""
    first = wb.worksheets[0]
    first.defined_names[m.target] = DefinedName(m.target, attr_text=str(m.value))


_WORKBOOK_OPS: dict[str, Callable[[openpyxl.Workbook, Mutation], None]] = {
    "set-cell": _set_cell, "set-meta": _set_cell, "rename-sheet": _rename_sheet, "delete-sheet": _delete_sheet,
    "add-sheet": _add_sheet, "delete-name": _delete_name, "retarget-name": _retarget_name,
    "duplicate-name": _duplicate_name,
}


def _rezip(src: Path, dst: Path, m: Mutation) -> None:
    """Rewrite the archive member by member with one change (valid zip, CRCs recomputed)."""
    with zipfile.ZipFile(src) as archive:
        items = [(info.filename, archive.read(info)) for info in archive.infolist()]
    if m.kind != "content-type" and m.target not in {name for name, _ in items}:
        raise ValueError(f"no member {m.target!r}")
    out = []
    for name, data in items:
        if name == m.target:
            if m.kind == "drop-member":
                continue
            if m.kind == "duplicate-member":
                out.append((name, data))
            elif m.kind == "truncate-member":
                data = data[: m.amount % (len(data) + 1)]
            elif m.kind == "corrupt-member" and data:
                buf = bytearray(data)
                for i in range(max(1, m.amount)):
                    buf[(int(m.value or 0) + i * 131) % len(buf)] ^= 0x20
                data = bytes(buf)
        if m.kind == "content-type" and name == "[Content_Types].xml":
            data = _retype(data, m.target, str(m.value))
        out.append((name, data))
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # a duplicated member is the point, not a mistake
        for name, data in out:
            with archive.open(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), "w", force_zip64=False) as handle:
                handle.write(data)
    dst.write_bytes(buffer.getvalue())


def _retype(content_types: bytes, part: str, new_type: str) -> bytes:
    """``[Content_Types].xml`` with the override of ``/part`` set to ``new_type`` (added if absent)."""
    text = content_types.decode("utf-8", "replace")
    key = f'PartName="/{part}"'
    start = text.find(key)
    if start >= 0:
        begin = text.find('ContentType="', start)
        end = text.find('"', begin + 13)
        if begin >= 0 and end >= 0 and text.rfind("<", 0, begin) == text.rfind("<", 0, start):
            return (text[: begin + 13] + new_type + text[end:]).encode("utf-8")
    return text.replace("</Types>", f'<Override {key} ContentType="{new_type}"/></Types>').encode("utf-8")



# -- drawing mutations (the seeded run; the tests use hypothesis over the same Mutation) ------

_VALUES: tuple[Callable[[random.Random], Any], ...] = (
    lambda r: r.randint(0, 500), lambda r: -r.randint(1, 10**6), lambda r: r.uniform(-1e6, 1e6),
    lambda r: r.choice([10**20, 1e308, 2**63, -(2**63) - 1, float("1e-300")]),
    lambda r: r.choice(["12", " 1.234 ", "1.234.567", "3,5", "86%", "abc", "", "  "]),
    lambda r: r.choice(["Đảng bộ phường Vũ Ninh", "Hoàn thành xuất sắc nhiệm vụ", "Ngô Thị Ánh Tuyết", "ưởng"]),
    lambda r: r.choice(["=1+2", "=SUM(A1:A3)", "=1/0", "=XLP_TYLE(1;2)"]),
    lambda r: dt.date(r.randint(1900, 2100), r.randint(1, 12), r.randint(1, 28)),
    lambda r: dt.datetime(2017, r.randint(1, 12), 1, r.randint(0, 23)),
    lambda r: r.choice([True, False]), lambda r: None,
)


def random_value(rng: random.Random) -> Any:
    """A cell value of any type a hand-filled form may hold."""
    return rng.choice(_VALUES)(rng)


def random_mutation(rng: random.Random, spec: FormSpec, sheets: Sequence[str], members: Sequence[str]) -> Mutation:
    """One mutation of a form of ``spec`` with ``sheets`` and zip ``members``, drawn from ``rng``."""
    kind = rng.choice(KINDS + ("set-cell",) * 6)  # value changes are what the Board relies on most
    fields = [f.id for f in spec.fields]
    if kind == "set-cell":
        return Mutation(kind, rng.choice(fields), random_value(rng))
    if kind == "set-meta":
        return Mutation(kind, rng.choice(META_KEYS), random_value(rng))
    if kind in ("rename-sheet", "delete-sheet"):
        return Mutation(kind, rng.choice(list(sheets)), rng.choice(["Sheet1", "Biểu mới", "x'y", "_xlplan2"]))
    if kind == "add-sheet":
        return Mutation(kind, rng.choice(["Thêm", "Sheet9", "Ghi chú 2"]), random_value(rng), rng.randint(0, 5))
    if kind == "delete-name":
        return Mutation(kind, rng.choice(fields + list(META_KEYS)))
    if kind in ("retarget-name", "duplicate-name"):
        ref = rng.choice(["'Sheet9'!$A$1", "#REF!", f"'{rng.choice(list(sheets))}'!$B$2", "1+1",
                          f"'{rng.choice(list(sheets))}'!$A$1:$B$3"])
        return Mutation(kind, rng.choice(fields + list(META_KEYS)), ref)
    if kind == "content-type":
        return Mutation(kind, rng.choice([m for m in members if not m.endswith("]")] or ["xl/workbook.xml"]),
                        rng.choice(["application/octet-stream", "text/plain",
                                    "application/vnd.ms-excel.sheet.binary.macroEnabled.main"]))
    if kind in ("truncate-file", "flip-bytes"):
        return Mutation(kind, "", rng.randint(0, 10**6), rng.randint(1, 5000 if kind == "truncate-file" else 8))
    return Mutation(kind, rng.choice(list(members)), rng.randint(0, 10**6), rng.randint(0, 400))

