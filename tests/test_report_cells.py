"""Text staff type into the Báo cáo sheet survives the next consolidation.

The report's number, place and date, recipients… have one set of defaults
(``core.summary_tables.report_defaults``), written only into an empty cell or
one still holding a default. Staff typed "Số 123-BC/TU" once and the next
consolidation replaced it with the plan's own number: never again. The
paragraphs generated from the data are rewritten by every run.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xlplan.core.summary_tables import GENERATED_REPORT_CELLS, REPORT_CELLS, keeps_report_text, report_defaults
from xlplan.io.city_layout import resolve
from xlplan.io.plans import load_plan
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import registration_values
from xlplan.services.workspace import INBOX, WORKBOOK_NAME, init_workspace, open_workspace

REGISTRY = ("ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he\n"
            "P_AN,Đảng bộ phường An Bình,xa_phuong,có,320,14,\n"
            "CQ_CHAU,Đảng bộ cơ quan Ủy ban nhân dân,co_quan,có,95,6,\n")
TYPED = {"bc_so": "Số 123-BC/TU", "bc_noi_ngay": "Bắc Ninh, ngày 05 tháng 01 năm 2018"}


def _cell(wb: openpyxl.Workbook, name: str) -> openpyxl.cell.cell.Cell:
    found = resolve(wb, name)
    assert found is not None, name
    ws, cells = found
    return ws.cell(cells.min_row, cells.min_col)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """A working folder of two units' registrations, consolidated once."""
    csv = tmp_path / "registry.csv"
    csv.write_text(REGISTRY, encoding="utf-8")
    root = tmp_path / "TongHop"
    init_workspace(root, registry_name=csv)
    ws = open_workspace(root)
    units = list(ws.registry)
    make_forms(ws.plan, units, "F01", "2017", root / INBOX, values_by_unit=registration_values(units, ws.plan, 3),
               workers=1)
    consolidate_folder(root)
    return root


def test_typed_report_number_and_date_survive_a_consolidation(folder: Path) -> None:
    book = folder / WORKBOOK_NAME
    wb = openpyxl.load_workbook(book)
    generated = _cell(wb, "bc_doan_van").value
    assert generated and not generated.startswith("(")  # the first run wrote the paragraph
    for name, text in TYPED.items():
        _cell(wb, name).value = text
    _cell(wb, "bc_doan_van").value = "staff scribbled over the paragraph"
    wb.save(book)

    consolidate_folder(folder)

    wb = openpyxl.load_workbook(book)
    for name, text in TYPED.items():
        assert _cell(wb, name).value == text, name
    assert _cell(wb, "bc_doan_van").value == generated  # generated from the data: rewritten
    plan = open_workspace(folder).plan
    assert _cell(wb, "bc_noi_nhan").value == report_defaults(plan)["bc_noi_nhan"]  # untouched: the default


def test_defaults_are_written_into_empty_or_untouched_cells_only() -> None:
    plan = load_plan()
    defaults = report_defaults(plan)
    assert set(defaults) == set(REPORT_CELLS)
    assert "-BC/" in defaults["bc_so"]  # the report's number, not the plan's (-KH/)
    for name in REPORT_CELLS:
        assert not keeps_report_text(name, None, plan) and not keeps_report_text(name, "  ", plan)
        assert not keeps_report_text(name, defaults[name], plan)
        assert keeps_report_text(name, "typed by staff", plan) is (name not in GENERATED_REPORT_CELLS)
    if plan.document_number:  # what earlier versions wrote by mistake still counts as untouched
        assert not keeps_report_text("bc_so", plan.document_number, plan)
