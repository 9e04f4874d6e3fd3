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

Names, arguments, help and the documented examples are the contract, kept as
data in :mod:`xlplan.core.udf_catalogue` (so the add-in build and the docs read
them without importing this face; on Linux ``xw.func``/``xw.arg`` record
nothing anyway); :func:`_udf` hands each function its part. :data:`UDFS`,
:data:`ARG_DOCS` and :data:`DESCRIPTIONS` are views of the catalogue;
``docs/udfs.md`` is generated from it (``python -m tools.docs``).
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
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping, TypeVar

import xlwings as xw

from .core import indicators
from .core.errors import XlplanError
from .core.plan import Plan
from .core.registry import Registry
from .core.udf_catalogue import CATEGORY, ERROR_CASES, EXAMPLES, MAX_DIGITS, UDF_CATALOGUE, Example, udf
from .io.plans import load_plan
from .io.registry import load_registry

log = logging.getLogger(__name__)

_F = TypeVar("_F", bound=Callable[..., Any])

PLAN_ENV = "XLPLAN_PLAN"
REGISTRY_ENV = "XLPLAN_REGISTRY"

SHARE_DIGITS = 2  # 82,27%
NUMBER_DIGITS = 0  # 8.877
DEFAULT_MODE = "cat"  # the plan truncates
DEFAULT_COMPARISON = ">="
DEFAULT_FIELD = "ten"

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
UDF_LOG = "%LOCALAPPDATA%\\xlplan\\xlplan.log"  # where the UDF server logs a bug, as staff find it
ERR_UNEXPECTED = f"#LỖI: lỗi không mong đợi (xem {UDF_LOG})"


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
        _log_to_file()
        log.exception("xlplan UDF %s failed on %r", getattr(func, "__name__", func), values)
        return ERR_UNEXPECTED


def udf_log_path() -> Path:
    """The UDF server's log: ``%LOCALAPPDATA%\\xlplan\\xlplan.log`` (elsewhere ``~/.local/state``).

    Excel's COM server configures no logging, so without this a bug's traceback went nowhere.
    """
    base = os.environ.get("LOCALAPPDATA") or str(Path.home() / ".local" / "state")
    return Path(base) / "xlplan" / "xlplan.log"


def _log_to_file() -> None:
    """Attach (once per path) a file handler for :data:`log` at :func:`udf_log_path`."""
    path = udf_log_path()
    ours = [h for h in log.handlers if isinstance(h, RotatingFileHandler)]
    if any(Path(h.baseFilename) == path.absolute() for h in ours):
        return
    for handler in ours:
        log.removeHandler(handler)
        handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=1, encoding="utf-8", delay=True)
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    log.addHandler(handler)


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
    if not isinstance(value, (int, float, Fraction, Decimal)):
        # Another library's number (numpy's int64, float32…), as indicators.exact reads it:
        # a Rational as Fraction(value), any other Real refused.
        if not isinstance(value, numbers.Rational):
            raise _CellError(ERR_NOT_NUMBER)
        value = Fraction(value)
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

def _udf(func: _F) -> _F:
    """Give ``func`` its contract from :data:`~xlplan.core.udf_catalogue.UDF_CATALOGUE`.

    Each argument gets ``xw.arg`` with its Vietnamese help and what every xlplan
    argument needs: ``ndim=2`` makes a column arrive as a column (xlwings would
    flatten it and the result would come back as a row); ``err_to_str`` makes
    an error cell arrive as "#N/A" (passed through) instead of an empty value
    (which would read as no data). The docstring's first line becomes the
    catalogue's description, which ``xw.func`` (applied next) shows in Excel's
    Function Wizard; the developer notes written in the source follow it.
    """
    entry = udf(func.__name__)
    for arg in entry.args:
        func = xw.arg(arg.name, ndim=2, err_to_str=True, doc=arg.doc)(func)
    func.__doc__ = f"{entry.description}\n\n{inspect.cleandoc(func.__doc__ or '')}".rstrip() + "\n"
    return func


@xw.func(category=CATEGORY)
@_udf
def XLP_TYLE(tu_so: Any, mau_so: Any, so_le: Any = SHARE_DIGITS, lam_tron: Any = DEFAULT_MODE) -> Any:
    """The share as a fraction of 1 quantized at ``so_le`` decimals of the percentage,
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
@_udf
def XLP_TYLE_TEXT(tu_so: Any, mau_so: Any, so_le: Any = SHARE_DIGITS, lam_tron: Any = DEFAULT_MODE) -> Any:
    """Counts only: the text writes the numerator and denominator as whole numbers,
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
@_udf
def XLP_HOANTHANH(thuc_hien: Any, ke_hoach: Any) -> Any:
    """The plan writes completion in whole percent, truncated ("= 121% kế hoạch").
    """
    return _elementwise(_completion_cell, thuc_hien, ke_hoach)


def _completion_cell(actual: Any, planned: Any) -> float | None:
    a, p = _count(actual), _count(planned)
    if a is None or p is None:
        return None
    return _to_excel(indicators.completion(a, p))


@xw.func(category=CATEGORY)
@_udf
def XLP_CHITIEU_KETNAP(loai_hinh: Any, co_nguon: Any = True) -> Any:
    """Read from the active plan file, so another year's minimums need no new workbook.
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
@_udf
def XLP_DAT(gia_tri: Any, chi_tieu: Any, so_sanh: Any = DEFAULT_COMPARISON) -> Any:
    """Compared exactly (a cell's 0.85 is 85/100), so a share at the target is not
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
@_udf
def XLP_SO(so: Any, so_le: Any = NUMBER_DIGITS) -> Any:
    """For report text built with formulas; a number cell should keep a number format.
    """
    return _elementwise(_number_text_cell, so, so_le)


def _number_text_cell(value: Any, digits: Any) -> str:
    number, places = _number(value), _digits(digits, NUMBER_DIGITS)
    if number is None:
        return NO_DATA
    return indicators.format_number(number, places)


@xw.func(category=CATEGORY)
@_udf
def XLP_DONVI(ma: Any, truong: Any = DEFAULT_FIELD) -> Any:
    """Lets a summary sheet show names and kinds by code, so a renamed unit is
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


# -- metadata for the VBA-wrapper generator and the docs (from the catalogue) -----------

UDFS: tuple[Callable[..., Any], ...] = tuple(globals()[entry.name] for entry in UDF_CATALOGUE)
"""The functions, in the catalogue's order."""

ARG_DOCS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    entry.name: MappingProxyType({arg.name: arg.doc for arg in entry.args}) for entry in UDF_CATALOGUE
})
"""Per function, per argument (in signature order): the Vietnamese help passed to ``xw.arg(doc=...)``."""

DESCRIPTIONS: Mapping[str, str] = MappingProxyType({entry.name: entry.description for entry in UDF_CATALOGUE})
"""Per function: the Vietnamese description for the Function Wizard (the docstring's first line)."""

__all__ = ["ARG_DOCS", "CATEGORY", "DESCRIPTIONS", "ERROR_CASES", "EXAMPLES", "UDFS", "Example",
           *(entry.name for entry in UDF_CATALOGUE)]
