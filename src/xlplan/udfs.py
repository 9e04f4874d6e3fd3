"""Excel worksheet functions (UDFs): the plan's indicators typed straight into cells.

Staff of the Organization Board type ``=XLP_TYLE(B2;C2)`` and friends in their own
workbooks, so these functions are a user-facing contract: fixed names, fixed
argument order, Vietnamese help in Excel's Function Wizard.

Three rules shape the module:

* **Thin.** The arithmetic lives in :mod:`xlplan.core.indicators` (exact
  fractions, the plan's truncation); the rules live in the plan file. Here we
  only turn cell values into exact inputs and results back into cell values.
* **Never raise into Excel.** A Python exception in a UDF shows as an opaque
  ``#VALUE!`` and a traceback staff cannot read. Every bad input becomes a short
  Vietnamese error value starting with ``#LỖI:``; "no data" (an empty cell, a
  zero denominator) becomes an empty cell or ``Chưa có số liệu`` — never 0.
* **Cells and ranges alike.** Each argument may be one value or a range; the
  function works cell by cell (see :func:`_elementwise`) and gives back a result
  of the shape that came in. In Excel every argument arrives as a 2-D block
  (``ndim=2``) so a column stays a column.

The active plan and unit registry are the bundled defaults unless the
environment variables ``XLPLAN_PLAN`` / ``XLPLAN_REGISTRY`` name others. They are
loaded on first use, never at import, and cached per (value, file mtime) so an
edited plan file is picked up on the next recalculation.

On Linux ``xw.func``/``xw.arg`` are no-ops, so the metadata a VBA-wrapper
generator and the docs need is kept here as data: :data:`UDFS` (fixed order),
:data:`ARG_DOCS`, :data:`DESCRIPTIONS`, :data:`EXAMPLES` and :data:`ERROR_CASES`;
arguments and defaults come from :func:`inspect.signature`. ``docs/udfs.md`` is
generated from them (``python -m tools.docs``).
"""

from __future__ import annotations

import functools
import inspect
import logging
import numbers
import os
import unicodedata
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple, TypeVar

import xlwings as xw

from .core import indicators
from .core.errors import XlplanError
from .core.plan import Plan
from .core.registry import Registry
from .io.plans import load_plan
from .io.registry import load_registry

log = logging.getLogger(__name__)

_F = TypeVar("_F", bound=Callable[..., Any])

CATEGORY = "xlplan"  # the Function Wizard category the UDFs are listed under
PLAN_ENV = "XLPLAN_PLAN"
REGISTRY_ENV = "XLPLAN_REGISTRY"

SHARE_DIGITS = 2  # 82,27%
NUMBER_DIGITS = 0  # 8.877
DEFAULT_MODE = "cat"  # the plan truncates
DEFAULT_COMPARISON = ">="
DEFAULT_FIELD = "ten"
MAX_DIGITS = 10

NO_DATA = indicators.NO_DATA  # "Chưa có số liệu"

# -- error values (a user-facing contract: docs/udfs.md lists them, see ERROR_CASES) -----
# Constants and builders rather than inline strings, so tests and docs name them and a
# wording fix is one edit.
ERROR_PREFIX = "#"
ERR_NOT_NUMBER = "#LỖI: không phải số"
ERR_NEGATIVE = "#LỖI: số âm"
ERR_NOT_WHOLE = "#LỖI: phải là số nguyên"
ERR_TOO_LARGE = "#LỖI: số quá lớn"
ERR_DIGITS = f"#LỖI: số lẻ phải là số nguyên từ 0 đến {MAX_DIGITS}"
ERR_MODE = '#LỖI: làm tròn phải là "cat" hoặc "tron"'
ERR_COMPARISON = '#LỖI: so sánh phải là ">=", ">", "<=", "<" hoặc "="'
ERR_FLAG = "#LỖI: có nguồn phải là TRUE hoặc FALSE"
ERR_NOT_TEXT = "#LỖI: không phải mã hoặc tên"
ERR_SHAPE = "#LỖI: các vùng ô không cùng kích thước"
ERR_RANGE = "#LỖI: vùng ô không hợp lệ"
ERR_UNEXPECTED = "#LỖI: lỗi không mong đợi (xem nhật ký xlplan)"


def err_unknown_kind(text: str) -> str:
    return f'#LỖI: không có loại hình "{_clip(text)}"'


def err_unknown_unit(text: str) -> str:
    return f'#LỖI: không có đơn vị "{_clip(text)}"'


def err_unknown_field(text: str) -> str:
    return f'#LỖI: không có trường "{_clip(text)}" ({", ".join(UNIT_FIELDS)})'


def err_plan(detail: str) -> str:
    return f"#LỖI: không đọc được kế hoạch: {_clip(detail, 160)}"


def err_registry(detail: str) -> str:
    return f"#LỖI: không đọc được danh mục đơn vị: {_clip(detail, 160)}"


# XLP_DONVI's field names → attributes of xlplan.core.registry.Unit ("loai_hinh_ten" is computed).
UNIT_FIELDS: Mapping[str, str] = MappingProxyType({
    "ten": "name",
    "loai_hinh": "kind",
    "loai_hinh_ten": "kind",
    "co_nguon": "has_source",
    "so_dang_vien": "members",
    "so_chi_bo": "cells",
    "lien_he": "contact",
})

_COMPARISON_ALIASES = {">=": ">=", "≥": ">=", "=>": ">=", ">": ">", "<=": "<=", "≤": "<=", "=<": "<=",
                       "<": "<", "=": "=", "==": "="}
_TRUE_WORDS = frozenset({"true", "co", "dung", "x"})
_FALSE_WORDS = frozenset({"false", "khong", "sai"})


class _CellError(Exception):
    """Bad input for one cell; ``value`` is the error value Excel shows instead of a result."""

    def __init__(self, value: str):
        super().__init__(value)
        self.value = value


def _clip(text: str, limit: int = 40) -> str:
    """Keep error values short: a cell is no place for a paragraph."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- broadcasting: one value or a range, cell by cell ------------------------------

_SCALAR, _ROW, _BLOCK = 0, 1, 2  # how an argument came in; the result comes out the same way


def _as_grid(value: Any) -> tuple[list[list[Any]], int]:
    """A value as a rectangular grid, and its form (scalar, flat row, 2-D block).

    xlwings hands a UDF a single cell as a scalar, a range as a list of rows (with
    ``ndim=2``) and, to Python callers, a row may be a flat list. Anything else
    (ragged rows, ranges nested in ranges, empty lists) cannot come from a
    worksheet and is refused as a whole.
    """
    if not isinstance(value, (list, tuple)):
        return [[value]], _SCALAR
    if not value:
        raise _CellError(ERR_RANGE)
    nested = [isinstance(item, (list, tuple)) for item in value]
    if not any(nested):
        return [list(value)], _ROW
    if not all(nested):
        raise _CellError(ERR_RANGE)
    rows = [list(row) for row in value]
    width = len(rows[0])
    if width == 0 or any(len(row) != width for row in rows):
        raise _CellError(ERR_RANGE)
    if any(isinstance(cell, (list, tuple)) for row in rows for cell in row):
        raise _CellError(ERR_RANGE)
    return rows, _BLOCK


def _elementwise(func: Callable[..., Any], *args: Any) -> Any:
    """Apply ``func`` cell by cell over arguments that are single values or ranges.

    Ranges of the same shape are paired cell by cell; a single value (or a 1×1
    range, which is how Excel passes a single cell with ``ndim=2``) is used for
    every cell; any other mix of shapes is an error value. The result has the
    form of the widest argument: a scalar, a flat row or a list of rows. One bad
    cell gives an error value in that cell only, never an exception.
    """
    try:
        grids = [_as_grid(arg) for arg in args]
    except _CellError as exc:
        return exc.value
    shapes = {(len(grid), len(grid[0])) for grid, _ in grids} - {(1, 1)}
    if len(shapes) > 1:
        return ERR_SHAPE
    rows, cols = shapes.pop() if shapes else (1, 1)

    def pick(grid: list[list[Any]], r: int, c: int) -> Any:
        return grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else grid[r][c]

    result = [[_cell(func, [pick(grid, r, c) for grid, _ in grids]) for c in range(cols)]
              for r in range(rows)]
    form = max(form for _, form in grids)
    if form == _SCALAR:
        return result[0][0]
    if form == _ROW:
        return result[0]
    return result


def _is_error(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(ERROR_PREFIX)


def _cell(func: Callable[..., Any], values: list[Any]) -> Any:
    """One cell's result. Error values in the inputs pass through, as Excel's own errors do."""
    for value in values:
        if _is_error(value):
            return value
    try:
        return func(*values)
    except _CellError as exc:
        return exc.value
    except Exception:  # the contract is "never raise into Excel"; a bug is logged, not shown
        log.exception("xlplan UDF %s failed on %r", getattr(func, "__name__", func), values)
        return ERR_UNEXPECTED


# -- reading one cell's value -----------------------------------------------------

def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value.strip() or value.strip() == NO_DATA))


def _number(value: Any) -> Fraction | None:
    """A cell's number, exact (a float as typed: 0.29 → 29/100); ``None`` for an empty cell.

    Text is never read as a number: "8.877" means 8877 to a Vietnamese reader and
    8.877 to Python, so guessing would be wrong half the time.
    """
    if _is_empty(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise _CellError(ERR_NOT_NUMBER)
    try:
        return indicators.exact(value)
    except (ValueError, TypeError, ArithmeticError):
        raise _CellError(ERR_NOT_NUMBER) from None


def _count(value: Any) -> Fraction | None:
    """A number of units or members: not negative."""
    number = _number(value)
    if number is not None and number < 0:
        raise _CellError(ERR_NEGATIVE)
    return number


def _digits(value: Any, default: int) -> int:
    if _is_empty(value):
        return default
    try:
        number = _number(value)
    except _CellError:
        raise _CellError(ERR_DIGITS) from None
    if number is None or number.denominator != 1 or not 0 <= number <= MAX_DIGITS:
        raise _CellError(ERR_DIGITS)
    return int(number)


def _key(value: str) -> str:
    """Text folded for matching words: no diacritics, lower case, '_' for spaces ("Cắt" → "cat")."""
    text = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "_".join(text.casefold().replace("-", " ").split())


def _mode(value: Any) -> str:
    if _is_empty(value):
        return DEFAULT_MODE
    if not isinstance(value, str) or _key(value) not in indicators.MODES:
        raise _CellError(ERR_MODE)
    return _key(value)


def _comparison(value: Any) -> str:
    if _is_empty(value):
        return DEFAULT_COMPARISON
    if not isinstance(value, str) or "".join(value.split()) not in _COMPARISON_ALIASES:
        raise _CellError(ERR_COMPARISON)
    return _COMPARISON_ALIASES["".join(value.split())]


def _flag(value: Any, default: bool) -> bool:
    """A truth value as Excel has it: TRUE/FALSE, a number (0 is FALSE), or "có"/"không"."""
    if _is_empty(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = _key(value)
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise _CellError(ERR_FLAG)
    try:
        return _number(value) != 0
    except _CellError:
        raise _CellError(ERR_FLAG) from None


def _text(value: Any) -> str | None:
    """A code or a label; a whole number typed in a cell (101) is the code "101"."""
    if _is_empty(value):
        return None
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool):
        raise _CellError(ERR_NOT_TEXT)
    try:
        number = _number(value)
    except _CellError:
        raise _CellError(ERR_NOT_TEXT) from None
    if number is None or number.denominator != 1:
        raise _CellError(ERR_NOT_TEXT)
    return str(number.numerator)


def _to_excel(value: Fraction | None) -> float | None:
    try:
        return indicators.to_excel_number(value)
    except OverflowError:
        raise _CellError(ERR_TOO_LARGE) from None


# -- the active plan and registry ------------------------------------------------

def _source(variable: str) -> tuple[str | None, int | None]:
    """The environment's choice and, when it is a file, its mtime (part of the cache key)."""
    value = os.environ.get(variable, "").strip() or None
    if value is None:
        return None, None
    try:
        return value, Path(value).stat().st_mtime_ns
    except OSError:
        return value, None


@functools.lru_cache(maxsize=4)
def _cached_plan(source: str | None, stamp: int | None) -> Plan:
    """``stamp`` (the file's mtime) is only part of the key: a saved file is a new entry."""
    return load_plan(source)


@functools.lru_cache(maxsize=4)
def _cached_registry(source: str | None, stamp: int | None, plan_source: str | None,
                     plan_stamp: int | None) -> Registry:
    """The registry is validated against the plan (its kinds), so the plan is part of the key."""
    return load_registry(source, plan=_cached_plan(plan_source, plan_stamp))


def _active_plan() -> Plan:
    """The plan the UDFs use: ``XLPLAN_PLAN`` (name or path) or the bundled default.

    Raises :class:`_CellError` with a readable error value when it cannot be read.
    """
    source, stamp = _source(PLAN_ENV)
    try:
        return _cached_plan(source, stamp)
    except XlplanError as exc:  # PlanError: its message is Vietnamese and names the bad key
        raise _CellError(err_plan(str(exc))) from None
    except OSError as exc:
        raise _CellError(err_plan(f"không mở được {source or 'kế hoạch mặc định'} ({type(exc).__name__})")) from None


def _active_registry() -> Registry:
    """The unit registry the UDFs use: ``XLPLAN_REGISTRY`` (path or name) or the bundled default."""
    plan_source, plan_stamp = _source(PLAN_ENV)
    _active_plan()  # a broken plan is reported as such, not as a broken registry
    source, stamp = _source(REGISTRY_ENV)
    try:
        return _cached_registry(source, stamp, plan_source, plan_stamp)
    except XlplanError as exc:  # RegistryError: its message is Vietnamese and names the bad rows
        raise _CellError(err_registry(str(exc))) from None
    except OSError as exc:
        raise _CellError(err_registry(f"không mở được {source or 'danh mục mặc định'} ({type(exc).__name__})")) from None


# -- the UDFs ----------------------------------------------------------------------

_DOCS_ATTR = "xlplan_arg_docs"


def _arg(name: str, doc: str) -> Callable[[_F], _F]:
    """``xw.arg`` with what every xlplan argument needs, keeping ``doc`` readable on Linux.

    ``ndim=2`` makes a column arrive as a column (xlwings would flatten it and the
    result would come back as a row); ``err_to_str`` makes an error cell arrive as
    "#N/A" (passed through) instead of an empty value (which would read as no data).
    """
    def decorate(func: _F) -> _F:
        func = xw.arg(name, ndim=2, err_to_str=True, doc=doc)(func)
        func.__dict__.setdefault(_DOCS_ATTR, {})[name] = doc
        return func
    return decorate


@xw.func(category=CATEGORY)
@_arg("tu_so", "Tử số: số đạt (vd. số TCCSĐ trong sạch, vững mạnh); một ô hoặc một vùng ô.")
@_arg("mau_so", "Mẫu số: tổng số (vd. số TCCSĐ được đánh giá); bằng 0 hoặc để trống là chưa có số liệu.")
@_arg("so_le", f"Số chữ số thập phân của phần trăm, từ 0 đến {MAX_DIGITS}; mặc định 2 (82,27%).")
@_arg("lam_tron", '"cat" = cắt bỏ phần lẻ như kế hoạch viết (mặc định); "tron" = làm tròn.')
def XLP_TYLE(tu_so: Any, mau_so: Any, so_le: Any = SHARE_DIGITS, lam_tron: Any = DEFAULT_MODE) -> Any:
    """Tỷ lệ tử số/mẫu số (định dạng ô kiểu %), cắt như kế hoạch: 65/79 → 82,27%.

    The share as a fraction of 1 quantized at ``so_le`` decimals of the percentage,
    so the cell shows exactly the plan's figure in a percent format. ``lam_tron``
    ignores case and diacritics (``"Tròn"``); counts need not be whole numbers.
    """
    return _elementwise(_share_cell, tu_so, mau_so, so_le, lam_tron)


def _share_cell(num: Any, den: Any, digits: Any, mode: Any) -> float | None:
    n, d, places, how = _count(num), _count(den), _digits(digits, SHARE_DIGITS), _mode(mode)
    if n is None or d is None:
        return None
    return _to_excel(indicators.share(n, d, places, how))  # type: ignore[arg-type]


@xw.func(category=CATEGORY)
@_arg("tu_so", "Tử số: số đạt, số nguyên (vd. 65).")
@_arg("mau_so", "Mẫu số: tổng số, số nguyên (vd. 79); bằng 0 hoặc để trống là chưa có số liệu.")
@_arg("so_le", f"Số chữ số thập phân của phần trăm, từ 0 đến {MAX_DIGITS}; mặc định 2.")
@_arg("lam_tron", '"cat" = cắt bỏ phần lẻ như kế hoạch viết (mặc định); "tron" = làm tròn.')
def XLP_TYLE_TEXT(tu_so: Any, mau_so: Any, so_le: Any = SHARE_DIGITS, lam_tron: Any = DEFAULT_MODE) -> Any:
    """Tỷ lệ viết như trong kế hoạch: "65/79 = 82,27%", "6.646/7.453 = 89,17%".

    Counts only: the text writes the numerator and denominator as whole numbers,
    so a fraction there would be misquoted.
    """
    return _elementwise(_share_text_cell, tu_so, mau_so, so_le, lam_tron)


def _share_text_cell(num: Any, den: Any, digits: Any, mode: Any) -> str:
    n, d, places, how = _count(num), _count(den), _digits(digits, SHARE_DIGITS), _mode(mode)
    if any(x is not None and x.denominator != 1 for x in (n, d)):
        raise _CellError(ERR_NOT_WHOLE)
    if n is None or d is None or d == 0:
        return NO_DATA
    return indicators.ratio_text(n, d, places, how)  # type: ignore[arg-type]


@xw.func(category=CATEGORY)
@_arg("thuc_hien", "Số thực hiện (vd. 218 đảng viên đã kết nạp).")
@_arg("ke_hoach", "Số theo kế hoạch (vd. 180); bằng 0 hoặc để trống là chưa có số liệu.")
def XLP_HOANTHANH(thuc_hien: Any, ke_hoach: Any) -> Any:
    """Tỷ lệ hoàn thành kế hoạch, cắt đến phần trăm nguyên: 218/180 → 121%.

    The plan writes completion in whole percent, truncated ("= 121% kế hoạch").
    """
    return _elementwise(_completion_cell, thuc_hien, ke_hoach)


def _completion_cell(actual: Any, planned: Any) -> float | None:
    a, p = _count(actual), _count(planned)
    if a is None or p is None:
        return None
    return _to_excel(indicators.completion(a, p))


@xw.func(category=CATEGORY)
@_arg("loai_hinh", 'Loại hình đơn vị: mã (vd. xa_phuong) hoặc tên (vd. "Đảng bộ xã, phường").')
@_arg("co_nguon", "TRUE nếu đơn vị có nguồn phát triển đảng (mặc định); FALSE thì chi bộ cơ sở có chỉ tiêu 0.")
def XLP_CHITIEU_KETNAP(loai_hinh: Any, co_nguon: Any = True) -> Any:
    """Chỉ tiêu kết nạp đảng viên tối thiểu của loại hình đơn vị theo kế hoạch đang dùng.

    Read from the active plan file, so another year's minimums need no new workbook.
    """
    return _elementwise(_minimum_cell, loai_hinh, co_nguon)


def _minimum_cell(kind: Any, has_source: Any) -> int | None:
    wanted, flag = _text(kind), _flag(has_source, True)
    if wanted is None:
        return None
    plan = _active_plan()
    try:
        return plan.kind(wanted).minimum(flag)
    except KeyError:
        raise _CellError(err_unknown_kind(wanted)) from None


@xw.func(category=CATEGORY)
@_arg("gia_tri", "Giá trị thực hiện: một số hoặc một tỷ lệ (vd. kết quả của XLP_TYLE).")
@_arg("chi_tieu", "Chỉ tiêu cần đạt (vd. 8 hoặc 85%).")
@_arg("so_sanh", 'Phép so sánh: ">=" (mặc định), ">" (vd. "trên 85%"), "<=", "<" hoặc "=".')
def XLP_DAT(gia_tri: Any, chi_tieu: Any, so_sanh: Any = DEFAULT_COMPARISON) -> Any:
    """Kết luận Đạt / Chưa đạt: so sánh giá trị thực hiện với chỉ tiêu (mặc định >=).

    Compared exactly (a cell's 0.85 is 85/100), so a share at the target is not
    "Chưa đạt" because of binary floating point. ``so_sanh`` also takes ``≥``,
    ``≤``, ``=>``, ``=<``, ``==`` (spaces ignored); the plan's "trên 85%" is ``">"``.
    """
    return _elementwise(_verdict_cell, gia_tri, chi_tieu, so_sanh)


def _verdict_cell(value: Any, target: Any, op: Any) -> str:
    v, t, how = _number(value), _number(target), _comparison(op)
    if v is None or t is None:
        return NO_DATA
    return indicators.verdict(indicators.compare(v, t, how))


@xw.func(category=CATEGORY)
@_arg("so", "Số cần viết (vd. 8877).")
@_arg("so_le", f"Số chữ số thập phân, từ 0 đến {MAX_DIGITS}; mặc định 0. Phần lẻ thừa bị cắt bỏ.")
def XLP_SO(so: Any, so_le: Any = NUMBER_DIGITS) -> Any:
    """Viết số theo kiểu Việt Nam (văn bản): 8877 → "8.877", 1234,5 → "1.234,5".

    For report text built with formulas; a number cell should keep a number format.
    """
    return _elementwise(_number_text_cell, so, so_le)


def _number_text_cell(value: Any, digits: Any) -> str:
    number, places = _number(value), _digits(digits, NUMBER_DIGITS)
    if number is None:
        return NO_DATA
    return indicators.format_number(number, places)


@xw.func(category=CATEGORY)
@_arg("ma", "Mã đơn vị trong danh mục đơn vị.")
@_arg("truong", "Trường cần lấy: ten (mặc định), loai_hinh, loai_hinh_ten, co_nguon, so_dang_vien, "
                "so_chi_bo, lien_he.")
def XLP_DONVI(ma: Any, truong: Any = DEFAULT_FIELD) -> Any:
    """Thông tin một đơn vị trong danh mục: tên, loại hình, số đảng viên, số chi bộ…

    Lets a summary sheet show names and kinds by code, so a renamed unit is
    renamed once, in the registry. Field names ignore case, diacritics and spaces.
    """
    return _elementwise(_unit_cell, ma, truong)


def _unit_cell(code: Any, field: Any) -> Any:
    name = DEFAULT_FIELD if _is_empty(field) else field
    if not isinstance(name, str) or _key(name) not in UNIT_FIELDS:
        raise _CellError(err_unknown_field(str(name)))
    wanted = _text(code)
    if wanted is None:
        return None
    registry = _active_registry()
    try:
        unit = registry.get(wanted)
    except LookupError:
        unit = None
    if unit is None:
        raise _CellError(err_unknown_unit(wanted))
    value = getattr(unit, UNIT_FIELDS[_key(name)])
    if _key(name) == "loai_hinh_ten":
        try:
            return _active_plan().kind(value).label
        except KeyError:
            raise _CellError(err_unknown_kind(value)) from None
    return value


# -- metadata for the VBA-wrapper generator and the docs --------------------------

UDFS: tuple[Callable[..., Any], ...] = (
    XLP_TYLE, XLP_TYLE_TEXT, XLP_HOANTHANH, XLP_CHITIEU_KETNAP, XLP_DAT, XLP_SO, XLP_DONVI,
)

ARG_DOCS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    func.__name__: MappingProxyType({
        name: getattr(func, _DOCS_ATTR, {}).get(name, "") for name in inspect.signature(func).parameters
    })
    for func in UDFS
})
"""Per function, per argument (in signature order): the Vietnamese help passed to ``xw.arg(doc=...)``."""

DESCRIPTIONS: Mapping[str, str] = MappingProxyType({
    func.__name__: (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else "" for func in UDFS
})
"""Per function: the Vietnamese description for the Function Wizard (the docstring's first line)."""


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
    "ERR_UNEXPECTED": "a bug: logged with its traceback (logger xlplan.udfs)",
})
"""Every error value (constant or builder in this module) and when it appears (English, for the docs)."""
