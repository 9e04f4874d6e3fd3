"""The kill-point drill: a consolidation killed at any write step loses nothing.

``XLPLAN_TEST_KILL_AT=n`` makes ``xlplan consolidate`` SIGKILL itself at the n-th
kill point of its write path (audit store, archive copies, backup, the workbook's
temporary file half and fully written, the rename; see
:func:`xlplan.io.workbook_files.kill_point`). :func:`run_kill_drill` builds a small
working folder (two units, consolidated once, then a unit sends a corrected
report) and, for every n until the run completes, consolidates a fresh copy of it
in a subprocess killed at n, then checks that:

* the workbook is byte for byte either the previous one or the new one (never a
  mix), and it opens; if it is the new one, a backup holds the previous one;
* the inbox is unchanged and every archive entry holds the bytes its name says;
* a normal run afterwards takes over the dead run's lock, clears its temporary
  files and gives exactly the workbook an uninterrupted run gives, and the audit
  store tells the story (first run written, recovery written or no-change).

``tests/test_kill.py`` asserts that every point survives; ``python -m tools.reliability``
reports the counts. Nothing here runs unless asked: the hook costs a dictionary
lookup in normal runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import openpyxl

from xlplan.core.forms import form_spec
from xlplan.io.audit_store import AuditStore
from xlplan.io.form_writer import write_form
from xlplan.io.workbook_files import KILL_ENV
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import monthly_report_values, registration_values
from xlplan.services.workspace import (
    ARCHIVE, BACKUPS, INBOX, LOCK_NAME, OUTPUT, WORKBOOK_NAME, init_workspace, open_workspace,
)

MAX_POINTS = 60  # far more than the write path has: a run that never completes is a failure
REGISTRY = ("ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he\n"
            "P_AN,Đảng bộ phường An Bình,xa_phuong,có,320,14,\n"
            "CQ_CHAU,Đảng bộ cơ quan Ủy ban nhân dân,co_quan,có,95,6,\n")


@dataclass
class KillDrillResult:
    """What the drill found: points killed, points survived, and each failure with its point."""

    tried: int = 0  # runs killed at a point (the run that completes is not counted)
    survived: int = 0
    completed_at: int | None = None  # the first point the run passed without being killed
    killed_after_replace: int = 0  # kills that left the new workbook (after the rename)
    failures: list[str] = dc_field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and self.completed_at is not None and self.survived == self.tried


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_state(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``folder``."""
    return {str(p.relative_to(folder)): digest(p.read_bytes()) for p in folder.rglob("*") if p.is_file()}


def consolidate(root: Path, kill_at: int | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m xlplan consolidate root`` in a subprocess, killed at point ``kill_at`` when given."""
    env = {k: v for k, v in os.environ.items() if k != KILL_ENV}
    if kill_at is not None:
        env[KILL_ENV] = str(kill_at)
    return subprocess.run([sys.executable, "-m", "xlplan", "consolidate", str(root)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def small_folder(root: Path) -> Path:
    """A working folder with F01 2017 and F02 2017-01 of two units (sample data)."""
    csv = root.parent / f"{root.name}_registry.csv"
    csv.write_text(REGISTRY, encoding="utf-8")
    init_workspace(root, registry_name=csv)
    ws = open_workspace(root)
    units = list(ws.registry)
    registration = registration_values(units, ws.plan, 3)
    monthly = monthly_report_values(units, ws.plan, registration, 3)
    make_forms(ws.plan, units, "F01", "2017", root / INBOX, values_by_unit=registration, workers=1)
    make_forms(ws.plan, units, "F02", "2017-01", root / INBOX, workers=1,
               values_by_unit={code: months["2017-01"] for code, months in monthly.items()})
    return root


def working_folder(root: Path, first: Path | None = None) -> Path:
    """Consolidated once; then P_AN re-sends its January report with one more admission.

    ``first``: an already built :func:`small_folder` to copy instead of building one.
    """
    if first is not None:
        shutil.copytree(first, root, copy_function=shutil.copy2)
    else:
        small_folder(root)
    consolidate_folder(root)
    ws = open_workspace(root)
    units = list(ws.registry)
    values = dict(monthly_report_values(units, ws.plan, registration_values(units, ws.plan, 3), 3)["P_AN"]["2017-01"])
    values.update(kn_trong_ky=values["kn_trong_ky"] + 1, kn_luy_ke=values["kn_luy_ke"] + 1,
                  dv_cuoi_ky=values["dv_cuoi_ky"] + 1, ngay_lap=dt.date(2017, 2, 5))
    unit = next(u for u in units if u.code == "P_AN")
    write_form(root / INBOX / "P_AN_F02_2017-01 (sửa).xlsx", form_spec("F02", ws.plan), ws.plan, unit, "2017-01",
               values)
    return root


def check_killed(root: Path, old: bytes, new: bytes, inbox: dict[str, str]) -> tuple[list[str], bool]:
    """What a killed run left in ``root``, then a recovery run: (problems, workbook was the new one)."""
    problems: list[str] = []
    workbook = (root / WORKBOOK_NAME).read_bytes()
    if workbook not in (old, new):
        problems.append("sổ tổng hợp không phải bản cũ cũng không phải bản mới")
    try:
        openpyxl.load_workbook(root / WORKBOOK_NAME, read_only=True).close()
    except Exception as exc:  # noqa: BLE001 - exactly what is checked
        problems.append(f"sổ tổng hợp không mở được: {type(exc).__name__}")
    replaced = workbook == new
    if replaced and old not in [p.read_bytes() for p in (root / OUTPUT / BACKUPS).glob("*.xlsx")]:
        problems.append("đã ghi sổ mới nhưng không có bản sao lưu của sổ cũ")
    if files_state(root / INBOX) != inbox:
        problems.append("thư mục nhận báo cáo bị thay đổi")
    problems += [f"bản lưu trữ {entry.name} không đúng nội dung" for entry in (root / ARCHIVE).rglob("*.xlsx")
                 if digest(entry.read_bytes()) != entry.stem]
    recovery = consolidate(root)
    if recovery.returncode != 0:
        return problems + [f"lần chạy lại thất bại (mã {recovery.returncode}): {recovery.stderr[-300:]}"], replaced
    if (root / WORKBOOK_NAME).read_bytes() != new:
        problems.append("lần chạy lại không cho đúng sổ của một lần chạy trọn vẹn")
    if (root / LOCK_NAME).exists():
        problems.append("khóa thư mục còn sau lần chạy lại")
    if list(root.rglob("*.tmp")):
        problems.append("tệp tạm còn sau lần chạy lại")
    with AuditStore(root / OUTPUT / "audit.sqlite") as store:
        statuses = [r["status"] for r in store.runs()]
    if statuses[:1] != ["written"] or statuses[-1] != ("no-change" if replaced else "written"):
        problems.append(f"sổ kiểm toán ghi sai trạng thái các lần chạy: {statuses}")
    return problems, replaced


def run_kill_drill(workdir: Path | None = None, max_points: int = MAX_POINTS, stride: int = 1,
                   first: Path | None = None) -> KillDrillResult:
    """Kill the consolidation at points 1, 1 + stride, … until a run completes; check each.

    ``stride`` > 1 samples the points (``python -m tools.reliability --quick``); ``first`` is an
    already built :func:`small_folder` to start from.
    """
    result = KillDrillResult()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        base = working_folder(Path(tmp) / "TongHop", first)
        clean = Path(tmp) / "clean" / "TongHop"
        shutil.copytree(base, clean, copy_function=shutil.copy2)
        run = consolidate(clean)
        if run.returncode != 0:
            result.failures.append(f"lần chạy không bị ngắt thất bại: {run.stderr[-300:]}")
            return result
        old, new = (base / WORKBOOK_NAME).read_bytes(), (clean / WORKBOOK_NAME).read_bytes()
        if old == new:
            result.failures.append("báo cáo sửa không làm đổi sổ tổng hợp: không kiểm được gì")
            return result
        inbox = files_state(base / INBOX)
        for point in range(1, max_points + 1, max(1, stride)):
            root = Path(tmp) / f"run{point}"
            shutil.copytree(base, root, copy_function=shutil.copy2)
            run = consolidate(root, kill_at=point)
            if run.returncode == 0:
                result.completed_at = point
                break
            result.tried += 1
            if run.returncode not in (-9, 137):
                result.failures.append(f"điểm {point}: tiến trình kết thúc với mã {run.returncode}: "
                                       f"{run.stderr[-300:]}")
                shutil.rmtree(root)
                continue
            problems, replaced = check_killed(root, old, new, inbox)
            result.killed_after_replace += replaced
            result.failures += [f"điểm {point}: {p}" for p in problems]
            result.survived += not problems
            shutil.rmtree(root)
        else:
            result.failures.append(f"lần chạy không hoàn thành sau {max_points} điểm ngắt")
    result.seconds = time.monotonic() - started
    return result


def markdown(result: KillDrillResult, stride: int = 1) -> list[str]:
    """The kill-point section of ``docs/reliability.md``."""
    sampled = f"points 1, {1 + stride}, {1 + 2 * stride}, …" if stride > 1 else "every point"
    lines = ["## Kill points survived (consolidation)", "",
             "Source: `tools.reliability.kill_drill.run_kill_drill`: `xlplan consolidate` run in a subprocess "
             "with "
             f"`{KILL_ENV}=n` ({sampled}, until a run completes) on a small working folder with a corrected "
             "report; after each kill the workbook must be exactly the old or the new one and open, the inbox "
             "and archive intact, and a normal run must then give the uninterrupted run's workbook.", "",
             "| figure | value |", "|---|---|",
             f"| kill points survived / tried | {result.survived} / {result.tried} |",
             f"| run completed at point | {result.completed_at if result.completed_at else 'never'} |",
             f"| kills after the workbook was replaced | {result.killed_after_replace} |",
             f"| time | {result.seconds:.1f} s |", ""]
    return lines + [f"- {failure}" for failure in result.failures] + ([""] if result.failures else [])
