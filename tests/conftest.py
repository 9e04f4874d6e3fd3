"""Shared fixtures: the bundled plan, the real LibreOffice and the demo workspace.

A test that needs LibreOffice takes the ``soffice`` fixture (or ``uno_python``
for UNO scripts). Outside CI a missing LibreOffice skips it with the reason;
with the ``CI`` environment variable set it FAILS: CI must never go green by
skipping the real-engine tests.

The demo workspace (478 filled unit forms, consolidated) takes half a minute to
build, so it is built once per session by ``xlplan demo`` (``demo_run``). Tests
that only read it take ``demo_workspace``; a test that changes a workspace takes
``demo_copy`` (or ``copy_demo`` from a module fixture) and works on its own copy.
The shared folder is fingerprinted: a test that changes it errors at teardown.

Tests that make reader workers die on purpose (a segfault, a memory cap, a native
parser's abort) read inside ``with expected_worker_deaths():`` so the dying
worker's fatal-error dump does not look like a crash of the suite.
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from xlplan.core.plan import Plan
from xlplan.io import libreoffice
from xlplan.io.plans import load_plan

from tests.support.corpus import require_corpus
from tests.support.libreoffice_uno import find_uno_python

LO_SCRIPTS = Path(__file__).parent / "lo_scripts"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require(found: str | None, what: str, install: str) -> str:
    if found:
        return found
    message = f"{what} not found ({install})"
    if _in_ci():
        pytest.fail(f"CI is set and {message}: the real-engine tests must run in CI", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path to LibreOffice's soffice; fails under CI when missing, skips elsewhere."""
    return _require(libreoffice.find_soffice(), "LibreOffice (soffice)", "apt-get install libreoffice-calc-nogui")


@pytest.fixture(scope="session")
def uno_python(soffice: str) -> str:
    """A Python that can import ``uno``, for :func:`tests.support.libreoffice_uno.run_script`."""
    return _require(find_uno_python(soffice), "LibreOffice's Python-UNO bridge",
                    "apt-get install python3-uno")


@pytest.fixture(scope="session")
def plan() -> Plan:
    """The bundled plan of Bắc Ninh 2017."""
    return load_plan()


@pytest.fixture(scope="session")
def lo_scripts() -> Path:
    """Folder of the LibreOffice-side (UNO) scripts the tests run with ``run_script``."""
    return LO_SCRIPTS


# -- the demo workspace, built once ------------------------------------------------------------

@dataclass(frozen=True)
class DemoRun:
    """The session's ``xlplan demo --out DIR`` run: its folder and what the command printed."""

    folder: Path
    result: Any  # click.testing.Result; typed loosely so this module needs no click at import


def _fingerprint(folder: Path) -> dict[str, tuple[int, int]]:
    """Path → (size, mtime) of every file: cheap, and enough to notice a test that wrote here."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def _cli_output_is_vietnamese(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every output of the ``xlplan`` CLI in any test is scanned for English words (issue 13).

    The deny-list and the scan are in ``tests/test_words_vietnamese.py``; JSON output, the
    developers' Markdown (``findings --markdown``) and the diagnostics ``-v`` adds (a bug's
    traceback) are not scanned.
    """
    from click.testing import CliRunner

    from tests.test_words_vietnamese import assert_vietnamese

    real = CliRunner.invoke

    def invoke(self: CliRunner, cli: Any, args: Any = None, *more: Any, **kwargs: Any) -> Any:
        result = real(self, cli, args, *more, **kwargs)
        if getattr(cli, "name", None) == "main" and not {"--markdown", "-v", "--verbose"} & set(args or ()):
            assert_vietnamese(result)
        return result

    monkeypatch.setattr(CliRunner, "invoke", invoke)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """``xlplan demo`` run once through the real entry point; READ ONLY for every test.

    The CLI is imported here, not at module level, so a broken CLI fails only the
    tests that use the demo.
    """
    from click.testing import CliRunner

    from xlplan.cli import main

    folder = tmp_path_factory.mktemp("demo-session") / "xlplan-demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    before = _fingerprint(folder)
    yield DemoRun(folder, result)
    after = _fingerprint(folder)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"a test changed the shared demo workspace (use demo_copy): {changed[:5]}"


@pytest.fixture(scope="session")
def demo_workspace(demo_run: DemoRun) -> Path:
    """The demo folder after ``xlplan demo``: 80 units, 478 forms, consolidated. Do not write in it."""
    return demo_run.folder


@pytest.fixture(scope="session")
def copy_demo(demo_workspace: Path) -> Callable[[Path], Path]:
    """A function copying the pristine demo folder to a new ``target`` (for module-scoped fixtures).

    ``copy2`` keeps the files' modification times: they date the submissions.
    """
    def copy(target: Path) -> Path:
        shutil.copytree(demo_workspace, target, copy_function=shutil.copy2)
        return target
    return copy


@pytest.fixture
def demo_copy(copy_demo: Callable[[Path], Path], tmp_path: Path) -> Path:
    """This test's own copy of the demo folder, free to change."""
    return copy_demo(tmp_path / "demo")


@pytest.fixture(scope="session")
def foreign_corpus() -> Path:
    """The foreign corpus beside the checkout (``../shared/corpus/foreign``); fails under CI when
    missing, skips elsewhere (:func:`tests.support.corpus.require_corpus`)."""
    return require_corpus()


# -- worker processes that die on purpose --------------------------------------------------------

_QUIET_INTO: list[Path] = []  # while not empty, forked children write their stderr into the last one
_FORK_HOOK: list[bool] = []  # registered once (os.register_at_fork cannot be undone)


def _quiet_child() -> None:
    """In a child forked while a death is expected: no faulthandler dump (pytest's is inherited
    through fork), and stderr (Python tracebacks, a Rust allocator's message) into the log."""
    if not _QUIET_INTO:
        return
    faulthandler.disable()
    fd = os.open(_QUIET_INTO[-1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115


@pytest.fixture(scope="session")
def expected_worker_deaths(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], AbstractContextManager[Path]]:
    """A context manager for reads whose worker processes crash or abort on purpose.

    Workers forked inside it start quiet (see :func:`_quiet_child`); their stderr goes to the
    yielded log file, kept for whoever debugs a failing test. Only ``fork`` children are
    affected (the intake's choice on Linux); the test process itself keeps its faulthandler.
    """
    log = tmp_path_factory.mktemp("worker-stderr") / "stderr.txt"

    @contextmanager
    def quiet() -> Iterator[Path]:
        if not _FORK_HOOK and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_quiet_child)
            _FORK_HOOK.append(True)
        _QUIET_INTO.append(log)
        try:
            yield log
        finally:
            _QUIET_INTO.remove(log)
    return quiet


THREE_UNITS_CSV = """ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he
P_AN,Đảng bộ phường An Bình,xa_phuong,có,320,14,
P_BINH,Đảng bộ phường Bình Minh,xa_phuong,có,280,12,
CQ_CHAU,Đảng bộ cơ quan Ủy ban nhân dân,co_quan,có,95,6,
"""


@pytest.fixture()
def three_units(tmp_path: Path) -> Path:
    """A three-unit registry CSV, under a name with Vietnamese letters (as on the Board's PCs)."""
    path = tmp_path / "danh_mục.csv"
    path.write_text(THREE_UNITS_CSV, encoding="utf-8")
    return path
