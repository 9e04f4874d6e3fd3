"""What holds: mutation fuzzing of filled forms, the corpus sweep, and the reliability table.

The Organization Board relies on one promise of the intake: a unit file is either read
correctly or refused with a named finding — never a crash, never a silently different
number. This module measures that promise with what the package itself can run, so that
``xlplan reliability`` can regenerate ``docs/reliability.md`` anywhere:

* **mutations** — valid filled forms (F01/F02/F03) are mutated at workbook level
  (a cell set to a value of any type, sheets renamed/deleted/added, defined names
  deleted/retargeted/duplicated, ``xlp_*`` metadata changed) and at zip level (members
  dropped/duplicated/truncated/corrupted, content types changed, raw bytes flipped), read
  on every engine, and judged by :func:`violations`. The same :class:`Mutation` and
  :func:`apply_mutation` serve the hypothesis tests (``tests/test_fuzz_forms.py``) and
  the seeded run of the command (:func:`random_mutation`), so both test one thing;
* **corpus** — every file of a folder (the foreign corpus) read with :func:`read_form`,
  counted as read or refused by the code of its first error finding, with timings;
* **hostile cases** (:mod:`.hostile_cases`) and **kill points** (:mod:`.kill_drill`),
  run here exactly as ``tests/test_hostile.py`` and ``tests/test_kill.py`` run them.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import tempfile
import time
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any, Callable, Sequence

import openpyxl
from openpyxl.workbook.defined_name import DefinedName

import xlplan

from ..core.findings import Severity
from ..core.forms import FormSpec, form_spec
from ..core.plan import Plan
from ..core.registry import Unit
from ..core.submission import Submission
from ..core.values import coerce
from ..io.form_reader import read_form
from ..io.form_writer import write_form
from ..io.readers import ENGINES
from ..io.registry import load_registry
from . import hostile_cases, kill_drill, sample_data

WORKBOOK_KINDS = ("set-cell", "set-meta", "rename-sheet", "delete-sheet", "add-sheet", "delete-name",
                  "retarget-name", "duplicate-name")
ZIP_KINDS = ("drop-member", "duplicate-member", "truncate-member", "corrupt-member", "content-type",
             "truncate-file", "flip-bytes")
KINDS = WORKBOOK_KINDS + ZIP_KINDS
# Mutations after which a field may legitimately read another value without a finding:
# a name pointed at another cell is a different, valid form as far as any reader can tell.
_UNJUDGED = frozenset({"retarget-name", "duplicate-name"})
META_KEYS = ("xlp_form", "xlp_version", "xlp_plan", "xlp_plan_year", "xlp_unit", "xlp_period", "xlp_generator")
SEED_PERIODS = {"F01": "2017", "F02": "2016", "F03": "2016"}


@dataclass(frozen=True)
class Mutation:
    """One change to a valid form file; data only, so a failing example prints as a reproducer.

    ``target`` is a field id, sheet name, defined name or zip member; ``value`` the new cell
    value, sheet name, cell reference, byte offset or content type, as the kind needs;
    ``amount`` a size (bytes kept, bytes flipped).
    """

    kind: str
    target: str = ""
    value: Any = None
    amount: int = 0


@dataclass(frozen=True)
class SeedForm:
    """A valid filled form to mutate, with what it reads as."""

    form: str
    path: Path
    values: dict[str, Any]


@dataclass
class FuzzResult:
    """What a mutation run found: examples run, per kind, and every crash or silent change."""

    examples: int = 0
    reads: int = 0
    by_kind: Counter = dc_field(default_factory=Counter)
    crashes: list[str] = dc_field(default_factory=list)
    silent: list[str] = dc_field(default_factory=list)
    seconds: float = 0.0


@dataclass
class CorpusResult:
    """The corpus sweep: outcome per file (``read`` or the refusing finding code), timings."""

    folder: str
    files: int = 0
    outcomes: Counter = dc_field(default_factory=Counter)
    crashes: list[str] = dc_field(default_factory=list)
    slowest: list[tuple[float, str]] = dc_field(default_factory=list)
    seconds: float = 0.0
    source: str = "read_form"


# -- seed forms -----------------------------------------------------------------------------

def seed_forms(folder: Path, plan: Plan, seed: int = 2017) -> list[SeedForm]:
    """One valid filled F01, F02 (year) and F03 for the first registry unit, written under ``folder``.

    Values come from the demo's sample data so every check holds: a mutation is then the
    only reason for a finding.
    """
    units = tuple(load_registry(plan=plan))
    totals = sample_data.city_totals_2016()
    year_end = sample_data.year_end_values(units, plan, totals, seed)
    annual = sample_data.annual_report_values(units, plan, totals, seed)
    data = {"F01": sample_data.registration_values(units, plan, seed, year_end=year_end, annual=annual),
            "F02": annual, "F03": year_end}
    unit: Unit = units[0]
    out = []
    for form, period in SEED_PERIODS.items():
        path = folder / f"{unit.code}_{form}_{period}.xlsx"
        write_form(path, form_spec(form, plan), plan, unit, period, data[form][unit.code])
        out.append(SeedForm(form, path, dict(data[form][unit.code])))
    return out


def zip_members(path: Path) -> list[str]:
    """Member names of a form file, for zip-level mutations to pick from."""
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


# -- applying mutations ---------------------------------------------------------------------

def apply_mutation(src: Path, dst: Path, mutation: Mutation) -> None:
    """Write ``src`` changed by ``mutation`` to ``dst`` (``src`` is never modified).

    Raises ValueError when the mutation does not apply to this file (unknown target):
    generators draw targets from the file, so that is a generator mistake.
    """
    if mutation.kind in WORKBOOK_KINDS:
        wb = openpyxl.load_workbook(src)
        _WORKBOOK_OPS[mutation.kind](wb, mutation)
        wb.save(dst)
    elif mutation.kind in ("truncate-file", "flip-bytes"):
        data = bytearray(src.read_bytes())
        if mutation.kind == "truncate-file":
            data = data[: max(0, mutation.amount) % (len(data) + 1)]
        else:
            for i in range(max(1, mutation.amount)):
                data[(int(mutation.value or 0) + i * 7919) % len(data)] ^= 0x5A
        dst.write_bytes(bytes(data))
    elif mutation.kind in ZIP_KINDS:
        _rezip(src, dst, mutation)
    else:
        raise ValueError(f"unknown mutation kind {mutation.kind!r}")


def _cell_of(wb: openpyxl.Workbook, name: str) -> Any:
    if name not in wb.defined_names:
        raise ValueError(f"no defined name {name!r}")
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")]


def _set_cell(wb: openpyxl.Workbook, m: Mutation) -> None:
    _cell_of(wb, m.target).value = m.value


def _rename_sheet(wb: openpyxl.Workbook, m: Mutation) -> None:
    wb[m.target].title = str(m.value)


def _delete_sheet(wb: openpyxl.Workbook, m: Mutation) -> None:
    if len(wb.sheetnames) > 1:
        del wb[m.target]
        wb.active = 0


def _add_sheet(wb: openpyxl.Workbook, m: Mutation) -> None:
    ws = wb.create_sheet(str(m.target), index=m.amount % (len(wb.sheetnames) + 1))
    ws["A1"] = m.value


def _delete_name(wb: openpyxl.Workbook, m: Mutation) -> None:
    del wb.defined_names[m.target]


def _retarget_name(wb: openpyxl.Workbook, m: Mutation) -> None:
    wb.defined_names[m.target] = DefinedName(m.target, attr_text=str(m.value))


def _duplicate_name(wb: openpyxl.Workbook, m: Mutation) -> None:
    """A sheet-local name with the same id on the first sheet, pointing elsewhere."""
    first = wb.worksheets[0]
    first.defined_names[m.target] = DefinedName(m.target, attr_text=str(m.value))


_WORKBOOK_OPS: dict[str, Callable[[openpyxl.Workbook, Mutation], None]] = {
    "set-cell": _set_cell, "set-meta": _set_cell, "rename-sheet": _rename_sheet, "delete-sheet": _delete_sheet,
    "add-sheet": _add_sheet, "delete-name": _delete_name, "retarget-name": _retarget_name,
    "duplicate-name": _duplicate_name,
}


def _rezip(src: Path, dst: Path, m: Mutation) -> None:
    """Rewrite the archive member by member with one change (valid zip, CRCs recomputed)."""
    with zipfile.ZipFile(src) as archive:
        items = [(info.filename, archive.read(info)) for info in archive.infolist()]
    if m.kind != "content-type" and m.target not in {name for name, _ in items}:
        raise ValueError(f"no member {m.target!r}")
    out = []
    for name, data in items:
        if name == m.target:
            if m.kind == "drop-member":
                continue
            if m.kind == "duplicate-member":
                out.append((name, data))
            elif m.kind == "truncate-member":
                data = data[: m.amount % (len(data) + 1)]
            elif m.kind == "corrupt-member" and data:
                buf = bytearray(data)
                for i in range(max(1, m.amount)):
                    buf[(int(m.value or 0) + i * 131) % len(buf)] ^= 0x20
                data = bytes(buf)
        if m.kind == "content-type" and name == "[Content_Types].xml":
            data = _retype(data, m.target, str(m.value))
        out.append((name, data))
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # a duplicated member is the point, not a mistake
        for name, data in out:
            with archive.open(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), "w", force_zip64=False) as handle:
                handle.write(data)
    dst.write_bytes(buffer.getvalue())


def _retype(content_types: bytes, part: str, new_type: str) -> bytes:
    """``[Content_Types].xml`` with the override of ``/part`` set to ``new_type`` (added if absent)."""
    text = content_types.decode("utf-8", "replace")
    key = f'PartName="/{part}"'
    start = text.find(key)
    if start >= 0:
        begin = text.find('ContentType="', start)
        end = text.find('"', begin + 13)
        if begin >= 0 and end >= 0 and text.rfind("<", 0, begin) == text.rfind("<", 0, start):
            return (text[: begin + 13] + new_type + text[end:]).encode("utf-8")
    return text.replace("</Types>", f'<Override {key} ContentType="{new_type}"/></Types>').encode("utf-8")


# -- judging --------------------------------------------------------------------------------

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


# -- a seeded mutation run (the command; the tests use hypothesis over the same Mutation) ------

_VALUES: tuple[Callable[[random.Random], Any], ...] = (
    lambda r: r.randint(0, 500), lambda r: -r.randint(1, 10**6), lambda r: r.uniform(-1e6, 1e6),
    lambda r: r.choice([10**20, 1e308, 2**63, -(2**63) - 1, float("1e-300")]),
    lambda r: r.choice(["12", " 1.234 ", "1.234.567", "3,5", "86%", "abc", "", "  "]),
    lambda r: r.choice(["Đảng bộ phường Vũ Ninh", "Hoàn thành xuất sắc nhiệm vụ", "Ngô Thị Ánh Tuyết", "ưởng"]),
    lambda r: r.choice(["=1+2", "=SUM(A1:A3)", "=1/0", "=XLP_TYLE(1;2)"]),
    lambda r: dt.date(r.randint(1900, 2100), r.randint(1, 12), r.randint(1, 28)),
    lambda r: dt.datetime(2017, r.randint(1, 12), 1, r.randint(0, 23)),
    lambda r: r.choice([True, False]), lambda r: None,
)


def random_value(rng: random.Random) -> Any:
    """A cell value of any type a hand-filled form may hold."""
    return rng.choice(_VALUES)(rng)


def random_mutation(rng: random.Random, spec: FormSpec, sheets: Sequence[str], members: Sequence[str]) -> Mutation:
    """One mutation of a form of ``spec`` with ``sheets`` and zip ``members``, drawn from ``rng``."""
    kind = rng.choice(KINDS + ("set-cell",) * 6)  # value changes are what the Board relies on most
    fields = [f.id for f in spec.fields]
    if kind == "set-cell":
        return Mutation(kind, rng.choice(fields), random_value(rng))
    if kind == "set-meta":
        return Mutation(kind, rng.choice(META_KEYS), random_value(rng))
    if kind in ("rename-sheet", "delete-sheet"):
        return Mutation(kind, rng.choice(list(sheets)), rng.choice(["Sheet1", "Biểu mới", "x'y", "_xlplan2"]))
    if kind == "add-sheet":
        return Mutation(kind, rng.choice(["Thêm", "Sheet9", "Ghi chú 2"]), random_value(rng), rng.randint(0, 5))
    if kind == "delete-name":
        return Mutation(kind, rng.choice(fields + list(META_KEYS)))
    if kind in ("retarget-name", "duplicate-name"):
        ref = rng.choice(["'Sheet9'!$A$1", "#REF!", f"'{rng.choice(list(sheets))}'!$B$2", "1+1",
                          f"'{rng.choice(list(sheets))}'!$A$1:$B$3"])
        return Mutation(kind, rng.choice(fields + list(META_KEYS)), ref)
    if kind == "content-type":
        return Mutation(kind, rng.choice([m for m in members if not m.endswith("]")] or ["xl/workbook.xml"]),
                        rng.choice(["application/octet-stream", "text/plain",
                                    "application/vnd.ms-excel.sheet.binary.macroEnabled.main"]))
    if kind in ("truncate-file", "flip-bytes"):
        return Mutation(kind, "", rng.randint(0, 10**6), rng.randint(1, 5000 if kind == "truncate-file" else 8))
    return Mutation(kind, rng.choice(list(members)), rng.randint(0, 10**6), rng.randint(0, 400))


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


# -- the corpus sweep -------------------------------------------------------------------------

def sweep_corpus(folder: Path, plan: Plan, limit: int | None = None) -> CorpusResult:
    """Read every file of ``folder`` (the first ``limit`` by name) through the intake and count outcomes.

    With :mod:`xlplan.io.intake` (the safe many-file reader: worker processes with memory
    caps and deadlines) the outcome is its :func:`~xlplan.io.intake.outcome`; without it, each
    file is read with :func:`read_form` and the outcome is the code of its first error
    finding or ``read``. An exception out of either is a crash, listed by file.
    """
    result = CorpusResult(str(folder))
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("LICENSE", "README")))
    files = files[:limit]
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from ..io import intake
        except ImportError:
            intake = None
        if intake is not None:
            result.source = "xlplan.io.intake.read_many"
            try:
                subs = intake.read_many(files, plan)
            except Exception as exc:  # noqa: BLE001 - measured, not hidden
                result.crashes.append(f"read_many: {type(exc).__name__}: {exc}"[:300])
                result.outcomes["crash"] += len(files)
            else:
                result.outcomes.update(intake.outcome(sub) for sub in subs)
            result.files = len(files)
        else:
            _sweep_one_by_one(files, plan, result)
    result.seconds = time.perf_counter() - started
    return result


def _sweep_one_by_one(files: Sequence[Path], plan: Plan, result: CorpusResult) -> None:
    """The fallback sweep: ``read_form`` per file, with per-file timings (slowest kept)."""
    timings = []
    for path in files:
        began = time.perf_counter()
        try:
            sub = read_form(path, plan)
        except Exception as exc:  # noqa: BLE001 - measured, not hidden
            result.crashes.append(f"{path.name}: {type(exc).__name__}: {exc}"[:300])
            result.outcomes["crash"] += 1
        else:
            errors = [f.code for f in sub.findings if f.severity is Severity.ERROR]
            result.outcomes[errors[0] if errors else "read"] += 1
        timings.append((time.perf_counter() - began, path.name))
        result.files += 1
    result.slowest = sorted(timings, reverse=True)[:5]


# -- the table ----------------------------------------------------------------------------------

@dataclass
class ReliabilityReport:
    """Everything the table shows, with when and by which version it was measured."""

    corpus: CorpusResult | None
    fuzz: FuzzResult
    seed: int
    generated: str
    version: str = xlplan.__version__
    quick: bool = False
    hostile: hostile_cases.HostileResult | None = None  # None: not run
    kill: kill_drill.KillDrillResult | None = None  # None: not run
    kill_stride: int = 1

    @property
    def problems(self) -> int:
        """Crashes, silent changes, hostile cases not as expected and kill-point failures."""
        return (len(self.fuzz.crashes) + len(self.fuzz.silent) + (len(self.corpus.crashes) if self.corpus else 0)
                + (len(self.hostile.failed) if self.hostile else 0) + (len(self.kill.failures) if self.kill else 0))


FROM_TESTS = (
    ("hostile cases, one test per case and engine", "tests/test_hostile.py",
     "run by pytest on the same cases as the hostile-case table above (`xlplan.services.hostile_cases`)"),
    ("kill points, every point", "tests/test_kill.py",
     "run by pytest with the same drill as the kill-point table above (`xlplan.services.kill_drill`)"),
    ("property-based mutation tests (hypothesis)", "tests/test_fuzz_forms.py",
     "run in CI, derandomize=True: 60 value + 60 sheet/name/metadata + 60 zip mutations per run, each read on every engine"),
)

# Problems the tests found and that are not fixed yet: the table must not read as "all holds"
# while a test fails. Remove an entry when its fix lands (its test then passes).
KNOWN_PROBLEMS: tuple[str, ...] = ()  # open problems the figures do not show; none at present


def measure(plan: Plan, corpus: Path | None, examples: int, seed: int = 2017, limit: int | None = None,
            quick: bool = False, today: dt.date | None = None, hostile: bool = True,
            kill_stride: int | None = 1) -> ReliabilityReport:
    """Run the corpus sweep (when ``corpus`` exists), ``examples`` seeded mutations, the hostile
    cases (unless ``hostile`` is false) and the kill drill (every ``kill_stride``-th point; None: not run)."""
    swept = sweep_corpus(corpus, plan, limit) if corpus is not None and corpus.is_dir() else None
    fuzz = run_mutations(plan, examples, seed)
    cases = hostile_cases.run_hostile(plan) if hostile else None
    drill = kill_drill.run_kill_drill(stride=kill_stride) if kill_stride else None
    return ReliabilityReport(swept, fuzz, seed, (today or dt.date.today()).isoformat(), quick=quick,
                             hostile=cases, kill=drill, kill_stride=kill_stride or 1)


def render_markdown(report: ReliabilityReport) -> str:
    """``docs/reliability.md``: the figures, and for each row where it comes from."""
    lines = [
        "# Reliability: what holds",
        "",
        "Generated by `xlplan reliability` — do not edit by hand. "
        f"Measured on {report.generated} with xlplan {report.version}"
        + (" (`--quick`: corpus subset, few mutations, sampled kill points)." if report.quick else "."),
        "",
        "The intake's promise: every unit file is either read correctly or refused with a named",
        "finding — never an unhandled exception, never a number changed without a finding.",
        "",
        "## Corpus files read / refused by reason",
        "",
    ]
    corpus = report.corpus
    if corpus is None:
        lines += ["Corpus folder not found: not measured in this run.", ""]
    else:
        lines += [f"Source: every file of `{_shown(corpus.folder)}`, read with `{corpus.source}` (engine calamine), "
                  f"{corpus.files} files in {corpus.seconds:.1f} s.", "",
                  "| outcome | files |", "|---|---|"]
        lines += [f"| {code} | {count} |" for code, count in sorted(corpus.outcomes.items(), key=lambda i: (-i[1], i[0]))]
        lines += [f"| **unhandled exception** | {len(corpus.crashes)} |", ""]
        if corpus.slowest:
            lines += ["Slowest files: " + ", ".join(f"`{name}` {secs:.2f} s" for secs, name in corpus.slowest), ""]
        lines += [f"- {c}" for c in corpus.crashes] + ([""] if corpus.crashes else [])
    fuzz = report.fuzz
    lines += [
        "## Mutation fuzzing of filled forms",
        "",
        f"Source: `xlplan.services.reliability.run_mutations` (seed {report.seed}): valid filled F01, F02 "
        f"and F03 mutated, each mutant read on every engine ({', '.join(ENGINES)}).",
        "",
        "| figure | value |", "|---|---|",
        f"| mutated files | {fuzz.examples} |",
        f"| reads (files × engines) | {fuzz.reads} |",
        f"| unhandled exceptions | {len(fuzz.crashes)} |",
        f"| values changed without a finding | {len(fuzz.silent)} |",
        f"| time | {fuzz.seconds:.1f} s |",
        "",
        "| mutation | files |", "|---|---|",
    ]
    lines += [f"| {kind} | {fuzz.by_kind.get(kind, 0)} |" for kind in KINDS]
    lines.append("")
    problems = fuzz.crashes + fuzz.silent
    if problems:
        lines += ["Problems found (each line is a reproducer: the mutation and what was read):", ""]
        lines += [f"- {p}" for p in problems[:40]]
        if len(problems) > 40:
            lines.append(f"- … and {len(problems) - 40} more")
        lines.append("")
    lines += hostile_cases.markdown(report.hostile) if report.hostile else [
        "## Hostile cases and their outcome", "", "Not run in this run.", ""]
    lines += kill_drill.markdown(report.kill, report.kill_stride) if report.kill else [
        "## Kill points survived (consolidation)", "", "Not run in this run.", ""]
    lines += ["## Rows measured by the test suite, not by this command", "",
              "| row | source | status |", "|---|---|---|"]
    lines += [f"| {row} | `{src}` | {status} |" for row, src, status in FROM_TESTS]
    lines += ["", "## Known problems (found by the tests, not fixed yet)", ""]
    lines += [f"- {p}" for p in KNOWN_PROBLEMS] or ["None."]
    lines += ["", "The atheris harness `fuzz/intake_fuzz.py` is run by hand (see `fuzz/README.md`); "
              "its runs are not counted here.", ""]
    return "\n".join(lines)


def _shown(folder: str) -> str:
    """The corpus folder as the docs should show it: relative when it is the checkout's sibling."""
    path = Path(folder)
    return "../shared/corpus/" + path.name if path.parent.name == "corpus" else str(path)


def write_reliability(out: Path, plan: Plan, corpus: Path | None, examples: int, seed: int = 2017,
                      limit: int | None = None, quick: bool = False, hostile: bool = True,
                      kill_stride: int | None = 1) -> ReliabilityReport:
    """Measure and write the table at ``out`` (atomically: a half-written table is worse than none)."""
    report = measure(plan, corpus, examples, seed, limit, quick, hostile=hostile, kill_stride=kill_stride)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".tmp")
    partial.write_text(render_markdown(report), encoding="utf-8")
    partial.replace(out)
    return report
