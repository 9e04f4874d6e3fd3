"""Hostile files (tools.reliability.hostile_cases) through the intake: each ends in its expected read or refusal.

All cases are built once and read in one ``read_many`` call per engine; the
parametrized tests then check one case each, so a failure names the case.
"""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl.xml
import pytest

from test_reader import UNITS, make_form, sample_values
from xlplan.core.errors import XlplanError
from xlplan.core.plan import Plan
from xlplan.core.submission import Submission
from xlplan.io.form_reader import read_form
from xlplan.io.intake import outcome, read_many
from xlplan.io.readers import ENGINES, Limits

from tools.reliability.hostile_cases import CASE_IDS, READ, Case, build_cases

ENGINE_NAMES = sorted(ENGINES)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, plan: Plan, expected_worker_deaths) -> dict:
    """The cases, the valid form's read, and each engine's reads of every case (with its limits).

    Some cases kill their worker on purpose (calamine aborts when a sheet's rectangle exceeds the
    memory cap): the reads run with the workers' dumps kept out of the test output.
    """
    root = tmp_path_factory.mktemp("hostile")
    unit = UNITS[0]
    form = make_form(root / "valid.xlsx", "writer", "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    cases = {case.id: case for case in build_cases(form, root / "cases")}
    reads: dict[tuple[str, str], Submission] = {}
    seconds: dict[str, float] = {}
    for engine in ENGINE_NAMES:
        plain = [case for case in cases.values() if case.limits is None]
        started = time.monotonic()
        with expected_worker_deaths():
            for case, sub in zip(plain, read_many([c.path for c in plain], plan, engine=engine)):
                reads[(case.id, engine)] = sub
        seconds[engine] = time.monotonic() - started
        with expected_worker_deaths():
            for case in cases.values():
                if case.limits is not None:
                    [reads[(case.id, engine)]] = read_many([case.path], plan, engine=engine, limits=case.limits)
    return {"cases": cases, "valid": read_form(form, plan), "reads": reads, "seconds": seconds}


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("case_id", CASE_IDS)
def test_hostile_case_ends_in_its_outcome(hostile: dict, case_id: str, engine: str) -> None:
    case: Case = hostile["cases"][case_id]
    sub: Submission = hostile["reads"][(case_id, engine)]
    expected = case.expected(engine)
    assert outcome(sub) == expected, [(f.code, f.params) for f in sub.findings]
    assert sub.file == str(case.path)
    if expected == READ:
        valid = hostile["valid"]
        assert sub.as_dict() == valid.as_dict()
        assert (sub.form, sub.unit, sub.period) == (valid.form, valid.unit, valid.period)
        assert [f.code for f in sub.findings] == [f.code for f in valid.findings]
    else:
        assert [f.code for f in sub.findings] == [expected] and not sub.values


def test_all_hostile_cases_read_fast(hostile: dict) -> None:
    """The zip bomb and the million-row sheet are refused early, not after minutes of work."""
    assert all(seconds < 10 for seconds in hostile["seconds"].values()), hostile["seconds"]


def test_refusals_are_the_same_in_process(hostile: dict, plan: Plan) -> None:
    """read_form alone (no worker) names the cheap refusals exactly as the intake does."""
    for case in hostile["cases"].values():
        if case.id in ("million_rows",) or case.limits is not None:
            continue  # needs the worker's memory cap / the case's own limits
        sub = read_form(case.path, plan)
        assert outcome(sub) == case.expected("calamine"), case.id


def test_zip_bomb_is_refused_from_its_directory(hostile: dict, plan: Plan) -> None:
    """Refused by the cheap check: declared size and ratio, before anything is inflated."""
    case = hostile["cases"]["zip_bomb"]
    assert case.path.stat().st_size < 1024 * 1024
    started = time.monotonic()
    [sub] = read_many([case.path], plan, limits=Limits(seconds=30))
    assert outcome(sub) == "file-too-large" and time.monotonic() - started < 1.0


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_a_dtd_behind_a_stored_twin_entry_is_refused_as_a_dtd(hostile: dict, engine: str) -> None:
    """Two directory entries of the sheet at one offset, a fake "stored" one first: the DTD check
    inflates the real deflated entry too (the one the engines read), not only the fake one's bytes."""
    for case_id in ("laughs_sheet", "laughs_stored_twin"):
        sub = hostile["reads"][(case_id, engine)]
        assert [(f.code, "DTD" in f.params.get("reason", "")) for f in sub.findings] == [("file-unreadable", True)]


def test_reading_needs_defused_xml(monkeypatch: pytest.MonkeyPatch, hostile: dict, plan: Plan) -> None:
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(XlplanError):
        read_many([hostile["cases"]["shared_strings"].path], plan)


def test_case_files_exist_with_tricky_names(hostile: dict) -> None:
    names = {case.id: case.path.name for case in hostile["cases"].values()}
    assert names["name_lock_prefix"].startswith("~$")
    assert len(names["name_long"].encode()) > 200
    assert names["name_nfd"] != names["name_nfc"] and "\u0301" in names["name_nfd"]  # combining acute
    assert all(Path(case.path).is_file() for case in hostile["cases"].values())


def test_a_sheet_too_big_for_calamine_is_read_again_with_openpyxl(hostile: dict) -> None:
    """XFD1048576 filled: calamine's worker dies at its memory cap, the streaming engine reads the file."""
    sub = hostile["reads"][("million_rows", "calamine")]
    assert sub.engine == "openpyxl" and outcome(sub) == READ
    assert hostile["reads"][("shared_strings", "calamine")].engine == "calamine"
