"""The round's schedule: which (form, period) pairs the plan asks for, when each is due, what is baseline.

A reporting round is not "whatever files arrived": one stray file of last
year must not make every other unit look late. The plan decides, from its
forms and their periods (``[forms.*] periods`` and ``due`` of the plan file):

* chased pairs: every form of the plan year × every period of the kinds the
  form accepts (F01 of the year; F02 of each month, quarter and the year; F03
  of the year), each with the plan's due date. An **as-of date** (ngày chốt
  số liệu, given by the caller: the core never reads the clock) says which of
  them are due; a pair due after it is not yet due, never missing.
* baseline pairs: the previous year's year-end forms (the periods of
  :data:`BASELINE_FORMS` that end on the previous year's last day: the
  annual F02 and F03, and the F02 of the last quarter and month, whose closing
  stock is the plan year's opening). They are read and used, never chased.
* anything else (an F01 of last year, an F02 of two years ago) is outside the
  schedule: its file gets ``out-of-schedule`` and makes no pair for anybody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping

from .findings import Finding, make
from .periods import Period, periods_of
from .plan import Plan
from .submission import Submission

Pair = tuple[str, Period]  # (form id, period)

# Forms whose previous-year, year-end files carry the baseline figures the rollup reads.
BASELINE_FORMS = ("F02", "F03")
KIND_RANK = {"month": 0, "quarter": 1, "year": 2}  # at equal period ends: month, quarter, year
_KIND_WORD = {"month": "tháng", "quarter": "quý", "year": "năm"}


def pair_order(pair: Pair) -> tuple:
    """Forms in id order, then periods chronologically; a month before the quarter it closes."""
    form, period = pair
    return (form, period.end, KIND_RANK[period.kind], period.start)


def period_text(period: Period) -> str:
    """A period as said mid-sentence in a message: ``tháng 01 năm 2017``, ``quý I năm 2017``."""
    return period.label[:1].lower() + period.label[1:]


@dataclass(frozen=True)
class Slot:
    """One pair of the schedule: its due date, and whether units are chased for it."""

    form: str
    period: Period
    due: dt.date | None
    chased: bool  # False: a previous-year baseline input, accepted and never chased

    def is_due(self, as_of: dt.date | None) -> bool:
        """Whether the pair is due at ``as_of``; without a date everything is (the behaviour before as-of)."""
        if as_of is None:
            return True
        return (self.due if self.due is not None else self.period.end) <= as_of

    def is_open(self, as_of: dt.date | None) -> bool:
        """Whether the pair belongs to the round's rows at ``as_of``: due, or its period has begun."""
        return as_of is None or self.is_due(as_of) or self.period.start <= as_of


@dataclass(frozen=True)
class Schedule:
    """Every pair of the round by (form, period)."""

    year: int
    previous_year: int
    slots: Mapping[Pair, Slot]

    def slot(self, form: str | None, period: Period | None) -> Slot | None:
        if form is None or period is None:
            return None
        return self.slots.get((form, period))

    def chased(self) -> list[Slot]:
        """The pairs units are chased for, in pair order."""
        return [s for p, s in sorted(self.slots.items(), key=lambda item: pair_order(item[0])) if s.chased]

    def expected_text(self) -> str:
        """What the round accepts, as said in a message: ``F01 năm 2017; F02 tháng, quý, năm 2017; …``."""
        parts: list[str] = []
        by_form: dict[str, list[str]] = {}
        for slot in self.chased():
            words = by_form.setdefault(slot.form, [])
            if _KIND_WORD[slot.period.kind] not in words:
                words.append(_KIND_WORD[slot.period.kind])
        parts += [f"{form} {', '.join(words)} {self.year}" for form, words in sorted(by_form.items())]
        baseline = [f"{p[0]} {period_text(p[1])}" for p in sorted(self.slots, key=pair_order)
                    if not self.slots[p].chased]
        if baseline:
            parts.append(f"số liệu năm {self.previous_year}: " + ", ".join(baseline))
        return "; ".join(parts)


def _due(plan: Plan, form: str, period: Period) -> dt.date | None:
    try:
        return plan.due_date(form, period)
    except KeyError:
        return None


def schedule(plan: Plan) -> Schedule:
    """The plan's schedule (see the module docstring)."""
    slots: dict[Pair, Slot] = {}
    for form, rule in plan.forms.items():
        for kind in rule.periods:
            for period in periods_of(plan.year, kind):
                slots[(form, period)] = Slot(form, period, _due(plan, form, period), True)
            if form in BASELINE_FORMS:
                last = periods_of(plan.previous_year, kind)[-1]  # the one ending on 31/12
                slots[(form, last)] = Slot(form, last, _due(plan, form, last), False)
    return Schedule(plan.year, plan.previous_year, slots)


def out_of_schedule(sub: Submission, unit: str | None, form: str, period: Period, plan_schedule: Schedule
                    ) -> Finding:
    """``out-of-schedule`` for a usable file whose (form, period) the round does not hold, at its period cell."""
    cell = sub.values.get("ky_bao_cao")
    return make("out-of-schedule", unit=unit, file=sub.file, sheet=cell.sheet if cell else None,
                cell=cell.cell if cell else None, field="ky_bao_cao" if cell else None, form=form,
                period=period_text(period), period_code=str(period), year=plan_schedule.year,
                expected=plan_schedule.expected_text())
