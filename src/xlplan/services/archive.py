"""The content-addressed archive: every input's bytes, kept read-only, named by their hash.

Units send the same report twice under different names, re-send a corrected
file under the old name, and staff tidy the inbox. So a file's identity is its
SHA-256, not its name, and before a consolidation parses a file it copies it
to ``archive/sha256/<aa>/<hash><ext>`` in the working folder (``aa`` = the
first two hex digits, keeping folders small). The copy is what gets parsed, so
the bytes read are exactly the bytes hashed even if the inbox file changes
meanwhile, and the audit store's values can always be checked against the
very bytes they came from. The inbox file itself is only ever read.

A copy is written to a temporary file, fsynced and renamed into place; an
existing entry is never rewritten (same name = same bytes), so an interrupted
run leaves at most a stray ``*.tmp`` and never a wrong entry.

An input is opened once (:func:`open_input`) and checked on that open file
before a byte is read: a regular file (a FIFO, a device, a folder is refused,
never waited on or read), no bigger than the readers' limit (a 4 GB file is
refused on its size, not hashed). What is hashed is what is read, with the same
cap. A fault of the archive itself (disk full, read-only) is the Board's
machine's, never the unit's: :func:`archive_file` raises
:class:`~xlplan.core.errors.XlplanError` naming the folder, while a source that
cannot be read raises OSError (the caller's ``file-unreadable``) and a source
refused on its kind or size raises :class:`InputRefused`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, NamedTuple, TypeVar

from ..io.readers import Limits
from ..io.workbook_files import kill_point, machine_fault

HASH = "sha256"
_BLOCK = 1 << 20
_IN_MEMORY = 16 << 20  # a form is well under this; a bigger file is streamed to its temporary copy
MAX_BYTES = Limits().file_bytes  # the readers' limit: nothing bigger is copied or hashed
_T = TypeVar("_T")
READ_SECONDS = 60.0  # reading one input's bytes (a network share, a dying USB stick) may take this long


class InputRefused(Exception):
    """An input refused on what ``stat`` says, before any byte is read: its finding code and reason."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def open_input(path: Path, max_bytes: int | None = MAX_BYTES) -> tuple[BinaryIO, os.stat_result]:
    """``path`` opened for reading, with its ``fstat``: a regular file no bigger than ``max_bytes``.

    Opened without blocking (a FIFO with no writer would wait forever) and
    checked on the open descriptor, so what is checked is what is read. Raises
    :class:`InputRefused` for anything else and OSError when it cannot be opened.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputRefused("file-unreadable", f"không phải tệp thông thường ({kind_of(info.st_mode)})")
        if max_bytes is not None and info.st_size > max_bytes:
            raise InputRefused("file-too-large", f"tệp {info.st_size:,} byte, quá giới hạn {max_bytes:,} byte"
                               .replace(",", "."))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info
    except BaseException:
        os.close(fd)
        raise


def kind_of(mode: int) -> str:
    """What a file system entry is, in Vietnamese (for a skip or refusal reason)."""
    if stat.S_ISDIR(mode):
        return "thư mục"
    if stat.S_ISFIFO(mode):
        return "đường ống FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "tệp thiết bị"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISLNK(mode):
        return "liên kết"
    return "loại đặc biệt"


def _bounded_blocks(stream: BinaryIO, path: Path, max_bytes: int | None, seconds: float) -> Iterator[bytes]:
    """The blocks of ``stream``; :class:`InputRefused` past ``max_bytes`` (a file growing while read)
    or past ``seconds`` (a share that trickles)."""
    deadline = time.monotonic() + seconds
    size = 0
    for block in iter(lambda: stream.read(_BLOCK), b""):
        size += len(block)
        if max_bytes is not None and size > max_bytes:
            raise InputRefused("file-too-large", f"tệp lớn hơn giới hạn {max_bytes:,} byte".replace(",", "."))
        if time.monotonic() > deadline:
            raise InputRefused("file-too-slow", f"đọc tệp mất quá {seconds:g} giây")
        yield block


@dataclass(frozen=True)
class Archived:
    """One input as archived: its original path, its identity and the archived copy."""

    source: Path  # the inbox file, original (non-normalized) name, for file operations
    sha256: str
    size: int
    path: Path  # the read-only copy in the archive
    mtime: float = 0.0  # the source's modification time, from the open file's fstat


def archive_path(archive: Path, sha256: str, suffix: str) -> Path:
    """Where the bytes with this hash live: ``<archive>/sha256/<aa>/<hash><ext>``."""
    return Path(archive) / HASH / sha256[:2] / f"{sha256}{suffix.lower()}"


def find_archived(archive: Path, sha256: str) -> Path | None:
    """The archived copy of these bytes, whatever extension it was archived with."""
    folder = Path(archive) / HASH / sha256[:2]
    if not folder.is_dir():
        return None
    for candidate in sorted(folder.glob(f"{sha256}*")):
        if not candidate.name.endswith(".tmp"):
            return candidate
    return None


def archive_file(source: Path, archive: Path, max_bytes: int | None = MAX_BYTES,
                 seconds: float = READ_SECONDS) -> Archived:
    """Copy ``source`` into the archive (hashing while reading) and return where it is.

    The source is opened once (:func:`open_input`: a regular file within
    ``max_bytes``, else :class:`InputRefused` before anything is read or
    written) and read once. A form-sized file is held in memory while it is
    hashed; when its hash is already archived (a repeated consolidation),
    nothing is written. Raises OSError when the source cannot be read (gone,
    held by another program), :class:`~xlplan.core.errors.XlplanError` when the
    archive cannot be written (disk full, read-only); nothing is left behind.
    """
    source = Path(source)
    staging = Path(archive) / HASH
    try:
        staging.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise machine_fault(exc, staging, "bản lưu trữ tệp của đơn vị") from exc
    digest = hashlib.sha256()
    size = 0
    held: list[bytes] = []  # the bytes read, while no bigger than _IN_MEMORY
    temp: _Temporary | None = None  # opened once the bytes are too many to hold, or to be placed
    target: Path | None = None
    try:
        stream, info = open_input(source, max_bytes)
        with stream:
            for block in _bounded_blocks(stream, source, max_bytes, seconds):
                digest.update(block)
                size += len(block)
                if temp is None and size <= _IN_MEMORY:
                    held.append(block)
                    continue
                if temp is None:  # too big to hold: stream the rest to the temporary file
                    temp = _archive_write(staging, lambda: _temporary(staging))
                    _write(staging, temp, held)
                    held = []
                _write(staging, temp, [block])
        kill_point()  # read (and perhaps copied), not yet in place
        sha = digest.hexdigest()
        target = archive_path(archive, sha, source.suffix)
        if target.exists():  # same name = same bytes: never rewritten
            if temp is not None:
                temp.out.close()
                os.unlink(temp.name)
            return Archived(source, sha, size, target, info.st_mtime)
        _archive_write(staging, lambda: _place(staging, temp, held, target))
    except BaseException:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.out.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp.name)
        raise
    return Archived(source, sha, size, target, info.st_mtime)


def _place(staging: Path, temp: "_Temporary | None", held: list[bytes], target: Path) -> None:
    """Write what is still held, sync, make read-only and rename into ``target``."""
    if temp is None:
        temp = _temporary(staging)
        try:
            temp.out.writelines(held)
        except BaseException:
            temp.out.close()
            os.unlink(temp.name)
            raise
    try:
        temp.out.flush()
        os.fsync(temp.out.fileno())
        temp.out.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp.name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(temp.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.out.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp.name)
        raise


def _write(staging: Path, temp: "_Temporary", blocks: list[bytes]) -> None:
    try:
        temp.out.writelines(blocks)
    except OSError as exc:
        raise machine_fault(exc, staging.parent, "bản lưu trữ tệp của đơn vị") from exc


def _archive_write(staging: Path, step: Callable[[], _T]) -> _T:
    """One write into the archive; an OSError there is the Board's machine's fault, named as such."""
    try:
        return step()
    except OSError as exc:
        raise machine_fault(exc, staging.parent, "bản lưu trữ tệp của đơn vị") from exc


class _Temporary(NamedTuple):
    """The staging copy being written: its open stream and its path."""

    out: BinaryIO
    name: str


def _temporary(staging: Path) -> _Temporary:
    """A new ``.incoming.*.tmp`` file in ``staging``, open for writing, and its name."""
    handle, name = tempfile.mkstemp(prefix=".incoming.", suffix=".tmp", dir=staging)
    return _Temporary(os.fdopen(handle, "wb"), name)


def sha256_of(path: Path, max_bytes: int | None = None, seconds: float = READ_SECONDS) -> str:
    """The SHA-256 of a file's bytes, read in blocks; with ``max_bytes``, as :func:`open_input` limits
    them (:class:`InputRefused` for a FIFO, a device or a file too big, before reading)."""
    digest = hashlib.sha256()
    if max_bytes is None:
        with open(path, "rb") as plain:
            for block in iter(lambda: plain.read(_BLOCK), b""):
                digest.update(block)
        return digest.hexdigest()
    stream, _ = open_input(Path(path), max_bytes)
    with stream:
        for block in _bounded_blocks(stream, Path(path), max_bytes, seconds):
            digest.update(block)
    return digest.hexdigest()
