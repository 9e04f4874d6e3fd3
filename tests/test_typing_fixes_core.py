"""Regressions found while typing xlplan.core and xlplan.services for mypy."""

from __future__ import annotations

import subprocess
from pathlib import Path

from xlplan.services import addin


def _printing(stdout: str):
    def run(args, **kwargs):
        return subprocess.CompletedProcess(args, 0, stdout=stdout, stderr="")
    return run


def test_probe_reads_its_json_object(tmp_path: Path) -> None:
    out = '{"modules": ["xlplan.udfs"], "errors": {}, "xlwings": "0.33.0"}\n'
    assert addin.probe_interpreter(tmp_path / "python.exe", _printing(out))["xlwings"] == "0.33.0"


def test_probe_whose_last_line_is_json_but_no_object_is_no_result(tmp_path: Path) -> None:
    # A last line such as "3" is valid JSON but not the probe's object: it used to be returned
    # as is, and runtime_checks then failed on probe.get (AttributeError on an int).
    probe = addin.probe_interpreter(tmp_path / "python.exe", _printing("noise\n3\n"))
    assert probe == {"xlwings_error": "3", "errors": {}, "modules": []}
    checks = addin.runtime_checks(tmp_path / "python.exe", None, _printing("3\n"))
    assert not checks[0].ok
