"""Last year's folder as this year's baseline: ``xlplan init TH2018 --plan PLAN --previous TH2017``.

A 2017 folder of three units is consolidated with the bundled 2017 plan (TSVM scale) from its
year-end forms (F03 and the annual F02 of 2017); a 2018 folder under the four-level example
plan is started from it and consolidated with an empty inbox: its baseline columns and its
"năm trước" paragraph show the 2017 figures, read again from the 2017 archive.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.forms import make_forms
from xlplan.services.previous_year import SETTING, linked_folder
from xlplan.services.sample_data import CityTotals, annual_report_values, year_end_values
from xlplan.services.workspace import ARCHIVE, INBOX, init_workspace, open_workspace

TOTALS = CityTotals(units=3, members=700, assessed_units=3, tsvm=2, weak=0, members_assessed=600, excellent=60,
                    good_or_better=500, admitted=20, made_full=15)


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture()
def folder_2017(tmp_path: Path, three_units: Path) -> Path:
    root = tmp_path / "TH2017"
    init_workspace(root, None, three_units, as_of=dt.date(2018, 2, 1))
    ws = open_workspace(root)
    units = list(ws.registry)
    for form, values in (("F03", year_end_values(units, ws.plan, TOTALS, 7, year=2017)),
                         ("F02", annual_report_values(units, ws.plan, TOTALS, 7, year=2017))):
        make_forms(ws.plan, units, form, "2017", root / INBOX / form, values_by_unit=values)
    consolidate_folder(root)
    return root


def rows(result, table: str) -> dict[str, dict]:
    return {r["chi_tieu"]: r for r in result.consolidation.tables[table]}


def test_new_year_takes_last_years_figures_from_its_folder(tmp_path: Path, three_units: Path,
                                                           folder_2017: Path) -> None:
    root = tmp_path / "TH2018"
    done = cli("init", root, "--plan", "vi_du_2018_bon_muc", "--registry", three_units, "--previous", folder_2017)
    assert done.exit_code == 0, done.output
    ws = open_workspace(root)
    assert ws.settings[SETTING] == "../TH2017"  # the Cấu hình cell, relative: the folders move together
    assert linked_folder(root, ws.settings).resolve() == folder_2017.resolve()
    result = consolidate_folder(root, as_of=dt.date(2018, 3, 1))
    paragraph = result.consolidation.paragraph
    assert paragraph.startswith("Năm 2017, Đảng bộ Thành phố có 3 tổ chức cơ sở đảng với 700 đảng viên")
    assert "đảng hoàn thành xuất sắc nhiệm vụ là 2/3 = 66,66%" in paragraph  # TSVM mapped onto this year's words
    assert "500/600 đảng viên hoàn thành tốt nhiệm vụ trở lên = 83,33%" in paragraph
    assert "kết nạp 20 đảng viên mới" in paragraph
    lines = rows(result, "tbl_chi_tieu")
    assert lines["Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ"]["nam_truoc"] == "2/3 = 66,66%"
    assert lines["Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên"]["nam_truoc"] == "500/600 = 83,33%"
    city = [r for r in result.consolidation.tables["tbl_tong_hop"] if r["nhom"] == "Toàn thành phố"]
    assert [(r["nam"], r["so_tsvm"], r["dv_tong_so"]) for r in city][0] == ("2017", 2, 700)
    assert "TSVM" not in paragraph
    # the figures come from the values last year's consolidation stored: its archive is not needed
    shutil.rmtree(folder_2017 / ARCHIVE)
    again = consolidate_folder(root, as_of=dt.date(2018, 3, 1))
    assert again.consolidation.paragraph == paragraph


def test_without_a_mapping_each_year_keeps_its_words(tmp_path: Path, three_units: Path, folder_2017: Path) -> None:
    text = (resources.files("xlplan") / "data" / "plans" / "vi_du_2018_bon_muc.toml").read_text("utf-8")
    plan_file = tmp_path / "ke_hoach_2018.toml"
    plan_file.write_text("\n".join(line for line in text.splitlines() if not line.startswith("set_map")),
                         encoding="utf-8")
    assert "set_map" not in tomllib.loads(plan_file.read_text("utf-8"))["previous_year"]
    root = tmp_path / "TH2018"
    assert cli("init", root, "--plan", plan_file, "--registry", three_units, "--previous", folder_2017).exit_code == 0
    with sqlite3.connect(open_workspace(folder_2017).audit) as db:  # an older store without the values read:
        db.execute("DELETE FROM cell_values")  # the files are read again from the archive with last year's plan
    result = consolidate_folder(root, as_of=dt.date(2018, 3, 1))
    assert "đảng TSVM là 2/3 = 66,66%" in result.consolidation.paragraph
    row = rows(result, "tbl_chi_tieu")["Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ"]
    assert row["nam_truoc"] == "2/3 = 66,66% (trong sạch, vững mạnh)"


def test_previous_must_be_last_years_consolidated_folder(tmp_path: Path, three_units: Path) -> None:
    fresh = tmp_path / "TH2017"
    init_workspace(fresh, None, three_units)
    refused = cli("init", tmp_path / "A", "--plan", "vi_du_2018_bon_muc", "--previous", fresh)
    assert refused.exit_code == 2 and "chưa được tổng hợp" in refused.output
    assert not (tmp_path / "A").exists()  # nothing made
    wrong_year = cli("init", tmp_path / "B", "--previous", fresh)  # the 2017 plan's previous year is 2016
    assert wrong_year.exit_code == 2 and "năm 2017" in wrong_year.output
    missing = cli("init", tmp_path / "C", "--plan", "vi_du_2018_bon_muc", "--previous", tmp_path / "khong_co")
    assert missing.exit_code == 2
    assert not (tmp_path / "C").exists()
