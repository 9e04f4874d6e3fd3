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
  re-zipped in a stable order.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.xml.functions import tostring

FIXED_TIME = dt.datetime(2017, 1, 1)
_ZIP_TIME = (2017, 1, 1, 0, 0, 0)
_CORE = "docProps/core.xml"
_FIRST = ("[Content_Types].xml", "_rels/.rels")  # conventional order of an OOXML package


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as xlsx bytes, identical for identical content."""
    wb.properties.created = FIXED_TIME
    for ws in wb.worksheets:
        # openpyxl learns the column outline level while writing and writes it from the
        # second save on; learning it first makes every save of a workbook the same.
        ws.column_dimensions.to_tree()
    buffer = io.BytesIO()
    wb.save(buffer)  # stamps properties.modified with "now"; replaced below
    wb.properties.modified = FIXED_TIME
    core_xml = tostring(wb.properties.to_tree())
    return _normalized_zip(buffer.getvalue(), {_CORE: core_xml})


def _normalized_zip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """Re-zip ``data`` with fixed member times and order, swapping the members in ``replace``."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = source.namelist()
        order = [n for n in _FIRST if n in names] + [n for n in names if n not in _FIRST]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name in order:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                target.writestr(info, replace.get(name) or source.read(name))
    return out.getvalue()


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
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)
    return target


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
