"""A unit's file opened for writing a copy of it, with the readers' limits (the feedback copy).

A feedback copy loads the unit's whole workbook with openpyxl, twice (formulas
and cached values). A unit file is untrusted: a 12 MB file may hide a sheet of
three million cells that would take a minute and gigabytes to load, only to be
sent back to the unit. So, before openpyxl sees a byte:

1. the file is opened once, checked on the open descriptor (a regular file
   within :attr:`~.readers.Limits.file_bytes`: a FIFO or a device is refused,
   never waited on) and read once, with that cap;
2. the bytes pass the readers' sniff with the same :class:`~.readers.Limits`
   (zip directory, member sizes and ratios, no DTD);
3. hidden sheets the form does not have are emptied in the package (their
   part replaced by an empty sheet, their relationships dropped, so neither
   their cells nor their comments or drawings are parsed) and named, for the
   caller to remove from the loaded workbook: they never go back to the unit;
4. what is still big after that is loaded in a worker process whose address
   space is capped and whose time is limited (:func:`run_bounded`).
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection

from defusedxml import ElementTree

from .readers import Limits, ReaderError, sniff
from .readers.file_package import Package

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
INLINE_BYTES = 16 << 20  # parts to parse beyond this (inflated): loaded in a capped worker, not in this process
COPY_SECONDS = 60.0  # a feedback copy of a form takes well under a second


class UnitFileRefused(Exception):
    """The unit's file cannot be copied within the limits; ``reason`` is Vietnamese."""


@dataclass
class UnitBytes:
    """The bytes to load, the hidden sheets to remove once loaded, and how much XML is left to parse."""

    data: bytes
    dropped: list[str] = field(default_factory=list)
    inflated: int = 0


def read_bounded(source: Path, limits: Limits = Limits()) -> bytes:
    """The file's bytes: a regular file of at most ``limits.file_bytes``, opened without blocking; else refused."""
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnitFileRefused("không phải tệp thông thường")
        data = stream.read(limits.file_bytes + 1)
    if len(data) > limits.file_bytes:
        raise UnitFileRefused(f"tệp lớn hơn giới hạn {limits.file_bytes >> 20} MB")
    return data


def unit_bytes(source: Path, keep_hidden: Collection[str] = (), limits: Limits = Limits()) -> UnitBytes:
    """The unit's file as bytes openpyxl may load: read and sniffed with ``limits``, hidden sheets other
    than ``keep_hidden`` emptied (their names in ``dropped``). Raises :class:`UnitFileRefused`."""
    try:
        data = read_bounded(source, limits)
    except FileNotFoundError:
        raise  # gone since it was read: the caller says so
    except OSError as exc:
        raise UnitFileRefused(f"không đọc được tệp ({exc.strerror or exc})") from None
    package = Package.from_bytes(source, data)
    try:
        sniff(package, limits)
        hidden = _hidden_sheets(package, set(keep_hidden))
        inflated = sum(info.file_size for info in package.infolist()
                       if info.filename not in {part for _, part, _ in hidden})
    except ReaderError as exc:
        raise UnitFileRefused(exc.reason) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as exc:
        raise UnitFileRefused(f"tệp hỏng ({type(exc).__name__})") from None
    finally:
        package.close()
    if not hidden:
        return UnitBytes(data, [], inflated)
    return UnitBytes(_emptied(data, {part for _, part, _ in hidden}, {rels for _, _, rels in hidden}),
                     [name for name, _, _ in hidden], inflated)


def _hidden_sheets(package: Package, keep: set[str]) -> list[tuple[str, str, str]]:
    """(name, part, its relationships part) of each hidden sheet not in ``keep``."""
    workbook = _workbook_part(package)
    root = ElementTree.fromstring(package.read(workbook))
    folder = posixpath.dirname(workbook)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    targets = {rel.get("Id"): rel.get("Target", "") for rel in ElementTree.fromstring(package.read(rels_name))}
    found = []
    for sheet in root.iter(f"{MAIN}sheet"):
        name, state = sheet.get("name") or "", sheet.get("state") or "visible"
        if state == "visible" or name in keep:
            continue
        target = targets.get(sheet.get(f"{REL}id"))
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append((name, part, posixpath.join(posixpath.dirname(part), "_rels",
                                                 posixpath.basename(part) + ".rels")))
    return found


def _workbook_part(package: Package) -> str:
    try:
        for rel in ElementTree.fromstring(package.read("_rels/.rels")):
            if rel.get("Type", "").endswith("/officeDocument"):
                return rel.get("Target", "xl/workbook.xml").lstrip("/")
    except KeyError:
        pass
    return "xl/workbook.xml"


def _emptied(data: bytes, parts: set[str], drop: set[str]) -> bytes:
    """The package with each of ``parts`` replaced by an empty sheet and ``drop`` left out (streamed copy)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        written: set[str] = set()
        for info in source.infolist():
            if info.filename in drop or info.filename in written:
                continue
            written.add(info.filename)
            if info.filename in parts:
                target.writestr(info.filename, EMPTY_SHEET)
                continue
            with source.open(info) as reading, target.open(zipfile.ZipInfo(info.filename, info.date_time),
                                                           "w") as writing:
                while block := reading.read(1 << 20):
                    writing.write(block)
    return out.getvalue()


# -- a capped worker -------------------------------------------------------------------------

def run_bounded(func: Callable[..., Any], args: tuple[Any, ...], limits: Limits = Limits(),
                seconds: float = COPY_SECONDS) -> Any:
    """``func(*args)`` in a worker process with the readers' memory cap and a deadline.

    The worker dies with this process (as the readers' workers do). Returns
    what ``func`` returned; raises :class:`UnitFileRefused` when the worker ran
    out of memory, crashed or overran ``seconds``, and re-raises an
    :class:`UnitFileRefused` raised inside it.
    """
    from .intake import _context

    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_bounded_main, daemon=True,
                              args=(sender, func, args, limits.memory_bytes, os.getpid()))
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise UnitFileRefused(f"tạo bản sao mất quá {seconds:g} giây")
        try:
            kind, value = receiver.recv()
        except (EOFError, OSError):
            raise UnitFileRefused(f"tạo bản sao cần quá {limits.memory_bytes >> 20} MB bộ nhớ") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if kind == "refused":
        raise UnitFileRefused(value)
    return value


def _bounded_main(sender: Any, func: Callable[..., Any], args: tuple[Any, ...], memory: int, parent: int) -> None:
    import signal

    from .intake import _limit_memory, _tie_to_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _tie_to_parent(parent, sender)
    _limit_memory(memory)
    try:
        result: tuple[str, Any] = ("ok", func(*args))
    except UnitFileRefused as exc:
        result = ("refused", str(exc))
    except MemoryError:
        result = ("refused", f"tạo bản sao cần quá {memory >> 20} MB bộ nhớ")
    except Exception as exc:  # noqa: BLE001 - a hostile file: refused, the letter alone goes out
        result = ("refused", f"tệp hỏng ({type(exc).__name__})")
    sender.send(result)
    sender.close()
