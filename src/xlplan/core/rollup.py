"""Consolidation: from the units' submissions to the city summary tables, findings and paragraphs.

:func:`consolidate` is the one entry point. It picks the file used for every
(unit, form, period) and tracks submission (:mod:`xlplan.core.tracking`),
checks the files against each other and the registry
(:mod:`xlplan.core.crossfile`), rolls the figures up by kind of unit and for
the city, and writes the plan's paragraphs (:mod:`xlplan.core.narrative`).
Outputs depend on the inputs only (no clock), so the same files always give an
equal :class:`Consolidation`.

Roll-up rules (the Organization Board relies on them; change them only here):

* Flows — admissions (``kn_*``) and full-membership transfers
  (``chuyen_chinh_thuc``) — are summed over periods, never double-counted. For
  one unit and one year: the annual F02 if present (admissions: its
  ``kn_luy_ke``, else ``kn_trong_ky``); else the sum of its monthly F02; else the
  sum of its quarterly F02. Months and quarters of one unit are never added
  together. Groups (a kind, the city) are sums of their units.
* Year-to-date per unit (``tbl_tien_do``) is what the unit reports: the
  ``kn_luy_ke`` of its latest F02 of the plan year (the annual one if any, else
  the latest-ending month or quarter, the month at a tie). Transfers there are
  the year's flow as above.
* The month and quarter table (``tbl_tien_do_thang``) sums the units' monthly
  (quarterly) reports of each period; its cumulative column is the running sum
  of those period sums, so its last month agrees with the flow rule.
* Stocks — members — take the last period: the F03 ``dv_tong_so`` of the year,
  else the annual F02 ``dv_cuoi_ky``; for progress, the ``dv_cuoi_ky`` of the
  latest F02.
* Ratios are recomputed from summed numerators and denominators (3/6, never the
  average of 1/3 and 2/3), then quantized with the plan's digits and rounding;
  plan completions use the plan's completion digits. A zero denominator is
  ``None`` (no data). A sum over units none of which reported is ``None``.
* Unit counts are registry units (for the previous year too: the registry is
  the list of units the plan runs over).
* A unit's rating is the one recognized by the city (``tccs_xep_loai``), else
  its self-rating; it counts as assessed, TSVM or weak by the plan's categories.
* ``tbl_tong_hop`` has a block per year, previous year first: the previous
  year's when any F03 or annual F02 of it arrived, the plan year's always. Each
  kind's admission target is the sum of its units' minimums (plan year only:
  the plan sets no per-kind target for the previous year); the city's is the
  plan's city target, or the previous year's plan figure.
* The baseline (previous year) of a unit without that year's year-end forms
  comes from its registration of the plan year (F01 "Kết quả năm trước",
  ``kq_*``): rating, members assessed, excellent, good (F03 missing) and
  admissions (annual F02 missing, before any monthly or quarterly F02 of that
  year). A unit with both counts from its year-end form. Each figure carries
  how many units each source covers (:class:`~xlplan.core.narrative.Sources`).
* With last year's folder (``previous_year``, :mod:`xlplan.services.previous_year`) the previous
  year's figures are that folder's, rolled up with its own plan (:func:`~xlplan.core.unit_year.year_figures`), sets mapped
  by ``previous_year.set_map``; this folder's previous-year files are then not the baseline.
* A yearly minimum or target is judged only once the year is over by the
  as-of date (``as_of`` None: everything is due, so it is judged); before
  that, per-unit progress reads "Đến hết tháng N đã kết nạp x".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Iterable, Sequence

from . import indicators
from . import unit_year as uy
from .crossfile import attribute_refusals, cross_file_findings, held_by, last_periodic, number, witnessed
from .findings import Finding, Severity
from .group_rules import group_rule_findings
from .narrative import (Figures, PreviousYear, Progress, current_year_paragraph, figures_sources_text,
                        indicator_rows, mapped_figures, previous_year_paragraph, progress_text, report_rows)
from .periods import Period, periods_of
from .plan import Plan
from .registry import Unit
from .submission import Submission
from .summary_tables import report_defaults, summary_tables
from .tracking import (KIND_RANK, Resolution, Status, file_name, form_date, in_schedule, rate_rows, resolve,
                       statuses, supersede, tracked_pairs, tracking_findings, tracking_rows, unit_index,
                       unreadable)
from .witness import UnitNames

if TYPE_CHECKING:
    from .registry import Registry

CITY = "Toàn thành phố"
Row = dict[str, object]


@dataclass
class Consolidation:
    """Everything the city summary shows: tables by id, report cells, findings, key figures."""

    tables: dict[str, list[Row]]
    cells: dict[str, object]
    findings: list[Finding]
    summary: dict[str, object]
    paragraph: str
    resolution: Resolution | None = field(default=None, compare=False, repr=False)


# -- tables -----------------------------------------------------------------------

def _share(num: int | None, den: int | None, plan: Plan) -> Fraction | None:
    if num is None or not den:
        return None
    return indicators.share(num, den, plan.share_digits, plan.rounding_mode)


def _completion(actual: int | None, planned: int | None, plan: Plan) -> Fraction | None:
    if actual is None or not planned:
        return None
    return indicators.completion(actual, planned, plan.completion_digits, plan.rounding_mode)


def _meets(value: int | None, minimum: int, plan: Plan) -> str:
    return indicators.verdict(indicators.compare(value, minimum, plan.admission_comparison))


def _unit_cols(plan: Plan, unit: Unit) -> Row:
    return {"ma": unit.code, "ten": unit.name, "loai_hinh": uy.kind_label(plan, unit.kind)}


def _registry_rows(units: Sequence[Unit], plan: Plan) -> list[Row]:
    return [{"ma": u.code, "ten": u.name, "loai_hinh": u.kind, "loai_hinh_ten": uy.kind_label(plan, u.kind),
             "co_nguon": "Có" if u.has_source else "Không", "so_dang_vien": u.members, "so_chi_bo": u.cells,
             "lien_he": u.contact, "chi_tieu_toi_thieu": uy.minimum(plan, u)} for u in units]


def registry_table(units: "Registry | Iterable[Unit]", plan: Plan) -> list[Row]:
    """Rows of ``tbl_don_vi`` alone, for a city workbook before any submission arrived."""
    columns = summary_tables(plan)["tbl_don_vi"].column_ids
    return [{c: r.get(c) for c in columns} for r in _registry_rows(tuple(units), plan)]


def _registration_rows(units: Sequence[Unit], plan: Plan, book: uy.Book, status: dict[str, Status]) -> list[Row]:
    year = Period(plan.year, "year")
    rows = []
    for u in units:
        sub = book.get(u.code, "F01", year)
        registered = number(sub, "dk_ket_nap") if sub else None
        rating = sub.value("dk_xep_loai") if sub else None
        rows.append({**_unit_cols(plan, u),
                     "dk_xep_loai": rating, "dk_ket_nap": registered, "ct_toi_thieu": uy.minimum(plan, u),
                     "dat_toi_thieu": _meets(registered, uy.minimum(plan, u), plan),
                     "dk_nguon": number(sub, "dk_nguon") if sub else None,
                     "dk_nguon_boi_duong": number(sub, "dk_nguon_boi_duong") if sub else None,
                     "dk_ty_le_tot": sub.value("dk_ty_le_tot") if sub else None,
                     "ngay_lap": form_date(sub) if sub else None,
                     "trang_thai": status[u.code].timeliness})
    return rows


def _progress_rows(units: Sequence[Unit], plan: Plan, book: uy.Book, year_over: bool = True) -> list[Row]:
    """Rows of ``tbl_tien_do``; before the year is over a unit is not judged against its yearly minimum."""
    rows = []
    f01 = Period(plan.year, "year")
    for u in units:
        latest = last_periodic(book.periodic(u.code, plan.year), plan.year)
        sub = latest[1] if latest else None
        ytd = number(sub, "kn_luy_ke") if sub else None
        reg = book.get(u.code, "F01", f01)
        registered = number(reg, "dk_ket_nap") if reg else None
        rows.append({**_unit_cols(plan, u),
                     "ky_moi_nhat": latest[0].label if latest else None, "kn_luy_ke": ytd,
                     "dk_ket_nap": registered, "ty_le_so_dang_ky": _completion(ytd, registered, plan),
                     "ct_toi_thieu": uy.minimum(plan, u),
                     "dat_toi_thieu": _meets(ytd, uy.minimum(plan, u), plan) if year_over
                     else progress_text(latest[0] if latest else None, ytd),
                     "chuyen_chinh_thuc": uy.transfers(book, u.code, plan.year),
                     "dv_cuoi_ky": number(sub, "dv_cuoi_ky") if sub else None})
    return rows


def _monthly_rows(units: Sequence[Unit], plan: Plan, book: uy.Book) -> list[Row]:
    # the units' F02 of each period, in registry order: each unit's files are gone through once
    by_period: dict[Period, list[Submission]] = {}
    for u in units:
        for (form, period), sub in book.by_unit.get(u.code, {}).items():
            if form == "F02" and period.year == plan.year:
                by_period.setdefault(period, []).append(sub)
    rows = []
    for kind in ("month", "quarter"):
        cumulative = 0
        for period in periods_of(plan.year, kind):
            subs = by_period.get(period, [])
            if not subs:
                continue
            admitted = sum(number(s, "kn_trong_ky") or 0 for s in subs)
            cumulative += admitted
            rows.append({"ky": str(period), "ky_ten": period.label, "so_don_vi_nop": len(subs),
                         "kn_trong_ky": admitted, "kn_luy_ke": cumulative, "chi_tieu": plan.city_admission_target,
                         "ty_le_hoan_thanh": _completion(cumulative, plan.city_admission_target, plan)})
    return rows


def _assessment_rows(units: Sequence[Unit], plan: Plan, book: uy.Book) -> list[Row]:
    members = [c.field for c in plan.member_ratings.categories if c.field]
    good, excellent = uy.member_fields(plan, "good_or_better"), uy.member_fields(plan, "excellent")
    rows = []
    for u in units:
        years = sorted(p.year for (f, p) in book.by_unit.get(u.code, {}) if f == "F03")
        for year in years:
            sub = book.get(u.code, "F03", uy.year_period(year))
            assert sub is not None
            assessed = number(sub, "dv_duoc_danh_gia")
            row = {**_unit_cols(plan, u), "nam": str(year),
                   "tccs_tu_xep_loai": _label(sub, "tccs_tu_xep_loai", plan),
                   "tccs_xep_loai": _label(sub, "tccs_xep_loai", plan),
                   "dv_tong_so": number(sub, "dv_tong_so"), "dv_duoc_danh_gia": assessed}
            row.update({f: number(sub, f) for f in members})
            row["ty_le_tot"] = _share(uy.sum_known(number(sub, f) for f in good) or 0, assessed, plan)
            row["ty_le_xuat_sac"] = _share(uy.sum_known(number(sub, f) for f in excellent) or 0, assessed, plan)
            rows.append(row)
    return rows


def _label(sub: Submission, field_id: str, plan: Plan) -> str | None:
    """A rating as the plan spells it (the file's text when it is not one of the plan's)."""
    value = sub.value(field_id)
    if not isinstance(value, str) or not value.strip():
        return None
    found = uy.PlanFacts.of(plan).rating(value)
    return found.label if found else value


def _summary_row(group: str, f: Figures, plan: Plan) -> Row:
    return {"nhom": group, "nam": str(f.year), "so_don_vi": f.units, "so_danh_gia": f.assessed_units,
            "so_tsvm": f.tsvm, "ty_le_tsvm": _share(f.tsvm, f.assessed_units, plan), "so_yeu_kem": f.weak,
            "dv_tong_so": f.members, "dv_duoc_danh_gia": f.assessed_members, "dv_tot_tro_len": f.good_or_better,
            "ty_le_tot": _share(f.good_or_better, f.assessed_members, plan), "dv_xuat_sac": f.excellent,
            "ty_le_xuat_sac": _share(f.excellent, f.assessed_members, plan), "ket_nap": f.admitted,
            "chi_tieu_ket_nap": f.admission_plan, "ty_le_ket_nap": _completion(f.admitted, f.admission_plan, plan),
            "chuyen_chinh_thuc": f.transfers, "nguon_so_lieu": figures_sources_text(f) or None}


def _has_year_end(book: uy.Book, year: int) -> bool:
    period = Period(year, "year")
    return book.has("F03", period) or book.has("F02", period)


def _has_results(book: uy.Book, plan: Plan, year: int) -> bool:
    """Whether a year has figures to show: its year-end forms, or (the previous year) registrations' results."""
    if _has_year_end(book, year):
        return True
    if year != plan.previous_year:
        return False
    period = Period(plan.year, "year")
    fields = ("kq_xep_loai", "kq_dv_duoc_danh_gia", "kq_ket_nap",
              *(uy.RESULTS_PREFIX + f for f in uy.member_fields(plan, "good_or_better")))
    return any(sub.value(f) is not None for subs in book.by_unit.values()
               if (sub := subs.get(("F01", period))) is not None for f in fields)


def _kind_minimums(units: Sequence[Unit], plan: Plan) -> dict[str, int]:
    return {k.code: sum(uy.minimum(plan, u) for u in units if u.kind == k.code) for k in plan.kinds}


def _totals_rows(units: Sequence[Unit], plan: Plan, book: uy.Book, baseline: PreviousYear | None = None) -> list[Row]:
    known = baseline is not None or _has_results(book, plan, plan.previous_year)
    years = ([plan.previous_year] if known else []) + [plan.year]
    minimums = _kind_minimums(units, plan)
    rows = []
    for year in years:
        current = year == plan.year
        for kind in plan.kinds:
            mine = [u for u in units if u.kind == kind.code]
            target = minimums[kind.code] if current else None
            figures = uy.figures(mine, year, book, plan, target)
            if baseline is not None and not current:  # last year's folder: a kind it did not have is empty
                figures = mapped_figures(baseline.kinds.get(kind.code) or Figures(year, 0), plan)
            rows.append(_summary_row(kind.label, figures, plan))
        city_target = plan.city_admission_target if current else plan.previous_admission_plan
        city = uy.figures(units, year, book, plan, city_target)
        if baseline is not None and not current:
            city = mapped_figures(baseline.city, plan)
        rows.append(_summary_row(CITY, city, plan))
    return rows


def _chart_rows(units: Sequence[Unit], plan: Plan, book: uy.Book, rates: list[Row]) -> dict[str, list[Row]]:
    reported = any(book.periodic(u.code, plan.year) for u in units)
    f01 = Period(plan.year, "year")
    minimums = _kind_minimums(units, plan)
    admissions = []
    for kind in plan.kinds:
        mine = [u for u in units if u.kind == kind.code]
        if reported:
            value = uy.sum_known(uy.admitted(book, u.code, plan.year) for u in mine)
        else:  # before any report, the chart shows what the units registered
            value = uy.sum_known(number(s, "dk_ket_nap") for u in mine if (s := book.get(u.code, "F01", f01)))
        admissions.append({"nhom": kind.label, "ket_nap": value or 0, "chi_tieu": minimums[kind.code]})
    years = sorted({p.year for subs in book.by_unit.values() for (f, p) in subs if f == "F03" and p.year <= plan.year})
    counts: dict[str, int] = {c.code: 0 for c in plan.org_ratings.categories}
    if years:
        for u in units:
            sub = book.get(u.code, "F03", uy.year_period(years[-1]))
            rating = uy.rating(sub, plan) if sub else None
            if rating is not None:
                counts[rating.code] += 1
    ratings = [{"xep_loai": c.label, "so_tccs": counts[c.code]} for c in plan.org_ratings.categories]
    submitted = [{"bieu_ky": f"{r['bieu']} - {r['ky']}", "ty_le_day_du": r["ty_le_day_du"]} for r in rates]
    return {"tbl_bieu_do_ket_nap": admissions, "tbl_bieu_do_xep_loai": ratings, "tbl_bieu_do_nop": submitted}


def _finding_rows(findings: Sequence[Finding]) -> list[Row]:
    return [{"muc_do": f.severity_label, "ma_loi": f.code, "don_vi": f.unit or "", "tep": file_name(f.file),
             "o": f.location, "noi_dung": f.message, "cach_sua": f.fix} for f in findings]


# -- progress, cells, summary -------------------------------------------------------

def _progress(units: Sequence[Unit], plan: Plan, book: uy.Book, status: dict[str, Status],
              current: Figures, as_of: dt.date | None = None) -> Progress:
    """The plan year's progress; ``status``: each unit's registration (F01) status, by unit code."""
    regs = [(u, status[u.code]) for u in units]
    done = [(u, s) for u, s in regs if s.submitted]
    registered = [(u, number(s.submission, "dk_ket_nap")) for u, s in done if s.submission]
    reporting = [u for u in units if book.periodic(u.code, plan.year)]
    periods = [p for u in reporting for p, _ in book.periodic(u.code, plan.year)]
    latest = max(periods, key=lambda p: (p.end, KIND_RANK[p.kind])) if periods else None
    below = None
    year_over = uy.year_over(plan, as_of)
    if reporting and year_over:  # a yearly minimum is judged at the year's end only
        below = sum(1 for u in units
                    if uy.minimum(plan, u) > 0 and (uy.admitted(book, u.code, plan.year) or 0) < uy.minimum(plan, u))
    return Progress(
        year=plan.year, units=len(units), registered=len(done),
        registered_on_time=sum(1 for _, s in done if s.on_time),
        registered_total=uy.sum_known(v for _, v in registered),
        registered_below_minimum=sum(1 for u, v in registered if v is not None and v < uy.minimum(plan, u)),
        latest_period=latest, reporting_units=len(reporting), admitted=current.admitted if reporting else None,
        admission_target=plan.city_admission_target, admitted_below_minimum=below, year_over=year_over)


def _cells(plan: Plan, paragraph: str, current_paragraph: str) -> dict[str, object]:
    """The report cells: the generated paragraphs, and the defaults of the others.

    The writer puts a default only where staff have not typed their own text
    (:func:`xlplan.core.summary_tables.keeps_report_text`).
    """
    return {**report_defaults(plan), "bc_doan_van": paragraph, "bc_doan_van_nam": current_paragraph}


def _summary(plan: Plan, submissions: Sequence[Submission], resolution: Resolution, findings: Sequence[Finding],
             progress: Progress, units: Sequence[Unit]) -> dict[str, object]:
    """Key figures as JSON-ready values (ints, texts, None) for the CLI."""
    done = _completion(progress.admitted, plan.city_admission_target, plan)
    return {
        "nam": plan.year, "so_don_vi": len(units), "so_tep": len(submissions),
        "so_tep_su_dung": len(resolution.latest),
        "so_nop_trung": sum(1 for c in resolution.copies.values() if len(c) > 1),
        "so_loi": sum(1 for f in findings if f.severity is Severity.ERROR and not f.superseded),
        "so_canh_bao": sum(1 for f in findings if f.severity is Severity.WARNING and not f.superseded),
        "so_ghi_chu": sum(1 for f in findings if f.severity is Severity.INFO and not f.superseded),
        "da_dang_ky": progress.registered, "dang_ky_dung_han": progress.registered_on_time,
        "dang_ky_ket_nap": progress.registered_total,
        "ky_moi_nhat": str(progress.latest_period) if progress.latest_period else None,
        "ket_nap": progress.admitted, "chi_tieu_ket_nap": plan.city_admission_target,
        "ty_le_ket_nap": indicators.format_percent(done, plan.completion_digits),
    }


def _in_columns(rows: Sequence[Row], columns: Sequence[str]) -> list[Row]:
    """The rows with exactly the table's columns, in its order (a missing one None, any other dropped).

    The builders above make nearly every row with these very keys in this
    order: such a row is kept as it is (a copy would be equal; every row is
    built afresh by one call), the others are rebuilt. Copying them all was
    millions of look-ups at 52,000 units.
    """
    wanted = tuple(columns)
    return [row if tuple(row) == wanted else {c: row.get(c) for c in columns} for row in rows]


# -- entry point ----------------------------------------------------------------------

def consolidate(submissions: Sequence[Submission], units: "Registry | Sequence[Unit]", plan: Plan,
                extra_findings: Sequence[Finding] = (), track: Sequence[tuple[str, str]] = (),
                as_of: dt.date | None = None, previous_year: PreviousYear | None = None) -> Consolidation:
    """The city summary from the submissions read (see the module docstring for the rules).

    ``extra_findings`` (e.g. the registry's) are listed with the others;
    ``track`` adds (form, period) pairs to follow even before any unit sent them;
    ``previous_year``: last year's figures from last year's folder, the baseline instead of
    the previous year's files in this folder (and said in last year's words, unless mapped).
    """
    if previous_year is not None:
        plan = replace(plan, previous_scales=previous_year.scales)
    # the very same file passed twice (same path, same bytes) is one file
    submissions = list({(s.file, s.sha256): s for s in submissions}.values())
    unit_list = tuple(units)
    finder = units if hasattr(units, "find_by_name") else unit_list
    index = unit_index(unit_list)
    # the file name as a second witness (crossfile): refusals get the unit the name carries, and a file
    # whose name contradicts its content is held back, never any unit's submission
    names = UnitNames(unit_list)  # the units' names indexed once: every file's name is looked up in it
    submissions = attribute_refusals(submissions, names)
    witness = witnessed(submissions, names, plan)
    held = held_by(witness)
    # the plan's schedule: files outside it make no pair; the later received file of a key wins
    keyed, stray = in_schedule(submissions, plan, index, held)
    resolution = resolve(keyed)
    book = uy.Book(resolution.latest)
    refused = unreadable(submissions, names, plan)
    pairs = tracked_pairs(plan, resolution.latest, track, as_of, [r.pair for r in refused if r.pair])
    items = statuses(unit_list, plan, resolution, pairs, as_of, refused)
    registration = Period(plan.year, "year")  # the plan year's F01 status of each unit, by code
    status = {s.unit.code: s for s in items if s.form == "F01" and s.period == registration}

    findings = list(extra_findings) + supersede(
        [f for s in submissions for f in s.findings] + cross_file_findings(submissions, finder, plan, resolution.latest, witness),
        resolution.superseded())
    findings += list(resolution.findings) + stray + tracking_findings(items) + group_rule_findings(unit_list, plan, book.get)
    findings.sort(key=lambda f: (*f.sort_key(), f.message))

    previous = (mapped_figures(previous_year.city, plan) if previous_year is not None
                else uy.figures(unit_list, plan.previous_year, book, plan, plan.previous_admission_plan))
    current = uy.figures(unit_list, plan.year, book, plan, plan.city_admission_target)
    minimum_total = sum(uy.minimum(plan, u) for u in unit_list)
    progress = _progress(unit_list, plan, book, status, current, as_of)
    paragraph = previous_year_paragraph(previous, plan)
    has_current_year_end = _has_year_end(book, plan.year)
    current_paragraph = current_year_paragraph(progress, plan, current if has_current_year_end else None)
    shown_previous = previous if previous_year is not None or _has_results(book, plan, plan.previous_year) else None
    rates = rate_rows(items, pairs, plan)

    tables: dict[str, list[Row]] = {
        "tbl_don_vi": _registry_rows(unit_list, plan),
        "tbl_dang_ky": _registration_rows(unit_list, plan, book, status),
        "tbl_tien_do": _progress_rows(unit_list, plan, book, progress.year_over),
        "tbl_tien_do_thang": _monthly_rows(unit_list, plan, book),
        "tbl_danh_gia": _assessment_rows(unit_list, plan, book),
        "tbl_tong_hop": _totals_rows(unit_list, plan, book, previous_year),
        "tbl_chi_tieu": indicator_rows(shown_previous, current, plan, minimum_total, progress),
        "tbl_theo_doi": tracking_rows(items, refused),
        "tbl_ty_le_nop": rates,
        "tbl_kiem_tra": _finding_rows(findings),
        **_chart_rows(unit_list, plan, book, rates),
        "tbl_bao_cao": report_rows(shown_previous, current, plan, minimum_total, progress),
    }
    specs = summary_tables(plan)
    tables = {tid: _in_columns(tables[tid], specs[tid].column_ids) for tid in specs}
    return Consolidation(tables=tables, cells=_cells(plan, paragraph, current_paragraph), findings=findings,
                         summary=_summary(plan, submissions, resolution, findings, progress, unit_list),
                         paragraph=paragraph, resolution=resolution)

