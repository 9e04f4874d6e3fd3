"""A consolidation killed at any step loses nothing (issue 6).

``XLPLAN_TEST_KILL_AT=n`` makes ``xlplan consolidate`` SIGKILL itself at the
n-th kill point of its write path (audit store, archive copies, backup, the
workbook's temporary file half and fully written, the rename; see
:func:`xlplan.io.workbook_files.kill_point`). For every n until the run
completes, a fresh copy of a small working folder (consolidated once, then a
unit sends a corrected report) is consolidated in a subprocess killed at n, and
then:

* the workbook is byte for byte either the previous one or the new one (never
  a mix), and it opens; if it is the new one, a backup holds the previous one;
* the inbox is unchanged and every archive entry holds the bytes its name says;
* a normal run afterwards takes over the dead run's lock, clears its temporary
  files and gives exactly the workbook an uninterrupted run gives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from xlplan.core.forms import form_spec
from xlplan.io.audit_store import AuditStore
from xlplan.io.form_writer import write_form
from xlplan.io.workbook_files import KILL_ENV
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.sample_data import monthly_report_values, registration_values
from xlplan.services.workspace import ARCHIVE, BACKUPS, INBOX, LOCK_NAME, OUTPUT, WORKBOOK_NAME, open_workspace

from test_archive import small_folder

MAX_POINTS = 60


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_state(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): digest(p.read_bytes()) for p in folder.rglob("*") if p.is_file()}


def consolidate(root: Path, kill_at: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != KILL_ENV}
    if kill_at is not None:
        env[KILL_ENV] = str(kill_at)
    return subprocess.run([sys.executable, "-m", "xlplan", "consolidate", str(root)], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Consolidated once; then P_AN re-sends its January report with one more admission."""
    root = small_folder(tmp_path_factory.mktemp("kill") / "TongHop")
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


@pytest.fixture(scope="module")
def after(before: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The workbook an uninterrupted run writes."""
    root = tmp_path_factory.mktemp("kill-clean") / "TongHop"
    shutil.copytree(before, root, copy_function=shutil.copy2)
    run = consolidate(root)
    assert run.returncode == 0, run.stderr
    return (root / WORKBOOK_NAME).read_bytes()


def test_killing_the_consolidation_at_every_step_loses_nothing(before: Path, after: bytes, tmp_path: Path) -> None:
    old = (before / WORKBOOK_NAME).read_bytes()
    assert old != after
    inbox = files_state(before / INBOX)
    killed_after_replace = 0
    for point in range(1, MAX_POINTS + 1):
        root = tmp_path / f"run{point}"
        shutil.copytree(before, root, copy_function=shutil.copy2)
        run = consolidate(root, kill_at=point)
        if run.returncode == 0:
            break
        assert run.returncode == -9, (point, run.returncode, run.stderr)
        workbook = (root / WORKBOOK_NAME).read_bytes()
        assert workbook in (old, after), point
        openpyxl.load_workbook(root / WORKBOOK_NAME, read_only=True).close()
        if workbook == after:
            killed_after_replace += 1
            backups = [p.read_bytes() for p in (root / OUTPUT / BACKUPS).glob("*.xlsx")]
            assert old in backups, point
        assert files_state(root / INBOX) == inbox, point
        for entry in (root / ARCHIVE).rglob("*.xlsx"):
            assert digest(entry.read_bytes()) == entry.stem, (point, entry)

        recovery = consolidate(root)
        assert recovery.returncode == 0, (point, recovery.stderr)
        assert (root / WORKBOOK_NAME).read_bytes() == after, point
        assert not (root / LOCK_NAME).exists(), point
        assert not [p for p in root.rglob("*.tmp")], point
        with AuditStore(root / OUTPUT / "audit.sqlite") as store:
            statuses = [r["status"] for r in store.runs()]
        assert statuses[0] == "written" and statuses[-1] == ("no-change" if workbook == after else "written"), point
        shutil.rmtree(root)
    else:
        pytest.fail(f"the run never completed within {MAX_POINTS} kill points")
    assert point > 10  # audit store, four archive copies, backup, the workbook's write steps
    assert killed_after_replace >= 1  # the kill just after the rename was exercised too
