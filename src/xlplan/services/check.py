"""``xlplan check FILE...``: the findings for some files, before they are sent or consolidated.

A unit runs it on its own file (no registry: it checks the file and, across
several files, their series); the Organization Board runs it with the registry
to also see unknown units, name or kind mismatches and implausible totals.
Both get what consolidation says of the file name as a second witness (a name
naming another unit, form or period than the content: held back) and refusals
attributed to the unit the file name carries. Missing submissions of
*other* units are not its business, so tracking findings are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..core.crossfile import (attribute_refusals, held_back, identity_findings, minimum_findings,
                              plausibility_findings, series_findings, witness_findings)
from ..core.findings import Report
from ..core.plan import Plan
from ..core.registry import Registry, Unit
from ..core.submission import Submission
from ..core.tracking import in_schedule, resolve, supersede, unit_index, usable
from ..core.witness import UnitNames
from .consolidate import Progress, read_files


def check_files(paths: Sequence[Path], plan: Plan, registry: Registry | None = None, engine: str | None = None,
                progress: Progress | None = None) -> Report:
    """Read ``paths`` and return every per-file and cross-file finding, as a Report (exit code 1 on errors)."""
    submissions = read_files(list(paths), plan, registry, engine, progress=progress)
    return check_submissions(submissions, plan, registry)


def check_submissions(submissions: Sequence[Submission], plan: Plan, registry: Registry | None = None) -> Report:
    """The findings of already-read submissions (see module docstring for what is checked)."""
    report = Report()
    units: list[Unit] = list(registry) if registry is not None else _units_of(submissions, plan)
    names = UnitNames(units)
    submissions = attribute_refusals(submissions, names)
    index = unit_index(units)
    held = held_back(submissions, names, plan)
    keyed, stray = in_schedule(submissions, plan, index, held)  # a file of another year: said, and used for none
    resolution = resolve(keyed)
    own = [f for sub in submissions for f in (*sub.findings, *witness_findings(sub, names, plan))]
    report.extend(supersede(own, resolution.superseded()))  # a replaced file's findings: shown, not counted
    report.extend(stray)
    report.extend(resolution.findings)
    if registry is not None:
        report.extend(identity_findings(submissions, registry, plan))
        report.extend(plausibility_findings(submissions, units, plan))
        report.extend(minimum_findings(resolution.latest, units, plan))
    report.extend(series_findings(resolution.latest))
    return report


def _units_of(submissions: Sequence[Submission], plan: Plan) -> list[Unit]:
    """Without a registry, the units are the ones the files say they are."""
    units: dict[str, Unit] = {}
    for sub in submissions:
        if usable(sub, plan) and sub.unit and sub.unit not in units:
            units[sub.unit] = Unit(sub.unit, str(sub.value("don_vi_ten") or sub.unit), "")
    return list(units.values())
