"""A report date outside the plan's years is a finding, not a timeliness decision (issue 12).

A form dated 01/01/1900 (or 2099) would otherwise make a report sent weeks
late "Đúng hạn". Real forms written with those dates, the file time after the
deadline, the real ``xlplan consolidate --json``: the unit's registration is
judged on the file time (late) and ``report-date-out-of-range`` names the cell.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.services.forms import make_forms
from xlplan.services.workspace import INBOX, open_workspace

from test_archive import small_folder


@pytest.mark.parametrize("typed", [dt.date(1900, 1, 1), dt.date(2099, 12, 31), dt.date(2015, 12, 31)])
def test_a_report_date_outside_the_plan_years_is_a_finding_and_the_file_time_judges(tmp_path: Path,
                                                                                    typed: dt.date) -> None:
    root = small_folder(tmp_path / "TongHop")
    ws = open_workspace(root)
    unit = next(u for u in ws.registry if u.code == "P_AN")
    source = root / INBOX / "P_AN_F01_2017.xlsx"
    source.unlink()
    make_forms(ws.plan, [unit], "F01", "2017", root / INBOX, workers=1,
               values_by_unit={"P_AN": {"dv_tong_so": 320, "dk_ket_nap": 9, "ngay_lap": typed}})
    late = dt.datetime(2017, 3, 15, 9, 0).timestamp()  # weeks after the registration deadline (20/02/2017)
    os.utime(source, (late, late))
    result = CliRunner().invoke(main, ["consolidate", str(root), "--as-of", "31/03/2017", "--json"])
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.output)["findings"]
    mine = [f for f in findings if f["unit"] == "P_AN" and f["file"] == "P_AN_F01_2017.xlsx"]
    odd = [f for f in mine if f["code"] == "report-date-out-of-range"]
    assert len(odd) == 1 and odd[0]["cell"] and odd[0]["field"] == "ngay_lap"
    assert any(f["code"] == "late-submission" for f in mine)  # judged on the file time: 15/03/2017


def test_a_report_date_in_the_plan_years_is_used_as_before(tmp_path: Path) -> None:
    root = small_folder(tmp_path / "TongHop")
    result = CliRunner().invoke(main, ["consolidate", str(root), "--as-of", "31/03/2017", "--json"])
    assert result.exit_code in (0, 1), result.output
    assert not [f for f in json.loads(result.output)["findings"] if f["code"] == "report-date-out-of-range"]
