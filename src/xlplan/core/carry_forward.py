"""Next report's opening figures, carried from the unit's consolidated reports.

A unit's F02 for a period opens where its previous report closed: the members
at the start of the period are the members at the end of the report before
it, and the year-to-date admissions are the previous report's year-to-date
plus this period's. Typing them again is where balance mistakes come from
(``balance-mismatch``, ``ytd-less-than-period``), so ``xlplan forms make F02``
fills them in from what the Board has already consolidated, marked as
prefilled; the unit can still overwrite them.

Only a report that ends the day before the new period starts is carried
forward: after a gap (a month the unit did not report) nobody knows the
opening figures, and a wrong prefilled number is worse than an empty cell.
A period that starts on 1 January opens on the registration (F01): its total
members, and no admissions yet this year.

Pure: the caller reads the consolidated values (the audit store) and writes
the form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

from .periods import Period

CARRIED_FORM = "F02"
OPENING = "dv_dau_ky"  # members at the start of the period
CLOSING = "dv_cuoi_ky"  # members at the end of the period
ADMITTED = "kn_trong_ky"  # admissions in the period
YEAR_TO_DATE = "kn_luy_ke"  # admissions since 1 January, this period included
REGISTERED_MEMBERS = "dv_tong_so"  # F01: total members at registration


@dataclass(frozen=True)
class Report:
    """A consolidated report of one unit: its form, period and field values (exact numbers)."""

    form: str
    period: Period
    values: Mapping[str, Fraction | int | None]


@dataclass(frozen=True)
class Carried:
    """A prefilled figure: ``value``, where it comes from (Vietnamese, for the form's note column)."""

    value: int
    source: str


@dataclass(frozen=True)
class RunningTotal:
    """A prefilled year-to-date figure: ``prior`` plus the form's own field ``plus`` (a formula in the form)."""

    prior: int
    plus: str
    source: str


Prefilled = Carried | RunningTotal


def carry_forward(form_id: str, period: Period, reports: Sequence[Report]) -> dict[str, Prefilled]:
    """The F02 figures for ``period`` that the unit's earlier ``reports`` determine; empty for other forms.

    ``reports`` are the unit's consolidated reports (any forms and periods);
    the one closing the day before ``period`` starts is used, a report of the
    same kind of period first (a quarter follows a quarter before a month).
    """
    if form_id != CARRIED_FORM:
        return {}
    if period.start == dt.date(period.year, 1, 1):
        return _from_registration(period, reports)
    before = period.start - dt.timedelta(days=1)
    closing = [r for r in reports if r.form == CARRIED_FORM and r.period.end == before
               and r.period.year == period.year]
    if not closing:
        return {}
    previous = min(closing, key=lambda r: (r.period.kind != period.kind, r.period.start))
    label = previous.period.label
    source = f"báo cáo {label[0].lower() + label[1:]} đã tổng hợp"
    out: dict[str, Prefilled] = {}
    members = _whole(previous.values.get(CLOSING))
    if members is not None:
        out[OPENING] = Carried(members, source)
    so_far = _whole(previous.values.get(YEAR_TO_DATE))
    if so_far is not None:
        out[YEAR_TO_DATE] = RunningTotal(so_far, ADMITTED, source)
    return out


def _from_registration(period: Period, reports: Sequence[Report]) -> dict[str, Prefilled]:
    """A period opening the year: members as registered on the F01, admissions counted from zero."""
    out: dict[str, Prefilled] = {YEAR_TO_DATE: RunningTotal(0, ADMITTED, "đầu năm: lũy kế bằng số kết nạp trong kỳ")}
    registration = [r for r in reports if r.form == "F01" and r.period.year == period.year]
    if registration:
        members = _whole(registration[-1].values.get(REGISTERED_MEMBERS))
        if members is not None:
            out[OPENING] = Carried(members, f"phiếu đăng ký năm {period.year} đã tổng hợp")
    return out


def _whole(value: object) -> int | None:
    """A non-negative whole number, or None (a missing or odd value is not carried)."""
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        return None
    if value < 0 or value != int(value):
        return None
    return int(value)
