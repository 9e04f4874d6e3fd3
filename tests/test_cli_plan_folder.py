"""``xlplan plan show`` without a file shows the working folder's plan (the Cấu hình sheet's), as other commands use it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from xlplan.cli import main


def test_plan_show_uses_the_working_folders_plan(tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "TongHop2018"
    made = runner.invoke(main, ["init", str(root), "--plan", "vi_du_2018_bon_muc"])
    assert made.exit_code == 0, made.output
    shown = runner.invoke(main, ["plan", "show", "-d", str(root), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["year"] == 2018
    here = os.getcwd()
    try:
        os.chdir(root / "NopBaoCao")  # from inside the folder, no -d
        inside = runner.invoke(main, ["plan", "show", "--json"])
        os.chdir(tmp_path)  # outside any working folder: the bundled 2017 plan
        outside = runner.invoke(main, ["plan", "show", "--json"])
    finally:
        os.chdir(here)
    assert json.loads(inside.stdout)["year"] == 2018
    assert json.loads(outside.stdout)["year"] == 2017
