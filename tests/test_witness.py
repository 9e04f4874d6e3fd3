"""The file name as a second witness: unit, form and period from names people actually type."""

from __future__ import annotations

import unicodedata

import pytest

from xlplan.core.periods import Period
from xlplan.core.registry import Unit
from xlplan.core.witness import PeriodClue, attribute, name_witness
from xlplan.io.registry import load_registry

REGISTRY = load_registry()  # the bundled 80 units of Bắc Ninh city
UNITS = list(REGISTRY)


@pytest.mark.parametrize("name, code", [
    ("P_VUNINH_F01_2017.xlsx", "P_VUNINH"),
    ("p_vuninh_f01_2017.XLSX", "P_VUNINH"),
    ("P-VUNINH F01 2017.xlsx", "P_VUNINH"),
    ("PVUNINH.xlsx", "P_VUNINH"),
    ("P_VUNINH_F01_2017 (2).xlsx", "P_VUNINH"),
    ("NopBaoCao/thang3/P_VUNINH_F02_2017-03.xlsx", "P_VUNINH"),
    ("NopBaoCao\\thang3\\P_VUNINH_F02_2017-03.xlsx", "P_VUNINH"),
    ("F02_2017-03_P_VUNINH.xlsx", "P_VUNINH"),
    ("Dang bo phuong Vu Ninh - bao cao thang 3.xlsx", "P_VUNINH"),
    ("Đảng bộ phường Vũ Ninh.xlsx", "P_VUNINH"),
    ("ĐẢNG BỘ PHƯỜNG VŨ NINH.xlsx", "P_VUNINH"),
    (unicodedata.normalize("NFD", "Vũ Ninh báo cáo.xlsx"), "P_VUNINH"),
    ("vu ninh.ods", "P_VUNINH"),
    ("VuNinh_baocao.xls", "P_VUNINH"),
    ("Phường Vũ Ninh.xlsx", "P_VUNINH"),
    ("Bao cao xa Hoa Long.xlsx", "X_HOALONG"),
    ("Hoà Long.xlsx", "X_HOALONG"),  # tone placed the old way
    # the most specific match wins: the school named after the ward is the school
    ("CB_TH_VUNINH_F01_2017.xlsx", "CB_TH_VUNINH"),
    ("Chi bo Truong Tieu hoc Vu Ninh.xlsx", "CB_TH_VUNINH"),
    ("Tieu hoc Vu Ninh.xlsx", "CB_TH_VUNINH"),
    ("THCS Suoi Hoa F03.xlsx", "CB_THCS_SUOIHOA"),
    ("Suoi Hoa F03.xlsx", "P_SUOIHOA"),
    ("CQ_UBND_F01_2017.xlsx", "CQ_UBND"),
    ("Cong an thanh pho.xlsx", "LL_CONGAN"),
])
def test_attribute(name, code):
    unit = attribute(name, UNITS)
    assert unit is not None and unit.code == code


@pytest.mark.parametrize("name", [
    "bao cao.xlsx", "F01_2017.xlsx", "Book1.xlsx", "",
    "P_VUNINH gui P_DAPCAU.xlsx",  # two units side by side: ambiguous
    "Vu Ninh va Dap Cau.xlsx",
    "Ninh.xlsx",  # one word is no name
    "NopBaoCao/P_VUNINH/bao cao.xlsx",  # folders are not the file's name
])
def test_attribute_none(name):
    assert attribute(name, UNITS) is None


def test_same_plain_name_is_ambiguous():
    units = [Unit("X_HOALONG", "Đảng bộ xã Hòa Long", "xa_phuong"),
             Unit("X_HOALONG2", "Đảng bộ xã Hoa Long", "xa_phuong")]
    assert attribute("Hoa Long.xlsx", units) is None
    assert attribute("X_HOALONG2_F01.xlsx", units).code == "X_HOALONG2"


@pytest.mark.parametrize("name, code, form, period, clue", [
    ("P_VUNINH_F01_2017.xlsx", "P_VUNINH", "F01", "2017", PeriodClue(2017)),
    ("F02_2017-03_P_VUNINH.xlsx", "P_VUNINH", "F02", "2017-03", PeriodClue(2017, "month", 3)),
    ("P_VUNINH_F02_2017-Q1.xlsx", "P_VUNINH", "F02", "2017-Q1", PeriodClue(2017, "quarter", 1)),
    ("P_VUNINH_F02_2017_q2.xlsx", "P_VUNINH", "F02", "2017-Q2", PeriodClue(2017, "quarter", 2)),
    ("Dang bo phuong Vu Ninh - bao cao thang 3.xlsx", "P_VUNINH", None, None, PeriodClue(None, "month", 3)),
    ("Vu Ninh bao cao quy II nam 2017.xlsx", "P_VUNINH", None, "2017-Q2", PeriodClue(2017, "quarter", 2)),
    ("Vu Ninh T3-2017 F2.xlsx", "P_VUNINH", "F02", "2017-03", PeriodClue(2017, "month", 3)),
    ("Vu Ninh 03_2017.xlsx", "P_VUNINH", None, "2017-03", PeriodClue(2017, "month", 3)),
    ("bao cao.xlsx", None, None, None, None),
    ("P_VUNINH_F01_F02.xlsx", "P_VUNINH", None, None, None),  # two forms: says none
    ("P_VUNINH_2016_2017.xlsx", "P_VUNINH", None, None, None),  # two years: says none
    ("P_VUNINH thang 3 thang 4.xlsx", "P_VUNINH", None, None, None),
    ("P_VUNINH_F09_2017.xlsx", "P_VUNINH", None, "2017", PeriodClue(2017)),  # no such form in the plan
])
def test_name_witness(plan, name, code, form, period, clue):
    seen = name_witness(name, UNITS, plan)
    assert (seen.unit.code if seen.unit else None) == code
    assert seen.form == form
    assert (str(seen.period) if seen.period else None) == period
    assert seen.period_clue == clue


def test_clue_agrees_only_on_what_it_says():
    assert PeriodClue(None, "month", 3).agrees(Period(2016, "month", 3))
    assert not PeriodClue(None, "month", 3).agrees(Period(2017, "month", 4))
    assert not PeriodClue(None, "month", 3).agrees(Period(2017, "quarter", 1))
    assert PeriodClue(2017).agrees(Period(2017, "month", 5))
    assert not PeriodClue(2017).agrees(Period(2016, "year"))
    assert PeriodClue(2017, "quarter", 1).agrees(Period.parse("2017-Q1"))
    assert str(PeriodClue(None, "month", 3)) == "tháng 3"
    assert str(PeriodClue(2017, "month", 3)) == "2017-03"


def test_code_digits_do_not_read_as_a_period(plan):
    units = [Unit("CB_TO12", "Chi bộ Tổ dân phố 12", "chi_bo_co_so")]
    seen = name_witness("CB_TO12_F02_2017-03.xlsx", units, plan)
    assert seen.unit.code == "CB_TO12" and seen.form == "F02" and str(seen.period) == "2017-03"


def test_carries_code():
    from xlplan.core.witness import carries_code
    assert carries_code("P_ANBINH_MOI_F03_2016.xlsx", "P_ANBINH_MOI")
    assert carries_code("NopBaoCao/p-anbinh-moi.xlsx", "P_ANBINH_MOI")
    assert not carries_code("P_ANBINH_F03_2016.xlsx", "P_ANBINH_MOI")
    assert not carries_code("P_VUNINH.xlsx", "P_VU")
