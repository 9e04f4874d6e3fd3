"""The Excel UDFs: the formula table staff rely on, ranges in and out, and never an exception.

On Linux ``xw.func``/``xw.arg`` leave the functions plain callables, so they are
called here as Excel would call them: scalars for single values, lists of rows
for ranges (with ``ndim=2`` even a single cell arrives as ``[[x]]``), floats for
numbers, ``None`` for empty cells.
"""

from __future__ import annotations

import inspect
import math
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan import udfs
from xlplan.udfs import (
    ARG_DOCS,
    DESCRIPTIONS,
    ERR_COMPARISON,
    ERR_DIGITS,
    ERR_FLAG,
    ERR_MODE,
    ERR_NEGATIVE,
    ERR_NOT_NUMBER,
    ERR_NOT_TEXT,
    ERR_NOT_WHOLE,
    ERR_RANGE,
    ERR_SHAPE,
    ERR_UNEXPECTED,
    NO_DATA,
    UDFS,
    XLP_CHITIEU_KETNAP,
    XLP_DAT,
    XLP_DONVI,
    XLP_HOANTHANH,
    XLP_SO,
    XLP_TYLE,
    XLP_TYLE_TEXT,
)

PROFILE = "xlplan-deterministic"
settings.register_profile(PROFILE, derandomize=True, max_examples=400, deadline=None, database=None)
DETERMINISTIC = settings.get_profile(PROFILE)

REGISTRY_CSV = """\
ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he
P_THU,Đảng bộ phường Thử Nghiệm,xa_phuong,có,480,24,"Văn phòng Đảng ủy, 0222.0000.001"
DN_THU,Đảng bộ Công ty Thử Nghiệm,Đảng bộ cơ sở doanh nghiệp,có,67,5,
CB_THU,Chi bộ Hợp tác xã Thử Nghiệm,chi_bo_co_so,không,7,0,Bí thư chi bộ
"""


@pytest.fixture(autouse=True)
def bundled_defaults(monkeypatch):
    """Each test starts from the bundled plan and registry, whatever the runner's environment says."""
    monkeypatch.delenv(udfs.PLAN_ENV, raising=False)
    monkeypatch.delenv(udfs.REGISTRY_ENV, raising=False)


@pytest.fixture
def plan_file(tmp_path) -> Path:
    """A copy of the bundled plan whose commune/ward minimum is 9 instead of 8."""
    text = (resources.files("xlplan") / "data" / "plans" / "bac_ninh_2017.toml").read_text(encoding="utf-8")
    changed = text.replace('code = "xa_phuong"\nlabel = "Đảng bộ xã, phường"\nmin_admissions = 8',
                           'code = "xa_phuong"\nlabel = "Đảng bộ xã, phường"\nmin_admissions = 9')
    assert changed != text, "the bundled plan no longer has the expected xa_phuong block"
    path = tmp_path / "ke_hoach_thu.toml"
    path.write_text(changed, encoding="utf-8")
    return path


@pytest.fixture
def registry_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "danh_muc.csv"
    path.write_text(REGISTRY_CSV, encoding="utf-8")
    monkeypatch.setenv(udfs.REGISTRY_ENV, str(path))
    return path


# -- the formula table ---------------------------------------------------------------

def test_xlp_tyle():
    assert XLP_TYLE(65, 79) == 0.8227
    assert XLP_TYLE(65.0, 79.0) == 0.8227  # Excel hands numbers over as floats
    assert XLP_TYLE(2, 3, 2, "tron") == 0.6667
    assert XLP_TYLE(2, 3) == 0.6666
    assert XLP_TYLE(57, 100) == 0.57
    assert XLP_TYLE(29, 100) == 0.29
    assert XLP_TYLE(6646, 7453) == 0.8917
    assert XLP_TYLE(901, 7453) == 0.1208
    assert XLP_TYLE(65, 79, 0) == 0.82
    assert XLP_TYLE(65, 79, 4) == 0.822784
    assert XLP_TYLE(1, 8, 0, "tron") == 0.13  # ties go up


def test_xlp_tyle_rounding_mode_is_forgiving_about_spelling():
    assert XLP_TYLE(2, 3, 2, "TRON") == XLP_TYLE(2, 3, 2, "tròn") == XLP_TYLE(2, 3, 2, " Tròn ") == 0.6667
    assert XLP_TYLE(2, 3, 2, "cắt") == 0.6666


def test_xlp_tyle_text():
    assert XLP_TYLE_TEXT(65, 79) == "65/79 = 82,27%"
    assert XLP_TYLE_TEXT(6646, 7453) == "6.646/7.453 = 89,17%"
    assert XLP_TYLE_TEXT(901.0, 7453.0) == "901/7.453 = 12,08%"
    assert XLP_TYLE_TEXT(29, 100) == "29/100 = 29,00%"
    assert XLP_TYLE_TEXT(2, 3, 2, "tron") == "2/3 = 66,67%"
    assert XLP_TYLE_TEXT(2, 3, 0) == "2/3 = 66%"


def test_xlp_hoanthanh():
    assert XLP_HOANTHANH(218, 180) == 1.21
    assert XLP_HOANTHANH(179, 180) == 0.99
    assert XLP_HOANTHANH(180.0, 180.0) == 1


def test_xlp_chitieu_ketnap():
    assert XLP_CHITIEU_KETNAP("xa_phuong") == 8
    for kind in ("co_quan", "su_nghiep", "doanh_nghiep", "luc_luong_vu_trang"):
        assert XLP_CHITIEU_KETNAP(kind) == 3
    assert XLP_CHITIEU_KETNAP("chi_bo_co_so") == 1
    assert XLP_CHITIEU_KETNAP("chi_bo_co_so", True) == 1
    assert XLP_CHITIEU_KETNAP("chi_bo_co_so", False) == 0
    assert XLP_CHITIEU_KETNAP("xa_phuong", False) == 8  # the source condition is for cells only
    assert XLP_CHITIEU_KETNAP("Đảng bộ xã, phường") == 8
    assert XLP_CHITIEU_KETNAP("  đảng bộ XÃ,  phường ") == 8
    assert XLP_CHITIEU_KETNAP("Chi bộ cơ sở", "không") == 0
    assert XLP_CHITIEU_KETNAP("chi_bo_co_so", 0.0) == 0
    assert XLP_CHITIEU_KETNAP("chi_bo_co_so", None) == 1  # an empty cell: the default, có nguồn


def test_xlp_dat():
    assert XLP_DAT(8, 8) == "Đạt"
    assert XLP_DAT(7, 8) == "Chưa đạt"
    assert XLP_DAT(218, 180, ">=") == "Đạt"
    assert XLP_DAT(0.85, 0.85, ">") == "Chưa đạt"  # "trên 85%" is strictly above
    assert XLP_DAT(XLP_TYLE(6646, 7453), 0.85, ">") == "Đạt"
    assert XLP_DAT(0, 0, "=") == "Đạt"
    assert XLP_DAT(1, 2, "<") == "Đạt" and XLP_DAT(2, 2, "<=") == "Đạt" and XLP_DAT(3, 2, "<=") == "Chưa đạt"
    assert XLP_DAT(9, 8, "≥") == "Đạt" and XLP_DAT(9, 8, " > ") == "Đạt"


def test_xlp_so():
    assert XLP_SO(8877) == "8.877"
    assert XLP_SO(8877.0) == "8.877"
    assert XLP_SO(1234567) == "1.234.567"
    assert XLP_SO(-1234.5, 1) == "-1.234,5"
    assert XLP_SO(82.2784, 2) == "82,27"  # cut, as the plan writes
    assert XLP_SO(0.29, 2) == "0,29"
    assert XLP_SO(1.5) == "1"


def test_xlp_donvi(registry_file):
    assert XLP_DONVI("P_THU") == "Đảng bộ phường Thử Nghiệm"
    assert XLP_DONVI("P_THU", "ten") == "Đảng bộ phường Thử Nghiệm"
    assert XLP_DONVI("P_THU", "loai_hinh") == "xa_phuong"
    assert XLP_DONVI("P_THU", "loai_hinh_ten") == "Đảng bộ xã, phường"
    assert XLP_DONVI("P_THU", "co_nguon") is True
    assert XLP_DONVI("P_THU", "so_dang_vien") == 480
    assert XLP_DONVI("P_THU", "so_chi_bo") == 24
    assert XLP_DONVI("P_THU", "lien_he") == "Văn phòng Đảng ủy, 0222.0000.001"
    assert XLP_DONVI("DN_THU", "loai_hinh") == "doanh_nghiep"
    assert XLP_DONVI("CB_THU", "co_nguon") is False
    assert XLP_DONVI(" p_thu ", "Tên") == "Đảng bộ phường Thử Nghiệm"  # codes and field names forgive case
    assert XLP_DONVI("P_THU", "loại hình") == "xa_phuong"


def test_udfs_chain_like_cells_do(registry_file):
    kinds = XLP_DONVI([["P_THU"], ["DN_THU"], ["CB_THU"]], "loai_hinh")
    sources = XLP_DONVI([["P_THU"], ["DN_THU"], ["CB_THU"]], "co_nguon")
    minimums = XLP_CHITIEU_KETNAP(kinds, sources)
    assert minimums == [[8], [3], [0]]
    assert XLP_DAT([[8.0], [2.0], [0.0]], minimums) == [["Đạt"], ["Chưa đạt"], ["Đạt"]]


def test_xlp_donvi_bundled_registry():
    from xlplan.io.registry import load_registry

    unit = next(iter(load_registry()))
    assert XLP_DONVI(unit.code) == unit.name
    assert XLP_DONVI(unit.code, "so_dang_vien") == unit.members
    assert XLP_DONVI(unit.code, "loai_hinh") == unit.kind


# -- no data ---------------------------------------------------------------------------

def test_no_data_is_empty_or_said_never_zero():
    assert XLP_TYLE(5, 0) is None
    assert XLP_TYLE(0, 0.0) is None
    assert XLP_TYLE(None, 79) is None
    assert XLP_TYLE(65, None) is None
    assert XLP_TYLE("", 79) is None
    assert XLP_HOANTHANH(218, 0) is None
    assert XLP_HOANTHANH(None, 180) is None
    assert XLP_TYLE_TEXT(5, 0) == NO_DATA
    assert XLP_TYLE_TEXT(None, 79) == NO_DATA
    assert XLP_DAT(None, 8) == NO_DATA
    assert XLP_DAT(8, None) == NO_DATA
    assert XLP_DAT(XLP_TYLE(5, 0), 0.85, ">") == NO_DATA
    assert XLP_DAT(XLP_TYLE_TEXT(5, 0), 0.85) == NO_DATA
    assert XLP_SO(None) == NO_DATA
    assert XLP_CHITIEU_KETNAP(None) is None
    assert XLP_DONVI(None) is None


def test_empty_optional_arguments_take_the_defaults():
    assert XLP_TYLE(65, 79, None, None) == 0.8227
    assert XLP_TYLE_TEXT(65, 79, None, "") == "65/79 = 82,27%"
    assert XLP_DAT(9, 8, None) == "Đạt"
    assert XLP_SO(8877, None) == "8.877"


# -- ranges ----------------------------------------------------------------------------

def test_a_row_gives_a_row():
    assert XLP_TYLE([65, 6646, 901], [79, 7453, 7453]) == [0.8227, 0.8917, 0.1208]
    assert XLP_SO([8877, 80]) == ["8.877", "80"]


def test_a_column_gives_a_column():
    assert XLP_TYLE([[65], [6646], [901]], [[79], [7453], [7453]]) == [[0.8227], [0.8917], [0.1208]]
    assert XLP_CHITIEU_KETNAP([["xa_phuong"], ["co_quan"], ["chi_bo_co_so"]]) == [[8], [3], [1]]


def test_a_block_gives_a_block_of_the_same_shape():
    result = XLP_TYLE_TEXT([[65, 6646], [901, 0]], [[79, 7453], [7453, 0]])
    assert result == [["65/79 = 82,27%", "6.646/7.453 = 89,17%"], ["901/7.453 = 12,08%", NO_DATA]]
    assert XLP_SO([[1000, 2000, 3000], [4000, None, -6000]]) == [
        ["1.000", "2.000", "3.000"], ["4.000", NO_DATA, "-6.000"]]


def test_a_single_value_is_used_for_every_cell():
    assert XLP_TYLE([[65], [70]], 79) == [[0.8227], [0.8860]]
    assert XLP_TYLE(65, [79, 100]) == [0.8227, 0.65]
    assert XLP_DAT([[8, 7], [9, 3]], 8) == [["Đạt", "Chưa đạt"], ["Đạt", "Chưa đạt"]]
    assert XLP_CHITIEU_KETNAP("chi_bo_co_so", [[True], [False]]) == [[1], [0]]
    assert XLP_TYLE(2, 3, [0, 1, 2]) == [0.66, 0.666, 0.6666]


def test_excel_passes_every_argument_as_a_block():
    # with ndim=2 a single cell arrives as [[x]] and must broadcast like a scalar
    assert XLP_TYLE([[65]], [[79]], [[2]], [["cat"]]) == [[0.8227]]
    assert XLP_TYLE([[65], [70]], [[79]], [[2]], [["cat"]]) == [[0.8227], [0.8860]]
    assert XLP_HOANTHANH([[218, 90]], [[180]]) == [[1.21, 0.5]]


def test_mismatched_ranges_are_an_error_value():
    assert XLP_TYLE([[1], [2]], [[1], [2], [3]]) == ERR_SHAPE
    assert XLP_TYLE([1, 2, 3], [[1], [2], [3]]) == ERR_SHAPE  # a row is not a column
    assert XLP_DAT([[1, 2]], [[1], [2]]) == ERR_SHAPE


@pytest.mark.parametrize("bad", [[], [[]], [[1], [2, 3]], [1, [2]], [[[1]]], [[1, [2]]]])
def test_malformed_ranges_are_an_error_value(bad):
    assert XLP_TYLE(bad, 1) == ERR_RANGE
    assert XLP_SO(bad) == ERR_RANGE


def test_one_bad_cell_spoils_only_itself():
    assert XLP_TYLE([[65, "abc"], [-1, 5]], [[79, 79], [79, 0]]) == [[0.8227, ERR_NOT_NUMBER], [ERR_NEGATIVE, None]]


# -- error values ---------------------------------------------------------------------

@pytest.mark.parametrize(("call", "expected"), [
    (lambda: XLP_TYLE("abc", 79), ERR_NOT_NUMBER),
    (lambda: XLP_TYLE("65", 79), ERR_NOT_NUMBER),  # text is never guessed as a number
    (lambda: XLP_TYLE(65, "7.453"), ERR_NOT_NUMBER),
    (lambda: XLP_TYLE(True, 79), ERR_NOT_NUMBER),
    (lambda: XLP_TYLE(float("nan"), 79), ERR_NOT_NUMBER),
    (lambda: XLP_TYLE(65, float("inf")), ERR_NOT_NUMBER),
    (lambda: XLP_TYLE(-65, 79), ERR_NEGATIVE),
    (lambda: XLP_TYLE(65, -79), ERR_NEGATIVE),
    (lambda: XLP_HOANTHANH(-1, 180), ERR_NEGATIVE),
    (lambda: XLP_TYLE(65, 79, 2.5), ERR_DIGITS),
    (lambda: XLP_TYLE(65, 79, -1), ERR_DIGITS),
    (lambda: XLP_TYLE(65, 79, 11), ERR_DIGITS),
    (lambda: XLP_TYLE(65, 79, "2"), ERR_DIGITS),
    (lambda: XLP_TYLE(65, 79, 2, "round"), ERR_MODE),
    (lambda: XLP_TYLE(65, 79, 2, 1), ERR_MODE),
    (lambda: XLP_TYLE_TEXT(6.5, 10), ERR_NOT_WHOLE),
    (lambda: XLP_TYLE_TEXT(65, 79, 2, "x"), ERR_MODE),
    (lambda: XLP_DAT(1, 2, "!="), ERR_COMPARISON),
    (lambda: XLP_DAT("Đạt", 2), ERR_NOT_NUMBER),
    (lambda: XLP_SO("8.877"), ERR_NOT_NUMBER),
    (lambda: XLP_SO(8877, 20), ERR_DIGITS),
    (lambda: XLP_CHITIEU_KETNAP("chi_bo_co_so", "có lẽ"), ERR_FLAG),
    (lambda: XLP_CHITIEU_KETNAP(True), ERR_NOT_TEXT),
    (lambda: XLP_CHITIEU_KETNAP(1.5), ERR_NOT_TEXT),
])
def test_bad_input_gives_an_error_value(call, expected):
    assert call() == expected


def test_unknown_names_are_error_values_naming_them(registry_file):
    assert XLP_CHITIEU_KETNAP("phuong") == '#LỖI: không có loại hình "phuong"'
    assert XLP_DONVI("KHONG_CO") == '#LỖI: không có đơn vị "KHONG_CO"'
    assert XLP_DONVI(101.0) == '#LỖI: không có đơn vị "101"'
    assert XLP_DONVI("P_THU", "tuoi").startswith('#LỖI: không có trường "tuoi" (ten, loai_hinh,')
    assert XLP_DONVI("P_THU", 3).startswith('#LỖI: không có trường "3"')


def test_error_values_are_short_vietnamese_and_start_with_hash():
    values = [v for k, v in vars(udfs).items() if k.startswith("ERR_")]
    assert len(values) >= 10
    for value in values:
        assert value.startswith("#LỖI: ") and len(value) <= 80


def test_error_values_in_the_inputs_pass_through():
    assert XLP_TYLE("#N/A", 79) == "#N/A"
    assert XLP_TYLE(65, "#DIV/0!") == "#DIV/0!"
    assert XLP_DAT(XLP_TYLE("abc", 1), 0.85) == ERR_NOT_NUMBER
    assert XLP_SO(XLP_HOANTHANH(-1, 5)) == ERR_NEGATIVE


# -- the active plan and registry -----------------------------------------------------

def test_xlplan_plan_overrides_the_bundled_plan(plan_file, monkeypatch):
    assert XLP_CHITIEU_KETNAP("xa_phuong") == 8
    monkeypatch.setenv(udfs.PLAN_ENV, str(plan_file))
    assert XLP_CHITIEU_KETNAP("xa_phuong") == 9
    assert XLP_CHITIEU_KETNAP("Đảng bộ xã, phường") == 9
    monkeypatch.setenv(udfs.PLAN_ENV, "bac_ninh_2017")
    assert XLP_CHITIEU_KETNAP("xa_phuong") == 8


def test_an_edited_plan_file_is_picked_up(plan_file, monkeypatch):
    monkeypatch.setenv(udfs.PLAN_ENV, str(plan_file))
    assert XLP_CHITIEU_KETNAP("xa_phuong") == 9
    plan_file.write_text(plan_file.read_text(encoding="utf-8").replace("min_admissions = 9", "min_admissions = 10"),
                         encoding="utf-8")
    stat = plan_file.stat()
    os.utime(plan_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert XLP_CHITIEU_KETNAP("xa_phuong") == 10


def test_a_broken_plan_is_an_error_value_and_shares_still_work(tmp_path, monkeypatch):
    monkeypatch.setenv(udfs.PLAN_ENV, str(tmp_path / "khong_co.toml"))
    assert XLP_CHITIEU_KETNAP("xa_phuong").startswith("#LỖI: không đọc được kế hoạch")
    assert XLP_DONVI("P_VUNINH").startswith("#LỖI: không đọc được kế hoạch")
    assert XLP_TYLE(65, 79) == 0.8227
    broken = tmp_path / "hong.toml"
    broken.write_text("[plan\nyear = ", encoding="utf-8")
    monkeypatch.setenv(udfs.PLAN_ENV, str(broken))
    assert XLP_CHITIEU_KETNAP("xa_phuong").startswith("#LỖI: không đọc được kế hoạch")
    monkeypatch.setenv(udfs.PLAN_ENV, "khong_co_ke_hoach_nay")
    assert XLP_CHITIEU_KETNAP("xa_phuong").startswith("#LỖI: không đọc được kế hoạch")


def test_a_broken_registry_is_an_error_value(tmp_path, monkeypatch):
    monkeypatch.setenv(udfs.REGISTRY_ENV, str(tmp_path / "khong_co.csv"))
    assert XLP_DONVI("P_THU").startswith("#LỖI: không đọc được danh mục đơn vị")
    bad = tmp_path / "sai.csv"
    bad.write_text("ma,ten,loai_hinh\nX1,Đơn vị X,khong_co_loai_nay\n", encoding="utf-8")
    monkeypatch.setenv(udfs.REGISTRY_ENV, str(bad))
    assert XLP_DONVI("X1").startswith("#LỖI: không đọc được danh mục đơn vị")
    assert XLP_CHITIEU_KETNAP("xa_phuong") == 8


def test_nothing_is_loaded_at_import():
    code = ("import os; os.environ['XLPLAN_PLAN'] = '/khong/co/ke_hoach.toml'; "
            "import xlplan.udfs as u; "
            "assert u._cached_plan.cache_info().currsize == 0; "
            "assert u._cached_registry.cache_info().currsize == 0; "
            "assert u.XLP_TYLE(65, 79) == 0.8227; "
            "assert u._cached_plan.cache_info().currsize == 0")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- metadata for Excel's Function Wizard and the VBA-wrapper generator -----------------

EXPECTED_SIGNATURES = {
    "XLP_TYLE": [("tu_so", None), ("mau_so", None), ("so_le", 2), ("lam_tron", "cat")],
    "XLP_TYLE_TEXT": [("tu_so", None), ("mau_so", None), ("so_le", 2), ("lam_tron", "cat")],
    "XLP_HOANTHANH": [("thuc_hien", None), ("ke_hoach", None)],
    "XLP_CHITIEU_KETNAP": [("loai_hinh", None), ("co_nguon", True)],
    "XLP_DAT": [("gia_tri", None), ("chi_tieu", None), ("so_sanh", ">=")],
    "XLP_SO": [("so", None), ("so_le", 0)],
    "XLP_DONVI": [("ma", None), ("truong", "ten")],
}


def test_udfs_are_listed_in_a_fixed_order_with_fixed_signatures():
    assert [f.__name__ for f in UDFS] == list(EXPECTED_SIGNATURES)
    for func in UDFS:
        params = inspect.signature(func).parameters.values()
        found = [(p.name, None if p.default is inspect.Parameter.empty else p.default) for p in params]
        assert found == EXPECTED_SIGNATURES[func.__name__]
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)


VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)


def test_every_argument_has_vietnamese_help_for_the_function_wizard():
    assert list(ARG_DOCS) == list(EXPECTED_SIGNATURES)
    for name, docs in ARG_DOCS.items():
        assert list(docs) == [arg for arg, _ in EXPECTED_SIGNATURES[name]]
        for doc in docs.values():
            assert VIETNAMESE.search(doc) and len(doc) <= 255, doc
    for name, description in DESCRIPTIONS.items():
        assert VIETNAMESE.search(description) and len(description) <= 255, name


# -- never an exception -----------------------------------------------------------------

SPECIAL_VALUES = [None, True, False, 0, -1, 0.0, -0.0, 1e308, 5e-324, 10**400, float("nan"), float("inf"),
                  float("-inf"), "", "abc", "#N/A", NO_DATA, [], [[]], [1, 2], [[1], [2]], [[[1]]], [1, [2]]]


def writable(value) -> bool:
    """What xlwings can write to cells: a scalar, a row of scalars or a rectangle of them."""
    def scalar(x):
        return x is None or isinstance(x, (bool, int, float, str))

    if scalar(value):
        return True
    if isinstance(value, list) and value and all(scalar(x) for x in value):
        return True
    return (isinstance(value, list) and value and all(isinstance(r, list) and r for r in value)
            and len({len(r) for r in value}) == 1 and all(scalar(x) for r in value for x in r))


def flat(value):
    if isinstance(value, list):
        for item in value:
            yield from flat(item)
    else:
        yield value


def check_writable(result) -> None:
    assert writable(result), result
    for value in flat(result):
        assert value != ERR_UNEXPECTED
        if isinstance(value, float):
            assert math.isfinite(value)


@pytest.mark.parametrize("func", UDFS, ids=lambda f: f.__name__)
def test_awkward_values_in_every_pair_of_leading_arguments(func):
    for first in SPECIAL_VALUES:
        for second in SPECIAL_VALUES:
            check_writable(func(first, second))


@pytest.mark.parametrize("func", UDFS, ids=lambda f: f.__name__)
def test_awkward_values_in_every_optional_argument(func):
    params = list(inspect.signature(func).parameters.values())
    sensible = {"XLP_CHITIEU_KETNAP": "xa_phuong", "XLP_DONVI": "P_VUNINH"}.get(func.__name__, 5)
    for position in range(1, len(params)):
        for value in SPECIAL_VALUES:
            args = [sensible] + [p.default if p.default is not inspect.Parameter.empty else 7 for p in params[1:]]
            args[position] = value
            check_writable(func(*args))


def test_results_too_large_for_a_cell_are_an_error_value():
    assert XLP_TYLE(1e308, 5e-324) == udfs.ERR_TOO_LARGE
    assert XLP_HOANTHANH(10**400, 1) == udfs.ERR_TOO_LARGE
    assert XLP_SO(10**20) == "100.000.000.000.000.000.000"


cell_values = st.one_of(
    st.sampled_from(SPECIAL_VALUES),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", " ", "cat", "tron", "TRÒN", ">=", "≤", "xa_phuong", "chi_bo_co_so", "có", "không",
                     "ten", "co_nguon", "loai_hinh_ten", "P_VUNINH", "#N/A", NO_DATA, "8.877", "1e999"]),
)
arguments = st.recursive(cell_values, lambda inner: st.lists(inner, max_size=4), max_leaves=12)
FUZZ = settings(DETERMINISTIC, max_examples=300)


@pytest.mark.parametrize("func", UDFS, ids=lambda f: f.__name__)
@FUZZ
@given(data=st.data())
def test_no_input_raises_into_excel(func, data):
    arity = len(inspect.signature(func).parameters)
    required = sum(p.default is inspect.Parameter.empty for p in inspect.signature(func).parameters.values())
    count = data.draw(st.integers(min_value=required, max_value=arity), label="argument count")
    args = [data.draw(arguments, label=f"argument {i}") for i in range(count)]
    check_writable(func(*args))


def test_the_catalogue_is_the_functions_contract():
    """Every catalogue entry is a function of the face with those arguments, in that order,
    optional exactly where the function has a default; the help and description it carries are
    the catalogue's (what the add-in registers and the docs show)."""
    from xlplan.core.udf_catalogue import UDF_CATALOGUE

    assert [f.__name__ for f in udfs.UDFS] == [entry.name for entry in UDF_CATALOGUE]
    for entry in UDF_CATALOGUE:
        params = list(inspect.signature(getattr(udfs, entry.name)).parameters.values())
        assert [(p.name, p.default is not p.empty) for p in params] == \
            [(arg.name, arg.optional) for arg in entry.args], entry.name
        assert getattr(udfs, entry.name).__doc__.splitlines()[0] == entry.description
        assert dict(udfs.ARG_DOCS[entry.name]) == {arg.name: arg.doc for arg in entry.args}
