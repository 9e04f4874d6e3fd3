"""The committed ``workbook/SoTongHop.xlsx`` is what ``xlplan init`` makes today, and it works.

It is regenerated in a temporary folder (``init_workspace`` with the bundled
plan and registry) and compared by content — sheets, defined names, every
cell's value, merged ranges, conditional formats, validations, charts — so a
stale file fails with what differs and the command that refreshes it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlplan.core.summary_tables import SHEETS, summary_tables
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.forms import make_forms
from xlplan.services.workspace import INBOX, WORKBOOK_NAME, init_workspace, open_workspace

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / WORKBOOK_NAME
REGENERATE = ('python -c "import shutil,tempfile,pathlib; from xlplan.services.workspace import init_workspace; '
              "d=pathlib.Path(tempfile.mkdtemp()); shutil.copy(init_workspace(d/'w'), 'workbook/SoTongHop.xlsx')\"")
STALE = f"workbook/SoTongHop.xlsx is stale; regenerate it from the repository root with:\n  {REGENERATE}"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    return init_workspace(tmp_path_factory.mktemp("init") / "TongHop")


@pytest.fixture(scope="module")
def both_cells(fresh: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    return cells(COMMITTED), cells(fresh)


def cells(path: Path) -> dict[str, dict[str, Any]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb.worksheets}


def layout(path: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    with zipfile.ZipFile(path) as archive:
        charts = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    return {
        "sheets": wb.sheetnames,
        **{f"name {name}": dn.attr_text for name, dn in wb.defined_names.items()},
        "charts": charts,
        **{f"{ws.title}: merged": sorted(str(r) for r in ws.merged_cells.ranges) for ws in wb.worksheets},
        **{f"{ws.title}: conditional formats": sorted(
            (str(cf.sqref), tuple(str(f) for rule in cf.rules for f in rule.formula or ()))
            for cf in ws.conditional_formatting) for ws in wb.worksheets},
        **{f"{ws.title}: validations": sorted((str(dv.sqref), dv.type, dv.formula1, dv.formula2)
                                              for dv in ws.data_validations.dataValidation) for ws in wb.worksheets},
    }


def diff(old: dict[str, Any], new: dict[str, Any], limit: int = 8) -> list[str]:
    lines = [f"{key}: committed {old.get(key)!r}, generated {new.get(key)!r}"
             for key in sorted(set(old) | set(new), key=str) if old.get(key) != new.get(key)]
    return lines[:limit] + ([f"... and {len(lines) - limit} more"] if len(lines) > limit else [])


def test_committed_workbook_exists() -> None:
    assert COMMITTED.is_file(), ("workbook/SoTongHop.xlsx is missing; make it from the repository root with:\n  "
                                 + REGENERATE)


@pytest.mark.parametrize("sheet", SHEETS)
def test_cell_values_are_current(both_cells, sheet: str) -> None:
    committed, generated = both_cells
    assert sheet in committed, STALE
    problems = diff(committed[sheet], generated[sheet])
    assert problems == [], f"sheet '{sheet}' differs:\n  " + "\n  ".join(problems) + "\n" + STALE


def test_sheets_names_charts_and_formats_are_current(fresh: Path) -> None:
    problems = diff(layout(COMMITTED), layout(fresh))
    assert problems == [], "\n  ".join(["layout differs:"] + problems) + "\n" + STALE


def test_committed_workbook_is_a_ready_working_folder(tmp_path: Path) -> None:
    """Copied next to an inbox, it opens with the 80-unit registry and consolidates a unit's form."""
    root = tmp_path / "TongHop2017"
    (root / INBOX).mkdir(parents=True)
    shutil.copy2(COMMITTED, root / WORKBOOK_NAME)
    ws = open_workspace(root)
    assert (len(ws.registry), ws.registry.total_members(), ws.plan.year) == (80, 8877, 2017)
    assert ws.settings["cfg_han_dang_ky"] == dt.date(2017, 2, 20)
    unit = ws.registry.get("P_VUNINH")
    make_forms(ws.plan, [unit], "F01", "2017", root / INBOX, values_by_unit={"P_VUNINH": {
        "dv_tong_so": 480, "dk_xep_loai": "Trong sạch, vững mạnh", "dk_ket_nap": 10,
        "ngay_lap": dt.date(2017, 2, 15)}})
    result = consolidate_folder(root, as_of=dt.date(2017, 2, 21))  # the registration round
    assert result.files == 1
    wb = openpyxl.load_workbook(root / WORKBOOK_NAME)
    (sheet, ref), = wb.defined_names["tbl_dang_ky_data"].destinations
    rows = [dict(zip(summary_tables(ws.plan)["tbl_dang_ky"].column_ids, (c.value for c in row)))
            for row in wb[sheet][ref.replace("$", "")]]
    assert len(rows) == 80
    vu_ninh = next(r for r in rows if r["ma"] == "P_VUNINH")
    assert (vu_ninh["dk_ket_nap"], vu_ninh["trang_thai"]) == (10, "Đúng hạn")
    missing = sorted(f.unit for f in result.findings
                     if f.code == "missing-submission" and f.params.get("form") == "F01")
    assert len(missing) == 79 and "P_VUNINH" not in missing
