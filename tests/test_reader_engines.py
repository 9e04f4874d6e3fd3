"""The workbook engines: names, cell addresses, sniffing, and identical Submissions.

Each engine reads the same files; the form reader must not be able to tell
which one it was given. Files re-saved by LibreOffice (the program units use
when they have no Excel) are part of the corpus.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from test_reader import (GENERATORS, UNITS, comparable, expected_values, insert_rows_above, make_form,
                         sample_values, set_cells)
from xlplan.core.forms import form_spec
from xlplan.core.plan import Plan
from xlplan.io import libreoffice
from xlplan.io.form_reader import read_form
from xlplan.io.readers import DEFAULT_ENGINE, ENGINES, NotAWorkbook, UnsupportedFormat, open_workbook, sniff
from xlplan.io.readers.base import cell_address, normalize, split_cell
from xlplan.io.readers.defined_names import parse_reference, read_defined_names, workbook_level

SHEETS = ["Đăng ký", "It's", "Sheet1", "_xlplan"]


# -- references and names ------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("'Đăng ký'!$C$12", ("Đăng ký", "C12")),
    ("'Đăng ký'!C12", ("Đăng ký", "C12")),
    ("='Đăng ký'!$c$12", ("Đăng ký", "C12")),
    ("Sheet1!$A$1", ("Sheet1", "A1")),
    ("sheet1!$A$1", ("Sheet1", "A1")),  # sheet names match as in Excel, case-insensitively
    ("'It''s'!$B$2", ("It's", "B2")),
    ("_xlplan!$B$1", ("_xlplan", "B1")),
    ("'Đăng ký'!$C$12:$C$12", ("Đăng ký", "C12")),
    ("Sheet1!$XFD$1048576", ("Sheet1", "XFD1048576")),
])
def test_parse_reference_single_cells(text: str, expected: tuple[str, str]) -> None:
    assert parse_reference(text, SHEETS) == expected


@pytest.mark.parametrize("text", [
    "#REF!", "'Đăng ký'!#REF!", "Sheet1!$A$1:$B$2", "Sheet1!$C:$C", "Sheet1!$3:$3", "Other!$A$1",
    "[1]Sheet1!$A$1", '"hằng số"', "=0.5", "Sheet1!$A$1,Sheet1!$B$1", "SUM(Sheet1!$A$1)", "", "Sheet1!",
    "Sheet1!$XFE$1", "Sheet1!$A$1048577", "Sheet1!$A$0", "'unterminated!$A$1", "Sheet1!A1:B1:C1",
])
def test_parse_reference_refuses_what_is_not_one_cell(text: str) -> None:
    assert parse_reference(text, SHEETS) is None


def _names_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Đăng ký"
    wb.create_sheet("It's")
    wb.active["C12"] = 7
    wb["It's"]["B2"] = "x"
    names = {"dv_tong_so": "'Đăng ký'!$C$12", "Ghi_Chu": "'It''s'!$B$2", "vung": "'Đăng ký'!$A$1:$B$3",
             "hong": "#REF!", "hang_so": '"abc"', "ngoai": "[1]Sheet9!$A$1", "cot": "'Đăng ký'!$C:$C"}
    for name, text in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=text)
    wb["It's"].defined_names["cuc_bo"] = DefinedName("cuc_bo", attr_text="'It''s'!$B$2")
    wb.save(path)
    return path


def test_read_defined_names_maps_local_names_and_targets(tmp_path: Path) -> None:
    names = {n.name: n for n in read_defined_names(_names_workbook(tmp_path / "n.xlsx"))}
    assert names["dv_tong_so"].target == ("Đăng ký", "C12") and names["dv_tong_so"].local_sheet is None
    assert names["cuc_bo"].local_sheet == "It's" and names["cuc_bo"].target == ("It's", "B2")
    for broken in ("vung", "hong", "hang_so", "ngoai", "cot"):
        assert names[broken].target is None
    assert workbook_level(list(names.values())) == {"dv_tong_so": ("Đăng ký", "C12"),
                                                    "ghi_chu": ("It's", "B2")}


def test_engines_agree_on_names_and_cells(tmp_path: Path) -> None:
    path = _names_workbook(tmp_path / "n.xlsx")
    seen = []
    for name in sorted(ENGINES):
        with open_workbook(path, name) as reader:
            seen.append((reader.sheet_names(), reader.defined_names(),
                         reader.read_cells("It's", ["B2", "A1"]), reader.read_cells("Đăng ký", ["C12"])))
    assert seen[0] == seen[1]
    assert seen[0][1] == {"dv_tong_so": ("Đăng ký", "C12"), "ghi_chu": ("It's", "B2")}
    assert seen[0][2] == {"B2": "x", "A1": None} and seen[0][3] == {"C12": 7}


def test_unknown_sheet_is_a_key_error(tmp_path: Path) -> None:
    path = _names_workbook(tmp_path / "n.xlsx")
    for name in ENGINES:
        with open_workbook(path, name) as reader, pytest.raises(KeyError):
            reader.read_cells("Không có", ["A1"])


# -- addresses: calamine's used range starts at the first filled cell -----------------------

def test_cells_map_to_their_addresses_wherever_the_data_starts(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["D7"], ws["F9"], ws["AB120"], ws["E8"] = 1, "chữ", 2.5, dt.datetime(2017, 2, 20)
    ws["E8"].number_format = "dd/mm/yyyy"
    ws["D8"] = "=D7+1"  # no cached value: reads as empty
    path = tmp_path / "o.xlsx"
    wb.save(path)
    cells = ["D7", "F9", "AB120", "E8", "D8", "A1", "C7", "D6", "ZZ9999"]
    results = []
    for name in sorted(ENGINES):
        with open_workbook(path, name) as reader:
            results.append(reader.read_cells("S", cells))
    assert results[0] == results[1] == {"D7": 1, "F9": "chữ", "AB120": 2.5, "E8": dt.date(2017, 2, 20),
                                        "D8": None, "A1": None, "C7": None, "D6": None, "ZZ9999": None}


def test_normalize_and_addresses() -> None:
    assert normalize(12.0) == 12 and type(normalize(12.0)) is int
    assert normalize("  ") is None and normalize("") is None and normalize(" a ") == " a "
    assert normalize(dt.datetime(2017, 1, 2)) == dt.date(2017, 1, 2)
    assert normalize(dt.datetime(2017, 1, 2, 8)) == dt.datetime(2017, 1, 2, 8)
    assert normalize(True) is True and normalize(0.5) == 0.5
    assert split_cell("C12") == (12, 3) and split_cell("xfd1") == (1, 16384)
    assert cell_address(12, 3) == "C12" and cell_address(1, 28) == "AB1"
    for bad in ("C0", "XFE1", "A1048577", "12", "$C$12"):
        with pytest.raises(ValueError):
            split_cell(bad)


# -- sniffing --------------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_sniff(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "a.xlsx")
    assert sniff(tmp_path / "a.xlsx") == "xlsx"
    macro = _zip(tmp_path / "m.xlsm", {
        "[Content_Types].xml": b'<Types><Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"'
                               b' PartName="/xl/workbook.xml"/></Types>', "xl/workbook.xml": b"<workbook/>"})
    assert sniff(macro) == "xlsm"
    cases = {
        "empty": (b"", NotAWorkbook),
        "text": (b"hello, world", NotAWorkbook),
        "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), UnsupportedFormat),
        "badzip": (b"PK\x03\x04garbage", NotAWorkbook),
    }
    for name, (data, error) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(error):
            sniff(tmp_path / name)
    with pytest.raises(NotAWorkbook):
        sniff(_zip(tmp_path / "doc.zip", {"word/document.xml": b"<w/>"}))
    with pytest.raises(UnsupportedFormat) as ods:
        sniff(_zip(tmp_path / "s.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}))
    assert ods.value.format == ".ods"
    with pytest.raises(UnsupportedFormat):
        sniff(_zip(tmp_path / "b.xlsb", {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00"}))


def test_open_workbook_default_and_unknown_engine(tmp_path: Path) -> None:
    openpyxl.Workbook().save(tmp_path / "a.xlsx")
    with open_workbook(tmp_path / "a.xlsx") as reader:
        assert reader.engine == DEFAULT_ENGINE == "calamine"
    with pytest.raises(ValueError):
        open_workbook(tmp_path / "a.xlsx", "pandas")


# -- identical Submissions ---------------------------------------------------------------------

def _corpus(tmp_path: Path, plan: Plan) -> list[Path]:
    """Good, bad, moved and broken forms from every generator."""
    files = []
    for generator in GENERATORS:
        for number, (form, period) in enumerate((("F01", "2017"), ("F02", "2017-Q4"), ("F03", "2017"))):
            unit = UNITS[number]
            values = sample_values(form, plan, unit, seed=number)
            path = make_form(tmp_path / f"{generator}_{form}.xlsx", generator, form, plan, unit, period, values)
            files.append(path)
            files.append(insert_rows_above(path, form_spec(form, plan).sheet, 3,
                                           tmp_path / f"{generator}_{form}_moved.xlsx"))
        bad = tmp_path / f"{generator}_bad.xlsx"
        make_form(bad, generator, "F02", plan, UNITS[0], "2017-01", sample_values("F02", plan, UNITS[0]))
        set_cells(bad, {"dv_dau_ky": "1.234", "kn_trong_ky": " 3 ", "chuyen_den": -2, "tu_tran": 0.5,
                        "ghi_chu": "a_x0007_b", "ngay_lap": "05/02/2017", "don_vi_ma": "X", "dv_cuoi_ky": "   ",
                        "xoa_ten_dv_moi": 9})
        files.append(bad)
    (tmp_path / "random.xlsx").write_bytes(bytes(range(256)) * 8)
    files.append(tmp_path / "random.xlsx")
    return files


def test_engines_give_identical_submissions(tmp_path: Path, plan: Plan) -> None:
    for path in _corpus(tmp_path, plan):
        subs = {name: read_form(path, plan, name) for name in ENGINES}
        first, second = (comparable(s) for s in subs.values())
        assert first == second, path.name
        assert [s.engine for s in subs.values()] == list(ENGINES)


def test_forms_resaved_by_libreoffice_read_the_same(tmp_path: Path, plan: Plan, soffice: str) -> None:
    originals, expected = [], {}
    for generator in GENERATORS:
        for number, (form, period) in enumerate((("F01", "2017"), ("F02", "2017-08"), ("F03", "2017"))):
            unit = UNITS[number]
            values = sample_values(form, plan, unit, seed=1)
            path = make_form(tmp_path / f"{generator}_{form}.xlsx", generator, form, plan, unit, period, values)
            originals.append(path)
            expected[path.name] = expected_values(form_spec(form, plan), plan, unit, period, values)
    resaved = libreoffice.convert_many(originals, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    for path in resaved:
        subs = [read_form(path, plan, name) for name in sorted(ENGINES)]
        assert comparable(subs[0])[1:] == comparable(subs[1])[1:], path.name
        assert subs[0].findings == [], (path.name, [f.code for f in subs[0].findings])
        assert subs[0].as_dict() == expected[path.name], path.name


def test_real_ods_is_refused_by_name_and_xls_is_read(tmp_path: Path, plan: Plan, soffice: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    legacy = libreoffice.convert(path, "xls", tmp_path / "xls")
    ods = libreoffice.convert(path, "ods", tmp_path / "ods")
    original = read_form(path, plan)
    for name in ENGINES:
        [finding] = read_form(ods, plan, name).findings
        assert (finding.code, finding.params["format"]) == ("format-unsupported", ".ods")
        assert read_form(legacy, plan, name).as_dict() == original.as_dict()
