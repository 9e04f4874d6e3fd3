"""Hostile and odd files built from one valid form: what the intake must meet safely.

:func:`build_cases` writes every case next to each other in a folder and says,
for each, the outcome the intake must give — a successful read (``"read"``, with
the same values as the valid form) or the code of a named refusal. Everything is
built from a real form so that each case differs from a readable file by exactly
the trick it plays. :func:`tools.reliability.hostile_run.run_hostile` builds them from a
generated form, reads them through the intake on every engine and judges each read:
``tests/test_hostile.py`` asserts the same outcomes case by case, and
``python -m tools.reliability`` reports them.
"""

from __future__ import annotations

import io
import os
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import msoffcrypto
import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from xlplan.io.readers import Limits

READ = "read"
Change = Callable[[str, bytes], "bytes | None"]

_BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
              for i in range(1, 10))
    + "]>\n"
)
_TRANSITIONAL_TO_STRICT = (
    (b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
    (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
     b"http://purl.oclc.org/ooxml/officeDocument/relationships"),
    (b"http://schemas.openxmlformats.org/drawingml/2006/main", b"http://purl.oclc.org/ooxml/drawingml/main"),
)


CASE_IDS = (
    "empty", "truncated_half", "truncated_tail", "zip_magic_only", "random_bytes", "csv_as_xlsx", "html_as_xls",
    "html_as_xlsx", "xml2003_as_xls", "ole_zeros", "lock_file", "empty_zip", "word_zip", "ods_zip", "xlsb_zip",
    "laughs_sheet", "laughs_workbook", "laughs_stored_twin", "zip_bomb", "many_members", "over_size_limit",
    "million_rows", "claims_million_rows", "wrong_dimension", "no_styles", "no_shared_strings", "shared_strings",
    "resaved_openpyxl", "date_1904", "strict_ooxml", "protected_sheets", "password_to_open", "name_nfd",
    "name_nfc", "name_long", "name_lock_prefix", "name_wrong_extension", "name_no_extension",
)


@dataclass(frozen=True)
class Case:
    """One hostile file and the outcome the intake owes it."""

    id: str
    path: Path
    expect: str  # READ or a refusal finding code
    limits: Limits | None = None  # the intake limits to read it with (None: the defaults)
    by_engine: tuple[tuple[str, str], ...] = ()  # (engine, outcome) where an engine differs

    def expected(self, engine: str) -> str:
        """The outcome owed by ``engine``: engines may differ on whether a file is readable, never on safety."""
        return dict(self.by_engine).get(engine, self.expect)


def rewrite(source: Path, target: Path, change: Change, extra: dict[str, bytes] | None = None) -> Path:
    """Copy the zip ``source`` to ``target`` passing each member through ``change`` (None drops it)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return target


def field_sheet_part(form: Path) -> str:
    """The worksheet part holding the form's fields (the one named by ``don_vi_ma``)."""
    wb = openpyxl.load_workbook(form, read_only=True)
    sheet = wb.defined_names["don_vi_ma"].attr_text.rsplit("!", 1)[0].strip("'")
    index = wb.sheetnames.index(sheet)
    wb.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def _with_doctype(data: bytes, reference: bytes) -> bytes:
    """``data`` with a billion-laughs DOCTYPE in front and ``&lol9;`` at ``reference``."""
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
    return _BILLION_LAUGHS.encode() + body.replace(reference, reference + b"&lol9;", 1)


def _huge_sheet(data: bytes) -> bytes:
    """A cell at XFD1048576: the sheet really is a million rows by 16,384 columns."""
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    data = re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", b'<dimension ref="A1:XFD1048576"/>', data)
    return data.replace(b"</sheetData>", far + b"</sheetData>", 1)


def _claimed_dimension(ref: bytes) -> Change:
    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/sheet"):
            if b"<dimension" in data:
                return re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", b'<dimension ref="' + ref + b'"/>', data)
            return data.replace(b"<sheetViews", b'<dimension ref="' + ref + b'"/><sheetViews', 1)
        return data
    return change


def _strict(name: str, data: bytes) -> bytes:
    if name.endswith((".xml", ".rels")) and name != "[Content_Types].xml":
        for old, new in _TRANSITIONAL_TO_STRICT:
            data = data.replace(old, new)
        data = data.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
                            b"http://purl.oclc.org/ooxml/officeDocument/relationships/")
        data = data.replace(b"<workbookPr", b'<workbookPr conformance="strict"', 1) if name == "xl/workbook.xml" \
            else data
    return data


def resave_1904(form: Path, target: Path) -> Path:
    """The form saved with the 1904 date system (dates stored as 1904 serials)."""
    wb = openpyxl.load_workbook(form)
    wb.epoch = CALENDAR_MAC_1904
    wb.save(target)
    return target


def resave_openpyxl(form: Path, target: Path) -> Path:
    """The form loaded and saved by openpyxl: strings move to ``sharedStrings.xml``."""
    openpyxl.load_workbook(form).save(target)
    return target


def to_shared_strings(form: Path, target: Path) -> Path:
    """The form with its inline strings moved to ``xl/sharedStrings.xml``, as Excel saves them."""
    table: list[bytes] = []

    def shared(match: re.Match[bytes]) -> bytes:
        table.append(match[2])
        return match[1] + b't="s"><v>' + str(len(table) - 1).encode() + b"</v></c>"

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/sheet"):
            return re.sub(rb'(<c [^>]*?)t="inlineStr"><is>(<t[^>]*>.*?</t>)</is></c>', shared, data)
        return data

    rewrite(form, target, change)
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
           b'main" count="%d" uniqueCount="%d">' % (len(table), len(table))
           + b"".join(b"<si>" + t + b"</si>" for t in table) + b"</sst>")
    ct = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.' \
         b'spreadsheetml.sharedStrings+xml"/></Types>'
    rel = b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/' \
          b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'

    def register(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", ct)
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", rel)
        return data

    moved = target.with_suffix(".tmp")
    target.replace(moved)
    rewrite(moved, target, register, {"xl/sharedStrings.xml": sst})
    moved.unlink()
    return target


def protect_sheets(form: Path, target: Path) -> Path:
    """Every sheet protected with a password, and the workbook structure: protection is not encryption."""
    wb = openpyxl.load_workbook(form)
    for ws in wb.worksheets:
        ws.protection.sheet = True
        ws.protection.password = "bacninh"
    wb.security.lockStructure = True
    wb.save(target)
    return target


def encrypt(form: Path, target: Path, password: str = "bacninh") -> Path:
    """The form with an opening password (an OLE container with EncryptedPackage)."""
    with open(form, "rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        out = io.BytesIO()
        office.encrypt(password, out)
    target.write_bytes(out.getvalue())
    return target


def stored_twin(source: Path, target: Path, name: str) -> Path:
    """``source`` with a second directory entry for ``name`` before its own, at the same local header
    but marked "stored": read through it, the part shows its compressed bytes (never a ``<!DOCTYPE``),
    while the engines read the last entry of the name, the real deflated one."""
    data = source.read_bytes()
    end = data.rfind(b"PK\x05\x06")
    size, start = struct.unpack("<II", data[end + 12:end + 20])  # the directory's size and offset
    entries, at = [], start
    while at < start + size:
        name_length, extra_length, comment_length = struct.unpack("<HHH", data[at + 28:at + 34])
        entry = data[at:at + 46 + name_length + extra_length + comment_length]
        if entry[46:46 + name_length] == name.encode():
            twin = bytearray(entry)
            struct.pack_into("<H", twin, 10, zipfile.ZIP_STORED)
            twin[24:28] = entry[20:24]  # uncompressed size = compressed size
            entries.append(bytes(twin))
        entries.append(entry)
        at += len(entry)
    directory = b"".join(entries)
    tail = bytearray(data[end:])
    struct.pack_into("<HHII", tail, 8, len(entries), len(entries), len(directory), start)
    target.write_bytes(data[:start] + directory + bytes(tail))
    return target


def zip_bomb(form: Path, target: Path, size: int = 160 * 1024 * 1024) -> Path:
    """A small file with one member that inflates to ``size`` bytes of zeros (ratio ~1000)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst, zipfile.ZipFile(form) as src:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        info = zipfile.ZipInfo("xl/media/image1.png")
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as member:
            block = bytes(1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
    return target


def many_members(form: Path, target: Path, count: int = 10_050) -> Path:
    extra = {f"xl/media/p{i}.bin": b"" for i in range(count)}
    return rewrite(form, target, lambda name, data: data, extra)


def _long_name(stem: str, limit: int) -> str:
    """``stem`` repeated to just under ``limit`` UTF-8 bytes (file systems allow 255)."""
    name = ""
    while len((name + stem).encode()) <= limit - 5:
        name += stem
    return name.strip()


def build_cases(form: Path, out: Path) -> list[Case]:
    """Every hostile case built from the valid ``form`` into the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    data = form.read_bytes()
    sheet = field_sheet_part(form)
    shared = to_shared_strings(form, out / "shared_strings.xlsx")
    cases: list[Case] = []

    def raw(name: str, content: bytes, expect: str) -> None:
        (out / name).write_bytes(content)
        cases.append(Case(Path(name).stem, out / name, expect))

    def zipped(name: str, change: Change, expect: str, source: Path = form) -> None:
        cases.append(Case(Path(name).stem, rewrite(source, out / name, change), expect))

    raw("empty.xlsx", b"", "file-unreadable")
    raw("truncated_half.xlsx", data[: len(data) // 2], "file-unreadable")
    raw("truncated_tail.xlsx", data[:-40], "file-unreadable")
    raw("zip_magic_only.xlsx", data[:4] + bytes(200), "file-unreadable")
    raw("random_bytes.xlsx", os.urandom(4096), "file-unreadable")
    raw("csv_as_xlsx.xlsx", "Mã đơn vị;Tên\nP_VUNINH;Vũ Ninh\n".encode(), "file-unreadable")
    raw("html_as_xls.xls", "<!DOCTYPE html><html><body><table><tr><td>Vũ Ninh</td></tr></table></body></html>"
        .encode(), "format-unsupported")
    raw("html_as_xlsx.xlsx", b"\xef\xbb\xbf  <html><head><meta charset='utf-8'></head></html>", "format-unsupported")
    raw("xml2003_as_xls.xls", b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        b"</Workbook>", "format-unsupported")
    raw("ole_zeros.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), "format-unsupported")
    raw("lock_file.xlsx", b"\x0bNguyen Van A" + bytes(150), "file-unreadable")
    zipped("empty_zip.xlsx", lambda name, d: None, "file-unreadable")
    for name, members, expect in (
            ("word_zip.xlsx", {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"},
             "file-unreadable"),
            ("ods_zip.xlsx", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                              "content.xml": "<office:document-content/>"}, "format-unsupported"),
            ("xlsb_zip.xlsx", {"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "\x00"}, "format-unsupported")):
        with zipfile.ZipFile(out / name, "w") as archive:
            for member, text in members.items():
                archive.writestr(member, text)
        cases.append(Case(Path(name).stem, out / name, expect))
    zipped("laughs_sheet.xlsx", lambda name, d: _with_doctype(d, b"<sheetData>") if name == sheet else d,
           "file-unreadable")
    zipped("laughs_workbook.xlsx",
           lambda name, d: _with_doctype(d, b"<definedNames>") if name == "xl/workbook.xml" else d,
           "file-unreadable")
    # The DTD behind a "stored" twin entry of the same part at the same offset: still refused as a DTD.
    cases.append(Case("laughs_stored_twin", stored_twin(out / "laughs_sheet.xlsx", out / "laughs_stored_twin.xlsx",
                                                        sheet), "file-unreadable"))
    cases.append(Case("zip_bomb", zip_bomb(form, out / "zip_bomb.xlsx"), "file-too-large"))
    cases.append(Case("many_members", many_members(form, out / "many_members.xlsx"), "file-too-large"))
    cases.append(Case("over_size_limit", form, "file-too-large", Limits(file_bytes=len(data) - 1)))
    # calamine builds the dense range and its worker hits the memory cap; the intake then reads
    # the file again with openpyxl, which streams the rows.
    cases.append(Case("million_rows", rewrite(form, out / "million_rows.xlsx",
                                              lambda name, d: _huge_sheet(d) if name == sheet else d), READ))
    zipped("claims_million_rows.xlsx", _claimed_dimension(b"A1:XFD1048576"), READ)
    zipped("wrong_dimension.xlsx", _claimed_dimension(b"A1:A1"), READ)
    zipped("no_styles.xlsx", lambda name, d: None if name == "xl/styles.xml" else d, READ)
    zipped("no_shared_strings.xlsx", lambda name, d: None if name == "xl/sharedStrings.xml" else d,
           "file-unreadable", source=shared)
    cases.append(Case("shared_strings", shared, READ))
    cases.append(Case("resaved_openpyxl", resave_openpyxl(form, out / "resaved_openpyxl.xlsx"), READ))
    cases.append(Case("date_1904", resave_1904(form, out / "date_1904.xlsx"), READ))
    # openpyxl does not read Strict Open XML: a named refusal, not a wrong read.
    cases.append(Case("strict_ooxml", rewrite(form, out / "strict_ooxml.xlsx", _strict), READ,
                      by_engine=(("openpyxl", "file-unreadable"),)))
    cases.append(Case("protected_sheets", protect_sheets(form, out / "protected_sheets.xlsx"), READ))
    cases.append(Case("password_to_open", encrypt(form, out / "password_to_open.xlsx"), "file-encrypted"))
    for case_id, name in (("name_nfd", unicodedata.normalize("NFD", "Báo cáo Vũ Ninh.xlsx")),
                          ("name_nfc", unicodedata.normalize("NFC", "Báo cáo Vũ Ninh (2).xlsx")),
                          ("name_long", _long_name("Đảng bộ phường Vũ Ninh ", 250) + ".xlsx"),
                          ("name_lock_prefix", "~$Báo cáo.xlsx"),
                          ("name_wrong_extension", "bao_cao.xls"),
                          ("name_no_extension", "bao_cao")):
        target = out / name
        target.write_bytes(data)
        cases.append(Case(case_id, target, READ))
    assert tuple(case.id for case in cases) == CASE_IDS, [case.id for case in cases]
    return cases
