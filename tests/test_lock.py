"""One consolidation at a time per working folder (issue 6): the ``.xlplan.lock`` file.

The lock is taken with O_EXCL and names its holder; a live holder (this test
process, or a real second ``xlplan consolidate``) makes the run refuse with a
message naming pid and host; a lock left by a dead process on this host is
taken over; a lock from another computer is never guessed stale.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from xlplan.core.errors import XlplanError
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.workspace import LOCK_NAME, WORKBOOK_NAME, lock_workspace, pid_alive, read_lock

from test_archive import small_folder


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory.mktemp("lock") / "TongHop")


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "TongHop"
    shutil.copytree(template, root, copy_function=shutil.copy2)
    return root


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
    return child.pid


def write_lock(root: Path, pid: int, host: str) -> Path:
    path = root / LOCK_NAME
    path.write_text(json.dumps({"pid": pid, "host": host, "time": "2017-02-20 08:00:00"}), encoding="utf-8")
    return path


def test_a_held_lock_refuses_a_second_run_naming_its_holder(folder: Path) -> None:
    before = (folder / WORKBOOK_NAME).read_bytes()
    with lock_workspace(folder) as path:
        holder = read_lock(path)
        assert holder is not None and holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        with pytest.raises(XlplanError) as caught:
            consolidate_folder(folder)
        assert str(os.getpid()) in str(caught.value) and socket.gethostname() in str(caught.value)
        assert read_lock(path) == holder
    assert not path.exists()
    assert (folder / WORKBOOK_NAME).read_bytes() == before


def test_the_cli_refuses_with_exit_code_2_while_another_process_holds_the_lock(folder: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        write_lock(folder, holder.pid, socket.gethostname())
        run = subprocess.run([sys.executable, "-m", "xlplan", "consolidate", str(folder)],
                             capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 2
    assert run.stderr.startswith("Lỗi:") and str(holder.pid) in run.stderr and LOCK_NAME in run.stderr
    assert not (folder / "KetQua" / "SaoLuu").exists() or not any((folder / "KetQua" / "SaoLuu").iterdir())


def test_a_dead_holder_on_this_host_is_taken_over(folder: Path) -> None:
    write_lock(folder, dead_pid(), socket.gethostname())
    result = consolidate_folder(folder)
    assert result.status == "written"
    assert not (folder / LOCK_NAME).exists()


def test_a_half_written_old_lock_is_taken_over(folder: Path) -> None:
    path = folder / LOCK_NAME
    path.write_text("", encoding="utf-8")
    os.utime(path, (0, 0))
    assert consolidate_folder(folder).status == "written"
    assert not path.exists()


def test_a_lock_from_another_computer_is_never_taken_over(folder: Path) -> None:
    path = write_lock(folder, dead_pid(), "MAY-KHAC-" + socket.gethostname())
    with pytest.raises(XlplanError) as caught:
        consolidate_folder(folder)
    assert "MAY-KHAC-" in str(caught.value)
    assert read_lock(path)["host"].startswith("MAY-KHAC-")


def test_the_lock_is_released_after_a_failed_run_and_a_damaged_workbook_points_at_its_backup(
        folder: Path) -> None:
    consolidate_folder(folder)
    (folder / WORKBOOK_NAME).write_bytes(b"not a workbook")
    [backup] = (folder / "KetQua" / "SaoLuu").glob("*.xlsx")
    with pytest.raises(XlplanError) as caught:
        consolidate_folder(folder)
    assert str(backup) in str(caught.value)
    assert not (folder / LOCK_NAME).exists()
