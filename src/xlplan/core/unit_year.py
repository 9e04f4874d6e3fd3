"""One unit's figures of a year, and their sums over a group of units (a kind, the city).

The per-unit half of the roll-up (:mod:`xlplan.core.rollup` builds the tables
from it): which of a unit's files give its admissions, transfers, members and
assessment for a year, by the rules stated in :mod:`xlplan.core.rollup`'s
docstring, and :func:`figures`, the totals over a group with the sources behind
them. A :class:`Book` holds the files used and works each unit's year out once.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from .crossfile import number
from .narrative import Figures, PreviousYear, Sources
from .periods import Period
from .plan import Category, Plan
from .registry import Unit
from .submission import Submission
from .tracking import KIND_RANK, SubmissionKey


def year_figures(latest: dict[SubmissionKey, Submission], units: Sequence[Unit], plan: Plan) -> PreviousYear:
    """The plan year's figures of a folder whose used files are ``latest``, for next year's baseline."""
    book = Book(latest)
    kinds = {k.code: figures([u for u in units if u.kind == k.code], plan.year, book, plan, None) for k in plan.kinds}
    return PreviousYear(figures(units, plan.year, book, plan, plan.city_admission_target), kinds,
                        (plan.org_ratings, plan.member_ratings))


_NOTHING: dict[tuple[str, Period], Submission] = {}  # the files of a unit that sent none


class Book:
    """The files used, per unit, by (form, period); and each unit's yearly figures, computed once."""

    def __init__(self, latest: dict[SubmissionKey, Submission]):
        self.by_unit: dict[str, dict[tuple[str, Period], Submission]] = {}
        self._periodic: dict[tuple[str, int], list[tuple[Period, Submission]]] = {}
        self._years: dict[tuple[str, int], _UnitYear] = {}
        self._years_plan: Plan | None = None
        for (unit, form, period), sub in latest.items():
            self.by_unit.setdefault(unit, {})[(form, period)] = sub

    def get(self, unit: str, form: str, period: Period) -> Submission | None:
        return self.by_unit.get(unit, _NOTHING).get((form, period))

    def unit_year(self, unit: str, year: int, plan: Plan) -> "_UnitYear":
        """One unit's figures of a year (:func:`_unit_year`), computed once per book and plan.

        A unit is in two groups (its kind and the city) and each group is summed
        for the report, the totals table and the paragraphs: without this, every
        unit's files were read again for each of them (four times per year).
        """
        if plan is not self._years_plan:
            self._years, self._years_plan = {}, plan
        key = (unit, year)
        found = self._years.get(key)
        if found is None:
            found = self._years[key] = _unit_year(self, unit, year, plan)
        return found

    def periodic(self, unit: str, year: int) -> list[tuple[Period, Submission]]:
        """The unit's F02 of a year, chronologically (month before quarter before year at a tie).

        Asked for about ten times per unit by the tables and figures; computed once
        (a new list each time, so a caller may change its copy).
        """
        key = (unit, year)
        found = self._periodic.get(key)
        if found is None:
            items = [(p, s) for (f, p), s in self.by_unit.get(unit, {}).items() if f == "F02" and p.year == year]
            found = self._periodic[key] = sorted(items, key=lambda item: (item[0].end, KIND_RANK[item[0].kind]))
        return list(found)

    def has(self, form: str, period: Period) -> bool:
        return any((form, period) in subs for subs in self.by_unit.values())


# -- per unit ---------------------------------------------------------------------

class PlanFacts:
    """What the roll-up asks of the plan for every unit, looked up once per plan.

    ``Plan.kind`` folds text to accept labels too; the roll-up asks it for
    every unit several times, which at 52,000 units was a fifth of the
    aggregation. Units carry exact codes, so a dict answers the same. The
    member rating fields of the good-or-better and excellent sets are asked
    for every unit's assessment, and ``RatingScale.by_label`` (which folds
    every category's label) for every unit's rating: the few texts units type
    are looked up once each.
    """

    _last: tuple[Plan, "PlanFacts"] | None = None

    def __init__(self, plan: Plan):
        self.minimum = {(k.code, source): plan.admission_minimum(k.code, source)
                        for k in plan.kinds for source in (True, False)}
        self.label = {k.code: plan.kind(k.code).label for k in plan.kinds}
        self.good = member_fields(plan, "good_or_better")
        self.excellent = member_fields(plan, "excellent")
        self._ratings = plan.org_ratings
        self._by_label: dict[str, Category | None] = {}

    def rating(self, label: str) -> Category | None:
        """The plan's organization rating a text names (``RatingScale.by_label``), remembered."""
        if label not in self._by_label:
            self._by_label[label] = self._ratings.by_label(label)
        return self._by_label[label]

    @classmethod
    def of(cls, plan: Plan) -> "PlanFacts":
        last = cls._last
        if last is not None and last[0] is plan:
            return last[1]
        facts = cls(plan)
        cls._last = (plan, facts)
        return facts


def minimum(plan: Plan, unit: Unit) -> int:
    return PlanFacts.of(plan).minimum.get((unit.kind, bool(unit.has_source)), 0)


def kind_label(plan: Plan, code: str) -> str:
    return PlanFacts.of(plan).label.get(code, code)


@functools.lru_cache(maxsize=64)
def year_period(year: int) -> Period:
    """A whole year as a period: asked for every unit several times, made once (a Period is immutable)."""
    return Period(year, "year")


def _flow(book: Book, unit: str, year: int, period_field: str, annual_fields: tuple[str, ...]) -> int | None:
    """A flow over a year for one unit: the annual report, else months, else quarters (never both)."""
    items = book.periodic(unit, year)
    for period, sub in items:
        if period.kind == "year":
            return next((v for f in annual_fields if (v := number(sub, f)) is not None), None)
    for kind in ("month", "quarter"):
        values = [number(s, period_field) for p, s in items if p.kind == kind]
        if values:
            present = [v for v in values if v is not None]
            return sum(present) if present else None
    return None


def admitted(book: Book, unit: str, year: int) -> int | None:
    return _flow(book, unit, year, "kn_trong_ky", ("kn_luy_ke", "kn_trong_ky"))


def transfers(book: Book, unit: str, year: int) -> int | None:
    return _flow(book, unit, year, "chuyen_chinh_thuc", ("chuyen_chinh_thuc",))


def _members(book: Book, unit: str, year: int) -> int | None:
    f03 = book.get(unit, "F03", year_period(year))
    if f03 is not None and number(f03, "dv_tong_so") is not None:
        return number(f03, "dv_tong_so")
    annual = book.get(unit, "F02", year_period(year))
    return number(annual, "dv_cuoi_ky") if annual is not None else None


def rating(sub: Submission, plan: Plan,
            fields: tuple[str, ...] = ("tccs_xep_loai", "tccs_tu_xep_loai")) -> Category | None:
    for field_id in fields:
        value = sub.value(field_id)
        if isinstance(value, str) and value.strip():
            found = PlanFacts.of(plan).rating(value)
            if found is not None:
                return found
    return None


def member_fields(plan: Plan, set_name: str) -> list[str]:
    scale = plan.member_ratings
    return [c.field for c in scale.categories if c.field and c.code in scale.members(set_name)]


def sum_known(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


# F01 asks last year's results in the F03's own terms: ``kq_`` + the F03 field id.
RESULTS_PREFIX = "kq_"


def _results_of(book: Book, unit: str, year: int, plan: Plan) -> Submission | None:
    """The plan year's registration (F01) of a unit, when ``year`` is the year its results are asked for."""
    return book.get(unit, "F01", year_period(plan.year)) if year == plan.previous_year else None


@dataclass(frozen=True)
class _Assessment:
    """One unit's year-end assessment figures, from its F03 or from its registration's results."""

    rating: Category | None
    members: int | None  # members assessed
    good_or_better: int | None
    excellent: int | None
    from_registration: bool


def _assessment(book: Book, unit: str, year: int, plan: Plan) -> _Assessment | None:
    facts = PlanFacts.of(plan)
    good, excellent = facts.good, facts.excellent
    f03 = book.get(unit, "F03", year_period(year))
    if f03 is not None:
        return _Assessment(rating(f03, plan), number(f03, "dv_duoc_danh_gia"),
                           sum_known(number(f03, f) for f in good), sum_known(number(f03, f) for f in excellent), False)
    reg = _results_of(book, unit, year, plan)
    if reg is None:
        return None
    fields = ["kq_xep_loai", "kq_dv_duoc_danh_gia", *(RESULTS_PREFIX + f for f in good + excellent)]
    if all(reg.value(f) is None for f in fields):
        return None
    return _Assessment(rating(reg, plan, ("kq_xep_loai",)), number(reg, "kq_dv_duoc_danh_gia"),
                       sum_known(number(reg, RESULTS_PREFIX + f) for f in good),
                       sum_known(number(reg, RESULTS_PREFIX + f) for f in excellent), True)


def _admitted_from(book: Book, unit: str, year: int, plan: Plan) -> tuple[int | None, bool]:
    """A unit's admissions of a year, and whether they come from its registration's results.

    The annual F02 wins; without it, the registration's ``kq_ket_nap`` (a
    whole year stated) comes before a sum of months or quarters that may be
    incomplete.
    """
    if book.get(unit, "F02", year_period(year)) is None:
        reg = _results_of(book, unit, year, plan)
        if reg is not None and (value := number(reg, "kq_ket_nap")) is not None:
            return value, True
    return admitted(book, unit, year), False


@dataclass(frozen=True)
class _UnitYear:
    """One unit's figures of one year, as the roll-up rules take them: what every group sums."""

    assessment: _Assessment | None
    admitted: int | None
    admitted_from_registration: bool  # the admissions are the registration's results (``kq_ket_nap``)
    members: int | None
    transfers: int | None


def _unit_year(book: Book, unit: str, year: int, plan: Plan) -> _UnitYear:
    admitted, from_registration = _admitted_from(book, unit, year, plan)
    return _UnitYear(_assessment(book, unit, year, plan), admitted, from_registration,
                     _members(book, unit, year), transfers(book, unit, year))


def figures(units: Sequence[Unit], year: int, book: Book, plan: Plan, admission_plan: int | None) -> Figures:
    """One year's totals over ``units`` (see the roll-up rules), with the sources behind them."""
    each = [book.unit_year(u.code, year, plan) for u in units]
    found = [f.assessment for f in each if f.assessment is not None]
    assessed = [a.rating for a in found if a.rating is not None and a.rating.assessed]
    admissions = [(f.admitted, f.admitted_from_registration) for f in each]
    members = [f.members for f in each]

    def count(codes: frozenset[str]) -> int | None:
        return sum(1 for c in assessed if c.code in codes) if found else None

    def sources(figure: Literal["assessment", "admissions", "members"], registration: int, total: int) -> Sources:
        return Sources(figure, len(units), year_end=total - registration, registration=registration)

    return Figures(
        year=year, units=len(units),
        members=sum_known(members),
        assessed_units=len(assessed) if found else None,
        tsvm=count(plan.org_ratings.members("tsvm")), weak=count(plan.org_ratings.members("weak")),
        assessed_members=sum_known(a.members for a in found),
        good_or_better=sum_known(a.good_or_better for a in found) if found else None,
        excellent=sum_known(a.excellent for a in found) if found else None,
        admitted=sum_known(v for v, _ in admissions),
        admission_plan=admission_plan,
        transfers=sum_known(f.transfers for f in each),
        assessment_sources=sources("assessment", sum(1 for a in found if a.from_registration), len(found)),
        admission_sources=sources("admissions", sum(1 for v, reg in admissions if v is not None and reg),
                                  sum(1 for v, _ in admissions if v is not None)),
        member_sources=sources("members", 0, sum(1 for v in members if v is not None)),
    )


def year_over(plan: Plan, as_of: dt.date | None) -> bool:
    """Whether yearly minimums and targets are judged: the plan year is over by the as-of date."""
    return as_of is None or as_of >= Period(plan.year, "year").end
