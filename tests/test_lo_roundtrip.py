"""Acceptance: a filled form re-saved by LibreOffice after inserting rows reads back identically.

"A filled form opened in LibreOffice, with rows inserted above the inputs and
saved as .xlsx, reads back identically." A LibreOffice-side UNO script
(``lo_scripts/insert_rows.py``) does what a clerk would: lift the sheet
protection, insert rows above everything and between the inputs, insert a
column, protect again, save as Excel 2007+. Every cell moves; since readers
find fields by defined name, every value must come back the same, with every
reader engine.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import pytest

from xlplan.core.forms import form_spec
from xlplan.core.registry import Unit
from xlplan.core.submission import Submission
from xlplan.io.form_reader import read_form
from xlplan.io.form_writer import write_form
from xlplan.io.plans import load_plan
from xlplan.io.readers import ENGINES

from tests.support.libreoffice_uno import run_script

pytestmark = pytest.mark.libreoffice

WARD = Unit("P_DAIPHUC", "Đảng bộ phường Đại Phúc", "xa_phuong")
COMPANY = Unit("DN_KINHBAC", "Đảng bộ Công ty cổ phần Kinh Bắc", "doanh_nghiep")

# What the script does to every form: 3 rows on top, a column on the left, and rows in
# the middle of the inputs (above a field each form has).
EDIT = {"rows": 3, "columns": 1, "above": {"dv_tong_so": 2}}


@dataclass(frozen=True)
class Form:
    id: str
    form: str
    unit: Unit
    period: str
    values: Mapping[str, Any]


FORMS = [
    Form("F01_ward", "F01", WARD, "2017", {
        "chi_bo_truc_thuoc": 14, "dv_tong_so": 523, "dv_du_bi": 11, "kq_xep_loai": "Trong sạch, vững mạnh",
        "kq_dv_duoc_danh_gia": 470, "kq_dv_xuat_sac": 60, "kq_dv_tot": 370, "kq_ket_nap": 9,
        "dk_xep_loai": "Trong sạch, vững mạnh tiêu biểu", "dk_ket_nap": 10, "dk_nguon": 16,
        "dk_nguon_boi_duong": 12, "dk_chuyen_chinh_thuc": 9, "dk_dv_dang_ky_ren_luyen": 510,
        "ngay_lap": dt.date(2017, 2, 14), "nguoi_lap": "Nguyễn Thị Thu", "bi_thu": "Hoàng Văn Sơn"}),
    Form("F01_below_minimum", "F01", COMPANY, "2017", {
        "dv_tong_so": 40, "dv_du_bi": 45, "dk_ket_nap": 1, "dk_xep_loai": "Hoàn thành tốt nhiệm vụ",
        "ngay_lap": dt.date(2017, 2, 25)}),
    Form("F02_city_2016", "F02", WARD, "2016", {
        "dv_dau_ky": 8739, "kn_trong_ky": 218, "kn_luy_ke": 218, "chuyen_chinh_thuc": 237, "chuyen_den": 40,
        "chuyen_di": 35, "tu_tran": 77, "xoa_ten": 6, "xoa_ten_dv_moi": 1, "khai_tru": 1, "ra_dang": 1,
        "dv_cuoi_ky": 8877, "dv_ky_luat": 9, "qc_hoc_nhan_thuc": 250, "ghi_chu": "Kết nạp đạt 121% kế hoạch",
        "ngay_lap": dt.date(2016, 12, 20), "nguoi_lap": "Đỗ Minh Châu"}),
    Form("F02_month_unbalanced", "F02", COMPANY, "2017-05", {
        "dv_dau_ky": 61, "kn_trong_ky": 1, "kn_luy_ke": 0, "dv_cuoi_ky": 60, "ngay_lap": dt.date(2017, 6, 3)}),
    Form("F03_city_2016", "F03", WARD, "2017", {
        "tccs_tu_xep_loai": "Trong sạch, vững mạnh tiêu biểu", "tccs_xep_loai": "Trong sạch, vững mạnh tiêu biểu",
        "chi_bo_tong_so": 80, "cb_tsvm_tieu_bieu": 12, "cb_tsvm": 53, "cb_hoan_thanh_tot": 10, "cb_hoan_thanh": 4,
        "cb_yeu_kem": 0, "cb_khong_danh_gia": 1, "dv_tong_so": 8877, "dv_khong_danh_gia": 1424,
        "dv_duoc_danh_gia": 7453, "dv_xuat_sac": 901, "dv_tot": 5745, "dv_hoan_thanh": 700,
        "dv_khong_hoan_thanh": 107, "dv_dat_cam_ket": 7100, "ngay_lap": dt.date(2018, 1, 12),
        "nguoi_lap": "Vũ Thị Lan", "bi_thu": "Ngô Quang Hải"}),
]


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory, uno_python: str, lo_scripts: Path) -> dict[str, Any]:
    """Each form written by xlplan, then edited and re-saved by ONE LibreOffice run."""
    folder = tmp_path_factory.mktemp("lo_roundtrip")
    plan = load_plan()
    pairs: list[str] = []
    for form in FORMS:
        original = write_form(folder / f"{form.id}.xlsx", form_spec(form.form, plan), plan, form.unit,
                              form.period, form.values)
        pairs += [str(original), str(folder / f"{form.id}_LibreOffice.xlsx")]
    report = run_script(lo_scripts / "insert_rows.py", [json.dumps(EDIT), *pairs], timeout=300)
    return {form.id: (Path(pairs[2 * i]), Path(pairs[2 * i + 1]), report[i]) for i, form in enumerate(FORMS)}


def test_libreoffice_really_moved_the_cells(edited: dict[str, Any]) -> None:
    for form in FORMS:
        _, modified, report = edited[form.id]
        assert modified.is_file()
        assert report["protected"], "the generated main sheet is protected; the script had to lift it"
        assert report["before"] != report["after"], report


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("form", FORMS, ids=[f.id for f in FORMS])
def test_reads_back_identically(form: Form, engine: str, edited: dict[str, Any]) -> None:
    original_path, modified_path, _ = edited[form.id]
    plan = load_plan()
    original = read_form(original_path, plan, engine=engine)
    modified = read_form(modified_path, plan, engine=engine)

    assert identity(modified) == identity(original)
    assert set(modified.values) == set(original.values)
    assert {k: v.value for k, v in modified.values.items()} == {k: v.value for k, v in original.values.items()}
    for field_id, value in form.values.items():  # and they are what the unit typed
        assert original.values[field_id].value == value, field_id

    main = form_spec(form.form, plan).sheet
    for field_id, cell in modified.values.items():
        before = original.values[field_id]
        if before.sheet == main and before.cell is not None:
            assert cell.sheet == main
            assert cell.cell != before.cell, f"{field_id} did not move: the edit proved nothing"

    assert finding_keys(modified) == finding_keys(original)


def identity(sub: Submission) -> tuple[Any, ...]:
    return sub.form, sub.version, sub.plan_id, sub.plan_year, sub.unit, sub.period


def finding_keys(sub: Submission) -> list[tuple[str, str | None]]:
    """Findings without their cells (which moved) or their prose."""
    return sorted((f.code, f.field) for f in sub.findings)
