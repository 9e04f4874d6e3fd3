"""read_form: generated forms, filled, read back — values, provenance and findings.

Forms are generated two ways: with the real writer (``xlplan.io.form_writer``)
and with :func:`build_fixture`, a deliberately different layout that follows
only the contract (defined names equal to field ids, ``xlp_*`` metadata in a
hidden ``_xlplan`` sheet), so the reader is shown to depend on names alone.
The helpers here are imported by ``test_reader_engines.py`` too.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange

from xlplan.core.findings import Severity
from xlplan.core.forms import FormSpec, form_spec
from xlplan.core.plan import Plan
from xlplan.core.registry import Registry, Unit
from xlplan.core.submission import Submission
from xlplan.io.form_reader import read_form
from xlplan.io.readers import ENGINES

UNITS = (
    Unit("P_VUNINH", "Đảng bộ phường Vũ Ninh", "xa_phuong"),
    Unit("CQ_UBND", "Đảng bộ Cơ quan Ủy ban nhân dân thành phố", "co_quan"),
    Unit("CB_DIENLUC", "Chi bộ Điện lực Bắc Ninh", "chi_bo_co_so", has_source=False),
)
PERIODS = {"F01": ("2017",), "F02": ("2017-01", "2017-Q2", "2017"), "F03": ("2017",)}
GENERATORS = ("fixture",) + (("writer",) if importlib.util.find_spec("xlplan.io.form_writer") else ())
META_SHEET = "_xlplan"


# -- making forms ------------------------------------------------------------------------

def sample_values(form: str, plan: Plan, unit: Unit, seed: int = 0) -> dict[str, Any]:
    """A consistent filling of ``form`` (every check holds) that varies with ``seed``."""
    orgs = plan.org_ratings.labels
    sign = {"ngay_lap": dt.date(2017, 2, 10 + seed), "nguoi_lap": f"Nguyễn Văn Lập {seed}",
            "bi_thu": "Trần Thị Thư"}
    if form == "F01":
        minimum = plan.admission_minimum(unit.kind, unit.has_source)
        return {"chi_bo_truc_thuoc": 5 + seed, "dv_tong_so": 120 + seed, "dv_du_bi": 4,
                "kq_xep_loai": orgs[1], "kq_dv_duoc_danh_gia": 110, "kq_dv_xuat_sac": 12, "kq_dv_tot": 86,
                "kq_ket_nap": 9, "dk_xep_loai": orgs[0], "dk_ket_nap": minimum + seed, "dk_nguon": 15,
                "dk_nguon_boi_duong": 10, "dk_ty_le_tot": Fraction(86 + seed, 100), "dk_chuyen_chinh_thuc": 3,
                "dk_dv_dang_ky_ren_luyen": 118, **sign}
    if form == "F02":
        start, admitted, ins, outs, dead, struck = 200 + seed, 2 + seed, 1, 2, 1, 1
        return {"dv_dau_ky": start, "kn_trong_ky": admitted, "kn_luy_ke": admitted + 3, "chuyen_chinh_thuc": 1,
                "chuyen_den": ins, "chuyen_di": outs, "tu_tran": dead, "xoa_ten": struck, "xoa_ten_dv_moi": 0,
                "khai_tru": 0, "ra_dang": 0, "dv_cuoi_ky": start + admitted + ins - outs - dead - struck,
                "dv_ky_luat": 0, "qc_hoc_nhan_thuc": 4, "ghi_chu": "Không có; dòng 2\nthứ hai", **sign}
    cells = {f"cb_{c.code}": n for c, n in zip(plan.org_ratings.categories, (1, 3 + seed, 1, 0, 0, 0))}
    counts = dict(zip(plan.member_count_fields, (15, 90 + seed, 10, 1)))
    assessed = sum(counts.values())
    return {"tccs_tu_xep_loai": orgs[1], "tccs_xep_loai": orgs[1], "chi_bo_tong_so": sum(cells.values()),
            **cells, "dv_tong_so": assessed + 7, "dv_khong_danh_gia": 7, "dv_duoc_danh_gia": assessed,
            **counts, "dv_dat_cam_ket": assessed - 2, **sign}


def prefilled(spec: FormSpec, plan: Plan, unit: Unit, period: str) -> dict[str, Any]:
    known = {"don_vi_ma": unit.code, "don_vi_ten": unit.name, "loai_hinh": plan.kind(unit.kind).label,
             "ky_bao_cao": period, "ct_toi_thieu": plan.admission_minimum(unit.kind, unit.has_source)}
    return {f.id: known[f.id] for f in spec.fields if f.id in known}


def expected_values(spec: FormSpec, plan: Plan, unit: Unit, period: str, values: Mapping[str, Any]) -> dict:
    out = {f.id: None for f in spec.fields}
    out.update(prefilled(spec, plan, unit, period))
    out.update(values)
    return out


def build_fixture(spec: FormSpec, plan: Plan, unit: Unit, period: str,
                  values: Mapping[str, Any] | None = None) -> openpyxl.Workbook:
    """A workbook that honours the form contract with a layout unlike the writer's.

    Inputs in column E from row 4 of a main sheet that does not come first,
    derived cells further down with formulas, metadata in ``_xlplan``.
    """
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Ghi chú"
    notes["A1"] = "Biểu mẫu kiểm thử"
    ws = wb.create_sheet(spec.sheet)
    ws["B2"] = spec.title
    data = {**prefilled(spec, plan, unit, period), **(values or {})}
    row = 4
    for group in spec.groups:
        ws.cell(row, 2, group.title)
        row += 1
        for item in group.fields:
            ws.cell(row, 2, item.label)
            put(ws.cell(row, 5), data.get(item.id))
            _name(wb, item.id, ws.title, f"E{row}")
            row += 1
        row += 1
    for item in spec.derived:
        ws.cell(row, 2, item.label)
        ws.cell(row, 5, "=1+1")
        _name(wb, item.id, ws.title, f"E{row}")
        row += 1
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    for r, (key, value) in enumerate({
        "xlp_form": spec.id, "xlp_version": spec.version, "xlp_plan": plan.id, "xlp_plan_year": plan.year,
        "xlp_unit": unit.code, "xlp_period": period, "xlp_generator": "test fixture",
    }.items(), start=1):
        meta.cell(r, 1, key)
        meta.cell(r, 2, value)
        _name(wb, key, META_SHEET, f"B{r}")
    return wb


def put(cell: Any, value: Any) -> None:
    """Write a value as Excel would store it (shares as numbers, dates as date cells)."""
    if isinstance(value, Fraction):
        cell.value = float(value)
        cell.number_format = "0.00%"
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        cell.value = dt.datetime(value.year, value.month, value.day)
        cell.number_format = "dd/mm/yyyy"
    else:
        cell.value = value


def _name(wb: openpyxl.Workbook, name: str, sheet: str, cell: str) -> None:
    column = cell.rstrip("0123456789")
    quoted = "'" + sheet.replace("'", "''") + "'"
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!${column}${cell[len(column):]}")


def make_form(path: Path, generator: str, form: str, plan: Plan, unit: Unit, period: str,
              values: Mapping[str, Any] | None = None) -> Path:
    spec = form_spec(form, plan)
    if generator == "writer":
        from xlplan.io.form_writer import write_form
        return write_form(path, spec, plan, unit, period, values=dict(values or {}))
    build_fixture(spec, plan, unit, period, values).save(path)
    return path


# -- editing forms the way units do ------------------------------------------------------

def name_targets(path: Path) -> dict[str, tuple[str, str]]:
    """Defined name → (sheet, "C12"), read with openpyxl independently of the readers."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for name, item in wb.defined_names.items():
        sheet, ref = item.attr_text.rsplit("!", 1)
        out[name] = (sheet.strip("'").replace("''", "'"), ref.replace("$", ""))
    return out


def set_cells(path: Path, raws: Mapping[str, Any], target: Path | None = None) -> Path:
    """Overwrite the cells named ``raws``' keys with raw values, as a unit typing in Excel would."""
    wb = openpyxl.load_workbook(path)
    for name, raw in raws.items():
        sheet, ref = wb.defined_names[name].attr_text.rsplit("!", 1)
        cell = wb[sheet.strip("'").replace("''", "'")][ref.replace("$", "")]
        cell.value = raw
        if isinstance(raw, str):
            cell.data_type = "s"  # text, even "=..." — units type text, not formulas
    out = target or path
    wb.save(out)
    return out


def set_formula(path: Path, name: str, formula: str) -> Path:
    wb = openpyxl.load_workbook(path)
    sheet, ref = wb.defined_names[name].attr_text.rsplit("!", 1)
    wb[sheet.strip("'").replace("''", "'")][ref.replace("$", "")] = formula
    wb.save(path)
    return path


def insert_rows_above(path: Path, sheet: str, count: int, target: Path) -> Path:
    """What Excel does on "Insert rows" at row 1: move every cell and merge down, fix the names."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    merged = [CellRange(str(r)) for r in ws.merged_cells.ranges]
    for rng in merged:
        ws.unmerge_cells(rng.coord)
    ws.move_range(f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}", rows=count, translate=True)
    for rng in merged:
        rng.shift(row_shift=count)
        ws.merge_cells(rng.coord)
    quoted = "'" + sheet.replace("'", "''") + "'"
    for item in wb.defined_names.values():
        for prefix in (f"{quoted}!", f"{sheet}!"):
            if item.attr_text.startswith(prefix):
                ref = re.sub(r"\$(\d+)", lambda m: f"${int(m[1]) + count}", item.attr_text[len(prefix):])
                item.attr_text = prefix + ref
    wb.save(target)
    return target


# -- comparing ---------------------------------------------------------------------------

def comparable(sub: Submission) -> tuple:
    """Everything a Submission says except which engine said it."""
    return (sub.file, sub.form, sub.version, sub.plan_id, sub.plan_year, sub.unit, sub.period, sub.generator,
            sub.sha256, dict(sub.values), [f.to_dict() for f in sub.findings])


def found(sub: Submission) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.cell, f.field) for f in sub.findings}


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


# -- round trip --------------------------------------------------------------------------

@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("form, period", [(f, p) for f, ps in PERIODS.items() for p in ps])
@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.code)
def test_filled_form_reads_back_the_same(tmp_path: Path, plan: Plan, engine: str, generator: str, form: str,
                                         period: str, unit: Unit) -> None:
    values = sample_values(form, plan, unit, seed=len(unit.code) % 3)
    path = make_form(tmp_path / f"{unit.code}_{form}_{period}.xlsx", generator, form, plan, unit, period, values)
    sub = read_form(path, plan, engine)
    spec = form_spec(form, plan)
    assert sub.findings == []
    assert (sub.form, sub.version, sub.plan_id, sub.plan_year, sub.unit, sub.period) == (
        form, spec.version, plan.id, plan.year, unit.code, period)
    assert sub.engine == engine
    assert sub.as_dict() == expected_values(spec, plan, unit, period, values)
    targets = name_targets(path)
    for field_id, cell in sub.values.items():
        assert (cell.sheet, cell.cell) == targets[field_id]
    assert set(sub.values) == {f.id for f in spec.fields}  # derived cells are never read as data
    assert isinstance(sub.value("ngay_lap"), dt.date)


def test_share_is_an_exact_fraction(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    values = {**sample_values("F01", plan, unit), "dk_ty_le_tot": Fraction(29, 100)}
    sub = read_form(make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017", values), plan, engine)
    assert sub.value("dk_ty_le_tot") == Fraction(29, 100)
    assert sub.values["dk_ty_le_tot"].raw == 0.29


@pytest.mark.parametrize("generator", GENERATORS)
def test_blank_inputs_give_only_required_findings(tmp_path: Path, plan: Plan, engine: str, generator: str) -> None:
    unit = UNITS[0]
    sub = read_form(make_form(tmp_path / "f.xlsx", generator, "F02", plan, unit, "2017-03"), plan, engine)
    required = {f.id for f in form_spec("F02", plan).inputs if f.required}
    assert {f.code for f in sub.findings} == {"value-required"}
    assert {f.field for f in sub.findings} == required  # no check fires on empty inputs


# -- cell values ---------------------------------------------------------------------------

BAD = {
    "dv_tong_so": ("mười hai", "not-a-number"),
    "dv_du_bi": (-1, "negative"),
    "chi_bo_truc_thuoc": (3.5, "not-whole"),
    "dk_ty_le_tot": (1.5, "out-of-range"),
    "dk_xep_loai": ("Xuất sắc", "not-in-list"),
    "ngay_lap": ("32/13/2017", "bad-date"),
    "dk_ket_nap": (None, "value-required"),
    "kq_dv_tot": (True, "not-a-number"),
}
WARNINGS = {
    "kq_ket_nap": (" 12 ", "number-as-text", 12),
    "dk_nguon": ("1.234", "number-as-text", 1234),  # a count: thousands, never asked (issue 13)
    "kq_dv_duoc_danh_gia": ("1.110.000", "number-as-text", 1_110_000),
    "dk_chuyen_chinh_thuc": ("3", "number-as-text", 3),
    "nguoi_lap": ("Nguyễn_x0001_ Văn A", "text-control-chars", "Nguyễn Văn A"),
    "kq_xep_loai": ("  trong sạch,  VỮNG MẠNH ", None, "Trong sạch, vững mạnh"),
}


@pytest.mark.parametrize("generator", GENERATORS)
def test_each_bad_value_is_found_at_its_cell(tmp_path: Path, plan: Plan, engine: str, generator: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", generator, "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    raws = {k: v[0] for k, v in {**BAD, **WARNINGS}.items()}
    set_cells(path, raws)
    targets = name_targets(path)
    sub = read_form(path, plan, engine)
    expected = {(code, targets[f][1], f) for f, (_, code) in BAD.items()}
    expected |= {(code, targets[f][1], f) for f, (_, code, _) in WARNINGS.items() if code}
    assert found(sub) == expected  # the checks over refused cells stay silent
    for field_id in BAD:
        assert sub.value(field_id) is None
    for field_id, (_, _, value) in WARNINGS.items():
        assert sub.value(field_id) == value
    severities = {f.code: f.severity for f in sub.findings}
    assert severities["number-as-text"] is Severity.WARNING and severities["not-a-number"] is Severity.ERROR
    assert sub.values["dv_tong_so"].raw == "mười hai"
    assert not sub.ok


def test_date_typed_as_text(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[1]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F03", plan, unit, "2017", sample_values("F03", plan, unit))
    set_cells(path, {"ngay_lap": "15/01/2018"})
    sub = read_form(path, plan, engine)
    assert {f.code for f in sub.findings} == {"date-as-text"}
    assert sub.value("ngay_lap") == dt.date(2018, 1, 15) and sub.ok


def test_formulas_are_never_evaluated(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    set_formula(path, "dv_tong_so", "=100+20")  # saved by openpyxl: no cached value
    sub = read_form(path, plan, engine)
    assert sub.value("dv_tong_so") is None
    assert [(f.code, f.field) for f in sub.findings] == [("value-required", "dv_tong_so")]


def test_derived_cells_are_not_data(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    values = sample_values("F02", plan, unit)
    path = make_form(tmp_path / "f.xlsx", "fixture", "F02", plan, unit, "2017-05", values)
    set_cells(path, {"ct_cuoi_ky_tinh": 9999, "kt_can_doi": "Khớp"})
    values["dv_cuoi_ky"] += 1
    set_cells(path, {"dv_cuoi_ky": values["dv_cuoi_ky"]})
    sub = read_form(path, plan, engine)
    assert "ct_cuoi_ky_tinh" not in sub.values and "kt_can_doi" not in sub.values
    assert [f.code for f in sub.findings] == ["balance-mismatch"]  # computed here, not read from the file


# -- checks --------------------------------------------------------------------------------

@pytest.mark.parametrize("generator", GENERATORS)
def test_balance_mismatch_at_closing_members(tmp_path: Path, plan: Plan, engine: str, generator: str) -> None:
    unit = UNITS[0]
    values = sample_values("F02", plan, unit)
    values["dv_cuoi_ky"] += 2
    path = make_form(tmp_path / "f.xlsx", generator, "F02", plan, unit, "2017-Q1", values)
    sub = read_form(path, plan, engine)
    [finding] = sub.findings
    assert (finding.code, finding.field, finding.cell) == ("balance-mismatch", "dv_cuoi_ky",
                                                           name_targets(path)["dv_cuoi_ky"][1])
    assert finding.params["actual"] == str(values["dv_cuoi_ky"])
    assert finding.params["expected"] == str(values["dv_cuoi_ky"] - 2)
    assert "{" not in finding.message and "{" not in finding.fix


def test_other_checks_with_their_params(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    f02 = sample_values("F02", plan, unit)
    f02.update(kn_luy_ke=1, kn_trong_ky=2, dv_cuoi_ky=f02["dv_cuoi_ky"], xoa_ten_dv_moi=3)
    f02["dv_cuoi_ky"] = f02["dv_dau_ky"] + 2 + 1 - 2 - 1 - 1
    sub = read_form(make_form(tmp_path / "a.xlsx", "fixture", "F02", plan, unit, "2017-04", f02), plan, engine)
    by_code = {f.code: f for f in sub.findings}
    assert set(by_code) == {"ytd-less-than-period", "part-exceeds-whole"}
    assert (by_code["ytd-less-than-period"].field, by_code["ytd-less-than-period"].params["ytd"],
            by_code["ytd-less-than-period"].params["period"]) == ("kn_luy_ke", "1", "2")
    part = by_code["part-exceeds-whole"]
    assert (part.field, part.params["part"], part.params["whole"]) == ("xoa_ten_dv_moi", "3", "1")

    f03 = sample_values("F03", plan, unit)
    f03["dv_tot"] += 1
    sub = read_form(make_form(tmp_path / "b.xlsx", "fixture", "F03", plan, unit, "2017", f03), plan, engine)
    [finding] = sub.findings
    assert (finding.code, finding.field) == ("sum-mismatch", "dv_xuat_sac")  # the check's left-hand field
    assert finding.params["parts"] == str(f03["dv_duoc_danh_gia"] + 1)
    assert finding.params["total"] == str(f03["dv_duoc_danh_gia"])


def test_below_minimum_names_the_kind(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]  # xa_phuong: minimum 8
    values = {**sample_values("F01", plan, unit), "dk_ket_nap": 5}
    path = make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017", values)
    [finding] = read_form(path, plan, engine).findings
    assert (finding.code, finding.severity, finding.field) == ("below-minimum", Severity.WARNING, "dk_ket_nap")
    assert (finding.params["value"], finding.params["minimum"], finding.params["kind"]) == (
        "5", "8", "Đảng bộ xã, phường")
    registry = Registry((unit,))
    [finding] = read_form(path, plan, engine, registry=registry).findings
    assert finding.params["kind"] == "Đảng bộ xã, phường"


def test_check_is_skipped_when_an_input_is_refused(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    values = sample_values("F02", plan, unit)
    path = make_form(tmp_path / "f.xlsx", "fixture", "F02", plan, unit, "2017-06", values)
    set_cells(path, {"tu_tran": "hai"})
    sub = read_form(path, plan, engine)
    assert [f.code for f in sub.findings] == ["not-a-number"]


# -- identity and metadata -------------------------------------------------------------------

def test_findings_carry_unit_file_sheet_cell_field(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[1]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    set_cells(path, {"dv_tong_so": "abc"})
    given = str(path)
    [finding] = read_form(given, plan, engine).findings
    assert (finding.unit, finding.file, finding.sheet, finding.field) == (unit.code, given, "Đăng ký", "dv_tong_so")
    assert finding.cell == name_targets(path)["dv_tong_so"][1]
    assert finding.location == f"'Đăng ký'!{finding.cell}"


@pytest.mark.parametrize("generator", GENERATORS)
def test_unit_and_period_mismatch(tmp_path: Path, plan: Plan, engine: str, generator: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", generator, "F02", plan, unit, "2017-02", sample_values("F02", plan, unit))
    set_cells(path, {"don_vi_ma": "P_KHAC", "ky_bao_cao": "2017-03"})
    targets = name_targets(path)
    sub = read_form(path, plan, engine)
    assert found(sub) == {("unit-mismatch", targets["don_vi_ma"][1], "don_vi_ma"),
                          ("period-mismatch", targets["ky_bao_cao"][1], "ky_bao_cao")}
    assert (sub.unit, sub.period) == (unit.code, "2017-02")  # what the generator stamped
    assert all(f.unit == unit.code for f in sub.findings)


def test_period_invalid_in_cell_and_in_metadata(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F02", plan, unit, "2017-02", sample_values("F02", plan, unit))
    set_cells(path, {"ky_bao_cao": "tháng 2", "xlp_period": "2017-Q7"})
    targets = name_targets(path)
    sub = read_form(path, plan, engine)
    assert found(sub) == {("period-invalid", targets["ky_bao_cao"][1], "ky_bao_cao"),
                          ("period-invalid", targets["xlp_period"][1], "xlp_period")}


def test_period_not_accepted_by_the_form(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017-Q1", sample_values("F01", plan, unit))
    assert [f.code for f in read_form(path, plan, engine).findings] == ["period-not-accepted"]


def test_unknown_form_version_plan_and_unit(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    base = make_form(tmp_path / "f.xlsx", "fixture", "F03", plan, unit, "2017", sample_values("F03", plan, unit))
    unknown = read_form(set_cells(base, {"xlp_form": "F09"}, tmp_path / "a.xlsx"), plan, engine)
    assert [f.code for f in unknown.findings] == ["form-unknown"] and unknown.values == {}
    old = read_form(set_cells(base, {"xlp_version": "0.9"}, tmp_path / "b.xlsx"), plan, engine)
    assert [(f.code, f.severity) for f in old.findings] == [("form-version-unknown", Severity.WARNING)]
    assert old.values  # still read
    other = read_form(set_cells(base, {"xlp_plan": "bac-ninh-2018"}, tmp_path / "c.xlsx"), plan, engine)
    assert [f.code for f in other.findings] == ["plan-mismatch"]
    stranger = read_form(base, plan, engine, registry=Registry((UNITS[1],)))
    assert [(f.code, f.field) for f in stranger.findings] == [("unit-unknown", "don_vi_ma")]
    assert read_form(base, plan, engine, registry=Registry(UNITS)).findings == []


def test_missing_field_name(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    wb = openpyxl.load_workbook(path)
    del wb.defined_names["dk_nguon"]
    wb.defined_names["dv_du_bi"].attr_text = "#REF!"
    wb.save(path)
    sub = read_form(path, plan, engine)
    assert found(sub) == {("field-missing", None, "dk_nguon"), ("field-missing", None, "dv_du_bi")}
    assert "dk_nguon" not in sub.values


# -- rows inserted above the inputs ------------------------------------------------------------

@pytest.mark.parametrize("generator", GENERATORS)
def test_rows_inserted_above_inputs_read_identically(tmp_path: Path, plan: Plan, engine: str,
                                                     generator: str) -> None:
    unit = UNITS[2]
    values = sample_values("F02", plan, unit)
    path = make_form(tmp_path / "f.xlsx", generator, "F02", plan, unit, "2017-Q3", values)
    spec = form_spec("F02", plan)
    moved = insert_rows_above(path, spec.sheet, 4, tmp_path / "moved.xlsx")
    before, after = read_form(path, plan, engine), read_form(moved, plan, engine)
    assert after.findings == [] and after.as_dict() == before.as_dict()
    for field_id, cell in after.values.items():
        row = int(before.values[field_id].cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        assert cell.cell == re.sub(r"\d+", str(row + 4), before.values[field_id].cell)


# -- files that are not forms ------------------------------------------------------------------

def test_plain_workbook_is_not_a_form(tmp_path: Path, plan: Plan, engine: str) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Danh sách đảng viên"
    wb.save(tmp_path / "x.xlsx")
    sub = read_form(tmp_path / "x.xlsx", plan, engine)
    assert [f.code for f in sub.findings] == ["not-a-form"] and sub.form is None


@pytest.mark.parametrize("content, code", [
    (b"", "file-unreadable"),
    (os.urandom(4096), "file-unreadable"),
    (b"PK\x03\x04" + os.urandom(2000), "file-unreadable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), "format-unsupported"),
    ("Mã đơn vị;Tên\nP_VUNINH;Vũ Ninh\n".encode(), "file-unreadable"),
])
def test_broken_files_are_findings_not_exceptions(tmp_path: Path, plan: Plan, engine: str, content: bytes,
                                                  code: str) -> None:
    path = tmp_path / "gửi lại.xlsx"
    path.write_bytes(content)
    sub = read_form(path, plan, engine)
    assert [f.code for f in sub.findings] == [code]
    assert sub.findings[0].file == str(path) and sub.values == {}


def test_truncated_form_is_unreadable(tmp_path: Path, plan: Plan, engine: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    data = path.read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    assert [f.code for f in read_form(tmp_path / "cut.xlsx", plan, engine).findings] == ["file-unreadable"]


def test_missing_path_and_folder(tmp_path: Path, plan: Plan, engine: str) -> None:
    assert [f.code for f in read_form(tmp_path / "none.xlsx", plan, engine).findings] == ["file-unreadable"]
    assert [f.code for f in read_form(tmp_path, plan, engine).findings] == ["file-unreadable"]


def test_unknown_engine_is_a_programming_error(tmp_path: Path, plan: Plan) -> None:
    with pytest.raises(ValueError):
        read_form(tmp_path / "f.xlsx", plan, "xlrd")


# -- the file is left alone --------------------------------------------------------------------

@pytest.mark.parametrize("generator", GENERATORS)
def test_reading_never_touches_the_file(tmp_path: Path, plan: Plan, generator: str) -> None:
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", generator, "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    set_cells(path, {"dv_tong_so": "abc"})
    os.utime(path, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000))
    data, stat, listing = path.read_bytes(), path.stat(), sorted(os.listdir(tmp_path))
    for name in ENGINES:
        read_form(path, plan, name)
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_size == stat.st_size
    assert sorted(os.listdir(tmp_path)) == listing  # no lock or temporary files left behind


def test_sha256_is_the_file_bytes(tmp_path: Path, plan: Plan) -> None:
    import hashlib
    unit = UNITS[0]
    path = make_form(tmp_path / "f.xlsx", "fixture", "F01", plan, unit, "2017", sample_values("F01", plan, unit))
    assert read_form(path, plan).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_form(path, plan).engine == "calamine"  # the default, fast path
