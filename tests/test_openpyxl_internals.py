"""openpyxl's private API that ``xlplan.io.openpyxl_internals`` relies on is still there.

Each failure names what to re-check in that module before raising the pin in
pyproject.toml. The byte-for-byte tests of the streamed rows
(tests/test_streamed_rows.py) and of the filtered loader (tests/test_city_loader.py)
check the behaviour; these check the shapes, so an upgrade fails here first, loudly.
"""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from xlplan.io import openpyxl_internals as oi

MODULE = "src/xlplan/io/openpyxl_internals.py"


def _fail(what: str) -> str:
    return f"openpyxl {openpyxl.__version__}: {what} — re-check {MODULE} before changing the pin in pyproject.toml"


def _minor(text: str) -> tuple[int, int]:
    major, minor = re.match(r"(\d+)\.(\d+)", text).groups()  # type: ignore[union-attr]
    return int(major), int(minor)


def test_installed_version_is_the_tested_one() -> None:
    low, high = oi.TESTED_VERSIONS
    assert low <= _minor(version("openpyxl")) < high, _fail(f"outside the tested range {low} ≤ v < {high}")


def test_pin_matches_the_tested_versions() -> None:
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    low, high = oi.TESTED_VERSIONS
    pin = f'"openpyxl>={low[0]}.{low[1]},<{high[0]}.{high[1]}"'
    assert pin in pyproject, f"pyproject.toml must pin {pin} (openpyxl_internals.TESTED_VERSIONS)"


def test_cell_and_workbook_private_attributes() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    cell = ws.cell(1, 1)
    cell.font = Font(bold=True)
    assert isinstance(getattr(cell, "_style", None), StyleArray), _fail("Cell._style is no StyleArray")
    assert "_value" in Cell.__slots__, _fail("Cell._value (set_number) is gone")
    assert isinstance(getattr(ws, "_cells", None), dict) and ws._cells.get((1, 1)) is cell, \
        _fail("Worksheet._cells is no {(row, col): Cell} dict (cell_store)")
    assert callable(getattr(getattr(wb, "_cell_styles", None), "add", None)), \
        _fail("Workbook._cell_styles.add (style_id) is gone")
    assert isinstance(getattr(ws, "_charts", None), list), _fail("Worksheet._charts (clear_charts) is no list")
    assert hasattr(ws, "_images") and hasattr(ws, "_rels"), _fail("Worksheet._images/_rels (save_package)")


def test_public_behaviour_of_the_helpers() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    source = ws.cell(1, 1)
    source.font = Font(italic=True)
    target = ws.cell(2, 1)
    oi.set_style_record(target, oi.style_record(source))
    assert target.font.i, _fail("a copied style record no longer carries the font")
    oi.set_number(target, 7)
    assert target.value == 7 and target.data_type == "n", _fail("set_number")
    assert oi.style_id(wb, oi.style_record(source)) == oi.style_id(wb, oi.style_record(source)), _fail("style_id")
    assert oi.cell_store(ws)[(2, 1)] is target, _fail("cell_store")


def test_worksheet_writer_shape() -> None:
    for method in ("write", "write_rows", "write_row", "write_dimensions", "cleanup"):
        assert callable(getattr(WorksheetWriter, method, None)), _fail(f"WorksheetWriter.{method} is gone")
    writer = WorksheetWriter(openpyxl.Workbook().active)
    for attr in ("xf", "out", "ws", "_rels"):
        assert hasattr(writer, attr), _fail(f"WorksheetWriter().{attr} is gone")
    writer.xf.close()
    writer.cleanup()
    assert list(inspect.signature(WorksheetWriter.write_row).parameters) == ["self", "xf", "row", "row_idx"], \
        _fail("WorksheetWriter.write_row(xf, row, row_idx) changed")
    source = inspect.getsource(ExcelWriter.write_worksheet)
    for piece in ("SpreadsheetDrawing()", "_charts", "_images", "WorksheetWriter(ws)", "writer.write()",
                  "ws._rels = writer._rels", "self._archive.write(writer.out", "self.manifest.append(ws)",
                  "writer.cleanup()"):
        assert piece in source, _fail(f"ExcelWriter.write_worksheet no longer does {piece!r}; "
                                      "_PackageWriter.write_worksheet copies it")
    rows = inspect.getsource(WorksheetWriter.write_rows)
    assert "self.xf.send(True)" in rows and 'xf.element("sheetData")' in rows and "self.xf.send(None)" in rows, \
        _fail("WorksheetWriter.write_rows changed; _write_rows mirrors it")


def test_excel_reader_shape(tmp_path: Path) -> None:
    params = inspect.signature(ExcelReader.__init__).parameters
    for name in ("read_only", "keep_vba", "data_only", "keep_links", "rich_text"):
        assert name in params, _fail(f"ExcelReader(..., {name}=) is gone")
    source = inspect.getsource(ExcelReader.read_worksheets)
    assert "self.archive" in source and "find_sheets" in source, \
        _fail("ExcelReader.read_worksheets no longer opens sheet parts through self.archive")
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(path)
    reader = ExcelReader(path)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    assert hasattr(reader, "parser") and hasattr(reader.parser, "defined_names"), _fail("ExcelReader.parser")
    assert callable(getattr(reader.parser.defined_names, "by_sheet", None)), _fail("DefinedNameDict.by_sheet")
    reader.archive.close()


def test_filtered_load_reads_parts_through_the_filter(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "kept"
    wb.save(path)
    seen: list[str] = []

    def choose(names, sheets, plain_styles):
        seen.extend(part for _, part in sheets)
        return {part: (lambda raw: raw) for _, part in sheets}

    loaded = oi.load_filtered(path, choose)
    assert seen and loaded.active["A1"].value == "kept", _fail("load_filtered no longer sees the sheet parts")


def test_raw_writer_of_et_xmlfile() -> None:
    import io

    from et_xmlfile import xmlfile

    out = io.BytesIO()
    with xmlfile(out) as xf:
        if oi.raw_xml_writer(xf) is None:
            pytest.fail(_fail("et_xmlfile's xmlfile._file is gone: streamed rows lose their fast path"))


def test_xlplan_processes_write_with_the_standard_library_xml() -> None:
    """python-docx brings lxml; openpyxl would then write every streamed table row as lxml cells
    (io/streamed_rows.py falls back, five times slower). Importing xlplan chooses et_xmlfile, before
    any module of ours imports openpyxl, and a user's own OPENPYXL_LXML is kept."""
    import os
    import subprocess
    import sys

    probe = "import xlplan.cli, openpyxl.xml as x; print(x.LXML)"
    env = {k: v for k, v in os.environ.items() if k != "OPENPYXL_LXML"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    out = subprocess.run([sys.executable, "-c", probe], env={**env, "OPENPYXL_LXML": "True"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"  # lxml is installed (python-docx needs it); the user's choice stands
