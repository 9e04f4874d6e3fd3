"""One consolidation at a time per working folder: the ``.xlplan.lock`` file (see :func:`lock_workspace`).

Split from :mod:`xlplan.services.workspace`, which re-exports these names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

from ..core.errors import XlplanError
from ..io.workbook_files import machine_fault

LOCK_NAME = ".xlplan.lock"
UNREADABLE_LOCK_GRACE = 5.0  # seconds a lock file may stay empty while its holder writes it (O_EXCL fallback)


@contextlib.contextmanager
def lock_workspace(root: Path, command: str = "consolidate") -> Iterator[Path]:
    """Hold ``root/.xlplan.lock`` for the duration; refuse if another live run holds it.

    The lock file appears whole or not at all: its content (pid, host, time)
    is written to a private temporary file which is then hard-linked to the
    lock's name (atomic, fails if the name exists — also on SMB shares; where
    links are not supported, ``O_EXCL`` and a write). A full disk therefore
    never leaves an empty lock. A lock left by a process that died on this same
    host is taken over, one process at a time: the judgement "stale" and the
    removal happen under an OS lock on a sidecar file (``.xlplan.lock.takeover``),
    re-reading the lock there, so two runs can never both remove a stale lock
    and one of them the other's fresh one. A lock from another computer is
    never guessed stale: the message says who holds it and how to remove it.
    """
    path = Path(root) / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "time": dt.datetime.now().replace(microsecond=0).isoformat(sep=" "), "command": command}
    for _ in range(50):
        if _create_lock(path, me):
            break
        holder = read_lock(path)
        if holder is None and _age(path) < UNREADABLE_LOCK_GRACE:
            time.sleep(0.2)  # being written by its holder right now (O_EXCL fallback only)
            continue
        if holder is not None and not _stale(holder):
            raise _held(path, holder)
        _take_over(path, holder)
    else:
        raise _held(path, read_lock(path) or {})
    try:
        yield path
    finally:
        if read_lock(path) == me:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def _create_lock(path: Path, me: dict[str, Any]) -> bool:
    """Create the lock file with ``me`` in it, whole or not at all; False when it exists already."""
    data = json.dumps(me, ensure_ascii=False).encode("utf-8")
    try:
        handle, temp = tempfile.mkstemp(prefix=f"{LOCK_NAME}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise machine_fault(exc, path.parent, f"tệp khóa {LOCK_NAME}") from exc
    try:
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as exc:
            raise machine_fault(exc, path.parent, f"tệp khóa {LOCK_NAME}") from exc
        try:
            os.link(temp, path)
            return True
        except FileExistsError:
            return False
        except OSError:  # no hard links here (FAT, some shares): O_EXCL, then the content
            pass
        return _create_exclusive(path, data)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _create_exclusive(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    except OSError as exc:
        raise machine_fault(exc, path.parent, f"tệp khóa {LOCK_NAME}") from exc
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)  # never an empty lock left behind
        raise machine_fault(exc, path.parent, f"tệp khóa {LOCK_NAME}") from exc
    return True


def _take_over(path: Path, judged: dict[str, Any] | None) -> None:
    """Remove the stale lock ``judged`` (or an empty one past its grace), under the sidecar's OS lock,
    only if the lock file still says the same: a fresh lock made meanwhile is never removed."""
    with _sidecar_lock(path.with_name(LOCK_NAME + ".takeover")):
        now = read_lock(path)
        if now != judged:
            return  # gone, or replaced since it was judged: judge again
        if now is None and (not path.exists() or _age(path) < UNREADABLE_LOCK_GRACE):
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


@contextlib.contextmanager
def _sidecar_lock(path: Path) -> Iterator[None]:
    """An exclusive OS lock (``flock`` / ``msvcrt.locking``) on ``path``, waited for; released on exit or death."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise machine_fault(exc, path.parent, f"tệp khóa {path.name}") from exc
    try:
        if sys.platform == "win32":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.05)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def read_lock(path: Path) -> dict[str, Any] | None:
    """The holder recorded in a lock file; None when it is gone or unreadable."""
    try:
        with open(path, "rb") as stream:  # a lock is a hundred bytes; never read a huge file whole
            data = json.loads(stream.read(65536).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _stale(holder: dict[str, Any]) -> bool:
    """A lock is stale only when its process is known dead: same host, pid gone."""
    if holder.get("host") != socket.gethostname():
        return False
    try:
        pid = int(holder.get("pid", 0))
    except (TypeError, ValueError, OverflowError):
        return True
    if pid <= 0 or pid > 2**31 - 1:  # no such process can exist (a damaged or forged lock)
        return True
    try:
        return not pid_alive(pid)
    except (OverflowError, ValueError, OSError):
        return True


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer."""
    # os.kill(pid, 0) would send CTRL_C_EVENT on Windows. (sys.platform, the same test as
    # os.name == "nt", is the one mypy knows: ctypes.windll exists only there.)
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _held(path: Path, holder: dict[str, Any]) -> XlplanError:
    return XlplanError(
        f"Thư mục làm việc '{path.parent}' đang được một lần tổng hợp khác sử dụng "
        f"(tiến trình {holder.get('pid', '?')} trên máy '{holder.get('host', '?')}', "
        f"bắt đầu lúc {holder.get('time', '?')}). Hãy chờ lần đó chạy xong rồi chạy lại; "
        f"nếu chắc chắn không còn chạy, hãy xóa tệp '{path.name}' trong thư mục làm việc.")
