"""Acceptance: the native Excel formulas in every form agree with the indicator functions.

"Each generated form, filled with test data (including the seed's 2016 city
totals as one unit's values), is recalculated by headless LibreOffice; every
native-formula indicator in it equals what the indicator functions compute."

All forms are written first and recalculated in ONE LibreOffice run, then read
back by their defined names (openpyxl, cached values) and compared with
``FormSpec.compute``: a Ratio is exactly ``float`` of the Fraction (or empty
when its denominator is 0), a Total the same number, a Check the same text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

import openpyxl
import pytest

from xlplan.core.forms import Check, FormSpec, Ratio, Total, form_spec
from xlplan.core.plan import Plan
from xlplan.core.registry import Unit
from xlplan.io.form_writer import write_form
from xlplan.io.plans import load_plan

from tests.support.recalc import recalculate_many

pytestmark = pytest.mark.libreoffice

WARD = Unit("P_VUNINH", "Đảng bộ phường Vũ Ninh", "xa_phuong")
AGENCY = Unit("CQ_UBND", "Đảng bộ cơ quan Ủy ban nhân dân thành phố", "co_quan")
CELL = Unit("CB_DIENLUC", "Chi bộ Điện lực Bắc Ninh", "chi_bo_co_so", has_source=False)

TSVM_TB = "Trong sạch, vững mạnh tiêu biểu"  # a label with a comma, as in the plan
TSVM = "Trong sạch, vững mạnh"


@dataclass(frozen=True)
class Case:
    id: str
    form: str
    values: Mapping[str, Any]
    unit: Unit | None = WARD
    period: str = "2017"
    tron: bool = False  # render under a plan that rounds half-up instead of cutting


def city_2016_f03() -> dict[str, Any]:
    """The seed's 2016 city totals as one unit's year-end assessment."""
    return {
        "tccs_tu_xep_loai": TSVM_TB, "tccs_xep_loai": TSVM_TB,
        "chi_bo_tong_so": 80, "cb_tsvm_tieu_bieu": 12, "cb_tsvm": 53, "cb_hoan_thanh_tot": 10,
        "cb_hoan_thanh": 4, "cb_yeu_kem": 0, "cb_khong_danh_gia": 1,
        "dv_tong_so": 8877, "dv_khong_danh_gia": 8877 - 7453, "dv_duoc_danh_gia": 7453,
        "dv_xuat_sac": 901, "dv_tot": 6646 - 901, "dv_hoan_thanh": 700, "dv_khong_hoan_thanh": 7453 - 6646 - 700,
        "dv_dat_cam_ket": 7000, "ngay_lap": dt.date(2017, 1, 10), "nguoi_lap": "Nguyễn Văn An",
        "bi_thu": "Trần Thị Bình",
    }


def city_2016_f02() -> dict[str, Any]:
    """The 2016 annual movements: 218 admitted, 237 made full members, 8.877 at the end."""
    moves = {"kn_trong_ky": 218, "kn_luy_ke": 218, "chuyen_chinh_thuc": 237, "chuyen_den": 41, "chuyen_di": 37,
             "tu_tran": 58, "xoa_ten": 6, "xoa_ten_dv_moi": 2, "khai_tru": 1, "ra_dang": 1}
    start = 8877 - 218 - 41 + 37 + 58 + 6 + 1 + 1
    return {"dv_dau_ky": start, **moves, "dv_cuoi_ky": 8877, "dv_ky_luat": 12, "qc_hoc_nhan_thuc": 260,
            "ghi_chu": "Số liệu năm 2016, kết nạp đạt 121% kế hoạch", "ngay_lap": dt.date(2016, 12, 20)}


def f03_counts(assessed: int, excellent: int, good: int, complete: int, failed: int, not_assessed: int = 0,
               cells: tuple[int, ...] = (0, 0, 0, 0, 0, 0)) -> dict[str, Any]:
    names = ("cb_tsvm_tieu_bieu", "cb_tsvm", "cb_hoan_thanh_tot", "cb_hoan_thanh", "cb_yeu_kem", "cb_khong_danh_gia")
    return {"tccs_tu_xep_loai": TSVM, "dv_tong_so": assessed + not_assessed, "dv_khong_danh_gia": not_assessed,
            "dv_duoc_danh_gia": assessed, "dv_xuat_sac": excellent, "dv_tot": good, "dv_hoan_thanh": complete,
            "dv_khong_hoan_thanh": failed, "chi_bo_tong_so": sum(cells), **dict(zip(names, cells))}


def random_cases(count: int, seed: int = 2017) -> list[Case]:
    """Random but reproducible counts: shares at every size of denominator, checks either way."""
    rng = random.Random(seed)
    cases = []
    for number in range(count):
        assessed = rng.choice([0, 1, 3, 7, 79, 100, 997, rng.randint(1, 20000)])
        parts = sorted(rng.randint(0, assessed) for _ in range(3))
        excellent, good, complete, failed = parts[0], parts[1] - parts[0], parts[2] - parts[1], assessed - parts[2]
        if number % 5 == 4:
            failed += 1  # categories no longer add up to the assessed
        cells = tuple(rng.randint(0, 9) for _ in range(6))
        values = f03_counts(assessed, excellent, good, complete, failed, rng.randint(0, 50), cells)
        if number % 7 == 3:
            values["chi_bo_tong_so"] += 1
        cases.append(Case(f"F03_random_{number:02d}", "F03", values, tron=number % 3 == 0))
        total = rng.randint(0, 5000)
        cases.append(Case(f"F01_random_{number:02d}", "F01", {
            "dv_tong_so": total, "dv_du_bi": rng.randint(0, total + 2), "kq_dv_duoc_danh_gia": assessed,
            "kq_dv_xuat_sac": excellent, "kq_dv_tot": good, "dk_ket_nap": rng.randint(0, 12),
            "dk_nguon": rng.randint(0, 30), "dk_nguon_boi_duong": rng.randint(0, 30),
        }, unit=rng.choice([WARD, AGENCY, CELL]), tron=number % 3 == 1))
    return cases


CASES: list[Case] = [
    # F01 registration
    Case("F01_ward_typical", "F01", {
        "chi_bo_truc_thuoc": 12, "dv_tong_so": 412, "dv_du_bi": 9, "kq_xep_loai": TSVM,
        "kq_dv_duoc_danh_gia": 380, "kq_dv_xuat_sac": 47, "kq_dv_tot": 301, "kq_ket_nap": 10,
        "dk_xep_loai": TSVM_TB, "dk_ket_nap": 9, "dk_nguon": 15, "dk_nguon_boi_duong": 11,
        "dk_ty_le_tot": Fraction(86, 100), "dk_chuyen_chinh_thuc": 8, "dk_dv_dang_ky_ren_luyen": 400,
        "ngay_lap": dt.date(2017, 2, 15), "nguoi_lap": "Lê Thị Hoa", "bi_thu": "Phạm Văn Đức"}),
    Case("F01_city_2016_results", "F01", {
        "dv_tong_so": 8877, "kq_xep_loai": TSVM_TB, "kq_dv_duoc_danh_gia": 7453, "kq_dv_xuat_sac": 901,
        "kq_dv_tot": 6646 - 901, "kq_ket_nap": 218, "dk_xep_loai": TSVM_TB, "dk_ket_nap": 3}, unit=AGENCY),
    Case("F01_checks_fail", "F01", {
        "dv_tong_so": 20, "dv_du_bi": 21, "kq_dv_duoc_danh_gia": 0, "kq_dv_xuat_sac": 0, "kq_dv_tot": 0,
        "dk_ket_nap": 7, "dk_nguon": 4, "dk_nguon_boi_duong": 5}),
    Case("F01_29_of_100", "F01", {"dv_tong_so": 100, "kq_dv_duoc_danh_gia": 100, "kq_dv_xuat_sac": 9,
                                  "kq_dv_tot": 20, "dk_ket_nap": 8}),
    Case("F01_cell_without_source", "F01", {"dv_tong_so": 15, "dk_ket_nap": 0}, unit=CELL),
    Case("F01_blank_form_empty", "F01", {}, unit=None),
    Case("F01_two_thirds_rounded", "F01", {"kq_dv_duoc_danh_gia": 3, "kq_dv_xuat_sac": 1, "kq_dv_tot": 1},
         tron=True),
    # F02 periodic report
    Case("F02_city_2016_annual", "F02", city_2016_f02(), period="2016"),
    Case("F02_month_balanced", "F02", {"dv_dau_ky": 300, "kn_trong_ky": 2, "kn_luy_ke": 5, "chuyen_den": 1,
                                       "chuyen_di": 3, "tu_tran": 1, "dv_cuoi_ky": 299}, period="2017-03"),
    Case("F02_quarter_checks_fail", "F02", {
        "dv_dau_ky": 300, "kn_trong_ky": 6, "kn_luy_ke": 4, "xoa_ten": 1, "xoa_ten_dv_moi": 2,
        "khai_tru": 1, "ra_dang": 1, "dv_cuoi_ky": 305}, period="2017-Q2"),
    Case("F02_empty", "F02", {}, period="2017-01"),
    # F03 year-end assessment
    Case("F03_city_2016_totals", "F03", city_2016_f03()),
    Case("F03_zero_assessed", "F03", f03_counts(0, 0, 0, 0, 0, not_assessed=4)),
    Case("F03_29_of_100", "F03", f03_counts(100, 29, 0, 60, 11, cells=(1, 2, 0, 0, 0, 0))),
    Case("F03_one_in_seven", "F03", f03_counts(7, 1, 4, 2, 0)),
    Case("F03_two_thirds_cut", "F03", f03_counts(3, 2, 0, 1, 0)),
    Case("F03_two_thirds_rounded", "F03", f03_counts(3, 2, 0, 1, 0), tron=True),
    Case("F03_sums_fail", "F03", {**f03_counts(50, 5, 30, 10, 4, 3, cells=(1, 1, 1, 1, 1, 1)),
                                  "dv_tong_so": 60, "chi_bo_tong_so": 5}),
    Case("F03_empty", "F03", {}, unit=None),
    *random_cases(12),
]


def plan_for(case: Case, plan: Plan) -> Plan:
    return dataclasses.replace(plan, rounding_mode="tron") if case.tron else plan


def inputs_of(case: Case, spec: FormSpec, plan: Plan) -> dict[str, Any]:
    """What the form's input cells hold: the case's values and the generator's prefilled minimum."""
    values = dict(case.values)
    if case.unit is not None and spec.has_field("ct_toi_thieu"):
        values["ct_toi_thieu"] = plan.admission_minimum(case.unit.kind, case.unit.has_source)
    return values


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, Path]:
    """Every case written as a form, then all recalculated by one LibreOffice run."""
    folder = tmp_path_factory.mktemp("recalc_forms")
    base = load_plan()
    written = []
    for case in CASES:
        plan = plan_for(case, base)
        written.append(write_form(folder / f"{case.id}.xlsx", form_spec(case.form, plan), plan,
                                  case.unit, case.period, case.values))
    results = recalculate_many(written, folder / "recalculated", timeout=300)
    return {case.id: path for case, path in zip(CASES, results)}


def read_named(path: Path) -> dict[str, Any]:
    """Cached cell values by workbook-level defined name (single cells only)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, Any] = {}
    for name, defined in wb.defined_names.items():
        for sheet, ref in defined.destinations:
            if ":" not in ref:
                out[name] = wb[sheet][ref.replace("$", "")].value
    return out


def assert_same(derived: Total | Ratio | Check, got: Any, expected: Any) -> None:
    where = f"{derived.id} ({type(derived).__name__})"
    if isinstance(derived, Ratio):
        if expected is None:
            assert got in (None, ""), f"{where}: no data must be an empty cell, LibreOffice gave {got!r}"
        else:
            assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{where}: {got!r}"
            assert got == float(expected), f"{where}: LibreOffice {got!r} != Python {float(expected)!r}"
    elif isinstance(derived, Total):
        assert isinstance(got, (int, float)) and got == expected, f"{where}: LibreOffice {got!r} != Python {expected}"
    else:
        assert got == expected, f"{where}: LibreOffice {got!r} != Python {expected!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_native_formulas_equal_the_indicator_functions(case: Case, recalculated: dict[str, Path]) -> None:
    plan = plan_for(case, load_plan())
    spec = form_spec(case.form, plan)
    inputs = inputs_of(case, spec, plan)
    cells = read_named(recalculated[case.id])

    for field_id, value in inputs.items():  # the inputs went where the names say
        if isinstance(value, (int, str)):
            assert cells[field_id] == value, field_id
        elif isinstance(value, Fraction):
            assert cells[field_id] == float(value), field_id

    expected = spec.compute(inputs)
    assert set(expected) == {d.id for d in spec.derived}
    for derived in spec.derived:
        assert derived.id in cells, f"no defined name for {derived.id}"
        assert_same(derived, cells[derived.id], expected[derived.id])


def test_the_cases_cover_what_the_acceptance_asks() -> None:
    """Guard the test data itself: the city 2016 figures, no-data shares, failing checks, 29/100."""
    base = load_plan()
    f03 = form_spec("F03", base)
    city = f03.compute(city_2016_f03())
    assert (city["ct_ty_le_tot"], city["ct_ty_le_xuat_sac"]) == (Fraction(8917, 10000), Fraction(1208, 10000))
    assert all(city[c.id] == c.ok for c in f03.derived if isinstance(c, Check))
    assert f03.compute(f03_counts(0, 0, 0, 0, 0))["ct_ty_le_tot"] is None
    assert f03.compute(f03_counts(100, 29, 0, 60, 11))["ct_ty_le_xuat_sac"] == Fraction(29, 100)
    f02 = form_spec("F02", base).compute(city_2016_f02())
    assert f02["ct_cuoi_ky_tinh"] == 8877 and f02["kt_can_doi"] == "Khớp"

    failed: set[str] = set()
    for case in CASES:
        spec = form_spec(case.form, base)
        computed = spec.compute(inputs_of(case, spec, base))
        failed |= {c.id for c in spec.derived if isinstance(c, Check) and computed[c.id] == c.not_ok}
    every_check = {c.id for fid in ("F01", "F02", "F03") for c in form_spec(fid, base).derived if isinstance(c, Check)}
    assert failed == every_check, "every check must fail in at least one case"

    tron = form_spec("F03", dataclasses.replace(base, rounding_mode="tron"))
    assert tron.compute(f03_counts(3, 2, 0, 1, 0))["ct_ty_le_tot"] == Fraction(6667, 10000)
