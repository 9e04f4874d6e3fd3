"""Property-based mutation of valid filled forms: read or refused, never a crash or a silent change.

Valid filled F01/F02/F03 (the demo's sample values, every check holding) are mutated with
:class:`tools.reliability.mutations.Mutation` at workbook level (a cell set to a value of any
type, sheets renamed/deleted/added, defined names deleted/retargeted/duplicated, ``xlp_*``
metadata changed) and at zip level (members dropped/duplicated/truncated/corrupted, content
types changed, the file truncated or its bytes flipped). Every mutant is read on every engine:

* ``read_form`` never raises;
* :func:`~tools.reliability.fuzzing.violations` is empty: each field reads as before, or as
  the coerced new value of the cell that was set, or a finding names the field or its cell
  (or the whole file is refused).

Hypothesis runs derandomized with a fixed number of examples (the ``xlplan-fuzz`` profile), so
CI always runs the same examples; a failure prints the Mutation, which is the reproducer.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import warnings
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlplan.core.forms import form_spec
from xlplan.core.plan import Plan
from xlplan.core.submission import Submission
from xlplan.io.form_reader import read_form
from xlplan.io.plans import load_plan
from xlplan.io.readers import ENGINES
from xlplan.services.check import check_files

from tools.reliability.fuzzing import violations
from tools.reliability.mutations import META_KEYS, Mutation, SeedForm, apply_mutation, seed_forms, zip_members

settings.register_profile(
    "xlplan-fuzz", derandomize=True, max_examples=40, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FUZZ = settings.get_profile("xlplan-fuzz")
FORMS = ("F01", "F02", "F03")
_PLAN = load_plan()  # the bundled plan: strategies draw field ids from its form specs
SHEETS = ("Hướng dẫn", "Đăng ký", "Báo cáo", "Đánh giá", "_xlplan", "Danh sách", "Sheet1")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> dict[str, SeedForm]:
    return {s.form: s for s in seed_forms(tmp_path_factory.mktemp("seeds"), plan)}


@pytest.fixture(scope="module")
def baselines(seeds: dict[str, SeedForm], plan: Plan) -> dict[str, dict[str, Submission]]:
    out = {form: {e: read_form(s.path, plan, engine=e) for e in ENGINES} for form, s in seeds.items()}
    for subs in out.values():  # the property is about mutations: the seeds themselves must be clean
        for sub in subs.values():
            assert sub.findings == [], [f.code for f in sub.findings]
    return out


# -- strategies ------------------------------------------------------------------------------

VIETNAMESE = "ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐƯ"
texts = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30),
    st.text(alphabet=VIETNAMESE + " ,.%/-0123456789", max_size=30),
    st.sampled_from(["12", " 1.234 ", "1.234.567", "3,5", "86%", "86,5%", "20/02/2017", "2017-02-30",
                     "Hoàn thành xuất sắc nhiệm vụ", "P_VUNINH", "2017-Q5", "", " "]),
)
cell_values = st.one_of(
    st.integers(0, 500), st.integers(max_value=-1), st.integers(min_value=2**53, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 1), texts,
    st.sampled_from(["=1+2", "=SUM(A1:A3)", "=1/0", "=XLP_TYLE(1;2)", "=A1"]),
    st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)), st.datetimes(dt.datetime(1900, 3, 1)),
    st.booleans(), st.none(),
)
refs = st.one_of(st.sampled_from(["#REF!", "1+1", "'Sheet9'!$A$1", "$A$1"]),
                 st.builds(lambda s, c, r: f"'{s}'!${c}${r}", st.sampled_from(SHEETS),
                           st.sampled_from("ABCDZ"), st.integers(1, 60)))


@st.composite
def value_mutations(draw: st.DrawFn) -> tuple[str, Mutation]:
    form = draw(st.sampled_from(FORMS))
    spec = form_spec(form, _PLAN)
    return form, Mutation("set-cell", draw(st.sampled_from([f.id for f in spec.fields])), draw(cell_values))


@st.composite
def structure_mutations(draw: st.DrawFn) -> tuple[str, Mutation]:
    form = draw(st.sampled_from(FORMS))
    spec = form_spec(form, _PLAN)
    names = [f.id for f in spec.fields] + list(META_KEYS)
    sheets = _shape(form)[0]
    kind = draw(st.sampled_from(["set-meta", "rename-sheet", "delete-sheet", "add-sheet", "delete-name",
                                 "retarget-name", "duplicate-name"]))
    if kind == "set-meta":
        return form, Mutation(kind, draw(st.sampled_from(META_KEYS)), draw(cell_values))
    if kind == "rename-sheet":
        new = draw(st.sampled_from(["Sheet1", "x'y", "Báo cáo 2", spec.sheet.upper(), "_XLPLAN"]))
        return form, Mutation(kind, draw(st.sampled_from(sheets)), new)
    if kind == "delete-sheet":
        return form, Mutation(kind, draw(st.sampled_from(sheets)))
    if kind == "add-sheet":
        return form, Mutation(kind, draw(st.sampled_from(["Thêm", "Sheet9"])), draw(cell_values),
                              draw(st.integers(0, 5)))
    if kind == "delete-name":
        return form, Mutation(kind, draw(st.sampled_from(names)))
    return form, Mutation(kind, draw(st.sampled_from(names)), draw(refs))


@st.composite
def zip_mutations(draw: st.DrawFn) -> tuple[str, Mutation]:
    form = draw(st.sampled_from(FORMS))
    members = _shape(form)[1]
    kind = draw(st.sampled_from(["drop-member", "duplicate-member", "truncate-member", "corrupt-member",
                                 "content-type", "truncate-file", "flip-bytes"]))
    if kind == "content-type":
        return form, Mutation(kind, draw(st.sampled_from([m for m in members if not m.startswith("[")])),
                              draw(st.sampled_from(["application/octet-stream", "text/plain", "",
                                                    "application/vnd.ms-excel.sheet.binary.macroEnabled.main"])))
    if kind in ("truncate-file", "flip-bytes"):
        return form, Mutation(kind, "", draw(st.integers(0, 10**6)), draw(st.integers(1, 8000)))
    return form, Mutation(kind, draw(st.sampled_from(members)), draw(st.integers(0, 10**6)),
                          draw(st.integers(0, 2000)))


@functools.cache
def _shape(form: str) -> tuple[list[str], list[str]]:
    """Sheet names and zip members of the seed form (computed once, on first draw)."""
    with tempfile.TemporaryDirectory() as tmp:
        seed = next(s for s in seed_forms(Path(tmp), _PLAN) if s.form == form)
        return openpyxl.load_workbook(seed.path, read_only=True).sheetnames, zip_members(seed.path)


# -- the properties ----------------------------------------------------------------------------

def _read_all(seeds: dict[str, SeedForm], baselines: dict, plan: Plan, form: str, mutation: Mutation) -> list[str]:
    """Apply, read on every engine; the violations as lines (a crash propagates: that is the bug)."""
    spec = form_spec(form, plan)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        target = Path(tmp) / "mutant.xlsx"
        apply_mutation(seeds[form].path, target, mutation)
        out = []
        for engine in ENGINES:
            sub = read_form(target, plan, engine=engine)
            out += [f"{engine}: {line}" for line in violations(spec, baselines[form][engine], sub, mutation)]
        return out


@settings(FUZZ, max_examples=60)
@given(case=value_mutations())
def test_value_mutation_reads_as_coerced_value_or_finding(case, seeds, baselines, plan):
    form, mutation = case
    assert _read_all(seeds, baselines, plan, form, mutation) == [], mutation


@settings(FUZZ, max_examples=60)
@given(case=structure_mutations())
def test_sheet_name_and_metadata_mutations_never_crash_nor_change_silently(case, seeds, baselines, plan):
    form, mutation = case
    assert _read_all(seeds, baselines, plan, form, mutation) == [], mutation


@settings(FUZZ, max_examples=60)
@given(case=zip_mutations())
def test_zip_mutations_never_crash_nor_change_silently(case, seeds, baselines, plan):
    form, mutation = case
    assert _read_all(seeds, baselines, plan, form, mutation) == [], mutation


def test_the_oracle_catches_a_silent_change(seeds, baselines, plan):
    """The property can fail: a value changed behind the reader's back is reported."""
    spec = form_spec("F01", plan)
    sub = read_form(seeds["F01"].path, plan, engine="calamine")
    field = "dv_tong_so"
    cell = sub.values[field]
    sub.values[field] = type(cell)(field, cell.value + 1, cell.sheet, cell.cell, cell.raw)
    problems = violations(spec, baselines["F01"]["calamine"], sub, Mutation("add-sheet", "Thêm"))
    assert len(problems) == 1 and problems[0].startswith(field)
    assert violations(spec, baselines["F01"]["calamine"], sub, Mutation("set-cell", field, cell.value + 1)) == []


@pytest.mark.parametrize("engine", list(ENGINES))
def test_negative_serial_in_a_date_cell_is_refused(seeds, plan, engine, tmp_path):
    """Found by the fuzzer: a negative number in the date-formatted ``ngay_lap`` cell.

    Excel shows ##### for it; calamine reads it as a time and gives ``bad-date``, while the
    openpyxl engine turns it into 30/05/0302 and accepts it without a finding.
    """
    target = tmp_path / "negative_date.xlsx"
    apply_mutation(seeds["F01"].path, target, Mutation("set-cell", "ngay_lap", -583507))
    sub = read_form(target, plan, engine=engine)
    assert sub.value("ngay_lap") is None
    assert "bad-date" in {f.code for f in sub.findings if f.field == "ngay_lap"}


@pytest.mark.parametrize("value", [1e308, 1e15, -1e15])
@pytest.mark.parametrize("engine", list(ENGINES))
def test_huge_serial_in_a_date_cell_is_a_finding_not_a_panic(seeds, plan, engine, tmp_path, value):
    """Found by the fuzzer in CI: calamine panics (a BaseException) on a date serial out of its range."""
    target = tmp_path / "huge_date.xlsx"
    apply_mutation(seeds["F01"].path, target, Mutation("set-cell", "ngay_lap", value))
    sub = read_form(target, plan, engine=engine)
    assert sub.value("ngay_lap") is None
    assert {f.code for f in sub.findings if f.field == "ngay_lap"} & {"bad-date", "value-required"}
    assert sub.value("dv_tong_so") == read_form(seeds["F01"].path, plan, engine=engine).value("dv_tong_so")


def test_check_files_on_mutants(seeds, plan, tmp_path):
    """The whole ``xlplan check`` path on a few mutants at once: findings, no crash."""
    cases = [("F01", Mutation("set-cell", "dv_tong_so", "mười hai")),
             ("F02", Mutation("delete-name", "dv_cuoi_ky")),
             ("F03", Mutation("drop-member", "xl/workbook.xml")),
             ("F01", Mutation("set-meta", "xlp_form", "F09")),
             ("F02", Mutation("truncate-file", "", 0, 700)),
             ("F03", Mutation("rename-sheet", "_xlplan", "Sheet1"))]
    paths = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (form, mutation) in enumerate(cases):
            paths.append(tmp_path / f"mutant_{i}_{form}.xlsx")
            apply_mutation(seeds[form].path, paths[-1], mutation)
        for engine in ENGINES:
            report = check_files(paths, plan, engine=engine)
            by_file = {Path(f.file).name for f in report if f.file}
            assert {p.name for p in paths if p.name != "mutant_5_F03.xlsx"} <= by_file, engine
            assert report.exit_code == 1
