"""The Excel worksheet functions (UDFs) as a contract: names, arguments, help, examples.

Staff type ``=XLP_TYLE(B2;C2)`` in their own workbooks, so a UDF's name, its
arguments' order and meaning, and the Vietnamese help Excel's Function Wizard
shows are a user-facing contract. They are data, here, in the core:

* :mod:`xlplan.udfs` (the face) implements each function and takes its help
  from :data:`UDF_CATALOGUE` (``xw.arg`` docs, the docstring's first line);
* the add-in build writes the VBA wrappers and the Function Wizard
  registrations from it (``xlplan addin build``), without importing the face;
* ``docs/udfs.md`` is generated from it and from :data:`EXAMPLES`
  (``python -m tools.docs``), the results computed by calling the functions.

A test checks that every function of :mod:`xlplan.udfs` has the arguments,
in the order and with the defaults (optional or not), this catalogue gives.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

CATEGORY = "xlplan"  # the Function Wizard category the UDFs are listed under
MODULE = "xlplan.udfs"  # the Python module the add-in's wrappers call
MAX_DIGITS = 10  # the most decimals a UDF writes (so_le)


class UdfArg(NamedTuple):
    """One argument: its name (a VBA name too) and its Vietnamese help, as the Function Wizard shows it."""

    name: str
    doc: str
    optional: bool = False


class Udf(NamedTuple):
    """One worksheet function: its name, its one-line Vietnamese description, its arguments in order."""

    name: str
    description: str
    args: tuple[UdfArg, ...]


UDF_CATALOGUE: tuple[Udf, ...] = (
    Udf('XLP_TYLE', 'Tỷ lệ tử số/mẫu số (định dạng ô kiểu %), cắt như kế hoạch: 65/79 → 82,27%.', (
        UdfArg('tu_so', 'Tử số: số đạt (vd. số TCCSĐ trong sạch, vững mạnh); một ô hoặc một vùng ô.'),
        UdfArg('mau_so', 'Mẫu số: tổng số (vd. số TCCSĐ được đánh giá); bằng 0 hoặc để trống là chưa có số liệu.'),
        UdfArg('so_le', f'Số chữ số thập phân của phần trăm, từ 0 đến {MAX_DIGITS}; mặc định 2 (82,27%).', optional=True),
        UdfArg('lam_tron', '"cat" = cắt bỏ phần lẻ như kế hoạch viết (mặc định); "tron" = làm tròn.', optional=True),
    )),
    Udf('XLP_TYLE_TEXT', 'Tỷ lệ viết như trong kế hoạch: "65/79 = 82,27%", "6.646/7.453 = 89,17%".', (
        UdfArg('tu_so', 'Tử số: số đạt, số nguyên (vd. 65).'),
        UdfArg('mau_so', 'Mẫu số: tổng số, số nguyên (vd. 79); bằng 0 hoặc để trống là chưa có số liệu.'),
        UdfArg('so_le', f'Số chữ số thập phân của phần trăm, từ 0 đến {MAX_DIGITS}; mặc định 2.', optional=True),
        UdfArg('lam_tron', '"cat" = cắt bỏ phần lẻ như kế hoạch viết (mặc định); "tron" = làm tròn.', optional=True),
    )),
    Udf('XLP_HOANTHANH', 'Tỷ lệ hoàn thành kế hoạch, cắt đến phần trăm nguyên: 218/180 → 121%.', (
        UdfArg('thuc_hien', 'Số thực hiện (vd. 218 đảng viên đã kết nạp).'),
        UdfArg('ke_hoach', 'Số theo kế hoạch (vd. 180); bằng 0 hoặc để trống là chưa có số liệu.'),
    )),
    Udf('XLP_CHITIEU_KETNAP', 'Chỉ tiêu kết nạp đảng viên tối thiểu của loại hình đơn vị theo kế hoạch đang dùng.', (
        UdfArg('loai_hinh', 'Loại hình đơn vị: mã (vd. xa_phuong) hoặc tên (vd. "Đảng bộ xã, phường").'),
        UdfArg('co_nguon', 'TRUE nếu đơn vị có nguồn phát triển đảng (mặc định); FALSE thì chi bộ cơ sở có chỉ tiêu 0.', optional=True),
    )),
    Udf('XLP_DAT', 'Kết luận Đạt / Chưa đạt: so sánh giá trị thực hiện với chỉ tiêu (mặc định >=).', (
        UdfArg('gia_tri', 'Giá trị thực hiện: một số hoặc một tỷ lệ (vd. kết quả của XLP_TYLE).'),
        UdfArg('chi_tieu', 'Chỉ tiêu cần đạt (vd. 8 hoặc 85%).'),
        UdfArg('so_sanh', 'Phép so sánh: ">=" (mặc định), ">" (vd. "trên 85%"), "<=", "<" hoặc "=".', optional=True),
    )),
    Udf('XLP_SO', 'Viết số theo kiểu Việt Nam (văn bản): 8877 → "8.877", 1234,5 → "1.234,5".', (
        UdfArg('so', 'Số cần viết (vd. 8877).'),
        UdfArg('so_le', f'Số chữ số thập phân, từ 0 đến {MAX_DIGITS}; mặc định 0. Phần lẻ thừa bị cắt bỏ.', optional=True),
    )),
    Udf('XLP_DONVI', 'Thông tin một đơn vị trong danh mục: tên, loại hình, số đảng viên, số chi bộ…', (
        UdfArg('ma', 'Mã đơn vị trong danh mục đơn vị.'),
        UdfArg('truong', 'Trường cần lấy: ten (mặc định), loai_hinh, loai_hinh_ten, co_nguon, so_dang_vien, so_chi_bo, lien_he.', optional=True),
    )),
)
"""Every UDF, in the order the add-in registers them and the docs list them."""


class Example(NamedTuple):
    """A formula as staff type it, kept as data so the docs show what the function returns *today*.

    ``args`` are what Excel hands the function: numbers, text, booleans, lists of rows
    for a range; an argument that is itself an :class:`Example` is a nested formula.
    """

    name: str
    args: tuple[Any, ...]


def _examples(name: str, *calls: tuple[Any, ...]) -> tuple[Example, ...]:
    return tuple(Example(name, args) for args in calls)


_VU_NINH_KIND_AND_SOURCE = _examples("XLP_DONVI", ("P_VUNINH", "loai_hinh"), ("P_VUNINH", "co_nguon"))

EXAMPLES: tuple[Example, ...] = (
    *_examples("XLP_TYLE", (65, 79), (2, 3, 2, "tron"), (57, 100), (29, 100), (65, 79, 4), (5, 0),
               ([[65], [57]], [[79], [100]]), ("#N/A", 79), (-1, 5), ("8.877", 10000), (65, 79, 11),
               (65, 79, 2, "lam"), ([[1, 2]], [[1], [2]]), (1e308, 1e-308)),
    *_examples("XLP_TYLE_TEXT", (65, 79), (6646, 7453), (901, 7453), (5, 0), (6.5, 10)),
    *_examples("XLP_HOANTHANH", (218, 180), (179, 180), (218, 0), (-5, 180)),
    *_examples("XLP_CHITIEU_KETNAP", ("xa_phuong",), ("doanh_nghiep",), ("chi_bo_co_so",),
               ("chi_bo_co_so", False), ("Đảng bộ xã, phường",), _VU_NINH_KIND_AND_SOURCE, ("xa_phuong_moi",),
               ("xa_phuong", "chưa rõ"), (True,)),
    *_examples("XLP_DAT", (Example("XLP_TYLE", (6646, 7453)), 0.85, ">"), (0.85, 0.85),
               (7, Example("XLP_CHITIEU_KETNAP", ("xa_phuong",))), (1, 2, "!=")),
    *_examples("XLP_SO", (8877,), (-1234.5, 1), (82.2784, 2)),
    *_examples("XLP_DONVI", ("P_VUNINH",), ("P_VUNINH", "loai_hinh"), ("P_VUNINH", "Loại hình tên"),
               ("P_VUNINH", "so_dang_vien"), ("P_VUNINH", "co_nguon"), ("X_KHONG_CO",), ("P_VUNINH", "tuoi")),
)
"""Formulas for docs/udfs.md, in UDFS order; the results shown there are computed, never typed."""

ERROR_CASES: Mapping[str, str] = MappingProxyType({
    "ERR_NOT_NUMBER": "text, TRUE/FALSE, a date, NaN or infinity where a number is expected",
    "ERR_NEGATIVE": "a negative count in XLP_TYLE, XLP_TYLE_TEXT, XLP_HOANTHANH",
    "ERR_NOT_WHOLE": "a count that is not a whole number in XLP_TYLE_TEXT",
    "ERR_TOO_LARGE": "the result does not fit in an Excel number",
    "ERR_DIGITS": "a bad so_le",
    "ERR_MODE": "a bad lam_tron",
    "ERR_COMPARISON": "a bad so_sanh",
    "ERR_FLAG": "a bad co_nguon",
    "ERR_NOT_TEXT": "TRUE/FALSE or a fraction where a code or a label is expected",
    "ERR_SHAPE": "ranges of different shapes",
    "ERR_RANGE": "an empty, ragged or nested list (cannot come from a sheet)",
    "err_unknown_kind": "no such kind in the active plan",
    "err_unknown_unit": "no such code in the active registry",
    "err_unknown_field": "a bad truong",
    "err_plan": "the active plan file is missing or invalid",
    "err_registry": "the active unit registry is missing or invalid",
    "ERR_UNEXPECTED": "a bug: logged with its traceback (logger xlplan.udfs) in %LOCALAPPDATA%\\xlplan\\xlplan.log",
})
"""Every error value (constant or builder of :mod:`xlplan.udfs`) and when it appears (English, for the docs)."""


def udf(name: str) -> Udf:
    """The catalogue entry of the UDF ``name`` (KeyError for an unknown name)."""
    return _BY_NAME[name]


_BY_NAME: Mapping[str, Udf] = MappingProxyType({u.name: u for u in UDF_CATALOGUE})
