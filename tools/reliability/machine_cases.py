"""The inbox, the Board's machine and the processes: cases run through the real ``xlplan`` command.

Each case builds a small real working folder (:func:`.kill_drill.small_folder`),
puts something awkward in it or around it — a FIFO, a device, a folder named
``.xlsx``, links leading nowhere or out of the inbox, a 2 GB sparse file, a
name that is not UTF-8, a sub-folder that cannot be listed, a read-only
``KetQua/`` or archive, a full disk, a stale lock raced by eight processes, a
killed consolidation with reader workers alive, settings pointing out of the
working folder or at a device, a hidden cell bomb sent back as feedback, a
report dated 1900 — runs ``python -m xlplan`` in a subprocess and says what
happened in one word, compared with what is owed. A case the platform cannot
stage (no root to mount a tmpfs, no ``setpriv`` to make root obey file modes)
says so and is not counted. ``tests/test_rel_*.py`` assert the same outcomes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Callable

from xlplan.io.audit_store import AuditStore
from xlplan.services.forms import make_forms
from xlplan.services.workspace import ARCHIVE, INBOX, LOCK_NAME, OUTBOX, WORKBOOK_NAME, open_workspace

from .kill_drill import small_folder

GB = 1 << 30
NOT_RUN = "not run"
FAULT = "exit 2, folder named"
REFUSED_CELL = "exit 2, cell named"


@dataclass
class MachineCase:
    """One case: what it stages, the outcome owed, the outcome given (or why it could not be staged)."""

    id: str
    what: str
    expected: str
    actual: str = ""
    seconds: float = 0.0
    note: str = ""  # why the case was not run here

    @property
    def run(self) -> bool:
        return self.actual != NOT_RUN

    @property
    def passed(self) -> bool:
        return not self.run or self.actual == self.expected


@dataclass
class MachineResult:
    cases: list[MachineCase] = dc_field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(case.passed and case.run for case in self.cases)

    @property
    def ran(self) -> int:
        return sum(case.run for case in self.cases)

    @property
    def failed(self) -> list[MachineCase]:
        return [case for case in self.cases if not case.passed]


class NotHere(Exception):
    """The platform cannot stage this case; the message says why."""


# -- running the command ----------------------------------------------------------------------

def xlplan(*args: object, drop_caps: bool = False, timeout: float = 180,
           preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m xlplan ARGS`` in a real process; ``drop_caps``: as root without its bypass of file modes."""
    command = [sys.executable, "-m", "xlplan", *map(str, args)]
    if drop_caps and hasattr(os, "geteuid") and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise NotHere("root reads every folder and setpriv (util-linux) is missing to drop that")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)
    _last[0] = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] and \
        (done.stderr.strip() or done.stdout.strip()).splitlines()[-1][:200]
    return done


_last: list[object] = [""]  # the last line the last command printed: shown for a case that fails


def _entry_outcome(root: Path, name: str, *args: str, drop_caps: bool = False) -> str:
    """The finding code ``consolidate --json`` gives the inbox entry ``name`` ("read" when none refuses it)."""
    done = xlplan("consolidate", root, "--json", *args, drop_caps=drop_caps, timeout=120)
    if done.returncode not in (0, 1):
        return f"exit {done.returncode}"
    codes = [f["code"] for f in json.loads(done.stdout)["findings"] if f.get("file") == name]
    for code in ("file-skipped", "file-too-large", "file-unreadable"):
        if code in codes:
            return code
    return "read" if _state(root, name) in ("used", "superseded") else "missing"


def _state(root: Path, name: str) -> str | None:
    with AuditStore(open_workspace(root).audit) as store:
        run = store.runs()[-1]
        return next((row["state"] for row in store.inputs(run["id"]) if row["name"] == name), None)


def _fault(root: Path, word: str, **kwargs: object) -> str:
    """``FAULT`` when consolidate exits 2 naming ``word``, without a traceback, writing nothing, leaving no lock."""
    before = (root / WORKBOOK_NAME).read_bytes()
    done = xlplan("consolidate", root, **kwargs)  # type: ignore[arg-type]
    text = done.stdout + done.stderr
    if done.returncode != 2:
        return f"exit {done.returncode}"
    if "Traceback" in text or "Lỗi không mong đợi" in text:
        return "traceback"
    if word not in text:
        return "folder not named"
    if (root / WORKBOOK_NAME).read_bytes() != before or (root / LOCK_NAME).exists():
        return "half done"
    return FAULT


def _refused_cell(root: Path, cell_name: str, value: object, *args: str) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(root / WORKBOOK_NAME)
    (sheet, ref), = wb.defined_names[cell_name].destinations
    cell = wb[sheet][ref.replace("$", "")]
    cell.value = value
    wb.save(root / WORKBOOK_NAME)
    done = xlplan("consolidate", root, *args, timeout=60)
    if done.returncode != 2:
        return f"exit {done.returncode}"
    if "Traceback" in done.stderr or "Lỗi không mong đợi" in done.stderr:
        return "traceback"
    return REFUSED_CELL if f"ô {cell.coordinate}" in done.stderr else "cell not named"


def _chmod_during(paths: list[Path], mode: int, action: Callable[[], str]) -> str:
    modes = {p: p.stat().st_mode for p in paths}
    for path in paths:
        path.chmod(mode)
    try:
        return action()
    finally:
        for path, old in modes.items():
            path.chmod(old)


# -- the cases ----------------------------------------------------------------------------------

def _fifo(root: Path, work: Path) -> str:
    os.mkfifo(root / INBOX / "P_AN_F01_2017 (2).xlsx")
    return _entry_outcome(root, "P_AN_F01_2017 (2).xlsx")


def _device(root: Path, work: Path) -> str:
    try:
        os.mknod(root / INBOX / "thiet_bi.xlsx", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except (OSError, AttributeError) as exc:
        raise NotHere(f"cannot make a device file here ({exc})") from None
    return _entry_outcome(root, "thiet_bi.xlsx")


def _folder_named_xlsx(root: Path, work: Path) -> str:
    (root / INBOX / "thu_muc.xlsx").mkdir()
    return _entry_outcome(root, "thu_muc.xlsx")


def _dangling_link(root: Path, work: Path) -> str:
    os.symlink(root / INBOX / "khong_con.xlsx", root / INBOX / "lien_ket_hong.xlsx")
    return _entry_outcome(root, "lien_ket_hong.xlsx")


def _outward_link(root: Path, work: Path) -> str:
    os.symlink("/etc/passwd" if os.path.exists("/etc/passwd") else sys.executable, root / INBOX / "he_thong.xlsx")
    return _entry_outcome(root, "he_thong.xlsx")


def _link_to_2gb(root: Path, work: Path) -> str:
    with open(work / "lon.xlsx", "wb") as handle:
        handle.truncate(2 * GB)
    os.symlink(work / "lon.xlsx", root / INBOX / "lien_ket_lon.xlsx")
    return _entry_outcome(root, "lien_ket_lon.xlsx")


def _sparse_2gb(root: Path, work: Path) -> str:
    with open(root / INBOX / "P_AN_F01_2017 (to).xlsx", "wb") as handle:
        handle.truncate(2 * GB)
    started = time.monotonic()
    found = _entry_outcome(root, "P_AN_F01_2017 (to).xlsx")
    archived = max((p.stat().st_size for p in (root / ARCHIVE).rglob("*") if p.is_file()), default=0)
    if archived > 64 << 20 or time.monotonic() - started > 60:
        return "copied or hashed"
    return found


def _non_utf8(root: Path, work: Path) -> str:
    raw = os.fsdecode(b"P_AN_F01_2017 b\xe1o c\xe1o.xlsx")  # Latin-1 bytes: not UTF-8
    shutil.copy2(os.fsencode(root / INBOX / "P_AN_F01_2017.xlsx"), os.fsencode(root / INBOX) + b"/" + os.fsencode(raw))
    return _entry_outcome(root, "P_AN_F01_2017 b\\xe1o c\\xe1o.xlsx")


def _unlistable(root: Path, work: Path) -> str:
    folder = root / INBOX / "Zalo"
    folder.mkdir()
    shutil.copy2(root / INBOX / "P_AN_F01_2017.xlsx", folder / "P_AN_F01_2017.xlsx")
    return _chmod_during([folder], 0, lambda: _entry_outcome(root, "Zalo", drop_caps=True))


def _check_fifo(root: Path, work: Path) -> str:
    fifo = work / "P_AN_F01_2017.xlsx"
    os.mkfifo(fifo)
    try:
        done = xlplan("check", fifo, "--json", timeout=60)
    except subprocess.TimeoutExpired:
        return "hangs"
    codes = [f["code"] for f in json.loads(done.stdout)["findings"]] if done.returncode in (0, 1) else []
    return codes[0] if codes else f"exit {done.returncode}"


def _status_unreadable(root: Path, work: Path) -> str:
    xlplan("consolidate", root)
    locked = root / INBOX / "CQ_CHAU_F01_2017.xlsx"

    def status() -> str:
        done = xlplan("status", root, "--as-of", "28/02/2017", drop_caps=True)
        return "runs" if done.returncode in (0, 1) and "không đọc được" in done.stdout else f"exit {done.returncode}"
    return _chmod_during([locked], 0, status)


def _readonly_output(root: Path, work: Path) -> str:
    output = root / "KetQua"
    folders = [output, *[p for p in output.rglob("*") if p.is_dir()]]
    return _chmod_during(folders, 0o555, lambda: _fault(root, "KetQua", drop_caps=True))


def _readonly_archive(root: Path, work: Path) -> str:
    xlplan("consolidate", root)
    with open(root / INBOX / "P_AN_F01_2017 (2).xlsx", "wb") as handle:
        handle.write((root / INBOX / "P_AN_F01_2017.xlsx").read_bytes() + b"\0")
    archive = root / ARCHIVE / "sha256"
    return _chmod_during([archive, *archive.iterdir()], 0o555, lambda: _fault(root, ARCHIVE, drop_caps=True))


def _readonly_backups(root: Path, work: Path) -> str:
    backups = root / "KetQua" / "SaoLuu"
    backups.mkdir(parents=True, exist_ok=True)
    return _chmod_during([backups], 0o555, lambda: _fault(root, "SaoLuu", drop_caps=True))


def _disk_full(root: Path, work: Path) -> str:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise NotHere("mounting a small tmpfs needs root")
    disk = work / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        raise NotHere(f"this machine may not mount a tmpfs ({mounted.stderr.strip()})")
    try:
        copy = disk / "TongHop"
        shutil.copytree(root, copy, copy_function=shutil.copy2)
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        found = _fault(copy, "đầy")
        (disk / "filler").unlink()
        if found == FAULT and xlplan("consolidate", copy).returncode not in (0, 1):
            return "next run refused"
        return found
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _pid_overflow(root: Path, work: Path) -> str:
    (root / LOCK_NAME).write_text(json.dumps({"pid": 10 ** 40, "host": socket.gethostname(), "time": "?"}),
                                  encoding="utf-8")
    done = xlplan("consolidate", root)
    if done.returncode not in (0, 1):
        return f"exit {done.returncode}"
    return "taken over" if not (root / LOCK_NAME).exists() else "lock left"


HOLDER = r"""
import os, sys, time
from pathlib import Path
from xlplan.core.errors import XlplanError
from xlplan.services.workspace import lock_workspace
work, me, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for number in range(rounds):
    root, go = work / f"lock{number}", work / f"go{number}"
    while not go.exists():
        time.sleep(0.0005)
    outcome = "refused"
    try:
        with lock_workspace(root):
            marker = os.open(root / "holder", os.O_WRONLY | os.O_CREAT | os.O_EXCL)  # a second holder fails here
            time.sleep(0.02)
            os.close(marker)
            os.unlink(root / "holder")
        outcome = "held"
    except XlplanError as exc:
        outcome = "refused " + str(exc)[:300]
    except FileExistsError:
        outcome = "two"
    (work / f"part{number}.{me}").write_text(outcome)
    os.replace(work / f"part{number}.{me}", work / f"done{number}.{me}")  # never read half-written
"""


def stale_lock_race(work: Path, rounds: int, processes: int = 8) -> str:
    """``processes`` Python processes released together on a stale lock, ``rounds`` times (started once,
    so every round is a race, not a queue of process starts): "one at a time" when no two ever held it
    together (an ``O_EXCL`` marker made while holding it) and someone held it each round."""
    script = work / "holder.py"
    script.write_text(HOLDER, encoding="utf-8")
    stale = json.dumps({"pid": _dead_pid(), "host": socket.gethostname(), "time": "2017-02-20 08:00:00"})
    for number in range(rounds):
        (work / f"lock{number}").mkdir()
        (work / f"lock{number}" / LOCK_NAME).write_text(stale, encoding="utf-8")
    children = [subprocess.Popen([sys.executable, str(script), str(work), str(i), str(rounds)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(processes)]
    try:
        time.sleep(1.0)  # all started and waiting
        for number in range(rounds):
            (work / f"go{number}").touch()
            deadline = time.monotonic() + 60
            while len(list(work.glob(f"done{number}.*"))) < processes:
                if time.monotonic() > deadline or any(child.poll() not in (None, 0) for child in children):
                    return f"stuck (round {number + 1})"
                time.sleep(0.005)
            outcomes = [path.read_text() for path in work.glob(f"done{number}.*")]
            if "two" in outcomes:
                return f"two holders at once (round {number + 1})"
            if "held" not in outcomes:
                return f"nobody held it (round {number + 1}: {min(outcomes)[:200]})"
            if (work / f"lock{number}" / LOCK_NAME).exists():
                return f"lock left (round {number + 1})"
        return "one at a time"
    finally:
        for child in children:
            try:
                child.communicate(timeout=30 if (work / f"go{rounds - 1}").exists() else 0.5)
            except subprocess.TimeoutExpired:  # stopped early: the rest of the rounds will never start
                child.kill()
                child.communicate()


def _dead_pid() -> int:
    """A pid no process can have while the race runs: above the kernel's ``pid_max`` where it is known (a
    dead child's pid may be given to another process on a busy machine, and the lock is then live)."""
    try:
        with open("/proc/sys/kernel/pid_max", encoding="ascii") as handle:
            return int(handle.read()) + 1
    except (OSError, ValueError):
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        return dead.pid


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def killed_parent(root: Path, how: int = signal.SIGKILL) -> str:
    """``xlplan consolidate`` killed while its reader workers run: "workers gone" when none outlives it by 10 s."""
    if not os.path.isdir("/proc"):
        raise NotHere("finding a process's workers needs /proc (Linux)")
    inbox = root / INBOX
    source = inbox / "P_AN_F01_2017.xlsx"
    for number in range(60):
        shutil.copy2(source, inbox / f"ban_sao_{number:02d}.xlsx")
    parent = subprocess.Popen([sys.executable, "-m", "xlplan", "consolidate", str(root)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and parent.poll() is None:
        workers = _children(parent.pid)
        time.sleep(0.01)
    if not workers:
        parent.kill()
        parent.wait()
        return "no workers seen"
    parent.send_signal(how)
    try:
        parent.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        return "stderr held"
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    return "workers gone" if not any(_alive(pid) for pid in workers) else "workers alive"


def _killed_parent(root: Path, work: Path) -> str:
    return killed_parent(root)


def _inbox_escape(root: Path, work: Path) -> str:
    return _refused_cell(root, "cfg_thu_muc_nop", "../../../../../../../../etc")


def _output_outside(root: Path, work: Path) -> str:
    return _refused_cell(root, "cfg_thu_muc_ket_qua", str(work / "noi_khac"))


def _plan_device(root: Path, work: Path) -> str:
    return _refused_cell(root, "cfg_ke_hoach", "/dev/zero")


def _plan_fifo(root: Path, work: Path) -> str:
    os.mkfifo(root / "ke_hoach.toml")
    try:
        return _refused_cell(root, "cfg_ke_hoach", "ke_hoach.toml")
    except subprocess.TimeoutExpired:
        return "hangs"


def add_hidden_sheet(path: Path, rows: int = 3_100, columns: int = 1_000, name: str = "Bom") -> None:
    """Add a hidden sheet of ``rows`` × ``columns`` random numbers to the workbook at ``path`` (a cell bomb
    that compresses like real data, so no size or ratio check refuses it)."""
    import random
    import zipfile

    rng = random.Random(12)
    body = "".join("<row>" + "".join(f"<c><v>{rng.randrange(10 ** 6)}</v></c>" for _ in range(columns)) + "</row>"
                   for _ in range(rows))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxml'
             f'formats.org/spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>').encode()
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members["xl/worksheets/sheetBom.xml"] = sheet
    members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(
        b"</sheets>", f'<sheet name="{name}" sheetId="99" state="hidden" r:id="rIdBom"/></sheets>'.encode())
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdBom" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/worksheet" Target="worksheets/sheetBom.xml"/></Relationships>')
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/worksheets/sheetBom.xml" ContentType="application/vnd.openxml'
                     b'formats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member, data in members.items():
            target.writestr(member, data)


def _feedback_bomb(root: Path, work: Path) -> str:
    try:
        import resource
    except ImportError:
        raise NotHere("capping memory needs RLIMIT_AS (POSIX)") from None
    import openpyxl

    ws = open_workspace(root)
    unit = next(u for u in ws.registry if u.code == "P_AN")
    source = root / INBOX / "P_AN_F01_2017.xlsx"
    source.unlink()
    make_forms(ws.plan, [unit], "F01", "2017", root / INBOX, workers=1,
               values_by_unit={"P_AN": {"dv_tong_so": 320, "dk_ket_nap": -5, "ngay_lap": dt.date(2017, 2, 18)}})
    add_hidden_sheet(source)
    cap = 1536 << 20

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    started = time.monotonic()
    done = xlplan("feedback", root, "--as-of", "28/02/2017", preexec=limit, timeout=300)
    if done.returncode not in (0, 1):
        return f"exit {done.returncode}"
    copy = root / OUTBOX / "PhanHoi" / "P_AN_F01_2017_phanhoi.xlsx"
    candidates = list((root / OUTBOX).rglob("P_AN_F01_2017_phanhoi.xlsx"))
    copy = candidates[0] if candidates else copy
    if not copy.is_file():
        return "letter only"
    if "Bom" in openpyxl.load_workbook(copy, read_only=True).sheetnames:
        return "hidden sheet sent back"
    return "copy, hidden sheet dropped" if time.monotonic() - started < 120 else "too slow"


def _date_1900(root: Path, work: Path) -> str:
    ws = open_workspace(root)
    unit = next(u for u in ws.registry if u.code == "P_AN")
    source = root / INBOX / "P_AN_F01_2017.xlsx"
    source.unlink()
    make_forms(ws.plan, [unit], "F01", "2017", root / INBOX, workers=1,
               values_by_unit={"P_AN": {"dv_tong_so": 320, "dk_ket_nap": 9, "ngay_lap": dt.date(1900, 1, 1)}})
    late = dt.datetime(2017, 3, 15, 9, 0).timestamp()
    os.utime(source, (late, late))
    done = xlplan("consolidate", root, "--as-of", "31/03/2017", "--json")
    if done.returncode not in (0, 1):
        return f"exit {done.returncode}"
    codes = {f["code"] for f in json.loads(done.stdout)["findings"] if f.get("unit") == "P_AN"}
    if "report-date-out-of-range" not in codes:
        return "on time" if "late-submission" not in codes else "late, no finding"
    return "finding, judged late" if "late-submission" in codes else "finding, not judged"


CASES: tuple[tuple[str, str, str, Callable[[Path, Path], str]], ...] = (
    ("inbox_fifo", "a FIFO named like a form in the inbox", "file-skipped", _fifo),
    ("inbox_device", "a character device named .xlsx", "file-skipped", _device),
    ("inbox_folder_xlsx", "a folder named .xlsx", "file-skipped", _folder_named_xlsx),
    ("inbox_dangling_link", "a symbolic link to nothing", "file-skipped", _dangling_link),
    ("inbox_outward_link", "a link to a system file outside the working folder", "file-skipped", _outward_link),
    ("inbox_link_2gb", "a link to a 2 GB file outside the inbox", "file-skipped", _link_to_2gb),
    ("inbox_sparse_2gb", "a 2 GB sparse file named like a form", "file-too-large", _sparse_2gb),
    ("inbox_non_utf8", "a form whose name is not UTF-8", "read", _non_utf8),
    ("inbox_unlistable", "a sub-folder that cannot be listed", "file-skipped", _unlistable),
    ("check_fifo", "xlplan check on a FIFO", "file-unreadable", _check_fifo),
    ("status_unreadable_file", "status with one unreadable inbox file", "runs", _status_unreadable),
    ("fault_readonly_output", "KetQua/ read-only", FAULT, _readonly_output),
    ("fault_readonly_archive", "archive/ read-only, a new file to archive", FAULT, _readonly_archive),
    ("fault_readonly_backups", "KetQua/SaoLuu read-only", FAULT, _readonly_backups),
    ("fault_disk_full", "a full disk (4 MB tmpfs filled), then space freed", FAULT, _disk_full),
    ("lock_pid_overflow", "a lock whose pid overflows", "taken over", _pid_overflow),
    ("lock_stale_race", "8 processes released together on a stale lock, 40 rounds", "one at a time",
     lambda root, work: stale_lock_race(work, 40)),
    ("workers_parent_killed", "consolidate killed (SIGKILL) while its workers read", "workers gone", _killed_parent),
    ("settings_inbox_escape", "inbox ../../../../etc on Cấu hình", REFUSED_CELL, _inbox_escape),
    ("settings_output_outside", "output folder an absolute path outside", REFUSED_CELL, _output_outside),
    ("settings_plan_device", "plan file /dev/zero", REFUSED_CELL, _plan_device),
    ("settings_plan_fifo", "plan file a FIFO", REFUSED_CELL, _plan_fifo),
    ("feedback_hidden_bomb", "feedback on a form hiding 3.1 million cells, memory capped at 1.5 GB",
     "copy, hidden sheet dropped", _feedback_bomb),
    ("date_1900", "a report dated 01/01/1900, sent late", "finding, judged late", _date_1900),
)
QUICK = frozenset({"inbox_fifo", "inbox_sparse_2gb", "inbox_non_utf8", "check_fifo", "fault_readonly_output",
                   "settings_inbox_escape"})  # the cases a --quick run stages


def run_machine_cases(quick: bool = False) -> MachineResult:
    """Every case (``quick``: only those of :data:`QUICK`), each on a fresh copy of one small working folder."""
    started = time.monotonic()
    result = MachineResult()
    with tempfile.TemporaryDirectory(prefix="xlplan-machine-") as temp:
        (Path(temp) / "mau").mkdir()
        template = small_folder(Path(temp) / "mau" / "TongHop")
        for number, (case_id, what, expected, stage) in enumerate(CASES):
            case = MachineCase(case_id, what, expected)
            result.cases.append(case)
            if quick and case_id not in QUICK:
                case.actual, case.note = NOT_RUN, "--quick"
                continue
            work = Path(temp) / f"c{number}"
            root = work / "TongHop"
            shutil.copytree(template, root, copy_function=shutil.copy2)
            began = time.monotonic()
            try:
                case.actual = stage(root, work)
            except NotHere as exc:
                case.actual, case.note = NOT_RUN, str(exc)
            except subprocess.TimeoutExpired:
                case.actual = "hangs"
            except Exception as exc:  # noqa: BLE001 - a case that breaks is a finding of the table
                case.actual = f"error: {type(exc).__name__}: {exc}"[:120]
            case.seconds = time.monotonic() - began
            if not case.passed:
                case.note = str(_last[0] or "")
            shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def markdown(result: MachineResult) -> list[str]:
    """The section of ``docs/reliability.md`` for these cases."""
    lines = ["## Inbox entries, machine faults and processes", "",
             "Source: `tools.reliability.machine_cases.run_machine_cases`: each case staged in a fresh small "
             "working folder and run through the real command (`python -m xlplan` in a subprocess); the inbox "
             "entry's finding, the exit code and message of a fault of the Board's machine (exit 2, the folder "
             "named, nothing half-done, no lock left, no traceback), or what the processes did; "
             f"{result.passed} of {result.ran} cases run as expected, in {result.seconds:.1f} s. "
             "Asserted case by case by `tests/test_rel_inbox.py`, `tests/test_rel_processes.py`, "
             "`tests/test_rel_settings.py`, `tests/test_rel_feedback.py` and `tests/test_rel_dates.py`.", "",
             "| case | what | expected | outcome | result |", "|---|---|---|---|---|"]
    for case in result.cases:
        verdict = f"not run: {case.note}" if not case.run else (
            "pass" if case.passed else f"**FAIL** ({case.note.replace('|', '/')})")
        lines.append(f"| {case.id} | {case.what} | {case.expected} | {case.actual if case.run else '—'} | "
                     f"{verdict} |")
    return lines + [""]
