"""The Cấu hình sheet is obeyed: every yellow cell changes the run, a bad value is refused naming its cell.

Real working folders (``init_workspace``), real forms (``make_forms``, filled
by defined names), the Cấu hình cells typed with openpyxl as staff would type
them in Excel and saved, then the folder opened and consolidated as the CLI does.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.io.party_style import INPUT_FILL
from xlplan.services.consolidate import compute
from xlplan.services.forms import make_forms
from xlplan.services.settings import SettingsError
from xlplan.services.workspace import INBOX, WORKBOOK_NAME, init_workspace, open_workspace

@pytest.fixture()
def folder(tmp_path: Path, three_units: Path) -> Path:
    """Three units; two sent F01: P_AN dated 18/02/2017 (before the plan's 20/02), P_BINH dated 25/02/2017."""
    registry = three_units
    root = tmp_path / "TongHop"
    init_workspace(root, registry_name=registry)
    ws = open_workspace(root)
    values = {"P_AN": {"dv_tong_so": 320, "dk_ket_nap": 9, "ngay_lap": dt.date(2017, 2, 18)},
              "P_BINH": {"dv_tong_so": 280, "dk_ket_nap": 8, "ngay_lap": dt.date(2017, 2, 25)}}
    make_forms(ws.plan, list(ws.registry), "F01", "2017", root / INBOX, codes=list(values), values_by_unit=values,
               workers=1)
    return root


def type_settings(root: Path, **values: object) -> dict[str, str]:
    """Type values into the named Cấu hình cells and save, as staff would in Excel; returns their addresses."""
    path = root / WORKBOOK_NAME
    wb = openpyxl.load_workbook(path)
    addresses = {}
    for name, value in values.items():
        (sheet, ref), = wb.defined_names[name].destinations
        cell = wb[sheet][ref.replace("$", "")]
        cell.value = value
        addresses[name] = cell.coordinate
    wb.save(path)
    return addresses


def tracking(root: Path) -> tuple[dict[str, str], Fraction]:
    """Each unit's F01 timeliness, and the F01 completeness share, as a consolidation computes them."""
    result, _ = compute(open_workspace(root))
    states = {r["ma"]: r["dung_han"] for r in result.tables["tbl_theo_doi"] if r["bieu"] == "F01"}
    rate, = [r["ty_le_day_du"] for r in result.tables["tbl_ty_le_nop"] if r["bieu"] == "F01"]
    return states, rate


def test_the_registration_deadline_typed_on_cau_hinh_decides_timeliness(folder: Path) -> None:
    states, _ = tracking(folder)
    assert (states["P_AN"], states["P_BINH"]) == ("Đúng hạn", "Muộn")  # the plan's 20/02/2017
    type_settings(folder, cfg_han_dang_ky=dt.datetime(2017, 2, 28))
    assert open_workspace(folder).plan.due_date("F01", "2017") == dt.date(2017, 2, 28)
    states, _ = tracking(folder)
    assert (states["P_AN"], states["P_BINH"]) == ("Đúng hạn", "Đúng hạn")
    type_settings(folder, cfg_han_dang_ky="15/02/2017")  # typed as text in a text cell: read the same
    states, _ = tracking(folder)
    assert (states["P_AN"], states["P_BINH"]) == ("Muộn", "Muộn")


def test_rounding_mode_and_decimals_typed_on_cau_hinh_change_the_shares(folder: Path) -> None:
    assert tracking(folder)[1] == Fraction(6666, 10000)  # 2/3 cut at 2 decimals of a percent: the plan's
    type_settings(folder, cfg_lam_tron="tron")
    assert tracking(folder)[1] == Fraction(6667, 10000)
    type_settings(folder, cfg_so_le=1)
    assert tracking(folder)[1] == Fraction(667, 1000)
    type_settings(folder, cfg_lam_tron="Cắt", cfg_so_le=0)  # accents and case as people type them
    ws = open_workspace(folder)
    assert (ws.plan.rounding_mode, ws.plan.share_digits) == ("cat", 0)
    assert tracking(folder)[1] == Fraction(66, 100)


def test_the_decimals_typed_on_cau_hinh_are_how_the_shares_are_shown(folder: Path) -> None:
    from xlplan.io.city_layout import share_format
    from xlplan.services.consolidate import consolidate_folder

    type_settings(folder, cfg_so_le=1)
    consolidate_folder(folder, as_of=dt.date(2017, 2, 28))
    wb = openpyxl.load_workbook(folder / WORKBOOK_NAME)
    (sheet, ref), = wb.defined_names["tbl_ty_le_nop_data"].destinations
    first_row = next(iter(wb[sheet][ref.replace("$", "")]))
    shown = {c.number_format for c in first_row if isinstance(c.value, float)}
    assert shown == {share_format(1)}, shown


def test_the_as_of_date_is_read_and_the_command_line_overrides_it(folder: Path) -> None:
    assert open_workspace(folder).as_of is None  # empty: the day of the consolidation
    type_settings(folder, cfg_ngay_chot=dt.datetime(2017, 2, 28))
    assert open_workspace(folder).as_of == dt.date(2017, 2, 28)
    assert open_workspace(folder, as_of=dt.date(2017, 3, 31)).as_of == dt.date(2017, 3, 31)
    type_settings(folder, cfg_ngay_chot="2017-04-30")
    assert open_workspace(folder).as_of == dt.date(2017, 4, 30)


@pytest.mark.parametrize("name, value", [
    ("cfg_han_dang_ky", "hai mươi tháng hai"),
    ("cfg_han_dang_ky", dt.datetime(1917, 2, 20)),
    ("cfg_lam_tron", "lam tron len"),
    ("cfg_so_le", 9),
    ("cfg_so_le", 1.5),
    ("cfg_ngay_chot", "31/02/2017"),
    ("cfg_ke_hoach", "khong_co_ke_hoach"),
])
def test_a_bad_value_is_refused_naming_its_cell(folder: Path, name: str, value: object) -> None:
    address = type_settings(folder, **{name: value})[name]
    before = (folder / WORKBOOK_NAME).read_bytes()
    with pytest.raises(SettingsError) as caught:
        open_workspace(folder)
    assert [(p.name, p.cell) for p in caught.value.problems] == [(name, address)]
    result = CliRunner().invoke(main, ["consolidate", str(folder)])
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:") and "Traceback" not in result.output
    assert f"(ô {address})" in result.stderr and "Cấu hình" in result.stderr
    assert (folder / WORKBOOK_NAME).read_bytes() == before


def test_every_bad_cell_is_named_at_once(folder: Path) -> None:
    addresses = type_settings(folder, cfg_lam_tron="x", cfg_so_le="y")
    with pytest.raises(SettingsError) as caught:
        open_workspace(folder)
    assert {(p.name, p.cell) for p in caught.value.problems} == {(n, a) for n, a in addresses.items()}


def test_a_folder_setting_naming_a_file_is_refused(folder: Path) -> None:
    (folder / "hop_thu.txt").write_text("không phải thư mục", encoding="utf-8")
    address = type_settings(folder, cfg_thu_muc_nop="hop_thu.txt")["cfg_thu_muc_nop"]
    with pytest.raises(SettingsError) as caught:
        open_workspace(folder)
    assert [(p.name, p.cell) for p in caught.value.problems] == [("cfg_thu_muc_nop", address)]


def test_a_folder_setting_moves_the_inbox(folder: Path) -> None:
    (folder / INBOX).rename(folder / "Hop thu")
    type_settings(folder, cfg_thu_muc_nop="Hop thu")
    states, _ = tracking(folder)
    assert states["P_AN"] == "Đúng hạn"


def test_only_cells_that_are_read_look_editable(folder: Path) -> None:
    wb = openpyxl.load_workbook(folder / WORKBOOK_NAME)
    yellow = {name for name in wb.defined_names if name.startswith("cfg_")
              for sheet, ref in wb.defined_names[name].destinations
              if wb[sheet][ref.replace("$", "")].fill.fgColor.rgb == INPUT_FILL.fgColor.rgb}
    assert yellow == {"cfg_ke_hoach", "cfg_thu_muc_nop", "cfg_thu_muc_gui", "cfg_thu_muc_ket_qua",
                      "cfg_han_dang_ky", "cfg_lam_tron", "cfg_so_le", "cfg_ngay_chot", "cfg_nam_truoc"}
