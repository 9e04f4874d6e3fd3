"""Saving workbooks atomically and byte-for-byte reproducibly.

Forms are regenerated often (a corrected registry, a new period) and sent to
80 units; the committed blank templates are compared with freshly generated
ones. Two things follow:

- *Atomic*: a form is written to a temporary file in the target folder, flushed
  to disk and renamed over the target, so an interrupted run never leaves a
  half-written workbook that a unit could receive.
- *Deterministic*: the same inputs give the same bytes. openpyxl stamps the
  document properties with the current time and every zip member with the
  current local time; both are replaced by fixed values and the members are
  zipped in a stable order.

On Windows, Excel (or an antivirus scan) holding the target makes the final
rename fail with a sharing violation; the rename is retried briefly for those
error codes only (:data:`LOCKED_WINERRORS`), then the error is raised for the
caller to decide (the consolidation writes a versioned file instead).

Test hook: with ``XLPLAN_TEST_KILL_AT=<n>`` set, the process kills itself
(SIGKILL, no clean-up) at the n-th :func:`kill_point` it passes; the write
steps here and in the consolidation call it, so a test can interrupt a run at
every step and check that nothing already written is lost. Unset, it costs a
dictionary lookup.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import tempfile
import time
import zipfile
from pathlib import Path
from typing import IO

from openpyxl import Workbook

from .openpyxl_internals import save_package
from .streamed_rows import sheet_rows

FIXED_TIME = dt.datetime(2017, 1, 1)
_ZIP_TIME = (2017, 1, 1, 0, 0, 0)
_FIRST = ("[Content_Types].xml", "_rels/.rels")  # conventional order of an OOXML package
# Windows errors meaning "another program holds the file": access denied, sharing and lock violations.
LOCKED_WINERRORS = frozenset({5, 32, 33})
_CHUNK = 1 << 20
RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8)  # seconds; about 1.5 s in all, then give up
KILL_ENV = "XLPLAN_TEST_KILL_AT"
_kill_count = [0]


def kill_point() -> None:
    """Test hook: die here, abruptly, when this is the ``XLPLAN_TEST_KILL_AT``-th point reached."""
    wanted = os.environ.get(KILL_ENV)
    if not wanted:
        return
    _kill_count[0] += 1
    if _kill_count[0] == int(wanted):
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


def is_locked_error(exc: BaseException) -> bool:
    """Whether ``exc`` says another program (Excel, an antivirus) holds the file, on Windows."""
    return isinstance(exc, OSError) and getattr(exc, "winerror", None) in LOCKED_WINERRORS


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as xlsx bytes, identical for identical content."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    for ws in wb.worksheets:
        # openpyxl learns the column outline level while writing and writes it from the
        # second save on; learning it first makes every save of a workbook the same.
        ws.column_dimensions.to_tree()
        # Merged ranges live in a set whose order depends on the order they were added
        # (a loaded workbook adds them in file order): rebuild it in one canonical order.
        merged = ws.merged_cells.sorted()
        ws.merged_cells.ranges = set()
        for cell_range in merged:
            ws.merged_cells.ranges.add(cell_range)
    buffer = io.BytesIO()
    archive = _StableZip(buffer)
    try:
        save_package(wb, archive, sheet_rows)  # unlike Workbook.save, leaves properties.modified alone
    finally:
        archive.discard()  # a failed save leaves no spooled worksheet open (after close: nothing)
    return buffer.getvalue()


# Deflate's fastest level: a national summary's sheets are hundreds of megabytes of XML, which
# level 1 packs four times faster than the default (6) into a file about 1.4 times as large.
_LEVEL = 1


class _StableZip(zipfile.ZipFile):
    """A zip archive written in a stable member order, every member with a fixed date.

    openpyxl hands it members (``writestr``, and ``write`` from temporary files
    for worksheets); they are held until ``close`` and then compressed once,
    ``[Content_Types].xml`` and the root relations first as Office writes them.
    Worksheets are held in anonymous temporary files, not in memory: at
    national scale a sheet's XML is hundreds of megabytes.
    """

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self._pending: list[tuple[str, bytes | IO[bytes]]] | None = []

    def writestr(self, zinfo_or_arcname: str | zipfile.ZipInfo, data: str | bytes,  # type: ignore[override]
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, zipfile.ZipInfo) else zinfo_or_arcname
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self._hold(name, payload)

    def write(self, filename: str | os.PathLike[str], arcname: str | None = None,  # type: ignore[override]
              compress_type: int | None = None, compresslevel: int | None = None) -> None:
        spool = tempfile.TemporaryFile()  # openpyxl deletes its own file as soon as this returns
        try:
            with open(filename, "rb") as stream:
                shutil.copyfileobj(stream, spool, _CHUNK)
            self._hold(arcname or os.path.basename(filename), spool)
        except BaseException:
            spool.close()
            raise

    def _hold(self, name: str, payload: bytes | IO[bytes]) -> None:
        if self._pending is None:
            raise ValueError("archive already closed")
        self._pending.append((name, payload))

    def discard(self) -> None:
        """Close the spooled worksheets; the archive takes no more members (after a close, or a failed save)."""
        pending, self._pending = self._pending, None
        for _, payload in pending or ():
            if not isinstance(payload, bytes):
                payload.close()

    def close(self) -> None:
        pending = self._pending
        try:
            if pending:
                first = [m for key in _FIRST for m in pending if m[0] == key]
                for name, payload in first + [m for m in pending if m[0] not in _FIRST]:
                    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info._compresslevel = _LEVEL  # type: ignore[attr-defined]  # 3.13: also compress_level
                    info.external_attr = 0o644 << 16
                    if isinstance(payload, bytes):
                        super().writestr(info, payload)
                        continue
                    # What writestr does, a chunk at a time: the size is known before the header.
                    info.file_size = payload.seek(0, os.SEEK_END)
                    payload.seek(0)
                    with self.open(info, "w") as dest:
                        shutil.copyfileobj(payload, dest, _CHUNK)
            super().close()
        finally:
            self.discard()


def save_workbook(wb: Workbook, path: str | os.PathLike[str]) -> Path:
    """Save ``wb`` to ``path`` atomically and deterministically; returns the path."""
    return write_bytes_atomic(workbook_bytes(wb), path)


def write_bytes_atomic(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write ``data`` via a temporary file in the same folder, fsync, then ``os.replace``."""
    target = Path(path)
    folder = target.parent
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            half = len(data) // 2
            stream.write(data[:half])
            kill_point()  # a half-written temporary file
            stream.write(data[half:])
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        kill_point()  # complete temporary file, target untouched
        _replace_with_retry(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    kill_point()  # renamed, folder not yet synced
    _fsync_folder(folder)
    return target


def _replace_with_retry(source: str, target: Path) -> None:
    """``os.replace``, retried briefly while Windows says another program holds the target."""
    for delay in (*RETRY_DELAYS, None):
        try:
            os.replace(source, target)
            return
        except OSError as exc:
            if delay is None or not is_locked_error(exc):
                raise
            time.sleep(delay)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows syncing a directory."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- names shown losslessly, and faults of the Board's own machine -----------------------------

def shown_name(name: str) -> str:
    """``name`` as it can be shown and stored anywhere (a cell, JSON, SQLite), losslessly.

    A file name that is not valid UTF-8 arrives surrogate-escaped (``'\\udcff'``)
    and control characters are legal in POSIX names; neither can be written to
    a workbook or encoded for SQLite. Each such byte or character is shown as
    its escape (``\\xff``, ``\\x01``), every other letter as it is.
    """
    if name.isprintable():
        return name
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone UTF-16 surrogate (a Windows name), not an escaped byte
        raw = name.encode("utf-8", "surrogatepass")
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" if ord(c) < 256 else
                   f"\\u{ord(c):04x}" for c in text)


_FAULTS = {
    "ENOSPC": ("ổ đĩa đã đầy", "Hãy giải phóng chỗ trống trên ổ đĩa chứa thư mục này rồi chạy lại."),
    "EDQUOT": ("đã hết hạn mức dung lượng", "Hãy giải phóng chỗ trống hoặc xin nâng hạn mức rồi chạy lại."),
    "EROFS": ("ổ đĩa chỉ cho phép đọc", "Hãy chép thư mục làm việc sang ổ đĩa ghi được rồi chạy lại."),
    "EACCES": ("không có quyền ghi", "Hãy cấp quyền ghi cho thư mục này (hoặc bỏ thuộc tính chỉ đọc) rồi chạy lại."),
    "EPERM": ("không có quyền ghi", "Hãy cấp quyền ghi cho thư mục này (hoặc bỏ thuộc tính chỉ đọc) rồi chạy lại."),
}


def machine_fault(exc: BaseException, folder: str | os.PathLike[str], what: str) -> Exception:
    """The Vietnamese error for a fault of the Board's own machine while writing ``what`` in ``folder``.

    Disk full, a read-only disk, no write permission: the message names the
    folder and what to do; nothing about a unit's file. Returns an
    :class:`~xlplan.core.errors.XlplanError` (the CLI shows it and exits 2).
    """
    from ..core.errors import XlplanError

    import errno as errno_names

    code = getattr(exc, "errno", None)
    name = errno_names.errorcode.get(code, "") if isinstance(code, int) else ""
    if not name:
        text = str(exc).lower()
        name = "ENOSPC" if "full" in text else "EROFS" if "readonly" in text or "read-only" in text else \
            "EACCES" if "permission" in text or "unable to open" in text else ""
    problem, fix = _FAULTS.get(name, (f"lỗi hệ thống ({getattr(exc, 'strerror', None) or exc})",
                                     "Hãy kiểm tra ổ đĩa và quyền ghi của thư mục này rồi chạy lại."))
    return XlplanError(f"Máy của Ban Tổ chức không ghi được {what} vào thư mục '{shown_name(str(folder))}': "
                       f"{problem}. {fix} Chưa có gì bị ghi dở; các tệp của đơn vị không bị ảnh hưởng.")
