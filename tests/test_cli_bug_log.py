"""A bug in a command: a short Vietnamese message naming the log file on the console, the traceback in the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.cli import main


def _explode(*args: object, **kwargs: object) -> None:
    raise ZeroDivisionError("a bug in xlplan")


@pytest.mark.parametrize("verbose", [False, True])
def test_a_bug_shows_a_message_and_keeps_the_traceback_in_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   verbose: bool) -> None:
    import xlplan.services.plan_text as plan_text

    monkeypatch.setattr(plan_text, "plan_summary", _explode)
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local Ứng dụng"))
    monkeypatch.delenv("XLPLAN_LOG", raising=False)
    result = CliRunner().invoke(main, (["-v"] if verbose else []) + ["plan", "show"])
    log = tmp_path / "Local Ứng dụng" / "xlplan" / "xlplan.log"
    assert result.exit_code == 2
    message = result.stderr.split("ZeroDivisionError: a bug in xlplan\n")[-1] if verbose else result.stderr
    assert message.lstrip().startswith("Lỗi: Lỗi không mong đợi (ZeroDivisionError: a bug in xlplan)")
    assert str(log) in result.stderr
    assert ("Traceback" in result.output) is verbose  # only -v puts it on the console
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "_explode" in text and "plan show" in text
