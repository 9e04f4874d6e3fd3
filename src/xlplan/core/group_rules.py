"""The plan file's kind and city rules, judged on each group's sums of the plan year's year-end forms."""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Sequence

from . import indicators
from .crossfile import number
from .findings import Finding
from .periods import Period
from .plan import Plan
from .registry import Unit
from .rules import group_findings
from .submission import Submission

CITY = "Toàn thành phố"
Lookup = Callable[[str, str, Period], "Submission | None"]  # (unit, form, period) → the file used


def _shown(value: Fraction) -> str:
    return indicators.format_number(value, 0 if value.denominator == 1 else 2)


def group_rule_findings(units: Sequence[Unit], plan: Plan, used: Lookup) -> list[Finding]:
    """Each kind (``scope = "kind"``) and the city (``"city"``): the rules that fail on their sums.

    A field's sum is over the group's units whose form of the plan year's year period was
    used; None (no data) when none of them filled it.
    """
    out: list[Finding] = []
    year_end = Period(plan.year, "year")
    for scope in ("kind", "city"):
        rules = tuple(r for r in plan.rules if r.scope == scope)
        if not rules:
            continue
        groups = ([(k.label, [u for u in units if u.kind == k.code]) for k in plan.kinds] if scope == "kind"
                  else [(CITY, list(units))])
        fields = {form: {f for r in rules if r.form == form for f in r.refs} for form in {r.form for r in rules}}
        for label, members in groups:
            values: dict[str, dict[str, Fraction | None]] = {}
            for form, ids in fields.items():
                subs = [s for u in members if (s := used(u.code, form, year_end)) is not None]
                values[form] = {}
                for field_id in ids:
                    present = [v for s in subs if (v := number(s, field_id)) is not None]
                    values[form][field_id] = Fraction(sum(present)) if present else None
            out += group_findings(rules, label, values, _shown)
    return out
