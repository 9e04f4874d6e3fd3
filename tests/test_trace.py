"""``xlplan trace`` (issue 6): the file, sheet and cell behind a summary number, and its history.

A small real working folder goes through three consolidations: the original
January report of P_AN; a corrected copy under a new name (one admission more,
later form date); then the original is deleted and the corrected file is
overwritten by a second correction under the same name. The trace must name
the cell each version was read from — checked against the archived bytes with
openpyxl — and keep the versions no longer in the inbox, in order.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlplan.cli.trace import trace_cmd
from xlplan.core.forms import form_spec
from xlplan.io.form_writer import write_form
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.sample_data import monthly_report_values, registration_values
from xlplan.services.trace import REMOVED, SUPERSEDED, USED, trace
from xlplan.services.workspace import INBOX, open_workspace

from test_archive import small_folder

ORIGINAL, CORRECTED = "P_AN_F02_2017-01.xlsx", "P_AN_F02_2017-01 (sửa).xlsx"


def send_correction(root: Path, extra: int) -> int:
    """Write CORRECTED with ``extra`` admissions more than the original; returns its kn_trong_ky."""
    ws = open_workspace(root)
    units = list(ws.registry)
    values = dict(monthly_report_values(units, ws.plan, registration_values(units, ws.plan, 3), 3)["P_AN"]["2017-01"])
    values.update(kn_trong_ky=values["kn_trong_ky"] + extra, kn_luy_ke=values["kn_luy_ke"] + extra,
                  dv_cuoi_ky=values["dv_cuoi_ky"] + extra, ngay_lap=dt.date(2017, 2, 10 + extra))
    unit = next(u for u in units if u.code == "P_AN")
    write_form(root / INBOX / CORRECTED, form_spec("F02", ws.plan), ws.plan, unit, "2017-01", values)
    return values["kn_trong_ky"]


def cell_in_archive(root: Path, archived: str, sheet: str, cell: str) -> object:
    wb = openpyxl.load_workbook(root / archived, read_only=True)
    try:
        return wb[sheet][cell].value
    finally:
        wb.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    root = small_folder(tmp_path_factory.mktemp("trace") / "TongHop")
    consolidate_folder(root)
    original = trace(root, "P_AN", "kn_trong_ky")[0].cells[0]
    first = send_correction(root, 1)
    consolidate_folder(root)
    (root / INBOX / ORIGINAL).unlink()
    second = send_correction(root, 2)
    consolidate_folder(root)
    return root, [int(original.value), first, second]


def test_the_used_value_is_traced_to_its_file_sheet_and_cell(folder: tuple[Path, list[int]]) -> None:
    root, values = folder
    [item] = trace(root, "p_an", "kn_trong_ky", period="2017-01")
    assert (item.unit, item.form, item.period, item.field) == ("P_AN", "F02", "2017-01", "kn_trong_ky")
    version, cell = item.used
    assert version.file == CORRECTED and version.status == USED
    assert int(cell.value) == values[2]
    assert cell_in_archive(root, version.archived, cell.sheet, cell.cell) == values[2]


def test_earlier_submissions_are_kept_in_order_with_their_values(folder: tuple[Path, list[int]]) -> None:
    root, values = folder
    [item] = trace(root, "P_AN", "kn_trong_ky", form="F02")
    assert [(v.file, v.status) for v in item.versions] == [(ORIGINAL, REMOVED), (CORRECTED, REMOVED),
                                                          (CORRECTED, USED)]
    assert [int(c.value) for c in item.cells] == values
    for version, cell in zip(item.versions, item.cells):
        assert cell_in_archive(root, version.archived, cell.sheet, cell.cell) == int(cell.value)
    assert [[(c.field, c.before, c.after) for c in changes] for changes in item.changes] == [
        [("kn_trong_ky", str(values[0]), str(values[1]))], [("kn_trong_ky", str(values[1]), str(values[2]))]]


def test_without_a_field_every_changed_cell_is_listed(folder: tuple[Path, list[int]]) -> None:
    root, _ = folder
    [item] = trace(root, "P_AN", form="F02")
    changed = [{c.field for c in changes} for changes in item.changes]
    assert changed == [{"kn_trong_ky", "kn_luy_ke", "dv_cuoi_ky", "ngay_lap"}] * 2
    assert [c.after for c in item.changes[0] if c.field == "ngay_lap"] == ["11/02/2017"]
    [f01] = trace(root, "P_AN", form="F01")
    assert [v.status for v in f01.versions] == [USED] and f01.changes == []


def test_a_superseded_file_still_in_the_inbox(tmp_path: Path, folder: tuple[Path, list[int]]) -> None:
    root = tmp_path / "TongHop"
    shutil.copytree(folder[0], root, copy_function=shutil.copy2)
    first = trace(root, "P_AN", "kn_trong_ky")[0].versions[0]
    shutil.copy2(root / first.archived, root / INBOX / ORIGINAL)  # the unit sends its first report again
    consolidate_folder(root)
    [item] = trace(root, "P_AN", "kn_trong_ky")
    assert [(v.file, v.status) for v in item.versions] == [(CORRECTED, REMOVED), (ORIGINAL, SUPERSEDED),
                                                          (CORRECTED, USED)]


def test_the_command_prints_json_and_exits_2_on_what_it_cannot_trace(folder: tuple[Path, list[int]],
                                                                     tmp_path: Path) -> None:
    root, values = folder
    runner = CliRunner()
    ok = runner.invoke(trace_cmd, ["P_AN", "kn_trong_ky", "--period", "2017-01", "-d", str(root), "--json"])
    assert ok.exit_code == 0, ok.output
    [item] = json.loads(ok.stdout)
    assert (item["don_vi"], item["bieu"], item["ky"]) == ("P_AN", "F02", "2017-01")
    assert [int(v["o"]["value"]) for v in item["phien_ban"]] == values
    text = runner.invoke(trace_cmd, ["P_AN", "kn_trong_ky", "-d", str(root)])
    cell = trace(root, "P_AN", "kn_trong_ky")[0].used[1]
    assert text.exit_code == 0 and CORRECTED in text.stdout and f"ô {cell.cell}" in text.stdout
    for args in (["X_KHONG", "kn_trong_ky"], ["P_AN", "khong_co_o_nay"], ["P_AN", "--period", "2017-12"]):
        bad = runner.invoke(trace_cmd, [*args, "-d", str(root)])
        assert bad.exit_code == 2 and bad.stderr.startswith("Lỗi:"), (args, bad.output)
    empty = small_folder(tmp_path / "Moi")
    fresh = runner.invoke(trace_cmd, ["P_AN", "kn_trong_ky", "-d", str(empty)])
    assert fresh.exit_code == 2 and "xlplan consolidate" in fresh.stderr
