"""Commands find their working folder as git does, and use its registry (issue 13, item 1).

A working folder made with a 3-unit registry: ``forms make``, ``check``,
``status``, ``feedback``, ``report`` and ``trace`` use those 3 units — run from
inside the folder (or a folder in it), with ``-d``, and with ``--out`` inside
it — through the real entry point. Outside any working folder the bundled
sample is used and a line on standard error says so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from xlplan.cli import main
from xlplan.io.plans import load_plan
from xlplan.io.registry import load_registry
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import registration_values

from tests.test_words_vietnamese import assert_vietnamese

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "xlplan" / "data" / "registry" / "bac_ninh_2017.csv"
OURS = ["P_VUNINH", "P_DAPCAU", "P_THICAU"]  # the first three units of the sample registry
SENT = OURS[:2]  # who sent their registration (F01 2017)
OUTSIDER = "X_HOALONG"  # a sample unit that is not in the folder's registry


def run(*args: str | Path) -> Result:
    """The real entry point; every output is checked for English words (tests/test_words_vietnamese.py)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert_vietnamese(result)
    return result


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``base/TH``: a working folder of 3 units, two of which sent F01 2017; ``base/ngoai``: a sample unit's form."""
    base = tmp_path_factory.mktemp("working-folder")
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    (base / "reg.csv").write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    result = run("init", base / "TH", "--registry", base / "reg.csv")
    assert result.exit_code == 0, result.output
    assert "xlplan forms make F01 --period 2017" in result.stdout  # the next steps
    plan = load_plan()
    units = list(load_registry(None, plan))
    ours = [u for u in units if u.code in SENT]
    make_forms(plan, ours, "F01", "2017", base / "TH" / "NopBaoCao", values_by_unit=registration_values(ours, plan, 2017))
    outsider = [u for u in units if u.code == OUTSIDER]
    make_forms(plan, outsider, "F01", "2017", base / "ngoai", values_by_unit=registration_values(outsider, plan, 2017))
    return base


@pytest.fixture
def folder(base: Path, tmp_path: Path) -> Path:
    """A copy of the working folder for a test that writes in it."""
    return Path(shutil.copytree(base / "TH", tmp_path / "TH"))


def made(out: Path) -> list[str]:
    return sorted(p.name.split("_F0")[0] for p in out.glob("*.xlsx"))


def test_forms_make_uses_the_folders_registry_from_inside(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder / "NopBaoCao")  # a folder inside the working folder
    result = run("forms", "make", "F01", "--period", "2017")
    assert result.exit_code == 0, result.output
    assert made(folder / "GuiDonVi" / "F01_2017") == sorted(OURS)


def test_forms_make_with_d_and_with_out_inside(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # not a working folder
    with_d = run("forms", "make", "F02", "--period", "2017-01", "-d", folder)
    assert with_d.exit_code == 0, with_d.output
    assert made(folder / "GuiDonVi" / "F02_2017-01") == sorted(OURS)
    out = folder / "GuiDonVi" / "dot_1"
    with_out = run("forms", "make", "F01", "--period", "2017", "--out", out)
    assert with_out.exit_code == 0, with_out.output
    assert made(out) == sorted(OURS)


def test_outside_a_working_folder_the_sample_is_used_and_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("forms", "make", "F01", "--period", "2017", "--out", tmp_path / "mau", "--units", OUTSIDER)
    assert result.exit_code == 0, result.output
    assert made(tmp_path / "mau") == [OUTSIDER]
    assert "danh mục mẫu 80 đơn vị" in result.stderr
    no_out = run("forms", "make", "F01", "--period", "2017")
    assert no_out.exit_code == 2 and "--out" in no_out.stderr


def test_check_uses_the_folders_registry(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(base / "TH")
    inbox = run("check", "NopBaoCao")
    assert inbox.exit_code == 0, inbox.output
    assert "P_VUNINH — Đảng bộ phường Vũ Ninh; biểu F01, kỳ 2017" in inbox.stdout
    assert inbox.stdout.count("Tệp: ") == len(SENT)
    stranger = base / "ngoai" / f"{OUTSIDER}_F01_2017.xlsx"
    for args in (("check", stranger, "--json"), ("check", stranger, "--json", "-d", base / "TH")):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert "unit-unknown" in {f["code"] for f in json.loads(result.stdout)["findings"]}
    monkeypatch.chdir(base)
    alone = run("check", stranger, "--json")  # no working folder above it: no registry to compare with
    assert "unit-unknown" not in {f["code"] for f in json.loads(alone.stdout)["findings"]}
    assert "không đối chiếu danh mục" in alone.stderr


@pytest.mark.parametrize("where", ["inside", "-d", "positional", "sub-folder"])
def test_status_uses_the_folders_registry(base: Path, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    args: tuple[str | Path, ...] = ("status", "--form", "F01", "--period", "2017", "--json")
    if where == "inside":
        monkeypatch.chdir(base / "TH")
    else:
        monkeypatch.chdir(base)
        args += {"-d": ("-d", base / "TH"), "positional": (base / "TH",),
                 "sub-folder": (base / "TH" / "NopBaoCao",)}[where]
    result = run(*args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert sorted(r["ma"] for r in rows) == sorted(OURS)
    assert [r["ma"] for r in rows if r["dung_han"] == "Chưa nộp"] == [OURS[2]]


def test_feedback_report_and_trace_use_the_folder(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    feedback = run("feedback", "--deadline", "31/03/2017", "--json")
    assert feedback.exit_code in (0, 1), feedback.output
    letters = json.loads(feedback.stdout)["files"]
    assert letters and {f["unit"] for f in letters} <= set(OURS) and OURS[2] in {f["unit"] for f in letters}
    monkeypatch.chdir(tmp_path)
    report = run("report", "-d", folder, "--json")
    assert report.exit_code in (0, 1), report.output
    assert json.loads(report.stdout)["summary"]["so_don_vi"] == len(OURS)
    monkeypatch.chdir(folder / "KetQua")
    traced = run("trace", SENT[0], "dk_ket_nap", "--json")
    assert traced.exit_code == 0, traced.output
    assert f"{SENT[0]}_F01_2017.xlsx" in traced.stdout
    assert run("trace", OUTSIDER, "dk_ket_nap").exit_code == 2


def test_no_working_folder_is_refused_with_the_ways_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for command in ("consolidate", "status", "report", "feedback"):
        result = run(command)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("Lỗi:") and "-d THƯ_MỤC" in result.stderr and "xlplan init" in result.stderr
    assert run("trace", "P_VUNINH").exit_code == 2


def test_a_folder_inside_the_working_folder_is_no_new_working_folder(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``consolidate TH/NopBaoCao`` ran on TH/NopBaoCao and advised ``xlplan init TH/NopBaoCao`` (issue 13)."""
    monkeypatch.chdir(base)
    result = run("status", "TH/NopBaoCao", "--json")
    assert result.exit_code == 0, result.output
    assert "init" not in result.stderr and str(base / "TH") in result.stderr


def test_registry_show_shows_the_folders_registry(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(base / "TH" / "GuiDonVi")
    result = run("registry", "show", "--json")
    assert result.exit_code == 0, result.output
    assert [u["ma"] for u in json.loads(result.stdout)] == OURS
    monkeypatch.chdir(base)
    assert [u["ma"] for u in json.loads(run("registry", "show", "-d", "TH", "--json").stdout)] == OURS


def test_find_working_folder_survives_a_folder_it_may_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlplan.services import working_folder

    real = Path.is_file

    def is_file(self: Path) -> bool:
        if self.parent == tmp_path:
            raise PermissionError(13, "no permission", str(self))
        return real(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert working_folder.find_working_folder(tmp_path / "a" / "b") is None
