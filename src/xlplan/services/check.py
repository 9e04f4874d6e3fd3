"""``xlplan check FILE...``: the findings for some files, before they are sent or consolidated.

A folder given stands for every form file in it. :func:`check_paths` also says
what each file was recognised as (unit, form, period, version), for the face to show.

A unit runs it on its own file (no registry: it checks the file and, across
several files, their series); the Organization Board runs it with the registry
to also see unknown units, name or kind mismatches and implausible totals.
Both get what consolidation says of the file name as a second witness (a name
naming another unit, form or period than the content: held back) and refusals
attributed to the unit the file name carries. Missing submissions of
*other* units are not its business, so tracking findings are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..core.crossfile import (attribute_refusals, held_back, identity_findings, minimum_findings,
                              plausibility_findings, series_findings, witness_findings)
from ..core.findings import Finding, Report
from ..core.plan import Plan
from ..core.registry import Registry, Unit
from ..core.submission import Submission
from ..core.tracking import in_schedule, resolve, supersede, unit_index, usable
from ..core.witness import UnitNames
from .consolidate import Progress, discover, read_files


@dataclass(frozen=True)
class FileRead:
    """What ``check`` recognised in one file: whose form, which form, period and version (None: not read)."""

    file: str
    unit: str | None
    unit_name: str | None
    form: str | None
    period: str | None
    version: str | None


@dataclass
class CheckResult:
    """The findings of a check (a :class:`Report`, which decides the exit code) and what each file was."""

    report: Report
    files: list[FileRead] = field(default_factory=list)


def check_files(paths: Sequence[Path], plan: Plan, registry: Registry | None = None, engine: str | None = None,
                progress: Progress | None = None) -> Report:
    """Read ``paths`` and return every per-file and cross-file finding, as a Report (exit code 1 on errors)."""
    return check_paths(paths, plan, registry, engine, progress).report


def check_paths(paths: Sequence[Path], plan: Plan, registry: Registry | None = None, engine: str | None = None,
                progress: Progress | None = None) -> CheckResult:
    """Check files and folders (a folder: every form file in it, sub-folders included), saying what each file was."""
    files: list[Path] = []
    skipped: list[Finding] = []
    for path in paths:
        if not Path(path).exists():  # a typo, not a file a unit sent: refused before anything is read
            raise FileNotFoundError(2, "không có tệp này", str(path))
        if Path(path).is_dir():
            found = discover(Path(path))
            files.extend(found.files)
            skipped.extend(found.skipped)
        else:
            files.append(Path(path))
    submissions = read_files(files, plan, registry, engine, progress=progress)
    report = check_submissions(submissions, plan, registry)
    report.extend(skipped)
    return CheckResult(report, [_recognised(sub, registry) for sub in submissions])


def _recognised(sub: Submission, registry: Registry | None) -> FileRead:
    """As read, whatever its findings say of it (a refused file: nothing)."""
    if sub.form is None and not sub.unit:
        return FileRead(sub.file, None, None, None, None, None)
    unit = registry.get(sub.unit) if registry is not None and sub.unit else None
    name = unit.name if unit is not None else sub.value("don_vi_ten")
    return FileRead(sub.file, sub.unit, str(name) if name else None, sub.form, sub.period, sub.version)


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
