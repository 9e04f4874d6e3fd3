"""Processes (issue 12): a lock that cannot be taken twice, and reader workers that die with their parent.

Real processes throughout: four Python processes released together on a
stale lock, many times over, each recording when it held the lock (an
``O_EXCL`` marker: a second holder at the same moment cannot create it);
the real ``xlplan consolidate`` killed (SIGKILL, SIGTERM) while its reader
workers run, the workers' pids taken from ``/proc`` before the kill.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.services.workspace import INBOX, LOCK_NAME, WORKBOOK_NAME

from test_archive import small_folder
from test_lock import dead_pid, write_lock

HOLDER = r"""
import os, sys, time
from pathlib import Path
from xlplan.core.errors import XlplanError
from xlplan.services.workspace import lock_workspace
root, go = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
try:
    with lock_workspace(root):
        marker = os.open(root / "holder", os.O_WRONLY | os.O_CREAT | os.O_EXCL)  # two holders: FileExistsError
        time.sleep(0.05)
        os.close(marker)
        os.unlink(root / "holder")
    print("held")
except XlplanError:
    print("refused")
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory.mktemp("relproc") / "TongHop")


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "TongHop"
    shutil.copytree(template, root, copy_function=shutil.copy2)
    return root


def test_four_processes_on_a_stale_lock_never_hold_it_together(tmp_path: Path) -> None:
    script = tmp_path / "holder.py"
    script.write_text(HOLDER, encoding="utf-8")
    stale = dead_pid()
    for attempt in range(12):
        root = tmp_path / f"r{attempt}"
        root.mkdir()
        write_lock(root, stale, socket.gethostname())
        go = root.parent / f"go{attempt}"
        children = [subprocess.Popen([sys.executable, str(script), str(root), str(go)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True) for _ in range(4)]
        time.sleep(0.3)  # all four started and waiting
        go.touch()
        outcomes = []
        for child in children:
            out, err = child.communicate(timeout=60)
            assert child.returncode == 0, err  # FileExistsError on the marker: two held the lock at once
            outcomes.append(out.strip())
        assert "held" in outcomes, outcomes
        assert not (root / LOCK_NAME).exists()
        assert not [p for p in root.iterdir() if p.name.startswith(LOCK_NAME) and p.suffix == ".tmp"]


def test_a_lock_whose_pid_overflows_is_taken_over_not_a_crash(folder: Path) -> None:
    (folder / LOCK_NAME).write_text(json.dumps({"pid": 10 ** 40, "host": socket.gethostname(), "time": "?"}),
                                    encoding="utf-8")
    result = CliRunner().invoke(main, ["consolidate", str(folder)])
    assert result.exit_code in (0, 1), result.output
    assert "Lỗi không mong đợi" not in result.output
    assert not (folder / LOCK_NAME).exists()


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finding a process's children needs /proc (Linux)")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_reader_workers_die_with_a_killed_consolidation(folder: Path, how: signal.Signals) -> None:
    inbox = folder / INBOX
    for number in range(60):  # enough files for the workers to be seen reading
        for source in sorted(inbox.glob("P_AN_*.xlsx"))[:1]:
            shutil.copy2(source, inbox / f"ban_sao_{number:02d}_{source.name}")
    parent = subprocess.Popen([sys.executable, "-m", "xlplan", "consolidate", str(folder)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and parent.poll() is None:
        workers = _children(parent.pid)
        time.sleep(0.01)
    if not workers:
        parent.kill()
        parent.wait()
        pytest.fail("the consolidation never started its reader workers")
    parent.send_signal(how)
    started = time.monotonic()
    _, err = parent.communicate(timeout=30)  # returns only once no worker holds its stderr
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)]
    assert (folder / WORKBOOK_NAME).is_file()
