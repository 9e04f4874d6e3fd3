"""684 real foreign spreadsheets (../shared/corpus/foreign): each ends in a read or a named refusal.

None is an xlplan form, so "a read" here means ``not-a-form``: the file was
opened, its names looked at, and no form found. The whole corpus goes through
``read_many`` in a child Python (so that its peak child RSS is the workers'
alone), a sample through ``xlplan check``, and all of it through
``consolidate_folder`` from a working folder whose inbox links to the corpus.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.core.plan import Plan
from xlplan.io.intake import READ, REFUSAL_CODES, outcome, read_many

from tests.support.corpus import FOREIGN_CORPUS

CORPUS = FOREIGN_CORPUS  # outside the repository: every test here takes it through _needs_corpus
OUTCOMES = set(REFUSAL_CODES) - {"file-too-slow"} | {READ}
SKIPPED = {"file-skipped", "file-duplicate", "duplicate-submission"}
MAX_RSS_MB = 500

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from xlplan.io.intake import outcome, read_many
paths = sorted(p for p in Path(sys.argv[1]).iterdir() if p.is_file())
started = time.monotonic()
subs = read_many(paths, engine=sys.argv[2])
elapsed = time.monotonic() - started
print(json.dumps({"outcomes": {p.name: outcome(s) for p, s in zip(paths, subs)}, "seconds": elapsed,
                  "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


@pytest.fixture(autouse=True, scope="module")
def _needs_corpus(foreign_corpus: Path) -> None:
    """Every test here reads the foreign corpus beside the checkout: fails under CI when it is
    missing, skips elsewhere (``tests/support/corpus.py``)."""


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_file())


def test_corpus_is_there() -> None:
    assert len(_corpus_files()) >= 684


@pytest.fixture(scope="module", params=["calamine", "openpyxl"])
def corpus_run(request: pytest.FixtureRequest) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(CORPUS), request.param], capture_output=True,
                          text=True, timeout=300, check=True)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["engine"] = request.param
    table = Counter(data["outcomes"].values())
    print(f"\ncorpus via read_many ({request.param}): {len(data['outcomes'])} files in {data['seconds']:.2f} s, "
          f"worker peak RSS {data['child_rss_mb']:.0f} MB")
    for code, count in table.most_common():
        print(f"  {code:20} {count:5}")
    return data


def test_every_corpus_file_ends_in_a_read_or_a_named_refusal(corpus_run: dict) -> None:
    outcomes = corpus_run["outcomes"]
    assert set(outcomes) == {p.name for p in _corpus_files()}
    assert set(outcomes.values()) <= OUTCOMES, Counter(outcomes.values())


def test_corpus_within_time_and_memory(corpus_run: dict) -> None:
    # No file reached its deadline (file-too-slow, 4 s): every read ended well under 5 s.
    assert "file-too-slow" not in corpus_run["outcomes"].values()
    assert corpus_run["seconds"] < 60
    assert 0 < corpus_run["child_rss_mb"] < MAX_RSS_MB


def test_corpus_refusals_are_named_right(corpus_run: dict) -> None:
    outcomes = corpus_run["outcomes"]
    encrypted = [name for name in outcomes if name.startswith("password_") and name.endswith(".xls")]
    assert encrypted and {outcomes[name] for name in encrypted} == {"file-encrypted"}
    assert {outcomes[n] for n in outcomes if n.endswith(".ods")} == {"format-unsupported"}
    assert {outcomes[n] for n in outcomes if n.endswith(".fods")} == {"format-unsupported"}
    # .xls and BIFF5 files are read (then found not to be forms), apart from the encrypted or damaged.
    legacy = [outcomes[n] for n in outcomes if n.lower().endswith((".xls", ".biff5"))]
    assert Counter(legacy)["not-a-form"] >= 0.85 * len(legacy)
    modern = Counter(outcomes[n] for n in outcomes if n.endswith(".xlsx"))
    if corpus_run["engine"] == "calamine":
        assert set(modern) == {"not-a-form"}
    else:  # openpyxl refuses a few (Strict OOXML, odd producers) as damaged, by name
        assert set(modern) <= {"not-a-form", "file-unreadable"} and modern["not-a-form"] >= 0.9 * sum(modern.values())


def test_check_command_on_a_corpus_sample() -> None:
    sample = _corpus_files()[::12]
    result = CliRunner().invoke(main, ["check", "--json", *map(str, sample)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    findings = json.loads(result.stdout)["findings"]  # a note about the folder goes to stderr
    by_file: dict[str, set[str]] = {}
    for item in findings:
        by_file.setdefault(Path(item["file"]).name, set()).add(item["code"])
    assert set(by_file) == {p.name for p in sample}
    refusals = set(REFUSAL_CODES)
    assert all(codes & refusals for codes in by_file.values()), by_file


def test_consolidate_a_folder_of_corpus_links(tmp_path: Path) -> None:
    from xlplan.services.consolidate import consolidate_folder
    from xlplan.services.workspace import init_workspace, open_workspace

    root = tmp_path / "ws"
    init_workspace(root)
    inbox = open_workspace(root).inbox
    for path in _corpus_files():
        (inbox / path.name).symlink_to(path)
    result = consolidate_folder(root)
    codes: dict[str, set[str]] = {}
    for item in result.findings:
        if item.file:
            codes.setdefault(Path(item.file).name, set()).add(item.code)
    assert set(codes) == {p.name for p in _corpus_files()}
    # a file LibreOffice converts says so (file-converted) beside what its reading ended in
    allowed = set(REFUSAL_CODES) | SKIPPED | {"file-converted", "needs-libreoffice"}
    assert all(found and found <= allowed and found - {"file-converted"} for found in codes.values()), \
        {name: found for name, found in codes.items() if not found <= allowed}


def test_read_many_in_process_sample_matches_outcome_set(plan: Plan) -> None:
    """A quick in-process sample (this process as parent) through the pool with two workers."""
    sample = _corpus_files()[5::17]
    subs = read_many(sample, plan, workers=2)
    assert len(subs) == len(sample)
    assert {outcome(s) for s in subs} <= OUTCOMES


def test_corpus_outcomes_summary(corpus_run: dict) -> None:
    """The reliability summary (code → count) agrees with the per-file outcomes of the same engine."""
    from xlplan.io.intake import corpus_outcomes

    summary = corpus_outcomes(CORPUS, engine=corpus_run["engine"])
    assert summary == dict(Counter(corpus_run["outcomes"].values()))
    assert list(summary.values()) == sorted(summary.values(), reverse=True)
