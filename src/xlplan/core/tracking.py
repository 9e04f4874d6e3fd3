"""Which file counts for which unit, form and period, and who submitted what when.

Units send files by e-mail, USB stick and chat app; the same report arrives
twice, renamed, re-saved. Consolidation therefore first decides, for every
``(unit, form, period)``, which single file is used (:func:`resolve`), and then
tracks submission per registry unit and tracked ``(form, period)`` pair
(:func:`statuses`): submitted or not, on time or late.

Rules, as the Organization Board applies them:

* Identity: a file is usable when its form is one of the plan's, its period
  parses and the form accepts it, and its unit is set; files the readers found
  to be no form, unreadable, of another plan or of a bad period are not used
  (their own findings say why). Unit codes match the registry case-insensitively.
* Resubmission: the newest file wins, by the form's own date (``ngay_lap``),
  then by the file time (``received``), then by file name order (the later
  name wins). Every file is counted; a count above one is ``duplicate-submission``.
* Timeliness: a submission is judged by the winning file, on the form's own date
  when it has one, else on the file time; on or before the plan's due date is on
  time. Outputs never depend on today's date, so a pair that is tracked and not
  submitted is ``missing-submission`` whatever the date.
* Rates: completeness = submitted / registry units, on time = on-time / registry
  units; no registry units gives ``None`` (no data), not 0%.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PureWindowsPath
from typing import Iterable, Mapping, Sequence

from . import indicators
from .findings import Finding, make
from .periods import Period, PeriodError
from .plan import Plan
from .registry import Unit
from .submission import Submission

# Reader findings after which a file's identity (form, plan, period) cannot be trusted.
IDENTITY_CODES = frozenset({
    "file-unreadable", "format-unsupported", "not-a-form", "form-unknown", "plan-mismatch",
    "period-invalid", "period-not-accepted",
})

SubmissionKey = tuple[str, str, Period]  # (registry unit code, form id, period)
Pair = tuple[str, Period]  # (form id, period)

SUBMITTED, NOT_SUBMITTED = "Đã nộp", "Chưa nộp"
ON_TIME, LATE, NO_DATE = "Đúng hạn", "Muộn", "Không rõ ngày"
SOURCE_FORM_DATE, SOURCE_FILE_TIME = "Ngày lập trên biểu", "Thời gian tệp"
KIND_RANK = {"month": 0, "quarter": 1, "year": 2}  # at equal period ends: month, quarter, year


# -- identity --------------------------------------------------------------------

def unit_index(units: Iterable[Unit]) -> dict[str, Unit]:
    """Units by case-folded code: Windows does not tell ``P_A.xlsx`` from ``p_a.xlsx``."""
    return {u.code.casefold(): u for u in units}


def parse_period(sub: Submission) -> Period | None:
    try:
        return Period.parse(sub.period) if sub.period is not None else None
    except PeriodError:
        return None


def usable(sub: Submission, plan: Plan) -> bool:
    """Whether the file says reliably which form and period it is (see module docstring)."""
    if sub.form is None or sub.form not in plan.forms or not sub.unit:
        return False
    if any(f.code in IDENTITY_CODES for f in sub.findings):
        return False
    period = parse_period(sub)
    return period is not None and plan.forms[sub.form].accepts(period)


def identify(sub: Submission, plan: Plan, index: Mapping[str, Unit]) -> SubmissionKey | None:
    """The key a usable file of a registry unit counts for; None for others."""
    if not usable(sub, plan):
        return None
    unit = index.get(str(sub.unit).strip().casefold())
    period = parse_period(sub)
    if unit is None or period is None or sub.form is None:
        return None
    return (unit.code, sub.form, period)


def pair_order(pair: Pair) -> tuple:
    """Forms in id order, then periods chronologically; a month before the quarter it closes."""
    form, period = pair
    return (form, period.end, KIND_RANK[period.kind], period.start)


def period_text(period: Period) -> str:
    """A period as said mid-sentence in a message: ``tháng 01 năm 2017``, ``quý I năm 2017``."""
    return period.label[:1].lower() + period.label[1:]


def file_name(path: str | None) -> str:
    """The file name without folders (a path may come from Windows or elsewhere)."""
    return PureWindowsPath(path).name if path else ""


# -- dates -----------------------------------------------------------------------

def form_date(sub: Submission) -> dt.date | None:
    """The form's own date (``ngay_lap``), if it holds a date."""
    value = sub.value("ngay_lap")
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _naive(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def date_used(sub: Submission) -> tuple[dt.date | None, str]:
    """The date timeliness is judged on, and where it came from (form date first)."""
    own = form_date(sub)
    if own is not None:
        return own, SOURCE_FORM_DATE
    received = _naive(sub.received)
    if received is not None:
        return received.date(), SOURCE_FILE_TIME
    return None, ""


def newest_first_key(sub: Submission) -> tuple:
    """Sort key: larger = newer (form date, then file time, then file name)."""
    return (form_date(sub) or dt.date.min, _naive(sub.received) or dt.datetime.min, sub.file or "")


# -- resolution ------------------------------------------------------------------

@dataclass(frozen=True)
class Resolution:
    """The file used per key, every file per key (oldest first) and the duplicate findings."""

    latest: dict[SubmissionKey, Submission]
    copies: dict[SubmissionKey, tuple[Submission, ...]]
    findings: tuple[Finding, ...]

    def count(self, key: SubmissionKey) -> int:
        return len(self.copies.get(key, ()))

    def placements(self) -> dict[str, tuple[SubmissionKey, int, bool]]:
        """Shown file name → (its key, its number among the key's files, oldest first, whether it is used).

        A file that is in no key (refused, unidentified) is not listed. File
        names are unique within one inbox, so they identify the inputs.
        """
        placed: dict[str, tuple[SubmissionKey, int, bool]] = {}
        for key, copies in self.copies.items():
            winner = self.latest.get(key)
            for number, sub in enumerate(copies, 1):
                placed[sub.file] = (key, number, sub is winner)
        return placed


def resolve(keyed: Iterable[tuple[SubmissionKey, Submission]]) -> Resolution:
    """Pick the newest file per (unit, form, period); report keys with several files."""
    groups: dict[SubmissionKey, list[Submission]] = {}
    seen: set[tuple[SubmissionKey, str, str]] = set()
    for key, sub in keyed:
        ident = (key, sub.file, sub.sha256)
        if ident in seen:  # the very same file passed twice is one submission
            continue
        seen.add(ident)
        groups.setdefault(key, []).append(sub)
    latest: dict[SubmissionKey, Submission] = {}
    copies: dict[SubmissionKey, tuple[Submission, ...]] = {}
    findings: list[Finding] = []
    for key in sorted(groups, key=lambda k: (k[0], pair_order((k[1], k[2])))):
        ordered = tuple(sorted(groups[key], key=newest_first_key))
        copies[key] = ordered
        latest[key] = winner = ordered[-1]
        if len(ordered) > 1:
            unit, form, period = key
            names = [file_name(s.file) for s in ordered]
            dated = winner.values.get("ngay_lap")
            findings.append(make("duplicate-submission", unit=unit, file=winner.file, field="ngay_lap",
                                 sheet=dated.sheet if dated else None, cell=dated.cell if dated else None,
                                 form=form, period=period_text(period), period_code=str(period),
                                 count=len(ordered), files=", ".join(names), chosen=file_name(winner.file),
                                 file_list=[s.file for s in ordered]))
    return Resolution(latest, copies, tuple(findings))


def tracked_pairs(plan: Plan, keys: Iterable[SubmissionKey], track: Iterable[tuple[str, str]] = ()) -> list[Pair]:
    """F01 of the plan year, every (form, period) submitted, and the caller's ``track`` pairs.

    A ``track`` pair naming a form the plan lacks or a period the form does not
    accept raises ValueError: it is a caller's mistake, not a unit's.
    """
    pairs: set[Pair] = {("F01", Period(plan.year, "year"))}
    pairs.update((form, period) for _, form, period in keys)
    for form, text in track:
        if form not in plan.forms:
            raise ValueError(f"kế hoạch không có biểu mẫu '{form}'")
        period = Period.parse(text)
        if not plan.forms[form].accepts(period):
            raise ValueError(f"biểu {form} không có kỳ báo cáo '{period}'")
        pairs.add((form, period))
    return sorted(pairs, key=pair_order)


# -- status per unit and pair -------------------------------------------------------

@dataclass(frozen=True)
class Status:
    """One registry unit's submission of one tracked (form, period)."""

    unit: Unit
    form: str
    period: Period
    due: dt.date | None
    submission: Submission | None = None
    count: int = 0

    @property
    def submitted(self) -> bool:
        return self.submission is not None

    @property
    def used(self) -> tuple[dt.date | None, str]:
        return date_used(self.submission) if self.submission is not None else (None, "")

    @property
    def on_time(self) -> bool | None:
        """True/False when submitted with a date; None when not submitted or undated."""
        day, _ = self.used
        if self.submission is None or day is None:
            return None
        return self.due is None or day <= self.due

    @property
    def state(self) -> str:
        return SUBMITTED if self.submitted else NOT_SUBMITTED

    @property
    def timeliness(self) -> str:
        """``Đúng hạn`` / ``Muộn`` / ``Chưa nộp`` (``Không rõ ngày`` for an undated file)."""
        if not self.submitted:
            return NOT_SUBMITTED
        return {True: ON_TIME, False: LATE, None: NO_DATE}[self.on_time]


def _due(plan: Plan, form: str, period: Period) -> dt.date | None:
    try:
        return plan.due_date(form, period)
    except KeyError:
        return None


def statuses(units: Sequence[Unit], plan: Plan, resolution: Resolution, pairs: Sequence[Pair]) -> list[Status]:
    """Every registry unit × tracked pair, in registry order then pair order."""
    out = []
    for unit in units:
        for form, period in pairs:
            key = (unit.code, form, period)
            out.append(Status(unit, form, period, _due(plan, form, period), resolution.latest.get(key),
                              resolution.count(key)))
    return out


def tracking_rows(items: Sequence[Status]) -> list[dict[str, object]]:
    """Rows of ``tbl_theo_doi``."""
    rows: list[dict[str, object]] = []
    for s in items:
        sub = s.submission
        day, source = s.used
        rows.append({
            "ma": s.unit.code, "ten": s.unit.name, "bieu": s.form, "ky": str(s.period),
            "trang_thai": s.state,
            "ngay_tren_bieu": form_date(sub) if sub else None,
            "thoi_gian_tep": _naive(sub.received) if sub else None,
            "ngay_dung": source, "han_nop": s.due, "dung_han": s.timeliness,
            "so_lan_nop": s.count, "tep": file_name(sub.file) if sub else "",
        })
    return rows


def _share(part: int, whole: int, plan: Plan) -> Fraction | None:
    return indicators.share(part, whole, plan.share_digits, plan.rounding_mode)


def rate_rows(items: Sequence[Status], pairs: Sequence[Pair], plan: Plan) -> list[dict[str, object]]:
    """Rows of ``tbl_ty_le_nop``: per pair, expected, submitted, on time, and their shares."""
    rows = []
    for form, period in pairs:
        mine = [s for s in items if s.form == form and s.period == period]
        expected = len(mine)
        done = sum(1 for s in mine if s.submitted)
        on_time = sum(1 for s in mine if s.on_time)
        rows.append({
            "bieu": form, "ky": str(period), "du_kien": expected, "da_nop": done,
            "ty_le_day_du": _share(done, expected, plan), "dung_han": on_time,
            "ty_le_dung_han": _share(on_time, expected, plan),
        })
    return rows


def tracking_findings(items: Sequence[Status]) -> list[Finding]:
    """``late-submission`` and ``missing-submission`` for each status that is one."""
    out = []
    for s in items:
        due = indicators.format_date(s.due) if s.due else ""
        if s.submission is None:
            out.append(make("missing-submission", unit=s.unit.code, form=s.form, period=period_text(s.period),
                            period_code=str(s.period), due=due))
        elif s.on_time is False:
            day, source = s.used
            sub = s.submission
            cell = sub.values.get("ngay_lap") if source == SOURCE_FORM_DATE else None
            out.append(make("late-submission", unit=s.unit.code, file=sub.file,
                            sheet=cell.sheet if cell else None, cell=cell.cell if cell else None,
                            field="ngay_lap" if cell else None, form=s.form, period=period_text(s.period),
                            period_code=str(s.period),
                            date=indicators.format_date(day) if day else "", source=source.lower(), due=due))
    return out
