"""Identity from the content, the file name as a second witness; refusals attributed; conversion (issue 11).

Real working folders made with the real services (``init_workspace``,
``make_forms`` filled by field id, ``consolidate_folder``, ``check_files``).
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from tools.reliability.hostile_cases import encrypt
from xlplan.core.findings import Finding
from xlplan.core.plan import PlanError, plan_from_dict
from xlplan.io import libreoffice
from xlplan.io.plans import load_plan
from xlplan.services.check import check_files
from xlplan.services.consolidate import consolidate_folder, read_files
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import monthly_report_values, registration_values
from xlplan.services.workspace import INBOX, init_workspace, open_workspace

REGISTRY_CSV = """ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he
P_AN,Đảng bộ phường An Bình,xa_phuong,có,320,14,
P_BINH,Đảng bộ phường Bình Minh,xa_phuong,có,280,12,
CQ_CHAU,Đảng bộ cơ quan Ủy ban nhân dân,co_quan,có,95,6,
"""
SEED = 7
WITNESS = {"identity-mismatch", "form-name-mismatch", "period-name-mismatch"}


def _workspace(tmp_path: Path) -> Path:
    registry = tmp_path / "danh_muc.csv"
    registry.write_text(REGISTRY_CSV, encoding="utf-8")
    root = tmp_path / "Tổng hợp"
    init_workspace(root, registry_name=registry)
    return root


def _f01(root: Path, out: Path, values_for: dict[str, str] | None = None,
         override: dict[str, dict[str, object]] | None = None) -> dict[str, Path]:
    """F01 of 2017 for every unit into ``out``; ``values_for[code] = other`` puts ``other``'s values in ``code``'s form."""
    ws = open_workspace(root)
    units = list(ws.registry)
    values = registration_values(units, ws.plan, SEED)
    chosen = {u.code: dict(values[(values_for or {}).get(u.code, u.code)]) for u in units}
    for code, extra in (override or {}).items():
        chosen[code].update(extra)
    paths = make_forms(ws.plan, units, "F01", "2017", out, values_by_unit=chosen, workers=1)
    return {p.name.split("_F01")[0]: p for p in paths}


def _keys(findings: list[Finding], codes: set[str]) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.unit, Path(f.file).name if f.file else None) for f in findings if f.code in codes}


def test_a_ward_s_numbers_in_another_unit_s_form_under_its_own_name(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    inbox = root / INBOX
    made = _f01(root, tmp_path / "made", values_for={"P_BINH": "P_AN"})
    shutil.copy(made["P_BINH"], inbox / "P_AN_F01_2017.xlsx")  # P_AN typed into P_BINH's form
    own = _f01(root, tmp_path / "own")
    shutil.copy(own["P_BINH"], inbox / "P_BINH_F01_2017.xlsx")  # P_BINH's own, genuine file
    shutil.copy(own["CQ_CHAU"], inbox / "CQ_CHAU_F01_2017.xlsx")

    result = consolidate_folder(root)
    found = _keys(result.findings, WITNESS | {"duplicate-submission"})
    assert found == {("identity-mismatch", "P_AN", "P_AN_F01_2017.xlsx"),
                     ("identity-mismatch", "P_BINH", "P_AN_F01_2017.xlsx")}
    for finding in result.findings:
        if finding.code == "identity-mismatch":
            assert (finding.params["name_unit"], finding.params["content_unit"]) == ("P_AN", "P_BINH")
            assert finding.cell is not None
    latest = result.consolidation.resolution.latest
    keys = {(unit, form, str(period)): sub.file for (unit, form, period), sub in latest.items()}
    assert keys[("P_BINH", "F01", "2017")] == "P_BINH_F01_2017.xlsx"  # never the ward's figures
    assert ("P_AN", "F01", "2017") not in keys
    rows = {r["ma"]: r for r in result.consolidation.tables["tbl_dang_ky"]}
    expected = registration_values(list(open_workspace(root).registry), open_workspace(root).plan, SEED)
    assert rows["P_BINH"]["dk_ket_nap"] == expected["P_BINH"]["dk_ket_nap"]

    report = check_files(sorted(inbox.glob("*.xlsx")), open_workspace(root).plan, open_workspace(root).registry)
    assert _keys(report.findings, WITNESS) == _keys(result.findings, WITNESS)  # check says what consolidate says
    assert report.exit_code == 1


def test_an_f02_under_an_f01_name_is_held_back(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    ws = open_workspace(root)
    units = list(ws.registry)
    registration = registration_values(units, ws.plan, SEED)
    months = monthly_report_values(units, ws.plan, registration, SEED, months=(1,))
    made = make_forms(ws.plan, units, "F02", "2017-01", tmp_path / "made", codes=["CQ_CHAU"],
                      values_by_unit={"CQ_CHAU": months["CQ_CHAU"]["2017-01"]}, workers=1)
    shutil.copy(made[0], root / INBOX / "CQ_CHAU_F01_2017.xlsx")
    shutil.copy(made[0], root / INBOX / "CQ_CHAU_F02_2017-02.xlsx")  # the month named wrong too

    result = consolidate_folder(root)
    assert _keys(result.findings, WITNESS) == {
        ("form-name-mismatch", "CQ_CHAU", "CQ_CHAU_F01_2017.xlsx"),
        ("period-name-mismatch", "CQ_CHAU", "CQ_CHAU_F02_2017-02.xlsx")}
    assert not [k for k in result.consolidation.resolution.latest if k[0] == "CQ_CHAU"]
    report = check_files(sorted((root / INBOX).glob("*.xlsx")), ws.plan, ws.registry)
    assert _keys(report.findings, WITNESS) == _keys(result.findings, WITNESS)


def test_a_name_that_agrees_or_says_nothing_changes_nothing(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    made = _f01(root, tmp_path / "made")
    shutil.copy(made["P_AN"], root / INBOX / "P_AN_F01_2017 (2).xlsx")
    shutil.copy(made["P_BINH"], root / INBOX / "bao cao.xlsx")
    shutil.copy(made["CQ_CHAU"], root / INBOX / "Dang bo co quan Uy ban nhan dan - dang ky 2017.xlsx")
    result = consolidate_folder(root)
    assert not _keys(result.findings, WITNESS)
    assert {k[0] for k in result.consolidation.resolution.latest} == {"P_AN", "P_BINH", "CQ_CHAU"}


def test_total_members_far_from_the_registry_is_a_warning(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    made = _f01(root, tmp_path / "made", override={"P_AN": {"dv_tong_so": 999}, "P_BINH": {"dv_tong_so": 300}})
    for path in made.values():
        shutil.copy(path, root / INBOX / path.name)
    result = consolidate_folder(root)
    found = [f for f in result.findings if f.code == "members-implausible"]
    assert [(f.unit, f.field, f.params["value"], f.params["expected"]) for f in found] == [
        ("P_AN", "dv_tong_so", 999, 320)]  # P_BINH: 300 against 280 is within 30 %
    assert found[0].severity.value == "warning" and found[0].cell is not None


def test_the_tolerance_is_a_plan_key_with_a_default() -> None:
    text = (Path(__file__).parent.parent / "src/xlplan/data/plans/bac_ninh_2017.toml").read_text("utf-8")
    data = tomllib.loads(text)
    assert plan_from_dict(data).members_tolerance == Decimal("30")
    data["checks"]["members_tolerance"] = 12.5
    assert plan_from_dict(data).members_tolerance == Decimal("12.5")
    del data["checks"]
    assert plan_from_dict(data).members_tolerance == Decimal("30")  # a plan file without it
    data["checks"] = {"members_tolerance": "nhiều"}
    with pytest.raises(PlanError) as info:
        plan_from_dict(data)
    assert [f.field for f in info.value.findings] == ["checks.members_tolerance"]
    other = load_plan(Path(__file__).parent / "data" / "plans" / "huyen_mau_2018.toml")
    assert other.members_tolerance == Decimal("25")


def test_a_password_protected_file_named_for_a_unit_carries_that_unit(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    made = _f01(root, tmp_path / "made")
    encrypt(made["P_AN"], root / INBOX / "Dang bo phuong An Binh.xlsx")
    (root / INBOX / "P_BINH_F01_2017.xlsx").write_bytes(b"")  # an empty file
    shutil.copy(made["CQ_CHAU"], root / INBOX / "CQ_CHAU_F01_2017.xlsx")
    result = consolidate_folder(root)
    refusals = {(f.unit, f.file) for f in result.findings
                if f.code in ("file-encrypted", "not-a-form", "file-unreadable")}
    assert refusals == {("P_AN", "Dang bo phuong An Binh.xlsx"), ("P_BINH", "P_BINH_F01_2017.xlsx")}
    assert "file-encrypted" in {f.code for f in result.findings if f.unit == "P_AN"}
    sheet = {(r["ma_loi"], r["don_vi"], r["tep"]) for r in result.consolidation.tables["tbl_kiem_tra"]}
    assert ("file-encrypted", "P_AN", "Dang bo phuong An Binh.xlsx") in sheet  # the Kiểm tra sheet names it
    ws = open_workspace(root)
    report = check_files([root / INBOX / "Dang bo phuong An Binh.xlsx"], ws.plan, ws.registry)
    assert [(f.code, f.unit) for f in report.findings] == [("file-encrypted", "P_AN")]


@pytest.fixture()
def ods_form(tmp_path: Path, soffice: str) -> tuple[Path, Path]:
    """P_AN's filled F01 saved as .ods by LibreOffice, in a working folder's inbox."""
    root = _workspace(tmp_path)
    made = _f01(root, tmp_path / "made")
    ods = libreoffice.convert(made["P_AN"], "ods", tmp_path / "ods")
    target = root / INBOX / "P_AN_F01_2017.ods"
    shutil.move(ods, target)
    return root, target


def test_an_ods_file_is_read_through_libreoffice(ods_form: tuple[Path, Path]) -> None:
    root, ods = ods_form
    before = ods.read_bytes()
    ws = open_workspace(root)
    [sub] = read_files([ods], ws.plan, ws.registry)
    assert (sub.unit, sub.form, sub.period, sub.format) == ("P_AN", "F01", "2017", "ods")
    assert (sub.file, sub.source) == (str(ods), str(ods))
    assert sub.sha256 == hashlib.sha256(before).hexdigest()
    assert [f.code for f in sub.findings if f.severity.value != "warning"] == ["file-converted"]
    assert sub.value("dk_ket_nap") == registration_values(list(ws.registry), ws.plan, SEED)["P_AN"]["dk_ket_nap"]
    assert ods.read_bytes() == before and sorted(p.name for p in ods.parent.iterdir()) == [ods.name]
    report = check_files([ods], ws.plan, ws.registry)
    assert report.exit_code == 0 and "file-converted" in report.codes()


def test_without_libreoffice_an_ods_is_refused_clearly(ods_form: tuple[Path, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root, ods = ods_form
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    ws = open_workspace(root)
    report = check_files([ods], ws.plan, ws.registry)
    assert [(f.code, f.unit, f.severity.value) for f in report.findings] == [("needs-libreoffice", "P_AN", "error")]
    [sub] = read_files([ods], ws.plan, ws.registry)
    assert sub.format == "ods" and [f.code for f in sub.findings] == ["needs-libreoffice"]
