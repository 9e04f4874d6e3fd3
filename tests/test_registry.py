"""The unit registry: the bundled sample, validation findings by row, CSV and sheet round trips."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook

from xlplan.core.findings import Severity
from xlplan.core.registry import (COLUMNS, Registry, RegistryError, Unit, normalize_name,
                                  parse_registry, suggest_code)
from xlplan.io.plans import load_plan
from xlplan.io.registry import (bundled_registries, load_registry, read_registry_csv,
                                read_registry_sheet, sniff_delimiter, write_registry_csv,
                                write_registry_rows)

BUNDLED = Path(__file__).parents[1] / "src" / "xlplan" / "data" / "registry" / "bac_ninh_2017.csv"
IDS = "ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he"
VI = "Mã đơn vị,Tên tổ chức cơ sở đảng,Loại hình,Có nguồn phát triển đảng,Số đảng viên,Số chi bộ trực thuộc,Liên hệ"


@pytest.fixture(scope="module")
def plan():
    return load_plan()


def write(tmp_path: Path, text: str, name: str = "dm.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(tmp_path: Path, plan, *lines: str):
    return read_registry_csv(write(tmp_path, "\n".join(lines) + "\n"), plan)


def codes_rows(findings) -> list[tuple[str, int]]:
    return [(f.code, f.params["row"]) for f in findings]


# -- the bundled sample ----------------------------------------------------------

def test_bundled_registry_is_the_2016_city(plan):
    assert "bac_ninh_2017" in bundled_registries()
    registry, findings = read_registry_csv(BUNDLED, plan)
    assert findings == []
    assert load_registry() == registry
    assert len(registry) == 80
    assert registry.total_members() == 8877
    assert len(set(registry.codes)) == 80
    kinds = Counter(u.kind for u in registry)
    assert kinds["xa_phuong"] == 19 and set(kinds) == set(plan.kind_codes)
    assert all(unicodedata.is_normalized("NFC", u.name) for u in registry)
    assert all(u.code.isascii() for u in registry)
    wards = registry.by_kind("xa_phuong")
    assert {u.code for u in wards} >= {"P_VUNINH", "P_DAPCAU", "X_HOALONG", "X_KIMCHAN", "X_NAMSON"}
    assert all(200 <= u.members <= 600 and 10 <= u.cells <= 30 for u in wards)
    cells = registry.by_kind("chi_bo_co_so")
    assert all(5 <= u.members <= 40 and u.cells == 0 for u in cells)
    assert 0 < sum(not u.has_source for u in cells) < len(cells)
    assert all(u.has_source for u in registry if u.kind != "chi_bo_co_so")
    assert registry["LL_CONGAN"].kind == "luc_luong_vu_trang"
    assert BUNDLED.read_text(encoding="utf-8").startswith("ma,")


def test_find_by_name_ignores_case_form_and_tone_placement(plan):
    registry = load_registry(plan=plan)
    assert registry.find_by_name("Đảng bộ phường Vũ Ninh".upper()).code == "P_VUNINH"
    assert registry.find_by_name("  đảng bộ   xã Hoà Long ").code == "X_HOALONG"
    assert registry.find_by_name(unicodedata.normalize("NFD", "Đảng bộ xã Hòa Long")).code == "X_HOALONG"
    assert registry.find_by_name("Chi bộ Xí nghiệp Khai thác công trình thuỷ lợi thành phố").code == "CB_THUYLOI"
    assert registry.find_by_name("Đảng bộ xã Hoa Long") is None


def test_normalize_name():
    assert normalize_name("Hoà") == normalize_name("Hòa") == normalize_name("HÒA")
    assert normalize_name("Thuỷ") == normalize_name("Thủy")
    assert normalize_name("Khoẻ") == normalize_name("Khỏe")
    assert normalize_name(unicodedata.normalize("NFD", "Đảng bộ")) == normalize_name("ĐẢNG  BỘ")
    assert normalize_name("Hoa") != normalize_name("Hòa")
    assert normalize_name("Hồ") != normalize_name("Hổ") != normalize_name("Họ")
    assert normalize_name("Ðáp Cầu") == normalize_name("Đáp Cầu")  # eth typed for Đ


def test_registry_collection():
    a = Unit("P_A", "Đảng bộ phường A", "xa_phuong", True, 300, 12)
    b = Unit("CB_B", "Chi bộ B", "chi_bo_co_so", False, 9, 0)
    registry = Registry((a, b))
    assert list(registry) == [a, b] and registry.codes == ("P_A", "CB_B")
    assert registry.get("p_a") is a and "cb_b" in registry and b in registry and "X" not in registry
    assert registry.get("X") is None
    assert registry.by_kind("chi_bo_co_so") == (b,)
    assert registry.total_members() == 309
    with pytest.raises(KeyError):
        registry["X"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        registry.units = ()  # type: ignore[misc]
    with pytest.raises(ValueError):
        Registry((a, dataclasses.replace(b, code="p_A")))


# -- findings by row ---------------------------------------------------------------

def test_missing_column(tmp_path, plan):
    registry, findings = read(tmp_path, plan, "ma,ten,so_dang_vien", "P_A,Đảng bộ phường A,3")
    assert codes_rows(findings) == [("registry-missing-column", 1)]
    assert findings[0].params["column"] == "Loại hình"
    assert len(registry) == 0


def test_duplicate_code_drops_every_row_using_it(tmp_path, plan):
    registry, findings = read(tmp_path, plan, IDS,
                              "P_A,Đảng bộ phường A,xa_phuong,có,300,12,",
                              "P_B,Đảng bộ phường B,xa_phuong,có,250,11,",
                              "p_a,Đảng bộ phường C,xa_phuong,có,200,10,")
    assert codes_rows(findings) == [("registry-duplicate-code", 4)]
    assert findings[0].params["rows"] == "2, 4" and findings[0].params["code"] == "P_A"
    assert registry.codes == ("P_B",)


def test_bad_code_suggests_one(tmp_path, plan):
    registry, findings = read(tmp_path, plan, IDS, "P_OK,Đảng bộ phường A,xa_phuong,có,1,1,",
                              "P Vũ Ninh,Đảng bộ phường Vũ Ninh,xa_phuong,có,300,12,")
    assert codes_rows(findings) == [("registry-bad-code", 3)]
    assert findings[0].params["suggestion"] == "P_VU_NINH" == suggest_code("P Vũ Ninh")
    assert findings[0].severity is Severity.ERROR and registry.codes == ("P_OK",)


def test_unknown_kind_lists_known_ones_and_labels_are_accepted(tmp_path, plan):
    registry, findings = read(tmp_path, plan, IDS,
                              "P_A,Đảng bộ phường A,phuong,có,300,12,",
                              'CB_B,Chi bộ B,"  CHI BỘ cơ sở ",có,9,0,',
                              'P_C,Đảng bộ phường C,"Đảng bộ xã, phường",có,280,12,')
    assert codes_rows(findings) == [("registry-unknown-kind", 2)]
    assert findings[0].params["kind"] == "phuong"
    assert findings[0].params["known"] == ", ".join(plan.kind_codes)
    assert [u.kind for u in registry] == ["chi_bo_co_so", "xa_phuong"]


def test_missing_values(tmp_path, plan):
    registry, findings = read(tmp_path, plan, IDS,
                              ",Đảng bộ phường A,xa_phuong,có,300,12,",
                              "P_B,,xa_phuong,có,300,12,",
                              "P_C,Đảng bộ phường C,,có,300,12,",
                              "P_D,Đảng bộ phường D,xa_phuong,,,,")
    assert codes_rows(findings) == [("registry-missing-value", 2), ("registry-missing-value", 3),
                                    ("registry-missing-value", 4)]
    assert [f.field for f in findings] == ["ma", "ten", "loai_hinh"]
    assert registry.codes == ("P_D",)
    assert registry["P_D"] == Unit("P_D", "Đảng bộ phường D", "xa_phuong", False, 0, 0, "")


@pytest.mark.parametrize("value", ["-3", "12,5", "abc", "3.5", "1e3"])
def test_bad_number(tmp_path, plan, value):
    registry, findings = read(tmp_path, plan, IDS, "P_OK,Đảng bộ phường A,xa_phuong,có,300,12,",
                              f'P_B,Đảng bộ phường B,xa_phuong,có,"{value}",12,')
    assert codes_rows(findings) == [("registry-bad-number", 3)]
    assert findings[0].params["value"] == value and findings[0].field == "so_dang_vien"
    assert findings[0].params["column"] == "Số đảng viên"
    assert registry.codes == ("P_OK",)


def test_numbers_in_vietnamese_style(tmp_path, plan):
    registry, findings = read(tmp_path, plan, IDS, 'P_A,Đảng bộ phường A,xa_phuong,có,"1.204", 12 ,')
    assert findings == [] and registry["P_A"].members == 1204 and registry["P_A"].cells == 12


def test_bad_flag_and_accepted_flags(tmp_path, plan):
    lines = [IDS]
    accepted = {"có": True, "Không": False, "1": True, "0": False, "x": True, "X": True, "": False,
                "TRUE": True, "false": False, "co": True, "khong": False}
    for i, text in enumerate(accepted):
        lines.append(f"CB_{i},Chi bộ {i},chi_bo_co_so,{text},9,0,")
    lines.append("CB_BAD,Chi bộ sai,chi_bo_co_so,có lẽ,9,0,")
    registry, findings = read(tmp_path, plan, *lines)
    assert codes_rows(findings) == [("registry-bad-flag", len(lines))]
    assert findings[0].params["value"] == "có lẽ"
    assert [u.has_source for u in registry] == list(accepted.values())


def test_nfd_name_is_normalized_with_a_note(tmp_path, plan):
    nfd = unicodedata.normalize("NFD", "Đảng bộ phường Thị Cầu")
    registry, findings = read(tmp_path, plan, IDS, "P_OK,Đảng bộ phường A,xa_phuong,có,1,1,",
                              f"P_THICAU,{nfd},xa_phuong,có,300,12,")
    assert codes_rows(findings) == [("registry-name-normalized", 3)]
    assert findings[0].severity is Severity.INFO and findings[0].unit == "P_THICAU"
    assert registry["P_THICAU"].name == "Đảng bộ phường Thị Cầu"


def test_duplicate_name_after_normalization_warns_and_keeps_both(tmp_path, plan):
    registry, findings = read(tmp_path, plan, IDS,
                              "CB_A,Chi bộ Trường Mầm non Hòa Bình,chi_bo_co_so,có,9,0,",
                              "CB_X,Chi bộ X,chi_bo_co_so,có,9,0,",
                              "CB_B,chi bộ trường mầm non  Hoà Bình,chi_bo_co_so,có,9,0,")
    assert codes_rows(findings) == [("registry-duplicate-name", 4)]
    assert findings[0].params["codes"] == "CB_A, CB_B"
    assert findings[0].severity is Severity.WARNING and len(registry) == 3


def test_blank_rows_are_skipped_and_line_numbers_stay_true(tmp_path, plan):
    registry, findings = read(tmp_path, plan, IDS, "", ",,,,,,",
                              'P_A,Đảng bộ phường A,xa_phuong,có,300,12,"Văn phòng,',
                              'dòng hai"',
                              "P_B,Đảng bộ phường B,xa_phuong,có,nhiều,12,")
    assert codes_rows(findings) == [("registry-bad-number", 6)]
    assert findings[0].file.endswith("dm.csv") and findings[0].cell is None
    assert registry["P_A"].contact == "Văn phòng, dòng hai"


# -- headers, delimiters, encodings ---------------------------------------------------

@pytest.mark.parametrize("header", [IDS, VI, "  MÃ ĐƠN VỊ ,tên tổ chức  cơ sở đảng,LOAI_HINH,"
                                                "có nguồn phát triển đảng,Số Đảng Viên,số chi bộ trực thuộc,LIÊN HỆ"])
def test_id_and_vietnamese_headers(tmp_path, plan, header):
    registry, findings = read(tmp_path, plan, header, "P_A,Đảng bộ phường A,xa_phuong,không,300,12,VP")
    assert findings == []
    assert list(registry) == [Unit("P_A", "Đảng bộ phường A", "xa_phuong", False, 300, 12, "VP")]


def test_columns_in_any_order_and_optional_ones_absent(tmp_path, plan):
    registry, findings = read(tmp_path, plan, "Loại hình,Mã đơn vị,Tên tổ chức cơ sở đảng",
                              "chi_bo_co_so,CB_A,Chi bộ A")
    assert findings == []
    assert registry["CB_A"] == Unit("CB_A", "Chi bộ A", "chi_bo_co_so", True, 0, 0, "")


def test_semicolon_csv_with_bom_as_vietnamese_excel_writes_it(tmp_path, plan):
    text = VI.replace(",", ";") + "\r\n" + 'P_A;Đảng bộ phường A;Đảng bộ xã, phường;có;300;12;"VP; 0222"\r\n'
    path = write(tmp_path, "\ufeff" + text)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    registry, findings = read_registry_csv(path, plan)
    assert findings == []
    assert registry["P_A"] == Unit("P_A", "Đảng bộ phường A", "xa_phuong", True, 300, 12, "VP; 0222")


def test_excel_sep_hint_line(tmp_path, plan):
    path = write(tmp_path, "sep=;\n" + IDS.replace(",", ";") + "\nP_A;Đảng bộ phường A;xa_phuong;có;3;1;\n"
                 "P_B;Đảng bộ phường B;xa_phuong;có;x;1;\n")
    registry, findings = read_registry_csv(path, plan)
    assert codes_rows(findings) == [("registry-bad-number", 4)] and registry.codes == ("P_A",)


def test_sniff_delimiter_reads_the_header_line():
    assert sniff_delimiter("\na;b;c\n1,5;x, y;z\n") == ";"
    assert sniff_delimiter('"a;b",c,d\n') == ","
    assert sniff_delimiter("a\tb\tc\n") == "\t"
    assert sniff_delimiter("abc\n") == ","


def test_not_utf8_is_unreadable(tmp_path, plan):
    path = write(tmp_path, IDS + "\nP_A,Đảng bộ phường A,xa_phuong,có,3,1,\n", encoding="utf-16")
    registry, findings = read_registry_csv(path, plan)
    assert [f.code for f in findings] == ["file-unreadable"] and len(registry) == 0


def test_dict_rows(plan):
    rows = [{"Mã đơn vị": "P_A", "Tên tổ chức cơ sở đảng": "Đảng bộ phường A", "Loại hình": "xa_phuong",
             "Số đảng viên": 300.0}, {"Mã đơn vị": "P_B"}]
    registry, findings = parse_registry(rows, plan, source="x")
    assert registry.codes == ("P_A",) and registry["P_A"].members == 300
    assert sorted(codes_rows(findings)) == [("registry-missing-value", 3), ("registry-missing-value", 3)]


# -- round trips ---------------------------------------------------------------------

def test_csv_round_trip(tmp_path, plan):
    registry = load_registry(plan=plan)
    path = write_registry_csv(registry, tmp_path / "out.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + "Mã đơn vị,".encode())
    again, findings = read_registry_csv(path, plan)
    assert findings == [] and again == registry
    assert load_registry(path, plan) == registry
    semi = write_registry_csv(registry, tmp_path / "semi.csv", delimiter=";")
    assert read_registry_csv(semi, plan) == (registry, [])


def test_write_registry_rows():
    registry = Registry((Unit("CB_A", "Chi bộ A", "chi_bo_co_so", False, 9, 0, "VP"),))
    assert write_registry_rows(registry) == [[c.header for c in COLUMNS],
                                             ["CB_A", "Chi bộ A", "chi_bo_co_so", "không", 9, 0, "VP"]]


def _sheet_with_titles(tmp_path: Path, registry: Registry, title: str = "Danh mục đơn vị") -> Path:
    """The registry below three title rows, starting in column B, as the city workbook might hold it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Ghi chú"
    sheet = wb.create_sheet(title)
    sheet["B1"] = "THÀNH ỦY BẮC NINH"
    sheet["B2"] = "DANH MỤC TỔ CHỨC CƠ SỞ ĐẢNG NĂM 2017"
    for r, row in enumerate(write_registry_rows(registry), start=4):
        for c, value in enumerate(row, start=2):
            sheet.cell(row=r, column=c, value=value)
    path = tmp_path / "thanh_pho.xlsx"
    wb.save(path)
    return path


def test_sheet_reader_finds_the_header_below_title_rows(tmp_path, plan):
    registry = load_registry(plan=plan)
    path = _sheet_with_titles(tmp_path, registry)
    again, findings = read_registry_sheet(path, plan)
    assert findings == [] and again == registry
    assert load_registry(path, plan) == registry


def test_sheet_findings_carry_sheet_and_cell(tmp_path, plan):
    registry = Registry((Unit("P_A", "Đảng bộ phường A", "xa_phuong", True, 300, 12),
                         Unit("P_B", "Đảng bộ phường B", "xa_phuong", True, 250, 11)))
    path = _sheet_with_titles(tmp_path, registry)
    from openpyxl import load_workbook
    wb = load_workbook(path)
    wb["Danh mục đơn vị"]["F6"] = "hai trăm"  # so_dang_vien of P_B (row 6, column F)
    wb["Danh mục đơn vị"]["D5"] = "phường"  # loai_hinh of P_A
    wb.save(path)
    again, findings = read_registry_sheet(path, plan)
    assert [(f.code, f.sheet, f.cell, f.params["row"]) for f in findings] == [
        ("registry-unknown-kind", "Danh mục đơn vị", "D5", 5),
        ("registry-bad-number", "Danh mục đơn vị", "F6", 6)]
    assert len(again) == 0
    with pytest.raises(RegistryError) as info:
        load_registry(path, plan)
    assert {f.code for f in info.value.findings} == {"registry-unknown-kind", "registry-bad-number"}


def test_sheet_reader_accepts_an_open_workbook_and_reports_a_missing_sheet(tmp_path, plan):
    registry = Registry((Unit("P_A", "Đảng bộ phường A", "xa_phuong", True, 300, 12),))
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    for row in write_registry_rows(registry):
        ws.append(row)
    assert read_registry_sheet(wb, plan, sheet="danh  SÁCH") == (registry, [])
    wb.create_sheet("Khác")
    again, findings = read_registry_sheet(wb, plan)
    assert [f.code for f in findings] == ["file-unreadable"] and len(again) == 0


def test_sheet_without_header_reports_missing_columns(tmp_path, plan):
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh mục đơn vị"
    ws.append(["Mã", "Tên"])
    ws.append(["P_A", "Đảng bộ phường A"])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    _, findings = read_registry_sheet(path, plan)
    assert [f.params["column"] for f in findings] == ["Mã đơn vị", "Tên tổ chức cơ sở đảng", "Loại hình"]
    assert {f.code for f in findings} == {"registry-missing-column"}


def test_load_registry_errors(tmp_path, plan):
    path = write(tmp_path, IDS + "\nP_A,Đảng bộ phường A,xa_phuong,có,ba,1,\n")
    with pytest.raises(RegistryError) as info:
        load_registry(path, plan)
    assert [f.code for f in info.value.findings] == ["registry-bad-number"]
    with pytest.raises(FileNotFoundError):
        load_registry("khong_co")
    broken = write(tmp_path, "not a zip", name="hong.xlsx")
    _, findings = read_registry_sheet(broken, plan)
    assert [f.code for f in findings] == ["file-unreadable"]


def test_every_registry_finding_renders_its_templates(tmp_path, plan):
    nfd = unicodedata.normalize("NFD", "Chi bộ Hòa")
    _, findings = read(tmp_path, plan, IDS, "P A,Đảng bộ A,phuong,có lẽ,ba,-1,", "P_B,,xa_phuong,có,1,1,",
                       "P_C,Chi bộ C,chi_bo_co_so,có,1,0,", "P_C,Chi bộ D,chi_bo_co_so,có,1,0,",
                       f"CB_E,{nfd},chi_bo_co_so,có,1,0,", "CB_F,Chi bộ Hoà,chi_bo_co_so,có,1,0,")
    _, more = read(tmp_path, plan, "ma,ten")
    findings += more
    assert {f.code for f in findings} == {
        "registry-bad-code", "registry-unknown-kind", "registry-bad-flag", "registry-bad-number",
        "registry-missing-value", "registry-duplicate-code", "registry-name-normalized",
        "registry-duplicate-name", "registry-missing-column"}
    for f in findings:
        assert "{" not in f.message + f.fix, f.code
    assert all(f.params["code"] == "P A" for f in findings if f.params["row"] == 2)
