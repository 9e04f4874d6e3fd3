"""A command does not import numpy (openpyxl would, only to accept numpy numbers in cells),
and a process that goes on afterwards imports it as usual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from xlplan.cli import main
try:
    main.main(["forms", "make", "F01", "--period", "2017", "--out", sys.argv[1]])
except SystemExit as exc:
    assert exc.code == 0, exc.code
import openpyxl
assert "numpy" not in sys.modules, "the command imported numpy"
import numpy
assert numpy.__name__ == "numpy"
print("ok")
"""


def test_a_command_runs_without_numpy_and_leaves_it_importable(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
    assert any((tmp_path / "out").rglob("*.xlsx"))
