"""``xlplan plan new``: a plan file carried over to a new year, validated, never overwriting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from xlplan.cli import main
from xlplan.io.plans import load_plan


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_new_year_from_the_bundled_plan(tmp_path: Path) -> None:
    out = tmp_path / "ke_hoach_2018.toml"
    result = run("plan", "new", "--year", 2018, "--from", "bac_ninh_2017", "--out", out)
    assert result.exit_code == 0, result.output
    old, new = load_plan(), load_plan(out)
    assert (new.year, new.previous_year, new.previous_admission_plan) == (2018, 2017, old.city_admission_target)
    assert new.id == "bac-ninh-2018" and new.title.endswith("năm 2018")
    assert new.due_date("F01", "2018") == dt.date(2018, 2, 20)
    assert new.due_date("F02", "2018-01") == dt.date(2018, 2, 5)
    assert [r.id for r in new.rules] == [r.id for r in old.rules]  # the checks come along
    assert new.kinds == old.kinds and new.org_ratings == old.org_ratings
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Chép từ bac_ninh_2017.toml cho năm 2018")
    assert "# Rules are data" in text  # the comments are kept


def test_dates_shift_by_whole_years_and_29_february_survives(tmp_path: Path) -> None:
    source = tmp_path / "ke_hoach_2019.toml"
    assert run("plan", "new", "--year", 2020, "--from", "bac_ninh_2017", "--out", source).exit_code == 0
    text = source.read_text(encoding="utf-8").replace("2020-02-20", "2020-02-29")
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "ke_hoach_2021.toml"
    assert run("plan", "new", "--year", 2021, "--from", source, "--out", out).exit_code == 0
    assert load_plan(out).due_date("F01", "2021") == dt.date(2021, 2, 28)


def test_the_example_four_level_plan_carries_over(tmp_path: Path) -> None:
    out = tmp_path / "ke_hoach_2019.toml"
    assert run("plan", "new", "--year", 2019, "--from", "vi_du_2018_bon_muc", "--out", out).exit_code == 0
    plan = load_plan(out)
    assert plan.word("tsvm") == "hoàn thành xuất sắc nhiệm vụ" and "xuat_sac_toi_da_20" in {r.id for r in plan.rules}


def test_refusals_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "ke_hoach_2018.toml"
    out.write_text("x", encoding="utf-8")
    assert run("plan", "new", "--year", 2018, "--from", "bac_ninh_2017", "--out", out).exit_code == 2
    assert out.read_text(encoding="utf-8") == "x"  # never overwritten
    assert run("plan", "new", "--year", 2016, "--from", "bac_ninh_2017", "--out", tmp_path / "a.toml").exit_code == 2
    assert run("plan", "new", "--year", 2018, "--from", "khong_co", "--out", tmp_path / "b.toml").exit_code == 2
