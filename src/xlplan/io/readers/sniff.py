"""What kind of file a unit sent, from its first bytes and its directory, never its extension.

Units rename files and re-save them in other programs, so the extension says
little. The magic number does:

* a zip (``PK\\x03\\x04``) may be an Office Open XML workbook (read), an .xlsb
  or .ods workbook (refused: only one engine could read them and the engines
  must agree), or some other zip;
* an OLE compound file (``\\xD0\\xCF\\x11\\xE0``) is a legacy .xls when it holds a
  ``Workbook``/``Book`` stream (read by :mod:`.xls_engine`), and an encrypted
  OOXML workbook when it holds ``EncryptionInfo``/``EncryptedPackage`` (an
  opening password: refused as such);
* a bare BIFF record (Excel 2.x–4.x saved without the OLE wrapper) is an .xls too;
* HTML, XML Spreadsheet 2003 or flat ODS "saved as .xls" is an unsupported format;
  anything else (empty, truncated, random, CSV) is not a workbook.

For zips every size comes from the directory, before anything is inflated:
member count, per-member and total uncompressed size, compression ratio
(:class:`~.base.Limits`). A directory can lie; the intake's worker limits catch that.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import olefile

from .base import Encrypted, Limits, NotAWorkbook, TooLarge, UnsupportedFormat
from .file_package import Package, package
from .fonts import font_parts

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# BOF record ids of BIFF2, BIFF3, BIFF4 and BIFF5/8 streams stored without an OLE container.
_BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")

_MACRO_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_ODS_TYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_SMALL_PART = 1024 * 1024  # [Content_Types].xml and mimetype are a few hundred bytes
_HEAD = 4096
_XML_HEAD = 1024  # a DTD comes before the root element, in the first bytes of a genuine part

DEFAULT_LIMITS = Limits()


def sniff(path: str | Path | Package, limits: Limits | None = None, deep: bool = True) -> str:
    """``"xlsx"``, ``"xlsm"`` or ``"xls"``; raises a :class:`~.base.ReaderError` subclass otherwise.

    ``deep=False`` reads directories only (the intake's in-process pre-check);
    ``deep`` also inflates the head of each XML part to refuse DTDs, which the
    parsing process does anyway. FileNotFoundError and other OS errors
    propagate: they are about the path, not the file. The file is read
    through its :class:`~.file_package.Package` (its size is checked first, from the
    directory entry): inside :func:`~.file_package.reading`, the readers that come
    next reuse the bytes, the zip directory and the parts inflated here.
    """
    limits = limits or DEFAULT_LIMITS
    pkg = package(path)
    size = pkg.size()
    if size > limits.file_bytes:
        raise TooLarge(f"tệp nặng {size // (1024 * 1024)} MB, vượt giới hạn "
                       f"{limits.file_bytes // (1024 * 1024)} MB của một biểu mẫu")
    try:
        head = pkg.head(_HEAD)
        if not head:
            raise NotAWorkbook("tệp rỗng (0 byte)")
        if head.startswith(ZIP_MAGIC):
            return _sniff_zip(pkg, limits, deep)
        if head.startswith(OLE_MAGIC[:4]):
            return _sniff_ole(pkg)
        if head[:2] in _BIFF_BOF and len(head) >= 8:
            return "xls"
        _sniff_text(head)
        raise NotAWorkbook("không phải tệp Excel (.xlsx)")
    finally:
        pkg.drop_handle()  # a file refused by its first bytes was read no further


def _sniff_zip(pkg: Package, limits: Limits, deep: bool) -> str:
    try:
        infos = pkg.infolist()
        _check_directory(infos, limits)
        names = {info.filename for info in infos}
        if "mimetype" in names and _small(pkg, "mimetype").strip() == _ODS_TYPE:
            raise UnsupportedFormat("bảng tính OpenDocument (.ods)", ".ods")
        if "xl/workbook.bin" in names:
            raise UnsupportedFormat("sổ tính nhị phân (.xlsb)", ".xlsb")
        if "[Content_Types].xml" not in names or not any(n.endswith("workbook.xml") for n in names):
            raise NotAWorkbook("tệp nén không chứa sổ tính Excel")
        if any(info.flag_bits & 0x1 for info in infos):
            raise Encrypted("tệp nén được đặt mật khẩu", "tệp có mật khẩu mở")
        types = _small(pkg, "[Content_Types].xml")
        if deep:
            _check_no_doctype(pkg, infos, types)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise NotAWorkbook("tệp Excel bị hỏng hoặc không trọn vẹn") from exc
    return "xlsm" if _MACRO_TYPE in types else "xlsx"


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse a zip whose directory declares more than a form could need (a zip bomb)."""
    if len(infos) > limits.zip_members:
        raise TooLarge(f"tệp nén có {len(infos)} phần, vượt giới hạn {limits.zip_members}")
    total = 0
    for info in infos:
        declared = info.file_size
        total += declared
        if declared > limits.member_bytes:
            raise TooLarge(f"phần '{info.filename[:80]}' giải nén ra {declared // (1024 * 1024)} MB")
        if declared > limits.ratio_floor and declared > limits.ratio * max(info.compress_size, 1):
            raise TooLarge(f"phần '{info.filename[:80]}' nén với tỉ lệ bất thường (bom nén)")
    if total > limits.total_bytes:
        raise TooLarge(f"tệp giải nén ra {total // (1024 * 1024)} MB")


def _check_no_doctype(pkg: Package, infos: list[zipfile.ZipInfo], types: bytes) -> None:
    """Refuse XML parts that declare a DTD (entity expansion, "billion laughs").

    Office Open XML forbids DTDs, so no genuine workbook has one; every engine
    then meets the same refusal, whether or not its parser would have expanded
    the entities. Only the head of each part the engines parse for values is
    inflated (``xl/`` but its theme and media), straight from the local file
    data; ``xl/workbook.xml`` and the package relationships are always parsed
    with defusedxml, which refuses DTDs itself. Every directory entry is checked
    by its own inflated bytes, two entries of one name (even at one offset) each.
    Only the heads of the parts the font check may read whole are kept (at most
    two): it inflates on from them; any other head is dropped once checked.
    """
    if b"<!DOCTYPE" in types[:_XML_HEAD].upper():
        raise NotAWorkbook("phần '[Content_Types].xml' khai báo DTD (nội dung XML không an toàn)")
    whole_later = {id(info) for info in font_parts(infos)}
    for info in infos:
        name = info.filename
        if (not name.startswith("xl/") or not name.endswith((".xml", ".rels")) or info.file_size == 0
                or name == "xl/workbook.xml" or name.startswith(("xl/theme/", "xl/media/"))):
            continue
        if b"<!DOCTYPE" in pkg.member_head(info, _XML_HEAD, keep=id(info) in whole_later).upper():
            raise NotAWorkbook(f"phần '{name[:80]}' khai báo DTD (nội dung XML không an toàn)")


def _small(pkg: Package, name: str) -> bytes:
    info = pkg.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise NotAWorkbook(f"phần '{name}' lớn bất thường")
    return pkg.read(info)


def _sniff_ole(pkg: Package) -> str:
    """An OLE container: legacy .xls, encrypted OOXML, or something that is not a workbook."""
    try:
        with olefile.OleFileIO(pkg.stream()) as ole:
            streams = {entry[0].casefold() for entry in ole.listdir(streams=True, storages=False)
                       if len(entry) == 1}
    except Exception as exc:  # noqa: BLE001 - olefile raises many kinds on a damaged directory
        raise UnsupportedFormat("tệp Office dạng cũ (OLE) bị hỏng hoặc không nhận ra được",
                                "tệp Office dạng cũ (OLE)") from exc
    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        raise Encrypted("tệp được đặt mật khẩu mở", "tệp có mật khẩu mở")
    if "workbook" in streams or "book" in streams:
        return "xls"
    if "worddocument" in streams or "powerpoint document" in streams:
        raise NotAWorkbook("tệp Word hoặc PowerPoint, không phải sổ tính")
    raise NotAWorkbook("tệp Office dạng cũ không chứa sổ tính")


def _sniff_text(head: bytes) -> None:
    """Markup saved under a spreadsheet name: name the format instead of calling it damaged."""
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or (text.startswith(b"<") and b"<html" in text):
        raise UnsupportedFormat("trang web (HTML) được đặt tên như tệp Excel", "trang web (HTML)")
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
            raise UnsupportedFormat("bảng tính XML 2003", "XML Spreadsheet 2003")
        if b"opendocument" in text:
            raise UnsupportedFormat("bảng tính OpenDocument dạng XML (.fods)", ".fods")
