"""The inbox walk reports everything, and nothing the units send can hang, flood or crash a run (issue 12).

Real working folders, the real ``xlplan`` entry point in a real process
(``python -m xlplan``), real file system objects: FIFOs, a character device,
folders named ``.xlsx``, dangling and outward symbolic links, a 2 GB sparse
file, a name that is not UTF-8, a sub-folder that cannot be listed. Every
entry must end as a submission, a skip with its reason or a refusal, in the
JSON and on the Kiểm tra sheet; nothing big is copied or hashed.

Root reads every folder whatever its mode; the cases that need a folder or a
file root cannot read run the command with ``CAP_DAC_OVERRIDE`` and
``CAP_DAC_READ_SEARCH`` dropped (``setpriv --bounding-set``), as CI runs as root.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from xlplan.io.audit_store import AuditStore
from xlplan.services.workspace import ARCHIVE, INBOX, LOCK_NAME, WORKBOOK_NAME, open_workspace

from test_archive import small_folder

GB = 1 << 30


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory.mktemp("relinbox") / "TongHop")


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "TongHop"
    shutil.copytree(template, root, copy_function=shutil.copy2, symlinks=True)
    return root


def xlplan(*args: str | Path, timeout: float = 180, drop_caps: bool = False,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a real process; with ``drop_caps``, as root without its bypass of file modes."""
    command = [sys.executable, "-m", "xlplan", *map(str, args)]
    if drop_caps and os.geteuid() == 0:
        command = [_setpriv(), "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _setpriv() -> str:
    found = shutil.which("setpriv")
    if found is None:
        pytest.skip("root cannot be made to obey file modes here: setpriv (util-linux) is not installed")
    return found


def json_of(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)


def findings(report: dict, code: str) -> dict[str, dict]:
    return {f["file"]: f for f in report["findings"] if f["code"] == code}


def kiem_tra(root: Path) -> list[tuple[str, str]]:
    """(code, file) of every row on the Kiểm tra sheet."""
    wb = openpyxl.load_workbook(root / WORKBOOK_NAME, read_only=True)
    rows = [tuple(str(c) if c is not None else "" for c in row) for row in wb["Kiểm tra"].iter_rows(values_only=True)]
    wb.close()
    return [(code, file) for row in rows for code in row if code in ("file-skipped", "file-too-large",
                                                                     "file-unreadable") for file in row]


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert "Lỗi không mong đợi" not in done.stderr + done.stdout


NON_UTF8 = os.fsdecode(b"ghi ch\xfa \x01.xlsx")  # Latin-1 'ú' and a control character: not UTF-8


def test_every_entry_is_read_skipped_with_a_reason_or_refused_and_nothing_big_is_copied(folder: Path,
                                                                                       tmp_path: Path) -> None:
    inbox = folder / INBOX
    outside = tmp_path / "ngoai"
    outside.mkdir()
    with open(outside / "lon.xlsx", "wb") as handle:  # 2 GB, sparse: costs no disk
        handle.truncate(2 * GB)
    with open(inbox / "P_AN_F01_2017 (to).xlsx", "wb") as handle:
        handle.truncate(2 * GB)
    os.mkfifo(inbox / "P_BINH_F01_2017.xlsx")
    os.mknod(inbox / "thiet_bi.xlsx", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers
    (inbox / "thu_muc.xlsx").mkdir()
    os.symlink(inbox / "khong_con.xlsx", inbox / "lien_ket_hong.xlsx")
    os.symlink("/etc/passwd", inbox / "he_thong.xlsx")
    os.symlink(outside / "lon.xlsx", inbox / "lien_ket_lon.xlsx")
    os.symlink(inbox, inbox / "vong_lap")
    shutil.copy2(os.fsencode(inbox / "P_AN_F01_2017.xlsx"), os.path.join(os.fsencode(inbox), os.fsencode(NON_UTF8)))
    (inbox / ".DS_Store").write_bytes(b"\0" * 10)

    started = time.monotonic()
    report = json_of(xlplan("consolidate", folder, "--json", timeout=120))
    assert time.monotonic() - started < 60  # nothing 2 GB was hashed or copied

    skipped = findings(report, "file-skipped")
    for name in ("P_BINH_F01_2017.xlsx", "thiet_bi.xlsx", "thu_muc.xlsx", "lien_ket_hong.xlsx",
                 "he_thong.xlsx", "lien_ket_lon.xlsx", "vong_lap", ".DS_Store"):
        assert name in skipped, (name, sorted(skipped))
        assert skipped[name]["params"]["reason"]
    assert "FIFO" in skipped["P_BINH_F01_2017.xlsx"]["params"]["reason"]
    assert "ngoài" in skipped["he_thong.xlsx"]["params"]["reason"]
    too_large = findings(report, "file-too-large")
    assert "P_AN_F01_2017 (to).xlsx" in too_large
    shown = "ghi ch\\xfa \\x01.xlsx"  # the bytes that are not UTF-8 shown as escapes, losslessly
    assert shown in {f["file"] for f in report["findings"]}  # its findings name it, escapes and all

    archived = [p for p in (folder / ARCHIVE).rglob("*") if p.is_file()]
    assert archived and max(p.stat().st_size for p in archived) < 16 << 20
    listed = {file for _, file in kiem_tra(folder)}
    assert {"P_BINH_F01_2017.xlsx", "thu_muc.xlsx", "he_thong.xlsx", "P_AN_F01_2017 (to).xlsx"} <= {
        Path(f).name for f in listed}
    ws = open_workspace(folder)
    with AuditStore(ws.audit) as store:
        run = store.runs()[-1]
        names = {row["name"]: row["state"] for row in store.inputs(run["id"])}
    assert run["status"] == "written"
    assert names[shown] in ("used", "superseded")
    assert names["P_BINH_F01_2017.xlsx"] == "skipped" and names["he_thong.xlsx"] == "skipped"


def test_check_on_a_fifo_a_device_and_a_huge_file_answers_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "P_AN_F01_2017.xlsx"
    os.mkfifo(fifo)
    huge = tmp_path / "lon.xlsx"
    with open(huge, "wb") as handle:
        handle.truncate(4 * GB)
    started = time.monotonic()
    done = xlplan("check", fifo, huge, "/dev/zero", "--json", timeout=60)
    assert time.monotonic() - started < 30
    no_traceback(done)
    report = json_of(done)
    codes = {f["file"]: f["code"] for f in report["findings"]}
    assert codes[str(fifo)] == "file-unreadable" and codes[str(huge)] == "file-too-large"
    assert codes["/dev/zero"] == "file-unreadable"


def test_a_sub_folder_that_cannot_be_listed_is_reported_not_silently_skipped(folder: Path) -> None:
    hidden = folder / INBOX / "Zalo"
    hidden.mkdir()
    shutil.copy2(folder / INBOX / "P_AN_F01_2017.xlsx", hidden / "P_AN_F01_2017.xlsx")
    hidden.chmod(0)
    try:
        done = xlplan("consolidate", folder, "--json", drop_caps=True)
    finally:
        hidden.chmod(0o755)
    report = json_of(done)
    skipped = findings(report, "file-skipped")
    assert "Zalo" in skipped and "thư mục" in skipped["Zalo"]["params"]["reason"]
    assert "Zalo" in {Path(f).name for _, f in kiem_tra(folder)}


def test_one_unreadable_inbox_file_does_not_stop_status_or_feedback(folder: Path) -> None:
    assert xlplan("consolidate", folder).returncode in (0, 1)
    locked = folder / INBOX / "CQ_CHAU_F01_2017.xlsx"
    locked.chmod(0)
    try:
        status = xlplan("status", folder, "--as-of", "28/02/2017", drop_caps=True)
        feedback = xlplan("feedback", folder, "--as-of", "28/02/2017", drop_caps=True)
    finally:
        locked.chmod(0o644)
    for done in (status, feedback):
        no_traceback(done)
        assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "F02 kỳ 2017-01: đã nộp 2/2" in status.stdout  # the other units' reports still count
    assert "CQ_CHAU" in status.stdout and "không đọc được" in status.stdout


def test_a_read_only_archive_is_the_boards_fault_not_the_units(folder: Path) -> None:
    assert xlplan("consolidate", folder).returncode in (0, 1)
    before = (folder / WORKBOOK_NAME).read_bytes()
    shutil.copy2(folder / INBOX / "P_AN_F01_2017.xlsx", folder / INBOX / "P_AN_F01_2017 (2).xlsx")
    with open(folder / INBOX / "P_AN_F01_2017 (2).xlsx", "ab") as handle:
        handle.write(b"\0")  # new bytes: a new archive entry is needed
    archive = folder / ARCHIVE / "sha256"
    modes = {p: p.stat().st_mode for p in [archive, *archive.iterdir()]}
    for path in modes:
        path.chmod(0o555)
    try:
        done = xlplan("consolidate", folder, drop_caps=True)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert done.returncode == 2, done.stdout + done.stderr
    no_traceback(done)
    assert "archive" in done.stderr and "không có quyền ghi" in done.stderr
    assert "P_AN" not in done.stderr  # the unit is not blamed
    assert (folder / WORKBOOK_NAME).read_bytes() == before
    assert not (folder / LOCK_NAME).exists()


def test_a_read_only_output_folder_is_named_and_nothing_is_half_done(folder: Path) -> None:
    output = folder / "KetQua"
    before = (folder / WORKBOOK_NAME).read_bytes()
    modes = {p: p.stat().st_mode for p in [output, *output.rglob("*")] if p.is_dir()}
    for path in modes:
        path.chmod(0o555)
    try:
        done = xlplan("consolidate", folder, drop_caps=True)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert done.returncode == 2, done.stdout + done.stderr
    no_traceback(done)
    assert "KetQua" in done.stderr and "Excel" not in done.stderr
    assert (folder / WORKBOOK_NAME).read_bytes() == before
    assert not (folder / LOCK_NAME).exists()


def test_a_read_only_backup_folder_is_not_reported_as_open_in_excel(folder: Path) -> None:
    backups = folder / "KetQua" / "SaoLuu"
    backups.mkdir(parents=True, exist_ok=True)
    before = (folder / WORKBOOK_NAME).read_bytes()
    backups.chmod(0o555)
    try:
        done = xlplan("consolidate", folder, drop_caps=True)
    finally:
        backups.chmod(0o755)
    assert done.returncode == 2, done.stdout + done.stderr
    no_traceback(done)
    assert "SaoLuu" in done.stderr and "đang mở trong Excel" not in done.stderr
    assert (folder / WORKBOOK_NAME).read_bytes() == before
    assert not (folder / LOCK_NAME).exists()


def _mount_tmpfs(where: Path, size: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small full disk needs root to mount a tmpfs; not root here")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this container may not mount a tmpfs ({done.stderr.strip()})")


def test_a_full_disk_is_named_leaves_no_lock_and_the_next_run_works(folder: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "4m")
    try:
        root = disk / "TongHop"
        shutil.copytree(folder, root, copy_function=shutil.copy2)
        before = (root / WORKBOOK_NAME).read_bytes()
        filler = disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:  # fill the disk to its last byte
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        done = xlplan("consolidate", root)
        assert done.returncode == 2, done.stdout + done.stderr
        no_traceback(done)
        assert "đầy" in done.stderr
        assert (root / WORKBOOK_NAME).read_bytes() == before
        assert not (root / LOCK_NAME).exists()
        filler.unlink()
        again = xlplan("consolidate", root)
        assert again.returncode in (0, 1), again.stdout + again.stderr
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_status_reads_a_read_only_output_folder(folder: Path) -> None:
    assert xlplan("consolidate", folder).returncode in (0, 1)
    output = folder / "KetQua"
    modes = {p: p.stat().st_mode for p in [output, *output.rglob("*")]}
    for path in modes:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        done = xlplan("status", folder, "--as-of", "28/02/2017", drop_caps=True)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    no_traceback(done)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "F02 kỳ 2017-01: đã nộp 2/2" in done.stdout


@pytest.mark.parametrize("where", [ARCHIVE, "KetQua"])
def test_a_full_archive_or_output_disk_is_named_and_no_unit_is_blamed(folder: Path, where: str) -> None:
    """The archive (or KetQua/, with the audit store and the backups) on its own full tmpfs: the copy of a
    unit's file (or the audit store's first write) fails with ENOSPC; the run says which folder is full."""
    disk = folder / where
    saved = None
    if disk.exists():
        saved = folder.parent / f"{where}.saved"
        shutil.move(disk, saved)
    _mount_tmpfs(disk, "256k")
    try:
        if saved is not None:
            for item in saved.iterdir():
                shutil.move(item, disk / item.name)
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        before = (folder / WORKBOOK_NAME).read_bytes()
        done = xlplan("consolidate", folder)
        assert done.returncode == 2, done.stdout + done.stderr
        no_traceback(done)
        assert where in done.stderr and "đầy" in done.stderr
        assert "P_AN" not in done.stderr and "CQ_CHAU" not in done.stderr
        assert (folder / WORKBOOK_NAME).read_bytes() == before
        assert not (folder / LOCK_NAME).exists()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_init_in_a_read_only_folder_names_it(tmp_path: Path) -> None:
    parent = tmp_path / "chi_doc"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        done = xlplan("init", parent / "TongHop", drop_caps=True)
    finally:
        parent.chmod(0o755)
    assert done.returncode == 2, done.stdout + done.stderr
    no_traceback(done)
    assert str(parent) in done.stderr and "không có quyền ghi" in done.stderr
