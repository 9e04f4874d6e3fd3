"""The ribbon macros (issue 4) on xlwings's own remote engine, against the real city workbook.

Excel is not here, so each button runs the way xlwings Server runs code for
Excel: the workbook arrives as the JSON payload xlwings's VBA client
(``Remote.bas``) sends, is opened with ``xw.Book(json=...)``, and everything
the macro does comes back as ``book.json()["actions"]``. :func:`payload` builds
that payload from a real ``SoTongHop.xlsx``; :class:`Model` applies the
actions to a copy of its values the way Excel enters them (``setValues``,
``rangeClearContents``, ``namesAdd``/``setNameRefersTo`` …; text arrives
marked with ``'``, dates as ISO text — anything else would be re-read by Excel
and fails the test). The result is compared, anchor by anchor, with what
``xlplan consolidate`` writes with openpyxl for the same inbox.

The remote engine is an xlwings PRO engine: the tests set
``XLWINGS_LICENSE_KEY=noncommercial`` (test-only; nothing at run time needs it).
The payload's book name is the workbook's full path: desktop Excel reports a
saved book's full name, and this is how the remote engine learns it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # test-only, before xlwings loads its engines

import openpyxl
import pytest
import xlwings as xw

from xlplan import __version__, macros
from xlplan.core.call_list import TABLE_ID as CALL_TABLE
from xlplan.core.call_list import call_table
from xlplan.core.report_sections import BOARD_CELLS, GENERATED_CELLS
from xlplan.core.summary_tables import REPORT_CELLS, summary_tables
from xlplan.io.plans import load_plan
from xlplan.services import excel_book
from xlplan.services.check import check_files
from xlplan.io.audit_store import AuditStore
from xlplan.services.archive import sha256_of
from xlplan.services.consolidate import consolidate_folder, discover
from xlplan.services.workspace import (ARCHIVE, AUDIT_NAME, INBOX, LOCK_NAME, OUTBOX, OUTPUT, WORKBOOK_NAME,
                                       init_workspace, lock_workspace, open_workspace)

if "remote" not in [engine.name for engine in xw.engines]:  # xlwings was imported before the key was set
    from xlwings.pro import _xlremote

    xw.engines.add(xw.main.Engine(impl=_xlremote.engine))

RIBBON = Path(__file__).resolve().parents[1] / "addin" / "customUI14.xml"
RIBBON_IDS = {"xlp_khoi_tao", "xlp_tao_bieu_mau", "xlp_tong_hop", "xlp_kiem_tra", "xlp_theo_doi", "xlp_phan_hoi",
              "xlp_xuat_pdf", "xlp_mo_thu_muc", "xlp_gioi_thieu"}
PLAN = load_plan()
TABLES = {**summary_tables(PLAN), CALL_TABLE: call_table()}  # the call list is written with the tracking
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)?$")
DATA_FUNCS = {"setValues", "rangeClearContents", "rangeClear", "namesAdd", "setNameRefersTo", "nameDelete",
              "setNumberFormat", "addSheet", "sheetDelete", "sheetClear", "sheetClearContents"}


# -- the client side: payload and actions ----------------------------------------------------

def payload(path: Path, name: str | None = None) -> dict[str, Any]:
    """What xlwings's VBA client (Remote.bas) sends for the workbook at ``path``.

    Each sheet's values from A1 to its used range (empty cells "", numbers as
    doubles, dates as ISO text); the names that refer to ranges, with the target
    sheet's index and a relative address. Formula cells carry their cached
    value, which a file written by openpyxl does not have (they are empty here;
    no macro reads them).
    """
    wb = openpyxl.load_workbook(path, data_only=True)

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if isinstance(value, dt.date):
            return f"{value.isoformat()}T00:00:00.000Z"
        return str(value)

    sheets = [{"name": ws.title, "pictures": [], "tables": [],
               "values": [[cell(v) for v in row] for row in ws.iter_rows(max_col=ws.max_column, values_only=True)]
               or [[]]} for ws in wb.worksheets]
    names = []
    for defined in wb.defined_names.values():
        targets = list(defined.destinations)
        if len(targets) == 1:
            sheet, ref = targets[0]
            names.append({"name": defined.name, "sheet_index": wb.sheetnames.index(sheet),
                          "address": ref.replace("$", ""), "book_scope": True, "scope_sheet_name": None,
                          "scope_sheet_index": None})
    for index, ws in enumerate(wb.worksheets):  # names Excel keeps per sheet (print setup, autofilter)
        builtin = {"Print_Area": ws.print_area, "Print_Titles": ws.print_title_rows, "_FilterDatabase": ws.auto_filter.ref}
        for local, ref in builtin.items():
            if ref:
                names.append({"name": f"'{ws.title}'!{local}", "sheet_index": index,
                              "address": ref.rsplit("!", 1)[-1].replace("$", ""), "book_scope": False,
                              "scope_sheet_name": ws.title, "scope_sheet_index": index})
    data = {"client": "VBA", "version": xw.__version__,
            "book": {"name": name or str(path), "active_sheet_index": wb.index(wb.active), "selection": "A1"},
            "names": names, "sheets": sheets}
    return json.loads(json.dumps(data))  # what crosses the wire is JSON


def _loaded(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, str) and ISO.match(value):
        return dt.datetime.fromisoformat(value.rstrip("Z"))
    return value


def _entered(value: Any) -> Any:
    """A value as Excel stores it when the client enters it (Remote.bas setValues: ISO text → date)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:]
        if ISO.match(value):
            return dt.datetime.fromisoformat(value.rstrip("Z"))
        raise AssertionError(f"text {value!r} was written without the text mark: Excel would re-read it")
    return value


def _ref(text: str, sheets: list[str]) -> tuple[int, str]:
    match = re.fullmatch(r"='((?:[^']|'')+)'!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)", text)
    assert match, text
    return sheets.index(match[1].replace("''", "'")), match[2].replace("$", "")


def _corners(address: str) -> tuple[int, int, int, int]:
    first, _, last = address.partition(":")
    (c1, r1), (c2, r2) = (openpyxl.utils.cell.coordinate_from_string(a) for a in (first, last or first))
    return (r1, openpyxl.utils.column_index_from_string(c1), r2, openpyxl.utils.column_index_from_string(c2))


class Model:
    """The workbook's values and names as Excel holds them after it has run the actions."""

    def __init__(self, data: dict[str, Any]):
        self.sheets = [s["name"] for s in data["sheets"]]
        self.cells: dict[tuple[int, int, int], Any] = {}
        for index, sheet in enumerate(data["sheets"]):
            for r, row in enumerate(sheet["values"], 1):
                for c, value in enumerate(row, 1):
                    if _loaded(value) is not None:
                        self.cells[(index, r, c)] = _loaded(value)
        self.names = {n["name"]: (n["sheet_index"], n["address"]) for n in data["names"]}
        self.alerts: list[list[Any]] = []

    def apply(self, actions: list[dict[str, Any]]) -> "Model":
        for action in actions:
            getattr(self, action["func"])(action)  # an action this model does not know fails the test
        return self

    def setValues(self, a: dict[str, Any]) -> None:
        for dr, row in enumerate(a["values"]):
            for dc, value in enumerate(row):
                key = (a["sheet_position"], a["start_row"] + dr + 1, a["start_column"] + dc + 1)
                self.cells[key] = _entered(value)
                if self.cells[key] is None:
                    del self.cells[key]

    def rangeClearContents(self, a: dict[str, Any]) -> None:
        for dr in range(a["row_count"]):
            for dc in range(a["column_count"]):
                self.cells.pop((a["sheet_position"], a["start_row"] + dr + 1, a["start_column"] + dc + 1), None)

    def setNumberFormat(self, a: dict[str, Any]) -> None:
        assert a["row_count"] >= 1 and isinstance(a["args"][0], str)  # formats, not values

    def setScreenUpdating(self, a: dict[str, Any]) -> None:
        pass

    def namesAdd(self, a: dict[str, Any]) -> None:
        self.names[a["args"][0]] = _ref(a["args"][1], self.sheets)

    def setNameRefersTo(self, a: dict[str, Any]) -> None:
        assert a["args"][0] in self.names
        self.names[a["args"][0]] = _ref(a["args"][3], self.sheets)

    def alert(self, a: dict[str, Any]) -> None:
        self.alerts.append(a["args"])

    def region(self, name: str) -> tuple[str, int, int, int, int]:
        sheet, address = self.names[name]
        return (self.sheets[sheet], *_corners(address))

    def value(self, sheet: str, row: int, col: int) -> Any:
        return self.cells.get((self.sheets.index(sheet), row, col))


def file_region(wb: openpyxl.Workbook, name: str) -> tuple[str, int, int, int, int]:
    (sheet, ref), = wb.defined_names[name].destinations
    return (sheet, *_corners(ref.replace("$", "")))


def run(path: Path, control_id: str, name: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """Run a button on the workbook at ``path`` through the remote engine: (payload, actions, message)."""
    data = payload(path, name)
    book = xw.Book(json=copy.deepcopy(data))  # the engine updates its payload in place (names, sheets)
    try:
        message = macros.dispatch(control_id, book)
        return data, book.json()["actions"], message or ""
    finally:
        book.close()


def assert_written_like_the_file(data: dict[str, Any], actions: list[dict[str, Any]], expected: Path,
                                 tables: list[str], cells: tuple[str, ...] = ()) -> Model:
    """Apply the actions; each table's region and values (and what was below it) equal the file's."""
    model = Model(data).apply(actions)
    before = Model(data)
    wb = openpyxl.load_workbook(expected)
    for table in tables:
        sheet, top, left, bottom, right = file_region(wb, table + "_data")
        assert model.region(table + "_data") == (sheet, top, left, bottom, right), table
        old_bottom = before.region(table + "_data")[3]
        for row in range(top, max(bottom, old_bottom) + 1):
            for col in range(left, right + 1):
                want = wb[sheet].cell(row, col).value
                got = model.value(sheet, row, col)
                assert got == want, f"{table} {sheet}!{openpyxl.utils.get_column_letter(col)}{row}: {got!r} != {want!r}"
    for name in cells:
        sheet, row, col, _, _ = file_region(wb, name)
        assert model.value(sheet, row, col) == wb[sheet].cell(row, col).value, name
    untouched = {n for n in before.names if n.removesuffix("_data") not in tables}
    assert {n: model.names[n] for n in untouched} == {n: before.names[n] for n in untouched}
    return model


def data_actions(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in actions if a["func"] in DATA_FUNCS]


def audit_runs(root: Path) -> list[dict[str, Any]]:
    """The runs in the working folder's audit store (none when there is no store)."""
    if not (root / OUTPUT / AUDIT_NAME).is_file():
        return []
    with AuditStore(root / OUTPUT / AUDIT_NAME) as store:
        return store.runs()


# -- folders ------------------------------------------------------------------------------------

@pytest.fixture
def demo(demo_workspace: Path) -> Path:
    """``xlplan demo``: the 80-unit sample folder, consolidated (built once per session; read only: copy it)."""
    return demo_workspace


def copy_folder(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, copy_function=shutil.copy2)  # keep the files' times: they date submissions
    return target


@pytest.fixture
def fresh(tmp_path, demo) -> Path:
    """A new working folder (``xlplan init``) whose inbox holds the demo's files: nothing consolidated yet."""
    root = tmp_path / "moi"
    init_workspace(root)
    shutil.rmtree(root / INBOX)
    shutil.copytree(demo / INBOX, root / INBOX, copy_function=shutil.copy2)
    return root


# -- the contract with the ribbon ------------------------------------------------------------

def test_every_ribbon_button_has_a_macro_and_every_macro_a_button():
    assert set(macros.BUTTONS) == RIBBON_IDS
    ids = {b.get("id") for b in ET.parse(RIBBON).iter() if b.tag.endswith("}button")}
    assert ids == set(macros.BUTTONS)
    assert set(macros.LABELS) == set(macros.BUTTONS)
    assert all(callable(f) for f in macros.BUTTONS.values())


# -- Tổng hợp: the acceptance test -------------------------------------------------------------

def test_tong_hop_writes_what_consolidate_writes_into_a_new_workbook(fresh, tmp_path):
    twin = copy_folder(fresh, tmp_path / "cli")
    data, actions, message = run(fresh / WORKBOOK_NAME, "xlp_tong_hop")
    result = consolidate_folder(twin)
    assert_written_like_the_file(data, actions, twin / WORKBOOK_NAME, list(TABLES),
                                 (*REPORT_CELLS, *GENERATED_CELLS, *BOARD_CELLS))  # the report's sections too
    assert actions[-1]["func"] == "alert" and "Kiểm tra" in actions[-1]["args"][0]
    assert f"Đã tổng hợp {result.files} tệp" in message
    assert (fresh / OUTPUT / "SaoLuu").is_dir()  # the saved file was backed up, as the CLI does


def test_tong_hop_keeps_what_the_board_typed_on_bao_cao(fresh, tmp_path):
    wb = openpyxl.load_workbook(fresh / WORKBOOK_NAME)
    typed = {"bc_so": "Số 123-BC/TU", "bc_noi_ngay": "Bắc Ninh, ngày 05 tháng 3 năm 2017"}
    for name, text in typed.items():
        (sheet, ref), = wb.defined_names[name].destinations
        wb[sheet][ref.replace("$", "")].value = text
    wb.save(fresh / WORKBOOK_NAME)
    twin = copy_folder(fresh, tmp_path / "cli")
    data, actions, _ = run(fresh / WORKBOOK_NAME, "xlp_tong_hop")
    consolidate_folder(twin)
    model = assert_written_like_the_file(data, actions, twin / WORKBOOK_NAME, list(TABLES), REPORT_CELLS)
    written = openpyxl.load_workbook(twin / WORKBOOK_NAME)
    for name, text in typed.items():
        sheet, row, col, _, _ = file_region(written, name)
        assert model.value(sheet, row, col) == written[sheet].cell(row, col).value == text, name
    paragraph = file_region(written, "bc_doan_van")
    assert model.value(*paragraph[:3]) and model.value(*paragraph[:3]) != Model(data).value(*paragraph[:3])


def test_tong_hop_clears_what_a_smaller_inbox_no_longer_fills(demo, tmp_path):
    root = copy_folder(demo, tmp_path / "nho")
    for folder in (root / INBOX).iterdir():
        if folder.name != "F01_2017":  # registrations only: no progress, no assessment
            shutil.rmtree(folder)
    twin = copy_folder(root, tmp_path / "cli")
    data, actions, _ = run(root / WORKBOOK_NAME, "xlp_tong_hop")
    consolidate_folder(twin)
    model = assert_written_like_the_file(data, actions, twin / WORKBOOK_NAME, list(TABLES), REPORT_CELLS)
    shrunk = [t for t in TABLES if model.region(t + "_data")[3] < Model(data).region(t + "_data")[3]]
    assert shrunk and any(a["func"] == "rangeClearContents" for a in actions)


def test_rows_below_the_style_row_get_its_number_formats(fresh):
    data, actions, _ = run(fresh / WORKBOOK_NAME, "xlp_tong_hop")
    _, header, left, _, _ = Model(data).region("tbl_ty_le_nop")
    share = left - 1 + TABLES["tbl_ty_le_nop"].column_ids.index("ty_le_day_du")  # 0-based, as actions count
    formats = [a for a in actions if a["func"] == "setNumberFormat" and a["sheet_position"] == 7
               and a["start_column"] <= share < a["start_column"] + a["column_count"]]
    assert formats and formats[0]["args"] == ["0.00%"] and formats[0]["start_row"] == header + 1


# -- Tổng hợp is audited as ``xlplan consolidate`` is ----------------------------------------------

INPUT_COLUMNS = ("name", "name_nfc", "size", "sha256", "format", "engine", "unit", "form", "period", "resubmission",
                 "state", "received", "archived")


def test_tong_hop_records_the_run_its_inputs_and_their_states_like_the_cli(fresh, tmp_path):
    inbox = fresh / INBOX
    (inbox / "ghi_chu.txt").write_text("không phải báo cáo", encoding="utf-8")  # skipped
    openpyxl.Workbook().save(inbox / "khong_phai_bieu_mau.xlsx")  # refused: not a form
    first = sorted(inbox.rglob("*_F01_2017.xlsx"))[0]
    again = first.with_name("gui_lai_" + first.name)  # the unit sent it again: the old copy is superseded
    shutil.copy(first, again)
    os.utime(again, (first.stat().st_mtime + 3600,) * 2)
    twin = copy_folder(fresh, tmp_path / "cli")
    saved = sha256_of(fresh / WORKBOOK_NAME)
    _, _, message = run(fresh / WORKBOOK_NAME, "xlp_tong_hop")
    cli = consolidate_folder(twin)
    (ran,) = audit_runs(fresh)
    assert (ran["command"], ran["status"], ran["message"]) == ("excel:xlp_tong_hop", macros.OPEN_BOOK_STATUS, None)
    assert ran["finished"] and f"Lần tổng hợp số {ran['id']}" in message
    with AuditStore(fresh / OUTPUT / AUDIT_NAME) as store, AuditStore(twin / OUTPUT / AUDIT_NAME) as theirs:
        inputs = store.inputs(ran["id"])
        expected = theirs.inputs(cli.run_id)
        # every input, with the state it ended in, exactly as the CLI records it for the same inbox
        assert [[r[c] for c in INPUT_COLUMNS] for r in inputs] == [[r[c] for c in INPUT_COLUMNS] for r in expected]
        assert {r["state"] for r in inputs} == {"used", "superseded", "refused", "skipped"}
        assert len(store.findings(ran["id"])) == len(theirs.findings(cli.run_id)) > 0
        used = [r for r in inputs if r["state"] == "used"]
        assert store.values(used[0]["sha256"])  # the values read, for ``xlplan trace``
        (output,) = store.outputs(ran["id"])
    # the open book was written, not saved: the file on disk is as before, and was backed up
    assert sha256_of(fresh / WORKBOOK_NAME) == saved
    assert output["path"] == WORKBOOK_NAME and output["sha256"] == saved
    assert output["action"] == macros.OPEN_BOOK_STATUS and sha256_of(fresh / output["backup"]) == saved
    archived = [r for r in inputs if r["state"] != "skipped"]
    assert archived and all(r["archived"].startswith(f"{ARCHIVE}/sha256/") for r in archived)
    assert all(sha256_of(fresh / r["archived"]) == r["sha256"] for r in archived)  # the archive holds the inputs
    assert not (fresh / LOCK_NAME).exists()  # the lock is released


@pytest.mark.parametrize("control_id", ["xlp_tong_hop", "xlp_theo_doi", "xlp_xuat_pdf"])
def test_a_second_consolidation_while_one_runs_is_refused_and_writes_nothing(fresh, control_id):
    with lock_workspace(fresh, "consolidate"):  # a consolidation (CLI or another Excel) is running
        _, actions, message = run(fresh / WORKBOOK_NAME, control_id)
        assert (fresh / LOCK_NAME).is_file()  # still the other run's
    assert [a["func"] for a in actions] == ["alert"] and actions[0]["args"][3] == "critical"
    assert message.startswith(f"«{macros.LABELS[control_id]}» chưa thực hiện được:")
    assert "đang được một lần tổng hợp khác sử dụng" in message and "Hãy chờ lần đó chạy xong" in message
    assert "Traceback" not in message
    assert audit_runs(fresh) == [] and not (fresh / ARCHIVE).exists() and not (fresh / OUTPUT / "SaoLuu").exists()
    assert not (fresh / OUTPUT / "BaoCao_2017.pdf").exists()


def test_a_lock_from_another_computer_names_it_and_is_left_alone(fresh):
    holder = {"pid": 4242, "host": "MAY-VAN-PHONG", "time": "2017-06-01 08:00:00", "command": "consolidate"}
    (fresh / LOCK_NAME).write_text(json.dumps(holder), encoding="utf-8")
    _, actions, message = run(fresh / WORKBOOK_NAME, "xlp_tong_hop")
    assert [a["func"] for a in actions] == ["alert"] and "máy 'MAY-VAN-PHONG'" in message and LOCK_NAME in message
    assert json.loads((fresh / LOCK_NAME).read_text(encoding="utf-8")) == holder and audit_runs(fresh) == []


def test_unsaved_registry_changes_stop_before_any_write_and_the_run_is_recorded_failed(fresh):
    data = payload(fresh / WORKBOOK_NAME)
    unit = open_workspace(fresh).registry.units[0]
    sheet = next(s for s in data["sheets"] if s["name"] == excel_book.REGISTRY_SHEET)
    row, col = next((r, c) for r, values in enumerate(sheet["values"]) for c, v in enumerate(values) if v == unit.name)
    sheet["values"][row][col] = unit.name + " (tên mới, chưa lưu)"
    book = xw.Book(json=data)
    message = macros.dispatch("xlp_tong_hop", book)
    assert [a["func"] for a in book.json()["actions"]] == ["alert"]
    assert "thay đổi chưa lưu" in message and "Ctrl+S" in message and "Traceback" not in message
    (ran,) = audit_runs(fresh)
    assert ran["status"] == "failed" and "XlplanError" in ran["message"]
    assert not (fresh / LOCK_NAME).exists() and not (fresh / OUTPUT / "SaoLuu").exists()


# -- the other buttons -------------------------------------------------------------------------

def test_kiem_tra_lists_the_findings_of_xlplan_check_with_the_registry(fresh):
    data, actions, message = run(fresh / WORKBOOK_NAME, "xlp_kiem_tra")
    ws = open_workspace(fresh)
    found = discover(ws.inbox)
    findings = list(found.skipped) + check_files(found.files, ws.plan, ws.registry).findings
    model = Model(data).apply(actions)
    sheet, top, left, bottom, right = model.region("tbl_kiem_tra_data")
    rows = [[model.value(sheet, r, c) or "" for c in range(left, right + 1)] for r in range(top, bottom + 1)]
    expected = [[str(v) for v in row.values()] for row in excel_book.finding_rows(findings)]
    assert rows == expected and any(r[0] == "Lỗi" for r in rows)
    assert {a["sheet_position"] for a in data_actions(actions) if a["sheet_position"] is not None} == {8}
    assert f"Đã kiểm tra {len(found.files)} tệp" in message
    assert audit_runs(fresh) == [] and not (fresh / ARCHIVE).exists()  # a check: not audited, nothing archived


def test_theo_doi_writes_the_tracking_tables_as_consolidate_does(fresh, tmp_path):
    twin = copy_folder(fresh, tmp_path / "cli")
    data, actions, message = run(fresh / WORKBOOK_NAME, "xlp_theo_doi")
    consolidate_folder(twin)
    assert_written_like_the_file(data, actions, twin / WORKBOOK_NAME, ["tbl_theo_doi", "tbl_ty_le_nop", CALL_TABLE])
    assert "F01 kỳ 2017: đã nộp 79/80 (98,75%)" in message and "chưa nộp" in message
    (ran,) = audit_runs(fresh)  # audited like «Tổng hợp»; only the tracking tables written, no backup
    assert (ran["command"], ran["status"]) == ("excel:xlp_theo_doi", macros.OPEN_BOOK_STATUS)
    with AuditStore(fresh / OUTPUT / AUDIT_NAME) as store:
        assert store.inputs(ran["id"]) and [o["backup"] for o in store.outputs(ran["id"])] == [None]
    assert not (fresh / OUTPUT / "SaoLuu").exists() and f"Lần tổng hợp số {ran['id']}" in message


def test_tao_bieu_mau_writes_this_years_registration_form_for_every_unit(fresh):
    _, actions, message = run(fresh / WORKBOOK_NAME, "xlp_tao_bieu_mau")
    made = sorted(p.name for p in (fresh / OUTBOX).glob("*_F01_2017.xlsx"))
    assert len(made) == 80 and "P_VUNINH_F01_2017.xlsx" in made
    assert data_actions(actions) == [] and "Đã tạo 80 biểu mẫu F01" in message


def test_mo_thu_muc_says_where_the_inbox_is_off_windows(fresh):
    _, actions, message = run(fresh / WORKBOOK_NAME, "xlp_mo_thu_muc")
    assert str(fresh / INBOX) in message and [a["func"] for a in actions] == ["alert"]


def test_gioi_thieu_shows_versions_and_checks_the_installation(fresh):
    _, actions, message = run(fresh / WORKBOOK_NAME, "xlp_gioi_thieu")
    assert f"xlplan {__version__}" in message and f"xlwings {xw.__version__}" in message
    assert "✓ Kế hoạch có sẵn" in message and f"thư mục làm việc {fresh}" in message
    # No pywin32 here: the line says so (import xlwings alone would have passed).
    assert "✗ Máy chủ hàm của Excel (pywin32): không nạp được xlwings._xlwindows" in message
    assert [a["func"] for a in actions] == ["alert"]


def test_khoi_tao_on_a_city_workbook_makes_the_missing_folders(fresh):
    shutil.rmtree(fresh / OUTBOX)
    _, actions, message = run(fresh / WORKBOOK_NAME, "xlp_khoi_tao")
    assert (fresh / OUTBOX).is_dir() and "80 đơn vị" in message and data_actions(actions) == []


def test_khoi_tao_without_a_city_workbook_asks_then_creates_one(tmp_path, monkeypatch):
    folder = tmp_path / "TongHop"
    folder.mkdir()
    plain = openpyxl.Workbook()
    plain.save(folder / "Book1.xlsx")
    _, actions, _ = run(folder / "Book1.xlsx", "xlp_khoi_tao")
    assert [a["args"][2] for a in actions] == ["yes_no"]  # the remote engine answers later: nothing created
    assert not (folder / WORKBOOK_NAME).exists()
    monkeypatch.setattr(macros, "confirm", lambda book, prompt: True)
    _, actions, message = run(folder / "Book1.xlsx", "xlp_khoi_tao")
    assert (folder / WORKBOOK_NAME).is_file() and all((folder / f).is_dir() for f in (INBOX, OUTBOX, OUTPUT))
    assert open_workspace(folder).plan.year == 2017 and str(folder / WORKBOOK_NAME) in message


def test_khoi_tao_for_an_unsaved_workbook_proposes_a_folder_in_documents(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Documents").mkdir()
    plain = openpyxl.Workbook()
    plain.save(tmp_path / "Book1.xlsx")
    monkeypatch.setattr(macros, "confirm", lambda book, prompt: False)
    message = macros.dispatch("xlp_khoi_tao", xw.Book(json=payload(tmp_path / "Book1.xlsx", name="Book1")))
    assert str(tmp_path / "Documents" / "XayDungDang2017") in message
    assert not (tmp_path / "Documents" / "XayDungDang2017").exists()


def test_phan_hoi_writes_feedback_files_without_touching_the_workbook(demo, tmp_path):
    root = copy_folder(demo, tmp_path / "ph")
    _, actions, message = run(root / WORKBOOK_NAME, "xlp_phan_hoi")
    folder = root / OUTBOX / "PhanHoi"
    letters = [p for p in folder.glob("*_phanhoi.xlsx") if p.stem.count("_F0") == 0]  # one per unit
    assert letters and f"Đã tạo {len(letters)} công văn (Số 1-CV/BTCTU đến Số {len(letters)}-CV/BTCTU)" in message
    assert all(p.with_suffix(".pdf").is_file() or "chưa in ra PDF" in message for p in letters)
    assert data_actions(actions) == []


def test_xuat_pdf_refreshes_the_report_and_prints_it(fresh, tmp_path, soffice):
    twin = copy_folder(fresh, tmp_path / "cli")
    data, actions, message = run(fresh / WORKBOOK_NAME, "xlp_xuat_pdf")
    consolidate_folder(twin)
    assert_written_like_the_file(data, actions, twin / WORKBOOK_NAME, list(TABLES), REPORT_CELLS)
    pdf = fresh / OUTPUT / "BaoCao_2017.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and str(pdf) in message
    assert [(r["command"], r["status"]) for r in audit_runs(fresh)] == [("excel:xlp_xuat_pdf", macros.OPEN_BOOK_STATUS)]


# -- errors: a message box, never a traceback, and the workbook as it was --------------------

@pytest.mark.parametrize("control_id", sorted(RIBBON_IDS - {"xlp_gioi_thieu"}))
def test_an_unsaved_workbook_gets_a_message_and_no_write(fresh, control_id):
    _, actions, message = run(fresh / WORKBOOK_NAME, control_id, name=WORKBOOK_NAME)
    assert [a["func"] for a in actions] == ["alert"] and actions[0]["args"][3] == "critical"
    assert "chưa được lưu" in message and "Traceback" not in message


@pytest.mark.parametrize("control_id", sorted(RIBBON_IDS))
def test_an_unexpected_error_is_logged_and_shown_briefly(fresh, control_id, monkeypatch):
    def boom(*args: Any) -> Any:
        raise RuntimeError("boom")

    if control_id == "xlp_gioi_thieu":
        monkeypatch.setattr(macros, "installation_checks", boom)
    else:
        monkeypatch.setattr(excel_book, "is_city_book", boom)
    _, actions, message = run(fresh / WORKBOOK_NAME, control_id)
    assert [a["func"] for a in actions] == ["alert"] and actions[0]["args"][3] == "critical"
    assert "RuntimeError: boom" in message and "Traceback" not in message
    log = (fresh / macros.LOG_NAME).read_text(encoding="utf-8")
    assert "Traceback" in log and control_id in log


def test_a_table_that_would_grow_into_a_named_cell_stops_before_any_write(fresh):
    data = payload(fresh / WORKBOOK_NAME)
    data["names"].append({"name": "ghi_chu", "sheet_index": 8, "address": "B6", "book_scope": True,
                          "scope_sheet_name": None, "scope_sheet_index": None})
    book = xw.Book(json=data)
    message = macros.dispatch("xlp_tong_hop", book)
    assert "ghi_chu" in message and [a["func"] for a in book.json()["actions"]] == ["alert"]


@pytest.mark.parametrize("setting, value, control_id, words", [
    ("cfg_ke_hoach", "khong_co_ke_hoach", "xlp_tong_hop", "Ô «Kế hoạch» ở trang Cấu hình"),
    ("cfg_nam", 2018.0, "xlp_tao_bieu_mau", "Ô «Năm kế hoạch» ở trang Cấu hình ghi 2018"),
    ("cfg_so_le", 9.0, "xlp_tong_hop", "Ô «Số chữ số thập phân của tỷ lệ %» ở trang Cấu hình (ô B12)"),
    ("cfg_lam_tron", "len", "xlp_theo_doi", "Ô «Cách làm tròn tỷ lệ» ở trang Cấu hình (ô B11)"),
    ("cfg_han_dang_ky", "20-2", "xlp_tong_hop", "Ô «Hạn nộp đăng ký» ở trang Cấu hình (ô B10)"),
    ("cfg_ngay_chot", "mai", "xlp_tong_hop", "Ô «Ngày chốt số liệu» ở trang Cấu hình (ô B13)"),
])
def test_a_bad_setting_names_the_cell_to_fix(fresh, setting, value, control_id, words):
    data = payload(fresh / WORKBOOK_NAME)
    sheet, address = next((n["sheet_index"], n["address"]) for n in data["names"] if n["name"] == setting)
    row, col, _, _ = _corners(address)
    data["sheets"][sheet]["values"][row - 1][col - 1] = value
    book = xw.Book(json=data)
    message = macros.dispatch(control_id, book)
    assert words in message and [a["func"] for a in book.json()["actions"]] == ["alert"]
    assert not list((fresh / OUTBOX).iterdir())


def test_khoi_tao_with_no_workbook_open_works_on_the_blank_book_the_ribbon_added(tmp_path, monkeypatch):
    # OnAction adds a blank "Book1" when nothing is open; «Khởi tạo» offers the folder and says
    # the blank book will be closed. A saved or non-empty book is the user's and is not closed.
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Documents").mkdir()
    blank = openpyxl.Workbook()
    blank.save(tmp_path / "Book1.xlsx")
    asked = []
    monkeypatch.setattr(macros, "confirm", lambda book, prompt: asked.append(prompt) or False)
    book = xw.Book(json=payload(tmp_path / "Book1.xlsx", name="Book1"))
    assert excel_book.is_blank_new_book(book)
    macros.dispatch("xlp_khoi_tao", book)
    assert "Sổ trống «Book1» sẽ được đóng" in asked[-1]
    blank.active["C3"] = "ghi chú"
    blank.save(tmp_path / "Book2.xlsx")
    typed_in = xw.Book(json=payload(tmp_path / "Book2.xlsx", name="Book2"))
    saved = xw.Book(json=payload(tmp_path / "Book1.xlsx"))
    assert not excel_book.is_blank_new_book(typed_in) and not excel_book.is_blank_new_book(saved)
    macros.dispatch("xlp_khoi_tao", typed_in)
    assert "sẽ được đóng" not in asked[-1]


class _DesktopBook:
    """Just enough of a desktop (COM) Book for :func:`macros._open`: the remote engine cannot open files."""

    def __init__(self, opened: list[str]):
        self.opened, self.closed = opened, False
        self.app = self
        self.engine = type("Engine", (), {"name": "excel"})()
        self.books = self

    def open(self, path: str) -> "_DesktopBook":
        self.opened.append(path)
        return _DesktopBook(self.opened)

    def close(self) -> None:
        self.closed = True


def test_opening_the_city_workbook_closes_only_the_blank_book(tmp_path):
    for close_blank in (True, False):
        caller = _DesktopBook([])
        opened = macros._open(caller, tmp_path / WORKBOOK_NAME, close_blank=close_blank)
        assert opened is not caller and caller.opened == [str(tmp_path / WORKBOOK_NAME)]
        assert caller.closed is close_blank and not opened.closed


def test_an_unknown_button_and_a_missing_caller(fresh, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # where the log goes without a workbook
    book = xw.Book(json=payload(fresh / WORKBOOK_NAME))
    assert "xlp_khong_co" in macros.dispatch("xlp_khong_co", book)
    with pytest.raises(SystemExit):
        macros.dispatch("xlp_tong_hop")  # no Excel called us: RunPython would show stderr
    err = capsys.readouterr().err  # ASCII: RunPython reads it in the ANSI code page
    assert err.isascii() and "could not find the open Excel workbook" in err
    assert "xlp_tong_hop" in (tmp_path / macros.LOG_NAME).read_text(encoding="utf-8")


def test_the_city_workbook_is_found_behind_an_add_in_caller(fresh, tmp_path):
    plain = openpyxl.Workbook()
    plain.save(tmp_path / "addin.xlsx")
    caller = xw.Book(json=payload(tmp_path / "addin.xlsx"))
    city = xw.Book(json=payload(fresh / WORKBOOK_NAME))  # opened last: the active book
    assert macros.target_book(caller) == city and macros.target_book(city) == city


def test_text_that_excel_would_reinterpret_is_written_as_text(fresh):
    book = xw.Book(json=payload(fresh / WORKBOOK_NAME))
    writes = excel_book.plan_writes(book, PLAN, {"tbl_kiem_tra": [
        {"muc_do": "=1+1", "ma_loi": "2017-01", "don_vi": "TRUE", "tep": "'x", "o": "", "noi_dung": "a\x07b"}]})
    excel_book.apply_writes(book, writes)
    model = Model(payload(fresh / WORKBOOK_NAME)).apply(book.json()["actions"])
    sheet, top, left, _, _ = model.region("tbl_kiem_tra_data")
    assert [model.value(sheet, top, left + i) for i in range(6)] == ["=1+1", "2017-01", "TRUE", "'x", None, "ab"]


def test_the_about_check_names_the_udfs_without_importing_the_udf_face():
    """«Giới thiệu» reads the UDF names from the source (a service must not import a face): the same list."""
    from xlplan import udfs
    from xlplan.services.ribbon import udf_names

    assert udf_names() == [f.__name__ for f in udfs.UDFS]


# -- the Board's settings and other programs ------------------------------------------------------

def type_settings(path: Path, **values: Any) -> None:
    """Type values into named Cấu hình cells of the saved workbook, as staff would, and save."""
    wb = openpyxl.load_workbook(path)
    for name, value in values.items():
        sheet, top, left, _, _ = file_region(wb, name)
        wb[sheet].cell(top, left).value = value
    wb.save(path)


def test_tong_hop_obeys_the_settings_on_cau_hinh_as_the_cli_does(fresh, tmp_path):
    type_settings(fresh / WORKBOOK_NAME, cfg_lam_tron="tron", cfg_so_le=1, cfg_han_dang_ky=dt.datetime(2017, 3, 10))
    twin = copy_folder(fresh, tmp_path / "cli")
    data, actions, _ = run(fresh / WORKBOOK_NAME, "xlp_tong_hop")
    result = consolidate_folder(twin)
    plan = result.workspace.plan
    assert (plan.rounding_mode, plan.share_digits, plan.due_date("F01", "2017")) == ("tron", 1, dt.date(2017, 3, 10))
    model = assert_written_like_the_file(data, actions, twin / WORKBOOK_NAME, list(TABLES))
    sheet, top, left, bottom, _ = model.region("tbl_ty_le_nop_data")
    column = left + summary_tables(plan)["tbl_ty_le_nop"].column_ids.index("ty_le_day_du")
    shares = [model.value(sheet, row, column) for row in range(top, bottom + 1)]
    assert shares and all(round(v * 1000, 6) == int(round(v * 1000)) for v in shares if v is not None)


def test_tong_hop_refuses_unsaved_settings_naming_them(fresh):
    data = payload(fresh / WORKBOOK_NAME)
    sheet, address = next((n["sheet_index"], n["address"]) for n in data["names"] if n["name"] == "cfg_so_le")
    row, col, _, _ = _corners(address)
    data["sheets"][sheet]["values"][row - 1][col - 1] = 1.0
    book = xw.Book(json=data)
    message = macros.dispatch("xlp_tong_hop", book)
    assert "chưa lưu" in message and "«Số chữ số thập phân của tỷ lệ %»" in message
    assert [a["func"] for a in book.json()["actions"]] == ["alert"]


def test_tong_hop_writes_into_the_open_book_while_excel_s_owner_file_is_beside_it(fresh):
    (fresh / f"~${WORKBOOK_NAME}").write_bytes(b"\x02Ha" + b" " * 51 + b"\x02\x00H\x00a\x00")
    _, actions, message = run(fresh / WORKBOOK_NAME, "xlp_tong_hop")
    assert "Đã tổng hợp" in message and any(a["func"] == "setValues" for a in actions)
