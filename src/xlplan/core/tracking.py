"""Which file counts for which unit, form and period, and who submitted what when.

Units send files by e-mail, USB stick and chat app; the same report arrives
twice, renamed, re-saved. Consolidation therefore first decides, for every
``(unit, form, period)``, which single file is used (:func:`resolve`), and then
tracks submission per registry unit and tracked ``(form, period)`` pair
(:func:`statuses`): submitted or not, on time or late.

Rules, as the Organization Board applies them:

* Schedule: the pairs tracked are the plan's (:mod:`xlplan.core.schedule`): the
  plan year's forms × their periods, plus the previous year's year-end forms as
  baseline inputs, never chased. A usable file outside it gets
  ``out-of-schedule`` and makes no pair. An as-of date decides which pairs are
  due; a pair not yet due is ``Chưa đến hạn``, never missing. Without a date,
  every tracked pair is due, and the pairs are the plan year's F01, the pairs
  someone sent and the caller's (as before the as-of date).
* Identity: a file is usable when its form is one of the plan's, its period
  parses and the form accepts it, and its unit is set; files the readers found
  to be no form, unreadable, of another plan or of a bad period are not used
  (their own findings say why). Unit codes match the registry case-insensitively.
* Receipt: a file is received when xlplan first sees its bytes (``first_run``,
  the audit run that first saw them; unknown = newest). The later received file
  wins, whatever date is typed on it; between files first seen in the same run
  (or with no run known, as in ``xlplan check``) the form's own date
  (``ngay_lap``), then the file time (``received``), then the file name order
  (the later name wins). Every file is counted; a count above one is
  ``duplicate-submission``; the findings of the files replaced are kept and
  marked ``superseded`` (listed, never counted nor sent back).
* Timeliness: judged on the first usable file received for the pair, on its
  form date when it has one, else its file time; on or before the plan's due
  date is on time. A unit that sent on time and corrected later stays on time;
  the number of submissions and the date the last correction was received are
  shown.
* Unreadable files (password, damaged, empty, not a form, unsupported) belong
  to the unit their file name names (:func:`xlplan.core.witness.name_witness`):
  its status for the pair the name gives is ``Đã nhận, không đọc được``, not
  ``Chưa nộp``, and the refusal findings carry that unit.
* Rates: completeness = submitted / units the pair is due for, on time =
  on-time / the same; nothing due gives ``None`` (no data), not 0%.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import PureWindowsPath
from typing import Container, Iterable, Mapping, Sequence

from . import indicators
from .findings import CATALOGUE, Finding, make
from .periods import Period, PeriodError, period_or_none
from .plan import Plan
from .registry import Unit
from .schedule import KIND_RANK, Pair, out_of_schedule, pair_order, period_text, schedule
from .submission import Submission
from .witness import UnitNames, name_witness

__all__ = ["KIND_RANK", "Pair", "pair_order", "period_text"]  # re-exported: callers import them from here

# Reader findings after which a file's identity (form, plan, period) cannot be trusted.
IDENTITY_CODES = frozenset({
    "file-unreadable", "format-unsupported", "not-a-form", "form-unknown", "plan-mismatch",
    "period-invalid", "period-not-accepted",
})
# Refusals of a file that could not be used as a form: still someone's submission (status UNREADABLE).
UNREADABLE_CODES = IDENTITY_CODES | frozenset({
    "file-encrypted", "file-too-large", "file-too-slow", "needs-libreoffice",
})
# Findings about a pair, not about one file's content: never superseded with a replaced file.
PAIR_CODES = frozenset({"duplicate-submission", "late-submission", "missing-submission"})

SubmissionKey = tuple[str, str, Period]  # (registry unit code, form id, period)

SUBMITTED, NOT_SUBMITTED = "Đã nộp", "Chưa nộp"
NOT_DUE, UNREADABLE = "Chưa đến hạn", "Đã nhận, không đọc được"
ON_TIME, LATE, NO_DATE = "Đúng hạn", "Muộn", "Không rõ ngày"
SOURCE_FORM_DATE, SOURCE_FILE_TIME = "Ngày lập trên biểu", "Thời gian tệp"


# -- identity --------------------------------------------------------------------

def unit_index(units: Iterable[Unit]) -> dict[str, Unit]:
    """Units by case-folded code: Windows does not tell ``P_A.xlsx`` from ``p_a.xlsx``."""
    return {u.code.casefold(): u for u in units}


def parse_period(sub: Submission) -> Period | None:
    if isinstance(sub.period, str):
        return period_or_none(sub.period)
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


def in_schedule(submissions: Iterable[Submission], plan: Plan, index: Mapping[str, Unit],
                held: Container[tuple[str, str]] = frozenset()
                ) -> tuple[list[tuple[SubmissionKey, Submission]], list[Finding]]:
    """The keyed files of the round's schedule, and ``out-of-schedule`` for usable files outside it.

    A file outside the schedule is reported for its unit (the registry's code
    when it is one) and keyed for nobody: it creates no pair. Files ``held``
    back (``(file, sha256)``: their name contradicts their content) are neither.
    """
    plan_schedule = schedule(plan)
    keyed: list[tuple[SubmissionKey, Submission]] = []
    stray: list[Finding] = []
    for sub in submissions:
        if not usable(sub, plan) or (sub.file, sub.sha256) in held:
            continue
        period = parse_period(sub)
        if period is None or sub.form is None:
            continue
        unit = index.get(str(sub.unit).strip().casefold())
        if plan_schedule.slot(sub.form, period) is None:
            stray.append(out_of_schedule(sub, unit.code if unit else str(sub.unit).strip(), sub.form, period,
                                         plan_schedule))
        elif unit is not None:  # the key :func:`identify` gives, from what was checked above
            keyed.append(((unit.code, sub.form, period), sub))
    return keyed, stray


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


def plausible(day: dt.date | None, year: int | None) -> bool:
    """Whether a form's date can be a report date of a plan of ``year``: from its previous year to its next.

    A date of 01/01/1900 or of year 1 (a cell typed wrongly, a default) would
    make any report "on time"; it is a finding, never a timeliness decision.
    """
    return day is not None and (year is None or year - 1 <= day.year <= year + 1)


def date_used(sub: Submission, year: int | None = None) -> tuple[dt.date | None, str]:
    """The date timeliness is judged on, and where it came from (form date first, when plausible for the
    plan ``year``; else the file time)."""
    own = form_date(sub)
    if own is not None and plausible(own, year):
        return own, SOURCE_FORM_DATE
    received = _naive(sub.received)
    if received is not None:
        return received.date(), SOURCE_FILE_TIME
    return None, ""


def receipt_date(sub: Submission) -> dt.date | None:
    """The day xlplan first saw the file's bytes; else its file time; else the form's date."""
    seen = _naive(sub.first_seen) or _naive(sub.received)
    return seen.date() if seen is not None else form_date(sub)


def receipt_key(sub: Submission) -> tuple:
    """Sort key: larger = received later (run first seen, then form date, file time, file name).

    A file no run has recorded yet (``first_run`` None) is the newest of all.
    """
    run = (1, 0) if sub.first_run is None else (0, sub.first_run)
    return (run, form_date(sub) or dt.date.min, _naive(sub.received) or dt.datetime.min, sub.file or "")


newest_first_key = receipt_key  # the name before receipts were ordered by run


# -- resolution ------------------------------------------------------------------

@dataclass(frozen=True)
class Resolution:
    """The file used per key, every file per key (in receipt order, first first) and the duplicate findings."""

    latest: dict[SubmissionKey, Submission]
    copies: dict[SubmissionKey, tuple[Submission, ...]]
    findings: tuple[Finding, ...]

    def count(self, key: SubmissionKey) -> int:
        return len(self.copies.get(key, ()))

    def first(self, key: SubmissionKey) -> Submission | None:
        """The first file received for the key: timeliness is judged on it."""
        found = self.copies.get(key, ())
        return found[0] if found else None

    def superseded(self) -> frozenset[str]:
        """Shown names of the files a later one replaced (listed, their findings not counted)."""
        return frozenset(sub.file for key, copies in self.copies.items() for sub in copies
                         if sub is not self.latest.get(key))

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
    """Pick the last received file per (unit, form, period); report keys with several files."""
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
        group = groups[key]
        ordered = tuple(sorted(group, key=receipt_key)) if len(group) > 1 else tuple(group)
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


def supersede(findings: Iterable[Finding], replaced: frozenset[str]) -> list[Finding]:
    """The findings, those about the content of a replaced file marked ``superseded``."""
    return [replace(f, superseded=True) if f.file in replaced and f.code not in PAIR_CODES and not f.superseded
            else f for f in findings]


def tracked_pairs(plan: Plan, keys: Iterable[SubmissionKey], track: Iterable[tuple[str, str]] = (),
                  as_of: dt.date | None = None, extra: Iterable[Pair] = ()) -> list[Pair]:
    """The chased pairs of the round: the schedule's, and those sent, for ``keys``, ``extra`` and ``track``.

    With an as-of date: every chased pair of the schedule that is due or whose
    period has begun. Without one: the plan year's F01 and the chased pairs
    someone sent. Always, the caller's ``track`` pairs; a ``track`` pair naming
    a form the plan lacks, a period the form does not accept or a pair outside
    the schedule raises ValueError: it is a caller's mistake, not a unit's.
    Baseline and out-of-schedule pairs are never tracked.
    """
    plan_schedule = schedule(plan)
    chased = {(s.form, s.period): s for s in plan_schedule.chased()}
    pairs: set[Pair] = {p for p, s in chased.items() if s.is_open(as_of)} if as_of is not None else set()
    registration = ("F01", Period(plan.year, "year"))
    if registration in chased:
        pairs.add(registration)
    pairs.update(p for p in ((form, period) for _, form, period in keys) if p in chased)
    pairs.update(p for p in extra if p in chased)
    for form, text in track:
        if form not in plan.forms:
            raise ValueError(f"kế hoạch không có biểu mẫu '{form}'")
        period = Period.parse(text)
        if not plan.forms[form].accepts(period):
            raise ValueError(f"biểu {form} không có kỳ báo cáo '{period}'")
        if (form, period) not in chased:
            raise ValueError(f"biểu {form} kỳ '{period}' không thuộc các kỳ báo cáo của kế hoạch năm {plan.year} "
                             f"({plan_schedule.expected_text()})")
        pairs.add((form, period))
    return sorted(pairs, key=pair_order)


# -- files that cannot be read ---------------------------------------------------------

@dataclass(frozen=True)
class Unreadable:
    """A file that could not be read as a form, and the unit (and pair) its name gives."""

    unit: Unit
    submission: Submission
    pair: Pair | None  # None: the name gives no pair of the schedule

    @property
    def reason(self) -> str:
        """What went wrong, as the refusal finding's title says it (first refusal)."""
        for f in self.submission.findings:
            if f.code in UNREADABLE_CODES:
                return CATALOGUE[f.code].title
        return ""


def unreadable(submissions: Iterable[Submission], units: Sequence[Unit] | UnitNames,
               plan: Plan) -> list[Unreadable]:
    """The refused files whose name names a registry unit (the pair too, when it names a chased one)."""
    chased = {(s.form, s.period) for s in schedule(plan).chased()}
    by_form: dict[str, list[Pair]] = {}
    for chased_pair in chased:
        by_form.setdefault(chased_pair[0], []).append(chased_pair)
    names = units if isinstance(units, UnitNames) else UnitNames(units)  # indexed once for every file
    index = names.by_code
    out = []
    for sub in submissions:
        if not any(f.code in UNREADABLE_CODES for f in sub.findings) or usable(sub, plan):
            continue
        said = name_witness(sub.file, names, plan)
        unit = index.get(str(sub.unit or "").strip().casefold()) or said.unit  # the content's unit first
        if unit is None:
            continue
        form, period = sub.form or said.form, parse_period(sub) or said.period
        pair: Pair | None = None
        if form is not None:
            if period is not None and (form, period) in chased:
                pair = (form, period)
            elif period is None and len(by_form.get(form, [])) == 1:
                pair = by_form[form][0]  # F01, F03: the form alone says the pair
        out.append(Unreadable(unit, sub, pair))
    return out



# -- status per unit and pair -------------------------------------------------------

@dataclass(frozen=True)
class Status:
    """One registry unit's submission of one tracked (form, period)."""

    unit: Unit
    form: str
    period: Period
    due: dt.date | None
    submission: Submission | None = None  # the file used: the last received
    count: int = 0
    first: Submission | None = None  # the first usable file received: timeliness is judged on it
    due_now: bool = True  # False: the pair is not due yet at the as-of date
    unreadable: tuple[Submission, ...] = ()  # files of the unit for the pair that could not be read
    year: int | None = None  # the plan year: a form date outside its previous to next year is not used

    @property
    def submitted(self) -> bool:
        return self.submission is not None

    @property
    def judged(self) -> Submission | None:
        """The file timeliness is judged on: the first received (the one used when only one)."""
        return self.first or self.submission

    @property
    def used(self) -> tuple[dt.date | None, str]:
        judged = self.judged
        return date_used(judged, self.year) if judged is not None else (None, "")

    @property
    def on_time(self) -> bool | None:
        """True/False when submitted with a date; None when not submitted or undated."""
        if self.submission is None:
            return None
        day, _ = self.used
        if day is None:
            return None
        return self.due is None or day <= self.due

    @property
    def last_correction(self) -> dt.date | None:
        """When the file used was received, if it replaced an earlier one."""
        return receipt_date(self.submission) if self.submission is not None and self.count > 1 else None

    @property
    def state(self) -> str:
        if self.submitted:
            return SUBMITTED
        if self.unreadable:
            return UNREADABLE
        return NOT_SUBMITTED if self.due_now else NOT_DUE

    @property
    def timeliness(self) -> str:
        """``Đúng hạn`` / ``Muộn`` (``Không rõ ngày`` undated), else the state when nothing usable came."""
        if not self.submitted:
            return self.state
        return {True: ON_TIME, False: LATE, None: NO_DATE}[self.on_time]

    @property
    def chased(self) -> bool:
        """Whether the unit is to be reminded: due, and nothing at all received."""
        return self.due_now and not self.submitted and not self.unreadable


def _due(plan: Plan, form: str, period: Period) -> dt.date | None:
    try:
        return plan.due_date(form, period)
    except KeyError:
        return None


def statuses(units: Sequence[Unit], plan: Plan, resolution: Resolution, pairs: Sequence[Pair],
             as_of: dt.date | None = None, refused: Sequence[Unreadable] = ()) -> list[Status]:
    """Every registry unit × tracked pair, in registry order then pair order."""
    plan_schedule = schedule(plan)
    # per pair, by unit code: every unit × pair is looked up, and a key holding a Period hashes slowly
    files: dict[Pair, dict[str, list[Submission]]] = {}
    for item in refused:
        if item.pair is not None:
            files.setdefault(item.pair, {}).setdefault(item.unit.code, []).append(item.submission)
    latest: dict[Pair, dict[str, Submission]] = {}
    for (code, form, period), sub in resolution.latest.items():
        latest.setdefault((form, period), {})[code] = sub
    copies: dict[Pair, dict[str, tuple[Submission, ...]]] = {}
    for (code, form, period), received in resolution.copies.items():
        copies.setdefault((form, period), {})[code] = received
    out = []
    for form, period in pairs:
        slot = plan_schedule.slot(form, period)
        due_now = slot.is_due(as_of) if slot is not None else True
        due = _due(plan, form, period)
        used, sent, refused_files = (latest.get((form, period), {}), copies.get((form, period), {}),
                                     files.get((form, period), {}))
        for unit in units:
            code = unit.code
            received = sent.get(code, ())  # as Resolution.count and Resolution.first read them
            out.append(Status(unit, form, period, due, used.get(code), len(received),
                              received[0] if received else None, due_now, tuple(refused_files.get(code, ())),
                              plan.year))
    order = {u.code: i for i, u in enumerate(units)}
    return sorted(out, key=lambda s: order[s.unit.code])  # stable: pair order within a unit


def tracking_rows(items: Sequence[Status], refused: Sequence[Unreadable] = ()) -> list[dict[str, object]]:
    """Rows of ``tbl_theo_doi``: one per status, and one per unreadable file whose name gives no pair."""
    rows: list[dict[str, object]] = []
    loose: dict[str, list[Unreadable]] = {}
    for item in refused:
        if item.pair is None:
            loose.setdefault(item.unit.code, []).append(item)
    for i, s in enumerate(items):
        sub, judged = s.submission, s.judged
        day, source = s.used
        note = ("; ".join(Unreadable(s.unit, f, None).reason + ": " + file_name(f.file) for f in s.unreadable)
                if s.unreadable else "")
        rows.append({
            "ma": s.unit.code, "ten": s.unit.name, "bieu": s.form, "ky": str(s.period),
            "trang_thai": s.state,
            "ngay_tren_bieu": form_date(judged) if judged else None,
            "thoi_gian_tep": _naive(judged.received) if judged else None,
            "ngay_dung": source, "han_nop": s.due, "dung_han": s.timeliness,
            "so_lan_nop": s.count,
            "tep": file_name(sub.file) if sub else (file_name(s.unreadable[-1].file) if s.unreadable else ""),
            "ngay_sua_cuoi": s.last_correction, "ghi_chu": note,
        })
        last_of_unit = i + 1 == len(items) or items[i + 1].unit.code != s.unit.code
        if last_of_unit:
            rows += [_loose_row(item) for item in loose.pop(s.unit.code, [])]
    for extra in loose.values():  # units with no tracked pair at all
        rows += [_loose_row(item) for item in extra]
    return rows


def _loose_row(item: Unreadable) -> dict[str, object]:
    """The row of an unreadable file whose name says its unit but no pair of the schedule."""
    return {"ma": item.unit.code, "ten": item.unit.name, "bieu": "", "ky": "", "trang_thai": UNREADABLE,
            "ngay_tren_bieu": None, "thoi_gian_tep": _naive(item.submission.received), "ngay_dung": "",
            "han_nop": None, "dung_han": UNREADABLE, "so_lan_nop": 0, "tep": file_name(item.submission.file),
            "ngay_sua_cuoi": None, "ghi_chu": item.reason}


def _share(part: int, whole: int, plan: Plan) -> Fraction | None:
    return indicators.share(part, whole, plan.share_digits, plan.rounding_mode)


def rate_rows(items: Sequence[Status], pairs: Sequence[Pair], plan: Plan) -> list[dict[str, object]]:
    """Rows of ``tbl_ty_le_nop``: per pair, units it is due for, submitted, on time, and their shares.

    Only due pairs count: a pair not yet due expects no unit (its rates are
    None, no data), though the files already sent are counted.
    """
    rows = []
    by_pair: dict[Pair, list[Status]] = {}
    for s in items:
        by_pair.setdefault((s.form, s.period), []).append(s)
    for form, period in pairs:
        mine = by_pair.get((form, period), [])
        expected = sum(1 for s in mine if s.due_now)
        done = sum(1 for s in mine if s.submitted)
        on_time = sum(1 for s in mine if s.on_time)
        rows.append({
            "bieu": form, "ky": str(period), "du_kien": expected, "da_nop": done,
            "ty_le_day_du": _share(done, expected, plan) if expected else None, "dung_han": on_time,
            "ty_le_dung_han": _share(on_time, expected, plan) if expected else None,
        })
    return rows


def tracking_findings(items: Sequence[Status]) -> list[Finding]:
    """``late-submission`` and ``missing-submission`` for each status that is one.

    Missing only when due and nothing at all came (an unreadable file has its
    own refusal finding); late judged on the first file received.
    """
    out = []
    for s in items:
        out.extend(_implausible_dates(s))
        if s.chased:
            out.append(make("missing-submission", unit=s.unit.code, form=s.form, period=period_text(s.period),
                            period_code=str(s.period), due=_due_text(s)))
        elif s.on_time is False and s.judged is not None:
            due = _due_text(s)
            day, source = s.used
            sub = s.judged
            cell = sub.values.get("ngay_lap") if source == SOURCE_FORM_DATE else None
            out.append(make("late-submission", unit=s.unit.code, file=sub.file,
                            sheet=cell.sheet if cell else None, cell=cell.cell if cell else None,
                            field="ngay_lap" if cell else None, form=s.form, period=period_text(s.period),
                            period_code=str(s.period),
                            date=indicators.format_date(day) if day else "", source=source.lower(), due=due))
    return out


def _due_text(s: Status) -> str:
    """The due date as a finding writes it (only for a status that is a finding: most are none)."""
    return indicators.format_date(s.due) if s.due else ""


def _implausible_dates(s: Status) -> list[Finding]:
    """``report-date-out-of-range`` for the files of ``s`` whose form date cannot be a report date of the plan."""
    if s.submission is None and s.first is None:
        return []  # nothing received (most units and pairs while a round runs)
    out = []
    seen = set()
    for sub in (s.judged, s.submission):
        if sub is None or sub.file in seen:
            continue
        seen.add(sub.file)
        own = form_date(sub)
        if own is None or plausible(own, s.year) or s.year is None:
            continue
        cell = sub.values.get("ngay_lap")
        _, source = date_used(sub, s.year)
        out.append(make("report-date-out-of-range", unit=s.unit.code, file=sub.file,
                        sheet=cell.sheet if cell else None, cell=cell.cell if cell else None, field="ngay_lap",
                        date=f"{own.day:02d}/{own.month:02d}/{own.year:04d}", first=s.year - 1, last=s.year + 1,
                        source=source.lower() if source else "không có ngày nào"))
    return out
