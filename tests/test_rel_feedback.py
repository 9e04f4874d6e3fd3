"""Bounded feedback (issue 12): the copy sent back is built within the readers' limits, hidden extras dropped.

A unit's real form, with a finding, carries an extra hidden sheet of about
three million cells (random numbers, so it compresses like real data: a file
of a dozen megabytes that passes every size and ratio check). ``xlplan
feedback`` runs in a real process whose address space is capped
(``RLIMIT_AS``): the highlighted copy must be written in seconds, without the
hidden sheet, and still carry the form, its own hidden sheets and the finding.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tools.reliability.machine_cases import add_hidden_sheet as bomb
from xlplan.services.feedback import FEEDBACK_FOLDER
from xlplan.services.forms import make_forms
from xlplan.services.workspace import INBOX, OUTBOX, open_workspace

from test_archive import small_folder

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

ROWS, COLUMNS = 3_100, 1_000  # 3.1 million cells
CAP = 1536 << 20  # the whole command, workers included


def add_hidden_sheet(path: Path, name: str = "Bom") -> int:
    """Add a hidden sheet of ROWS × COLUMNS random numbers to the workbook at ``path`` (the reliability
    tool's cell bomb); its size in bytes."""
    bomb(path, ROWS, COLUMNS, name)
    return path.stat().st_size


def _cap() -> None:
    assert resource is not None
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


@pytest.mark.skipif(resource is None or not hasattr(resource, "RLIMIT_AS"),
                    reason="capping a process's memory needs RLIMIT_AS (POSIX)")
def test_a_hidden_cell_bomb_is_not_loaded_nor_sent_back(tmp_path: Path) -> None:
    root = small_folder(tmp_path / "TongHop")
    ws = open_workspace(root)
    unit = next(u for u in ws.registry if u.code == "P_AN")
    source = root / INBOX / "P_AN_F01_2017.xlsx"
    source.unlink()
    make_forms(ws.plan, [unit], "F01", "2017", root / INBOX, workers=1,
               values_by_unit={"P_AN": {"dv_tong_so": 320, "dk_ket_nap": -5, "ngay_lap": dt.date(2017, 2, 18)}})
    size = add_hidden_sheet(source)
    assert 4 << 20 < size < 64 << 20  # past nothing the readers refuse on size or ratio
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "xlplan", "feedback", str(root), "--as-of", "28/02/2017"],
                          capture_output=True, text=True, timeout=300, preexec_fn=_cap)
    elapsed = time.monotonic() - started
    assert done.returncode in (0, 1), done.stdout + done.stderr
    copy = root / OUTBOX / FEEDBACK_FOLDER / "P_AN_F01_2017_phanhoi.xlsx"
    assert copy.is_file(), done.stdout + done.stderr
    with zipfile.ZipFile(copy) as archive:
        assert max(info.file_size for info in archive.infolist()) < 4 << 20  # no sheet of millions of cells
    wb = openpyxl.load_workbook(copy)
    assert "Bom" not in wb.sheetnames
    assert {"DanhSach", "_xlplan"} <= set(wb.sheetnames)  # the form's own hidden sheets stay
    assert any(cell.comment is not None for sheet in wb.worksheets for row in sheet.iter_rows() for cell in row)
    assert elapsed < 120
    assert shutil.disk_usage(root).free > 0


def test_a_unit_file_whose_name_is_not_utf8_gets_its_highlighted_copy(tmp_path: Path) -> None:
    import os

    root = small_folder(tmp_path / "TongHop")
    ws = open_workspace(root)
    unit = next(u for u in ws.registry if u.code == "P_AN")
    (root / INBOX / "P_AN_F01_2017.xlsx").unlink()
    make_forms(ws.plan, [unit], "F01", "2017", tmp_path, workers=1,
               values_by_unit={"P_AN": {"dv_tong_so": 320, "dk_ket_nap": -5, "ngay_lap": dt.date(2017, 2, 18)}})
    made = next(tmp_path.glob("P_AN_F01_2017*.xlsx"))
    os.rename(os.fsencode(made), os.fsencode(root / INBOX) + b"/P_AN_F01_2017 b\xe1o c\xe1o.xlsx")  # not UTF-8
    done = subprocess.run([sys.executable, "-m", "xlplan", "feedback", str(root), "--as-of", "28/02/2017"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    copy = root / OUTBOX / FEEDBACK_FOLDER / "P_AN_F01_2017_phanhoi.xlsx"
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "Phản hồi" and len(wb.sheetnames) > 1  # the unit's form behind the letter
    assert any(cell.comment is not None for sheet in wb.worksheets for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("where", ["GuiDonVi", "KetQua"])
def test_a_read_only_outbox_or_output_folder_stops_feedback_naming_it(tmp_path: Path, where: str) -> None:
    import os

    root = small_folder(tmp_path / "TongHop")
    ws = open_workspace(root)
    unit = next(u for u in ws.registry if u.code == "P_AN")
    (root / INBOX / "P_AN_F01_2017.xlsx").unlink()
    make_forms(ws.plan, [unit], "F01", "2017", root / INBOX, workers=1,
               values_by_unit={"P_AN": {"dv_tong_so": 320, "dk_ket_nap": -5, "ngay_lap": dt.date(2017, 2, 18)}})
    assert subprocess.run([sys.executable, "-m", "xlplan", "consolidate", str(root)], capture_output=True,
                          timeout=300).returncode in (0, 1)
    folders = [p for p in [root / where, *(root / where).rglob("*")] if p.is_dir()]
    files = [p for p in (root / where).rglob("*") if p.is_file()]
    command = [sys.executable, "-m", "xlplan", "feedback", str(root), "--as-of", "28/02/2017"]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root writes into read-only folders and setpriv is missing to drop that")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    for path in folders:
        path.chmod(0o555)
    for path in files:
        path.chmod(0o444)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    finally:
        for path in folders:
            path.chmod(0o755)
        for path in files:
            path.chmod(0o644)
    assert done.returncode == 2, done.stdout + done.stderr
    assert where in done.stderr and "Traceback" not in done.stderr and "Lỗi không mong đợi" not in done.stderr
