"""Cấu hình settings confined and bounded (issue 12): folders inside the working folder, plan files bounded.

The cells are typed with openpyxl and saved, as staff would in Excel, then
the real ``xlplan consolidate`` runs (click's CliRunner on the real entry
point; a real process where a hang is the failure). A refusal is exit 2, names
the cell and writes nothing outside the working folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.services.workspace import LOCK_NAME, WORKBOOK_NAME

from test_archive import small_folder
from test_settings import type_settings


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory.mktemp("relsettings") / "TongHop")


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "TongHop"
    shutil.copytree(template, root, copy_function=shutil.copy2)
    return root


def consolidate(folder: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["consolidate", str(folder), *extra])
    return result.exit_code, result.output


def refused(folder: Path, cell: str, *extra: str) -> str:
    before = (folder / WORKBOOK_NAME).read_bytes()
    code, output = consolidate(folder, *extra)
    assert code == 2, output
    assert f"ô {cell}" in output and "Lỗi không mong đợi" not in output
    assert (folder / WORKBOOK_NAME).read_bytes() == before
    assert not (folder / LOCK_NAME).exists()
    return output


def test_an_inbox_climbing_out_of_the_working_folder_is_refused(folder: Path) -> None:
    cells = type_settings(folder, cfg_thu_muc_nop="../../../../../../../../etc")
    output = refused(folder, cells["cfg_thu_muc_nop"])
    assert "ngoài thư mục làm việc" in output


@pytest.mark.parametrize("name", ["cfg_thu_muc_gui", "cfg_thu_muc_ket_qua"])
def test_an_absolute_folder_outside_needs_the_boards_flag(folder: Path, tmp_path: Path, name: str) -> None:
    elsewhere = tmp_path / "noi_khac"
    cells = type_settings(folder, **{name: str(elsewhere)})
    output = refused(folder, cells[name])
    assert "--allow-outside" in output and not elsewhere.exists()
    code, output = consolidate(folder, "--allow-outside")
    assert code in (0, 1), output


def test_an_output_folder_under_a_file_is_refused_naming_the_cell(folder: Path) -> None:
    cells = type_settings(folder, cfg_thu_muc_ket_qua=f"{WORKBOOK_NAME}/KetQua")
    output = refused(folder, cells["cfg_thu_muc_ket_qua"])
    assert "là một tệp" in output


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlplan", "consolidate", str(folder)], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("kind", ["device", "fifo", "nested", "huge", "overflow"])
def test_a_plan_file_that_is_no_plan_is_refused_at_once_naming_the_cell(folder: Path, kind: str) -> None:
    plan = folder / "ke_hoach.toml"
    if kind == "device":
        plan = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(plan)
    elif kind == "nested":
        plan.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    elif kind == "huge":
        plan.write_text("# " + "x" * (2 << 20) + "\n", encoding="utf-8")
    else:
        plan.write_text("nam = 1" + "0" * 5000 + "\n", encoding="utf-8")
    cells = type_settings(folder, cfg_ke_hoach=str(plan))
    done = _run(folder)  # a hang (FIFO) or reading /dev/zero until memory runs out fails by the timeout
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"ô {cells['cfg_ke_hoach']}" in done.stderr
    assert "Traceback" not in done.stderr and "Lỗi không mong đợi" not in done.stderr


@pytest.mark.parametrize("kind", ["nested", "overflow", "device", "fifo"])
def test_plan_show_refuses_a_plan_file_that_is_no_plan_without_a_traceback(tmp_path: Path, kind: str) -> None:
    plan = tmp_path / "ke_hoach.toml"
    if kind == "nested":
        plan.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    elif kind == "overflow":
        plan.write_text("nam = 1" + "0" * 5000 + "\n", encoding="utf-8")
    elif kind == "fifo":
        os.mkfifo(plan)
    else:
        plan = Path("/dev/zero")
    done = subprocess.run([sys.executable, "-m", "xlplan", "plan", "show", str(plan)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Lỗi không mong đợi" not in done.stderr


@pytest.mark.parametrize("kind", ["long-field", "device"])
def test_a_registry_with_a_field_over_the_csv_limit_or_a_device_is_a_finding(tmp_path: Path, kind: str) -> None:
    registry = tmp_path / "danh_muc.csv"
    if kind == "device":
        registry = Path("/dev/zero")
    else:
        registry.write_text("ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he\n"
                            f"P_AN,\"{'x' * 140_000}\",xa_phuong,có,320,14,\n", encoding="utf-8")
    for args in (["registry", "show", str(registry)], ["init", str(tmp_path / "TongHop"), "--registry", str(registry)]):
        done = subprocess.run([sys.executable, "-m", "xlplan", *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Traceback" not in done.stderr and "Lỗi không mong đợi" not in done.stderr
        assert "Không đọc được tệp" in done.stdout + done.stderr
