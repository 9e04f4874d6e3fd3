"""Running the hostile cases: each built from a generated form, read on every engine, judged.

:mod:`.hostile_cases` builds the files and says the outcome each owes; here
:func:`run_hostile` reads them through the intake (``read_many``) on every engine and
:func:`judge` compares each read with the promise, for ``python -m tools.reliability``
(``tests/test_hostile.py`` asserts the same outcomes case by case).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from xlplan.core.forms import form_spec
from xlplan.core.plan import Plan
from xlplan.core.submission import Submission
from xlplan.io.form_reader import read_form
from xlplan.io.form_writer import write_form
from xlplan.io.intake import outcome, read_many
from xlplan.io.readers import ENGINES
from xlplan.io.registry import load_registry
from xlplan.services.sample_data import registration_values

from .hostile_cases import READ, Case, build_cases

@dataclass
class CaseResult:
    """One case read on every engine: the outcome owed and the outcome given, per engine."""

    id: str
    expected: dict[str, str]
    actual: dict[str, str]
    problems: list[str] = dc_field(default_factory=list)  # what differs from the promise, per engine

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class HostileResult:
    """Every case's result, the engines used and the time the reads took."""

    cases: list[CaseResult]
    engines: tuple[str, ...]
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(case.passed for case in self.cases)

    @property
    def failed(self) -> list[CaseResult]:
        return [case for case in self.cases if not case.passed]


def valid_form(folder: Path, plan: Plan) -> Path:
    """A valid filled F01 of the registry's first unit (sample data): the form every case starts from."""
    units = tuple(load_registry(plan=plan))
    unit = units[0]
    values = registration_values(units, plan, 3)[unit.code]
    path = folder / f"{unit.code}_F01_{plan.year}.xlsx"
    return write_form(path, form_spec("F01", plan), plan, unit, str(plan.year), dict(values))


def judge(case: Case, engine: str, sub: Submission, valid: Submission) -> list[str]:
    """How ``sub`` (``case`` read by ``engine``) breaks the promise; empty when it keeps it.

    A read must give the valid form's values, identity and findings; a refusal must be the
    one named finding and no values.
    """
    expected, got = case.expected(engine), outcome(sub)
    if got != expected:
        return [f"{engine}: {got} (mong đợi {expected}; phát hiện {[f.code for f in sub.findings]})"]
    if expected == READ:
        if sub.as_dict() != valid.as_dict() or (sub.form, sub.unit, sub.period) != (valid.form, valid.unit,
                                                                                       valid.period):
            return [f"{engine}: đọc được nhưng số liệu khác biểu mẫu gốc"]
        if [f.code for f in sub.findings] != [f.code for f in valid.findings]:
            return [f"{engine}: phát hiện khác biểu mẫu gốc: {[f.code for f in sub.findings]}"]
    elif [f.code for f in sub.findings] != [expected] or sub.values:
        return [f"{engine}: từ chối kèm phát hiện hoặc số liệu thừa: {[f.code for f in sub.findings]}"]
    return []


def read_cases(cases: list[Case], plan: Plan, engines: tuple[str, ...]) -> tuple[dict[tuple[str, str], Submission],
                                                                                  dict[str, float]]:
    """Each case read through the intake on each engine (one ``read_many`` per engine, own limits apart)."""
    reads: dict[tuple[str, str], Submission] = {}
    seconds: dict[str, float] = {}
    for engine in engines:
        plain = [case for case in cases if case.limits is None]
        started = time.monotonic()
        for case, sub in zip(plain, read_many([c.path for c in plain], plan, engine=engine)):
            reads[(case.id, engine)] = sub
        seconds[engine] = time.monotonic() - started
        for case in cases:
            if case.limits is not None:
                [reads[(case.id, engine)]] = read_many([case.path], plan, engine=engine, limits=case.limits)
    return reads, seconds


def run_hostile(plan: Plan, workdir: Path | None = None, engines: tuple[str, ...] | None = None) -> HostileResult:
    """Build every case from a generated form, read each on every engine, judge each read."""
    engines = tuple(sorted(engines or ENGINES))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        root = Path(tmp)
        form = valid_form(root, plan)
        cases = build_cases(form, root / "cases")
        valid = read_form(form, plan)
        reads, _ = read_cases(cases, plan, engines)
        results = []
        for case in cases:
            problems = [line for engine in engines for line in judge(case, engine, reads[(case.id, engine)], valid)]
            results.append(CaseResult(case.id, {e: case.expected(e) for e in engines},
                                      {e: outcome(reads[(case.id, e)]) for e in engines}, problems))
    return HostileResult(results, engines, time.monotonic() - started)


def markdown(result: HostileResult) -> list[str]:
    """The hostile-case section of ``docs/reliability.md``: one row per case."""
    engines = result.engines
    lines = ["## Hostile cases and their outcome", "",
             "Source: `tools.reliability.hostile_run.run_hostile`: each case is built from a valid filled F01 "
             "and "
             f"read through the intake (`read_many`) on every engine; {result.passed} of {len(result.cases)} cases "
             f"as expected, in {result.seconds:.1f} s. A read must give the valid form's values; a refusal "
             "must be the one named finding.", "",
             "| case | expected | " + " | ".join(engines) + " | result |",
             "|---|---|" + "---|" * len(engines) + "---|"]
    for case in result.cases:
        expected = ", ".join(sorted(set(case.expected.values()))) if len(set(case.expected.values())) == 1 \
            else "; ".join(f"{e}: {o}" for e, o in case.expected.items())
        lines.append(f"| {case.id} | {expected} | " + " | ".join(case.actual[e] for e in engines)
                     + f" | {'pass' if case.passed else '**FAIL**'} |")
    lines.append("")
    for case in result.failed:
        lines += [f"- {case.id}: {problem}" for problem in case.problems]
    return lines + ([""] if result.failed else [])
