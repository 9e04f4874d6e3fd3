"""Reading mutants on every engine and judging the reads: the promise held, or a reproducer.

A mutant is either read correctly, or its changed fields are named by a finding, or the
file is refused as a whole: :func:`violations` lists the fields for which none of these
holds (a number changed silently); an exception out of a reader is a crash. Both are
printed with the :class:`~.mutations.Mutation` that caused them, so each line reproduces.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any

import openpyxl

from xlplan.core.findings import Severity
from xlplan.core.forms import FormSpec, form_spec
from xlplan.core.plan import Plan
from xlplan.core.submission import Submission
from xlplan.core.values import coerce
from xlplan.io.form_reader import read_form
from xlplan.io.readers import ENGINES

from .mutations import Mutation, apply_mutation, random_mutation, seed_forms, zip_members

# Mutations after which a field may legitimately read another value without a finding:
# a name pointed at another cell is a different, valid form as far as any reader can tell.
_UNJUDGED = frozenset({"retarget-name", "duplicate-name"})


@dataclass
class FuzzResult:
    """What a mutation run found: examples run, per kind, and every crash or silent change."""

    examples: int = 0
    reads: int = 0
    by_kind: Counter = dc_field(default_factory=Counter)
    crashes: list[str] = dc_field(default_factory=list)
    silent: list[str] = dc_field(default_factory=list)
    seconds: float = 0.0



def expected_value(spec: FormSpec, field_id: str, written: Any) -> Any:
    """What a correct reader returns for ``field_id`` after ``written`` was put in its cell.

    Text starting with ``=`` is stored by openpyxl as a formula without a saved value,
    and engines read the saved value, never the formula: so the cell reads as empty.
    """
    if isinstance(written, str) and written.startswith("=") and len(written) > 1:
        written = None
    elif isinstance(written, (int, float)) and not isinstance(written, bool):
        written = stored_number(written)
    elif isinstance(written, dt.datetime):  # a serial number: engines read it to the millisecond
        written = written.replace(microsecond=0) + dt.timedelta(milliseconds=round(written.microsecond / 1000))
    return coerce(spec.field(field_id), written)[0]


def stored_number(number: int | float) -> int | float:
    """A number as a workbook holds it: an IEEE double written with 16 significant digits
    (openpyxl's precision), read back by the engines as an int when it is whole."""
    try:
        stored = float(f"{float(number):.16g}")
    except OverflowError:  # an int beyond any double: written as its digits, read as inf
        stored = float("inf") if number > 0 else float("-inf")
    return int(stored) if stored.is_integer() else stored


def violations(spec: FormSpec, baseline: Submission, mutated: Submission, mutation: Mutation) -> list[str]:
    """Fields whose value changed without a finding saying so (empty list: the promise held).

    A field may read differently only if (a) ``mutation`` set its cell and it reads as the
    coerced new value, or (b) a finding names the field or its cell, or (c) the file as a
    whole is refused (an error finding without a field or on its ``xlp_*`` identity). Renamed or duplicated names are
    not judged: a name pointing at another cell is a valid form of other content.
    """
    if mutation.kind in _UNJUDGED:
        return []
    named_fields = {f.field for f in mutated.findings if f.field}
    named_cells = {(f.sheet, f.cell) for f in mutated.findings if f.cell}
    refused = any(f.severity is Severity.ERROR and (not f.field or f.field.startswith("xlp_"))
                  for f in mutated.findings)
    out = []
    for item in spec.fields:
        before = baseline.values.get(item.id)
        after = mutated.values.get(item.id)
        want = before.value if before else None
        if mutation.kind == "set-cell" and mutation.target == item.id:
            want = expected_value(spec, item.id, mutation.value)
        got = after.value if after else None
        if _same(got, want) or item.id in named_fields or refused:
            continue
        if after is not None and (after.sheet, after.cell) in named_cells:
            continue
        out.append(f"{item.id}: đọc được {got!r}, mong đợi {want!r}, không có phát hiện nào")
    return out


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (a is None and b is None)



# -- a seeded run --------------------------------------------------------------------------

def check_mutant(spec: FormSpec, baseline: dict[str, Submission], path: Path, mutation: Mutation,
                 plan: Plan) -> tuple[list[str], list[str]]:
    """Read a mutant on every engine: (crashes, silent changes), as printable lines."""
    crashes, silent = [], []
    for engine in ENGINES:
        try:
            sub = read_form(path, plan, engine=engine)
        except Exception as exc:  # noqa: BLE001 - a crash is exactly what is measured
            crashes.append(f"{engine} {mutation!r}: {type(exc).__name__}: {exc}"[:400])
            continue
        silent.extend(f"{engine} {mutation!r}: {line}" for line in violations(spec, baseline[engine], sub, mutation))
    return crashes, silent


def run_mutations(plan: Plan, examples: int, seed: int = 2017, workdir: Path | None = None) -> FuzzResult:
    """``examples`` seeded mutations spread over the three seed forms, each read on every engine."""
    result = FuzzResult()
    started = time.perf_counter()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about the very cells the mutations break
        folder = Path(tmp)
        seeds = seed_forms(folder, plan)
        bases = {s.form: {e: read_form(s.path, plan, engine=e) for e in ENGINES} for s in seeds}
        shapes = {s.form: (openpyxl.load_workbook(s.path, read_only=True).sheetnames, zip_members(s.path))
                  for s in seeds}
        for i in range(examples):
            form = seeds[i % len(seeds)]
            spec = form_spec(form.form, plan)
            sheets, members = shapes[form.form]
            mutation = random_mutation(rng, spec, sheets, members)
            target = folder / f"mutant_{i}.xlsx"
            try:
                apply_mutation(form.path, target, mutation)
            except Exception:  # noqa: BLE001 - the mutator could not write it (openpyxl refused): not an example
                continue
            crashes, silent = check_mutant(spec, bases[form.form], target, mutation, plan)
            result.examples += 1
            result.reads += len(ENGINES)
            result.by_kind[mutation.kind] += 1
            result.crashes.extend(crashes)
            result.silent.extend(silent)
            target.unlink(missing_ok=True)
    result.seconds = time.perf_counter() - started
    return result
