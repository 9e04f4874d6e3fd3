"""Cross-file checks: each one triggered by a crafted case at the right unit, file and cell.

A clean dataset (every unit, every tracked form and period, on time, consistent)
triggers none at all.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from test_rollup import PLAN, TSVM, cell_of, f01, f02, f03, sheet_of, sub, unit
from xlplan.core.crossfile import identity_findings, minimum_findings, series_findings
from xlplan.core.findings import CATALOGUE, Severity, make
from xlplan.core.periods import Period
from xlplan.core.registry import Registry
from xlplan.core.rollup import consolidate


def _latest(subs):
    return {(s.unit, s.form, Period.parse(s.period)): s for s in subs}


def _only(findings, code):
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, [(f.code, f.unit, f.cell) for f in findings]
    return found[0]


def _at(finding, s, field):
    """The finding points at the file, sheet and cell the field was read from."""
    assert (finding.file, finding.sheet, finding.cell, finding.field) == (s.file, sheet_of(s.form),
                                                                          cell_of(s.form, field), field)


def clean_dataset():
    units = [unit("A"), unit("B", "co_quan"), unit("C", "chi_bo_co_so", has_source=False)]
    subs = []
    for u, s0 in zip(units, (200, 80, 30)):
        subs += [
            f02(u, "2016", 5, start=s0 - 5), f02(u, "2016-12", 1, ytd=5, start=s0 - 1),
            f03(u, 2016, TSVM, s0, s0 - 2, 1, s0 - 5),
            f01(u, 9),
            f02(u, "2017-01", 1, ytd=1, start=s0), f02(u, "2017-02", 1, ytd=2, start=s0 + 1),
            f02(u, "2017-03", 1, ytd=3, start=s0 + 2), f02(u, "2017-Q1", 3, ytd=3, start=s0),
            f02(u, "2017", 9, ytd=9, start=s0), f03(u, 2017, TSVM, s0 + 9, s0, 2, s0 - 10),
        ]
    return subs, units


def test_cross_file_codes_are_catalogued():
    for code in ("duplicate-submission", "unit-unknown", "unit-name-mismatch", "unit-kind-mismatch",
                 "ytd-decreasing", "opening-mismatch", "yearend-mismatch", "late-submission",
                 "missing-submission", "below-minimum"):
        assert code in CATALOGUE


def test_a_clean_dataset_triggers_no_finding():
    subs, units = clean_dataset()
    c = consolidate(subs, units, PLAN)
    assert c.findings == []
    assert c.tables["tbl_kiem_tra"] == []
    assert {r["dung_han"] for r in c.tables["tbl_theo_doi"]} == {"Đúng hạn"}


# -- identity -------------------------------------------------------------------------

def test_unknown_unit_suggests_a_registry_unit_by_name_and_never_merges():
    vn = unit("P_VN", name="Đảng bộ phường Vũ Ninh")
    stranger = sub("P_VUNINH", "F01", "2017", don_vi_ten="ĐẢNG BỘ  phường vũ ninh", dk_ket_nap=9,
                   ngay_lap=dt.date(2017, 2, 1))
    other = sub("X_1", "F01", "2017", don_vi_ten="Đảng bộ xã Không Có", dk_ket_nap=9)
    c = consolidate([stranger, other], [vn], PLAN)
    unknown = sorted((f for f in c.findings if f.code == "unit-unknown"), key=lambda f: f.unit)
    assert [f.unit for f in unknown] == ["P_VUNINH", "X_1"]
    assert unknown[0].severity is Severity.ERROR
    _at(unknown[0], stranger, "don_vi_ma")
    assert unknown[0].params["suggestion"] == "P_VN"
    assert "suggestion" not in unknown[1].params
    assert c.tables["tbl_dang_ky"][0]["trang_thai"] == "Chưa nộp"  # not merged into P_VN
    assert c.summary["so_tep_su_dung"] == 0


def test_unknown_unit_suggestion_through_the_registry_tone_placement():
    hoa = unit("X_HOA", name="Đảng bộ xã Hòa Long")
    stranger = sub("HOA", "F01", "2017", don_vi_ten="Đảng bộ xã Hoà Long", dk_ket_nap=9)
    (found,) = identity_findings([stranger], Registry((hoa,)), PLAN)
    assert found.code == "unit-unknown" and found.params["suggestion"] == "X_HOA"


def test_reader_unit_unknown_is_not_repeated():
    stranger = sub("ZZ", "F01", "2017", dk_ket_nap=9,
                   findings=(make("unit-unknown", unit="ZZ", value="ZZ"),))
    assert identity_findings([stranger], [unit("A")], PLAN) == []


def test_name_and_kind_mismatches_after_folding():
    a = unit("A", name="Đảng bộ phường Đại Phúc")
    same = f01(a, 9, don_vi_ten="  đảng bộ PHƯỜNG  " + unicodedata.normalize("NFD", "Đại Phúc"))
    code_kind = f01(a, 9, loai_hinh="xa_phuong")
    assert identity_findings([same, code_kind], [a], PLAN) == []
    wrong = f01(a, 9, don_vi_ten="Đảng bộ phường Vệ An", loai_hinh="Đảng bộ cơ sở cơ quan", file="A_sai.xlsx")
    found = identity_findings([wrong], [a], PLAN)
    name = _only(found, "unit-name-mismatch")
    kind = _only(found, "unit-kind-mismatch")
    assert name.unit == kind.unit == "A" and name.severity is kind.severity is Severity.WARNING
    _at(name, wrong, "don_vi_ten")
    _at(kind, wrong, "loai_hinh")
    assert kind.params["expected"] == "Đảng bộ xã, phường"


# -- series ---------------------------------------------------------------------------

def test_year_to_date_admissions_may_not_decrease():
    a = unit("A")
    jan, feb = f02(a, "2017-01", 5, start=100), f02(a, "2017-02", 0, ytd=3, start=105)
    (found,) = series_findings(_latest([jan, feb]))
    assert (found.code, found.unit, found.severity) == ("ytd-decreasing", "A", Severity.ERROR)
    _at(found, feb, "kn_luy_ke")
    assert (found.params["value"], found.params["previous"]) == (3, 5)
    # months and quarters of one year are compared by period end; a new year starts again
    mar, q2 = f02(a, "2017-03", 1, ytd=6, start=105), f02(a, "2017-Q2", 0, ytd=4, start=106)
    dec = f02(a, "2016-12", 2, ytd=20, start=98)
    found = series_findings(_latest([dec, jan, mar, q2]))
    assert [(f.code, f.file) for f in found] == [("ytd-decreasing", q2.file)]


def test_opening_must_equal_the_previous_closing():
    a = unit("A")
    jan = f02(a, "2017-01", 5, start=100)  # ends 105
    feb = f02(a, "2017-02", 0, ytd=5, start=104)
    (found,) = series_findings(_latest([jan, feb]))
    assert (found.code, found.unit) == ("opening-mismatch", "A")
    _at(found, feb, "dv_dau_ky")
    assert (found.params["value"], found.params["previous"]) == (104, 105)
    q4, q1 = f02(a, "2016-Q4", 0, start=90), f02(a, "2017-Q1", 0, start=91)  # across the year
    (found,) = series_findings(_latest([q4, q1]))
    assert found.code == "opening-mismatch" and found.file == q1.file
    gap = f02(a, "2017-04", 0, ytd=5, start=1)  # no March: nothing to compare with
    assert series_findings(_latest([jan, gap])) == []


def test_year_end_total_against_the_last_periodic_report():
    a = unit("A")
    nov = f02(a, "2017-11", 0, ytd=0, start=117)
    assessment = f03(a, 2017, TSVM, 120, 100, 10, 80)
    (found,) = series_findings(_latest([nov, assessment]))
    assert (found.code, found.unit, found.severity) == ("yearend-mismatch", "A", Severity.WARNING)
    _at(found, assessment, "dv_tong_so")
    assert (found.params["expected"], found.params["value"]) == (117, 120)
    annual = f02(a, "2017", 3, start=117)  # the annual report wins over November
    assert series_findings(_latest([nov, annual, assessment])) == []


def test_series_use_only_the_file_that_wins():
    a = unit("A")
    jan = f02(a, "2017-01", 5, start=100)
    bad_feb = f02(a, "2017-02", 0, ytd=5, start=1, end=1, day=dt.date(2017, 3, 1), file="cu.xlsx")
    good_feb = f02(a, "2017-02", 0, ytd=5, start=105, day=dt.date(2017, 3, 2), file="moi.xlsx")
    c = consolidate([jan, bad_feb, good_feb], [a], PLAN)
    assert "opening-mismatch" not in {f.code for f in c.findings}
    assert _only(c.findings, "duplicate-submission").file == "moi.xlsx"


# -- minimums -------------------------------------------------------------------------

def test_registration_and_year_end_admissions_below_the_minimum():
    a, b = unit("A"), unit("B", "co_quan")
    c_ = unit("C", "chi_bo_co_so", has_source=False)  # no source: minimum 0
    low_reg, low_year = f01(a, 5), f02(b, "2017", 2, start=50)
    subs = [low_reg, f01(b, 3), low_year, f02(a, "2017-01", 0), f01(c_, 0), f02(c_, "2017", 0)]
    found = minimum_findings(_latest(subs), [a, b, c_], PLAN)
    assert sorted((f.code, f.unit) for f in found) == [("below-minimum", "A"), ("below-minimum", "B")]
    fa = next(f for f in found if f.unit == "A")
    fb = next(f for f in found if f.unit == "B")
    _at(fa, low_reg, "dk_ket_nap")
    _at(fb, low_year, "kn_luy_ke")
    assert (fa.params["value"], fa.params["minimum"], fb.params["minimum"]) == (5, 8, 3)


def test_below_minimum_already_raised_by_the_reader_is_not_repeated():
    a = unit("A")
    own = make("below-minimum", unit="A", value=5, minimum=8, kind="x")
    c = consolidate([f01(a, 5, findings=(own,))], [a], PLAN)
    assert [f.code for f in c.findings].count("below-minimum") == 1
