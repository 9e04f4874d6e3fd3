"""Whether a unit file carries macros (a VBA project), from its directory only.

A form sent back as .xlsm, or an .xls saved from a workbook with macros, is
read like any other: its cells are values, nothing in it is run, and no part of
it is copied into an output. The presence of macros is still worth recording
(``file-has-macros``): the Organization Board should know what it received.

Checked without running or parsing anything from the project: the zip
directory (a ``vbaProject.bin`` member), the content types (a macro-enabled
workbook type), or the OLE directory of an .xls (a ``_VBA_PROJECT_CUR`` storage).
"""

from __future__ import annotations

from pathlib import Path

import olefile

from .file_package import Package, package

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_MACRO_TYPES = (b"macroenabled", b"vnd.ms-office.vbaproject")
_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few kilobytes; never inflate more than this


def has_vba_project(path: str | Path | Package) -> bool:
    """True when the file at ``path`` holds a VBA project; False when not or when it cannot be told.

    Never raises: a damaged file is the readers' business, not this check's.
    Inside :func:`~.file_package.reading` nothing is read again: the bytes, the
    zip directory and the content types are those the sniff read.
    """
    pkg: Package | None = None
    try:
        pkg = package(path)
        head = pkg.head(8)
        if head.startswith(_ZIP_MAGIC):
            return _zip_has_vba(pkg)
        if head.startswith(_OLE_MAGIC):
            with olefile.OleFileIO(pkg.stream()) as ole:
                return any(entry and entry[0].casefold() == "_vba_project_cur" for entry in ole.listdir(
                    streams=True, storages=True))
    except Exception:  # noqa: BLE001 - a broken file is named by the reader, not here
        return False
    finally:
        if pkg is not None:
            pkg.drop_handle()  # a file its first bytes rule out was read no further: close it
    return False


def _zip_has_vba(pkg: Package) -> bool:
    infos = pkg.infolist()
    if any(info.filename.casefold().endswith("vbaproject.bin") for info in infos):
        return True
    types = next((info for info in infos if info.filename == "[Content_Types].xml"), None)
    if types is None or types.file_size > _TYPES_LIMIT:
        return False
    return any(marker in pkg.read(types)[:_TYPES_LIMIT].lower() for marker in _MACRO_TYPES)
