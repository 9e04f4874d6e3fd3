"""Loading the city workbook without the rows about to be replaced gives the same saved workbook."""

from __future__ import annotations

import pytest

from xlplan.core.rollup import consolidate
from xlplan.io.city_loader import drop_cells
from xlplan.io.city_workbook import build_city_template, load_city_workbook, write_city_data
from xlplan.io.plans import load_plan
from xlplan.io.registry import load_registry
from xlplan.io.workbook_files import save_workbook, workbook_bytes


def filled_city_workbook(tmp_path):
    """(plan, consolidation of the sample registry, the saved city workbook holding it)."""
    plan = load_plan("bac_ninh_2017")
    result = consolidate([], load_registry(None, plan), plan)
    wb = build_city_template(plan)
    write_city_data(wb, plan, result.tables, result.cells)
    return plan, result, save_workbook(wb, tmp_path / "SoTongHop.xlsx")


def test_skipping_table_rows_then_filling_every_table_saves_the_same_bytes(tmp_path):
    plan, result, path = filled_city_workbook(tmp_path)

    full = load_city_workbook(path)
    light = load_city_workbook(path, keep_tables=())
    assert light["Theo dõi nộp"].max_row < full["Theo dõi nộp"].max_row  # rows really were left out
    for book in (full, light):
        write_city_data(book, plan, result.tables, result.cells)
    assert workbook_bytes(light) == workbook_bytes(full)


def test_kept_tables_are_loaded_in_full(tmp_path):
    plan = load_plan("bac_ninh_2017")
    registry = load_registry(None, plan)
    wb = build_city_template(plan)
    write_city_data(wb, plan, consolidate([], registry, plan).tables, {})
    path = save_workbook(wb, tmp_path / "SoTongHop.xlsx")
    full = load_city_workbook(path)["Danh mục đơn vị"]
    kept = load_city_workbook(path, keep_tables={"tbl_don_vi"})["Danh mục đơn vị"]
    assert [[c.value for c in row] for row in kept.iter_rows()] == [[c.value for c in row] for row in full.iter_rows()]


def test_drop_cells_leaves_cells_outside_the_boxes():
    xml = (b'<row r="5"><c r="A5" s="1"><v>1</v></c><c r="B5" t="inlineStr"><is><t>x</t></is></c>'
           b'<c r="E5" s="2"/></row><row r="9"><c r="A9"><v>2</v></c></row>')
    assert drop_cells(xml, [(5, 8, 1, 2)]) == b'<row r="5"><c r="E5" s="2"/></row><row r="9"><c r="A9"><v>2</v></c></row>'


def test_a_city_workbook_saved_by_libreoffice_loads_light_the_same(tmp_path, soffice):
    from xlplan.io import libreoffice

    plan, result, original = filled_city_workbook(tmp_path)
    resaved = libreoffice.convert(original, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    full = load_city_workbook(resaved)
    light = load_city_workbook(resaved, keep_tables=())
    assert light["Theo dõi nộp"].max_row < full["Theo dõi nộp"].max_row
    for book in (full, light):
        write_city_data(book, plan, result.tables, result.cells)
    assert workbook_bytes(light) == workbook_bytes(full)


@pytest.mark.parametrize("chunk", [1, 7, 100, 4096, 1 << 20])
def test_a_part_filtered_in_pieces_equals_the_part_filtered_whole(tmp_path, chunk):
    import io
    import zipfile

    from xlplan.io.city_loader import FilteredPart

    _, _, path = filled_city_workbook(tmp_path)
    boxes = [(5, 60, 1, 12), (9, 9, 15, 21)]
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/sheet"):
                whole = drop_cells(package.read(name), boxes)
                with io.BufferedReader(FilteredPart(package.open(name), boxes, chunk)) as piecewise:
                    assert piecewise.read() == whole, name
