"""``python -m tools.reliability``: the table is written with the expected rows; the committed
``docs/reliability.md`` has its headings; the atheris harness runs without atheris.

The tool is driven through its click command (``reliability_cmd``) with click's CliRunner. The
foreign corpus beside the checkout is needed by the tests that take ``foreign_corpus`` (they
fail under CI when it is missing, skip elsewhere: ``tests/support/corpus.py``).
"""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.core.forms import form_spec
from xlplan.core.plan import Plan

from tests.support.corpus import FOREIGN_CORPUS
from tools.reliability.__main__ import reliability_cmd
from tools.reliability.corpus import CorpusResult, DEFAULT_CORPUS, sweep_corpus
from tools.reliability.fuzzing import FuzzResult
from tools.reliability.hostile_cases import CASE_IDS
from tools.reliability.machine_cases import CASES as MACHINE_CASES, QUICK as MACHINE_QUICK
from tools.reliability.mutations import KINDS, random_mutation
from tools.reliability.report import ReliabilityReport, render_markdown

ROOT = Path(__file__).resolve().parents[1]
HEADINGS = ("# Reliability: what holds", "## Corpus files read / refused by reason",
            "## Mutation fuzzing of filled forms", "## Hostile cases and their outcome",
            "## Kill points survived (consolidation)", "## Inbox entries, machine faults and processes",
            "## Rows measured by the test suite, not by this command")


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory, foreign_corpus: Path) -> Path:
    """A few corpus files of different kinds (xlsx, xls, ods, xlsb) and one empty file."""
    folder = tmp_path_factory.mktemp("corpus")
    for name in ("1904_1900.xlsx", "1904_1900.xls", "1904_1900.ods", "1904_1900.xlsb"):
        (folder / name).write_bytes((foreign_corpus / name).read_bytes())
    (folder / "empty.xlsx").write_bytes(b"")
    return folder


def test_the_command_writes_the_table(small_corpus, tmp_path, expected_worker_deaths):
    out = tmp_path / "docs" / "reliability.md"
    with expected_worker_deaths():  # the hostile cases kill reader workers on purpose: no dumps in the output
        result = CliRunner().invoke(reliability_cmd, ["--quick", "--corpus", str(small_corpus), "--out", str(out),
                                                      "--examples", "12", "--json"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    assert data["corpus"]["files"] == 5
    assert sum(data["corpus"]["outcomes"].values()) == 5
    assert data["fuzz"]["examples"] == 12 and data["fuzz"]["reads"] == 24
    assert result.exit_code == (1 if data["fuzz"]["crashes"] or data["fuzz"]["silent"] else 0)
    text = out.read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert heading in text
    assert "| mutated files | 12 |" in text and "| reads (files × engines) | 24 |" in text
    for kind in KINDS:
        assert f"| {kind} |" in text
    for outcome, count in data["corpus"]["outcomes"].items():
        assert f"| {outcome} | {count} |" in text
    assert "tests/test_hostile.py" in text and "tests/test_kill.py" in text
    hostile, kill = data["hostile"], data["kill"]
    assert hostile["cases"] == len(CASE_IDS) == len(hostile["outcomes"])
    assert hostile["passed"] == len(CASE_IDS), {k: v for k, v in hostile["outcomes"].items() if not v["passed"]}
    for case_id, row in hostile["outcomes"].items():
        cells = [row["actual"][engine] for engine in sorted(row["actual"])]
        assert f"| {case_id} | " in text and (" | ".join(cells) + " | pass |") in text
    assert "| zip_bomb | file-too-large | file-too-large | file-too-large | pass |" in text
    assert kill["stride"] > 1 and kill["completed_at"] and kill["failures"] == []  # --quick samples the points
    assert kill["tried"] >= 2 and kill["survived"] == kill["tried"]
    assert f"| kill points survived / tried | {kill['survived']} / {kill['tried']} |" in text
    machine = data["machine"]  # --quick stages a few of the cases, the others say so
    assert machine["outcomes"].keys() == {case[0] for case in MACHINE_CASES}
    assert machine["ran"] == len(MACHINE_QUICK) and machine["passed"] == machine["ran"], machine["outcomes"]
    for case_id, row in machine["outcomes"].items():
        assert f"| {case_id} | " in text
        assert row["passed"] and (row["actual"] == row["expected"] or case_id not in MACHINE_QUICK)


def test_the_command_in_vietnamese_and_a_missing_corpus(tmp_path):
    out = tmp_path / "r.md"
    result = CliRunner().invoke(reliability_cmd, ["--corpus", str(tmp_path / "khong_co"), "--out", str(out)])
    assert result.exit_code == 2 and "không tìm thấy thư mục" in result.output
    assert not out.exists()
    help_text = CliRunner().invoke(reliability_cmd, ["--help"]).output
    assert "Ví dụ:" in help_text and "python -m tools.reliability --quick" in help_text


def test_the_default_corpus_is_the_checkouts_sibling():
    assert DEFAULT_CORPUS == FOREIGN_CORPUS == ROOT.parent / "shared" / "corpus" / "foreign"
    [option] = [p for p in reliability_cmd.params if p.name == "corpus"]
    assert option.default == DEFAULT_CORPUS  # resolved from the repository root, not the current folder


def test_the_sweep_counts_every_file(small_corpus, plan: Plan):
    swept = sweep_corpus(small_corpus, plan)
    assert swept.files == 5 and sum(swept.outcomes.values()) == 5 and swept.crashes == []
    assert swept.outcomes["file-unreadable"] + swept.outcomes["format-unsupported"] >= 1  # the empty file


def test_problems_are_listed_as_reproducers():
    fuzz = FuzzResult(examples=3, reads=6, crashes=["calamine Mutation(kind='set-cell'): ValueError: x"],
                      silent=["openpyxl Mutation(kind='set-cell', target='ngay_lap', value=-1): ngay_lap: …"])
    report = ReliabilityReport(CorpusResult("x", files=1), fuzz, 1, "2017-01-01")
    text = render_markdown(report)
    assert report.problems == 2 and text.count("Not run in this run.") == 3  # hostile, kill, machine cases
    assert "| unhandled exceptions | 1 |" in text and "| values changed without a finding | 1 |" in text
    assert "value=-1" in text and "ValueError: x" in text


def test_the_seeded_mutator_is_reproducible(plan: Plan):
    spec = form_spec("F02", plan)
    draws = [[random_mutation(random.Random(5), spec, ["A", "B"], ["x.xml"]) for _ in range(3)] for _ in range(2)]
    assert draws[0] == draws[1]
    kinds = {random_mutation(random.Random(i), spec, ["A"], ["x.xml"]).kind for i in range(300)}
    assert kinds == set(KINDS)


def test_the_committed_table_has_its_headings():
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert heading in text
    assert "Generated by `python -m tools.reliability" in text and "| mutated files |" in text
    assert "| kill points survived / tried |" in text and "Not run in this run." not in text
    for case_id in CASE_IDS:
        assert f"| {case_id} | " in text
    for case_id, _, expected, _ in MACHINE_CASES:  # every inbox, machine-fault and process case, as expected
        assert any(line.startswith(f"| {case_id} | ") and f"| {expected} | {expected} | pass |" in line
                   for line in text.splitlines()), case_id


def test_the_atheris_harness_runs_without_atheris(foreign_corpus: Path):
    spec = importlib.util.spec_from_file_location("intake_fuzz", ROOT / "fuzz" / "intake_fuzz.py")
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    template = (ROOT / "templates" / "F01.xlsx").read_bytes()
    for data in (template, template[:900], b"", b"PK\x03\x04" + b"\x00" * 40, (foreign_corpus / "1904_1900.xls").read_bytes()):
        harness.test_one_input(data)
    subs = harness.read_bytes(template)
    assert subs and all(sub.form == "F01" for sub in subs)
