"""The demo's synthetic data: exact city totals, per-unit invariants, determinism, deliberate problems.

The form checks are taken from the real form specs (``xlplan.core.forms``), so
"the values pass their own form's checks" means the same thing here as in a
consolidated workbook.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.core import indicators
from xlplan.core.forms import Check, FormSpec, form_spec, org_cell_field
from xlplan.core.plan import Plan
from xlplan.core.registry import Unit
from xlplan.io.plans import load_plan
from xlplan.io.registry import load_registry
from xlplan.services import sample_data
from xlplan.services.sample_data import (CityTotals, annual_report_values, apportion, city_totals_2016,
                                         demo_scenario, implied_totals, monthly_report_values,
                                         registration_values, unit_members, year_end_values)

SECOND = CityTotals(units=50, members=5000, assessed_units=48, tsvm=40, weak=1, members_assessed=4200,
                    excellent=700, good_or_better=3800, admitted=150, made_full=160)
KINDS = ["xa_phuong"] * 19 + ["co_quan"] * 20 + ["su_nghiep"] * 15 + ["doanh_nghiep"] * 12 \
    + ["luc_luong_vu_trang"] * 4 + ["chi_bo_co_so"] * 10
PLAN = load_plan()  # module-level for hypothesis tests, which cannot take function-scoped fixtures


def make_units(count: int, members_scale: int = 1) -> list[Unit]:
    """A spread of kinds, sizes and cells; member counts that do NOT sum to any totals used here."""
    kinds = KINDS[:count] if count <= len(KINDS) else [KINDS[i % len(KINDS)] for i in range(count)]
    return [Unit(f"DV{i:02d}", f"Đảng bộ mẫu {i}", kind, has_source=i % 4 != 1,
                 members=(0 if i == 3 else (25 + (i * 37) % 260) * members_scale),
                 cells=(0 if kind == "chi_bo_co_so" else 2 + (i * 5) % 15)) for i, kind in enumerate(kinds)]


UNITS_80 = make_units(80)
UNITS_50 = make_units(50)
BUNDLED = list(load_registry(plan=PLAN).units)  # the 80 units of the bundled Bắc Ninh registry
CASES = [pytest.param(UNITS_80, city_totals_2016(), id="bac-ninh-2016"),
         pytest.param(BUNDLED, city_totals_2016(), id="bundled-registry"),
         pytest.param(UNITS_50, SECOND, id="second-totals")]


def total(values: dict[str, dict], field: str) -> int:
    return sum(v[field] for v in values.values())


def failing_checks(spec: FormSpec, values: dict) -> list[str]:
    """Ids of the form's checks that fail, evaluated as the form does (earlier derived cells in scope)."""
    scope, failed = dict(values), []
    for item in spec.derived:
        if isinstance(item, Check) and not item.holds(scope):
            failed.append(item.id)
        scope[item.id] = item.evaluate(scope)
    return failed


def assert_input_values(spec: FormSpec, values: dict) -> None:
    """Only the unit's own input fields, every required one present, each of its field's type."""
    for key, value in values.items():
        assert spec.has_field(key), key
        field = spec.field(key)
        assert not field.locked, key
        if field.type == "int":
            assert type(value) is int and value >= 0, (key, value)
        elif field.type == "share":
            assert isinstance(value, Fraction) and 0 <= value <= 1, (key, value)
        elif field.type == "date":
            assert type(value) is dt.date, (key, value)
        elif field.type == "choice":
            assert value in field.choices, (key, value)
        else:
            assert isinstance(value, str) and value.strip(), (key, value)
    assert {f.id for f in spec.inputs if f.required} <= set(values)


# -- totals and apportionment ---------------------------------------------------------

def test_city_totals_2016_are_the_plans_figures() -> None:
    t = city_totals_2016()
    assert (t.units, t.members, t.assessed_units, t.tsvm, t.weak) == (80, 8877, 79, 65, 0)
    assert (t.members_assessed, t.excellent, t.good_or_better, t.good) == (7453, 901, 6646, 5745)
    assert (t.admitted, t.admission_plan, t.made_full, t.not_assessed_units) == (218, 180, 237, 1)
    assert indicators.ratio_text(t.tsvm, t.assessed_units) == "65/79 = 82,27%"
    assert indicators.ratio_text(t.good_or_better, t.members_assessed) == "6.646/7.453 = 89,17%"
    assert indicators.completion_text(t.admitted, t.admission_plan) == "121% kế hoạch"


@pytest.mark.parametrize("changes", [dict(tsvm=80), dict(excellent=7000), dict(members=79), dict(weak=-1),
                                     dict(members_assessed=9000), dict(units=0, assessed_units=0, tsvm=0)])
def test_inconsistent_totals_are_refused(changes: dict) -> None:
    fields = vars(city_totals_2016()) | changes
    with pytest.raises(ValueError):
        CityTotals(**fields)


def test_apportion_examples() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]  # tie goes to the earlier item
    assert apportion(7, [1, 2]) == [2, 5]  # quotas 2.33 / 4.67
    assert apportion(8877, [100, 200, 300], lower=[1, 1, 1]) == [1480, 2959, 4438]
    assert apportion(30, [5, 10, 15]) == [5, 10, 15]  # exact quotas stay as they are
    assert apportion(10, [1, 1, 1], upper=[1, None, 2]) == [1, 7, 2]
    assert apportion(6, [9, 1], upper=[2, None]) == [2, 4]
    assert apportion(5, [0, 0, 0]) == [2, 2, 1]  # no weights: evenly
    assert apportion(5, [1, 0], upper=[2, None]) == [2, 3]  # weighted item full: the rest elsewhere
    assert apportion(3, [0, 4], lower=[2, 0]) == [2, 1]
    assert apportion(0, []) == []
    for bad in ((5, [1, 1], None, [2, 2]), (1, [1, 1], [1, 1], None), (-1, [1], None, None),
                (1, [-1], None, None), (1, [1], [2], [1])):
        with pytest.raises(ValueError):
            apportion(bad[0], bad[1], bad[2], bad[3])


@st.composite
def bounded_splits(draw: st.DrawFn) -> tuple[int, list[int], list[int], list[int | None]]:
    n = draw(st.integers(1, 25))
    weights = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    lower = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    extra = draw(st.lists(st.one_of(st.none(), st.integers(0, 50)), min_size=n, max_size=n))
    upper = [None if e is None else lo + e for lo, e in zip(lower, extra)]
    top = sum(lower) + (2000 if None in upper else sum(e for e in extra if e is not None))
    return draw(st.integers(sum(lower), top)), weights, lower, upper


@settings(derandomize=True, max_examples=300, deadline=None)
@given(bounded_splits())
def test_apportion_always_hits_the_total_within_bounds(case: tuple) -> None:
    amount, weights, lower, upper = case
    shares = apportion(amount, weights, lower, upper)
    assert sum(shares) == amount
    assert all(s >= lo >= 0 for s, lo in zip(shares, lower))
    assert all(hi is None or s <= hi for s, hi in zip(shares, upper))


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.integers(0, 10000), st.lists(st.integers(1, 500), min_size=1, max_size=30))
def test_unbounded_apportion_is_hamilton(amount: int, weights: list[int]) -> None:
    """Without bounds each share is its exact quota rounded down or up: never further off."""
    shares = apportion(amount, weights)
    assert sum(shares) == amount
    for share, weight in zip(shares, weights):
        quota = Fraction(amount * weight, sum(weights))
        assert quota - 1 < share < quota + 1


def test_unit_members_keep_the_registry_when_it_already_adds_up() -> None:
    units = make_units(10)
    totals = CityTotals(units=10, members=sum(max(u.members, 1) for u in units) + 0, assessed_units=10, tsvm=5,
                        weak=0, members_assessed=10, excellent=1, good_or_better=5, admitted=5, made_full=5)
    with_one = [u if u.members else Unit(u.code, u.name, u.kind, u.has_source, 1, u.cells) for u in units]
    assert unit_members(with_one, totals) == [u.members for u in with_one]
    scaled = unit_members(units, CityTotals(**(vars(totals) | dict(members=3 * totals.members))))
    assert sum(scaled) == 3 * totals.members and min(scaled) >= 1
    with pytest.raises(ValueError):
        unit_members(units[:9], totals)


# -- previous year: F03 and F02 -------------------------------------------------------

@pytest.mark.parametrize("units, totals", CASES)
def test_year_end_values_add_up_exactly(units: list[Unit], totals: CityTotals, plan: Plan) -> None:
    values = year_end_values(units, plan, totals, seed=7)
    spec = form_spec("F03", plan)
    assert list(values) == [u.code for u in units]
    assert total(values, "dv_tong_so") == totals.members
    assert total(values, "dv_duoc_danh_gia") == totals.members_assessed
    assert total(values, "dv_xuat_sac") == totals.excellent
    assert total(values, "dv_tot") == totals.good
    failed = total(values, "dv_khong_hoan_thanh")
    assert 0 < failed <= totals.members_assessed // 100  # "a few"
    assert total(values, "dv_hoan_thanh") == totals.members_assessed - totals.good_or_better - failed
    scale = plan.org_ratings
    rated = Counter(scale.by_label(v["tccs_xep_loai"]).code for v in values.values())
    assert sum(rated[c] for c in scale.members("tsvm")) == totals.tsvm
    assert rated["tsvm_tieu_bieu"] > 0 and rated["tsvm"] > rated["tsvm_tieu_bieu"]
    assert sum(rated[c] for c in scale.members("weak")) == totals.weak
    assert rated["khong_danh_gia"] == totals.not_assessed_units
    assessed_codes = [c.code for c in scale.assessed]
    for unit in units:
        v = values[unit.code]
        assert_input_values(spec, v)
        assert failing_checks(spec, v) == []
        assert v["chi_bo_tong_so"] == unit.cells
        assert sum(v[org_cell_field(c.code)] for c in scale.categories) == unit.cells
        assert v["dv_tong_so"] >= 1 and v["dv_tong_so"] >= v["dv_duoc_danh_gia"]
        assert v["dv_dat_cam_ket"] <= v["dv_duoc_danh_gia"]
        assert dt.date(2016, 12, 20) <= v["ngay_lap"] <= dt.date(2017, 1, 10)
        own, recognized = scale.by_label(v["tccs_tu_xep_loai"]), scale.by_label(v["tccs_xep_loai"])
        if recognized.assessed:
            step = assessed_codes.index(recognized.code) - assessed_codes.index(own.code)
            assert step in (0, 1)  # the same, or one better
        else:
            assert own == recognized
            assert v[org_cell_field(recognized.code)] == unit.cells
        if recognized.code not in scale.members("weak"):
            assert all(v[org_cell_field(c)] == 0 for c in scale.members("weak"))


def test_regenerates_the_2016_paragraph_figures(plan: Plan) -> None:
    values = year_end_values(UNITS_80, plan, city_totals_2016(), seed=2017)
    labels = {c.label: c.code for c in plan.org_ratings.categories}
    codes = [labels[v["tccs_xep_loai"]] for v in values.values()]
    assessed = sum(plan.org_ratings.by_code(c).assessed for c in codes)
    tsvm = sum(c in plan.org_ratings.members("tsvm") for c in codes)
    good = total(values, "dv_xuat_sac") + total(values, "dv_tot")
    assert f"{len(values)} tổ chức cơ sở đảng với {indicators.format_number(total(values, 'dv_tong_so'))}" \
        == "80 tổ chức cơ sở đảng với 8.877"
    assert indicators.ratio_text(tsvm, assessed) == "65/79 = 82,27%"
    assert indicators.ratio_text(good, total(values, "dv_duoc_danh_gia")) == "6.646/7.453 = 89,17%"
    assert indicators.ratio_text(total(values, "dv_xuat_sac"), total(values, "dv_duoc_danh_gia")) \
        == "901/7.453 = 12,08%"


@pytest.mark.parametrize("units, totals", CASES)
def test_annual_report_adds_up_and_balances(units: list[Unit], totals: CityTotals, plan: Plan) -> None:
    values = annual_report_values(units, plan, totals, seed=7)
    year_end = year_end_values(units, plan, totals, seed=7)
    spec = form_spec("F02", plan)
    assert total(values, "kn_trong_ky") == total(values, "kn_luy_ke") == totals.admitted
    assert total(values, "chuyen_chinh_thuc") == totals.made_full
    assert total(values, "dv_cuoi_ky") == totals.members
    per_kind: dict[str, list[int]] = {}
    for unit in units:
        v = values[unit.code]
        assert_input_values(spec, v)
        assert failing_checks(spec, v) == []
        assert v["dv_cuoi_ky"] == year_end[unit.code]["dv_tong_so"]
        assert v["dv_cuoi_ky"] == (v["dv_dau_ky"] + v["kn_trong_ky"] + v["chuyen_den"] - v["chuyen_di"]
                                   - v["tu_tran"] - v["xoa_ten"] - v["khai_tru"] - v["ra_dang"])
        assert v["kn_trong_ky"] == v["kn_luy_ke"] <= v["dv_cuoi_ky"]
        assert v["xoa_ten_dv_moi"] <= v["xoa_ten"]
        assert v["qc_hoc_nhan_thuc"] > v["kn_trong_ky"]
        assert dt.date(2016, 12, 8) <= v["ngay_lap"] <= dt.date(2016, 12, 20)
        assert v["bi_thu"] == year_end[unit.code]["bi_thu"]
        per_kind.setdefault(unit.kind, []).append(v["kn_trong_ky"])
    mean = {kind: Fraction(sum(xs), len(xs)) for kind, xs in per_kind.items()}
    assert mean["xa_phuong"] > max(m for kind, m in mean.items() if kind != "xa_phuong")


# -- plan year: F01 and monthly F02 ---------------------------------------------------------

@pytest.mark.parametrize("units, totals", CASES)
def test_registration_is_consistent_with_2016_and_the_plan(units: list[Unit], totals: CityTotals,
                                                           plan: Plan) -> None:
    year_end = year_end_values(units, plan, totals, seed=3)
    annual = annual_report_values(units, plan, totals, seed=3)
    values = registration_values(units, plan, seed=3, year_end=year_end, annual=annual)
    spec = form_spec("F01", plan)
    assert total(values, "dk_ket_nap") > plan.city_admission_target
    for unit in units:
        v, before = values[unit.code], year_end[unit.code]
        minimum = plan.admission_minimum(unit.kind, unit.has_source)
        assert_input_values(spec, v)
        assert failing_checks(spec, v | {"ct_toi_thieu": minimum}) == []
        assert v["dk_ket_nap"] >= minimum
        assert v["dk_nguon"] >= v["dk_ket_nap"] and v["dk_nguon_boi_duong"] <= v["dk_nguon"]
        assert v["dv_du_bi"] <= v["dv_tong_so"] and v["dk_dv_dang_ky_ren_luyen"] <= v["dv_tong_so"]
        assert v["dk_chuyen_chinh_thuc"] <= v["dv_du_bi"]
        assert Fraction(86, 100) <= v["dk_ty_le_tot"] <= Fraction(95, 100)
        assert v["ngay_lap"] <= dt.date(2017, 2, 20)
        assert (v["chi_bo_truc_thuoc"], v["dv_tong_so"], v["kq_xep_loai"]) \
            == (before["chi_bo_tong_so"], before["dv_tong_so"], before["tccs_xep_loai"])
        assert (v["kq_dv_duoc_danh_gia"], v["kq_dv_xuat_sac"], v["kq_dv_tot"], v["kq_ket_nap"]) \
            == (before["dv_duoc_danh_gia"], before["dv_xuat_sac"], before["dv_tot"], annual[unit.code]["kn_luy_ke"])
        if before["tccs_xep_loai"] in ("Trong sạch, vững mạnh", "Trong sạch, vững mạnh tiêu biểu"):
            assert v["dk_xep_loai"] in ("Trong sạch, vững mạnh", "Trong sạch, vững mạnh tiêu biểu")
    assert [v["kq_ket_nap"] for v in values.values()] == [v["kn_luy_ke"] for v in annual.values()]


def test_registration_without_previous_data_and_a_small_city(plan: Plan) -> None:
    units = make_units(8)
    values = registration_values(units, plan, seed=1)
    assert sum(v["dk_ket_nap"] for v in values.values()) == plan.city_admission_target + 1  # topped up
    assert all(v["dk_ket_nap"] >= plan.admission_minimum(u.kind, u.has_source) for u, v in zip(units, values.values()))
    assert [v["dv_tong_so"] for v in values.values()] == [max(u.members, 1) for u in units]
    assert values == registration_values(units, plan, seed=1)
    with pytest.raises(ValueError):
        registration_values(units, plan, seed=1, year_end=year_end_values(units, plan, implied_totals(units, plan), 1))


def test_monthly_reports_continue_and_balance(plan: Plan) -> None:
    totals = city_totals_2016()
    year_end = year_end_values(UNITS_80, plan, totals, seed=5)
    registration = registration_values(UNITS_80, plan, seed=5, year_end=year_end,
                                       annual=annual_report_values(UNITS_80, plan, totals, seed=5))
    months = monthly_report_values(UNITS_80, plan, registration, seed=5, year=2017, months=range(1, 13))
    spec = form_spec("F02", plan)
    for unit in UNITS_80:
        reports = months[unit.code]
        assert list(reports) == [f"2017-{m:02d}" for m in range(1, 13)]
        stock, ytd = year_end[unit.code]["dv_tong_so"], 0
        for m, v in enumerate(reports.values(), start=1):
            assert_input_values(spec, v)
            assert failing_checks(spec, v) == []
            assert v["dv_dau_ky"] == stock and v["dv_cuoi_ky"] >= 0
            assert v["kn_luy_ke"] == ytd + v["kn_trong_ky"] >= ytd
            assert v["ngay_lap"].day <= 5 and v["ngay_lap"].month == m % 12 + 1
            assert v["ngay_lap"].year == (2017 if m < 12 else 2018)
            stock, ytd = v["dv_cuoi_ky"], v["kn_luy_ke"]
        assert ytd == registration[unit.code]["dk_ket_nap"]  # the year paces the registered target
        assert sum(v["chuyen_chinh_thuc"] for v in reports.values()) == registration[unit.code]["dk_chuyen_chinh_thuc"]
    march_only = monthly_report_values(UNITS_80, plan, registration, seed=5, year=2017, months=[3])
    assert all(march_only[u.code] == {"2017-03": months[u.code]["2017-03"]} for u in UNITS_80)
    with pytest.raises(ValueError):
        monthly_report_values(UNITS_80, plan, {}, seed=5)


# -- determinism ------------------------------------------------------------------------

def test_same_seed_same_values_other_seed_other_split(plan: Plan) -> None:
    totals = city_totals_2016()
    first, again = (year_end_values(UNITS_80, plan, totals, seed=11) for _ in range(2))
    other = year_end_values(UNITS_80, plan, totals, seed=12)
    assert first == again
    assert first != other
    assert [v["dv_xuat_sac"] for v in first.values()] != [v["dv_xuat_sac"] for v in other.values()]
    assert [v["tccs_xep_loai"] for v in first.values()] != [v["tccs_xep_loai"] for v in other.values()]
    for field in ("dv_tong_so", "dv_duoc_danh_gia", "dv_xuat_sac", "dv_tot"):
        assert total(first, field) == total(other, field)
    a, b = (annual_report_values(UNITS_80, plan, totals, seed=s) for s in (11, 12))
    assert a == annual_report_values(UNITS_80, plan, totals, seed=11)
    assert [v["kn_luy_ke"] for v in a.values()] != [v["kn_luy_ke"] for v in b.values()]
    assert total(a, "kn_luy_ke") == total(b, "kn_luy_ke") == 218
    assert demo_scenario(UNITS_80, plan) == demo_scenario(UNITS_80, plan, seed=2017)


def test_module_imports_only_the_core() -> None:
    tree = ast.parse(Path(sample_data.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert {m for m in imported if m.startswith("core") or m.startswith("xlplan")} <= {
        "core.forms", "core.periods", "core.plan", "core.registry"}
    assert all(n.level in (0, 2) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))


# -- the demo scenario ----------------------------------------------------------------

def test_bundled_registry_keeps_its_own_member_counts(plan: Plan) -> None:
    assert len(BUNDLED) == 80 and sum(u.members for u in BUNDLED) == 8877
    values = year_end_values(BUNDLED, plan, city_totals_2016(), seed=2017)
    assert [v["dv_tong_so"] for v in values.values()] == [u.members for u in BUNDLED]
    assert [v["chi_bo_tong_so"] for v in values.values()] == [u.cells for u in BUNDLED]


@pytest.mark.parametrize("units, seed", [pytest.param(UNITS_80, s, id=f"synthetic-{s}") for s in (2017, 1, 99)]
                         + [pytest.param(BUNDLED, s, id=f"bundled-{s}") for s in (2017, 5)])
def test_demo_scenario_carries_exactly_the_designed_problems(units: list[Unit], seed: int, plan: Plan) -> None:
    scenario = demo_scenario(units, plan, seed=seed)
    codes = [u.code for u in units]
    by_kind = Counter((s.form, s.period) for s in scenario.submissions)
    assert by_kind == {("F03", "2016"): 80, ("F02", "2016"): 80, ("F01", "2017"): 79,
                       ("F02", "2017-01"): 80, ("F02", "2017-02"): 80, ("F02", "2017-03"): 79}
    problems = (scenario.missing_registration + scenario.late_registrations + scenario.below_minimum
                + scenario.inconsistent + tuple(code for code, _ in scenario.missing_monthly))
    assert len(problems) == len(set(problems)) == 7 and set(problems) <= set(codes)
    assert len(scenario.late_registrations) == 3 and scenario.missing_monthly[0][1] == "2017-03"

    f01 = {s.unit: s for s in scenario.submissions if s.form == "F01"}
    assert set(codes) - set(f01) == set(scenario.missing_registration)
    assert set(f01) == set(scenario.registration)
    spec = form_spec("F01", plan)
    deadline = plan.due_date("F01", "2017")
    minimum = {u.code: plan.admission_minimum(u.kind, u.has_source) for u in units}
    late, below, broken = set(), set(), set()
    for code, sub in f01.items():
        assert sub.values is scenario.registration[code]
        assert_input_values(spec, sub.values)
        failed = failing_checks(spec, sub.values | {"ct_toi_thieu": minimum[code]})
        if sub.values["ngay_lap"] > deadline:
            late.add(code)
        if "kt_ket_nap" in failed:
            below.add(code)
        if {"kt_nguon", "kt_du_bi"} & set(failed):
            broken.add(code)
        designed = scenario.late_registrations + scenario.below_minimum + scenario.inconsistent
        assert bool(sub.note) == (code in designed)
    assert late == set(scenario.late_registrations)
    assert below == set(scenario.below_minimum)
    assert broken == set(scenario.inconsistent)
    assert sum(v["dk_ket_nap"] for v in scenario.registration.values()) > plan.city_admission_target

    previous = [s for s in scenario.submissions if s.period == "2016"]
    f03 = {s.unit: s.values for s in previous if s.form == "F03"}
    f02 = {s.unit: s.values for s in previous if s.form == "F02"}
    assert all(not s.note for s in previous)
    assert (total(f03, "dv_tong_so"), total(f03, "dv_duoc_danh_gia"), total(f03, "dv_xuat_sac"),
            total(f03, "dv_tot")) == (8877, 7453, 901, 5745)
    assert (total(f02, "kn_luy_ke"), total(f02, "chuyen_chinh_thuc")) == (218, 237)
    for s in scenario.submissions:
        if s.form != "F01":
            assert failing_checks(form_spec(s.form, plan), s.values) == []
    january = {s.unit: s.values for s in scenario.submissions if s.period == "2017-01"}
    assert all(january[c]["dv_dau_ky"] == f03[c]["dv_tong_so"] for c in codes)
    no_march = scenario.missing_monthly[0][0]
    assert "2017-03" not in scenario.monthly[no_march] and "2017-02" in scenario.monthly[no_march]


def test_demo_scenario_needs_enough_units(plan: Plan) -> None:
    units = make_units(6)
    with pytest.raises(ValueError):
        demo_scenario(units, plan, totals=implied_totals(units, plan))
    small = make_units(7)
    scenario = demo_scenario(small, plan, totals=implied_totals(small, plan))
    assert len({s.unit for s in scenario.submissions}) == 7
    # a small city falls short once a registration is missing and one is low: a plain unit makes it up
    assert sum(v["dk_ket_nap"] for v in scenario.registration.values()) == plan.city_admission_target + 1
    spec = form_spec("F01", plan)
    for code, values in scenario.registration.items():
        unit = next(u for u in small if u.code == code)
        failed = failing_checks(spec, values | {"ct_toi_thieu": plan.admission_minimum(unit.kind, unit.has_source)})
        assert bool(failed) == (code in scenario.below_minimum + scenario.inconsistent)


# -- random unit lists and random consistent totals -------------------------------------

@st.composite
def cities(draw: st.DrawFn) -> tuple[list[Unit], CityTotals]:
    n = draw(st.integers(1, 30))
    units = [Unit(f"U{i}", f"Đơn vị {i}", draw(st.sampled_from(PLAN.kind_codes)), draw(st.booleans()),
                  draw(st.integers(0, 400)), draw(st.integers(0, 12))) for i in range(n)]
    members = draw(st.integers(n, 6000))
    assessed_units = draw(st.integers(0, n))
    tsvm = draw(st.integers(0, assessed_units))
    weak = draw(st.integers(0, assessed_units - tsvm))
    members_assessed = draw(st.integers(0, members))
    good_or_better = draw(st.integers(0, members_assessed))
    totals = CityTotals(units=n, members=members, assessed_units=assessed_units, tsvm=tsvm, weak=weak,
                        members_assessed=members_assessed, excellent=draw(st.integers(0, good_or_better)),
                        good_or_better=good_or_better, admitted=draw(st.integers(0, members)),
                        made_full=draw(st.integers(0, members)))
    return units, totals


@settings(derandomize=True, max_examples=120, deadline=None)
@given(cities(), st.integers(0, 10**6))
def test_random_cities_always_add_up(city: tuple[list[Unit], CityTotals], seed: int) -> None:
    units, totals = city
    year_end = year_end_values(units, PLAN, totals, seed)
    annual = annual_report_values(units, PLAN, totals, seed)
    assert total(year_end, "dv_tong_so") == total(annual, "dv_cuoi_ky") == totals.members
    assert total(year_end, "dv_duoc_danh_gia") == totals.members_assessed
    assert (total(year_end, "dv_xuat_sac"), total(year_end, "dv_tot")) == (totals.excellent, totals.good)
    assert (total(annual, "kn_luy_ke"), total(annual, "chuyen_chinh_thuc")) == (totals.admitted, totals.made_full)
    rated = Counter(PLAN.org_ratings.by_label(v["tccs_xep_loai"]).code for v in year_end.values())
    assert rated["tsvm"] + rated["tsvm_tieu_bieu"] == totals.tsvm and rated["yeu_kem"] == totals.weak
    assert rated["khong_danh_gia"] == totals.not_assessed_units
    f02, f03 = form_spec("F02", PLAN), form_spec("F03", PLAN)
    for unit in units:
        for spec, values in ((f03, year_end[unit.code]), (f02, annual[unit.code])):
            assert all(v >= 0 for v in values.values() if type(v) is int)
            assert failing_checks(spec, values) == []
        assert year_end[unit.code]["dv_tong_so"] >= 1
