"""The form writer: names, identity, protection, validation, formulas, values, bytes.

Every generated workbook is opened again with openpyxl (real files in tmp_path)
and checked through its defined names, as the readers use it.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest

import xlplan
from xlplan.core.forms import META_KEYS, Check, Ratio, Total, form_spec
from xlplan.core.periods import Period, PeriodError
from xlplan.core.plan import Plan
from xlplan.core.registry import Unit
from xlplan.io import form_writer
from xlplan.io.excel_formulas import FORBIDDEN_FUNCTIONS, percent_format, render
from xlplan.io.form_writer import build_form, write_form
from xlplan.io.workbook_files import save_workbook, workbook_bytes
from xlplan.services.forms import describe_form, form_file_name, make_forms

UNITS = (
    Unit("P_VUNINH", "Đảng bộ phường Vũ Ninh", "xa_phuong", True, 412, 14),
    Unit("CB_THUVIEN", "Chi bộ Thư viện thành phố", "chi_bo_co_so", False, 9, 0),
    Unit("CB_NHAVANHOA", "Chi bộ Nhà văn hóa", "chi_bo_co_so", True, 11, 0),
    Unit("DN_ABC", "Đảng bộ Công ty TNHH \"A&B\" <Kinh Bắc>", "doanh_nghiep", True, 60, 4),
)
CASES = (  # (form, unit index, period)
    ("F01", 0, "2017"), ("F01", 1, "2017"), ("F01", 3, "2017"),
    ("F02", 0, "2017-01"), ("F02", 2, "2017-Q2"), ("F02", 3, "2017"),
    ("F03", 0, "2017"), ("F03", 1, "2017"),
)
FORBIDDEN_RE = re.compile(r"\b(" + "|".join(FORBIDDEN_FUNCTIONS) + r")\s*\(", re.IGNORECASE)
INPUT_FILL = "00FFF2CC"


def resolve(wb: openpyxl.Workbook, name: str):
    """The one cell a workbook-level defined name points to."""
    assert name in wb.defined_names, f"no defined name {name}"
    destinations = list(wb.defined_names[name].destinations)
    assert len(destinations) == 1
    sheet, ref = destinations[0]
    assert ":" not in ref, f"{name} is a range: {ref}"
    return wb[sheet][ref.replace("$", "")]


def generate(tmp_path: Path, plan: Plan, form: str, unit: Unit | None, period: str | None, **kw) -> openpyxl.Workbook:
    name = f"{form}_{unit.code if unit else 'blank'}_{period}.xlsx"
    path = write_form(tmp_path / name, form_spec(form, plan), plan, unit, period, **kw)
    return openpyxl.load_workbook(path)


@pytest.fixture(params=CASES, ids=lambda c: f"{c[0]}-{UNITS[c[1]].code}-{c[2]}")
def case(request, tmp_path, plan):
    form, index, period = request.param
    unit = UNITS[index]
    return form_spec(form, plan), unit, Period.parse(period), generate(tmp_path, plan, form, unit, period)


def test_every_field_derived_and_meta_is_a_named_cell(case):
    spec, _, _, wb = case
    for item in spec.fields:
        assert resolve(wb, item.id).parent.title == spec.sheet
    for derived in spec.derived:
        assert resolve(wb, derived.id).parent.title == spec.sheet
    for key in META_KEYS:
        assert resolve(wb, key).parent.title == "_xlplan"
    text = wb.defined_names[spec.fields[0].id].attr_text
    assert re.fullmatch(r"'[^']+'!\$C\$\d+", text), text
    addresses = [resolve(wb, f.id).coordinate for f in spec.fields] + [resolve(wb, d.id).coordinate for d in spec.derived]
    assert len(set(addresses)) == len(addresses)


def test_identity_is_prefilled_and_locked(case, plan):
    spec, unit, period, wb = case
    expected = {"don_vi_ma": unit.code, "don_vi_ten": unit.name, "loai_hinh": plan.kind(unit.kind).label,
                "ky_bao_cao": str(period)}
    if spec.id == "F01":
        expected["ct_toi_thieu"] = plan.admission_minimum(unit.kind, unit.has_source)
    for name, value in expected.items():
        cell = resolve(wb, name)
        assert cell.value == value
        assert cell.protection.locked
    assert isinstance(resolve(wb, "ky_bao_cao").value, str)
    assert resolve(wb, "ky_bao_cao").number_format == "@"


def test_admission_minimum_follows_kind_and_source(tmp_path, plan):
    minimum = {u.code: resolve(generate(tmp_path, plan, "F01", u, "2017"), "ct_toi_thieu").value for u in UNITS}
    assert minimum == {"P_VUNINH": 8, "CB_THUVIEN": 0, "CB_NHAVANHOA": 1, "DN_ABC": 3}


def test_inputs_unlocked_and_coloured_everything_else_locked(case):
    spec, _, _, wb = case
    main = wb[spec.sheet]
    inputs = {resolve(wb, f.id).coordinate for f in spec.inputs}
    for item in spec.inputs:
        cell = resolve(wb, item.id)
        assert cell.protection.locked is False
        assert cell.fill.fgColor.rgb == INPUT_FILL
    for row in main.iter_rows():
        for cell in row:
            if cell.coordinate not in inputs and cell.value is not None:
                assert cell.protection.locked, cell.coordinate
    for ws in wb.worksheets:
        if ws.title != spec.sheet:
            assert all(c.protection.locked for r in ws.iter_rows() for c in r)


def test_sheets_protected_hidden_and_ordered(case):
    spec, _, _, wb = case
    assert wb.sheetnames == ["Hướng dẫn", spec.sheet, "DanhSach", "_xlplan"]
    assert wb.active.title == spec.sheet
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [False, True, False, False]
    assert all(ws.protection.sheet for ws in wb.worksheets)
    assert all(ws.protection.password is None for ws in wb.worksheets)
    assert wb["DanhSach"].sheet_state == "hidden"
    assert wb["_xlplan"].sheet_state == "hidden"
    assert wb.security.lockStructure


def test_password_protects_sheets_and_structure(tmp_path, plan):
    wb = generate(tmp_path, plan, "F02", UNITS[0], "2017-03", password="bntu2017")
    hashes = {ws.protection.password for ws in wb.worksheets}
    assert len(hashes) == 1 and None not in hashes
    assert wb.security.workbookPassword is not None


def _validation_of(ws, coordinate: str):
    found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(found) == 1, coordinate
    return found[0]


def test_validations_of_every_typed_input(case, plan):
    spec, _, _, wb = case
    main = wb[spec.sheet]
    for item in spec.inputs:
        cell = resolve(wb, item.id)
        if item.type not in ("int", "share", "date", "choice"):
            continue
        dv = _validation_of(main, cell.coordinate)
        assert dv.showErrorMessage and dv.error and dv.errorTitle
        if item.type == "int":
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
            assert cell.number_format == "#,##0"
        elif item.type == "share":
            assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "1")
            assert cell.number_format == "0.00%"
        elif item.type == "date":
            assert dv.type == "date"
            assert cell.number_format == "dd/mm/yyyy"
        else:
            assert dv.type == "list"
            assert not dv.formula1.startswith('"') and "," not in dv.formula1
            assert dv.formula1 == item.choice_list
            (sheet, ref), = wb.defined_names[dv.formula1].destinations
            assert sheet == "DanhSach" and ":" in ref
            items = [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]
            assert items == plan.org_ratings.labels
        if item.note:
            assert dv.prompt == item.note and dv.showInputMessage


def test_formulas_render_derived_and_use_only_excel_2010_functions(case):
    spec, _, _, wb = case
    for derived in spec.derived:
        cell = resolve(wb, derived.id)
        assert cell.value == render(derived)
        assert cell.protection.locked
        if isinstance(derived, Ratio):
            assert cell.number_format == percent_format(derived.digits) == "0.00%"
    formulas = [c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r
                if isinstance(c.value, str) and c.data_type == "f"]
    assert len(formulas) >= len(spec.derived)
    for formula in formulas:
        assert not FORBIDDEN_RE.search(formula), formula
        assert ";" not in formula


def test_render_exact_text(plan):
    f02 = {d.id: d for d in form_spec("F02", plan).derived}
    assert render(f02["ct_cuoi_ky_tinh"]) == \
        "=dv_dau_ky+kn_trong_ky+chuyen_den-chuyen_di-tu_tran-xoa_ten-khai_tru-ra_dang"
    assert render(f02["kt_can_doi"]) == '=IF(dv_cuoi_ky=ct_cuoi_ky_tinh,"Khớp","Không khớp")'
    f03 = {d.id: d for d in form_spec("F03", plan).derived}
    assert render(f03["ct_ty_le_tot"]) == \
        '=IF((dv_duoc_danh_gia)=0,"",TRUNC((dv_xuat_sac+dv_tot)*10000/(dv_duoc_danh_gia))/10000)'
    half_up = replace(f03["ct_ty_le_tot"], digits=0, mode="tron")
    assert render(half_up) == '=IF((dv_duoc_danh_gia)=0,"",ROUND((dv_xuat_sac+dv_tot)*100/(dv_duoc_danh_gia),0)/100)'
    assert render(Total("t", "t", ((2, "a"), (-1, "b")))) == "=2*a-b"
    assert render(Check("k", "k", ((1, "a"),), ">", ((1, "b"),), "x", 'say "ok"', "no")) == \
        '=IF(a>b,"say ""ok""","no")'
    assert percent_format(0) == "0%" and percent_format(3) == "0.000%"


def test_values_land_in_named_cells(tmp_path, plan):
    values = {"dv_dau_ky": 400, "kn_trong_ky": 3, "kn_luy_ke": 5, "dv_cuoi_ky": 403,
              "ngay_lap": dt.date(2017, 2, 4), "nguoi_lap": "Nguyễn Thị Hoa",
              "ghi_chu": '=HYPERLINK("http://example.invalid","bấm")'}
    path = write_form(tmp_path / "f02.xlsx", form_spec("F02", plan), plan, UNITS[0], "2017-01", values=values)
    wb = openpyxl.load_workbook(path)
    for key in ("dv_dau_ky", "kn_trong_ky", "kn_luy_ke", "dv_cuoi_ky", "nguoi_lap"):
        assert resolve(wb, key).value == values[key]
    assert resolve(wb, "ngay_lap").value == dt.datetime(2017, 2, 4)
    assert resolve(wb, "ngay_lap").number_format == "dd/mm/yyyy"
    link = resolve(wb, "ghi_chu")
    assert link.value == values["ghi_chu"] and link.data_type == "s"
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>HYPERLINK" not in sheet_xml
    assert resolve(wb, "chuyen_di").value is None


def test_share_and_choice_values(tmp_path, plan):
    values = {"dk_ty_le_tot": Fraction(86, 100), "dk_xep_loai": "Trong sạch, vững mạnh", "dk_ket_nap": 9}
    wb = generate(tmp_path, plan, "F01", UNITS[0], "2017", values=values)
    assert resolve(wb, "dk_ty_le_tot").value == pytest.approx(0.86, abs=0)
    assert resolve(wb, "dk_xep_loai").value == "Trong sạch, vững mạnh"
    assert resolve(wb, "dk_ket_nap").value == 9 and isinstance(resolve(wb, "dk_ket_nap").value, int)


def test_bad_inputs_are_refused(plan):
    spec = form_spec("F01", plan)
    with pytest.raises(ValueError, match="kt_ket_nap"):
        build_form(spec, plan, UNITS[0], "2017", values={"kt_ket_nap": "Đạt"})
    with pytest.raises(PeriodError):
        build_form(spec, plan, UNITS[0], "2017-01")
    with pytest.raises(PeriodError):
        build_form(spec, plan, UNITS[0], "2017-13")


def test_metadata(case):
    spec, unit, period, wb = case
    meta = {key: resolve(wb, key).value for key in META_KEYS}
    assert meta == {"xlp_form": spec.id, "xlp_version": spec.version, "xlp_plan": "bac-ninh-2017",
                    "xlp_plan_year": 2017, "xlp_unit": unit.code, "xlp_period": str(period),
                    "xlp_generator": f"xlplan {xlplan.__version__}"}


def test_header_and_print_setup(case, plan):
    spec, unit, period, wb = case
    ws = wb[spec.sheet]
    assert ws["A1"].value == "ĐẢNG BỘ THÀNH PHỐ BẮC NINH"
    assert ws["A2"].value == unit.name.upper()
    assert ws["A3"].value == "*"
    assert ws["C1"].value == "ĐẢNG CỘNG SẢN VIỆT NAM" and ws["C1"].font.u == "single"
    assert ws["C2"].value == f"Bắc Ninh, ngày … tháng … năm {period.year}" and ws["C2"].font.i
    texts = {c.value: c for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    assert texts[spec.title].font.b
    assert period.label in texts
    for word in ("NGƯỜI LẬP BIỂU", "T/M CẤP ỦY", "BÍ THƯ"):
        assert texts[word].font.b
    assert {c.font.name for c in texts.values()} == {"Times New Roman"}
    assert {c.font.sz for c in texts.values()} <= {11.0, 12.0, 13.0, 14.0}
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "portrait"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area is not None and ws.print_area.endswith(f"$D${ws.max_row}")
    assert ws.column_dimensions["B"].width >= 40


def test_help_sheet(tmp_path, plan):
    f01 = generate(tmp_path, plan, "F01", UNITS[0], "2017")
    f02 = generate(tmp_path, plan, "F02", UNITS[0], "2017-01")
    texts = {name: " ".join(str(c.value) for r in wb["Hướng dẫn"].iter_rows() for c in r if c.value)
             for name, wb in (("F01", f01), ("F02", f02))}
    assert "20/02/2017" in texts["F01"]
    assert "05/02/2017" in texts["F02"]
    assert "P_VUNINH_F02_2017-01.xlsx" in texts["F02"]
    assert "Không khớp" in texts["F02"] and "Chưa đạt" in texts["F01"]


def test_blank_form(tmp_path, plan):
    wb = generate(tmp_path, plan, "F01", None, None)
    for name in ("don_vi_ma", "don_vi_ten", "loai_hinh", "ky_bao_cao"):
        cell = resolve(wb, name)
        assert cell.value is None and cell.protection.locked is False
    minimum = resolve(wb, "ct_toi_thieu")
    assert minimum.value is None and minimum.protection.locked
    assert resolve(wb, "xlp_unit").value is None and resolve(wb, "xlp_period").value is None
    kind = _validation_of(wb["Đăng ký"], resolve(wb, "loai_hinh").coordinate)
    (sheet, ref), = wb.defined_names[kind.formula1].destinations
    assert [c.value for r in wb[sheet][ref.replace("$", "")] for c in r] == [k.label for k in plan.kinds]


def test_same_inputs_give_same_bytes(tmp_path, plan):
    spec = form_spec("F03", plan)
    values = {"dv_tong_so": 100, "ngay_lap": dt.date(2018, 1, 5)}
    first = write_form(tmp_path / "a.xlsx", spec, plan, UNITS[0], "2017", values=values)
    second = write_form(tmp_path / "b.xlsx", spec, plan, UNITS[0], "2017", values=values)
    other = write_form(tmp_path / "c.xlsx", spec, plan, UNITS[2], "2017", values=values)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {i.date_time for i in infos} == {(2017, 1, 1, 0, 0, 0)}
        assert b"2017-01-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_save_is_atomic_and_replaces(tmp_path, plan):
    target = tmp_path / "form.xlsx"
    target.write_bytes(b"old")
    wb = build_form(form_spec("F02", plan), plan, UNITS[0], "2017-02")
    save_workbook(wb, target)
    assert target.read_bytes() == workbook_bytes(wb)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["form.xlsx"]
    with pytest.raises(FileNotFoundError):
        save_workbook(wb, tmp_path / "missing" / "form.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["form.xlsx"]


def test_make_forms(tmp_path, plan):
    values = {"P_VUNINH": {"dv_dau_ky": 410}}
    paths = make_forms(plan, UNITS, "F02", "2017-01", tmp_path / "out", codes=["DN_ABC", "P_VUNINH"],
                       values_by_unit=values)
    assert [p.name for p in paths] == ["DN_ABC_F02_2017-01.xlsx", "P_VUNINH_F02_2017-01.xlsx"]
    assert resolve(openpyxl.load_workbook(paths[1]), "dv_dau_ky").value == 410
    assert form_file_name("P_VUNINH", "F02", "2017-q1") == "P_VUNINH_F02_2017-Q1.xlsx"
    with pytest.raises(ValueError, match="KHONG_CO, SAI_MA"):
        make_forms(plan, UNITS, "F02", "2017-01", tmp_path / "x", codes=["P_VUNINH", "KHONG_CO", "SAI_MA"])
    with pytest.raises(ValueError):
        make_forms(plan, UNITS, "F03", "2017-Q1", tmp_path / "x")
    with pytest.raises(ValueError):
        make_forms(plan, UNITS + (UNITS[0],), "F03", "2017", tmp_path / "x")


def test_make_forms_in_parallel_gives_the_same_files(tmp_path, plan):
    one = make_forms(plan, UNITS, "F03", "2017", tmp_path / "one", workers=1)
    two = make_forms(plan, UNITS, "F03", "2017", tmp_path / "two", workers=2)
    assert [p.name for p in one] == [p.name for p in two] == [f"{u.code}_F03_2017.xlsx" for u in UNITS]
    assert [p.read_bytes() for p in one] == [p.read_bytes() for p in two]


def test_describe_form(plan):
    spec = form_spec("F02", plan)
    rows = describe_form(spec)
    assert [r["id"] for r in rows] == [f.id for f in spec.fields] + [d.id for d in spec.derived]
    by_id = {r["id"]: r for r in rows}
    assert by_id["don_vi_ma"]["locked"] and by_id["dv_dau_ky"]["required"]
    assert by_id["dv_dau_ky"]["group"] == "Biến động đảng viên trong kỳ"
    assert by_id["kt_can_doi"]["kind"] == "check"
    assert by_id["ct_cuoi_ky_tinh"]["formula"].startswith("=dv_dau_ky+")


def test_cell_like_ids_are_refused(plan):
    spec = form_spec("F02", plan)
    bad = replace(spec, derived=spec.derived + (Total("ab12", "x", ((1, "dv_dau_ky"),)),))
    with pytest.raises(ValueError, match="ab12"):
        form_writer.build_form(bad, plan, UNITS[0], "2017-01")
