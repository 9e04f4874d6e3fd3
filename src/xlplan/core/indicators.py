"""The plan's indicators with exact arithmetic, and the Vietnamese way of writing them.

Shares are computed as :class:`fractions.Fraction` and cut (or rounded half-up)
at a number of decimals *of the percentage*, as the plan writes them:
65/79 = 82.2784…% is written ``82,27%``; 218/180 = 121.1% is ``121%``. A zero
denominator means "no data" and gives ``None`` — never 0 and never an exception.
Binary floats never enter a share: 29/100 is 29,00%, not 28,99%.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction
from numbers import Rational
from typing import Callable, Literal

Mode = Literal["cat", "tron"]
MODES: tuple[str, ...] = ("cat", "tron")
# Exact comparisons of two plan figures, by the operator a form rule names.
COMPARISONS: dict[str, Callable[[Fraction, Fraction], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
}

Number = int | Fraction | Decimal


def exact(value: Number | float | str) -> Fraction:
    """An exact rational from an int, Decimal, decimal text or a float *as typed*.

    Floats come from Excel cells; ``Fraction(str(x))`` takes the shortest decimal
    that round-trips (0.29 → 29/100), which is what the user typed.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a truth value is not a number")
    if isinstance(value, (int, Rational)):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return Fraction(repr(value))
    if isinstance(value, (Decimal, str)):
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            raise ValueError(f"not a number: {value!r}") from None
        if not number.is_finite():
            raise ValueError("not a finite number")
        return Fraction(number)
    raise TypeError(f"not a number: {value!r}")


def quantize(value: Fraction, digits: int, mode: Mode = "cat") -> Fraction:
    """``value`` cut toward zero (``cat``) or rounded half away from zero (``tron``) to ``digits`` decimals."""
    if mode not in MODES:
        raise ValueError(f"rounding mode must be 'cat' or 'tron', not {mode!r}")
    scale = Fraction(10) ** digits
    scaled = value * scale
    sign = -1 if scaled < 0 else 1
    magnitude = abs(scaled)
    if mode == "cat":
        whole = magnitude.numerator // magnitude.denominator
    else:
        whole = math.floor(magnitude + Fraction(1, 2))
    return Fraction(sign * whole) / scale


def share(numerator: Number, denominator: Number, digits: int = 2, mode: Mode = "cat") -> Fraction | None:
    """The share num/den as a fraction of 1, quantized at ``digits`` decimals of the percentage.

    ``share(65, 79)`` is ``Fraction(8227, 10000)`` (82,27%). ``None`` when den is 0.
    """
    num, den = exact(numerator), exact(denominator)
    if den == 0:
        return None
    return quantize(num / den * 100, digits, mode) / 100


def completion(actual: Number, planned: Number, digits: int = 0, mode: Mode = "cat") -> Fraction | None:
    """Plan completion (actual / plan) cut to whole percent by default: 218/180 → 121%."""
    return share(actual, planned, digits, mode)


def compare(value: Number | None, target: Number | None, op: str = ">=") -> bool | None:
    """Whether ``value op target`` holds; ``None`` when either side is missing (no data)."""
    if op not in COMPARISONS:
        raise ValueError(f"comparison must be one of {', '.join(COMPARISONS)}, not {op!r}")
    if value is None or target is None:
        return None
    return COMPARISONS[op](exact(value), exact(target))


def verdict(ok: bool | None) -> str:
    """``Đạt`` / ``Chưa đạt`` / ``Chưa có số liệu``."""
    if ok is None:
        return NO_DATA
    return "Đạt" if ok else "Chưa đạt"


NO_DATA = "Chưa có số liệu"


# -- Vietnamese formatting ----------------------------------------------------------

def format_number(value: Number | float, digits: int = 0, mode: Mode = "cat") -> str:
    """``8877`` → ``8.877``; ``Fraction(1, 3), 2`` → ``0,33``. Thousands '.', decimals ','."""
    q = quantize(exact(value), digits, mode)
    sign = "-" if q < 0 else ""
    q = abs(q)
    scaled = q * 10 ** digits
    whole_scaled = scaled.numerator // scaled.denominator
    whole, frac = divmod(whole_scaled, 10 ** digits)
    text = f"{whole:,}".replace(",", ".")
    if digits:
        text += "," + f"{frac:0{digits}d}"
    return sign + text


def format_percent(value: Fraction | None, digits: int = 2) -> str:
    """A share (fraction of 1, already quantized) as ``82,27%``; no data → ``Chưa có số liệu``."""
    if value is None:
        return NO_DATA
    return format_number(value * 100, digits) + "%"


def ratio_text(numerator: Number, denominator: Number, digits: int = 2, mode: Mode = "cat") -> str:
    """The plan's own text: ``65/79 = 82,27%``, ``6.646/7.453 = 89,17%``."""
    value = share(numerator, denominator, digits, mode)
    fraction = f"{_count_text(numerator)}/{_count_text(denominator)}"
    if value is None:
        return f"{fraction} = {NO_DATA}"
    return f"{fraction} = {format_percent(value, digits)}"


def _count_text(value: Number) -> str:
    """A count as written in a ratio: whole numbers plainly, others with the decimals they need (≤ 6)."""
    exact_value = exact(value)
    for digits in range(0, 7):
        if quantize(exact_value, digits) == exact_value:
            return format_number(exact_value, digits)
    return format_number(exact_value, 6)


def completion_text(actual: Number, planned: Number, digits: int = 0, mode: Mode = "cat") -> str:
    """``121% kế hoạch``."""
    return f"{format_percent(completion(actual, planned, digits, mode), digits)} kế hoạch"


def format_date(day: dt.date) -> str:
    """``20/02/2017``."""
    return day.strftime("%d/%m/%Y")


def to_excel_number(value: Fraction | None) -> float | None:
    """The nearest double to an exact value, for an Excel cell (82,27% → 0.8227)."""
    return None if value is None else float(value)
