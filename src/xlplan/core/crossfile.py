"""Checks that need several files at once: identity against the registry, series, minimums.

One form can only be checked against itself (the readers do that). Here the
files of one unit are held against each other and against the registry:

* ``unit-unknown``: a file whose unit code is not in the registry; when a
  registry unit has the same (normalized) name as the file's ``don_vi_ten``,
  the message asks "Có phải là …?" — it is never merged by itself, because a
  wrong merge would silently add one unit's figures to another's.
* ``unit-name-mismatch`` / ``unit-kind-mismatch``: the file's prefilled name or
  kind label differs from the registry (after NFC, case and spacing folding).
* ``ytd-decreasing``: a periodic report (F02; months, quarters and the year of
  one year, by period end) whose year-to-date admissions are below those of an
  earlier-ending report.
* ``opening-mismatch``: members at the start of a month (quarter) differ from
  members at the end of the previous month (quarter), across years too.
* ``yearend-mismatch``: the F03 member total of a year differs from the end
  members of that year's last periodic report (the annual F02, else the latest
  month or quarter).
* ``below-minimum``: the F01 registration, or the admissions of the annual F02
  of the plan year, below the plan's minimum for the unit's kind (not repeated
  when the reader already raised it for that file).
* ``identity-mismatch`` / ``form-name-mismatch`` / ``period-name-mismatch``: the
  file name (a second witness, :mod:`xlplan.core.witness`) names a registry
  unit, a form or a period other than the content's. Identity comes from the
  content; such a file is *held back* (:func:`held_back`): it never becomes or
  replaces any unit's submission, and both units (the name's and the
  content's) get the finding, so neither is silently "not submitted".
* ``members-implausible``: total members far from the registry's figure (more
  than the plan's ``checks.members_tolerance`` percent of it).
* A refusal of a file that could not be read (password, damaged, empty, not a
  form, unsupported format) is given the unit its file name carries
  (:func:`attribute_refusals`), so that unit's letter and Kiểm tra name it.

Only the file used for each (unit, form, period) takes part in the series
checks (see :mod:`xlplan.core.tracking`); identity is checked on every file.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from fractions import Fraction
from typing import Any, Iterable, Mapping, Protocol, Sequence, runtime_checkable

from .findings import Finding, make
from .periods import Period
from .plan import Plan, UnitKind
from .registry import Unit
from .submission import Submission
from .tracking import (KIND_RANK, UNREADABLE_CODES, SubmissionKey, parse_period, period_text,
                       unit_index, usable)
from .witness import UnitNames, carries_code, name_witness
from .witness import attribute as attribute_name

# Refusals of a file whose content could not say whose it is: the file name attributes them.
REFUSAL_CODES = UNREADABLE_CODES  # a file that could not be read: its refusal gets the unit its name carries
WITNESS_CODES = frozenset({"identity-mismatch", "form-name-mismatch", "period-name-mismatch"})
MEMBER_TOTAL_FIELDS = {"F01": "dv_tong_so", "F02": "dv_cuoi_ky", "F03": "dv_tong_so"}


def fold(text: object) -> str:
    """NFC + casefold + whitespace folding: how a file's labels are held to the registry's."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def number(sub: Submission, field_id: str) -> int | None:
    """A whole-number field of a submission; None when empty or not a whole number."""
    value = sub.value(field_id)
    if isinstance(value, bool) or value is None:
        return None
    try:
        if value == int(value):
            return int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def _at(finding_code: str, sub: Submission, field_id: str, unit: str | None, /, **params: Any) -> Finding:
    """A finding located at the cell a field was read from."""
    cell = sub.values.get(field_id)
    return make(finding_code, unit=unit, file=sub.file, sheet=cell.sheet if cell else None,
                cell=cell.cell if cell else None, field=field_id, **params)


# -- identity ----------------------------------------------------------------------

@runtime_checkable
class UnitsByName(Protocol):
    """Units that can be looked up by name (a :class:`~xlplan.core.registry.Registry`)."""

    def find_by_name(self, name: str) -> Unit | None: ...

    def suggest_by_name(self, name: str) -> Sequence[Unit]: ...


def suggest_unit(name: object, units: Iterable[Unit]) -> Unit | None:
    """The registry unit a file's ``don_vi_ten`` probably means, for a hint only.

    The normalized name first; failing that, the one unit whose name matches
    ignoring diacritics (``Registry.suggest_by_name``) — none when several do.
    """
    if not isinstance(name, str) or not name.strip():
        return None
    if isinstance(units, UnitsByName):  # a registry: its name indexes (a plain list: the scan below)
        found = units.find_by_name(name)
        if found is not None:
            return found
        candidates = units.suggest_by_name(name)
        if len(candidates) == 1:
            return candidates[0]
    wanted = fold(name)
    return next((u for u in units if fold(u.name) == wanted), None)


def identity_findings(submissions: Iterable[Submission], units: Iterable[Unit], plan: Plan) -> list[Finding]:
    """``unit-unknown``, ``unit-name-mismatch`` and ``unit-kind-mismatch`` for every file."""
    index = unit_index(units)
    kind_of: dict[str, str | None] = {}  # a kind label as typed → its code (``Plan.kind`` folds; a few labels recur)
    out: list[Finding] = []
    for sub in submissions:
        if not sub.unit or not usable(sub, plan):
            continue
        unit = index.get(str(sub.unit).strip().casefold())
        if unit is None:
            if any(f.code == "unit-unknown" for f in sub.findings):
                continue
            out.append(_unknown(sub, units))
            continue
        name = sub.value("don_vi_ten")
        if isinstance(name, str) and name.strip() and fold(name) != fold(unit.name):
            out.append(_at("unit-name-mismatch", sub, "don_vi_ten", unit.code,
                           value=name, expected=unit.name, code=unit.code))
        label = sub.value("loai_hinh")
        if isinstance(label, str) and label.strip():
            if label not in kind_of:
                kind_of[label] = _kind_code(plan, label)
            kind_code = kind_of[label]
            if kind_code != unit.kind:
                expected = plan.kind(unit.kind).label if unit.kind in plan.kind_codes else unit.kind
                out.append(_at("unit-kind-mismatch", sub, "loai_hinh", unit.code,
                               value=label, expected=expected, code=unit.code))
    return out


def _kind_code(plan: Plan, label: str) -> str | None:
    try:
        return plan.kind(label).code
    except KeyError:
        return None


def _unknown(sub: Submission, units: Iterable[Unit]) -> Finding:
    guess = suggest_unit(sub.value("don_vi_ten"), units)
    params: dict[str, Any] = {"value": sub.unit, "name": sub.value("don_vi_ten") or ""}
    params.update(unknown_unit_hint(guess))
    return _at("unit-unknown", sub, "don_vi_ma", str(sub.unit), **params)


def unknown_unit_hint(guess: Unit | None) -> dict[str, Any]:
    """Parameters of ``unit-unknown`` that suggest a registry unit — never merged by itself."""
    if guess is None:
        return {"hint": ""}
    return {"hint": f" Có phải là {guess.name} ({guess.code})?", "suggestion": guess.code,
            "suggestion_name": guess.name}


# -- the file name as a second witness ------------------------------------------------

def _names(units: Iterable[Unit] | UnitNames) -> UnitNames:
    return units if isinstance(units, UnitNames) else UnitNames(units)


def witness_findings(sub: Submission, units: Iterable[Unit] | UnitNames, plan: Plan) -> list[Finding]:
    """What the file name says against what the content says, for one file read as a form.

    Only a name that *names* something can contradict: a name that says no
    unit (``bao cao.xlsx``) or only a month (``thang 3``) is compared on what it says.
    """
    if not usable(sub, plan):
        return []
    names = _names(units)
    seen = name_witness(sub.file, names, plan)
    content_code = str(sub.unit).strip()
    content_unit = names.by_code.get(content_code.casefold())
    unit_code = content_unit.code if content_unit is not None else content_code
    out: list[Finding] = []
    if (seen.unit is not None and seen.unit.code.casefold() != content_code.casefold()
            and not carries_code(sub.file, content_code)):  # a name with the content's own code agrees
        content_name = (content_unit.name if content_unit is not None
                        else str(sub.value("don_vi_ten") or content_code))
        params = {"name_unit": seen.unit.code, "name_unit_name": seen.unit.name,
                  "content_unit": unit_code, "content_unit_name": content_name}
        for unit in (seen.unit.code, unit_code):
            out.append(_at("identity-mismatch", sub, "don_vi_ma", unit, **params))
    period = parse_period(sub)
    shown = period_text(period) if period is not None else str(sub.period)
    if seen.form is not None and seen.form != sub.form:
        out.append(make("form-name-mismatch", unit=unit_code, file=sub.file, name_form=seen.form,
                        form=sub.form, period=shown))
    clue = seen.period_clue
    if clue is not None and period is not None and not clue.agrees(period):
        out.append(_at("period-name-mismatch", sub, "ky_bao_cao", unit_code, name_period=str(clue),
                       form=sub.form, period=shown))
    return out


def held_back(submissions: Iterable[Submission], units: Iterable[Unit] | UnitNames,
              plan: Plan) -> set[tuple[str, str]]:
    """The files (``(file, sha256)``) whose name contradicts their content: never any unit's submission."""
    return held_by(witnessed(submissions, _names(units), plan))


def witnessed(submissions: Iterable[Submission], names: UnitNames,
              plan: Plan) -> dict[tuple[str, str], list[Finding]]:
    """Each file's (``(file, sha256)``) name-witness findings, computed once per run."""
    return {(s.file, s.sha256): witness_findings(s, names, plan) for s in submissions}


def held_by(witness: Mapping[tuple[str, str], Sequence[Finding]]) -> set[tuple[str, str]]:
    """The files whose name-witness findings hold them back (any contradiction does)."""
    return {key for key, found in witness.items() if found}


def attribute_refusals(submissions: Sequence[Submission], units: Iterable[Unit] | UnitNames) -> list[Submission]:
    """The submissions, each refused one's unit-less refusals given the unit its file name carries.

    A refused file is copied with its findings attributed (the input is not
    changed); a file the content identifies, or whose name names no unit (or
    several), is passed as is.
    """
    names: UnitNames | None = None
    out: list[Submission] = []
    for sub in submissions:
        if sub.unit or not any(f.code in REFUSAL_CODES and f.unit is None for f in sub.findings):
            out.append(sub)
            continue
        names = names or _names(units)
        unit = attribute_name(sub.file, names)
        if unit is None:
            out.append(sub)
            continue
        findings = [dataclasses.replace(f, unit=unit.code) if f.unit is None else f for f in sub.findings]
        out.append(dataclasses.replace(sub, findings=findings))
    return out


def plausibility_findings(submissions: Iterable[Submission], units: Iterable[Unit], plan: Plan) -> list[Finding]:
    """``members-implausible``: a file's total members further from the registry's than the plan allows."""
    index = unit_index(units)
    tolerance = Fraction(plan.members_tolerance) / 100
    # |value - members| / members > tolerance, in whole numbers (members > 0): no Fraction per file
    over, under = tolerance.denominator, tolerance.numerator
    out: list[Finding] = []
    for sub in submissions:
        field_id = MEMBER_TOTAL_FIELDS.get(str(sub.form))
        if field_id is None or not sub.unit or not usable(sub, plan):
            continue
        unit = index.get(str(sub.unit).strip().casefold())
        value = number(sub, field_id)
        if unit is None or unit.members <= 0 or value is None:
            continue
        if abs(value - unit.members) * over > under * unit.members:
            out.append(_at("members-implausible", sub, field_id, unit.code, value=value,
                           expected=unit.members, tolerance=plan.members_tolerance))
    return out


# -- series of periodic reports ---------------------------------------------------

def _reports(latest: Mapping[SubmissionKey, Submission], form: str) -> dict[str, list[tuple[Period, Submission]]]:
    """Per unit, its files of one form in chronological order (by end, month before quarter before year)."""
    out: dict[str, list[tuple[Period, Submission]]] = {}
    for (unit, f, period), sub in latest.items():
        if f == form:
            out.setdefault(unit, []).append((period, sub))
    for items in out.values():
        items.sort(key=lambda item: (item[0].end, KIND_RANK[item[0].kind], item[0].start))
    return out


def _previous(period: Period) -> Period | None:
    """The month (quarter) just before a month (quarter); None for a year."""
    if period.kind == "year":
        return None
    count = 12 if period.kind == "month" else 4
    if period.index > 1:
        return Period(period.year, period.kind, period.index - 1)
    return Period(period.year - 1, period.kind, count)


def series_findings(latest: Mapping[SubmissionKey, Submission]) -> list[Finding]:
    """``ytd-decreasing``, ``opening-mismatch`` and ``yearend-mismatch`` over the files used."""
    out: list[Finding] = []
    periodic = _reports(latest, "F02")
    for unit, items in sorted(periodic.items()):
        by_period = dict(items)
        for period, sub in items:
            out.extend(_ytd(unit, period, sub, items))
            before = _previous(period)
            if before is not None and before in by_period:
                closing = number(by_period[before], "dv_cuoi_ky")
                opening = number(sub, "dv_dau_ky")
                if closing is not None and opening is not None and closing != opening:
                    out.append(_at("opening-mismatch", sub, "dv_dau_ky", unit, period=period_text(period),
                                   value=opening, previous_period=period_text(before), previous=closing,
                                   previous_file=by_period[before].file))
    for unit, items in sorted(_reports(latest, "F03").items()):
        for period, sub in items:
            found = _yearend(unit, period, sub, periodic.get(unit, []))
            if found is not None:
                out.append(found)
    return out


def _ytd(unit: str, period: Period, sub: Submission, items: list[tuple[Period, Submission]]) -> list[Finding]:
    """A report whose year-to-date admissions fall below the highest of an earlier-ending report."""
    value = number(sub, "kn_luy_ke")
    if value is None:
        return []
    best: tuple[int, Period] | None = None
    for other, other_sub in items:
        if other.year != period.year or other.end >= period.end:
            continue
        earlier = number(other_sub, "kn_luy_ke")
        if earlier is not None and (best is None or earlier > best[0]):
            best = (earlier, other)
    if best is None or value >= best[0]:
        return []
    return [_at("ytd-decreasing", sub, "kn_luy_ke", unit, period=period_text(period), value=value,
                previous_period=period_text(best[1]), previous=best[0])]


def last_periodic(items: Sequence[tuple[Period, Submission]], year: int) -> tuple[Period, Submission] | None:
    """The year's annual report if any, else its latest-ending month or quarter (month wins a tie)."""
    mine = [(p, s) for p, s in items if p.year == year]
    annual = [(p, s) for p, s in mine if p.kind == "year"]
    if annual:
        return annual[0]
    if not mine:
        return None
    return max(mine, key=lambda item: (item[0].end, -KIND_RANK[item[0].kind]))


def _yearend(unit: str, period: Period, sub: Submission, periodic: list[tuple[Period, Submission]]) -> Finding | None:
    total = number(sub, "dv_tong_so")
    last = last_periodic(periodic, period.year)
    if total is None or last is None:
        return None
    closing = number(last[1], "dv_cuoi_ky")
    if closing is None or closing == total:
        return None
    return _at("yearend-mismatch", sub, "dv_tong_so", unit, year=period.year, value=total,
               period=period_text(last[0]), expected=closing, other_file=last[1].file)


# -- minimums ---------------------------------------------------------------------

def minimum_findings(latest: Mapping[SubmissionKey, Submission], units: Iterable[Unit], plan: Plan) -> list[Finding]:
    """``below-minimum`` for the plan year's registration and year-end admissions.

    The reader raises ``below-minimum`` from the form's own prefilled minimum;
    here the registry and the plan decide (the prefilled one may be stale), and
    a file the reader already flagged is not flagged twice.
    """
    out: list[Finding] = []
    year = Period(plan.year, "year")
    codes = set(plan.kind_codes)
    kinds: dict[str, UnitKind] = {}  # ``Plan.kind`` folds its text: asked once per kind, not per unit
    for unit in units:
        if unit.kind not in codes:
            continue
        if unit.kind not in kinds:
            kinds[unit.kind] = plan.kind(unit.kind)
        kind = kinds[unit.kind]
        minimum = kind.minimum(unit.has_source)
        checks = (("F01", ("dk_ket_nap",)), ("F02", ("kn_luy_ke", "kn_trong_ky")))
        for form, fields in checks:
            sub = latest.get((unit.code, form, year))
            if sub is None or any(f.code == "below-minimum" for f in sub.findings):
                continue
            field_id = next((f for f in fields if number(sub, f) is not None), None)
            if field_id is None:
                continue
            value = number(sub, field_id)
            if value is not None and value < minimum:
                out.append(_at("below-minimum", sub, field_id, unit.code, value=value, minimum=minimum,
                               kind=kind.label, form=form))
    return out


def cross_file_findings(submissions: Sequence[Submission], units: Iterable[Unit], plan: Plan,
                        latest: Mapping[SubmissionKey, Submission],
                        witness: Mapping[tuple[str, str], Sequence[Finding]] | None = None) -> list[Finding]:
    """Every cross-file finding: identity (name witness, plausibility) of every file, series and minimums of the files used.

    ``witness``: the files' name-witness findings when the caller computed them already (:func:`witnessed`).
    """
    unit_list = list(units)
    if witness is None:
        witness = witnessed(submissions, UnitNames(unit_list), plan)
    named = [f for found in witness.values() for f in found]
    return (identity_findings(submissions, units, plan) + named
            + plausibility_findings(submissions, unit_list, plan) + series_findings(latest)
            + minimum_findings(latest, unit_list, plan))

