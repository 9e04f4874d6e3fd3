"""Macros in a submission are recorded (``file-has-macros``), never run and never carried into outputs."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlplan.core.findings import CATALOGUE, Severity
from xlplan.core.plan import Plan
from xlplan.io.audit_store import AuditStore
from xlplan.io.form_reader import read_form
from xlplan.io.readers.macros import has_vba_project
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.workspace import INBOX, OUTPUT

from test_archive import small_folder

ROOT = Path(__file__).resolve().parents[1]
_VBA_TYPE = b'<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
_VBA_REL = (b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
            b'Target="vbaProject.bin"/>')


def vba_project() -> bytes:
    """A real VBA project: the add-in's own."""
    with zipfile.ZipFile(ROOT / "addin" / "xlplan.xlam") as archive:
        return archive.read("xl/vbaProject.bin")


def to_xlsm(form: Path, target: Path) -> Path:
    """``form`` re-zipped as a macro-enabled workbook (.xlsm) with a VBA project, as Excel saves one."""
    with zipfile.ZipFile(form) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"</Types>", _VBA_TYPE + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", _VBA_REL + b"</Relationships>")
            dst.writestr(info.filename, data)
        dst.writestr("xl/vbaProject.bin", vba_project())
    return target


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small working folder where one unit's F01 came back as .xlsm with macros."""
    root = small_folder(tmp_path_factory.mktemp("macros") / "TongHop")
    inbox = root / INBOX
    form = next(p for p in sorted(inbox.rglob("*F01*.xlsx")))
    to_xlsm(form, form.with_suffix(".xlsm"))
    form.unlink()
    return root


def test_the_code_is_an_info_finding():
    assert CATALOGUE["file-has-macros"].severity is Severity.INFO


def test_a_form_with_macros_reads_normally_and_says_so(folder: Path, tmp_path: Path, plan: Plan):
    macro = next((folder / INBOX).rglob("*.xlsm"))
    plain = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(macro) as src, zipfile.ZipFile(plain, "w") as dst:  # the same form without the project
        for info in src.infolist():
            if info.filename != "xl/vbaProject.bin":
                data = src.read(info)
                if info.filename == "[Content_Types].xml":
                    data = data.replace(_VBA_TYPE, b"").replace(b"application/vnd.ms-excel.sheet.macroEnabled"
                                                                 b".main+xml", b"application/vnd.openxmlformats-"
                                                                 b"officedocument.spreadsheetml.sheet.main+xml")
                dst.writestr(info.filename, data)
    assert has_vba_project(macro) and not has_vba_project(plain)
    for engine in ("calamine", "openpyxl"):
        with_macros, without = read_form(macro, plan, engine=engine), read_form(plain, plan, engine=engine)
        assert with_macros.values and with_macros.as_dict() == without.as_dict(), engine
        codes = [f.code for f in with_macros.findings]
        assert codes == [f.code for f in without.findings] + ["file-has-macros"], engine
        found = next(f for f in with_macros.findings if f.code == "file-has-macros")
        assert found.severity is Severity.INFO and found.unit == with_macros.unit and found.message


def test_the_check_is_quiet_on_ordinary_and_broken_files(tmp_path: Path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04" + bytes(100))
    (tmp_path / "ole.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    for name in ("empty.xlsx", "bad.xlsx", "ole.xls"):
        assert not has_vba_project(tmp_path / name)
    assert not has_vba_project(ROOT / "templates" / "F01.xlsx")
    assert has_vba_project(ROOT / "addin" / "xlplan.xlam")


def test_a_refused_file_is_only_refused(plan: Plan):
    """Macros are recorded for a form that is read; a workbook refused as no form gets its refusal alone."""
    assert [f.code for f in read_form(ROOT / "addin" / "xlplan.xlam", plan).findings] == ["not-a-form"]


def test_consolidating_records_macros_and_carries_none(folder: Path):
    root = folder.parent / "run"
    shutil.copytree(folder, root)
    result = consolidate_folder(root)
    with AuditStore(root / OUTPUT / "audit.sqlite") as store:
        recorded = store.findings(result.run_id)
    macro_rows = [row for row in recorded if row["code"] == "file-has-macros"]
    assert len(macro_rows) == 1 and macro_rows[0]["file"].endswith(".xlsm"), recorded
    with zipfile.ZipFile(result.workbook) as archive:
        names = archive.namelist()
        types = archive.read("[Content_Types].xml")
    assert not [n for n in names if "vba" in n.casefold()] and b"macroEnabled" not in types
    checks = openpyxl.load_workbook(result.workbook, read_only=True)["Kiểm tra"]
    listed = [str(cell) for row in checks.iter_rows(values_only=True) for cell in row if cell is not None]
    assert any(CATALOGUE["file-has-macros"].title in text or "macro" in text for text in listed), listed[:40]
