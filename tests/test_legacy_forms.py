"""Forms filled in the legacy Vietnamese fonts (.VnTime, .VnTimeH, VNI-Times), read back as Unicode.

A real form is generated with the writer, then cells are retyped the way an
office with the ABC or VNI keyboard does: the font bytes stored as their cp1252
characters, the cell (or one rich-text run) in the legacy font.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Font

from test_reader import UNITS, comparable, sample_values
from xlplan.core.forms import form_spec
from xlplan.core.legacy_text import encode
from xlplan.core.plan import Plan
from xlplan.io import form_reader
from xlplan.io.form_reader import read_form
from xlplan.io.form_writer import write_form
from xlplan.io.readers import ENGINES

UNIT = UNITS[0]  # Đảng bộ phường Vũ Ninh


def _form(path: Path, plan: Plan) -> Path:
    return write_form(path, form_spec("F01", plan), plan, UNIT, "2017", values=sample_values("F01", plan, UNIT))


def _retype(path: Path, cells: Mapping[str, tuple[Any, str | None]]) -> dict[str, str]:
    """Set the cells named by field id to (value, font name); the addresses, by field id."""
    wb = openpyxl.load_workbook(path, rich_text=True)
    where: dict[str, str] = {}
    for name, (value, font) in cells.items():
        sheet, ref = wb.defined_names[name].attr_text.rsplit("!", 1)
        cell = wb[sheet.strip("'").replace("''", "'")][ref.replace("$", "")]
        cell.value = value
        if font is not None:
            cell.font = Font(name=font, size=13)
        where[name] = cell.coordinate
    wb.save(path)
    return where


@pytest.fixture(scope="module")
def legacy_form(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> tuple[Path, dict[str, str]]:
    path = _form(tmp_path_factory.mktemp("legacy") / "P_VUNINH_F01_2017.xlsx", plan)
    rich = CellRichText([TextBlock(InlineFont(rFont="Times New Roman"), "Đảng bộ "),
                         TextBlock(InlineFont(rFont=".VnTime"), encode("phường Vũ Ninh", "tcvn3"))])
    where = _retype(path, {
        "nguoi_lap": (encode("Nguyễn Văn Hoà", "tcvn3"), ".VnTime"),
        "dk_xep_loai": (encode("Trong sạch, vững mạnh", "tcvn3"), ".VnTime"),
        "kq_xep_loai": (encode("HOÀN THÀNH TỐT NHIỆM VỤ", "tcvn3-upper"), ".VnTimeH"),
        "bi_thu": (encode("Trần Thị Thư", "vni"), "VNI-Times"),
        "don_vi_ten": (rich, None),
    })
    return path, where


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_legacy_cells_read_as_unicode_with_a_warning_at_each(legacy_form, plan, engine):
    path, where = legacy_form
    sub = read_form(path, plan, engine)
    assert sub.value("nguoi_lap") == "Nguyễn Văn Hoà"
    assert sub.value("dk_xep_loai") == "Trong sạch, vững mạnh"  # the list label, so the choice is valid
    assert sub.value("kq_xep_loai") == "Hoàn thành tốt nhiệm vụ"
    assert sub.value("bi_thu") == "Trần Thị Thư"
    assert sub.value("don_vi_ten") == "Đảng bộ phường Vũ Ninh"
    assert sub.values["nguoi_lap"].raw == "NguyÔn V¨n Hoµ"  # provenance keeps what the cell held
    legacy = {f.field: f for f in sub.findings if f.code == "legacy-encoding"}
    assert set(legacy) == {"nguoi_lap", "dk_xep_loai", "kq_xep_loai", "bi_thu", "don_vi_ten"}
    for field_id, finding in legacy.items():
        assert finding.cell == where[field_id]
        assert finding.severity.value == "warning"
    assert legacy["dk_xep_loai"].params["before"] == "Trong s¹ch, v÷ng m¹nh"
    assert legacy["dk_xep_loai"].params["after"] == "Trong sạch, vững mạnh"
    assert legacy["don_vi_ten"].params["before"] == "Đảng bộ ph\xadêng Vò Ninh"
    assert "TCVN3" in legacy["nguoi_lap"].params["encoding"] and "VNI" in legacy["bi_thu"].params["encoding"]
    assert not [f for f in sub.findings if f.code in ("not-in-list", "unit-name-mismatch")]


def test_engines_agree_on_legacy_forms(legacy_form, plan):
    path, _ = legacy_form
    first, second = (comparable(read_form(path, plan, name)) for name in ENGINES)
    assert first == second


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_font_less_text_converts_only_when_clearly_legacy(tmp_path, plan, engine):
    path = _form(tmp_path / "f.xlsx", plan)
    where = _retype(path, {
        "nguoi_lap": ("Hoµ Long", "Times New Roman"),  # clearly TCVN3 although the font says nothing
        "bi_thu": ("Hòa Long", "Times New Roman"),  # ordinary Unicode
        "dk_xep_loai": ("Trong sạch, vững mạnh", ".VnTime"),  # Unicode beyond one byte: not legacy
    })
    sub = read_form(path, plan, engine)
    assert sub.value("nguoi_lap") == "Hoà Long"
    assert sub.value("bi_thu") == "Hòa Long"
    assert sub.value("dk_xep_loai") == "Trong sạch, vững mạnh"
    assert [(f.field, f.cell) for f in sub.findings if f.code == "legacy-encoding"] == [
        ("nguoi_lap", where["nguoi_lap"])]


def test_normal_forms_never_look_up_fonts(tmp_path, plan, monkeypatch):
    path = _form(tmp_path / "f.xlsx", plan)
    _retype(path, {"nguoi_lap": ("Lê Văn Hòa", "Times New Roman")})

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("fonts looked up for an ordinary form")

    monkeypatch.setattr(form_reader, "read_runs", refuse)
    for engine in ENGINES:
        sub = read_form(path, plan, engine)
        assert sub.value("nguoi_lap") == "Lê Văn Hòa"
        assert not [f for f in sub.findings if f.code == "legacy-encoding"]


def test_latin1_looking_names_in_a_unicode_font_do_not_reopen_the_workbook(tmp_path, plan, monkeypatch, legacy_form):
    # "Hòa Long" passes the per-cell pre-check (every letter is in cp1252), but no legacy
    # font is named in the workbook, so the full reopening is skipped.
    path = _form(tmp_path / "f.xlsx", plan)
    _retype(path, {"nguoi_lap": ("Hòa Long", "Times New Roman")})
    from xlplan.io.readers.fonts import declares_legacy_font
    assert not declares_legacy_font(path)
    assert declares_legacy_font(legacy_form[0])

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("fonts looked up for a workbook with no legacy font")

    monkeypatch.setattr(form_reader, "read_runs", refuse)
    for engine in ENGINES:
        assert read_form(path, plan, engine).value("nguoi_lap") == "Hòa Long"
