"""read_many: a drop-in for read_form over many files, and its worker pool under failure.

The pool tests replace ``read_form`` inside the workers (``fork`` inherits the
patch) with one that sleeps, dies or crashes on a chosen file, and check that
exactly that file gets its refusal while every other file is still read.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from test_reader import PERIODS, UNITS, make_form, sample_values
from xlplan.core.plan import Plan
from xlplan.core.submission import Submission
from xlplan.io import intake
from xlplan.io.form_reader import read_form
from xlplan.io.intake import READ, outcome, read_many
from xlplan.io.readers import Limits


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> list[Path]:
    """Filled forms of every kind and period for three units, plus a broken and a foreign file."""
    root = tmp_path_factory.mktemp("intake")
    paths = []
    for unit in UNITS:
        for form, periods in PERIODS.items():
            for period in periods:
                paths.append(make_form(root / f"{unit.code}_{form}_{period}.xlsx", "writer", form, plan, unit,
                                       period, sample_values(form, plan, unit)))
    (root / "broken.xlsx").write_bytes(paths[0].read_bytes()[:500])
    (root / "notes.txt").write_text("không phải biểu mẫu", encoding="utf-8")
    return paths + [root / "broken.xlsx", root / "notes.txt", root / "missing.xlsx"]


def _same(a: Submission, b: Submission) -> None:
    assert (a.file, a.form, a.version, a.plan_id, a.plan_year, a.unit, a.period, a.engine, a.generator) == \
        (b.file, b.form, b.version, b.plan_id, b.plan_year, b.unit, b.period, b.engine, b.generator)
    assert a.values == b.values
    assert a.findings == b.findings


@pytest.mark.parametrize("workers", [1, 2])
def test_read_many_is_read_form_for_each_path_in_order(forms: list[Path], plan: Plan, workers: int) -> None:
    paths = forms * 3  # past FEW_FILES: the pool with chunks
    subs = read_many(paths, plan, workers=workers)
    singles = {path: read_form(path, plan) for path in forms}
    assert len(subs) == len(paths)
    for path, sub in zip(paths, subs):
        _same(sub, singles[path])
    assert [outcome(s) for s in subs[len(forms) - 3:len(forms)]] == ["file-unreadable"] * 3
    assert outcome(subs[0]) == READ


def test_few_files_and_no_files(forms: list[Path], plan: Plan) -> None:
    assert read_many([], plan) == []
    [sub] = read_many([forms[0]], plan, engine="openpyxl")
    _same(sub, read_form(forms[0], plan, "openpyxl"))


def test_progress_counts_every_file(forms: list[Path], plan: Plan) -> None:
    seen: list[tuple[int, int]] = []
    read_many(forms, plan, progress=lambda done, total: seen.append((done, total)))
    assert [done for done, _ in seen] == list(range(1, len(forms) + 1))
    assert {total for _, total in seen} == {len(forms)}


def test_unknown_engine_is_a_programming_error(forms: list[Path], plan: Plan) -> None:
    with pytest.raises(ValueError):
        read_many(forms[:1], plan, engine="pandas")


def _patched_reader(action: str, victim: str):
    real = intake.read_form

    def reader(path: str, *args, **kwargs) -> Submission:
        if Path(path).name == victim:
            if action == "sleep":
                time.sleep(60)
            elif action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif action == "segfault":
                os.kill(os.getpid(), signal.SIGSEGV)
        return real(path, *args, **kwargs)

    return reader


@pytest.mark.parametrize(("action", "code"), [
    ("sleep", "file-too-slow"),
    ("kill", "file-too-large"),  # what the kernel does to a process out of memory
    ("segfault", "file-unreadable"),  # a crash in a native parser
])
def test_a_failing_worker_costs_only_its_file(monkeypatch: pytest.MonkeyPatch, forms: list[Path], plan: Plan,
                                               action: str, code: str, expected_worker_deaths) -> None:
    good = [p for p in forms if p.suffix == ".xlsx" and p.exists() and p.name != "broken.xlsx"]
    paths = good + good[:9]  # 24 files, one worker: chunks of three, the victim in the middle of one
    victim = 10
    monkeypatch.setattr(intake, "read_form", _patched_reader(action, paths[victim].name))
    started = time.monotonic()
    with expected_worker_deaths():
        subs = read_many(paths, plan, workers=1, limits=Limits(seconds=1.0))
    assert time.monotonic() - started < 10
    outcomes = [outcome(s) for s in subs]
    assert outcomes[victim] == code and subs[victim].file == str(paths[victim])
    assert [subs[victim].findings[0].code] == [code]
    assert [o for i, o in enumerate(outcomes) if i != victim] == [READ] * (len(paths) - 1)
    assert subs[victim + 1].unit is not None  # the rest of the dead worker's chunk, read by its successor


def test_memory_cap_turns_a_runaway_read_into_file_too_large(monkeypatch: pytest.MonkeyPatch, forms: list[Path],
                                                              plan: Plan, expected_worker_deaths) -> None:
    """A read that allocates without bound hits the worker's address-space cap, not the machine."""
    real = intake.read_form

    def greedy(path: str, *args, **kwargs) -> Submission:
        if Path(path).name == forms[1].name:
            hoard = []
            while True:
                hoard.append(bytearray(16 * 1024 * 1024))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(intake, "read_form", greedy)
    with expected_worker_deaths():
        subs = read_many(forms[:3], plan, limits=Limits(memory_bytes=128 * 1024 * 1024))
    assert [outcome(s) for s in subs] == [READ, "file-too-large", READ]
