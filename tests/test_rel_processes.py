"""Processes (issue 12): a lock that cannot be taken twice, and reader workers that die with their parent.

Real processes throughout: eight Python processes released together on a
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
from tools.reliability.machine_cases import stale_lock_race

@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory.mktemp("relproc") / "TongHop")


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "TongHop"
    shutil.copytree(template, root, copy_function=shutil.copy2)
    return root


def test_eight_processes_on_a_stale_lock_never_hold_it_together(tmp_path: Path) -> None:
    """Eight processes started once, released together on a fresh stale lock in each of 40 rounds; each marks
    its hold with an O_EXCL file, so two holders at once cannot go unseen (the unlink-then-create takeover
    this replaces gave two holders within a few rounds)."""
    assert stale_lock_race(tmp_path, rounds=40, processes=8) == "one at a time"


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
