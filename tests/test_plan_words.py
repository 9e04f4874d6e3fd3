"""Wording from the plan: ``set_labels`` of a rating scale reach the paragraphs, indicator rows and headers."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from importlib import resources

import pytest

from xlplan.core.narrative import (Figures, Progress, current_year_paragraph, indicator_rows,
                                   previous_year_paragraph, report_rows)
from xlplan.core.plan import PlanError, plan_from_dict
from xlplan.core.summary_tables import summary_tables
from xlplan.io.plans import load_plan

FOUR_LEVELS = "vi_du_2018_bon_muc"


def figures(year: int) -> Figures:
    return Figures(year=year, units=80, members=8877, assessed_units=79, tsvm=65, weak=0, assessed_members=7453,
                   good_or_better=6646, excellent=901, admitted=218, admission_plan=180, transfers=237)


def everything_said(plan) -> str:
    previous, current = figures(plan.previous_year), figures(plan.year)
    progress = Progress(year=plan.year, units=80, registered=80, registered_on_time=80)
    texts = [previous_year_paragraph(previous, plan), previous_year_paragraph(current, plan),
             current_year_paragraph(progress, plan, current)]
    for rows in (indicator_rows(previous, current, plan, 400, progress), report_rows(previous, current, plan, 400)):
        texts += [str(v) for row in rows for v in row.values()]
    for table in summary_tables(plan).values():
        texts.append(table.title)
        texts += [c.header for c in table.columns]
    return "\n".join(texts)


def test_four_level_plan_speaks_its_own_words() -> None:
    plan = load_plan(FOUR_LEVELS)
    said = everything_said(plan)
    assert "TSVM" not in said and "trong sạch" not in said.casefold() and "yếu kém" not in said
    assert "tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ là 65/79 = 82,27%" in said
    assert "không có tổ chức Đảng không hoàn thành nhiệm vụ" in said
    assert "Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ" in said
    assert "Số hoàn thành xuất sắc nhiệm vụ" in said  # the Tổng hợp header
    assert "hoàn thành tốt nhiệm vụ trở lên trở lên" not in said


def test_default_words_are_todays() -> None:
    plan = load_plan()
    said = everything_said(plan)
    assert "đảng TSVM là 65/79 = 82,27%" in said and "không có tổ chức Đảng yếu kém" in said
    assert "6.646/7.453 đảng viên hoàn thành tốt nhiệm vụ = 89,17%" in said
    assert "Tỷ lệ tổ chức cơ sở đảng trong sạch, vững mạnh" in said
    headers = [c.header for c in summary_tables(plan)["tbl_tong_hop"].columns]
    assert {"Số TSVM", "Tỷ lệ TSVM", "Số yếu kém", "Tỷ lệ HTTNV trở lên", "Tỷ lệ HTXSNV"} <= set(headers)


def test_previous_year_in_its_own_words_unless_mapped() -> None:
    plan_2017 = load_plan()
    plan = load_plan(FOUR_LEVELS)
    known = replace(plan, previous_scales=(plan_2017.org_ratings, plan_2017.member_ratings))
    assert known.word("tsvm", previous=True) == "hoàn thành xuất sắc nhiệm vụ"  # the example maps the sets
    unmapped = replace(known, previous_set_map={})
    assert unmapped.word("tsvm", previous=True, short=True) == "TSVM"
    paragraph = previous_year_paragraph(figures(2017), unmapped)
    assert "đảng TSVM là 65/79" in paragraph
    rows = {r["chi_tieu"]: r for r in indicator_rows(figures(2017), figures(2018), unmapped, 400)}
    row = rows["Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ"]
    assert row["nam_truoc"] == "65/79 = 82,27% (trong sạch, vững mạnh)" and row["nam_nay"] == "65/79 = 82,27%"


def bundled(name: str) -> dict:
    return tomllib.loads((resources.files("xlplan") / "data" / "plans" / f"{name}.toml").read_text("utf-8"))


@pytest.mark.parametrize("change, key", [
    (lambda d: d["ratings"]["organization"].__setitem__("set_labels", {"xyz": "a"}),
     "ratings.organization.set_labels.xyz"),
    (lambda d: d["ratings"]["member"].__setitem__("set_labels", {"excellent": " "}),
     "ratings.member.set_labels.excellent"),
    (lambda d: d["previous_year"].__setitem__("set_map", {"tsvm": "khong_co"}), "previous_year.set_map.tsvm"),
])
def test_bad_words_are_named_by_key(change, key: str) -> None:
    data = bundled(FOUR_LEVELS)
    change(data)
    with pytest.raises(PlanError) as info:
        plan_from_dict(data)
    assert [f.params["key"] for f in info.value.findings] == [key]


def test_a_whole_round_under_the_four_level_plan_never_says_tsvm(tmp_path) -> None:
    """The demo's round under the example plan: the city workbook's report and tables use the plan's words."""
    import openpyxl

    from xlplan.services.demo import run_demo

    demo = run_demo(tmp_path / "demo", plan_name=FOUR_LEVELS)
    paragraph = demo.result.consolidation.paragraph
    assert "tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ là 65/79 = 82,27%" in paragraph
    wb = openpyxl.load_workbook(demo.result.workbook)
    shown = [str(c.value) for name in ("Báo cáo", "Tổng hợp", "Đánh giá", "Đăng ký") if name in wb.sheetnames
             for row in wb[name].iter_rows() for c in row if isinstance(c.value, str)]
    assert shown and not [t for t in shown if "TSVM" in t or "trong sạch" in t.casefold()]
    assert any("hoàn thành xuất sắc nhiệm vụ" in t for t in shown)
    assert {f.code for f in demo.result.findings} >= {"xuat_sac_toi_da_20"}  # the 2019 rule on 2016-like data
