"""Acceptance tests of ``xlplan demo``: the plan's 2016 paragraph regenerated from 478 real files.

The demo is run once per session through the real entry point (``xlplan demo
--out DIR`` with click's CliRunner: the ``demo_run`` fixture of conftest); a
second sample with other city totals is run once through ``run_demo``. The
numbers must come from consolidating the files: the second sample gives its own
numbers in the same sentences. The designed problems of the demo scenario must
be exactly what the findings show.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import Result

from xlplan.core.findings import Severity
from xlplan.core.summary_tables import summary_tables
from xlplan.services.demo import DemoResult, run_demo
from xlplan.services.sample_data import CityTotals, DemoScenario, demo_scenario
from xlplan.services.workspace import INBOX, WORKBOOK_NAME, open_workspace

from tests.support.recalc import recalculate

PLAN_PARAGRAPH = (
    "80 tổ chức cơ sở đảng",
    "8.877 đảng viên",
    "79 tổ chức cơ sở",
    "65/79 = 82,27%",
    "7.453 đảng viên được đánh giá",
    "6.646/7.453",
    "89,17%",
    "901/7.453 = 12,08%",
    "218 đảng viên mới = 121% kế hoạch",
    "237 đồng chí",
)
OTHER_TOTALS = CityTotals(units=80, members=9512, assessed_units=78, tsvm=70, weak=1, members_assessed=8004,
                          excellent=1003, good_or_better=7206, admitted=251, made_full=266, admission_plan=180)
# Worked by hand: 70/78 = 89,743…% → 89,74%; 7206/8004 = 90,0299…% → 90,02% (truncated, not 90,03%);
# 1003/8004 = 12,531…% → 12,53%; 251/180 = 139,4…% → 139%.
OTHER_PARAGRAPH = (
    "80 tổ chức cơ sở đảng với 9.512 đảng viên",
    "Có 78 tổ chức cơ sở Đảng được đánh giá",
    "TSVM là 70/78 = 89,74%",
    "có 1 tổ chức Đảng yếu kém",
    "8.004 đảng viên được đánh giá",
    "7.206/8.004 đảng viên hoàn thành tốt nhiệm vụ = 90,02%",
    "1.003/8.004 = 12,53%",
    "251 đảng viên mới = 139% kế hoạch",
    "266 đồng chí",
)

ERRORS = ("#REF!", "#NAME?", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!")


@pytest.fixture(scope="module")
def cli_demo(demo_run) -> tuple[Result, Path]:
    """The session's ``xlplan demo`` run (read only): what it printed and its folder."""
    return demo_run.result, demo_run.folder


@pytest.fixture(scope="module")
def other_demo(tmp_path_factory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo-other") / "xlplan-demo", totals=OTHER_TOTALS)


def scenario_of(folder: Path, seed: int = 2017) -> DemoScenario:
    """The demo's designed scenario, recomputed (a pure function of registry, plan and seed)."""
    ws = open_workspace(folder)
    return demo_scenario(list(ws.registry), ws.plan, seed=seed)


def read_table(wb: openpyxl.Workbook, table_id: str, plan) -> list[dict[str, Any]]:
    ids = summary_tables(plan)[table_id].column_ids
    (sheet, ref), = wb.defined_names[table_id + "_data"].destinations
    rows = []
    for row in wb[sheet][ref.replace("$", "")]:
        values = [c.value for c in row]
        if any(v is not None for v in values):
            rows.append(dict(zip(ids, values)))
    return rows


def designed(scenario: DemoScenario) -> list[tuple[str, str, str]]:
    """(code, unit, file name) of every warning or error the scenario was built to produce."""
    f01 = "{}_F01_2017.xlsx".format
    expected = [("missing-submission", code, "") for code in scenario.missing_registration]
    expected += [("missing-submission", code, "") for code, _ in scenario.missing_monthly]
    expected += [("late-submission", code, f01(code)) for code in scenario.late_registrations]
    expected += [("below-minimum", code, f01(code)) for code in scenario.below_minimum]
    expected += [("part-exceeds-whole", code, f01(code)) for code in scenario.inconsistent]
    return sorted(expected)


# -- the run through the real entry point ---------------------------------------------------

def test_demo_prints_the_plans_2016_paragraph(cli_demo) -> None:
    result, _ = cli_demo
    for text in PLAN_PARAGRAPH:
        assert text in result.output, text


def test_demo_prints_the_summary_of_what_it_read(cli_demo) -> None:
    result, folder = cli_demo
    scenario = scenario_of(folder)
    files = len(scenario.submissions)
    assert files == 478
    lines = set(result.output.splitlines())
    for line in ("- Số tổ chức cơ sở đảng: 80", f"- Số tệp đã đọc: {files}", f"- Số tệp dùng để tổng hợp: {files}",
                 "- Số lần nộp trùng: 0", "- Số lỗi: 1", "- Số cảnh báo: 6",
                 "- Số đơn vị đã đăng ký: 79", "- Đăng ký đúng hạn: 76", "- Kỳ báo cáo mới nhất: 2017-03"):
        assert line in lines, line
    assert "Phát hiện: 1 lỗi, 6 cảnh báo, 0 ghi chú" in result.output
    written = [p for p in (folder / INBOX).rglob("*.xlsx")]
    assert len(written) == files


def test_demo_workbook_holds_the_printed_paragraph(cli_demo) -> None:
    result, folder = cli_demo
    wb = openpyxl.load_workbook(folder / WORKBOOK_NAME)
    (sheet, ref), = wb.defined_names["bc_doan_van"].destinations
    paragraph = wb[sheet][ref.replace("$", "")].value
    assert paragraph in result.output
    for text in PLAN_PARAGRAPH:
        assert text in paragraph, text


def test_demo_findings_are_exactly_the_designed_problems(cli_demo) -> None:
    _, folder = cli_demo
    scenario = scenario_of(folder)
    ws = open_workspace(folder)
    wb = openpyxl.load_workbook(folder / WORKBOOK_NAME)
    checks = read_table(wb, "tbl_kiem_tra", ws.plan)
    shown = sorted((r["ma_loi"], r["don_vi"], r["tep"] or "") for r in checks if r["muc_do"] != "Ghi chú")
    assert shown == designed(scenario)
    tracking = {(r["ma"], r["bieu"], r["ky"]): r["trang_thai"] for r in read_table(wb, "tbl_theo_doi", ws.plan)}
    missing = sorted(key for key, state in tracking.items() if state == "Chưa nộp")
    assert missing == sorted([(c, "F01", "2017") for c in scenario.missing_registration]
                             + [(c, "F02", p) for c, p in scenario.missing_monthly])
    late = sorted(r["ma"] for r in read_table(wb, "tbl_dang_ky", ws.plan) if r["trang_thai"] == "Muộn")
    assert late == sorted(scenario.late_registrations)
    below = sorted(r["ma"] for r in read_table(wb, "tbl_dang_ky", ws.plan) if r["dat_toi_thieu"] == "Chưa đạt")
    assert below == sorted(scenario.below_minimum)


def test_demo_workbook_recalculates_in_libreoffice_without_errors(cli_demo, soffice: str, tmp_path: Path) -> None:
    _, folder = cli_demo
    source = tmp_path / "demo.xlsx"
    shutil.copy2(folder / WORKBOOK_NAME, source)
    out = recalculate(source, tmp_path / "recalculated.xlsx")
    values = openpyxl.load_workbook(out, data_only=True)
    bad = [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in values for row in ws.iter_rows() for c in row
           if c.data_type == "e" or isinstance(c.value, str) and (c.value in ERRORS or c.value.startswith("Err:"))]
    assert bad == []
    assert values["Danh mục đơn vị"]["B2"].value == 80
    assert [values["Kiểm tra"][c].value for c in ("B2", "D2", "F2")] == [1, 6, 0]


# -- other totals give other numbers ----------------------------------------------------------

def test_other_totals_give_their_own_paragraph(other_demo: DemoResult) -> None:
    paragraph = other_demo.result.consolidation.paragraph
    for text in OTHER_PARAGRAPH:
        assert text in paragraph, text
    for text in ("8.877", "65/79", "7.453", "218 đảng viên", "237 đồng chí", "không có tổ chức Đảng yếu kém"):
        assert text not in paragraph, text
    wb = openpyxl.load_workbook(other_demo.folder / WORKBOOK_NAME)
    (sheet, ref), = wb.defined_names["bc_doan_van"].destinations
    assert wb[sheet][ref.replace("$", "")].value == paragraph


def test_other_totals_are_the_sum_of_the_files(other_demo: DemoResult) -> None:
    """The 2016 city row of the Tổng hợp table equals the totals the sample was split from."""
    plan = open_workspace(other_demo.folder).plan
    wb = openpyxl.load_workbook(other_demo.folder / WORKBOOK_NAME)
    city = next(r for r in read_table(wb, "tbl_tong_hop", plan) if (r["nhom"], r["nam"]) == ("Toàn thành phố", "2016"))
    t = OTHER_TOTALS
    assert (city["so_don_vi"], city["dv_tong_so"], city["so_danh_gia"], city["so_tsvm"], city["so_yeu_kem"]) == (
        t.units, t.members, t.assessed_units, t.tsvm, t.weak)
    assert (city["dv_duoc_danh_gia"], city["dv_tot_tro_len"], city["dv_xuat_sac"]) == (
        t.members_assessed, t.good_or_better, t.excellent)
    assert (city["ket_nap"], city["chuyen_chinh_thuc"]) == (t.admitted, t.made_full)


def test_other_totals_keep_the_designed_problems(other_demo: DemoResult) -> None:
    scenario = other_demo.scenario
    assert scenario.totals == OTHER_TOTALS
    found = sorted((f.code, f.unit or "", Path(f.file).name if f.file else "")
                   for f in other_demo.result.findings if f.severity is not Severity.INFO)
    assert found == designed(scenario)
    missing = sorted((f.unit, f.params["form"], f.params["period_code"])
                     for f in other_demo.result.findings if f.code == "missing-submission")
    assert missing == sorted([(c, "F01", "2017") for c in scenario.missing_registration]
                             + [(c, "F02", p) for c, p in scenario.missing_monthly])
    assert other_demo.files_written == len(scenario.submissions) == other_demo.result.files
