"""Roll-up: from submissions to the city summary tables (flows, stocks, ratios, order, determinism).

Submissions are built directly (no files): :func:`sub` gives each value a fake
but stable sheet/cell provenance (:func:`cell_of`), so tests can assert where a
finding points. The helpers here are shared by the other rollup test modules.
"""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.core.findings import Severity, make
from xlplan.core.forms import form_spec
from xlplan.core.registry import Unit
from xlplan.core.rollup import Consolidation, consolidate
from xlplan.core.submission import CellValue, Submission
from xlplan.core.summary_tables import REPORT_CELLS, summary_tables
from xlplan.io.plans import load_plan

PLAN = load_plan()
KIND_LABEL = {k.code: k.label for k in PLAN.kinds}
TSVM, GOOD_ORG, WEAK, NOT_RATED = ("Trong sạch, vững mạnh", "Hoàn thành tốt nhiệm vụ", "Yếu kém", "Không đánh giá")


# -- builders shared with test_tracking, test_crossfile, test_narrative -----------------

def cell_of(form: str, field: str) -> str:
    """The fake cell a field of a form is read from: column D, one row per field in spec order."""
    ids = [f.id for f in form_spec(form, PLAN).fields]
    return f"D{10 + ids.index(field)}"


def sheet_of(form: str) -> str:
    return form_spec(form, PLAN).sheet


def unit(code: str, kind: str = "xa_phuong", name: str | None = None, has_source: bool = True) -> Unit:
    return Unit(code, name or f"Đảng bộ {code}", kind, has_source)


def sub(u: Unit | str, form: str, period: str, *, file: str | None = None, received: dt.datetime | None = None,
        findings: tuple = (), sha256: str = "", identity: bool = True, **values: Any) -> Submission:
    """A submission as a reader would return it, values with fake provenance.

    ``identity`` prefills the unit's name and kind label as the generator does.
    """
    code = u.code if isinstance(u, Unit) else u
    fields = {"don_vi_ma": code, "ky_bao_cao": period}
    if identity and isinstance(u, Unit):
        fields.update(don_vi_ten=u.name, loai_hinh=KIND_LABEL[u.kind])
    fields.update(values)
    cells = {k: CellValue(k, v, sheet_of(form), cell_of(form, k), v) for k, v in fields.items()}
    return Submission(file=file or f"nhan/{code}_{form}_{period}.xlsx", form=form, version="1.0",
                      plan_id=PLAN.id, plan_year=PLAN.year, unit=code, period=period, values=cells,
                      findings=list(findings), received=received, sha256=sha256 or f"{code}{form}{period}{file}")


def f01(u: Unit, registered: int, day: dt.date = dt.date(2017, 2, 15), **values: Any) -> Submission:
    return sub(u, "F01", "2017", dk_ket_nap=registered, dk_xep_loai=TSVM, ngay_lap=day, **values)


def f02(u: Unit, period: str, admitted: int, ytd: int | None = None, start: int = 100, end: int | None = None,
        transfers: int = 0, day: dt.date | None = None, **values: Any) -> Submission:
    """A periodic report; ``end`` defaults to a balanced ``start + admitted``."""
    from xlplan.core.periods import Period
    p = Period.parse(period)
    due = PLAN.due_date("F02", p)
    return sub(u, "F02", period, dv_dau_ky=start, kn_trong_ky=admitted, kn_luy_ke=admitted if ytd is None else ytd,
               chuyen_chinh_thuc=transfers, dv_cuoi_ky=start + admitted if end is None else end,
               ngay_lap=day or due, **values)


def f03(u: Unit, year: int, rating: str, total: int, assessed: int, excellent: int, good: int,
        failed: int = 0, self_rating: str | None = None, **values: Any) -> Submission:
    """A year-end assessment; ``good`` excludes the excellent ones (disjoint counts)."""
    return sub(u, "F03", str(year), tccs_tu_xep_loai=self_rating or rating, tccs_xep_loai=rating,
               dv_tong_so=total, dv_khong_danh_gia=total - assessed, dv_duoc_danh_gia=assessed,
               dv_xuat_sac=excellent, dv_tot=good, dv_hoan_thanh=assessed - excellent - good - failed,
               dv_khong_hoan_thanh=failed, ngay_lap=dt.date(year + 1, 1, 10), **values)


def spread(total: int, n: int) -> list[int]:
    """``n`` whole numbers summing to ``total``, as even as possible."""
    q, r = divmod(total, n)
    return [q + (1 if i < r else 0) for i in range(n)]


def row(c: Consolidation, table: str, **match: Any) -> dict[str, object]:
    found = [r for r in c.tables[table] if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (table, match, found)
    return found[0]


def codes(c: Consolidation) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.unit) for f in c.findings)


# -- tables as a contract -------------------------------------------------------------

def test_every_table_and_column_of_the_contract_is_filled():
    units = [unit("A"), unit("B", "co_quan")]
    c = consolidate([f01(units[0], 9)], units, PLAN)
    specs = summary_tables(PLAN)
    assert set(c.tables) == set(specs)
    for tid, spec in specs.items():
        for r in c.tables[tid]:
            assert list(r) == spec.column_ids, tid
    assert set(c.cells) == set(REPORT_CELLS)
    assert c.cells["bc_noi_ngay"] == "Bắc Ninh, ngày … tháng … năm 2017"
    assert c.cells["bc_cap_tren"] == PLAN.superior and c.cells["bc_co_quan"] == PLAN.issuer
    assert c.paragraph == c.cells["bc_doan_van"]
    assert [r["ma"] for r in c.tables["tbl_don_vi"]] == ["A", "B"]
    assert row(c, "tbl_don_vi", ma="B")["chi_tieu_toi_thieu"] == 3


def test_registry_order_and_unit_rows():
    units = [unit("Z"), unit("A", "chi_bo_co_so", has_source=False), unit("M", "chi_bo_co_so")]
    c = consolidate([], units, PLAN)
    for tid in ("tbl_don_vi", "tbl_dang_ky", "tbl_tien_do"):
        assert [r["ma"] for r in c.tables[tid]] == ["Z", "A", "M"]
    assert [r["chi_tieu_toi_thieu"] for r in c.tables["tbl_don_vi"]] == [8, 0, 1]
    assert row(c, "tbl_don_vi", ma="A")["co_nguon"] == "Không"


# -- flows: annual over months over quarters, never both -----------------------------------

def test_annual_report_wins_over_months_and_months_over_quarters():
    a, b, q = unit("A"), unit("B"), unit("Q")
    subs = [
        f02(a, "2017-01", 2, transfers=1), f02(a, "2017-02", 3, ytd=5, transfers=1),
        f02(a, "2017", 9, ytd=9, transfers=4),  # the annual report: 9, not 2 + 3 + 9
        f02(b, "2017-01", 1), f02(b, "2017-02", 2, ytd=3),  # months: 1 + 2
        f02(b, "2017-Q1", 3, ytd=3),  # never added to B's months
        f02(q, "2017-Q1", 4, transfers=2), f02(q, "2017-Q2", 5, ytd=9, transfers=3),  # quarters only: 4 + 5
    ]
    c = consolidate(subs, [a, b, q], PLAN)
    city = row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2017")
    assert city["ket_nap"] == 9 + 3 + 9
    assert city["chuyen_chinh_thuc"] == 4 + 0 + 5
    assert city["ty_le_ket_nap"] == Fraction(11, 100)  # 21/180 = 11.66…% cut to 11%
    assert row(c, "tbl_tien_do", ma="A")["chuyen_chinh_thuc"] == 4
    assert row(c, "tbl_tien_do", ma="Q")["chuyen_chinh_thuc"] == 5


def test_progress_takes_the_latest_report_and_its_stock():
    a = unit("A")
    subs = [f01(a, 10), f02(a, "2017-01", 2, start=100), f02(a, "2017-02", 3, ytd=5, start=102, end=104),
            f02(a, "2017-Q1", 5, ytd=5, start=100, end=104)]
    c = consolidate(subs, [a], PLAN)
    r = row(c, "tbl_tien_do", ma="A")
    assert r["ky_moi_nhat"] == "Quý I năm 2017"  # Q1 ends on 31/03, after February
    assert r["kn_luy_ke"] == 5 and r["dk_ket_nap"] == 10
    assert r["ty_le_so_dang_ky"] == Fraction(1, 2)
    assert r["dat_toi_thieu"] == "Chưa đạt" and r["ct_toi_thieu"] == 8
    assert r["dv_cuoi_ky"] == 104
    nobody = consolidate([], [a], PLAN)
    r = row(nobody, "tbl_tien_do", ma="A")
    assert r["kn_luy_ke"] is None and r["ty_le_so_dang_ky"] is None and r["dat_toi_thieu"] == "Chưa có số liệu"


def test_monthly_table_sums_units_per_period_and_accumulates():
    a, b = unit("A"), unit("B")
    subs = [f02(a, "2017-01", 50), f02(b, "2017-01", 40), f02(a, "2017-02", 10, ytd=60),
            f02(a, "2017-Q1", 60), f02(b, "2017-Q1", 45)]
    c = consolidate(subs, [a, b], PLAN)
    rows = c.tables["tbl_tien_do_thang"]
    assert [r["ky"] for r in rows] == ["2017-01", "2017-02", "2017-Q1"]
    assert [r["kn_trong_ky"] for r in rows] == [90, 10, 105]
    assert [r["kn_luy_ke"] for r in rows] == [90, 100, 105]
    assert [r["so_don_vi_nop"] for r in rows] == [2, 1, 2]
    assert all(r["chi_tieu"] == 180 for r in rows)
    assert [r["ty_le_hoan_thanh"] for r in rows] == [Fraction(50, 100), Fraction(55, 100), Fraction(58, 100)]


# -- stocks and ratios ---------------------------------------------------------------------

def test_members_take_the_assessment_else_the_annual_report():
    a, b = unit("A"), unit("B")
    subs = [f03(a, 2017, TSVM, 120, 100, 10, 80), f02(a, "2017", 5, start=115, end=120),
            f02(b, "2017", 2, start=50, end=52)]
    c = consolidate(subs, [a, b], PLAN)
    assert row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2017")["dv_tong_so"] == 120 + 52


def test_ratios_come_from_summed_counts_not_averaged_shares():
    a, b = unit("A"), unit("B")
    subs = [f03(a, 2017, TSVM, 3, 3, 0, 1), f03(b, 2017, GOOD_ORG, 3, 3, 1, 1)]
    c = consolidate(subs, [a, b], PLAN)
    assert row(c, "tbl_danh_gia", ma="A")["ty_le_tot"] == Fraction(3333, 10000)
    assert row(c, "tbl_danh_gia", ma="B")["ty_le_tot"] == Fraction(6666, 10000)
    city = row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2017")
    assert (city["dv_tot_tro_len"], city["dv_duoc_danh_gia"]) == (3, 6)
    assert city["ty_le_tot"] == Fraction(1, 2)  # 3/6, not (33,33% + 66,66%) / 2 = 49,99%
    assert city["ty_le_tsvm"] == Fraction(1, 2) and city["so_tsvm"] == 1 and city["so_danh_gia"] == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(0, 400)), min_size=1, max_size=6))
def test_city_shares_are_the_share_of_the_sums(data):
    units, subs = [], []
    for i, (exc, good, rest) in enumerate(data):
        u = unit(f"U{i}")
        units.append(u)
        total = exc + good + rest
        subs.append(f03(u, 2017, TSVM, total, total, exc, good))
    c = consolidate(subs, units, PLAN)
    city = row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2017")
    assessed = sum(e + g + r for e, g, r in data)
    good_sum = sum(e + g for e, g, _ in data)
    if assessed == 0:
        assert city["ty_le_tot"] is None
    else:
        exact = Fraction(good_sum, assessed) * 100
        assert city["ty_le_tot"] == Fraction(int(exact * 100), 100) / 100  # cut at 2 decimals of the %


def test_org_rating_recognized_first_then_self_rating():
    a, b, c_ = unit("A"), unit("B"), unit("C")
    subs = [f03(a, 2017, GOOD_ORG, 10, 10, 1, 5, self_rating=TSVM),  # the city's rating counts
            f03(b, 2017, "", 10, 10, 1, 5, self_rating=TSVM),  # no recognized rating: the self-rating
            f03(c_, 2017, NOT_RATED, 10, 0, 0, 0)]  # not an assessed category
    c = consolidate(subs, [a, b, c_], PLAN)
    city = row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2017")
    assert (city["so_don_vi"], city["so_danh_gia"], city["so_tsvm"], city["so_yeu_kem"]) == (3, 2, 1, 0)
    chart = {r["xep_loai"]: r["so_tccs"] for r in c.tables["tbl_bieu_do_xep_loai"]}
    assert chart["Trong sạch, vững mạnh"] == 1 and chart["Hoàn thành tốt nhiệm vụ"] == 1
    assert chart["Không đánh giá"] == 1 and sum(chart.values()) == 3


# -- the summary by kind and year ------------------------------------------------------

def test_summary_blocks_by_year_and_kind_with_targets():
    x, y, z = unit("X"), unit("Y", "co_quan"), unit("Z", "chi_bo_co_so", has_source=False)
    subs = [f03(x, 2016, TSVM, 100, 90, 10, 70), f02(x, "2016", 12, transfers=3),
            f02(x, "2017-01", 4), f02(y, "2017-01", 1)]
    c = consolidate(subs, [x, y, z], PLAN)
    rows = c.tables["tbl_tong_hop"]
    assert [(r["nhom"], r["nam"]) for r in rows] == (
        [(k.label, "2016") for k in PLAN.kinds] + [("Toàn thành phố", "2016")]
        + [(k.label, "2017") for k in PLAN.kinds] + [("Toàn thành phố", "2017")])
    assert row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2016")["chi_tieu_ket_nap"] == 180
    assert row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2016")["ket_nap"] == 12
    assert row(c, "tbl_tong_hop", nhom="Đảng bộ xã, phường", nam="2016")["chi_tieu_ket_nap"] is None
    assert row(c, "tbl_tong_hop", nhom="Đảng bộ xã, phường", nam="2017")["chi_tieu_ket_nap"] == 8
    assert row(c, "tbl_tong_hop", nhom="Chi bộ cơ sở", nam="2017")["chi_tieu_ket_nap"] == 0
    cur = row(c, "tbl_tong_hop", nhom="Đảng bộ cơ sở cơ quan", nam="2017")
    assert (cur["so_don_vi"], cur["ket_nap"], cur["ty_le_ket_nap"]) == (1, 1, Fraction(33, 100))
    assert cur["so_danh_gia"] is None and cur["ty_le_tot"] is None  # no assessment yet: no data, not 0
    chart = {r["nhom"]: (r["ket_nap"], r["chi_tieu"]) for r in c.tables["tbl_bieu_do_ket_nap"]}
    assert chart["Đảng bộ xã, phường"] == (4, 8) and chart["Đảng bộ cơ sở cơ quan"] == (1, 3)
    only_current = consolidate([f02(x, "2017-01", 4)], [x], PLAN)
    assert {r["nam"] for r in only_current.tables["tbl_tong_hop"]} == {"2017"}


def test_admission_chart_shows_registrations_before_any_report():
    x, y = unit("X"), unit("Y", "co_quan")
    c = consolidate([f01(x, 9), f01(y, 2)], [x, y], PLAN)
    chart = {r["nhom"]: (r["ket_nap"], r["chi_tieu"]) for r in c.tables["tbl_bieu_do_ket_nap"]}
    assert chart["Đảng bộ xã, phường"] == (9, 8) and chart["Đảng bộ cơ sở cơ quan"] == (2, 3)


def test_indicator_lines_and_verdicts():
    a, b = unit("A"), unit("B")
    # 85,00% good-or-better: "trên 85%" is not met; 181 admitted: met.
    subs = [f03(a, 2017, TSVM, 100, 100, 10, 75), f03(b, 2017, WEAK, 100, 100, 5, 80),
            f02(a, "2017", 100, start=0, end=100), f02(b, "2017", 81, start=19, end=100)]
    c = consolidate(subs, [a, b], PLAN)
    lines = {r["chi_tieu"]: r for r in c.tables["tbl_chi_tieu"]}
    good = lines["Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên"]
    assert (good["muc_tieu"], good["nam_nay"], good["danh_gia"]) == ("Trên 85%", "170/200 = 85,00%", "Chưa đạt")
    admitted = lines["Kết nạp đảng viên mới (so với chỉ tiêu toàn thành phố)"]
    assert (admitted["nam_nay"], admitted["danh_gia"]) == ("181 = 100% kế hoạch", "Đạt")
    weak = lines["Số tổ chức cơ sở đảng yếu kém"]
    assert (weak["muc_tieu"], weak["nam_nay"], weak["danh_gia"]) == ("Không có", "1", "Chưa đạt")
    assert lines["Kết nạp đảng viên mới (so với tổng chỉ tiêu tối thiểu của các đơn vị)"]["danh_gia"] == "Đạt"
    assert all(r["nam_truoc"] in ("Chưa có số liệu", "") for r in c.tables["tbl_chi_tieu"])
    report = c.tables["tbl_bao_cao"]
    assert [r["tt"] for r in report] == [str(i) for i in range(1, len(report) + 1)]


# -- registration table, findings table, determinism ------------------------------------------

def test_registration_rows_status_and_minimum():
    a, b, c_ = unit("A"), unit("B", "co_quan"), unit("C")
    subs = [f01(a, 9, dt.date(2017, 2, 20)), f01(b, 2, dt.date(2017, 2, 21))]
    c = consolidate(subs, [a, b, c_], PLAN)
    ra, rb, rc = (row(c, "tbl_dang_ky", ma=m) for m in "ABC")
    assert (ra["dk_ket_nap"], ra["ct_toi_thieu"], ra["dat_toi_thieu"], ra["trang_thai"]) == (9, 8, "Đạt", "Đúng hạn")
    assert (rb["dat_toi_thieu"], rb["trang_thai"], rb["ngay_lap"]) == ("Chưa đạt", "Muộn", dt.date(2017, 2, 21))
    assert (rc["dk_ket_nap"], rc["trang_thai"]) == (None, "Chưa nộp")
    assert ra["loai_hinh"] == "Đảng bộ xã, phường"


def test_findings_table_holds_every_finding_sorted_by_severity():
    a = unit("A")
    own = make("balance-mismatch", unit="A", file="C:\\nhan\\A.xlsx", sheet="Báo cáo", cell="D21",
               actual=1, expected=2)
    extra = make("registry-name-normalized", unit="A", code="A", name="x")
    bad = f02(a, "2017-01", 1, findings=(own,), file="C:\\nhan\\A.xlsx")
    c = consolidate([f01(a, 9), bad], [a], PLAN, extra_findings=[extra])
    severities = [f.severity.rank for f in c.findings]
    assert severities == sorted(severities)
    assert {"balance-mismatch", "registry-name-normalized"} <= {f.code for f in c.findings}
    r = next(r for r in c.tables["tbl_kiem_tra"] if r["ma_loi"] == "balance-mismatch")
    assert (r["muc_do"], r["don_vi"], r["tep"], r["o"]) == ("Lỗi", "A", "A.xlsx", "'Báo cáo'!D21")
    assert len(c.tables["tbl_kiem_tra"]) == len(c.findings)
    assert c.summary["so_loi"] == sum(1 for f in c.findings if f.severity is Severity.ERROR)


def _dataset() -> tuple[list[Submission], list[Unit]]:
    units = [unit("A"), unit("B", "co_quan"), unit("C", "chi_bo_co_so")]
    subs = [f01(units[0], 9), f01(units[1], 1), f02(units[0], "2017-01", 3), f02(units[0], "2017-02", 1, ytd=2),
            f02(units[1], "2017-01", 1, received=dt.datetime(2017, 3, 1, 8), day=dt.date(2017, 2, 1)),
            f02(units[1], "2017-01", 2, file="nhan/B_lan2.xlsx", day=dt.date(2017, 2, 3)),
            f03(units[2], 2016, TSVM, 20, 18, 2, 14), sub("KHONG_RO", "F01", "2017", dk_ket_nap=1)]
    return subs, units


def test_same_inputs_give_equal_consolidations_in_any_order():
    subs, units = _dataset()
    first = consolidate(subs, units, PLAN)
    assert consolidate(subs, units, PLAN) == first
    shuffled = list(subs)
    random.Random(7).shuffle(shuffled)
    again = consolidate(shuffled, units, PLAN)
    assert again.tables == first.tables and again.cells == first.cells and again.summary == first.summary
    assert [(f.code, f.unit, f.file, f.cell) for f in again.findings] == \
           [(f.code, f.unit, f.file, f.cell) for f in first.findings]


def test_summary_key_figures():
    subs, units = _dataset()
    c = consolidate(subs, units, PLAN)
    s = c.summary
    assert (s["so_don_vi"], s["so_tep"], s["so_nop_trung"], s["da_dang_ky"]) == (3, 8, 1, 2)
    assert s["ket_nap"] == 3 + 1 + 2 and s["ty_le_ket_nap"] == "3%" and s["ky_moi_nhat"] == "2017-02"


def test_registry_object_is_accepted():
    from xlplan.core.registry import Registry
    subs, units = _dataset()
    assert consolidate(subs, Registry(tuple(units)), PLAN) == consolidate(subs, units, PLAN)


def test_the_same_file_passed_twice_counts_once():
    a = unit("A")
    own = make("balance-mismatch", unit="A", file="a.xlsx", actual=1, expected=2)
    twice = f01(a, 9, file="a.xlsx", sha256="h", findings=(own,))
    c = consolidate([twice, twice], [a], PLAN)
    assert c.summary["so_tep"] == 1 and [f.code for f in c.findings] == ["balance-mismatch"]
    assert row(c, "tbl_theo_doi", ma="A")["so_lan_nop"] == 1


def test_registry_table_alone_equals_the_consolidated_one():
    from xlplan.core.rollup import registry_table
    units = [unit("A"), unit("B", "chi_bo_co_so", has_source=False)]
    assert registry_table(units, PLAN) == consolidate([], units, PLAN).tables["tbl_don_vi"]


# -- issue 11: the baseline from F01, partial said as partial ----------------------------------

def test_registration_results_feed_the_previous_year_where_year_end_forms_are_missing():
    a, b, c_ = unit("A"), unit("B", "co_quan"), unit("C")
    results = dict(kq_xep_loai=TSVM, kq_dv_duoc_danh_gia=50, kq_dv_xuat_sac=5, kq_dv_tot=40, kq_ket_nap=9)
    subs = [f01(a, 9, **results), f01(b, 3, **dict(results, kq_xep_loai=GOOD_ORG, kq_ket_nap=2)),
            f01(c_, 8, **results), f03(c_, 2016, WEAK, 60, 60, 1, 30), f02(c_, "2016", 1, start=59, end=60)]
    c = consolidate(subs, [a, b, c_], PLAN)
    city = row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2016")
    assert (city["so_danh_gia"], city["so_tsvm"], city["so_yeu_kem"]) == (3, 1, 1)
    assert (city["dv_duoc_danh_gia"], city["dv_tot_tro_len"], city["dv_xuat_sac"], city["ket_nap"]) == (
        160, 121, 11, 12)
    assert city["dv_tong_so"] == 60  # members at the year's end: F01 does not ask them
    assert "2/3" in str(city["nguon_so_lieu"])
    wards = row(c, "tbl_tong_hop", nhom=KIND_LABEL["xa_phuong"], nam="2016")
    assert "1/2" in str(wards["nguon_so_lieu"])
    # the same figures from year-end forms alone say nothing about their source
    only = consolidate([f03(c_, 2016, WEAK, 60, 60, 1, 30), f02(c_, "2016", 1, start=59, end=60)], [c_], PLAN)
    assert row(only, "tbl_tong_hop", nhom="Toàn thành phố", nam="2016")["nguon_so_lieu"] is None


def test_before_the_years_end_minimums_are_not_judged():
    a, b = unit("A"), unit("B", "co_quan")
    subs = [f01(a, 9), f01(b, 3), f02(a, "2017-01", 1), f02(a, "2017-02", 1, ytd=2, start=101)]
    early = consolidate(subs, [a, b], PLAN, as_of=dt.date(2017, 2, 28))
    judged = consolidate(subs, [a, b], PLAN, as_of=dt.date(2017, 12, 31))
    assert row(judged, "tbl_tien_do", ma="A")["dat_toi_thieu"] == "Chưa đạt"
    progress = row(early, "tbl_tien_do", ma="A")
    assert progress["kn_luy_ke"] == 2 and progress["dat_toi_thieu"] not in ("Chưa đạt", "Đạt")
    admitted = {r["chi_tieu"]: r for r in early.tables["tbl_chi_tieu"]}[
        "Kết nạp đảng viên mới (so với chỉ tiêu toàn thành phố)"]
    assert admitted["danh_gia"] == "Đang thực hiện" and "1/2" in str(admitted["nam_nay"])
    assert "chưa đạt" not in str(early.cells["bc_doan_van_nam"]).lower()
    assert "chưa đạt" in str(judged.cells["bc_doan_van_nam"]).lower()
    undated = consolidate(subs, [a, b], PLAN)  # no as-of date: everything is due, judged
    for table in ("tbl_tien_do", "tbl_chi_tieu", "tbl_bao_cao", "tbl_tong_hop"):
        assert undated.tables[table] == judged.tables[table], table
