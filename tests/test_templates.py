"""The blank forms committed under ``templates/`` are what the writer generates today.

The comparison is semantic — per sheet: state, protection, every cell's value,
type, number format, lock and font; merged ranges; data validations;
conditional formats; print setup; and the workbook's defined names and
structure lock — so the test names what went stale rather than "bytes differ".
Regenerate with ``make_templates(load_plan(), "templates")`` (see templates/README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlplan.core.forms import FORM_IDS, form_spec
from xlplan.services.forms import make_templates

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def semantic(path: Path) -> dict[str, Any]:
    """What a workbook means to Excel and to the readers, as comparable data."""
    wb = openpyxl.load_workbook(path)
    content: dict[str, Any] = {
        "sheets": wb.sheetnames,
        "active": wb.active.title,
        "names": {name: dn.attr_text for name, dn in wb.defined_names.items()},
        "structure_locked": bool(wb.security and wb.security.lockStructure),
    }
    for ws in wb.worksheets:
        content[ws.title] = {
            "state": ws.sheet_state,
            "protected": ws.protection.sheet,
            "password": ws.protection.password,
            "cells": {c.coordinate: (c.value, c.data_type, c.number_format, c.protection.locked,
                                     c.font.name, c.font.sz, c.font.b, c.font.i, c.fill.fgColor.rgb)
                      for row in ws.iter_rows() for c in row if c.value is not None or c.has_style},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted((str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2, dv.prompt,
                                   dv.error, dv.showErrorMessage) for dv in ws.data_validations.dataValidation),
            "conditional": sorted(str(cf.sqref) for cf in ws.conditional_formatting),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "print_area": ws.print_area,
            "page": (ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToWidth),
        }
    return content


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, plan) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    make_templates(plan, folder)
    return folder


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_committed_template_is_current(form_id, fresh):
    committed = TEMPLATES / f"{form_id}.xlsx"
    assert committed.is_file(), f"templates/{form_id}.xlsx is missing"
    old, new = semantic(committed), semantic(fresh / f"{form_id}.xlsx")
    stale = sorted(key for key in new.keys() | old.keys() if old.get(key) != new.get(key))
    assert not stale, f"templates/{form_id}.xlsx is stale in: {', '.join(stale)} (regenerate it)"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_template_is_blank(form_id, plan):
    wb = openpyxl.load_workbook(TEMPLATES / f"{form_id}.xlsx")
    spec = form_spec(form_id, plan)

    def value(name: str) -> Any:
        (sheet, ref), = wb.defined_names[name].destinations
        return wb[sheet][ref.replace("$", "")].value

    assert value("xlp_form") == form_id and value("xlp_unit") is None and value("xlp_period") is None
    assert all(value(f.id) is None for f in spec.fields)


def test_make_templates_writes_the_three_forms(fresh):
    assert sorted(p.name for p in fresh.iterdir()) == ["F01.xlsx", "F02.xlsx", "F03.xlsx"]
    assert (TEMPLATES / "README.md").is_file()
