"""The plan's paragraphs regenerated from consolidated data, in the plan's own number style."""

from __future__ import annotations

from fractions import Fraction

from test_rollup import GOOD_ORG, NOT_RATED, PLAN, TSVM, WEAK, f01, f02, f03, row, spread, unit
from xlplan.core.narrative import Figures, Progress, current_year_paragraph, previous_year_paragraph
from xlplan.core.periods import Period
from xlplan.core.rollup import consolidate

SEED_SUBSTRINGS = ("80 tổ chức cơ sở đảng", "8.877 đảng viên", "79 tổ chức cơ sở", "65/79 = 82,27%",
                   "7.453 đảng viên được đánh giá", "6.646/7.453", "89,17%", "901/7.453 = 12,08%",
                   "218 đảng viên mới = 121% kế hoạch", "237 đồng chí")
KINDS = ["xa_phuong"] * 19 + ["co_quan"] * 20 + ["su_nghiep"] * 15 + ["doanh_nghiep"] * 10 \
    + ["luc_luong_vu_trang"] * 6 + ["chi_bo_co_so"] * 10
TSVM_STAR = "Trong sạch, vững mạnh tiêu biểu"


def year_end_dataset(year: int, n: int, ratings: list[str], members: int, assessed: int, excellent: int,
                     good_or_better: int, admitted: int, transfers: int):
    """``n`` units whose year-end reports (F03 + annual F02) add up to the given city totals."""
    units = [unit(f"U{i:02d}", KINDS[i % len(KINDS)]) for i in range(n)]
    subs = []
    parts = zip(units, ratings, spread(members, n), spread(assessed, n), spread(excellent, n),
                spread(good_or_better - excellent, n), spread(admitted, n), spread(transfers, n))
    for u, rating, total, judged, exc, good, kn, ccd in parts:
        subs.append(f03(u, year, rating, total, judged, exc, good))
        subs.append(f02(u, str(year), kn, start=total - kn, transfers=ccd))
    return subs, units


def seed_2016():
    ratings = [TSVM_STAR] * 10 + [TSVM] * 55 + [GOOD_ORG] * 14 + [NOT_RATED]
    return year_end_dataset(2016, 80, ratings, 8877, 7453, 901, 6646, 218, 237)


def test_the_seed_paragraph_is_regenerated_from_the_units_reports():
    subs, units = seed_2016()
    c = consolidate(subs, units, PLAN)
    for text in SEED_SUBSTRINGS:
        assert text in c.paragraph, text
    assert "không có tổ chức Đảng yếu kém" in c.paragraph
    assert c.paragraph.startswith("Năm 2016, Đảng bộ Thành phố có 80 tổ chức cơ sở đảng với 8.877 đảng viên")
    assert c.cells["bc_doan_van"] == c.paragraph
    city = row(c, "tbl_tong_hop", nhom="Toàn thành phố", nam="2016")
    assert (city["so_don_vi"], city["so_danh_gia"], city["so_tsvm"], city["so_yeu_kem"]) == (80, 79, 65, 0)
    assert (city["ty_le_tsvm"], city["ty_le_tot"], city["ty_le_xuat_sac"]) == (
        Fraction(8227, 10000), Fraction(8917, 10000), Fraction(1208, 10000))
    assert (city["dv_tong_so"], city["ket_nap"], city["chi_tieu_ket_nap"], city["chuyen_chinh_thuc"]) == (
        8877, 218, 180, 237)
    assert city["ty_le_ket_nap"] == Fraction(121, 100)
    lines = {r["chi_tieu"]: r["nam_truoc"] for r in c.tables["tbl_chi_tieu"]}
    assert lines["Tỷ lệ tổ chức cơ sở đảng trong sạch, vững mạnh"] == "65/79 = 82,27%"
    assert lines["Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên"] == "6.646/7.453 = 89,17%"
    assert lines["Tỷ lệ đảng viên hoàn thành xuất sắc nhiệm vụ"] == "901/7.453 = 12,08%"
    assert lines["Kết nạp đảng viên mới (so với chỉ tiêu toàn thành phố)"] == "218 = 121% kế hoạch"
    assert lines["Chuyển đảng chính thức"] == "237"


def test_other_totals_give_other_numbers():
    ratings = [TSVM] * 40 + [GOOD_ORG] * 6 + [WEAK] * 2 + [NOT_RATED] * 2
    subs, units = year_end_dataset(2016, 50, ratings, 5000, 4200, 500, 3700, 150, 120)
    text = consolidate(subs, units, PLAN).paragraph
    for part in ("50 tổ chức cơ sở đảng", "5.000 đảng viên", "48 tổ chức cơ sở", "40/48 = 83,33%",
                 "có 2 tổ chức Đảng yếu kém", "4.200 đảng viên được đánh giá", "3.700/4.200", "88,09%",
                 "500/4.200 = 11,90%", "150 đảng viên mới = 83% kế hoạch", "120 đồng chí"):
        assert part in text, part
    for seed in SEED_SUBSTRINGS:
        assert seed not in text, seed


def test_missing_figures_are_said_as_no_data():
    text = previous_year_paragraph(Figures(2016, 80), PLAN)
    assert "80 tổ chức cơ sở đảng" in text and text.count("chưa có số liệu") == 5
    partial = previous_year_paragraph(Figures(2016, 80, members=8877, admitted=218), PLAN)
    assert "8.877 đảng viên" in partial and "218 đảng viên mới = 121% kế hoạch" in partial
    no_plan = previous_year_paragraph(Figures(2016, 80, admitted=218, admission_plan=0), PLAN)
    assert "218 đảng viên mới;" in no_plan


def test_the_paragraph_follows_the_plans_rounding_option():
    from dataclasses import replace
    half_up = replace(PLAN, rounding_mode="tron")
    f = Figures(2016, 80, assessed_units=79, tsvm=65, weak=0, assessed_members=7453, good_or_better=6646,
                excellent=901, admitted=218, admission_plan=180, transfers=237)
    assert "65/79 = 82,28%" in previous_year_paragraph(f, half_up)
    assert "65/79 = 82,27%" in previous_year_paragraph(f, PLAN)


def test_current_year_paragraph_from_consolidation():
    a, b, c_ = unit("A"), unit("B", "co_quan"), unit("C")
    subs = [f01(a, 9), f01(b, 2), f02(a, "2017-01", 5), f02(b, "2017-01", 3), f02(a, "2017-02", 4, ytd=9)]
    c = consolidate(subs, [a, b, c_], PLAN)
    text = c.cells["bc_doan_van_nam"]
    for part in ("2/3 tổ chức cơ sở đảng nộp bản đăng ký", "(2 đúng hạn)", "đăng ký kết nạp 11 đảng viên mới",
                 "có 1 tổ chức cơ sở đảng đăng ký thấp hơn", "tháng 02 năm 2017", "đã kết nạp 12 đảng viên mới",
                 "= 6% chỉ tiêu 180", "còn 1 tổ chức cơ sở đảng chưa đạt"):
        assert part in text, part


def test_current_year_paragraph_without_data_and_with_assessment():
    empty = current_year_paragraph(Progress(2017, 80, admission_target=180), PLAN)
    assert "chưa có tổ chức cơ sở đảng nào nộp bản đăng ký" in empty and "chưa có báo cáo" in empty
    progress = Progress(2017, 80, registered=80, registered_on_time=80, registered_total=300,
                        latest_period=Period(2017, "year"), reporting_units=80, admitted=190,
                        admission_target=180, admitted_below_minimum=0)
    figures = Figures(2017, 80, assessed_members=7000, good_or_better=6000)
    text = current_year_paragraph(progress, PLAN, figures)
    assert "đã kết nạp 190 đảng viên mới = 105% chỉ tiêu 180" in text
    assert "không có tổ chức cơ sở đảng nào đăng ký thấp hơn" in text
    assert "6.000/7.000 = 85,71%" in text and "chưa đạt" not in text


def test_sources_are_said_only_when_some_units_are_missing_or_registered():
    from xlplan.core.narrative import Sources, sources_text
    assert sources_text(Sources("assessment", 80, year_end=80), 2016) == ""
    assert sources_text(Sources("assessment", 80), 2016) == ""  # no data is said elsewhere
    assert sources_text(Sources("assessment", 80, year_end=77), 2017) == "77/80 đơn vị đã báo cáo"
    mixed = sources_text(Sources("assessment", 80, year_end=4, registration=76), 2016)
    assert mixed == "theo biểu đăng ký của 76/80 đơn vị; 4 đơn vị theo biểu đánh giá năm 2016"
    assert sources_text(Sources("admissions", 80, year_end=2, registration=75), 2016).endswith(
        "2 đơn vị theo báo cáo năm 2016; 3 đơn vị chưa có số liệu")
    f = Figures(2016, 80, assessed_units=79, tsvm=65, weak=0, assessed_members=7453, good_or_better=6646,
                excellent=901, admitted=218, admission_plan=180, transfers=237, members=8877)
    complete = Sources("assessment", 80, year_end=80)
    from dataclasses import replace
    assert previous_year_paragraph(replace(f, assessment_sources=complete), PLAN) == previous_year_paragraph(f, PLAN)
    partial = previous_year_paragraph(replace(f, assessment_sources=Sources("assessment", 80, year_end=77)), PLAN)
    assert "được đánh giá chất lượng (77/80 đơn vị đã báo cáo)" in partial


def test_progress_before_the_years_end_is_not_a_verdict():
    progress = Progress(2017, 80, registered=80, registered_on_time=80, latest_period=Period(2017, "month", 2),
                        reporting_units=58, admitted=30, admission_target=180, admitted_below_minimum=40,
                        year_over=False)
    text = current_year_paragraph(progress, PLAN)
    assert "chưa đạt" not in text and "58/80 đơn vị đã báo cáo" in text and "đã kết nạp 30" in text
