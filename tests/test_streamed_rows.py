"""Table rows streamed into the sheet XML at save time give the same workbook as cells built up front."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_city_workbook import SAMPLE_CELLS, sample_tables

from xlplan.core.rollup import consolidate
from xlplan.core.summary_tables import summary_tables
from xlplan.io.city_layout import resolve
from xlplan.io.city_workbook import build_city_template, load_city_workbook, write_city_data
from xlplan.io.plans import load_plan
from xlplan.io.registry import load_registry
from xlplan.io.streamed_rows import deferred
from xlplan.io.workbook_files import save_workbook, workbook_bytes


@pytest.fixture(scope="module")
def plan():
    return load_plan("bac_ninh_2017")


def both_ways(load, plan, tables, cells) -> tuple[bytes, bytes]:
    eager, streamed = load(), load()
    write_city_data(eager, plan, tables, cells)
    write_city_data(streamed, plan, tables, cells, stream=True)
    assert any(deferred(ws) for ws in streamed.worksheets)  # the streaming path really ran
    return workbook_bytes(eager), workbook_bytes(streamed)


def test_a_consolidation_of_the_registry_saves_the_same_bytes(plan, tmp_path):
    result = consolidate([], load_registry(None, plan), plan)
    path = save_workbook(build_city_template(plan), tmp_path / "SoTongHop.xlsx")
    eager, streamed = both_ways(lambda: load_city_workbook(path, keep_tables=()), plan, result.tables, result.cells)
    assert streamed == eager


def test_hostile_text_dates_and_fractions_stream_the_same(plan):
    tables = sample_tables()
    tables["tbl_kiem_tra"].append({"muc_do": "Lỗi", "ma_loi": "x", "don_vi": "=1+1", "noi_dung": "a\x01b" * 20000,
                                   "tep": "#N/A", "o": True})
    eager, streamed = both_ways(lambda: build_city_template(plan), plan, tables, SAMPLE_CELLS)
    assert streamed == eager


def test_staff_cells_around_and_inside_a_growing_table_are_treated_alike(plan, tmp_path):
    """Cells beside the table's rows stay; cells where the table grows give way; row heights are kept."""
    wb = build_city_template(plan)
    ws, anchor = resolve(wb, "tbl_theo_doi")
    width = len(summary_tables(plan)["tbl_theo_doi"].columns)
    first = anchor.min_row + 1
    ws.cell(first + 3, anchor.min_col + width + 1, "ghi chú bên cạnh")  # beside row 4 of the table
    ws.cell(first + 40, anchor.min_col, "sẽ bị ghi đè")  # where the table grows to
    ws.row_dimensions[first + 5].height = 30
    ws.row_dimensions[first + 500].height = 25  # an empty styled row below the new rows
    path = save_workbook(wb, tmp_path / "restyled.xlsx")
    rows = [{"ma": f"DV{i:03d}", "ten": f"Đơn vị {i}", "bieu": "F02", "ky": "2017-03", "so_lan_nop": i,
             "han_nop": dt.date(2017, 4, 5)} for i in range(120)]
    eager, streamed = both_ways(lambda: load_city_workbook(path), plan, {"tbl_theo_doi": rows}, {})
    assert streamed == eager
    sheet = openpyxl.load_workbook(io.BytesIO(streamed))[ws.title]
    assert sheet.cell(first + 3, anchor.min_col + width + 1).value == "ghi chú bên cạnh"
    assert sheet.cell(first + 40, anchor.min_col).value == "DV040"
    assert sheet.row_dimensions[first + 5].height == 30


def test_an_empty_table_keeps_its_styled_first_row_either_way(plan):
    eager, streamed = both_ways(lambda: build_city_template(plan), plan,
                                {"tbl_kiem_tra": [], "tbl_dang_ky": sample_tables()["tbl_dang_ky"]}, {})
    assert streamed == eager


def test_streamed_tables_hold_no_cells_however_many_rows(plan):
    """The memory claim, structurally: the sheet's stored cells do not grow with the rows written."""
    def stored_cells(count: int) -> int:
        wb = build_city_template(plan)
        rows = [{"ma": f"DV{i:05d}", "ten": "x", "so_lan_nop": 1} for i in range(count)]
        write_city_data(wb, plan, {"tbl_theo_doi": rows}, {}, stream=True)
        return len(resolve(wb, "tbl_theo_doi")[0]._cells)

    assert stored_cells(20_000) == stored_cells(3)


_TEXT = st.text(alphabet=st.sampled_from("aĐờ &<>\"'=#\t\n\r \x01\x0b\ud7ff\ufffe😀-_"), max_size=12)
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**18, 10**18), st.floats(allow_nan=True, allow_infinity=True),
    st.fractions(max_denominator=1000), st.decimals(allow_nan=False, places=3), _TEXT,
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1), timezones=st.just(dt.timezone.utc) | st.none()),
    st.times())


@pytest.fixture(scope="module")
def template(plan, tmp_path_factory):
    wb = build_city_template(plan)
    ws, anchor = resolve(wb, "tbl_theo_doi")
    ws.cell(anchor.min_row + 1, anchor.min_col + 5).number_format = "General"  # a date column made General
    return save_workbook(wb, tmp_path_factory.mktemp("tpl") / "SoTongHop.xlsx")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.dictionaries(st.sampled_from(summary_tables(load_plan("bac_ninh_2017"))["tbl_theo_doi"]
                                                      .column_ids), _VALUES), min_size=1, max_size=6))
def test_any_values_stream_to_the_bytes_openpyxl_writes(plan, template, rows):
    """The fast row serializer and openpyxl agree on every kind of value, or the row goes to openpyxl."""
    eager, streamed = both_ways(lambda: load_city_workbook(template, keep_tables=()), plan,
                                {"tbl_theo_doi": rows, "tbl_kiem_tra": [{"noi_dung": v} for r in rows
                                                                         for v in r.values()]}, {})
    assert streamed == eager


def test_tables_side_by_side_stream_in_column_order_whichever_is_written_first(plan):
    """tbl_ty_le_nop sits to the right of tbl_theo_doi on one sheet: their rows share sheet rows."""
    tables = sample_tables()
    theo_doi = tables["tbl_theo_doi"] * 3
    ty_le = tables["tbl_ty_le_nop"] * 5
    for order in (("tbl_ty_le_nop", "tbl_theo_doi"), ("tbl_theo_doi", "tbl_ty_le_nop")):
        both = {"tbl_theo_doi": theo_doi, "tbl_ty_le_nop": ty_le}
        eager, streamed = both_ways(lambda: build_city_template(plan), plan, {k: both[k] for k in order}, {})
        assert streamed == eager


def test_a_row_left_to_openpyxl_does_not_reorder_the_styles_of_a_fresh_workbook(plan):
    """Styles enter the workbook's list only when a row is written, in openpyxl's order."""
    from openpyxl.styles import Font

    def fresh():
        wb = build_city_template(plan)
        ws, anchor = resolve(wb, "tbl_theo_doi")
        ws.cell(anchor.min_row + 1, anchor.min_col).font = Font(color="FF123456")
        ws.cell(anchor.min_row + 1, anchor.min_col + 1).font = Font(color="FF654321")
        return wb

    day = dt.date(2017, 1, 2)  # a date in text columns: openpyxl gives those cells a date format
    rows = [{"ma": day, "ten": day}, {"ma": day, "ten": "x"}, {"ma": "DV3", "ten": "y"}]
    eager, streamed = both_ways(fresh, plan, {"tbl_theo_doi": rows}, {})
    assert streamed == eager
