"""The city workbook's registry read by calamine from the bytes gives what openpyxl's reader gives.

A consolidation reads the Danh mục đơn vị sheet once per run from the bytes
already in memory (``read_registry_bytes``, calamine); the openpyxl reader
(``read_registry_sheet``) reads registries the Board hands in as workbooks.
The same sheet must give the same units and the same findings, cell for cell,
whatever the Board typed: text numbers, decimals, blanks, spaces, errors,
booleans, formulas, a title above the header, empty rows at the end.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from xlplan.io.plans import load_plan
from xlplan.io.registry import read_registry_bytes, read_registry_sheet
from xlplan.services.workspace import open_workspace

HEADER = ["Mã đơn vị", "Tên tổ chức cơ sở đảng", "Loại hình (mã)", "Có nguồn phát triển đảng", "Số đảng viên",
          "Số chi bộ trực thuộc", "Liên hệ"]
ROWS = [
    ["P_A", "Đảng bộ phường A", "xa_phuong", "có", 120, 6, "0222 3800 000"],
    ["P_B", "  Đảng bộ phường B  ", "xa_phuong", "Không", "45", 3.0, None],
    ["P_C", "Chi bộ C", "doanh_nghiep", True, 2.5, "  ", "=HYPERLINK(\"x\")"],
    ["P_D", "Chi bộ D", "khong_co", "có", -3, None, 7],
    ["P_E", None, "xa_phuong", "có", "#N/A", 1, ""],
    ["P_A", "Đảng bộ trùng mã", "xa_phuong", "có", 10, 1, None],
    [None, None, None, None, None, None, None],
    ["P_F", "Đảng bộ F", "xa_phuong", "có", "=1+1", 2, None],
]


def _book(tmp_path: Path) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh mục đơn vị"
    ws.append(["DANH MỤC TỔ CHỨC CƠ SỞ ĐẢNG"])
    ws.append([])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    for _ in range(3):
        ws.append([None] * 7)
    ws.cell(row=12, column=8, value=None).number_format = "0"  # a styled empty cell beyond the data
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_both_readers_agree_on_what_the_board_typed(tmp_path: Path) -> None:
    plan = load_plan()
    data = _book(tmp_path)
    path = tmp_path / "danh_muc.xlsx"
    path.write_bytes(data)
    slow_units, slow_findings = read_registry_sheet(path, plan, source="danh_muc.xlsx")
    fast_units, fast_findings = read_registry_bytes(data, plan, source="danh_muc.xlsx")
    assert [f.code for f in slow_findings]  # the sheet has mistakes to find
    assert list(fast_units) == list(slow_units)
    assert [(f.code, f.cell, f.params) for f in fast_findings] == [(f.code, f.cell, f.params) for f in slow_findings]


def test_the_demo_registry_reads_the_same(demo_workspace: Path) -> None:
    ws = open_workspace(demo_workspace)
    data = ws.workbook.read_bytes()
    fast, findings = read_registry_bytes(data, ws.plan, source=ws.workbook.name)
    slow, slow_findings = read_registry_sheet(ws.workbook, ws.plan, source=ws.workbook.name)
    assert list(fast) == list(slow) == list(ws.registry) and len(list(fast)) == 80
    assert findings == slow_findings


def test_bytes_that_are_no_workbook_are_a_value_error() -> None:
    with pytest.raises(ValueError):
        read_registry_bytes(b"PK\x03\x04 not really", load_plan())
