"""What kind of file a unit sent, from its first bytes and, for zips, its parts.

Units rename files and re-save them in other programs, so the extension says
little. The magic number does: a zip (``PK\\x03\\x04``) may be an Office Open
XML workbook; an OLE compound file (``\\xD0\\xCF\\x11\\xE0``) is a legacy .xls
or an Office file encrypted with an opening password, both refused for now.
Zips that hold an .xlsb or .ods workbook are refused too, because only one of
the engines could read them and the engines must agree.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .base import NotAWorkbook, UnsupportedFormat

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_ODS_TYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def sniff(path: str | Path) -> str:
    """``"xlsx"`` or ``"xlsm"``; raises :class:`NotAWorkbook` or :class:`UnsupportedFormat`.

    FileNotFoundError and other OS errors propagate: they are about the path, not the file.
    """
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise NotAWorkbook("tệp rỗng (0 byte)")
    if head.startswith(OLE_MAGIC[:4]):
        raise UnsupportedFormat("định dạng .xls cũ hoặc tệp được đặt mật khẩu mở",
                                ".xls hoặc tệp có mật khẩu")
    if not head.startswith(ZIP_MAGIC):
        raise NotAWorkbook("không phải tệp Excel (.xlsx)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == _ODS_TYPE:
                raise UnsupportedFormat("bảng tính OpenDocument (.ods)", ".ods")
            if "xl/workbook.bin" in names:
                raise UnsupportedFormat("sổ tính nhị phân (.xlsb)", ".xlsb")
            if "[Content_Types].xml" not in names or not any(n.endswith("workbook.xml") for n in names):
                raise NotAWorkbook("tệp nén không chứa sổ tính Excel")
            types = archive.read("[Content_Types].xml")
    except zipfile.BadZipFile as exc:
        raise NotAWorkbook("tệp Excel bị hỏng hoặc không trọn vẹn") from exc
    return "xlsm" if _MACRO_TYPE.encode() in types else "xlsx"
