"""Ctrl+C exits 130 with a Vietnamese line, and ``--json`` refusals are JSON (issue 12).

Exit code 1 means "errors found", so an interrupted run must never say it;
130 is what shells report for a process ended by Ctrl+C. Through the real entry
point, the interruption raised in a command's work, in its lazy imports and
while click parses the arguments (start-up).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import xlplan.cli._common as common
from xlplan.cli import main

from tests.test_words_vietnamese import assert_vietnamese


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert_vietnamese(result)
    return result


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def _interrupted(result: Result) -> None:
    assert result.exit_code == 130, result.output
    assert "Ctrl+C" in result.stderr and "Aborted" not in result.output and "Traceback" not in result.output


def test_ctrl_c_during_the_work_exits_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import xlplan.services.forms as forms

    monkeypatch.setattr(forms, "make_forms", _interrupt)
    _interrupted(run("forms", "make", "F01", "--period", "2017", "--out", tmp_path / "out", "--units", "P_VUNINH"))


def test_ctrl_c_while_the_arguments_are_read_exits_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(common.FolderType, "convert", _interrupt)
    _interrupted(run("status", tmp_path))
    monkeypatch.setattr(common.DayType, "convert", _interrupt)
    _interrupted(run("consolidate", "--as-of", "28/02/2017"))


def test_ctrl_c_while_a_command_imports_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import xlplan.services.plan_text as plan_text

    monkeypatch.setattr(plan_text, "plan_summary", _interrupt)  # what the command imports when it runs
    _interrupted(run("plan", "show"))


def test_json_refusals_are_json(tmp_path: Path) -> None:
    for args in (("status", "-d", tmp_path / "khong_co", "--json"),  # refused by click, while parsing
                 ("status", "--json", "-d", tmp_path),  # refused by the command: no working folder
                 ("check", tmp_path / "khong_co.xlsx", "--json")):
        result = run(*args)
        assert result.exit_code == 2, result.output
        data = json.loads(result.stdout)
        assert data["valid"] is False and data["exit_code"] == 2 and data["error"], args
    plain = run("status", "-d", tmp_path)
    assert plain.exit_code == 2 and plain.stderr.startswith("Lỗi:") and plain.stdout == ""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_a_real_ctrl_c_exits_130(tmp_path: Path) -> None:
    """A real SIGINT in the middle of ``demo`` (as the ``xlplan`` script runs it), not a simulated one."""
    script = "from xlplan.cli import main; main()"
    child = subprocess.Popen([sys.executable, "-c", script, "demo", "--out", str(tmp_path / "demo")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err
    assert "Ctrl+C" in err and "Traceback" not in err and "Aborted" not in err
