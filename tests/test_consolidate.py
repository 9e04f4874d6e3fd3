"""Acceptance tests of consolidation (issue 3) on real files in real working folders.

Two working folders are built once for the module with the real services
(``init_workspace`` with a small registry, ``make_forms``/``write_form``,
``consolidate_folder``):

* ``clean``: every unit sends every form (F03 and annual F02 of 2016, F01 and
  January–March F02 of 2017) with consistent sample values: no finding at all.
* ``problems``: the same, with exactly one deliberate problem per unit, so each
  cross-file check is triggered by its own files and nothing else fires.

The city workbook written is then checked as a workbook: LibreOffice
recalculates it without error cells; charts, named anchors and conditional
formats are there; staff restyling survives; a second run gives the same
values; inputs are never touched; a failed run leaves the workbook as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from xlplan.core.errors import XlplanError
from xlplan.core.findings import Finding, Severity
from xlplan.core.forms import form_spec
from xlplan.core.plan import Plan
from xlplan.core.registry import Unit
from xlplan.core.summary_tables import CONFIG_CELLS, REPORT_CELLS, SHEETS, summary_tables
from xlplan.core.tracking import NOT_DUE
from xlplan.io.form_writer import write_form
from xlplan.services.consolidate import ConsolidationResult, consolidate_folder
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import (
    annual_report_values,
    implied_totals,
    monthly_report_values,
    registration_values,
    year_end_values,
)
from xlplan.services.workspace import BACKUPS, INBOX, OUTPUT, WORKBOOK_NAME, init_workspace, open_workspace

from tests.support.recalc import recalculate_many

REGISTRY_CSV = """ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he
P_AN,Đảng bộ phường An Bình,xa_phuong,có,320,14,
P_BINH,Đảng bộ phường Bình Minh,xa_phuong,có,280,12,
CQ_CHAU,Đảng bộ cơ quan Ủy ban nhân dân,co_quan,có,95,6,
SN_DUC,Đảng bộ Bệnh viện Đa khoa,su_nghiep,có,88,5,
DN_EM,Đảng bộ Công ty Điện lực,doanh_nghiep,có,70,4,
LL_GIANG,Đảng bộ Quân sự thành phố,luc_luong_vu_trang,có,64,4,
CB_HA,Chi bộ Trường THPT Hàn Thuyên,chi_bo_co_so,có,24,0,
CB_KHANH,Chi bộ Hợp tác xã Khánh Hòa,chi_bo_co_so,không,11,0,
CQ_LONG,Đảng bộ Khối Dân vận,co_quan,có,60,4,
SN_MINH,Đảng bộ Trung tâm Y tế,su_nghiep,có,75,5,
DN_NAM,Đảng bộ Công ty Cấp thoát nước,doanh_nghiep,có,66,4,
X_OANH,Đảng bộ xã Oanh Sơn,xa_phuong,có,240,11,
"""
SEED = 11
PREVIOUS, YEAR = "2016", "2017"
MONTHS = ("2017-01", "2017-02", "2017-03")
DUE_F01 = dt.date(2017, 2, 20)
# The folders' as-of date (Cấu hình): March's reports were due on 05/04, the first quarter's are not yet.
ROUND_AS_OF = dt.date(2017, 4, 6)
ERRORS = ("#REF!", "#NAME?", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!")
# The units of the problem folder and the one problem each carries (two clean controls).
GHOST = Unit("X_PHU", "Đảng bộ xã Phù Khê", "xa_phuong")
# A unit that typed a new code into a blank form: its name is P_AN's.
RENAMED = Unit("P_ANBINH_MOI", "Đảng bộ phường An Bình", "xa_phuong")
EXPECTED_PROBLEMS = sorted([
    ("below-minimum", "P_BINH"),
    ("duplicate-submission", "CQ_CHAU"),
    ("unit-kind-mismatch", "SN_DUC"),
    ("unit-name-mismatch", "DN_EM"),
    ("ytd-decreasing", "LL_GIANG"),
    ("opening-mismatch", "CB_HA"),
    ("yearend-mismatch", "CB_KHANH"),
    ("form-version-unknown", "CQ_LONG"),
    ("late-submission", "SN_MINH"),
    ("missing-submission", "DN_NAM"),  # no F01
    ("missing-submission", "DN_NAM"),  # no F02 of February
    ("unit-unknown", GHOST.code),
    ("unit-unknown", RENAMED.code),
])
SKIPPED = ("~$CQ_CHAU_F01_2017.xlsx", "danh_sach_gui.txt", "Zalo/anh_chup_bien_ban.jpg")

Values = dict[str, Any]


# -- building the folders -----------------------------------------------------------

@dataclass
class Folder:
    root: Path
    plan: Plan
    units: list[Unit]
    values: dict[tuple[str, str], dict[str, Values]]  # (form, period) -> unit -> values as sent
    result: ConsolidationResult

    @property
    def workbook(self) -> Path:
        return self.root / WORKBOOK_NAME

    @property
    def inbox(self) -> Path:
        return self.root / INBOX

    def findings(self, code: str) -> list[Finding]:
        return [f for f in self.result.findings if f.code == code]


def clean_values(units: list[Unit], plan: Plan) -> dict[tuple[str, str], dict[str, Values]]:
    """Consistent sample values of every form each unit sends (the demo's generators, small registry)."""
    totals = implied_totals(units, plan)
    year_end = year_end_values(units, plan, totals, SEED)
    annual = annual_report_values(units, plan, totals, SEED)
    registration = registration_values(units, plan, SEED, year_end=year_end, annual=annual)
    monthly = monthly_report_values(units, plan, registration, SEED)
    values = {("F03", PREVIOUS): year_end, ("F02", PREVIOUS): annual, ("F01", YEAR): registration}
    for month in MONTHS:
        values[("F02", month)] = {code: reports[month] for code, reports in monthly.items()}
    return copy.deepcopy(values)


def new_folder(root: Path, registry_csv: Path) -> tuple[Plan, list[Unit]]:
    init_workspace(root, registry_name=registry_csv, as_of=ROUND_AS_OF)
    ws = open_workspace(root)
    return ws.plan, list(ws.registry)


def write_all(root: Path, plan: Plan, units: list[Unit], values: dict[tuple[str, str], dict[str, Values]]) -> None:
    for (form, period), by_unit in values.items():
        make_forms(plan, units, form, period, root / INBOX, codes=list(by_unit), values_by_unit=by_unit,
                   workers=1)


def set_mtime(path: Path, moment: dt.datetime) -> None:
    stamp = moment.timestamp()
    os.utime(path, (stamp, stamp))


def flat_month(template: Values, opening: int, admitted: int, year_to_date: int) -> Values:
    """A monthly report with no moves but admissions, balanced (end = start + admitted)."""
    out = dict(template)
    out.update(dv_dau_ky=opening, kn_trong_ky=admitted, kn_luy_ke=year_to_date, chuyen_den=0, chuyen_di=0,
               tu_tran=0, xoa_ten=0, xoa_ten_dv_moi=0, khai_tru=0, ra_dang=0, dv_cuoi_ky=opening + admitted)
    return out


def make_problems(root: Path, plan: Plan, units: list[Unit]) -> dict[tuple[str, str], dict[str, Values]]:
    """Write the problem folder's files; returns the values of the files used, by (form, period) and unit."""
    by_code = {u.code: u for u in units}
    values = clean_values(units, plan)
    f01, f03 = values[("F01", YEAR)], values[("F03", PREVIOUS)]
    jan, feb, mar = (values[("F02", m)] for m in MONTHS)

    # below-minimum: a ward registers 5 new members, its minimum is 8.
    f01["P_BINH"]["dk_ket_nap"] = 5
    # late-submission: the registration is dated a week after the deadline.
    f01["SN_MINH"]["ngay_lap"] = DUE_F01 + dt.timedelta(days=7)
    # ytd-decreasing: year-to-date admissions 2 in January, 1 in February, 3 in March.
    start = jan["LL_GIANG"]["dv_dau_ky"]
    jan["LL_GIANG"] = flat_month(jan["LL_GIANG"], start, 2, 2)
    feb["LL_GIANG"] = flat_month(feb["LL_GIANG"], start + 2, 0, 1)
    mar["LL_GIANG"] = flat_month(mar["LL_GIANG"], start + 2, 1, 3)
    # opening-mismatch: February opens one member above January's close (and balances).
    for month in (feb, mar):
        month["CB_HA"]["dv_dau_ky"] += 1
        month["CB_HA"]["dv_cuoi_ky"] += 1
    # yearend-mismatch: the 2016 assessment counts one member more than the annual report's close.
    f03["CB_KHANH"]["dv_tong_so"] += 1
    f03["CB_KHANH"]["dv_khong_danh_gia"] += 1
    # missing-submission: no registration and no February report.
    del f01["DN_NAM"], feb["DN_NAM"]
    # duplicate, name, kind, version and ghost files are written separately below.
    duplicate = f01.pop("CQ_CHAU")
    renamed, rekinded = f01.pop("DN_EM"), f01.pop("SN_DUC")
    write_all(root, plan, units, values)

    inbox = root / INBOX
    (inbox / "Zalo").mkdir()
    spec = form_spec("F01", plan)
    # duplicate-submission: the newer form date wins although the older copy is newer on disk and by name.
    older = dict(duplicate, ngay_lap=duplicate["ngay_lap"] - dt.timedelta(days=3),
                 dk_ket_nap=duplicate["dk_ket_nap"] + 2)
    winner = write_form(inbox / "CQ_CHAU_F01_2017.xlsx", spec, plan, by_code["CQ_CHAU"], YEAR, duplicate)
    loser = write_form(inbox / "Zalo" / "CQ_CHAU_F01_2017 (1).xlsx", spec, plan, by_code["CQ_CHAU"], YEAR, older)
    set_mtime(winner, dt.datetime(2017, 2, 10, 9, 0))
    set_mtime(loser, dt.datetime(2017, 2, 18, 9, 0))
    values[("F01", YEAR)].update(CQ_CHAU=duplicate, DN_EM=renamed, SN_DUC=rekinded)
    # unit-name-mismatch and unit-kind-mismatch: forms made from an outdated registry.
    write_form(inbox / "DN_EM_F01_2017.xlsx", spec, plan,
               Unit("DN_EM", "Đảng bộ Công ty Điện lực Bắc Ninh cũ", "doanh_nghiep"), YEAR, renamed)
    write_form(inbox / "SN_DUC_F01_2017.xlsx", spec, plan,
               Unit("SN_DUC", by_code["SN_DUC"].name, "co_quan"), YEAR, rekinded)  # same minimum (3)
    # Names that differ only by case, spacing or Unicode normalization are the same name: no finding
    # (these two files replace the plain ones written above).
    an, oanh = by_code["P_AN"], by_code["X_OANH"]
    f03_spec = form_spec("F03", plan)
    write_form(inbox / "P_AN_F03_2016.xlsx", f03_spec, plan,
               Unit(an.code, "  " + an.name.upper().replace(" ", "  "), an.kind), PREVIOUS, f03["P_AN"])
    write_form(inbox / "X_OANH_F03_2016.xlsx", f03_spec, plan,
               Unit(oanh.code, unicodedata.normalize("NFD", oanh.name), oanh.kind), PREVIOUS, f03["X_OANH"])
    # form-version-unknown: the version cell edited by someone.
    edit_version(inbox / "CQ_LONG_F01_2017.xlsx", "0.9")
    # unit-unknown: a unit that is not in the registry.
    write_form(inbox / "X_PHU_F01_2017.xlsx", spec, plan, GHOST, YEAR, f01["P_AN"])
    write_form(inbox / "P_ANBINH_MOI_F03_2016.xlsx", f03_spec, plan, RENAMED, PREVIOUS, f03["P_AN"])
    # file-skipped: Excel's lock file and files that are no workbooks.
    (inbox / SKIPPED[0]).write_bytes(b"\x0cUser  ")
    (inbox / SKIPPED[1]).write_text("Danh sách đơn vị đã gửi\n", encoding="utf-8")
    (inbox / SKIPPED[2]).write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    return values


def edit_version(path: Path, version: str) -> tuple[str, str]:
    """Change the form's ``xlp_version`` cell with openpyxl; returns (sheet, cell) edited."""
    wb = openpyxl.load_workbook(path)
    (sheet, ref), = wb.defined_names["xlp_version"].destinations
    cell = ref.replace("$", "")
    wb[sheet][cell].value = version
    wb.save(path)
    return sheet, cell


@pytest.fixture(scope="module")
def registry_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "danh_muc.csv"
    path.write_text(REGISTRY_CSV, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory, registry_csv: Path) -> Folder:
    root = tmp_path_factory.mktemp("clean") / "TongHop"
    plan, units = new_folder(root, registry_csv)
    values = clean_values(units, plan)
    write_all(root, plan, units, values)
    return Folder(root, plan, units, values, consolidate_folder(root))


@pytest.fixture(scope="module")
def problems(tmp_path_factory, registry_csv: Path) -> Folder:
    root = tmp_path_factory.mktemp("problems") / "TongHop"
    plan, units = new_folder(root, registry_csv)
    values = make_problems(root, plan, units)
    return Folder(root, plan, units, values, consolidate_folder(root))


# -- reading the workbook back ----------------------------------------------------------

def destination(wb: openpyxl.Workbook, name: str) -> tuple[str, str]:
    (sheet, ref), = wb.defined_names[name].destinations
    return sheet, ref.replace("$", "")


def read_table(wb: openpyxl.Workbook, plan: Plan, table_id: str) -> list[dict[str, Any]]:
    """A table's rows by column id, found through its ``<id>_data`` name as the writer does."""
    ids = summary_tables(plan)[table_id].column_ids
    sheet, ref = destination(wb, table_id + "_data")
    rows = []
    for row in wb[sheet][ref]:
        values = [c.value for c in row]
        if any(v is not None for v in values):
            rows.append(dict(zip(ids, values)))
    return rows


def sheet_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inbox_state(inbox: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(inbox)): (sha256(p), p.stat().st_mtime_ns) for p in sorted(inbox.rglob("*"))
            if p.is_file()}


def problem_keys(result: ConsolidationResult) -> list[tuple[str, str]]:
    return sorted((f.code, f.unit or "") for f in result.findings if f.severity is not Severity.INFO)


def one(items: list[Finding]) -> Finding:
    assert len(items) == 1, [(f.code, f.unit, f.file) for f in items]
    return items[0]


def cell_of(folder: Folder, relative: str, field: str) -> tuple[str, str]:
    """Where a field sits in a file, read from the file's own defined names."""
    wb = openpyxl.load_workbook(folder.inbox / relative)
    return destination(wb, field)


# -- the clean dataset ---------------------------------------------------------------------

def test_clean_dataset_gives_no_finding_at_all(clean: Folder) -> None:
    assert [(f.code, f.unit, f.file) for f in clean.result.findings] == []
    assert clean.result.files == len(clean.units) * 6 and clean.result.skipped == 0
    summary = clean.result.consolidation.summary
    assert (summary["so_loi"], summary["so_canh_bao"], summary["so_ghi_chu"], summary["so_nop_trung"]) == (0, 0, 0, 0)
    assert summary["da_dang_ky"] == summary["dang_ky_dung_han"] == len(clean.units)


def test_clean_dataset_fills_every_unit_table_from_the_files(clean: Folder) -> None:
    wb = openpyxl.load_workbook(clean.workbook)
    registered = {r["ma"]: r for r in read_table(wb, clean.plan, "tbl_dang_ky")}
    assert list(registered) == [u.code for u in clean.units]
    sent = clean.values[("F01", YEAR)]
    assert {c: r["dk_ket_nap"] for c, r in registered.items()} == {c: v["dk_ket_nap"] for c, v in sent.items()}
    assert {r["trang_thai"] for r in registered.values()} == {"Đúng hạn"}
    assert {r["dat_toi_thieu"] for r in registered.values()} == {"Đạt"}
    progress = {r["ma"]: r["kn_luy_ke"] for r in read_table(wb, clean.plan, "tbl_tien_do")}
    march = clean.values[("F02", "2017-03")]
    assert progress == {c: v["kn_luy_ke"] for c, v in march.items()}
    city = [r for r in read_table(wb, clean.plan, "tbl_tong_hop") if r["nhom"] == "Toàn thành phố"]
    assert [(r["nam"], r["dv_tong_so"]) for r in city] == [
        (PREVIOUS, sum(v["dv_tong_so"] for v in clean.values[("F03", PREVIOUS)].values())),
        (YEAR, None)]  # no 2017 year-end data yet
    tracking = read_table(wb, clean.plan, "tbl_theo_doi")
    # issue 11 rule 1: the previous year's F03 and annual F02 are baseline inputs, never tracked
    due = [r for r in tracking if r["trang_thai"] != NOT_DUE]  # begun, not yet due: listed, not chased
    assert {(r["bieu"], r["ky"]) for r in due} == {(f, p) for f, p in clean.values if p != PREVIOUS}
    assert len(due) == len(clean.units) * 4
    assert {(r["trang_thai"], r["dung_han"], r["so_lan_nop"]) for r in due} == {("Đã nộp", "Đúng hạn", 1)}


# -- every cross-file check, triggered by its own files ------------------------------------

def test_problem_folder_raises_exactly_the_designed_findings(problems: Folder) -> None:
    assert problem_keys(problems.result) == EXPECTED_PROBLEMS
    errors = sorted(f.code for f in problems.result.findings if f.severity is Severity.ERROR)
    assert errors == ["opening-mismatch", "unit-unknown", "unit-unknown", "ytd-decreasing"]
    assert problems.result.consolidation.summary["so_loi"] == 4


def test_duplicate_submission_uses_the_newest_form_date(problems: Folder) -> None:
    found = one(problems.findings("duplicate-submission"))
    assert (found.unit, found.file, found.field) == ("CQ_CHAU", "CQ_CHAU_F01_2017.xlsx", "ngay_lap")
    assert (found.sheet, found.cell) == cell_of(problems, "CQ_CHAU_F01_2017.xlsx", "ngay_lap")
    assert found.params["count"] == 2 and found.params["chosen"] == "CQ_CHAU_F01_2017.xlsx"
    assert found.params["period_code"] == YEAR and found.params["form"] == "F01"
    wb = openpyxl.load_workbook(problems.workbook)
    sent = problems.values[("F01", YEAR)]["CQ_CHAU"]
    row = next(r for r in read_table(wb, problems.plan, "tbl_dang_ky") if r["ma"] == "CQ_CHAU")
    assert row["dk_ket_nap"] == sent["dk_ket_nap"]  # the winner's, not the older copy's (+2)
    assert row["ngay_lap"].date() == sent["ngay_lap"]
    track = next(r for r in read_table(wb, problems.plan, "tbl_theo_doi") if (r["ma"], r["bieu"]) == ("CQ_CHAU", "F01"))
    assert (track["so_lan_nop"], track["tep"]) == (2, "CQ_CHAU_F01_2017.xlsx")
    assert problems.result.consolidation.summary["so_nop_trung"] == 1


def test_unit_unknown_for_a_code_outside_the_registry(problems: Folder) -> None:
    found = one([f for f in problems.findings("unit-unknown") if f.unit == GHOST.code])
    assert (found.unit, found.file, found.field) == (GHOST.code, "X_PHU_F01_2017.xlsx", "don_vi_ma")
    assert found.severity is Severity.ERROR
    assert (found.sheet, found.cell) == cell_of(problems, "X_PHU_F01_2017.xlsx", "don_vi_ma")
    wb = openpyxl.load_workbook(problems.workbook)
    assert GHOST.code not in {r["ma"] for r in read_table(wb, problems.plan, "tbl_dang_ky")}
    # the ghost's admissions are not added to the city's registered total
    total = sum(v["dk_ket_nap"] for c, v in problems.values[("F01", YEAR)].items())
    assert problems.result.consolidation.summary["dang_ky_ket_nap"] == total
    assert "suggestion" not in found.params  # no registry unit has its name


def test_unit_unknown_suggests_the_registry_unit_with_the_same_name(problems: Folder) -> None:
    """xlplan.core.crossfile: "when a registry unit has the same (normalized) name as the file's
    don_vi_ten, the message asks 'Có phải là …?'" — never merged, but suggested."""
    found = one([f for f in problems.findings("unit-unknown") if f.unit == RENAMED.code])
    assert (found.file, found.field) == ("P_ANBINH_MOI_F03_2016.xlsx", "don_vi_ma")
    assert found.params.get("suggestion") == "P_AN", found.params
    wb = openpyxl.load_workbook(problems.workbook)
    assessed = [r for r in read_table(wb, problems.plan, "tbl_danh_gia") if r["ma"] == "P_AN"]
    assert len(assessed) == 1  # P_AN's own file only: the renamed file is not merged into it


def test_unit_name_mismatch(problems: Folder) -> None:
    found = one(problems.findings("unit-name-mismatch"))
    assert (found.unit, found.file, found.field) == ("DN_EM", "DN_EM_F01_2017.xlsx", "don_vi_ten")
    assert (found.sheet, found.cell) == cell_of(problems, "DN_EM_F01_2017.xlsx", "don_vi_ten")
    assert found.params["value"] == "Đảng bộ Công ty Điện lực Bắc Ninh cũ"
    assert found.params["expected"] == "Đảng bộ Công ty Điện lực"
    # case, spacing and NFD/NFC differences in P_AN's and X_OANH's files are not mismatches
    assert {f.unit for f in problems.result.findings} & {"P_AN", "X_OANH"} == set()


def test_unit_kind_mismatch(problems: Folder) -> None:
    found = one(problems.findings("unit-kind-mismatch"))
    assert (found.unit, found.file, found.field) == ("SN_DUC", "SN_DUC_F01_2017.xlsx", "loai_hinh")
    assert (found.sheet, found.cell) == cell_of(problems, "SN_DUC_F01_2017.xlsx", "loai_hinh")
    assert found.params["value"] == problems.plan.kind("co_quan").label
    assert found.params["expected"] == problems.plan.kind("su_nghiep").label


def test_ytd_decreasing(problems: Folder) -> None:
    found = one(problems.findings("ytd-decreasing"))
    assert (found.unit, found.file, found.field) == ("LL_GIANG", "LL_GIANG_F02_2017-02.xlsx", "kn_luy_ke")
    assert (found.sheet, found.cell) == cell_of(problems, "LL_GIANG_F02_2017-02.xlsx", "kn_luy_ke")
    assert (found.params["value"], found.params["previous"]) == (1, 2)
    assert found.severity is Severity.ERROR


def test_opening_mismatch(problems: Folder) -> None:
    found = one(problems.findings("opening-mismatch"))
    assert (found.unit, found.file, found.field) == ("CB_HA", "CB_HA_F02_2017-02.xlsx", "dv_dau_ky")
    assert (found.sheet, found.cell) == cell_of(problems, "CB_HA_F02_2017-02.xlsx", "dv_dau_ky")
    january = problems.values[("F02", "2017-01")]["CB_HA"]["dv_cuoi_ky"]
    assert (found.params["value"], found.params["previous"]) == (january + 1, january)
    assert found.params["previous_file"] == "CB_HA_F02_2017-01.xlsx"


def test_yearend_mismatch(problems: Folder) -> None:
    found = one(problems.findings("yearend-mismatch"))
    assert (found.unit, found.file, found.field) == ("CB_KHANH", "CB_KHANH_F03_2016.xlsx", "dv_tong_so")
    assert (found.sheet, found.cell) == cell_of(problems, "CB_KHANH_F03_2016.xlsx", "dv_tong_so")
    closing = problems.values[("F02", PREVIOUS)]["CB_KHANH"]["dv_cuoi_ky"]
    assert (found.params["value"], found.params["expected"]) == (closing + 1, closing)


def test_below_minimum(problems: Folder) -> None:
    found = one(problems.findings("below-minimum"))
    assert (found.unit, found.file, found.field) == ("P_BINH", "P_BINH_F01_2017.xlsx", "dk_ket_nap")
    assert (found.sheet, found.cell) == cell_of(problems, "P_BINH_F01_2017.xlsx", "dk_ket_nap")
    assert (str(found.params["value"]), str(found.params["minimum"])) == ("5", "8")  # the reader gives text
    wb = openpyxl.load_workbook(problems.workbook)
    row = next(r for r in read_table(wb, problems.plan, "tbl_dang_ky") if r["ma"] == "P_BINH")
    assert (row["dk_ket_nap"], row["ct_toi_thieu"], row["dat_toi_thieu"]) == (5, 8, "Chưa đạt")


def test_form_version_unknown(problems: Folder) -> None:
    found = one(problems.findings("form-version-unknown"))
    assert (found.unit, found.file, found.field) == ("CQ_LONG", "CQ_LONG_F01_2017.xlsx", "xlp_version")
    assert (found.sheet, found.cell) == cell_of(problems, "CQ_LONG_F01_2017.xlsx", "xlp_version")
    assert found.params["version"] == "0.9"
    # a warning only: the file is still used
    wb = openpyxl.load_workbook(problems.workbook)
    row = next(r for r in read_table(wb, problems.plan, "tbl_dang_ky") if r["ma"] == "CQ_LONG")
    assert row["dk_ket_nap"] == problems.values[("F01", YEAR)]["CQ_LONG"]["dk_ket_nap"]


def test_late_submission(problems: Folder) -> None:
    found = one(problems.findings("late-submission"))
    assert (found.unit, found.file, found.field) == ("SN_MINH", "SN_MINH_F01_2017.xlsx", "ngay_lap")
    assert (found.sheet, found.cell) == cell_of(problems, "SN_MINH_F01_2017.xlsx", "ngay_lap")
    assert (found.params["date"], found.params["due"]) == ("27/02/2017", "20/02/2017")
    wb = openpyxl.load_workbook(problems.workbook)
    row = next(r for r in read_table(wb, problems.plan, "tbl_dang_ky") if r["ma"] == "SN_MINH")
    assert row["trang_thai"] == "Muộn"
    assert problems.result.consolidation.summary["dang_ky_dung_han"] == len(problems.units) - 2  # late, missing


def test_missing_submission(problems: Folder) -> None:
    found = problems.findings("missing-submission")
    assert sorted((f.unit, f.params["form"], f.params["period_code"]) for f in found) == [
        ("DN_NAM", "F01", "2017"), ("DN_NAM", "F02", "2017-02")]
    wb = openpyxl.load_workbook(problems.workbook)
    row = next(r for r in read_table(wb, problems.plan, "tbl_dang_ky") if r["ma"] == "DN_NAM")
    assert (row["dk_ket_nap"], row["trang_thai"]) == (None, "Chưa nộp")
    rates = {(r["bieu"], r["ky"]): (r["du_kien"], r["da_nop"]) for r in read_table(wb, problems.plan, "tbl_ty_le_nop")}
    units = len(problems.units)
    assert rates[("F01", YEAR)] == (units, units - 1)
    assert rates[("F02", "2017-02")] == (units, units - 1)
    assert rates[("F02", "2017-01")] == (units, units)


def test_lock_files_and_other_files_are_skipped_with_a_note(problems: Folder) -> None:
    skipped = problems.findings("file-skipped")
    assert sorted(f.file for f in skipped) == sorted(SKIPPED)
    assert {f.severity for f in skipped} == {Severity.INFO}
    assert problems.result.skipped == len(SKIPPED)
    wb = openpyxl.load_workbook(problems.workbook)
    listed = [r for r in read_table(wb, problems.plan, "tbl_kiem_tra") if r["ma_loi"] == "file-skipped"]
    assert sorted(r["tep"] for r in listed) == sorted(Path(name).name for name in SKIPPED)


def test_every_finding_is_listed_on_the_check_sheet(problems: Folder) -> None:
    wb = openpyxl.load_workbook(problems.workbook)
    listed = sorted((r["ma_loi"], r["don_vi"] or "") for r in read_table(wb, problems.plan, "tbl_kiem_tra"))
    assert listed == sorted((f.code, f.unit or "") for f in problems.result.findings)
    assert wb["Kiểm tra"].cell(*_first_data_row(wb, "tbl_kiem_tra")).value == "Lỗi"  # errors first


def _first_data_row(wb: openpyxl.Workbook, table_id: str) -> tuple[int, int]:
    sheet, ref = destination(wb, table_id + "_data")
    first = openpyxl.utils.cell.range_boundaries(ref)
    return first[1], first[0]


# -- the workbook as a workbook -----------------------------------------------------------

def test_consolidated_workbook_recalculates_in_libreoffice_without_errors(
        problems: Folder, clean: Folder, soffice: str, tmp_path: Path) -> None:
    copies = []
    for name, folder in (("problems", problems), ("clean", clean)):
        copies.append(tmp_path / f"{name}.xlsx")
        shutil.copy2(folder.workbook, copies[-1])
    outputs = recalculate_many(copies, tmp_path / "recalculated")
    assert [p.name for p in outputs] == ["problems.xlsx", "clean.xlsx"]
    for out in outputs:
        values = openpyxl.load_workbook(out, data_only=True)
        assert values.sheetnames == list(SHEETS)
        bad = [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in values for row in ws.iter_rows() for c in row
               if c.data_type == "e" or isinstance(c.value, str) and (c.value in ERRORS or c.value.startswith("Err:"))]
        assert bad == [], out.name
    values = openpyxl.load_workbook(outputs[0], data_only=True)
    assert values["Danh mục đơn vị"]["B2"].value == len(problems.units)
    counts = values["Kiểm tra"]
    by_severity = {s: sum(1 for f in problems.result.findings if f.severity is s) for s in Severity}
    assert [counts["B2"].value, counts["D2"].value, counts["F2"].value] == [
        by_severity[Severity.ERROR], by_severity[Severity.WARNING], by_severity[Severity.INFO]]


def test_charts_names_and_highlights_are_present(problems: Folder) -> None:
    with zipfile.ZipFile(problems.workbook) as archive:
        charts = [n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    assert len(charts) == 3
    wb = openpyxl.load_workbook(problems.workbook)
    names = set(wb.defined_names)
    expected = {n for t in summary_tables(problems.plan) for n in (t, t + "_data")}
    expected |= {n for n, _ in CONFIG_CELLS} | set(REPORT_CELLS)
    assert expected - names == set()
    for table_id, spec in summary_tables(problems.plan).items():
        sheet, _ = destination(wb, table_id)
        assert sheet == spec.sheet, table_id
    rules = {}
    for ws in wb.worksheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                rules.setdefault(ws.title, set()).update(str(f) for f in rule.formula or ())
    joined = {sheet: " ".join(sorted(found)) for sheet, found in rules.items()}
    for sheet, texts in (("Đăng ký", ("Chưa đạt", "Muộn", "Chưa nộp")), ("Tiến độ", ("Chưa đạt",)),
                         ("Theo dõi nộp", ("Muộn", "Chưa nộp")), ("Kiểm tra", ("Lỗi", "Cảnh báo", "Ghi chú"))):
        for text in texts:
            assert f'"{text}"' in joined.get(sheet, ""), (sheet, text)


def test_restyled_header_survives_a_consolidation(problems: Folder, tmp_path: Path) -> None:
    root = tmp_path / "TongHop"
    shutil.copytree(problems.root, root)
    wb = openpyxl.load_workbook(root / WORKBOOK_NAME)
    sheet, ref = destination(wb, "tbl_dang_ky")
    head = wb[sheet][ref]
    head.font = Font(name="Arial", size=12, bold=True, italic=True)
    head.fill = PatternFill(fill_type="solid", start_color="FFFF00", end_color="FFFF00")
    wb.save(root / WORKBOOK_NAME)
    consolidate_folder(root)
    after = openpyxl.load_workbook(root / WORKBOOK_NAME)
    assert destination(after, "tbl_dang_ky") == (sheet, ref)
    head = after[sheet][ref]
    assert head.value == "Mã đơn vị"
    assert head.font.i and head.font.name == "Arial" and head.fill.fgColor.rgb.endswith("FFFF00")
    assert [r["ma"] for r in read_table(after, problems.plan, "tbl_dang_ky")] == [u.code for u in problems.units]


def test_consolidating_twice_gives_the_same_values_and_keeps_inputs_and_a_backup(
        problems: Folder, tmp_path: Path) -> None:
    root = tmp_path / "TongHop"
    shutil.copytree(problems.root, root, copy_function=shutil.copy2)
    inbox = root / INBOX
    before = inbox_state(inbox)
    backups = root / OUTPUT / BACKUPS
    first = consolidate_folder(root)
    first_values, first_bytes = sheet_values(root / WORKBOOK_NAME), sha256(root / WORKBOOK_NAME)
    kept = sorted(backups.glob("*"))
    second = consolidate_folder(root)
    # Nothing new: the workbook is not rewritten and no backup is made.
    assert second.status == "no-change" and second.backup is None and not second.changed
    assert sha256(root / WORKBOOK_NAME) == first_bytes and sorted(backups.glob("*")) == kept
    assert sheet_values(root / WORKBOOK_NAME) == first_values
    assert first_values == sheet_values(problems.workbook)  # a copied folder gives the same values too
    assert inbox_state(inbox) == before
    assert [(f.code, f.unit, f.cell) for f in first.findings] == [(f.code, f.unit, f.cell) for f in second.findings]
    # Something new: the workbook is rewritten and the previous one kept as a backup.
    sorted(inbox.rglob("*.xlsx"))[0].unlink()
    third = consolidate_folder(root)
    assert third.status == "written" and third.backup is not None and third.backup.parent == backups
    assert sha256(third.backup) == first_bytes


def _assert_failed_run_leaves_workbook(root: Path) -> None:
    workbook = root / WORKBOOK_NAME
    before, backups = sha256(workbook), sorted((root / OUTPUT / BACKUPS).glob("*"))
    with pytest.raises(XlplanError):
        consolidate_folder(root)
    assert sha256(workbook) == before
    assert sorted((root / OUTPUT / BACKUPS).glob("*")) == backups
    assert sorted(p.name for p in root.iterdir() if p.is_file()) == [WORKBOOK_NAME]  # no temporary file left


def test_a_broken_registry_sheet_stops_before_writing(problems: Folder, tmp_path: Path) -> None:
    root = tmp_path / "TongHop"
    shutil.copytree(problems.root, root)
    wb = openpyxl.load_workbook(root / WORKBOOK_NAME)
    sheet, ref = destination(wb, "tbl_don_vi_data")
    first_row = openpyxl.utils.cell.range_boundaries(ref)[1]
    ws = wb[sheet]
    ws.cell(first_row + 1, 1).value = ws.cell(first_row, 1).value  # two units with the same code
    wb.save(root / WORKBOOK_NAME)
    _assert_failed_run_leaves_workbook(root)


def test_a_table_that_would_overwrite_staff_notes_stops_before_writing(problems: Folder, tmp_path: Path) -> None:
    root = tmp_path / "TongHop"
    shutil.copytree(problems.root, root)
    wb = openpyxl.load_workbook(root / WORKBOOK_NAME)
    sheet, ref = destination(wb, "tbl_kiem_tra")
    col, row = openpyxl.utils.cell.range_boundaries(ref)[:2]
    wb.defined_names["ghi_chu_can_bo"] = openpyxl.workbook.defined_name.DefinedName(
        "ghi_chu_can_bo", attr_text=f"'{sheet}'!${openpyxl.utils.get_column_letter(col)}${row + 3}")
    wb.save(root / WORKBOOK_NAME)
    _assert_failed_run_leaves_workbook(root)
