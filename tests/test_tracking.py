"""Tracking: which file wins, on time / late / missing, resubmission counts, completeness rates."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from test_rollup import PLAN, cell_of, f01, f02, f03, row, sub, unit
from xlplan.core.findings import make
from xlplan.core.periods import Period
from xlplan.core.rollup import consolidate
from xlplan.core.tracking import (identify, rate_rows, resolve, statuses, tracked_pairs, tracking_findings,
                                  unit_index)

Y2017 = Period(2017, "year")


def _resolve(subs, units):
    index = unit_index(units)
    return resolve((k, s) for s in subs if (k := identify(s, PLAN, index)) is not None)


def test_newest_form_date_wins_over_a_newer_file_time():
    a = unit("A")
    old = f01(a, 8, dt.date(2017, 2, 10), file="A_sua.xlsx", received=dt.datetime(2017, 3, 1))
    new = f01(a, 9, dt.date(2017, 2, 12), file="A.xlsx", received=dt.datetime(2017, 2, 12))
    res = _resolve([new, old], [a])
    assert res.latest[("A", "F01", Y2017)] is new
    assert res.count(("A", "F01", Y2017)) == 2
    (dup,) = res.findings
    assert (dup.code, dup.unit, dup.file) == ("duplicate-submission", "A", "A.xlsx")
    assert dup.params["file_list"] == ["A_sua.xlsx", "A.xlsx"]
    assert "A_sua.xlsx" in dup.params["files"] and "A.xlsx" in dup.params["files"]


def test_ties_go_to_the_later_file_time_then_the_file_name():
    a = unit("A")
    day = dt.date(2017, 2, 10)
    early = f01(a, 8, day, file="b.xlsx", received=dt.datetime(2017, 2, 10, 8))
    late = f01(a, 9, day, file="a.xlsx", received=dt.datetime(2017, 2, 10, 9))
    assert _resolve([late, early], [a]).latest[("A", "F01", Y2017)] is late
    first = f01(a, 8, day, file="bao_cao.xlsx")
    second = f01(a, 9, day, file="bao_cao_v2.xlsx")
    assert _resolve([second, first], [a]).latest[("A", "F01", Y2017)] is second
    assert _resolve([first, second], [a]).latest[("A", "F01", Y2017)] is second


def test_the_same_file_twice_is_one_submission_and_codes_match_case_insensitively():
    a = unit("P_A")
    one = f01(a, 9, file="x.xlsx", sha256="abc")
    lower = sub("p_a", "F01", "2017", file="y.xlsx", dk_ket_nap=9, ngay_lap=dt.date(2017, 2, 1))
    res = _resolve([one, one, lower], [a])
    assert res.count(("P_A", "F01", Y2017)) == 2


def test_files_without_a_trusted_identity_or_unit_are_not_used():
    a = unit("A")
    wrong_plan = f01(a, 9, findings=(make("plan-mismatch", value="x", expected="y"),))
    stranger = sub("KHONG_CO", "F01", "2017", dk_ket_nap=9)
    bad_period = sub(a, "F01", "2017-01", dk_ket_nap=9)  # F01 has yearly periods only
    index = unit_index([a])
    assert [identify(s, PLAN, index) for s in (wrong_plan, stranger, bad_period)] == [None, None, None]


def test_tracked_pairs_are_f01_submitted_and_requested_in_order():
    # issue 11 rule 1: the previous year's F03 is a baseline input, never a chased pair
    keys = [("A", "F02", Period(2017, "quarter", 1)), ("A", "F02", Period(2017, "month", 3)),
            ("A", "F03", Period(2016, "year"))]
    pairs = tracked_pairs(PLAN, keys, [("F02", "2017-04")])
    assert [(f, str(p)) for f, p in pairs] == [("F01", "2017"), ("F02", "2017-03"), ("F02", "2017-Q1"),
                                              ("F02", "2017-04")]
    with pytest.raises(ValueError):
        tracked_pairs(PLAN, [], [("F09", "2017")])
    with pytest.raises(ValueError):
        tracked_pairs(PLAN, [], [("F01", "2017-01")])
    with pytest.raises(ValueError):  # a pair the plan's schedule does not chase
        tracked_pairs(PLAN, [], [("F01", "2016")])


def test_on_time_late_and_missing():
    a, b, c_, d = unit("A"), unit("B"), unit("C"), unit("D")
    subs = [
        # the form's own date is used when present, even if the file was saved later
        f01(a, 9, dt.date(2017, 2, 20), received=dt.datetime(2017, 2, 25, 10)),
        f01(b, 9, dt.date(2017, 2, 21)),  # late by its own date
        sub(c_, "F01", "2017", dk_ket_nap=9, received=dt.datetime(2017, 2, 22, 7, 30)),  # no date: file time
    ]
    c = consolidate(subs, [a, b, c_, d], PLAN)
    ra = row(c, "tbl_theo_doi", ma="A", bieu="F01", ky="2017")
    assert (ra["trang_thai"], ra["dung_han"], ra["ngay_dung"]) == ("Đã nộp", "Đúng hạn", "Ngày lập trên biểu")
    assert (ra["ngay_tren_bieu"], ra["thoi_gian_tep"]) == (dt.date(2017, 2, 20), dt.datetime(2017, 2, 25, 10))
    assert ra["han_nop"] == dt.date(2017, 2, 20) and ra["so_lan_nop"] == 1
    assert ra["tep"] == "A_F01_2017.xlsx"
    rb = row(c, "tbl_theo_doi", ma="B")
    assert (rb["dung_han"], rb["ngay_dung"]) == ("Muộn", "Ngày lập trên biểu")
    rc = row(c, "tbl_theo_doi", ma="C")
    assert (rc["dung_han"], rc["ngay_dung"], rc["ngay_tren_bieu"]) == ("Muộn", "Thời gian tệp", None)
    rd = row(c, "tbl_theo_doi", ma="D")
    assert (rd["trang_thai"], rd["dung_han"], rd["so_lan_nop"], rd["tep"]) == ("Chưa nộp", "Chưa nộp", 0, "")
    found = {(f.code, f.unit) for f in c.findings}
    assert found == {("late-submission", "B"), ("late-submission", "C"), ("missing-submission", "D")}
    late_b = next(f for f in c.findings if f.code == "late-submission" and f.unit == "B")
    assert (late_b.file, late_b.field, late_b.cell) == ("nhan/B_F01_2017.xlsx", "ngay_lap", cell_of("F01", "ngay_lap"))
    late_c = next(f for f in c.findings if f.code == "late-submission" and f.unit == "C")
    assert late_c.cell is None and late_c.params["date"] == "22/02/2017"


def test_rates_per_form_and_period():
    a, b, c_, d = unit("A"), unit("B"), unit("C"), unit("D")
    subs = [f01(a, 9), f01(b, 9, dt.date(2017, 3, 1)), f01(c_, 9), f02(a, "2017-01", 1)]
    c = consolidate(subs, [a, b, c_, d], PLAN)
    r01 = row(c, "tbl_ty_le_nop", bieu="F01", ky="2017")
    assert (r01["du_kien"], r01["da_nop"], r01["dung_han"]) == (4, 3, 2)
    assert (r01["ty_le_day_du"], r01["ty_le_dung_han"]) == (Fraction(3, 4), Fraction(1, 2))
    r02 = row(c, "tbl_ty_le_nop", bieu="F02", ky="2017-01")
    assert (r02["da_nop"], r02["ty_le_day_du"]) == (1, Fraction(1, 4))
    assert c.tables["tbl_bieu_do_nop"] == [{"bieu_ky": "F01 - 2017", "ty_le_day_du": Fraction(3, 4)},
                                           {"bieu_ky": "F02 - 2017-01", "ty_le_day_du": Fraction(1, 4)}]
    assert len(c.tables["tbl_theo_doi"]) == 4 * 2


def test_zero_expected_units_gives_no_rate():
    c = consolidate([], [], PLAN, track=[("F02", "2017-01")])
    assert [r["du_kien"] for r in c.tables["tbl_ty_le_nop"]] == [0, 0]
    assert all(r["ty_le_day_du"] is None and r["ty_le_dung_han"] is None for r in c.tables["tbl_ty_le_nop"])


def test_resubmissions_are_counted_per_unit_form_and_period():
    a = unit("A")
    subs = [f02(a, "2017-01", 1, file="a1.xlsx"), f02(a, "2017-01", 1, file="a2.xlsx"),
            f02(a, "2017-01", 1, file="a3.xlsx"), f02(a, "2017-02", 0, start=101)]
    c = consolidate(subs, [a], PLAN)
    assert row(c, "tbl_theo_doi", ma="A", bieu="F02", ky="2017-01")["so_lan_nop"] == 3
    assert row(c, "tbl_theo_doi", ma="A", bieu="F02", ky="2017-01")["tep"] == "a3.xlsx"
    assert row(c, "tbl_theo_doi", ma="A", bieu="F02", ky="2017-02")["so_lan_nop"] == 1
    dups = [f for f in c.findings if f.code == "duplicate-submission"]
    assert len(dups) == 1 and dups[0].params["count"] == 3


def test_statuses_and_findings_directly():
    a = unit("A")
    res = _resolve([f02(a, "2017-01", 1, day=dt.date(2017, 2, 6))], [a])
    pairs = tracked_pairs(PLAN, res.latest)
    items = statuses([a], PLAN, res, pairs)
    assert [(s.form, str(s.period), s.timeliness) for s in items] == [("F01", "2017", "Chưa nộp"),
                                                                      ("F02", "2017-01", "Muộn")]
    assert items[1].due == dt.date(2017, 2, 5)
    assert [f.code for f in tracking_findings(items)] == ["missing-submission", "late-submission"]
    assert rate_rows(items, pairs, PLAN)[1]["dung_han"] == 0


# -- issue 11: schedule, receipts, first-file timeliness, unreadable files ---------------------

def test_the_schedule_chases_the_plan_years_pairs_and_keeps_last_years_year_end_as_baseline():
    from xlplan.core.schedule import schedule
    plan_schedule = schedule(PLAN)
    chased = [(s.form, str(s.period)) for s in plan_schedule.chased()]
    assert len(chased) == 1 + 12 + 4 + 1 + 1 and chased[0] == ("F01", "2017") and ("F03", "2017") in chased
    baseline = {(f, str(p)) for (f, p), s in plan_schedule.slots.items() if not s.chased}
    assert baseline == {("F03", "2016"), ("F02", "2016"), ("F02", "2016-Q4"), ("F02", "2016-12")}
    f01 = plan_schedule.slot("F01", Y2017)
    assert f01 is not None and f01.due == dt.date(2017, 2, 20)
    assert (f01.is_due(None), f01.is_due(dt.date(2017, 2, 20)), f01.is_due(dt.date(2017, 2, 19))) == (True, True, False)
    assert plan_schedule.slot("F01", Period(2016, "year")) is None


def test_out_of_schedule_files_make_no_pair_and_baseline_files_are_never_chased():
    a, b = unit("A"), unit("B")
    stray = sub(a, "F01", "2016", dk_ket_nap=9, ngay_lap=dt.date(2016, 2, 1))
    old = f02(b, "2015", 3)
    c = consolidate([f01(a, 9), f01(b, 9), stray, old, f03(a, 2016, "Trong sạch, vững mạnh", 100, 90, 10, 70)],
                    [a, b], PLAN)
    assert sorted((f.code, f.unit, f.file) for f in c.findings) == [
        ("out-of-schedule", "A", stray.file), ("out-of-schedule", "B", old.file)]
    assert {(r["bieu"], r["ky"]) for r in c.tables["tbl_theo_doi"]} == {("F01", "2017")}
    assert c.resolution is not None and set(c.resolution.placements()) == {
        "nhan/A_F01_2017.xlsx", "nhan/B_F01_2017.xlsx", "nhan/A_F03_2016.xlsx"}


def test_the_later_received_run_wins_whatever_date_is_typed_and_timeliness_is_the_first_files():
    a = unit("A")
    original = f01(a, 8, dt.date(2017, 2, 15), file="A.xlsx", findings=(make("negative", file="A.xlsx", label="x", value=-1),))
    original.first_run = 1
    correction = f01(a, 9, dt.date(2017, 2, 10), file="A_sua.xlsx", received=dt.datetime(2017, 3, 2, 8))
    correction.first_run, correction.first_seen = 2, dt.datetime(2017, 3, 3, 9)
    res = _resolve([correction, original], [a])
    assert res.latest[("A", "F01", Y2017)] is correction and res.first(("A", "F01", Y2017)) is original
    assert res.superseded() == {"A.xlsx"}
    unknown = f01(a, 7, dt.date(2017, 2, 1), file="A_moi.xlsx")  # no run recorded yet: newest of all
    assert _resolve([correction, original, unknown], [a]).latest[("A", "F01", Y2017)] is unknown
    late_fix = f01(a, 9, dt.date(2017, 3, 1), file="A_sua.xlsx")
    late_fix.first_run, late_fix.first_seen = 2, dt.datetime(2017, 3, 3, 9)
    c = consolidate([original, late_fix], [a], PLAN)
    r = row(c, "tbl_theo_doi", ma="A", bieu="F01", ky="2017")
    assert (r["dung_han"], r["so_lan_nop"], r["tep"], r["ngay_sua_cuoi"]) == ("Đúng hạn", 2, "A_sua.xlsx",
                                                                              dt.date(2017, 3, 3))
    assert r["ngay_tren_bieu"] == dt.date(2017, 2, 15)
    negative = next(f for f in c.findings if f.code == "negative")
    assert negative.superseded and c.summary["so_loi"] == 0
    assert not [f for f in c.findings if f.code == "late-submission"]


def test_not_due_pairs_are_neither_missing_nor_counted_and_unreadable_files_are_attributed():
    a, b, c_ = unit("P_AN"), unit("P_BINH"), unit("CQ_CHAU")
    locked = sub("", "F01", "2017", file="nhan/CQ_CHAU_F01_2017.xlsx", identity=False,
                 findings=(make("file-encrypted", file="nhan/CQ_CHAU_F01_2017.xlsx", reason="mật khẩu"),))
    locked.form = locked.period = locked.unit = None
    c = consolidate([f01(a, 9), locked], [a, b, c_], PLAN, as_of=dt.date(2017, 2, 1))
    states = {(r["ma"], r["bieu"], r["ky"]): r["trang_thai"] for r in c.tables["tbl_theo_doi"]}
    assert states[("P_BINH", "F01", "2017")] == "Chưa đến hạn"
    assert states[("CQ_CHAU", "F01", "2017")] == "Đã nhận, không đọc được"
    assert [f.code for f in c.findings if f.code == "missing-submission"] == []
    assert next(f for f in c.findings if f.code == "file-encrypted").unit == "CQ_CHAU"
    rate = row(c, "tbl_ty_le_nop", bieu="F01", ky="2017")
    assert (rate["du_kien"], rate["da_nop"], rate["ty_le_day_du"]) == (0, 1, None)
