"""``xlplan trace``: where a number of the summary came from, and what it was before.

Staff asked "why does the summary say 12 for this ward?" and had to open every
file the ward sent. The audit store answers it: the last finished
consolidation says which file was used for each (unit, form, period); the
values stored for that file's bytes say from which sheet and cell each field
was read; the files the unit sent before for the same form and period (still
in the inbox, or since replaced — their bytes stay in the archive and their
values in the audit store) give the history, cell by cell.

Versions of one (unit, form, period), oldest first: first the files that are
no longer in the inbox (``removed``, by the run that first saw them), then
the files of the last run in the order consolidation ranks them (form date,
file time, name), the ``superseded`` ones before the one ``used``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as dc_field  # (Trace has an attribute named ``field``)
from pathlib import Path
from typing import Any

from ..core.errors import XlplanError
from ..core.forms import form_spec
from ..core.plan import Plan
from ..io.audit_store import AuditStore, StoredValue
from .workspace import open_workspace

USED, SUPERSEDED, REMOVED = "used", "superseded", "removed"


@dataclass(frozen=True)
class Version:
    """One file a unit sent for a form and period: which bytes, under which name, and its fate."""

    sha256: str
    file: str  # NFC name relative to the inbox, as last seen
    status: str  # used | superseded | removed
    received: str | None
    archived: str | None  # the archived copy, relative to the working folder
    first_run: int


@dataclass(frozen=True)
class Change:
    """One field whose value differs between two versions (``before`` None: not in the older one)."""

    field: str
    label: str
    sheet: str | None
    cell: str | None
    before: str | None
    after: str | None


@dataclass
class Trace:
    """A unit's (form, period): its versions and, per version, the traced field's cell and value."""

    unit: str
    form: str
    period: str
    field: str | None
    label: str | None
    versions: list[Version]
    cells: list[StoredValue | None] = dc_field(default_factory=list)  # per version, the traced field
    changes: list[list[Change]] = dc_field(default_factory=list)  # per version after the first: vs the previous

    @property
    def used(self) -> tuple[Version, StoredValue | None] | None:
        for version, cell in zip(self.versions, self.cells or [None] * len(self.versions)):
            if version.status == USED:
                return version, cell
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "don_vi": self.unit, "bieu": self.form, "ky": self.period, "chi_tieu": self.field, "ten": self.label,
            "phien_ban": [dict(asdict(v), o=asdict(c) if c else None)
                          for v, c in zip(self.versions, self.cells or [None] * len(self.versions))],
            "thay_doi": [[asdict(c) for c in changes] for changes in self.changes],
        }


def trace(root: Path, unit: str, field_id: str | None = None, period: str | None = None,
          form: str | None = None) -> list[Trace]:
    """Trace ``field_id`` (or, without it, every changed cell) of ``unit`` through the last consolidation.

    Raises XlplanError (Vietnamese) when there is no consolidation yet, the
    unit has no file in it, or no file of the unit has the field.
    """
    ws = open_workspace(Path(root))
    if not ws.audit.is_file():
        raise _no_run(ws.root)
    with AuditStore(ws.audit) as store:
        run = store.last_run()
        if run is None:
            raise _no_run(ws.root)
        inputs = [r for r in store.inputs(run["id"]) if r["state"] in (USED, SUPERSEDED) and r["unit"]]
        code = next((r["unit"] for r in inputs if r["unit"].casefold() == unit.strip().casefold()), None)
        if code is None:
            raise XlplanError(f"Đơn vị '{unit}' không có tệp nào được dùng trong lần tổng hợp gần nhất "
                              f"(lần {run['id']}, lúc {run['started']}).")
        keys = sorted({(r["form"], r["period"]) for r in inputs if r["unit"] == code and r["state"] == USED})
        if form:
            keys = [k for k in keys if k[0].casefold() == form.strip().casefold()]
        if period:
            keys = [k for k in keys if k[1] == period.strip()]
        if not keys:
            raise XlplanError(f"Đơn vị '{code}' không có tệp biểu {form or 'nào'} kỳ {period or 'nào'} "
                              "trong lần tổng hợp gần nhất.")
        traces = [_trace_key(store, ws.plan, run["id"], code, f, p, field_id) for f, p in keys]
    if field_id:
        traces = [t for t in traces if any(c is not None for c in t.cells)]
        if not traces:
            raise XlplanError(f"Không thấy chỉ tiêu '{field_id}' trong các tệp của đơn vị '{code}'"
                              f"{' biểu ' + form if form else ''}{' kỳ ' + period if period else ''}. "
                              "Dùng mã chỉ tiêu như trên biểu mẫu (ví dụ kn_trong_ky).")
    return traces


def _trace_key(store: AuditStore, plan: Plan, run_id: int, unit: str, form: str, period: str,
               field_id: str | None) -> Trace:
    current = {r["sha256"]: r for r in store.inputs(run_id)
               if r["unit"] == unit and r["form"] == form and r["period"] == period and r["sha256"]}
    versions = []
    for row in store.versions(unit, form, period):
        now = current.get(row["sha256"])
        status = now["state"] if now else REMOVED
        versions.append(Version(row["sha256"], now["name_nfc"] if now else row["name_nfc"], status,
                                row["received"], row["archived"], row["first_run"]))
    rank = {sha: (r["resubmission"] or 0) for sha, r in current.items()}
    versions.sort(key=lambda v: (v.status != REMOVED, rank.get(v.sha256, 0), v.first_run, v.received or ""))
    values = [store.values(v.sha256) for v in versions]
    labels = _labels(plan, form)
    item = Trace(unit, form, period, field_id, labels.get(field_id or "") if field_id else None, versions)
    if field_id:
        item.cells = [v.get(field_id) for v in values]
    item.changes = [_diff(old, new, labels) for old, new in zip(values, values[1:])]
    if field_id:
        item.changes = [[c for c in changes if c.field == field_id] for changes in item.changes]
    return item


def diff(store: AuditStore, older: str, newer: str, labels: dict[str, str] | None = None) -> list[Change]:
    """The fields whose value differs between two file contents (by SHA-256), in the newer's cell order."""
    return _diff(store.values(older), store.values(newer), labels or {})


def _diff(old: dict[str, StoredValue], new: dict[str, StoredValue], labels: dict[str, str]) -> list[Change]:
    changes = []
    for fid in sorted(set(old) | set(new), key=lambda f: _cell_order(new.get(f) or old.get(f))):
        before, after = old.get(fid), new.get(fid)
        if before is not None and after is not None and (before.kind, before.value) == (after.kind, after.value):
            continue
        where = after or before
        changes.append(Change(fid, labels.get(fid, fid), where.sheet if where else None,
                              where.cell if where else None,
                              shown(before) if before else None, shown(after) if after else None))
    return changes


def shown(value: StoredValue) -> str:
    """A stored value as Vietnamese users write it: 8.877, 20/02/2017; empty as ``(trống)``."""
    if value.value is None:
        return "(trống)"
    if value.kind == "int":
        return f"{int(value.value):,}".replace(",", ".")
    if value.kind in ("date", "datetime"):
        day = value.value[:10].split("-")
        return "/".join(reversed(day)) if len(day) == 3 else value.value
    return value.value


def _cell_order(value: StoredValue | None) -> tuple:
    """Sheet, then row, then column, as a reader scans a form."""
    if value is None or not value.cell:
        return ("", 0, "", value.field if value else "")
    letters = value.cell.rstrip("0123456789")
    row = int(value.cell[len(letters):] or 0)
    return (value.sheet or "", row, letters.rjust(3), value.field)


def _labels(plan: Plan, form: str) -> dict[str, str]:
    try:
        return {f.id: f.label for f in form_spec(form, plan).fields}
    except (KeyError, ValueError):
        return {}


def _no_run(root: Path) -> XlplanError:
    return XlplanError(f"Thư mục '{root}' chưa có lần tổng hợp nào được ghi lại. "
                       f"Hãy chạy 'xlplan consolidate {root}' trước.")
