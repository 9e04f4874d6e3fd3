"""The readers' per-process caches never serve a file's directory or names for other bytes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from xlplan.io.readers.base import open_zip
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
    with open_zip(path) as archive:
        assert "xl/extra.xml" not in archive.namelist()
    assert [(n.name, n.target) for n in read_defined_names(path)] == [("x", ("A", "B2"))]
    _book(path, '<definedName name="y">A!$C$3</definedName>', extra="<x/>")
    with open_zip(path) as archive:
        assert "xl/extra.xml" in archive.namelist()
    assert [(n.name, n.target) for n in read_defined_names(path)] == [("y", ("A", "C3"))]


def test_same_workbook_part_same_names_and_a_fresh_list(tmp_path: Path) -> None:
    names = '<definedName name="x">A!$B$2</definedName><definedName name="z" localSheetId="0">A!$D$4</definedName>'
    first = read_defined_names(_book(tmp_path / "1.xlsx", names))
    second = read_defined_names(_book(tmp_path / "2.xlsx", names, extra="<x/>"))
    assert first == second and first is not second
    first.clear()
    assert read_defined_names(tmp_path / "2.xlsx") == second
