"""The audit store and the safe write (issue 6): every run recorded, every input in one state.

On a small real working folder with one input of each fate — used, superseded
(an older submission of the same unit, form and period), refused (a workbook
that is no form) and skipped (a text file) — the store must record exactly
those states, the findings, the values with their cells, and the output with
its hash. A re-run with nothing new must change nothing (no rewrite, no
backup, status ``no-change``). A workbook held by Excel on Windows is
simulated by ``os.replace`` failing with winerror 32: the write is retried,
then a versioned workbook is written and ``output-versioned`` says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from xlplan.core.errors import XlplanError
from xlplan.core.forms import form_spec
from xlplan.io import workbook_files
from xlplan.io.audit_store import AuditStore, encode_value
from xlplan.io.form_writer import write_form
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.sample_data import monthly_report_values, registration_values
from xlplan.services.workspace import BACKUPS, INBOX, OUTPUT, WORKBOOK_NAME, open_workspace

from test_archive import small_folder

OLDER = "P_AN_F02_2017-01 (gửi lần 1).xlsx"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small folder plus an older P_AN F02 for January, a non-form workbook and a text file."""
    root = small_folder(tmp_path_factory.mktemp("audit") / "TongHop")
    ws = open_workspace(root)
    units = list(ws.registry)
    monthly = monthly_report_values(units, ws.plan, registration_values(units, ws.plan, 3), 3)
    values = dict(monthly["P_AN"]["2017-01"])  # as small_folder wrote it, then: one admission fewer
    values.update(kn_trong_ky=values["kn_trong_ky"] - 1, kn_luy_ke=values["kn_luy_ke"] - 1,
                  dv_cuoi_ky=values["dv_cuoi_ky"] - 1, ngay_lap=dt.date(2017, 1, 20))
    unit = next(u for u in ws.registry if u.code == "P_AN")
    write_form(root / INBOX / OLDER, form_spec("F02", ws.plan), ws.plan, unit, "2017-01", values)
    blank = openpyxl.Workbook()
    blank.active["A1"] = "Danh sách gửi"
    blank.save(root / INBOX / "ghi_chu.xlsx")
    (root / INBOX / "danh_sach.txt").write_text("P_AN, CQ_CHAU", encoding="utf-8")
    return root


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "TongHop"
    shutil.copytree(template, root, copy_function=shutil.copy2)
    return root


def test_every_input_ends_in_exactly_one_state(folder: Path) -> None:
    result = consolidate_folder(folder)
    with AuditStore(folder / OUTPUT / "audit.sqlite") as store:
        rows = store.inputs(result.run_id)
        runs = store.runs()
    inbox_files = sorted(str(p.relative_to(folder / INBOX)) for p in (folder / INBOX).rglob("*") if p.is_file())
    assert sorted(r["name"] for r in rows) == inbox_files
    states = {r["name"]: r["state"] for r in rows}
    assert states == {
        "CQ_CHAU_F01_2017.xlsx": "used", "CQ_CHAU_F02_2017-01.xlsx": "used", "P_AN_F01_2017.xlsx": "used",
        "P_AN_F02_2017-01.xlsx": "used", OLDER: "superseded", "ghi_chu.xlsx": "refused",
        "danh_sach.txt": "skipped"}
    by_name = {r["name"]: r for r in rows}
    assert (by_name[OLDER]["resubmission"], by_name["P_AN_F02_2017-01.xlsx"]["resubmission"]) == (1, 2)
    assert by_name[OLDER]["unit"] == "P_AN" and by_name[OLDER]["period"] == "2017-01"
    for name, row in by_name.items():
        assert row["sha256"] == digest(folder / INBOX / name) and row["size"] == (folder / INBOX / name).stat().st_size
    assert by_name["ghi_chu.xlsx"]["format"] == "xlsx" and by_name["P_AN_F01_2017.xlsx"]["engine"]
    assert [(r["id"], r["status"]) for r in runs] == [(result.run_id, "written")]


def test_findings_outputs_and_values_are_recorded(folder: Path) -> None:
    result = consolidate_folder(folder)
    workbook = folder / WORKBOOK_NAME
    with AuditStore(folder / OUTPUT / "audit.sqlite") as store:
        findings = store.findings(result.run_id)
        outputs = store.outputs(result.run_id)
        used = next(r for r in store.inputs(result.run_id) if r["name"] == "P_AN_F02_2017-01.xlsx")
        older = next(r for r in store.inputs(result.run_id) if r["name"] == OLDER)
        values, old_values = store.values(used["sha256"]), store.values(older["sha256"])
    assert [(f["code"], f["unit"], f["cell"]) for f in findings] == [
        (f.code, f.unit, f.cell) for f in result.findings]
    assert "duplicate-submission" in {f["code"] for f in findings} and "not-a-form" in {f["code"] for f in findings}
    assert outputs == [{"run_id": result.run_id, "path": WORKBOOK_NAME, "sha256": digest(workbook),
                        "action": "written", "backup": str(result.backup.relative_to(folder))}]
    sub = next(s for s in result.consolidation.resolution.latest.values() if s.file == "P_AN_F02_2017-01.xlsx")
    cell = sub.values["kn_trong_ky"]
    assert (values["kn_trong_ky"].sheet, values["kn_trong_ky"].cell) == (cell.sheet, cell.cell)
    assert (values["kn_trong_ky"].kind, values["kn_trong_ky"].value) == encode_value(cell.value)
    assert int(old_values["kn_trong_ky"].value) == cell.value - 1 and old_values["ngay_lap"].value == "2017-01-20"


def test_a_rerun_with_nothing_new_changes_nothing(folder: Path) -> None:
    consolidate_folder(folder)
    workbook = folder / WORKBOOK_NAME
    state = (workbook.read_bytes(), workbook.stat().st_mtime_ns)
    backups = sorted((folder / OUTPUT / BACKUPS).iterdir())
    second = consolidate_folder(folder)
    assert second.status == "no-change" and not second.changed and second.backup is None
    assert (workbook.read_bytes(), workbook.stat().st_mtime_ns) == state
    assert sorted((folder / OUTPUT / BACKUPS).iterdir()) == backups
    with AuditStore(folder / OUTPUT / "audit.sqlite") as store:
        assert [r["status"] for r in store.runs()] == ["written", "no-change"]
        assert store.outputs(second.run_id)[0]["sha256"] == digest(workbook)
    (folder / INBOX / OLDER).unlink()
    third = consolidate_folder(folder)
    assert third.status == "written" and third.backup is not None and digest(third.backup) == digest_of(state[0])


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _held_replace(calls: list[str], winerror: int):
    real = os.replace

    def replace(source, target) -> None:
        if Path(target).name == WORKBOOK_NAME:
            calls.append(str(target))
            error = PermissionError(13, "The process cannot access the file")
            error.winerror = winerror  # type: ignore[attr-defined]
            raise error
        real(source, target)
    return replace


def test_a_workbook_held_by_excel_is_retried_then_a_versioned_file_is_written(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    consolidate_folder(folder)
    workbook = folder / WORKBOOK_NAME
    before = workbook.read_bytes()
    (folder / INBOX / OLDER).unlink()  # something new, so there is something to write
    calls: list[str] = []
    monkeypatch.setattr(workbook_files, "RETRY_DELAYS", (0, 0, 0))
    monkeypatch.setattr(workbook_files.os, "replace", _held_replace(calls, 32))
    result = consolidate_folder(folder)
    assert len(calls) == 4  # the first try and three retries
    assert result.status == "versioned" and result.workbook == folder / "SoTongHop (2).xlsx"
    assert workbook.read_bytes() == before
    assert [f.code for f in result.findings if f.code == "output-versioned"] == ["output-versioned"]
    assert [f.params["written"] for f in result.output_findings] == ["SoTongHop (2).xlsx"]
    openpyxl.load_workbook(result.workbook)
    assert not list(folder.glob(".*.tmp"))
    with AuditStore(folder / OUTPUT / "audit.sqlite") as store:
        assert store.outputs(result.run_id)[0]["path"] == "SoTongHop (2).xlsx"
        assert store.runs()[-1]["status"] == "versioned"


def test_other_write_errors_are_not_retried_and_the_run_is_recorded_failed(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    consolidate_folder(folder)
    before = (folder / WORKBOOK_NAME).read_bytes()
    (folder / INBOX / OLDER).unlink()
    calls: list[str] = []
    monkeypatch.setattr(workbook_files.os, "replace", _held_replace(calls, 2))
    with pytest.raises(XlplanError):  # a plain permission problem: the usual "close the file" message
        consolidate_folder(folder)
    assert len(calls) == 1
    assert (folder / WORKBOOK_NAME).read_bytes() == before
    assert not (folder / "SoTongHop (2).xlsx").exists()
    with AuditStore(folder / OUTPUT / "audit.sqlite") as store:
        assert [r["status"] for r in store.runs()] == ["written", "failed"]
