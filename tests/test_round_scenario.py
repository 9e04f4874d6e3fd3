"""Issue 11's acceptance: a registration round and a monthly round as units really send them.

One working folder of eleven units goes through the rounds with the real
services and the real CLI. The forms are made with ``make_forms`` and filled by
defined names; the mistakes are the ones units make:

* a stray file of last year (an F01 of 2016) — reported, chased for nobody;
* a ward's numbers typed into another unit's form and sent under the ward's name — held back,
  both units told, the other unit's row keeps its own figures;
* a correction received in a later run with an earlier date typed on it — it wins;
* a registration sent on time and corrected after the deadline — still on time, two submissions;
* a password-protected file, an empty workbook — received from the unit their names carry,
  "Đã nhận, không đọc được";
* an ``.ods`` file — converted by LibreOffice and read;
* an F02 sent under an F01 file name — held back, the unit told;
* the Board's settings on Cấu hình: a registration deadline moved, rounding switched to "tron"
  with 0 decimals, an as-of date; a report number typed on Báo cáo;
* a first year: no 2016 year-end forms, F01's "results of last year" are the baseline;
* the workbook open in LibreOffice: nothing written, exit 2, the holder named.

Then a monthly round judged at an as-of date in March: March is "Chưa đến hạn" and nobody is
told they are below a yearly minimum. The ribbon (xlwings's remote engine) gives the same
statuses and findings as the CLI. Assertions are on codes, units, files, cells and statuses.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from test_macros import TABLES, assert_written_like_the_file, copy_folder, run
from tools.reliability.hostile_cases import encrypt
from xlplan.cli import main
from xlplan.core import indicators
from xlplan.core.plan import Plan
from xlplan.core.registry import Unit
from xlplan.core.summary_tables import REPORT_CELLS
from xlplan.core.tracking import NOT_DUE, NOT_SUBMITTED, ON_TIME, SUBMITTED, UNREADABLE
from xlplan.io.libreoffice import convert
from xlplan.services.consolidate import ConsolidationResult, consolidate_folder
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import monthly_report_values, registration_values
from xlplan.services.workspace import INBOX, WORKBOOK_NAME, init_workspace, open_workspace

REGISTRY_CSV = """ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he
P_AN,Đảng bộ phường An Bình,xa_phuong,có,320,14,
P_BINH,Đảng bộ phường Bình Minh,xa_phuong,có,280,12,
CQ_CHAU,Đảng bộ cơ quan Ủy ban nhân dân,co_quan,có,95,6,
SN_DUC,Đảng bộ Bệnh viện Đa khoa,su_nghiep,có,88,5,
DN_EM,Đảng bộ Công ty Điện lực,doanh_nghiep,có,70,4,
LL_GIANG,Đảng bộ Quân sự thành phố,luc_luong_vu_trang,có,64,4,
CB_HA,Chi bộ Trường THPT Hàn Thuyên,chi_bo_co_so,có,24,0,
CB_KHANH,Chi bộ Hợp tác xã Khánh Hòa,chi_bo_co_so,có,18,0,
CQ_LONG,Đảng bộ Khối Dân vận,co_quan,có,60,4,
SN_MINH,Đảng bộ Trung tâm Y tế,su_nghiep,có,75,5,
DN_NAM,Đảng bộ Công ty Cấp thoát nước,doanh_nghiep,có,66,4,
"""
SEED = 17
REGISTRATION_AS_OF = dt.date(2017, 2, 28)
MOVED_DEADLINE = dt.date(2017, 2, 24)  # the plan says 20/02; the Board gave four more days
MONTHLY_AS_OF = "10/03/2017"  # January and February reports due, March not yet
TYPED_NUMBER = "Số 45-BC/TU"
USED_F01 = {"P_AN", "CQ_CHAU", "SN_DUC", "DN_EM", "CB_KHANH", "SN_MINH"}  # the F01s that count


def cli(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def set_names(workbook: Path, values: dict[str, Any]) -> None:
    """Type values into named cells of the city workbook, as staff do in Excel."""
    wb = openpyxl.load_workbook(workbook)
    for name, value in values.items():
        (sheet, ref), = wb.defined_names[name].destinations
        wb[sheet][ref.replace("$", "")].value = value
    wb.save(workbook)


def named_value(workbook: Path, name: str) -> Any:
    wb = openpyxl.load_workbook(workbook)
    (sheet, ref), = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")].value


def form(plan: Plan, unit: Unit, form_id: str, period: str, values: dict[str, Any], target: Path) -> Path:
    """``unit``'s form filled with ``values``, saved as ``target`` (made by ``make_forms``)."""
    made, = make_forms(plan, [unit], form_id, period, target.parent / f".make-{target.stem}",
                       values_by_unit={unit.code: values}, workers=1)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(made), target)
    shutil.rmtree(made.parent)
    return target


def theo_doi(result: ConsolidationResult, form_id: str, period: str) -> dict[str, dict[str, Any]]:
    return {r["ma"]: r for r in result.consolidation.tables["tbl_theo_doi"]
            if r["bieu"] == form_id and r["ky"] == period}


def found(result: ConsolidationResult, code: str) -> list[tuple[str | None, str | None]]:
    """(unit, file) of each finding with ``code``."""
    return sorted((f.unit, f.file) for f in result.findings if f.code == code)


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The folder after the registration round's two runs and the monthly round (CLI), with each result."""
    base = tmp_path_factory.mktemp("vong")
    registry = base / "danh_muc.csv"
    registry.write_text(REGISTRY_CSV, encoding="utf-8")
    root = base / "TongHop2017"
    init_workspace(root, registry_name=registry)
    ws = open_workspace(root)
    plan, units = ws.plan, {u.code: u for u in ws.registry}
    inbox = root / INBOX
    workbook = root / WORKBOOK_NAME
    set_names(workbook, {"cfg_han_dang_ky": MOVED_DEADLINE, "cfg_lam_tron": "tron", "cfg_so_le": 0,
                         "cfg_ngay_chot": REGISTRATION_AS_OF, "bc_so": TYPED_NUMBER})
    values = registration_values(list(units.values()), plan, SEED)  # last year's results inside: a first year

    def dated(code: str, day: dt.date, **changes: Any) -> dict[str, Any]:
        return {**values[code], "ngay_lap": day, **changes}

    # -- run 1: the registrations as they first arrive
    for code in ("P_AN", "CQ_CHAU", "SN_DUC", "DN_EM"):
        form(plan, units[code], "F01", "2017", dated(code, dt.date(2017, 2, 15)), inbox / f"{code}_F01_2017.xlsx")
    form(plan, units["SN_MINH"], "F01", "2017", dated("SN_MINH", dt.date(2017, 2, 22)),  # late by the plan
         inbox / "SN_MINH_F01_2017.xlsx")
    form(plan, units["P_AN"], "F01", "2016", dated("P_AN", dt.date(2016, 2, 10)), inbox / "P_AN_F01_2016.xlsx")
    form(plan, units["CQ_CHAU"], "F01", "2017", dated("P_BINH", dt.date(2017, 2, 16)),  # the ward's numbers
         inbox / "P_BINH_F01_2017.xlsx")
    encrypt(form(plan, units["LL_GIANG"], "F01", "2017", dated("LL_GIANG", dt.date(2017, 2, 14)),
                 base / "plain" / "LL_GIANG_F01_2017.xlsx"), inbox / "LL_GIANG_F01_2017.xlsx")
    openpyxl.Workbook().save(inbox / "CB_HA_F01_2017.xlsx")
    khanh = form(plan, units["CB_KHANH"], "F01", "2017", dated("CB_KHANH", dt.date(2017, 2, 13)),
                 base / "ods" / "CB_KHANH_F01_2017.xlsx")
    shutil.move(str(convert(khanh, "ods", base / "ods")), inbox / "CB_KHANH_F01_2017.ods")
    monthly = monthly_report_values(list(units.values()), plan, values, SEED, 2017, (1, 2, 3))
    form(plan, units["CQ_LONG"], "F02", "2017-01", monthly["CQ_LONG"]["2017-01"], inbox / "CQ_LONG_F01_2017.xlsx")
    first = consolidate_folder(root)

    # -- the workbook is open in LibreOffice: nothing may be written under it
    lock = root / f".~lock.{WORKBOOK_NAME}#"
    lock.write_text("Nguyễn Văn Hùng,BTC-PC02,BTC-PC02,03.03.2017 08:15,file:///home/hung/.config/libreoffice/4;\n",
                    encoding="utf-8")
    before = workbook.read_bytes()
    held = cli("consolidate", root)
    held_bytes = workbook.read_bytes()
    lock.unlink()

    # -- run 2: corrections arrive
    correction = form(plan, units["SN_DUC"], "F01", "2017",
                      dated("SN_DUC", dt.date(2017, 2, 10), dk_ket_nap=values["SN_DUC"]["dk_ket_nap"] + 1),
                      inbox / "SN_DUC_F01_2017 (sửa).xlsx")
    form(plan, units["DN_EM"], "F01", "2017", dated("DN_EM", dt.date(2017, 3, 1)), inbox / "DN_EM_F01_2017_lan2.xlsx")
    second = consolidate_folder(root)
    registration_twin = copy_folder(root, base / "truoc_thang")

    # -- the monthly round, judged on 10/03/2017
    for code, unit in units.items():
        if code == "DN_NAM":
            continue
        for month in ("2017-01", "2017-02"):
            form(plan, unit, "F02", month, monthly[code][month], inbox / "F02" / f"{code}_F02_{month}.xlsx")
    monthly_run = cli("consolidate", root, "--as-of", MONTHLY_AS_OF, "--json")
    third = consolidate_folder(root, as_of=dt.date(2017, 3, 10))  # same inbox, same date: nothing new
    return {"root": root, "plan": plan, "values": values, "first": first, "second": second, "third": third,
            "held": held, "held_bytes": (before, held_bytes), "correction": correction,
            "monthly_run": monthly_run, "registration_twin": registration_twin, "base": base}


# -- the registration round ----------------------------------------------------------------------

def test_a_stray_file_of_last_year_is_reported_and_chased_for_nobody(rounds: dict[str, Any]) -> None:
    result = rounds["second"]
    assert found(result, "out-of-schedule") == [("P_AN", "P_AN_F01_2016.xlsx")]
    pairs = {(r["bieu"], r["ky"]) for r in result.consolidation.tables["tbl_theo_doi"]}
    assert ("F01", "2016") not in pairs
    assert not [f for f in result.findings if f.code == "missing-submission" and f.params.get("period_code") == "2016"]


def test_a_ward_s_numbers_in_another_unit_s_form_are_held_back(rounds: dict[str, Any]) -> None:
    result, values = rounds["second"], rounds["values"]
    assert found(result, "identity-mismatch") == [("CQ_CHAU", "P_BINH_F01_2017.xlsx"),
                                                  ("P_BINH", "P_BINH_F01_2017.xlsx")]
    rows = {r["ma"]: r for r in result.consolidation.tables["tbl_dang_ky"]}
    assert rows["CQ_CHAU"]["dk_ket_nap"] == values["CQ_CHAU"]["dk_ket_nap"]  # its own figures, not the ward's
    status = theo_doi(result, "F01", "2017")
    assert status["CQ_CHAU"]["tep"] == "CQ_CHAU_F01_2017.xlsx" and status["CQ_CHAU"]["so_lan_nop"] == 1
    assert status["P_BINH"]["trang_thai"] == NOT_SUBMITTED  # nothing of its own was used; the finding says why


def test_a_correction_received_later_wins_whatever_date_is_typed_on_it(rounds: dict[str, Any]) -> None:
    result, values = rounds["second"], rounds["values"]
    rows = {r["ma"]: r for r in result.consolidation.tables["tbl_dang_ky"]}
    assert rows["SN_DUC"]["dk_ket_nap"] == values["SN_DUC"]["dk_ket_nap"] + 1
    status = theo_doi(result, "F01", "2017")["SN_DUC"]
    assert status["tep"] == "SN_DUC_F01_2017 (sửa).xlsx" and status["so_lan_nop"] == 2
    assert status["dung_han"] == ON_TIME


def test_an_on_time_registration_corrected_after_the_deadline_stays_on_time(rounds: dict[str, Any]) -> None:
    result = rounds["second"]
    status = theo_doi(result, "F01", "2017")["DN_EM"]
    assert (status["dung_han"], status["so_lan_nop"], status["tep"]) == (ON_TIME, 2, "DN_EM_F01_2017_lan2.xlsx")
    assert status["ngay_sua_cuoi"] is not None
    assert [u for u, _ in found(result, "late-submission")] == []  # SN_MINH too: the Board moved the deadline


def test_unreadable_files_are_received_from_the_unit_their_name_carries(rounds: dict[str, Any]) -> None:
    result = rounds["second"]
    status = theo_doi(result, "F01", "2017")
    assert status["LL_GIANG"]["trang_thai"] == UNREADABLE
    assert status["CB_HA"]["trang_thai"] == UNREADABLE
    assert found(result, "file-encrypted") == [("LL_GIANG", "LL_GIANG_F01_2017.xlsx")]
    assert ("CB_HA", "CB_HA_F01_2017.xlsx") in {(f.unit, f.file) for f in result.findings
                                                 if f.code in ("not-a-form", "file-unreadable")}
    missing = {f.unit for f in result.findings if f.code == "missing-submission"
               and (f.params.get("form"), f.params.get("period_code")) == ("F01", "2017")}
    assert missing == {"DN_NAM", "P_BINH", "CQ_LONG"}  # the unreadable ones were received, not missing


def test_an_ods_file_is_converted_and_read(rounds: dict[str, Any]) -> None:
    result = rounds["second"]
    assert found(result, "file-converted") == [("CB_KHANH", "CB_KHANH_F01_2017.ods")]
    assert theo_doi(result, "F01", "2017")["CB_KHANH"]["trang_thai"] == SUBMITTED


def test_an_f02_under_an_f01_name_is_held_back(rounds: dict[str, Any]) -> None:
    result = rounds["second"]
    assert found(result, "form-name-mismatch") == [("CQ_LONG", "CQ_LONG_F01_2017.xlsx")]
    assert theo_doi(result, "F01", "2017")["CQ_LONG"]["trang_thai"] == NOT_SUBMITTED
    assert ("CQ_LONG", "F02", "2017-01") not in {(r["ma"], r["bieu"], r["ky"])
                                                  for r in result.consolidation.tables["tbl_theo_doi"]
                                                  if r["trang_thai"] == SUBMITTED}


def test_the_board_s_settings_are_obeyed(rounds: dict[str, Any]) -> None:
    result = rounds["second"]
    status = theo_doi(result, "F01", "2017")
    assert {code for code, r in status.items() if r["trang_thai"] == SUBMITTED} == USED_F01
    assert status["SN_MINH"]["dung_han"] == ON_TIME  # dated 22/02: late by the plan, on time by Cấu hình
    assert status["SN_MINH"]["han_nop"] == MOVED_DEADLINE
    rate, = [r for r in result.consolidation.tables["tbl_ty_le_nop"] if (r["bieu"], r["ky"]) == ("F01", "2017")]
    assert rate["ty_le_day_du"] == indicators.share(len(USED_F01), 11, 0, "tron") == indicators.share(55, 100, 2)


def test_the_report_number_typed_by_the_board_survives(rounds: dict[str, Any]) -> None:
    assert named_value(rounds["root"] / WORKBOOK_NAME, "bc_so") == TYPED_NUMBER


def test_a_first_year_takes_its_baseline_from_f01(rounds: dict[str, Any]) -> None:
    result = rounds["second"]
    city, = [r for r in result.consolidation.tables["tbl_tong_hop"]
             if str(r.get("nam")) == "2016" and r["nhom"] == "Toàn thành phố"]
    assert city["dv_duoc_danh_gia"] and city["so_tsvm"] is not None
    assert f"biểu đăng ký của {len(USED_F01)}/11 đơn vị" in city["nguon_so_lieu"]  # which source, how many units
    paragraph = str(result.consolidation.cells["bc_doan_van"])
    assert "Chưa có số liệu" not in paragraph and "đăng ký" in paragraph


def test_nothing_is_written_while_libreoffice_holds_the_workbook(rounds: dict[str, Any]) -> None:
    held = rounds["held"]
    before, after = rounds["held_bytes"]
    assert held.exit_code == 2 and "Nguyễn Văn Hùng" in held.output
    assert before == after


# -- the monthly round ---------------------------------------------------------------------------

def test_a_report_not_yet_due_is_not_chased(rounds: dict[str, Any]) -> None:
    assert rounds["monthly_run"].exit_code in (0, 1), rounds["monthly_run"].output
    result = rounds["third"]
    assert result.status == "no-change"  # same inbox, same as-of date: same workbook
    march = theo_doi(result, "F02", "2017-03")
    assert march and {r["trang_thai"] for r in march.values()} == {NOT_DUE}
    february = theo_doi(result, "F02", "2017-02")
    assert february["DN_NAM"]["trang_thai"] == NOT_SUBMITTED and february["P_AN"]["trang_thai"] == SUBMITTED
    chased = {(f.unit, f.params.get("period_code")) for f in result.findings if f.code == "missing-submission"}
    assert ("DN_NAM", "2017-02") in chased and not {p for _, p in chased if p == "2017-03"}


def test_a_yearly_minimum_is_not_judged_in_march(rounds: dict[str, Any]) -> None:
    result = rounds["third"]
    assert found(result, "below-minimum") == []  # every registration meets its minimum; admissions wait for December
    progress = result.consolidation.tables["tbl_tien_do"]
    assert progress and not any("Chưa đạt" == r["dat_toi_thieu"] for r in progress)
    assert any("đã kết nạp" in str(r["dat_toi_thieu"]) for r in progress)


# -- the ribbon gives what the CLI gives ---------------------------------------------------------

def test_the_ribbon_gives_the_cli_s_statuses_and_findings(rounds: dict[str, Any], tmp_path: Path) -> None:
    ribbon = copy_folder(rounds["registration_twin"], tmp_path / "ribbon")
    twin = copy_folder(rounds["registration_twin"], tmp_path / "cli")
    data, actions, _ = run(ribbon / WORKBOOK_NAME, "xlp_tong_hop")
    consolidate_folder(twin)
    tables = ["tbl_theo_doi", "tbl_ty_le_nop", "tbl_kiem_tra", "tbl_dang_ky"]
    assert set(tables) <= set(TABLES)
    assert_written_like_the_file(data, actions, twin / WORKBOOK_NAME, tables, REPORT_CELLS)
