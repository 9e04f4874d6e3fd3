"""Issue 11 rules 8 and 9 on real files: the baseline from F01, and partial said as partial.

Working folders are made with the real services (``init_workspace``,
``make_forms`` filled by defined names, ``consolidate_folder``):

* a first year with xlplan: only the 2017 registrations (F01) are in the inbox,
  their "Kết quả năm 2016" group filled; the 2016 baseline comes from them;
* the same with one unit's 2016 year-end forms (F03, annual F02) as well: for
  that unit the year-end forms win;
* a year in progress (F01 and monthly F02 of January and February, one unit not
  reporting): at an as-of date of the end of February nothing is "Chưa đạt" and
  no admission is ``below-minimum``; at the year's end (an annual F02 below the
  minimum) the verdict and the finding are there as before.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from xlplan.core.indicators import NO_DATA
from xlplan.core.plan import Plan
from xlplan.core.registry import Unit
from xlplan.core.rollup import Consolidation, consolidate
from xlplan.io.form_reader import read_form
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.forms import make_forms
from xlplan.services.workspace import INBOX, init_workspace, open_workspace

REGISTRY_CSV = """ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he
P_AN,Đảng bộ phường An Bình,xa_phuong,có,320,14,
P_BINH,Đảng bộ phường Bình Minh,xa_phuong,có,280,12,
CQ_CHAU,Đảng bộ cơ quan Ủy ban nhân dân,co_quan,có,95,6,
CB_HA,Chi bộ Trường THPT Hàn Thuyên,chi_bo_co_so,có,24,0,
"""
TSVM, GOOD_ORG = "Trong sạch, vững mạnh", "Hoàn thành tốt nhiệm vụ"
CITY = "Toàn thành phố"
# Last year's results as each unit types them into its 2017 registration:
# rating, members assessed, excellent, good (not counting excellent), admitted.
RESULTS = {
    "P_AN": (TSVM, 300, 40, 230, 9),
    "P_BINH": (GOOD_ORG, 250, 30, 190, 8),
    "CQ_CHAU": (TSVM, 90, 12, 70, 3),
    "CB_HA": (TSVM, 20, 3, 15, 1),
}
MEMBERS = {"P_AN": 320, "P_BINH": 280, "CQ_CHAU": 95, "CB_HA": 24}
REGISTERED = {"P_AN": 9, "P_BINH": 8, "CQ_CHAU": 3, "CB_HA": 2}  # each at or above its minimum


def registration(code: str) -> dict[str, Any]:
    rating, assessed, excellent, good, admitted = RESULTS[code]
    return {"dv_tong_so": MEMBERS[code], "kq_xep_loai": rating, "kq_dv_duoc_danh_gia": assessed,
            "kq_dv_xuat_sac": excellent, "kq_dv_tot": good, "kq_ket_nap": admitted,
            "dk_xep_loai": TSVM, "dk_ket_nap": REGISTERED[code], "ngay_lap": dt.date(2017, 2, 10)}


def month(code: str, index: int, admitted: int, ytd: int) -> dict[str, Any]:
    start = MEMBERS[code] + ytd - admitted
    return {"dv_dau_ky": start, "kn_trong_ky": admitted, "kn_luy_ke": ytd, "dv_cuoi_ky": start + admitted,
            "ngay_lap": dt.date(2017, index + 1, 3)}


def new_folder(root: Path) -> tuple[Plan, list[Unit]]:
    registry = root.parent / "danh_muc.csv"
    registry.write_text(REGISTRY_CSV, encoding="utf-8")
    init_workspace(root, registry_name=registry)
    ws = open_workspace(root)
    return ws.plan, list(ws.registry)


def write(root: Path, plan: Plan, units: list[Unit], form: str, period: str, values: dict[str, dict]) -> None:
    make_forms(plan, units, form, period, root / INBOX, codes=list(values), values_by_unit=values, workers=1)


def city_row(c: Consolidation, year: str) -> dict[str, object]:
    found = [r for r in c.tables["tbl_tong_hop"] if r["nhom"] == CITY and r["nam"] == year]
    assert len(found) == 1, found
    return found[0]


def lines(c: Consolidation, table: str) -> dict[str, dict[str, object]]:
    return {str(r["chi_tieu"]): r for r in c.tables[table]}


# -- a first year: the baseline from F01 -------------------------------------------------

@pytest.fixture(scope="module")
def first_year(tmp_path_factory) -> Consolidation:
    root = tmp_path_factory.mktemp("first") / "TongHop"
    plan, units = new_folder(root)
    write(root, plan, units, "F01", "2017", {code: registration(code) for code in RESULTS})
    return consolidate_folder(root).consolidation


@pytest.fixture(scope="module")
def mixed_year(tmp_path_factory) -> Consolidation:
    """CQ_CHAU also sent its 2016 F03 and annual F02, with figures other than its F01's."""
    root = tmp_path_factory.mktemp("mixed") / "TongHop"
    plan, units = new_folder(root)
    write(root, plan, units, "F01", "2017", {code: registration(code) for code in RESULTS})
    write(root, plan, units, "F03", "2016", {"CQ_CHAU": {
        "tccs_tu_xep_loai": GOOD_ORG, "tccs_xep_loai": GOOD_ORG, "dv_tong_so": 95, "dv_khong_danh_gia": 3,
        "dv_duoc_danh_gia": 92, "dv_xuat_sac": 10, "dv_tot": 75, "dv_hoan_thanh": 7, "dv_khong_hoan_thanh": 0,
        "ngay_lap": dt.date(2017, 1, 10)}})
    write(root, plan, units, "F02", "2016", {"CQ_CHAU": {
        "dv_dau_ky": 91, "kn_trong_ky": 4, "kn_luy_ke": 4, "chuyen_chinh_thuc": 2, "dv_cuoi_ky": 95, "ngay_lap": dt.date(2017, 1, 10)}})
    return consolidate_folder(root).consolidation


def test_first_year_baseline_comes_from_the_registrations(first_year: Consolidation) -> None:
    city = city_row(first_year, "2016")
    assert (city["so_don_vi"], city["so_danh_gia"], city["so_tsvm"], city["so_yeu_kem"]) == (4, 4, 3, 0)
    assert (city["dv_duoc_danh_gia"], city["dv_tot_tro_len"], city["dv_xuat_sac"]) == (660, 590, 85)
    assert city["ty_le_tsvm"] == Fraction(75, 100)
    assert city["ty_le_tot"] == Fraction(8939, 10000)  # 590/660 = 89,39%
    assert (city["ket_nap"], city["chi_tieu_ket_nap"]) == (21, 180)
    assert city["dv_tong_so"] is None and city["chuyen_chinh_thuc"] is None  # F01 does not ask these
    assert "4/4 đơn vị" in str(city["nguon_so_lieu"])
    kinds = {r["nhom"]: r for r in first_year.tables["tbl_tong_hop"] if r["nam"] == "2016"}
    assert len(kinds) == 7  # six kinds and the city: the 2016 block exists
    lined = lines(first_year, "tbl_chi_tieu")
    assert lined["Tỷ lệ tổ chức cơ sở đảng trong sạch, vững mạnh"]["nam_truoc"] == "3/4 = 75,00%"
    assert lined["Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên"]["nam_truoc"] == "590/660 = 89,39%"
    assert str(lined["Kết nạp đảng viên mới (so với chỉ tiêu toàn thành phố)"]["nam_truoc"]).startswith(
        "21 = 11% kế hoạch (")
    report = lines(first_year, "tbl_bao_cao")
    assert str(report["Tổ chức cơ sở đảng được đánh giá chất lượng"]["nam_truoc"]).startswith("4 (")


def test_first_year_paragraph_has_figures_and_says_their_source(first_year: Consolidation) -> None:
    text = first_year.paragraph
    assert first_year.cells["bc_doan_van"] == text
    for part in ("4 tổ chức cơ sở Đảng được đánh giá", "3/4 = 75,00%", "660 đảng viên được đánh giá",
                 "590/660", "85/660 = 12,87%", "kết nạp 21 đảng viên mới", "4/4 đơn vị"):
        assert part in text, part
    # only what F01 does not ask (members at year end, transfers) is still without data
    assert text.count("chưa có số liệu") == 2


def test_the_year_end_form_wins_over_the_registration(mixed_year: Consolidation) -> None:
    city = city_row(mixed_year, "2016")
    assert (city["so_danh_gia"], city["so_tsvm"]) == (4, 2)  # CQ_CHAU's F03 rating, not its F01 one
    assert (city["dv_duoc_danh_gia"], city["dv_tot_tro_len"], city["dv_xuat_sac"]) == (662, 593, 83)
    assert city["ket_nap"] == 22  # 9 + 8 + 4 (annual F02) + 1
    assert (city["dv_tong_so"], city["chuyen_chinh_thuc"]) == (95, 2)  # only CQ_CHAU's year-end forms say these
    note = str(city["nguon_so_lieu"])
    assert "3/4 đơn vị" in note and "1 đơn vị" in note
    kind = next(r for r in mixed_year.tables["tbl_tong_hop"]
                if r["nam"] == "2016" and r["nhom"] != CITY and r["so_tsvm"] == 0 and r["so_danh_gia"] == 1)
    assert kind["dv_duoc_danh_gia"] == 92 and "1/1" not in str(kind["nguon_so_lieu"] or "")
    assert "2/4 = 50,00%" in mixed_year.paragraph and "3/4 đơn vị" in mixed_year.paragraph


# -- a year in progress: partial is said as partial --------------------------------------

@pytest.fixture(scope="module")
def in_progress(tmp_path_factory) -> tuple[Path, Plan, list[Unit]]:
    """F01 of everyone; January and February reports of three units (CB_HA has not reported)."""
    root = tmp_path_factory.mktemp("progress") / "TongHop"
    plan, units = new_folder(root)
    write(root, plan, units, "F01", "2017", {code: registration(code) for code in RESULTS})
    reporting = {"P_AN": (1, 2), "P_BINH": (0, 5), "CQ_CHAU": (1, 0)}
    for index in (1, 2):
        values = {}
        for code, (jan, feb) in reporting.items():
            admitted = jan if index == 1 else feb
            values[code] = month(code, index, admitted, jan if index == 1 else jan + feb)
        write(root, plan, units, "F02", f"2017-{index:02d}", values)
    return root, plan, units


def read_inbox(root: Path, plan: Plan) -> list:
    return [read_form(path, plan) for path in sorted((root / INBOX).rglob("*.xlsx"))]


def test_end_of_february_is_progress_not_a_verdict(in_progress) -> None:
    root, plan, units = in_progress
    c = consolidate(read_inbox(root, plan), units, plan, as_of=dt.date(2017, 2, 28))
    progress = {r["ma"]: r for r in c.tables["tbl_tien_do"]}
    assert progress["P_AN"]["kn_luy_ke"] == 3 and progress["P_AN"]["ct_toi_thieu"] == 8
    assert progress["P_AN"]["dat_toi_thieu"] not in ("Chưa đạt", "Đạt", NO_DATA)
    assert "3" in str(progress["P_AN"]["dat_toi_thieu"])
    assert progress["CB_HA"]["dat_toi_thieu"] == NO_DATA
    assert [f for f in c.findings if f.code == "below-minimum"] == []
    for table in ("tbl_chi_tieu", "tbl_bao_cao", "tbl_tien_do", "tbl_tong_hop"):
        assert all("Chưa đạt" not in str(v) for r in c.tables[table] for v in r.values()), table
    admissions = lines(c, "tbl_chi_tieu")["Kết nạp đảng viên mới (so với chỉ tiêu toàn thành phố)"]
    assert admissions["danh_gia"] == "Đang thực hiện"
    assert "9" in str(admissions["nam_nay"]) and "3/4 đơn vị" in str(admissions["nam_nay"])
    text = str(c.cells["bc_doan_van_nam"])
    assert "chưa đạt" not in text.lower() and "3/4 đơn vị đã báo cáo" in text
    assert "đã kết nạp 9 đảng viên mới" in text


def test_at_the_years_end_the_minimum_is_judged(in_progress, tmp_path: Path) -> None:
    root, plan, units = in_progress
    write(root, plan, units, "F02", "2017", {"P_AN": {
        "dv_dau_ky": 320, "kn_trong_ky": 5, "kn_luy_ke": 5, "dv_cuoi_ky": 325, "ngay_lap": dt.date(2018, 1, 5)}})
    try:
        subs = read_inbox(root, plan)
    finally:
        (root / INBOX / "P_AN_F02_2017.xlsx").unlink()
    c = consolidate(subs, units, plan, as_of=dt.date(2018, 1, 15))
    assert [(f.code, f.unit, f.field) for f in c.findings if f.code == "below-minimum"] == [
        ("below-minimum", "P_AN", "kn_luy_ke")]
    progress = {r["ma"]: r for r in c.tables["tbl_tien_do"]}
    assert progress["P_AN"]["dat_toi_thieu"] == "Chưa đạt"
    assert lines(c, "tbl_chi_tieu")["Kết nạp đảng viên mới (so với chỉ tiêu toàn thành phố)"]["danh_gia"] \
        == "Chưa đạt"
    assert "chưa đạt chỉ tiêu kết nạp tối thiểu" in str(c.cells["bc_doan_van_nam"])
    # without an as-of date everything is due: judged as before issue 11
    assert consolidate(subs, units, plan).tables["tbl_tien_do"] == c.tables["tbl_tien_do"]
