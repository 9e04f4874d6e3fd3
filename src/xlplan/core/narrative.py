"""The consolidated figures written the way the plan writes them: paragraphs and indicator lines.

The plan opens with a paragraph of the previous year's results ("Năm 2016,
Đảng bộ Thành phố có 80 tổ chức cơ sở đảng với 8.877 đảng viên, …"). The
Organization Board must be able to regenerate that paragraph from the units'
year-end reports, with the same numbers in the same style (``65/79 = 82,27%``,
``8.877``, ``121% kế hoạch``), so the wording lives here, next to the indicator
lines of the summary (``tbl_chi_tieu``, ``tbl_bao_cao``) that use the same texts.
A missing figure is said as "chưa có số liệu", never as 0.

Partial is said as partial (issue 11): a figure over units that some units
have not reported yet carries "x/y đơn vị đã báo cáo"; a previous-year figure
taken partly from the plan year's registrations (F01 "Kết quả năm trước") says
which form it came from for how many units; a yearly minimum is judged only
once the year is over (:attr:`Progress.year_over`), before that progress reads
"đến hết tháng N đã kết nạp x".

The figures are computed by :mod:`xlplan.core.rollup`; this module only writes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from . import indicators
from .indicators import NO_DATA
from .periods import Period
from .plan import Plan, RatingScale, or_better


@dataclass(frozen=True)
class Sources:
    """Where a figure over units came from: how many units each kind of form covers.

    A year's figures come from that year's year-end forms (F03, the annual F02).
    For the previous year, a unit without them is counted from its registration
    of the plan year (F01, whose "Kết quả năm trước" group asks for last year's
    results); the summary must say so, and how many units are not counted at all.
    """

    figure: Literal["assessment", "admissions", "members"]
    units: int  # registry units in the group
    year_end: int = 0  # units counted from their own year-end forms of the year
    registration: int = 0  # units counted from the plan year's registration (F01)

    @property
    def reported(self) -> int:
        return self.year_end + self.registration

    @property
    def complete(self) -> bool:
        """Every unit counted from its own year-end forms: nothing to say."""
        return self.registration == 0 and self.year_end == self.units


@dataclass(frozen=True)
class Figures:
    """One year's totals for a group of units (a kind, or the whole city).

    ``None`` means no unit of the group reported the figure for that year.
    """

    year: int
    units: int  # registry units in the group
    members: int | None = None  # members at year end (F03 total, else annual F02 closing)
    assessed_units: int | None = None  # units whose rating is an assessed category
    tsvm: int | None = None
    weak: int | None = None
    assessed_members: int | None = None
    good_or_better: int | None = None  # excellent + good (the plan's "hoàn thành tốt nhiệm vụ")
    excellent: int | None = None
    admitted: int | None = None  # new members admitted in the year (flows summed)
    admission_plan: int | None = None  # the group's admission target for the year
    transfers: int | None = None  # probationary members made full members
    assessment_sources: Sources | None = None  # units behind the rating and member assessment figures
    admission_sources: Sources | None = None  # units behind ``admitted``
    member_sources: Sources | None = None  # units behind ``members``


@dataclass(frozen=True)
class PreviousYear:
    """Last year's figures from last year's own folder (``xlplan init --previous``), in last year's scale."""

    city: Figures
    kinds: dict[str, Figures]  # by kind code
    scales: tuple[RatingScale, RatingScale]  # last year's (organization, member) rating scales
    source: str = ""  # the folder it was read from


def mapped_figures(figures: Figures, plan: Plan) -> Figures:
    """Last year's figures under this year's set names (``previous_year.set_map``: this year's → last year's)."""
    names = ("tsvm", "weak", "good_or_better", "excellent")
    return replace(figures, **{n: getattr(figures, plan.previous_set_map.get(n, n)) for n in names})


@dataclass(frozen=True)
class Progress:
    """Where the plan year stands: registrations received and admissions reported so far."""

    year: int
    units: int
    registered: int = 0  # units whose registration (F01) was received
    registered_on_time: int = 0
    registered_total: int | None = None  # new members registered (sum of dk_ket_nap)
    registered_below_minimum: int = 0
    latest_period: Period | None = None  # latest period of any periodic report of the year
    reporting_units: int = 0  # units with at least one periodic report of the year
    admitted: int | None = None  # admitted so far (flows summed)
    admission_target: int = 0  # the city target (≥ 180)
    admitted_below_minimum: int | None = None  # units below their minimum; None without reports or before year end
    year_over: bool = True  # the as-of date is past the plan year: yearly minimums and targets are judged


def _n(value: int) -> str:
    return indicators.format_number(value)


def _ratio(num: int, den: int, plan: Plan) -> str:
    return indicators.ratio_text(num, den, plan.share_digits, plan.rounding_mode)


def _share(num: int | None, den: int | None, plan: Plan) -> Fraction | None:
    if num is None or not den:
        return None
    return indicators.share(num, den, plan.share_digits, plan.rounding_mode)


def _percent(value: Fraction | None, digits: int) -> str:
    return indicators.format_percent(value, digits)


def _completion(actual: int, planned: int, plan: Plan) -> str:
    mode = plan.rounding_mode
    return indicators.completion_text(actual, planned, plan.completion_digits, mode)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


_YEAR_END_FORM = {"assessment": "biểu đánh giá năm {}", "admissions": "báo cáo năm {}",
                  "members": "biểu đánh giá, báo cáo năm {}"}


def sources_text(sources: Sources | None, year: int) -> str:
    """Which forms a figure came from, for how many units; empty when every unit sent its own year-end form.

    ``theo biểu đăng ký của 76/80 đơn vị; 4 đơn vị theo biểu đánh giá năm 2016``,
    or, with year-end forms only, ``77/80 đơn vị đã báo cáo``.
    """
    s = sources
    if s is None or s.complete or not s.reported:
        return ""
    if not s.registration:
        return f"{_n(s.year_end)}/{_n(s.units)} đơn vị đã báo cáo"
    parts = [f"theo biểu đăng ký của {_n(s.registration)}/{_n(s.units)} đơn vị"]
    if s.year_end:
        parts.append(f"{_n(s.year_end)} đơn vị theo {_YEAR_END_FORM[s.figure].format(year)}")
    if s.units > s.reported:
        parts.append(f"{_n(s.units - s.reported)} đơn vị chưa có số liệu")
    return "; ".join(parts)


def figures_sources_text(figures: Figures) -> str:
    """The sources of a group's figures for one table cell (``tbl_tong_hop``); empty when nothing to say.

    ``Đánh giá: theo biểu đăng ký của 76/80 đơn vị; 4 đơn vị theo biểu đánh giá năm 2016.
    Kết nạp: 77/80 đơn vị đã báo cáo.``
    """
    parts = []
    if text := sources_text(figures.member_sources, figures.year):
        parts.append(f"Đảng viên: {text}.")
    if text := sources_text(figures.assessment_sources, figures.year):
        parts.append(f"Đánh giá: {text}.")
    if text := sources_text(figures.admission_sources, figures.year):
        parts.append(f"Kết nạp: {text}.")
    return " ".join(parts)


def _noted(text: str, sources: Sources | None, year: int) -> str:
    """``text`` followed by its sources in brackets, when there is something to say."""
    note = sources_text(sources, year)
    return f"{text} ({note})" if note else text


def progress_text(period: Period | None, admitted: int | None) -> str:
    """A unit's admissions before the year is over: ``Đến hết tháng 02 năm 2017 đã kết nạp 3``.

    A yearly minimum is not judged on two months; this is what the per-unit
    progress says instead of "Chưa đạt".
    """
    if period is None or admitted is None:
        return NO_DATA
    return f"Đến hết {_lower_first(period.label)} đã kết nạp {_n(admitted)}"


# -- paragraphs -------------------------------------------------------------------

def previous_year_paragraph(figures: Figures, plan: Plan) -> str:
    """The plan's opening paragraph, regenerated from the consolidated year-end figures."""
    f = figures
    prev = f.year != plan.year  # last year's figures are said in last year's words (``Plan.word``)
    tsvm, weak = plan.word("tsvm", previous=prev, short=True), plan.word("weak", previous=prev, short=True)
    intro = f"Năm {f.year}, {plan.committee} có {_n(f.units)} tổ chức cơ sở đảng"
    if f.members is not None:
        intro += " với " + _noted(f"{_n(f.members)} đảng viên", f.member_sources, f.year)
    else:
        intro += " (số đảng viên: chưa có số liệu)"
    org = "kết quả đánh giá chất lượng tổ chức cơ sở đảng: "
    assessed = f"Có {_n(f.assessed_units or 0)} tổ chức cơ sở Đảng được đánh giá chất lượng"
    if f.assessed_units:
        org += (f"{_noted(assessed, f.assessment_sources, f.year)}, trong đó tổ chức cơ sở "
                f"đảng {tsvm} là {_ratio(f.tsvm or 0, f.assessed_units, plan)}")
        if f.weak == 0:
            org += f" không có tổ chức Đảng {weak}"
        elif f.weak:
            org += f" có {_n(f.weak)} tổ chức Đảng {weak}"
        org += "."
    else:
        org += "chưa có số liệu."
    parts = [f"{intro}, {org}"]
    if f.assessed_members:
        good = _share(f.good_or_better or 0, f.assessed_members, plan)
        members = f"Đánh giá chất lượng đảng viên có {_n(f.assessed_members)} đảng viên được đánh giá"
        if f.assessed_units:  # the sources were said with the organizations
            members += " "
        else:
            members = _noted(members, f.assessment_sources, f.year) + " "
        parts.append(
            f"{members}trong đó có "
            f"{_n(f.good_or_better or 0)}/{_n(f.assessed_members)} đảng viên "
            f"{plan.word('good_or_better', previous=prev)} = "
            f"{_percent(good, plan.share_digits)} (Đảng viên {plan.word('excellent', previous=prev)} là "
            f"{_ratio(f.excellent or 0, f.assessed_members, plan)}).")
    else:
        parts.append("Đánh giá chất lượng đảng viên: chưa có số liệu.")
    planned = f.admission_plan
    if planned is None and f.year == plan.previous_year:
        planned = plan.previous_admission_plan
    if f.admitted is not None:
        admitted = f"Năm {f.year} đã kết nạp {_n(f.admitted)} đảng viên mới"
        if planned:
            admitted += f" = {_completion(f.admitted, planned, plan)}"
        admitted = _noted(admitted, f.admission_sources, f.year)
    else:
        admitted = f"Năm {f.year} kết nạp đảng viên mới: chưa có số liệu"
    if f.transfers is not None:
        admitted += f"; chuyển đảng chính thức cho {_n(f.transfers)} đồng chí."
    else:
        admitted += "; chuyển đảng chính thức: chưa có số liệu."
    parts.append(admitted)
    return " ".join(parts)


def current_year_paragraph(progress: Progress, plan: Plan, figures: Figures | None = None) -> str:
    """Where the plan year stands, for the report: registrations, admissions so far, assessment.

    ``figures`` (the plan year's year-end totals) adds the assessment sentence
    once year-end reports have arrived.
    """
    p = progress
    parts = []
    if p.registered:
        text = (f"Năm {p.year}, đã có {_n(p.registered)}/{_n(p.units)} tổ chức cơ sở đảng nộp bản đăng ký "
                f"({_n(p.registered_on_time)} đúng hạn)")
        if p.registered_total is not None:
            text += f", đăng ký kết nạp {_n(p.registered_total)} đảng viên mới"
        if p.registered_below_minimum:
            text += (f"; có {_n(p.registered_below_minimum)} tổ chức cơ sở đảng đăng ký thấp hơn "
                     "chỉ tiêu kết nạp tối thiểu")
        else:
            text += "; không có tổ chức cơ sở đảng nào đăng ký thấp hơn chỉ tiêu kết nạp tối thiểu"
        parts.append(text + ".")
    else:
        parts.append(f"Năm {p.year}, chưa có tổ chức cơ sở đảng nào nộp bản đăng ký.")
    if p.latest_period is not None and p.admitted is not None:
        reporting = (f"{_n(p.reporting_units)}/{_n(p.units)} đơn vị đã báo cáo" if p.reporting_units < p.units
                     else f"{_n(p.reporting_units)} tổ chức cơ sở đảng báo cáo")
        text = (f"Đến hết {_lower_first(p.latest_period.label)} ({reporting}), "
                f"đã kết nạp {_n(p.admitted)} đảng viên mới")
        if p.admission_target:
            done = indicators.completion(p.admitted, p.admission_target, plan.completion_digits,
                                         plan.rounding_mode)
            text += (f" = {_percent(done, plan.completion_digits)} chỉ tiêu "
                     f"{_n(p.admission_target)} đảng viên của {plan.committee}")
        if p.admitted_below_minimum and p.year_over:  # a yearly minimum is judged at the year's end only
            text += f"; còn {_n(p.admitted_below_minimum)} tổ chức cơ sở đảng chưa đạt chỉ tiêu kết nạp tối thiểu"
        parts.append(text + ".")
    else:
        parts.append("Kết quả kết nạp đảng viên mới: chưa có báo cáo.")
    if figures is not None and figures.assessed_members:
        judged = _noted(f"Đánh giá chất lượng đảng viên có {_n(figures.assessed_members)} đảng viên được đánh giá",
                        figures.assessment_sources, figures.year)
        parts.append(
            f"{judged}, trong đó "
            f"{_ratio(figures.good_or_better or 0, figures.assessed_members, plan)} "
            f"{or_better(plan.word('good_or_better'))} (mục tiêu: {_lower_first(target_text(plan.good_share_target, plan.good_share_comparison))}).")
    return " ".join(parts)


# -- indicator lines ---------------------------------------------------------------

_OP_WORDS = {">=": "Từ {} trở lên", ">": "Trên {}", "<=": "Không quá {}", "<": "Dưới {}", "=": "Bằng {}"}


def target_text(target: Decimal | int, op: str, unit: str = "%") -> str:
    """``Trên 85%``, ``Từ 180 trở lên`` — a target as the plan says it."""
    value = indicators.exact(target)
    digits = 0 if value.denominator == 1 else 2
    return _OP_WORDS[op].format(indicators.format_number(value, digits) + unit)


@dataclass(frozen=True)
class _Line:
    label: str
    target: str
    previous: str
    current: str
    verdict: str
    in_plan: bool  # one of the plan's indicators (tbl_chi_tieu), not only a key figure


def _count(value: int | None) -> str:
    return NO_DATA if value is None else _n(value)


def _ratio_or_none(num: int | None, den: int | None, plan: Plan) -> str:
    return NO_DATA if num is None or not den else _ratio(num, den, plan)


def _admitted(f: Figures | None, planned: int | None, plan: Plan, progress: Progress | None = None) -> str:
    if f is None or f.admitted is None:
        return NO_DATA
    done = f" = {_completion(f.admitted, planned, plan)}" if planned else ""
    if progress is not None and not progress.year_over and progress.latest_period is not None:
        return _noted(progress_text(progress.latest_period, f.admitted) + done, f.admission_sources, f.year)
    return _noted(_n(f.admitted) + done, f.admission_sources, f.year)


def _so_far(ok: bool | None, progress: Progress | None) -> str:
    """A yearly target's verdict: before the year is over, not reached yet is "Đang thực hiện"."""
    if ok is False and progress is not None and not progress.year_over:
        return "Đang thực hiện"
    return indicators.verdict(ok)


def _counted(value: int | None, sources: Sources | None, year: int) -> str:
    return NO_DATA if value is None else _noted(_n(value), sources, year)


def _worded(text: str, plan: Plan, name: str) -> str:
    """Last year's figure of a set, with last year's words when they differ and no mapping joins them."""
    then = plan.word(name, previous=True)
    return text if text == NO_DATA or then == plan.word(name) else f"{text} ({then})"


def _lines(previous: Figures | None, current: Figures | None, plan: Plan, minimum_total: int,
           progress: Progress | None = None) -> list[_Line]:
    prev = previous or Figures(plan.previous_year, 0)
    cur = current or Figures(plan.year, 0)
    good_target = plan.good_share_target_fraction
    good_now = _share(cur.good_or_better, cur.assessed_members, plan)
    weak_target = "Không có" if plan.max_weak == 0 else target_text(plan.max_weak, "<=", "")
    city = plan.city_admission_target
    v = indicators.verdict
    return [
        _Line("Số tổ chức cơ sở đảng", "", _count(previous.units if previous else None),
              _count(current.units if current else None), "", False),
        _Line("Số đảng viên", "", _counted(prev.members, prev.member_sources, prev.year),
              _counted(cur.members, cur.member_sources, cur.year), "", False),
        _Line("Tổ chức cơ sở đảng được đánh giá chất lượng", "",
              _counted(prev.assessed_units, prev.assessment_sources, prev.year),
              _counted(cur.assessed_units, cur.assessment_sources, cur.year), "", False),
        _Line(f"Tỷ lệ tổ chức cơ sở đảng {plan.word('tsvm')}", "",
              _worded(_ratio_or_none(prev.tsvm, prev.assessed_units, plan), plan, "tsvm"),
              _ratio_or_none(cur.tsvm, cur.assessed_units, plan), "", True),
        _Line(f"Số tổ chức cơ sở đảng {plan.word('weak')}", weak_target, _worded(_count(prev.weak), plan, "weak"),
              _count(cur.weak),
              v(indicators.compare(cur.weak, plan.max_weak, "<=")), True),
        _Line("Đảng viên được đánh giá chất lượng", "",
              _counted(prev.assessed_members, prev.assessment_sources, prev.year),
              _counted(cur.assessed_members, cur.assessment_sources, cur.year), "", False),
        _Line(f"Tỷ lệ đảng viên {or_better(plan.word('good_or_better'))}",
              target_text(plan.good_share_target, plan.good_share_comparison),
              _worded(_ratio_or_none(prev.good_or_better, prev.assessed_members, plan), plan, "good_or_better"),
              _ratio_or_none(cur.good_or_better, cur.assessed_members, plan),
              v(indicators.compare(good_now, good_target, plan.good_share_comparison)), True),
        _Line(f"Tỷ lệ đảng viên {plan.word('excellent')}", "",
              _worded(_ratio_or_none(prev.excellent, prev.assessed_members, plan), plan, "excellent"),
              _ratio_or_none(cur.excellent, cur.assessed_members, plan), "", True),
        _Line("Kết nạp đảng viên mới (so với chỉ tiêu toàn thành phố)",
              target_text(city, plan.admission_comparison, " đảng viên"),
              _admitted(previous, plan.previous_admission_plan, plan), _admitted(current, city, plan, progress),
              _so_far(indicators.compare(cur.admitted, city, plan.admission_comparison), progress), True),
        _Line("Kết nạp đảng viên mới (so với tổng chỉ tiêu tối thiểu của các đơn vị)",
              target_text(minimum_total, ">=", " đảng viên"), "",
              _admitted(current, minimum_total, plan, progress),
              _so_far(indicators.compare(cur.admitted, minimum_total, ">="), progress), True),
        _Line("Chuyển đảng chính thức", "", _count(prev.transfers), _count(cur.transfers), "", True),
    ]


def indicator_rows(previous: Figures | None, current: Figures | None, plan: Plan,
                   minimum_total: int, progress: Progress | None = None) -> list[dict[str, object]]:
    """Rows of ``tbl_chi_tieu``: each plan indicator, its target, both years, and the verdict.

    The verdict is on the plan year and on the share as written (the quantized
    one), so "85,00%" is never "Đạt" against "Trên 85%". With ``progress``
    before the year is over, admissions read "Đến hết tháng N đã kết nạp x"
    and a target not reached yet is "Đang thực hiện", never "Chưa đạt".
    """
    return [{"chi_tieu": x.label, "muc_tieu": x.target, "nam_truoc": x.previous, "nam_nay": x.current,
             "danh_gia": x.verdict} for x in _lines(previous, current, plan, minimum_total, progress) if x.in_plan]


def report_rows(previous: Figures | None, current: Figures | None, plan: Plan,
                minimum_total: int, progress: Progress | None = None) -> list[dict[str, object]]:
    """Rows of ``tbl_bao_cao``: the key figures, numbered, previous year beside the plan year.

    Counts over units say their sources when some units are missing or counted
    from their registration (:func:`sources_text`).
    """
    lines = _lines(previous, current, plan, minimum_total, progress)
    return [{"tt": str(i), "chi_tieu": x.label, "nam_truoc": x.previous, "nam_nay": x.current,
             "danh_gia": x.verdict} for i, x in enumerate(lines, 1)]
