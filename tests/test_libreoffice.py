"""xlplan.io.libreoffice and the tests' LibreOffice helpers (tests.support) against the real headless LibreOffice.

Workbooks are made with openpyxl, which writes formulas without results; a
stale cached value is planted in the XML to prove LibreOffice really recomputes
on load instead of keeping what the file says.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlplan.core.errors import XlplanError
from xlplan.io import libreoffice
from xlplan.io.libreoffice import (
    LibreOfficeError,
    LibreOfficeMissing,
    LibreOfficeTimeout,
    convert,
    to_pdf,
)

from tests.support.libreoffice_uno import run_script
from tests.support.recalc import recalculate, recalculate_many

STALE = "999"

FORMULAS = {  # cell → (formula, value LibreOffice must give)
    "B1": ("=TRUNC(65*10000/79)/10000", 0.8227),
    "B2": ('=IF(0=0,"","x")', None),  # an empty text result reads back as None
    "B3": ("=TRUNC(A1*10000/A2)/10000", 0.8227),
    "B4": ("=TRUNC(29*10000/100)/10000", 0.29),
    "B5": ('=IF(A2=0,"",TRUNC(A3*10000/A2)/10000)', 0.0),
    "B6": ('=IF(A1>=A2,"Đạt","Chưa đạt")', "Chưa đạt"),
    "B7": ("=SUM(A1:A3)", 144),
}


def make_workbook(path: Path, stale: bool = True) -> Path:
    """A one-sheet workbook: inputs in A, the FORMULAS in B, optionally with stale cached results."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu mẫu"
    ws["A1"], ws["A2"], ws["A3"] = 65, 79, 0
    for cell, (formula, _) in FORMULAS.items():
        ws[cell] = formula
    wb.save(path)
    if stale:
        plant_cached_values(path, STALE)
    return path


def plant_cached_values(path: Path, value: str) -> None:
    """Give every formula cell a wrong cached result, as a file saved by a careless program would."""
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in items:
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                assert "<v />" in text or "<v></v>" in text
                data = text.replace("<v />", f"<v>{value}</v>").replace("<v></v>", f"<v>{value}</v>").encode()
            dst.writestr(info, data)


def cached(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path, data_only=True)["Biểu mẫu"]
    return {cell: ws[cell].value for cell in FORMULAS}


def assert_recalculated(path: Path) -> None:
    assert cached(path) == {cell: expected for cell, (_, expected) in FORMULAS.items()}
    formulas = openpyxl.load_workbook(path)["Biểu mẫu"]
    for cell, (formula, _) in FORMULAS.items():  # formulas survive, not just their values
        assert formulas[cell].value == formula


def test_planted_values_are_really_stale(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "stale.xlsx")
    assert set(cached(path).values()) == {int(STALE)}


@pytest.mark.libreoffice
def test_find_soffice_finds_the_installed_program(soffice: str) -> None:
    assert libreoffice.find_soffice() is not None
    assert Path(soffice).is_file()


@pytest.mark.libreoffice
def test_recalculate_replaces_stale_cached_values(soffice: str, tmp_path: Path) -> None:
    source = make_workbook(tmp_path / "stale.xlsx")
    result = recalculate(source, tmp_path / "out" / "recalculated.xlsx")
    assert result == tmp_path / "out" / "recalculated.xlsx"
    assert_recalculated(result)
    assert set(cached(source).values()) == {int(STALE)}, "the input file must be left untouched"


@pytest.mark.libreoffice
def test_recalculate_in_place_and_many_in_one_run(soffice: str, tmp_path: Path) -> None:
    in_place = make_workbook(tmp_path / "tại chỗ.xlsx")
    assert recalculate(in_place, in_place) == in_place
    assert_recalculated(in_place)

    names = ["Đăng ký F01.xlsx", "Báo cáo F02.xlsx", "no_cache.xlsx"]
    sources = [make_workbook(tmp_path / name, stale=name != "no_cache.xlsx") for name in names]
    results = recalculate_many(sources, tmp_path)  # out_dir = the inputs' own folder
    assert [r.name for r in results] == names
    for result in results:
        assert_recalculated(result)


@pytest.mark.libreoffice
def test_convert_to_pdf_and_xlsx(soffice: str, tmp_path: Path) -> None:
    source = make_workbook(tmp_path / "biểu mẫu.xlsx")
    pdf = to_pdf(source, tmp_path / "pdf")
    assert pdf == tmp_path / "pdf" / "biểu mẫu.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    ods = convert(source, "ods", tmp_path / "ods")
    assert ods.suffix == ".ods" and zipfile.is_zipfile(ods)


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="Không tìm thấy tệp"):
        recalculate(tmp_path / "không có.xlsx", tmp_path / "out.xlsx")


def test_inputs_with_the_same_stem_are_refused(tmp_path: Path) -> None:
    a = make_workbook(tmp_path / "a.xlsx", stale=False)
    (tmp_path / "sub").mkdir()
    b = make_workbook(tmp_path / "sub" / "A.xlsx", stale=False)
    with pytest.raises(ValueError, match="trùng tên"):
        recalculate_many([a, b], tmp_path / "out")


def test_missing_libreoffice_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    source = make_workbook(tmp_path / "a.xlsx", stale=False)
    with pytest.raises(LibreOfficeMissing, match="apt-get install libreoffice-calc-nogui") as caught:
        convert(source, "pdf", tmp_path)
    assert isinstance(caught.value, RuntimeError) and isinstance(caught.value, XlplanError)
    assert "Cài LibreOffice" in str(caught.value)


def test_find_soffice_honours_the_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("")
    monkeypatch.setenv("XLPLAN_SOFFICE", str(fake))
    assert libreoffice.find_soffice() == str(fake)


@pytest.mark.libreoffice
def test_a_file_libreoffice_cannot_load_is_named_with_its_output(soffice: str, tmp_path: Path) -> None:
    broken = tmp_path / "hỏng.xlsx"
    broken.write_bytes(b"this is not a workbook")
    good = make_workbook(tmp_path / "tốt.xlsx")
    with pytest.raises(LibreOfficeError, match="hỏng.xlsx") as caught:
        recalculate_many([good, broken], tmp_path / "out")
    assert "could not be loaded" in caught.value.output
    assert "tốt.xlsx" not in str(caught.value).split("LibreOffice báo")[0]


@pytest.mark.libreoffice
def test_timeout_stops_libreoffice_with_a_clear_error(soffice: str, tmp_path: Path) -> None:
    source = make_workbook(tmp_path / "a.xlsx")
    with pytest.raises(LibreOfficeTimeout, match="quá 0.01 giây"):
        convert(source, "pdf", tmp_path / "out", timeout=0.01)
    assert not (tmp_path / "out" / "a.pdf").exists()


SCRIPT = '''
import uno

def main(ctx, desktop, args):
    if args and args[0] == "fail":
        raise RuntimeError("script failed on purpose")
    from com.sun.star.beans import PropertyValue
    hidden = PropertyValue()
    hidden.Name, hidden.Value = "Hidden", True
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(args[0]), "_blank", 0, (hidden,))
    try:
        sheet = doc.Sheets.getByIndex(0)
        return {"sheet": sheet.Name, "B1": sheet.getCellRangeByName("B1").getValue(), "args": args[1:]}
    finally:
        doc.close(True)
'''


@pytest.mark.libreoffice
def test_run_script_returns_the_scripts_result(uno_python: str, tmp_path: Path) -> None:
    script = tmp_path / "read_b1.py"
    script.write_text(SCRIPT, encoding="utf-8")
    source = make_workbook(tmp_path / "đọc.xlsx")
    result = run_script(script, [str(source), "tiếng Việt"])
    assert result == {"sheet": "Biểu mẫu", "B1": 0.8227, "args": ["tiếng Việt"]}


@pytest.mark.libreoffice
def test_run_script_failure_carries_the_traceback(uno_python: str, tmp_path: Path) -> None:
    script = tmp_path / "fail.py"
    script.write_text(SCRIPT, encoding="utf-8")
    with pytest.raises(LibreOfficeError, match="script failed on purpose"):
        run_script(script, ["fail"])


CRASH_ONCE = '''
import os, signal

def main(ctx, desktop, args):
    marker = args[0]
    if not os.path.exists(marker) or args[1] == "always":
        open(marker, "a").close()
        os.kill(os.getpid(), signal.SIGKILL)  # the UNO client dies silently, as pyuno sometimes does
    return "again"
'''


@pytest.mark.libreoffice
def test_a_silently_killed_uno_client_is_given_one_fresh_libreoffice(uno_python: str, tmp_path: Path) -> None:
    script = tmp_path / "crash_once.py"
    script.write_text(CRASH_ONCE, encoding="utf-8")
    marker = tmp_path / "da_chay"
    assert run_script(script, [str(marker), "once"]) == "again"
    with pytest.raises(LibreOfficeError) as info:
        run_script(script, [str(tmp_path / "luon_chet"), "always"])
    assert "-9" in str(info.value)  # the exit code is named
