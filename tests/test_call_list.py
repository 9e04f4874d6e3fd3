"""The call list: units not submitted, unreadable or with errors, with their contact, sorted by kind.

On a copy of the demo folder (at its as-of date 06/04/2017 one ward's
registration has an error, one public-service unit has not sent March, one
cell has not registered) a damaged file named for that cell is dropped into
the inbox; the list is then checked from the service, on the Theo dõi nộp
sheet after a consolidation, and printed by ``xlplan status --can-nhac``
through the real LibreOffice (the PDF's text read with ``pdftotext``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.core.call_list import TABLE_ID, call_table
from xlplan.io.city_layout import resolve
from xlplan.services.call_list import call_list, pdf_path
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.workspace import open_workspace


@pytest.fixture
def folder(demo_copy: Path) -> Path:
    (demo_copy / "NopBaoCao" / "CB_THONGKE_F01_2017.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    return demo_copy


def _contacts(root: Path) -> dict[str, str]:
    return {u.code: u.contact for u in open_workspace(root).registry}


def test_call_list_names_each_unit_once_with_what_to_ask_and_its_contact(folder: Path) -> None:
    found = call_list(folder)
    rows = {r["ma"]: r for r in found.rows}
    assert set(rows) == {"P_NINHXA", "SN_VHTT", "CB_THONGKE"}
    contacts = _contacts(folder)
    for code, row in rows.items():
        assert row["lien_he"] == contacts[code] and row["lien_he"]
    assert rows["P_NINHXA"]["tinh_trang"] == "Có lỗi" and "P_NINHXA_F01_2017.xlsx" in rows["P_NINHXA"]["can_nhac"]
    assert rows["SN_VHTT"]["tinh_trang"] == "Chưa nộp"
    assert rows["SN_VHTT"]["can_nhac"] == "Chưa nộp: F02 tháng 03 năm 2017 (hạn 05/04/2017)."
    assert rows["CB_THONGKE"]["tinh_trang"] == "Không đọc được"
    assert "CB_THONGKE_F01_2017.xlsx" in rows["CB_THONGKE"]["can_nhac"]
    # sorted by kind in the plan's order (wards first, cells last), numbered
    plan = open_workspace(folder).plan
    ranks = {k.label: i for i, k in enumerate(plan.kinds)}
    assert [ranks[r["loai_hinh"]] for r in found.rows] == sorted(ranks[r["loai_hinh"]] for r in found.rows)
    assert [r["tt"] for r in found.rows] == [1, 2, 3]
    assert found.as_of.isoformat() == "2017-04-06"


def test_the_call_list_is_a_section_of_the_theo_doi_sheet(folder: Path) -> None:
    consolidate_folder(folder)
    wb = openpyxl.load_workbook(folder / "SoTongHop.xlsx")
    sheet, anchor = resolve(wb, TABLE_ID)
    assert sheet.title == "Theo dõi nộp"
    assert sheet.cell(anchor.min_row - 2, anchor.min_col).value == call_table().title
    _, data = resolve(wb, TABLE_ID + "_data")
    ids = call_table().column_ids
    written = [dict(zip(ids, row)) for row in sheet.iter_rows(min_row=data.min_row, max_row=data.max_row,
                                                              min_col=data.min_col, max_col=data.max_col,
                                                              values_only=True)]
    assert written == call_list(folder).rows


def test_cli_status_can_nhac_prints_and_writes_an_a4_pdf(folder: Path, soffice: str) -> None:
    result = CliRunner().invoke(main, ["status", str(folder), "--can-nhac"])
    assert result.exit_code == 0, result.output
    contacts = _contacts(folder)
    for code in ("P_NINHXA", "SN_VHTT", "CB_THONGKE"):
        assert code in result.output and contacts[code] in result.output
    pdf = pdf_path(folder / "KetQua", call_list(folder).as_of)
    assert f"Bản in: {pdf.resolve()}" in result.output and pdf.read_bytes()[:5] == b"%PDF-"
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is needed to read the PDF"
    text = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    assert "DANH SÁCH ĐƠN VỊ CẦN NHẮC" in text and "Việc cần nhắc" in text
    for code in ("P_NINHXA", "SN_VHTT", "CB_THONGKE"):
        assert code in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
    assert "A4" in info
    data = json.loads(CliRunner().invoke(main, ["status", str(folder), "--can-nhac", "--json"]).output)
    assert [r["ma"] for r in data["rows"]] == [r["ma"] for r in call_list(folder).rows]
    help_text = CliRunner().invoke(main, ["status", "--help"]).output
    assert "--can-nhac" in help_text and "DanhSachCanNhac" in help_text
