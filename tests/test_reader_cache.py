"""The readers' caches never serve a file's bytes, directory or names for other bytes."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import pytest

from xlplan.io.readers import package, reading
from xlplan.io.readers.defined_names import read_defined_names

WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>'
            '<sheet name="A" sheetId="1"/></sheets><definedNames>{names}</definedNames></workbook>')


def _book(path: Path, names: str, extra: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", WORKBOOK.format(names=names))
        if extra:
            archive.writestr("xl/extra.xml", extra)
    return path


def test_a_replaced_file_is_read_again(tmp_path: Path) -> None:
    path = _book(tmp_path / "a.xlsx", '<definedName name="x">A!$B$2</definedName>')
    assert "xl/extra.xml" not in package(path).zip.namelist()
    assert [(n.name, n.target) for n in read_defined_names(path)] == [("x", ("A", "B2"))]
    _book(path, '<definedName name="y">A!$C$3</definedName>', extra="<x/>")
    assert "xl/extra.xml" in package(path).zip.namelist()
    assert [(n.name, n.target) for n in read_defined_names(path)] == [("y", ("A", "C3"))]


def test_inside_a_reading_block_one_snapshot_then_the_file_again(tmp_path: Path) -> None:
    path = _book(tmp_path / "a.xlsx", '<definedName name="x">A!$B$2</definedName>')
    with reading(path) as pinned:
        assert package(str(path)) is pinned and package(tmp_path / "." / "a.xlsx") is pinned
        assert [n.name for n in read_defined_names(path)] == ["x"]
        _book(path, '<definedName name="y">A!$C$3</definedName>', extra="<x/>")
        assert [n.name for n in read_defined_names(path)] == ["x"]  # the bytes read at the start of the block
        with reading(path) as nested:
            assert nested is pinned
    assert package(path) is not pinned
    assert [n.name for n in read_defined_names(path)] == ["y"]


def test_a_head_then_the_whole_part_is_the_part(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    text = b"".join(b"<row r='%d'><c><v>%d</v></c></row>" % (i, i * i) for i in range(5000))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", text)
        archive.writestr("stored.xml", text[:3000], compress_type=zipfile.ZIP_STORED)
    pkg = package(path)
    for name in ("xl/worksheets/sheet1.xml", "stored.xml"):
        info = pkg.getinfo(name)
        whole = text if name != "stored.xml" else text[:3000]
        assert pkg.member_head(info, 100) == whole[:100]
        assert pkg.member_head(info, 1024) == whole[:1024]
        assert pkg.read(info) == whole
        assert pkg.member_head(info, 50) == whole[:50]


def test_a_damaged_part_after_its_head_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    text = b"".join(b"<row r='%d'/>" % i for i in range(20000))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/styles.xml", text)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/styles.xml")
    data[info.header_offset + 30 + len(info.filename) + info.compress_size - 20] ^= 0xFF  # near the end
    path.write_bytes(bytes(data))
    pkg = package(path)
    assert pkg.member_head(pkg.getinfo("xl/styles.xml"), 1024) == text[:1024]
    with pytest.raises((zipfile.BadZipFile, EOFError, zlib.error)):  # as ZipFile.read: a bad CRC or stream
        pkg.read("xl/styles.xml")


def test_two_parts_of_one_name_are_each_checked(tmp_path: Path) -> None:
    """A hostile zip with a second part of the same name: the DTD check looks at both."""
    from xlplan.io.readers import NotAWorkbook, sniff

    path = tmp_path / "twice.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", WORKBOOK.format(names=""))
        archive.writestr("xl/styles.xml", "<styleSheet/>")
        with pytest.warns(UserWarning):  # zipfile: "Duplicate name"
            archive.writestr("xl/styles.xml", '<!DOCTYPE x [<!ENTITY a "b">]><styleSheet/>')
    with pytest.raises(NotAWorkbook):
        sniff(path)
    with reading(path):
        with pytest.raises(NotAWorkbook):
            sniff(path)


def test_same_workbook_part_same_names_and_a_fresh_list(tmp_path: Path) -> None:
    names = '<definedName name="x">A!$B$2</definedName><definedName name="z" localSheetId="0">A!$D$4</definedName>'
    first = read_defined_names(_book(tmp_path / "1.xlsx", names))
    second = read_defined_names(_book(tmp_path / "2.xlsx", names, extra="<x/>"))
    assert first == second and first is not second
    first.clear()
    assert read_defined_names(tmp_path / "2.xlsx") == second


def _stored_twin(path: Path, name: str, text: bytes) -> Path:
    """A zip whose part ``name`` has two directory entries at one offset: a fake "stored" one, then the real one."""
    from tools.reliability.hostile_cases import stored_twin

    plain = path.with_name("plain_" + path.name)
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", WORKBOOK.format(names=""))
        archive.writestr(name, text)
    return stored_twin(plain, path, name)


def test_two_entries_at_one_offset_are_two_members(tmp_path: Path) -> None:
    """Cached by the whole directory entry, not the offset: each entry gives its own bytes, checked as
    ZipFile.read checks them (the fake entry's bytes fail their CRC), and the DTD check sees the real one."""
    from xlplan.io.readers import NotAWorkbook, sniff

    text = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet>' + b"<row/>" * 2000 + b"</worksheet>"
    path = _stored_twin(tmp_path / "twin.xlsx", "xl/worksheets/sheet1.xml", text)
    with zipfile.ZipFile(path) as archive:
        fake, real = [info for info in archive.infolist() if info.filename == "xl/worksheets/sheet1.xml"]
        assert fake.header_offset == real.header_offset and archive.read("xl/worksheets/sheet1.xml") == text
    pkg = package(path)
    fake, real = [info for info in pkg.infolist() if info.filename == "xl/worksheets/sheet1.xml"]
    assert (fake.compress_type, real.compress_type) == (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    assert pkg.member_head(fake, 1024) != text[:1024] and pkg.member_head(real, 1024) == text[:1024]
    with pytest.raises(zipfile.BadZipFile):
        pkg.read(fake)
    assert pkg.read(real) == text and pkg.read("xl/worksheets/sheet1.xml") == text
    for first in (fake, real):  # whichever entry a reader happens to meet first
        pkg = package(path)
        pkg.member_head(first, 1024)
        with pytest.raises(zipfile.BadZipFile):
            pkg.read(fake)
        assert pkg.read(real) == text
    with pytest.raises(NotAWorkbook, match="DTD"):
        sniff(path)
    with reading(path):
        with pytest.raises(NotAWorkbook, match="DTD"):
            sniff(path)


def test_the_dtd_check_keeps_no_inflater_but_the_font_parts(tmp_path: Path) -> None:
    """A head is dropped once checked (a live inflater per part: +120 MB for 9,000 parts), except for
    the parts the font check reads whole, which are then inflated on, not again."""
    from xlplan.io.readers import sniff
    from xlplan.io.readers.fonts import declares_legacy_font

    path = tmp_path / "many.xlsx"
    styles = b"<styleSheet>" + b"<font><name val='Arial'/></font>" * 500 + b"</styleSheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", WORKBOOK.format(names=""))
        archive.writestr("xl/styles.xml", styles)
        for i in range(300):
            archive.writestr(f"xl/extra/p{i}.xml", b"<a>" + b"x" * 5000 + b"</a>")
    with reading(path) as pkg:
        assert sniff(path) == "xlsx"
        assert [key[0] for key in pkg._heads] == [pkg.getinfo("xl/styles.xml").header_offset]
        assert declares_legacy_font(path) is False
        assert not pkg._heads and pkg.read("xl/styles.xml") == styles
        info = pkg.getinfo("xl/extra/p7.xml")
        assert pkg.member_head(info, 10) == b"<a>xxxxxxx" and pkg.read(info) == b"<a>" + b"x" * 5000 + b"</a>"


def test_the_macro_check_closes_a_file_its_first_bytes_rule_out(tmp_path: Path) -> None:
    from xlplan.io.readers.macros import has_vba_project

    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    pkg = package(path)
    assert has_vba_project(pkg) is False
    assert pkg._handle is None


def test_a_reading_block_pins_its_package_for_its_own_thread(tmp_path: Path) -> None:
    import threading

    path = _book(tmp_path / "a.xlsx", '<definedName name="x">A!$B$2</definedName>')
    seen = []
    with reading(path) as pinned:
        thread = threading.Thread(target=lambda: seen.append(package(path)))
        thread.start()
        thread.join()
        assert package(path) is pinned
    assert seen and seen[0] is not pinned
