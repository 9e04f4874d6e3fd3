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
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from ..io.workbook_files import kill_point

HASH = "sha256"
_BLOCK = 1 << 20
_IN_MEMORY = 16 << 20  # a form is well under this; a bigger file is streamed to its temporary copy


@dataclass(frozen=True)
class Archived:
    """One input as archived: its original path, its identity and the archived copy."""

    source: Path  # the inbox file, original (non-normalized) name, for file operations
    sha256: str
    size: int
    path: Path  # the read-only copy in the archive


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


def archive_file(source: Path, archive: Path) -> Archived:
    """Copy ``source`` into the archive (hashing while reading) and return where it is.

    The source is read once. A form-sized file is held in memory while it is
    hashed; when its hash is already archived (a repeated consolidation), nothing
    is written. Raises OSError when the source cannot be read (gone, held by
    another program); nothing is left behind then.
    """
    source = Path(source)
    staging = Path(archive) / HASH
    staging.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    held: list[bytes] = []  # the bytes read, while no bigger than _IN_MEMORY
    temp: _Temporary | None = None  # opened once the bytes are too many to hold, or to be placed
    try:
        with open(source, "rb") as stream:
            for block in iter(lambda: stream.read(_BLOCK), b""):
                digest.update(block)
                size += len(block)
                if temp is None and size <= _IN_MEMORY:
                    held.append(block)
                    continue
                if temp is None:  # too big to hold: stream the rest to the temporary file
                    temp = _temporary(staging)
                    temp.out.writelines(held)
                    held = []
                temp.out.write(block)
        kill_point()  # read (and perhaps copied), not yet in place
        sha = digest.hexdigest()
        target = archive_path(archive, sha, source.suffix)
        if target.exists():  # same name = same bytes: never rewritten
            if temp is not None:
                temp.out.close()
                os.unlink(temp.name)
            return Archived(source, sha, size, target)
        if temp is None:
            temp = _temporary(staging)
            temp.out.writelines(held)
        temp.out.flush()
        os.fsync(temp.out.fileno())
        temp.out.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp.name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(temp.name, target)
    except BaseException:
        if temp is not None:
            temp.out.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp.name)
        raise
    return Archived(source, sha, size, target)


class _Temporary(NamedTuple):
    """The staging copy being written: its open stream and its path."""

    out: BinaryIO
    name: str


def _temporary(staging: Path) -> _Temporary:
    """A new ``.incoming.*.tmp`` file in ``staging``, open for writing, and its name."""
    handle, name = tempfile.mkstemp(prefix=".incoming.", suffix=".tmp", dir=staging)
    return _Temporary(os.fdopen(handle, "wb"), name)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
