"""One unit file's bytes, read once, shared by every check and reader that needs them.

Reading one form takes the sniff, the hash, calamine (or openpyxl, or xlrd),
the defined names, the font check and the macro check; each would otherwise
open the file, parse its zip directory and inflate ``[Content_Types].xml`` on
its own. A :class:`Package` holds what was read: the file's bytes (one
``open``, one ``read``), the zip directory over those bytes (parsed once) and
each member our code reads whole (once, CRC-checked). A member whose head the
DTD check inflates is inflated on from where the head stopped when the caller
says a reader will read it whole in this block (the font check's parts); any
other head is dropped once returned (a live inflater per part cost 13 kB each,
+120 MB for a zip of 9,000 small parts), so a later read inflates it from the start.

Members are cached by their whole identity in the directory (local header
offset, compression, sizes, CRC), never by name or offset alone: a hostile zip
may hold two directory entries of one name at one offset, a "stored" one that
shows the compressed bytes and the real deflated one, and each must be checked
by its own inflated bytes.

:func:`reading` pins a file's package for a block: inside it, every reader of
that path gets the same package, so everything is read from one snapshot of
the file (the hash is the hash of the bytes the values came from). Outside any
block, :func:`package` reads the file afresh: nothing is kept between files,
and a replaced file is never served from an old read.

calamine (Rust) and openpyxl parse the zip themselves; they are handed the same
bytes (never the path), so the file is not opened again, but the members they
need are inflated by them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import struct
import threading
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

ZIP_MAGIC = b"PK\x03\x04"
_HEAD_INPUT = 4  # a head of n bytes is inflated from at most 4·n compressed bytes
_START = 4096  # the first read of a file whose head is asked for (the sniff's look)


class Package:
    """The bytes of the file at ``path``, read on first use, and the zip members inflated from them."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._data: bytes | None = None
        self._start = b""  # the first bytes, when only they were asked for (see head)
        self._handle: BinaryIO | None = None  # open between a head and the rest of the file
        self._sha256: str | None = None
        self._zip: zipfile.ZipFile | None = None
        # By the member's whole directory entry (see _identity), never its name or offset alone.
        self._members: dict[_Identity, bytes] = {}
        self._heads: dict[_Identity, _Inflater] = {}  # only heads of parts a reader will read whole

    @classmethod
    def from_bytes(cls, path: str | Path, data: bytes) -> "Package":
        """A package over bytes already read (bounded by the caller) from the file at ``path``."""
        made = cls(path)
        made._data = data
        return made

    # -- the file -------------------------------------------------------------------------

    @property
    def data(self) -> bytes:
        """The whole file (one open, one read); OSError propagates, and is tried again next time.

        After :meth:`head`, the rest is read from the same open file.
        """
        if self._data is None:
            if self._handle is None:
                with open(self.path, "rb") as handle:
                    self._data = handle.read()
            else:
                try:
                    self._data = self._start + self._handle.read()
                finally:
                    self.drop_handle()
        return self._data

    def size(self) -> int:
        """The file's size: from the bytes once read, else from the directory entry (nothing read)."""
        return len(self._data) if self._data is not None else os.stat(self.path).st_size

    def head(self, count: int) -> bytes:
        """The first ``count`` bytes; only they are read when nothing more was asked for yet
        (a file the first bytes refuse — a PDF, a photo — is not read whole)."""
        if self._data is not None:
            return self._data[:count]
        if self._handle is None and not self._start:
            handle = open(self.path, "rb")
            try:
                self._start = handle.read(max(count, _START))
            except BaseException:
                handle.close()
                raise
            self._handle = handle
        if len(self._start) >= count:
            return self._start[:count]
        return self.data[:count]

    def drop_handle(self) -> None:
        """Close the file left open by :meth:`head` (the bytes read stay; the rest is read afresh if asked)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._data is None:
            self._start = b""

    def stream(self) -> io.BytesIO:
        """A fresh file object over the bytes, for an engine that reads a file (calamine, openpyxl, olefile)."""
        return io.BytesIO(self.data)

    def sha256(self) -> str:
        if self._sha256 is None:
            self._sha256 = hashlib.sha256(self.data).hexdigest()
        return self._sha256

    # -- the zip --------------------------------------------------------------------------

    @property
    def zip(self) -> zipfile.ZipFile:
        """The zip over the bytes; its directory is parsed once (BadZipFile … propagate, each time)."""
        if self._zip is None:
            self._zip = zipfile.ZipFile(io.BytesIO(self.data))
        return self._zip

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self.zip.filelist

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        """The member ``name``; KeyError when there is none."""
        return self.zip.getinfo(name)

    def read(self, member: str | zipfile.ZipInfo) -> bytes:
        """The whole member, inflated once per package (as ``ZipFile.read`` checks it: CRC, sizes)."""
        info = member if isinstance(member, zipfile.ZipInfo) else self.zip.getinfo(member)
        key = _identity(info)
        found = self._members.get(key)
        if found is None:
            started = self._heads.pop(key, None)
            found = started.rest() if started is not None else self.zip.read(info)
            self._members[key] = found
        return found

    def member_head(self, info: zipfile.ZipInfo, count: int, keep: bool = False) -> bytes:
        """The first ``count`` bytes of a member, inflating only those (no ZipExtFile per part).

        ``keep``: a reader will read this member whole in this block, so its
        inflater is kept and :meth:`read` inflates on from where the head
        stopped. Otherwise nothing is kept (a later head or read starts again).
        Raises BadZipFile for a damaged local header or stream; an unsupported
        compression gives ``b""`` (the engines cannot read that part either, and say so).
        """
        key = _identity(info)
        whole = self._members.get(key)
        if whole is not None:
            return whole[:count]
        started = self._heads.get(key)
        if started is None:
            started = _Inflater(self, info)
            if keep:
                self._heads[key] = started
        return started.head(count)

    def close(self) -> None:
        """Drop what was read (the next use reads the file again)."""
        self.drop_handle()
        if self._zip is not None:
            self._zip.close()
        self._data, self._sha256, self._zip = None, None, None
        self._members.clear()
        self._heads.clear()


_Identity = tuple[int, int, int, int, int, int]


def _identity(info: zipfile.ZipInfo) -> _Identity:
    """What fixes a member's bytes and how they are checked: two directory entries alike in all of
    it are the same bytes read the same way, whatever their names say."""
    return (info.header_offset, info.compress_type, info.compress_size, info.file_size, info.CRC, info.flag_bits)


class _Inflater:
    """A member inflated as far as asked: a head first, the rest later, each byte inflated once."""

    def __init__(self, package: Package, info: zipfile.ZipInfo):
        self.package, self.info = package, info
        data = package.data
        offset = info.header_offset
        header = data[offset:offset + 30]
        if len(header) < 30 or not header.startswith(ZIP_MAGIC):
            raise zipfile.BadZipFile("tệp Excel bị hỏng hoặc không trọn vẹn")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_length + extra_length
        self.raw = memoryview(data)[start:start + info.compress_size]
        self.fed = 0  # compressed bytes consumed so far
        self.out = bytearray()
        self.inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None

    def head(self, count: int) -> bytes:
        if len(self.out) >= count:
            return bytes(self.out[:count])
        if self.info.compress_type == zipfile.ZIP_STORED:
            return bytes(self.raw[:count])
        if self.inflater is None:
            return b""
        limit = min(len(self.raw), _HEAD_INPUT * count)
        if self.fed < limit:
            chunk = self.raw[self.fed:limit]
            try:
                self.out += self.inflater.decompress(chunk, count - len(self.out))
            except zlib.error as exc:
                raise zipfile.BadZipFile("tệp Excel bị hỏng hoặc không trọn vẹn") from exc
            self.fed += len(chunk) - len(self.inflater.unconsumed_tail)
        return bytes(self.out[:count])

    def rest(self) -> bytes:
        """The whole member: what the head left, inflated on; checked as ``ZipFile.read`` checks it."""
        info = self.info
        if self.inflater is None:  # stored, or a compression zipfile knows (bzip2, lzma): nothing inflated yet
            return self.package.zip.read(info)
        self.out += self.inflater.decompress(self.raw[self.fed:])  # zlib.error, as from ZipFile.read
        self.out += self.inflater.flush()
        if not self.inflater.eof:
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        data = bytes(self.out)
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        return data


# -- one package per file, for a block ----------------------------------------------------

class _Pinned(threading.local):
    """The packages pinned by :func:`reading`, per thread: a block shares its package with the
    readers of its own thread only (a Package is not thread-safe); another thread reads afresh."""

    def __init__(self) -> None:
        self.packages: dict[str, Package] = {}


_pinned = _Pinned()


def _key(path: str | Path) -> str:
    return os.path.abspath(os.fspath(path))


def package(source: "str | Path | Package") -> Package:
    """The package pinned for this path by :func:`reading`, else a new one (the file is read afresh)."""
    if isinstance(source, Package):
        return source
    return _pinned.packages.get(_key(source)) or Package(source)


@contextlib.contextmanager
def reading(path: str | Path) -> Iterator[Package]:
    """Pin one :class:`Package` for ``path`` for the block: every reader of the path in it shares it.

    Nothing is read until a reader asks; the package is dropped at the end of
    the block (of the outermost block, when nested). Pinned for the calling
    thread only (see :class:`_Pinned`).
    """
    key = _key(path)
    pinned_here = _pinned.packages
    if key in pinned_here:
        yield pinned_here[key]
        return
    pinned = pinned_here[key] = Package(path)
    try:
        yield pinned
    finally:
        del pinned_here[key]
        pinned.close()
