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

import zipfile
from pathlib import Path

import olefile

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_MACRO_TYPES = (b"macroenabled", b"vnd.ms-office.vbaproject")
_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few kilobytes; never inflate more than this


def has_vba_project(path: str | Path) -> bool:
    """True when the file at ``path`` holds a VBA project; False when not or when it cannot be told.

    Never raises: a damaged file is the readers' business, not this check's.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
        if head.startswith(_ZIP_MAGIC):
            return _zip_has_vba(path)
        if head.startswith(_OLE_MAGIC):
            with olefile.OleFileIO(str(path)) as ole:
                return any(entry and entry[0].casefold() == "_vba_project_cur" for entry in ole.listdir(
                    streams=True, storages=True))
    except Exception:  # noqa: BLE001 - a broken file is named by the reader, not here
        return False
    return False


def _zip_has_vba(path: str | Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if any(info.filename.casefold().endswith("vbaproject.bin") for info in infos):
            return True
        types = next((info for info in infos if info.filename == "[Content_Types].xml"), None)
        if types is None or types.file_size > _TYPES_LIMIT:
            return False
        with archive.open(types) as handle:
            return any(marker in handle.read(_TYPES_LIMIT).lower() for marker in _MACRO_TYPES)
