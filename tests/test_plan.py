"""The plan file: the bundled 2017 plan, a second plan with no code change, validation by key."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from xlplan.core.forms import form_spec, org_cell_field
from xlplan.core.periods import Period, PeriodError
from xlplan.core.plan import PlanError, check_period, load_plan_text, plan_from_dict
from xlplan.io.plans import bundled_plans, load_plan

OTHER_PLAN = Path(__file__).parent / "data" / "plans" / "huyen_mau_2018.toml"


def test_bundled_plan_holds_the_seed_rules():
    plan = load_plan()
    assert "bac_ninh_2017" in bundled_plans()
    assert plan.year == 2017 and plan.previous_year == 2016
    assert plan.city_admission_target == 180 and plan.previous_admission_plan == 180
    assert [plan.admission_minimum(k) for k in plan.kind_codes] == [8, 3, 3, 3, 3, 1]
    assert plan.admission_minimum("chi_bo_co_so", has_source=False) == 0
    assert plan.admission_minimum("xa_phuong", has_source=False) == 8
    assert plan.kind("Đảng bộ xã, phường").code == "xa_phuong"
    assert plan.kind("  đảng bộ XÃ,   phường ").code == "xa_phuong"
    assert plan.good_share_target == Decimal("85") and plan.good_share_comparison == ">"
    assert plan.rounding_mode == "cat" and plan.share_digits == 2 and plan.completion_digits == 0
    assert plan.org_ratings.members("tsvm") == {"tsvm_tieu_bieu", "tsvm"}
    assert plan.member_ratings.members("good_or_better") == {"xuat_sac", "tot"}
    assert plan.org_ratings.by_label("Trong sạch, vững mạnh").code == "tsvm"


def test_deadlines():
    plan = load_plan()
    assert plan.due_date("F01", "2017") == dt.date(2017, 2, 20)
    assert plan.due_date("F02", "2017-01") == dt.date(2017, 2, 5)
    assert plan.due_date("F02", "2017-12") == dt.date(2018, 1, 5)
    assert plan.due_date("F02", "2017-Q4") == dt.date(2018, 1, 10)
    assert plan.due_date("F02", "2017") == dt.date(2017, 12, 20)
    assert plan.due_date("F03", "2016") == dt.date(2017, 1, 15)
    with pytest.raises(PeriodError):
        check_period(plan, "F01", "2017-01")
    assert check_period(plan, "F02", "2017-q2") == Period(2017, "quarter", 2)


def test_second_plan_works_without_code_change():
    plan = load_plan(OTHER_PLAN)
    assert plan.year == 2018 and plan.kind_codes == ["xa_thi_tran", "truong_hoc", "khoi_co_quan"]
    assert plan.admission_minimum("truong_hoc", has_source=False) == 0
    f03 = form_spec("F03", plan)
    assert f03.has_field(org_cell_field("moi_thanh_lap"))
    assert not f03.has_field(org_cell_field("tsvm"))
    assert form_spec("F01", plan).field("dk_xep_loai").choices[0] == "Hoàn thành xuất sắc nhiệm vụ"
    ratio = next(d for d in f03.derived if d.id == "ct_ty_le_tot")
    assert (ratio.digits, ratio.mode) == (1, "tron")
    assert plan.due_date("F02", "2018-Q1") == dt.date(2018, 3, 25)
    with pytest.raises(PeriodError):
        check_period(plan, "F02", "2018-01")


def _bundled_text() -> str:
    from importlib import resources
    return (resources.files("xlplan") / "data" / "plans" / "bac_ninh_2017.toml").read_text("utf-8")


@pytest.mark.parametrize("mutate, key", [
    (lambda d: d["plan"].pop("year"), "plan.year"),
    (lambda d: d["plan"].__setitem__("year", "2017"), "plan.year"),
    (lambda d: d["rounding"].__setitem__("mode", "floor"), "rounding.mode"),
    (lambda d: d["admissions"].__setitem__("city_target", -5), "admissions.city_target"),
    (lambda d: d["members_target"].__setitem__("good_or_better_share", "120"), "members_target.good_or_better_share"),
    (lambda d: d["members_target"].__setitem__("comparison", "≥"), "members_target.comparison"),
    (lambda d: d["kinds"][1].__setitem__("code", "xa_phuong"), "kinds[1].code"),
    (lambda d: d["kinds"][2].pop("min_admissions"), "kinds[2].min_admissions"),
    (lambda d: d["ratings"]["organization"].__setitem__("tsvm", ["tsvm", "xyz"]), "ratings.organization.tsvm"),
    (lambda d: d["ratings"]["member"]["categories"][0].pop("field"), "ratings.member.categories[0].field"),
    (lambda d: d["forms"].pop("F02"), "forms.F02"),
    (lambda d: d["forms"]["F02"]["due"].pop("month"), "forms.F02.due.month"),
    (lambda d: d["forms"]["F02"]["due"]["quarter"].__setitem__("day", 40), "forms.F02.due.quarter.day"),
    (lambda d: d["previous_year"].__setitem__("year", 2018), "previous_year.year"),
])
def test_each_mistake_is_named_by_its_key(mutate, key):
    data = tomllib.loads(_bundled_text())
    mutate(data)
    with pytest.raises(PlanError) as info:
        plan_from_dict(data)
    assert key in [f.field for f in info.value.findings]
    assert all(f.code == "plan-invalid" for f in info.value.findings)


def test_all_mistakes_reported_at_once():
    data = tomllib.loads(_bundled_text())
    data["plan"].pop("title")
    data["rounding"]["mode"] = "x"
    with pytest.raises(PlanError) as info:
        plan_from_dict(data)
    assert {"plan.title", "rounding.mode"} <= {f.field for f in info.value.findings}


def test_toml_syntax_error_is_a_finding():
    with pytest.raises(PlanError) as info:
        load_plan_text("[plan\nyear = ")
    assert info.value.findings[0].code == "plan-invalid"


def test_unknown_bundled_plan():
    with pytest.raises(FileNotFoundError):
        load_plan("khong_co")


@pytest.mark.parametrize("text, expected", [
    ("2017", Period(2017, "year")), ("2017-Q3", Period(2017, "quarter", 3)),
    ("2017-01", Period(2017, "month", 1)), (2017, Period(2017, "year")), (2017.0, Period(2017, "year")),
])
def test_periods_parse_and_print(text, expected):
    period = Period.parse(text)
    assert period == expected
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize("text", ["2017-13", "17", "2017-Q5", "", None, "2017/01", True, 2017.5])
def test_bad_periods(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_period_labels_and_bounds():
    assert Period.parse("2017-Q1").label == "Quý I năm 2017"
    assert Period.parse("2017-02").end == dt.date(2017, 2, 28)
    assert Period.parse("2017").contains(Period.parse("2017-Q2"))
    assert Period.parse("2017-Q2").contains(Period.parse("2017-05"))
    assert not Period.parse("2017-Q2").contains(Period.parse("2017-07"))
