"""Next month's F02 prefilled from what the Board consolidated (issue 13, point 8).

The pure rules first (which earlier report opens a period), then the real
thing on the demo round (registrations and January–March reports,
consolidated): April's forms carry each unit's March closing members and its
year-to-date admissions; a unit types only April's movements, LibreOffice
recalculates the file as Excel would, and the consolidation finds the
balance right.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest

from xlplan.core.carry_forward import Carried, Report, RunningTotal, carry_forward
from xlplan.core.periods import Period
from xlplan.io.form_reader import read_form
from xlplan.services.forms import carried_forward, make_forms
from xlplan.services.workspace import open_workspace

from tests.support.recalc import recalculate

P = Period.parse


def _f02(period: str, closing: int | None, ytd: int | None) -> Report:
    return Report("F02", P(period), {"dv_cuoi_ky": closing, "kn_luy_ke": ytd})


def test_the_report_closing_the_day_before_opens_the_period() -> None:
    reports = [_f02("2017-01", 40, 1), _f02("2017-02", 41, 2), _f02("2016", 39, 5)]
    got = carry_forward("F02", P("2017-03"), reports)
    assert got["dv_dau_ky"] == Carried(41, "báo cáo tháng 02 năm 2017 đã tổng hợp")
    assert got["kn_luy_ke"] == RunningTotal(2, "kn_trong_ky", "báo cáo tháng 02 năm 2017 đã tổng hợp")


def test_a_quarter_follows_a_quarter_before_a_month() -> None:
    reports = [_f02("2017-03", 50, 3), _f02("2017-Q1", 51, 4)]
    got = carry_forward("F02", P("2017-Q2"), reports)
    assert got["dv_dau_ky"].value == 51  # type: ignore[union-attr]
    got = carry_forward("F02", P("2017-04"), reports)
    assert got["dv_dau_ky"].value == 50  # type: ignore[union-attr]


def test_after_a_gap_nothing_is_carried() -> None:
    assert carry_forward("F02", P("2017-04"), [_f02("2017-02", 41, 2)]) == {}


def test_the_year_opens_on_the_registration() -> None:
    f01 = Report("F01", P("2017"), {"dv_tong_so": 120})
    got = carry_forward("F02", P("2017-01"), [f01, _f02("2016", 118, 7)])
    assert got["dv_dau_ky"] == Carried(120, "phiếu đăng ký năm 2017 đã tổng hợp")
    assert got["kn_luy_ke"] == RunningTotal(0, "kn_trong_ky", "đầu năm: lũy kế bằng số kết nạp trong kỳ")


def test_odd_values_and_other_forms_carry_nothing() -> None:
    assert carry_forward("F02", P("2017-03"), [_f02("2017-02", None, None)]) == {}
    assert carry_forward("F02", P("2017-03"), [Report("F02", P("2017-02"), {"dv_cuoi_ky": Fraction(1, 2)})]) == {}
    assert carry_forward("F03", P("2017"), [_f02("2016", 1, 1)]) == {}


@pytest.fixture(scope="module")
def demo(copy_demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_demo(tmp_path_factory.mktemp("carry") / "TH")


def _closing_in_march(demo: Path, unit: str) -> tuple[int, int]:
    """The unit's March file read by the reader itself, not through the audit store."""
    (path,) = list((demo / "NopBaoCao").rglob(f"{unit}_F02_2017-03.xlsx"))
    ws = open_workspace(demo)
    sub = read_form(path, ws.plan)
    return int(sub.value("dv_cuoi_ky")), int(sub.value("kn_luy_ke"))


def test_april_forms_carry_march(demo: Path) -> None:
    ws = open_workspace(demo)
    carried = carried_forward(ws.audit, ws.plan, "F02", "2017-04")
    march = {p.name.split("_F02_")[0] for p in (demo / "NopBaoCao").rglob("*_F02_2017-03.xlsx")}
    assert march and set(carried) == march  # every unit whose March report was used, and only those
    unit = sorted(march)[0]
    closing, ytd = _closing_in_march(demo, unit)
    assert carried[unit]["dv_dau_ky"].value == closing  # type: ignore[union-attr]
    assert carried[unit]["kn_luy_ke"].prior == ytd  # type: ignore[union-attr]


def test_a_unit_types_only_april_and_the_balance_holds(demo: Path, soffice: str, tmp_path: Path) -> None:
    ws = open_workspace(demo)
    carried = carried_forward(ws.audit, ws.plan, "F02", "2017-04")
    unit = sorted(carried)[0]
    closing, ytd = _closing_in_march(demo, unit)
    (made,) = make_forms(ws.plan, list(ws.registry), "F02", "2017-04", tmp_path / "out", codes=[unit],
                         carried_by_unit=carried, workers=1)
    wb = openpyxl.load_workbook(made)
    names = wb.defined_names
    def cell(name: str):  # noqa: ANN202 - a test helper
        sheet, ref = next(iter(names[name].destinations))
        return wb[sheet][ref.replace("$", "")]
    assert cell("dv_dau_ky").value == closing
    assert cell("kn_luy_ke").value == f"={ytd}+kn_trong_ky" and cell("kn_luy_ke").data_type == "f"
    assert cell("kn_luy_ke").protection.locked is False  # still the unit's to change
    # The unit types April's movements (as Excel would store them) and saves.
    for name, value in {"kn_trong_ky": 2, "chuyen_den": 1, "chuyen_di": 0, "tu_tran": 1, "xoa_ten": 0,
                        "khai_tru": 0, "ra_dang": 0, "dv_cuoi_ky": closing + 2,
                        "ngay_lap": dt.datetime(2017, 5, 3)}.items():
        cell(name).value = value
    typed = tmp_path / "typed.xlsx"
    wb.save(typed)
    recalculated = recalculate(typed, tmp_path / "recalc" / made.name)
    sub = read_form(recalculated, ws.plan)
    assert sub.value("dv_dau_ky") == closing
    assert sub.value("kn_luy_ke") == ytd + 2
    codes = {f.code for f in sub.findings}
    assert not codes & {"balance-mismatch", "ytd-less-than-period"}, codes


def test_nothing_consolidated_nothing_carried(tmp_path: Path, demo: Path) -> None:
    ws = open_workspace(demo)
    assert carried_forward(tmp_path / "no-audit.sqlite", ws.plan, "F02", "2017-04") == {}


def test_forms_make_prefills_in_a_working_folder(demo: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from xlplan.cli import main

    ws = open_workspace(demo)
    unit = sorted(carried_forward(ws.audit, ws.plan, "F02", "2017-04"))[0]
    for flags, prefilled in (([], True), (["--khong-dien-san"], False)):
        out = tmp_path / ("on" if prefilled else "off")
        result = CliRunner().invoke(main, ["forms", "make", "F02", "--period", "2017-04", "-d", str(demo),
                                           "--out", str(out), "--units", unit, *flags])
        assert result.exit_code == 0, result.output
        assert ("Điền sẵn" in result.output) is prefilled
        wb = openpyxl.load_workbook(out / f"{unit}_F02_2017-04.xlsx")
        sheet, ref = next(iter(wb.defined_names["kn_luy_ke"].destinations))
        value = wb[sheet][ref.replace("$", "")].value
        assert (isinstance(value, str) and value.endswith("+kn_trong_ky")) is prefilled
