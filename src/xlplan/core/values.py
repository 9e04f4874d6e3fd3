"""Turning what a form cell holds into a field's value, and saying what was wrong with it.

Unit files are filled by hand in whatever Excel a grassroots office has, so a
cell may hold a number typed as text, a percentage typed as ``"86%"``, a date
typed as ``"20/02/2017"`` or something that is no value at all. :func:`coerce`
accepts what can be read without guessing (with a warning when the cell should
be retyped) and refuses the rest; it returns ``(code, params)`` pairs instead of
findings so that the reader, which knows the file, sheet and cell, builds them.
It never raises: a reader must report a bad cell, not crash on it.

Numbers typed as text follow one rule, because Vietnamese writes ``1.234`` for
one thousand two hundred thirty-four and English writes it for one point two:

* plain digits (``"12"``, ``" 12 "``, ``"+12"``) are read, with ``number-as-text``;
* digit groups that can only be thousands are read as thousands: two or more
  groups with the same separator (``"1.234.567"``), groups split by spaces
  (``"1 234"``), or both marks (``"1.234,5"`` Vietnamese, ``"1,234.5"`` English);
* one separator followed by exactly three digits (``"1.234"``, ``"1,234"``) is
  thousands in a whole-number field (a count cannot be 1,234), and elsewhere
  ``number-ambiguous``: it is either 1234 or 1,234 and the unit must retype it;
* any other single ``.`` or ``,`` is a decimal mark (``"3,5"`` is 3.5, then
  ``not-whole`` for a count).

Shares are fractions of 1 (``0.86`` is 86%); ``"86%"`` and ``"86,5%"`` typed as
text are read with a warning. Dates typed as text are read day first
(``dd/mm/yyyy``, the Vietnamese order) or ISO ``yyyy-mm-dd``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import indicators
from .forms import Field
from .periods import Period, PeriodError

Issue = tuple[str, dict[str, Any]]

MAX_TEXT = 32767  # the most characters an Excel cell holds
_SHOWN = 100  # characters of a bad value repeated in a message
_ALLOWED_CONTROLS = frozenset("\t\n\r")  # line breaks (Alt+Enter) and tabs are ordinary text

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 61 and later: epoch + serial days
_EXCEL_MAX_SERIAL = 2958465  # 31/12/9999

_SIGN = r"(?P<sign>[+-]?)"
_PLAIN = re.compile(_SIGN + r"(?P<int>\d+)$")
_GROUPED_SAME = re.compile(_SIGN + r"(?P<int>\d{1,3}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3})+)$")
_GROUPED_SPACE = re.compile(_SIGN + r"(?P<int>\d{1,3}(?: \d{3})+)$")
_VI_MIXED = re.compile(_SIGN + r"(?P<int>\d{1,3}(?:\.\d{3})+),(?P<frac>\d+)$")
_EN_MIXED = re.compile(_SIGN + r"(?P<int>\d{1,3}(?:,\d{3})+)\.(?P<frac>\d+)$")
_DECIMAL = re.compile(_SIGN + r"(?P<int>\d+)[.,](?P<frac>\d+)$")
_DATE_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$")

_BAD_CODE = {"int": "not-a-number", "share": "not-a-number", "date": "bad-date",
             "choice": "not-in-list", "period": "period-invalid"}


class _Ambiguous(Exception):
    """Number text that reads as two different numbers (``1.234``)."""

    def __init__(self, thousands: int, decimal: Fraction):
        super().__init__()
        self.thousands = thousands
        self.decimal = decimal


def coerce(field: Field, raw: object) -> tuple[object, list[Issue]]:
    """The value of ``field`` read from a cell holding ``raw``, and what is wrong with it.

    The value is an ``int`` (counts), a :class:`~fractions.Fraction` of 1
    (shares), a ``str`` (text, codes, canonical choice labels and periods), a
    :class:`datetime.date`, or ``None`` when the cell is empty or unusable.
    Issues are ``(finding code, template params)``; an empty optional cell has
    none, because whether a missing number matters is the consolidation's call.
    """
    try:
        if _is_blank(raw):
            if field.required:
                return None, [("value-required", {"label": field.label})]
            return None, []
        handler = _HANDLERS.get(field.type, _text)
        return handler(field, raw)
    except Exception:  # a safety net: a reader reports a bad cell, it never crashes on one
        code = _BAD_CODE.get(field.type, "not-a-number")
        try:
            params = _params(field, raw)
        except Exception:
            params = {"label": field.label, "value": type(raw).__name__}
        return None, [(code, params)]


# No count on a form can exceed this (the whole country has ~5 million party members):
# a bigger number is a typing slip or a mutated file, never data.
MAX_COUNT = 10_000_000
EARLIEST_DATE = dt.date(1900, 1, 1)


# -- by field type -------------------------------------------------------------------

def _int(field: Field, raw: object) -> tuple[object, list[Issue]]:
    if type(raw) is int and 0 <= raw <= (field.maximum if field.maximum is not None else MAX_COUNT) and (
            field.minimum is None or raw >= field.minimum):
        return raw, []  # what nearly every count cell holds: no Fraction to build, nothing to say
    issues: list[Issue] = []
    number = _number(field, raw, issues, percent=False, whole=True)
    if number is None:
        return None, issues
    if number < 0:
        return None, [("negative", _params(field, raw, value=_show(number)))]
    if number.denominator != 1:
        return None, [("not-whole", _params(field, raw, value=_show(number)))]
    maximum = field.maximum if field.maximum is not None else MAX_COUNT
    too_low = field.minimum is not None and number < field.minimum
    too_high = number > maximum
    if too_low or too_high:
        return None, [("out-of-range", _params(
            field, raw, value=_show(number),
            low=_show(Fraction(field.minimum or 0)),
            high=_show(Fraction(maximum))))]
    return int(number), issues


def _share(field: Field, raw: object) -> tuple[object, list[Issue]]:
    issues: list[Issue] = []
    number = _number(field, raw, issues, percent=True)
    if number is None:
        return None, issues
    if number < 0:
        return None, [("negative", _params(field, raw, value=_show_percent(number)))]
    if number > 1:
        return None, [("out-of-range", _params(field, raw, value=_show_percent(number), low="0%", high="100%"))]
    return number, issues


def _date(field: Field, raw: object) -> tuple[object, list[Issue]]:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        # Excel has no dates before 1900: an earlier one is a negative serial some engine
        # turned into a date, never what a unit typed.
        if raw < EARLIEST_DATE:
            return None, [("bad-date", _params(field, raw))]
        return raw, []
    if isinstance(raw, (int, float, Fraction, Decimal)) and not isinstance(raw, bool):
        day = _from_serial(raw)
        if day is not None:
            return day, []
    if isinstance(raw, str):
        day = _date_text(raw)
        if day is not None:
            return day, [("date-as-text", _params(field, raw, date=indicators.format_date(day)))]
    return None, [("bad-date", _params(field, raw))]


def _choice(field: Field, raw: object) -> tuple[object, list[Issue]]:
    if isinstance(raw, str):
        wanted = _fold(raw)
        for label in field.choices:
            if _fold(label) == wanted:
                return label, []
    return None, [("not-in-list", _params(field, raw, choices="; ".join(field.choices)))]


def _period(field: Field, raw: object) -> tuple[object, list[Issue]]:
    try:
        return str(Period.parse(_as_text(raw))), []
    except PeriodError:
        return None, [("period-invalid", _params(field, raw))]


def _text(field: Field, raw: object) -> tuple[object, list[Issue]]:
    issues: list[Issue] = []
    text = unicodedata.normalize("NFC", _as_text(raw)).strip()
    # A printable text holds no control character (category Cc): the per-character look is skipped.
    controls = 0 if text.isprintable() else sum(
        1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    if controls:
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in _ALLOWED_CONTROLS).strip()
        issues.append(("text-control-chars", {"label": field.label, "count": controls}))
    if len(text) > MAX_TEXT:
        issues.append(("text-too-long", {"label": field.label, "length": len(text), "limit": MAX_TEXT}))
        text = text[:MAX_TEXT]
    if not text:  # nothing but control characters
        return None, issues + ([("value-required", {"label": field.label})] if field.required else [])
    return text, issues


_HANDLERS = {"int": _int, "share": _share, "date": _date, "choice": _choice, "period": _period,
             "text": _text, "code": _text}


# -- numbers ------------------------------------------------------------------------

def _number(field: Field, raw: object, issues: list[Issue], percent: bool, whole: bool = False) -> Fraction | None:
    """An exact number from a numeric cell or number text; records why not in ``issues``.

    ``whole``: the field takes whole numbers only, so ``1.234`` can only be thousands (1234), never asked.
    """
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.time, dt.timedelta)):
        issues.append(("not-a-number", _params(field, raw)))
        return None
    if isinstance(raw, (int, float, Fraction, Decimal)) and not _finite(raw):
        issues.append(("not-a-number", _params(field, raw)))
        return None
    if isinstance(raw, (int, Fraction, Decimal)):
        return Fraction(raw)
    if isinstance(raw, float):
        return indicators.exact(raw)
    if not isinstance(raw, str):
        issues.append(("not-a-number", _params(field, raw)))
        return None
    try:
        number = _percent_text(raw) if percent else _number_text(raw)
    except _Ambiguous as amb:
        if whole:  # a count: the decimal reading is no count, so the separator groups thousands
            issues.append(("number-as-text", _params(field, raw, number=_show(Fraction(amb.thousands)))))
            return Fraction(amb.thousands)
        issues.append(("number-ambiguous", _params(field, raw, thousands=indicators.format_number(amb.thousands),
                                                   decimal=_show(amb.decimal))))
        return None
    if number is None:
        issues.append(("not-a-number", _params(field, raw)))
        return None
    shown = _show_percent(number) if percent else _show(number)
    issues.append(("number-as-text", _params(field, raw, number=shown)))
    return number


def _clean_number_text(text: str) -> str:
    """NFKC (full-width digits), Unicode minus to ``-``, spaces (also no-break) to one space."""
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    return " ".join(text.split())


def _number_text(text: str) -> Fraction | None:
    """Number text under the module's rule; raises :class:`_Ambiguous` for ``1.234``."""
    text = _clean_number_text(text)
    if match := _PLAIN.match(text):
        return _signed(match, Fraction(int(match["int"])))
    for pattern in (_GROUPED_SAME, _GROUPED_SPACE):
        if match := pattern.match(text):
            return _signed(match, Fraction(int(re.sub(r"[., ]", "", match["int"]))))
    for pattern in (_VI_MIXED, _EN_MIXED):
        if match := pattern.match(text):
            whole = int(re.sub(r"[.,]", "", match["int"]))
            return _signed(match, whole + Fraction(int(match["frac"]), 10 ** len(match["frac"])))
    if match := _DECIMAL.match(text):
        int_digits, frac = match["int"], match["frac"]
        decimal = _signed(match, int(int_digits) + Fraction(int(frac), 10 ** len(frac)))
        if len(frac) == 3 and len(int_digits) <= 3 and not int_digits.startswith("0"):
            raise _Ambiguous(int(_signed(match, Fraction(int(int_digits + frac)))), decimal)
        return decimal
    return None


def _percent_text(text: str) -> Fraction | None:
    """A share from ``"86%"``, ``"86,5 %"`` or ``"0,86"``: one ``.``/``,`` is always the decimal mark."""
    text = _clean_number_text(text)
    percent = text.endswith("%")
    if percent:
        text = text[:-1].rstrip()
    match = _PLAIN.match(text) or _DECIMAL.match(text)
    if not match:
        return None
    frac = match.groupdict().get("frac") or ""
    number = _signed(match, int(match["int"]) + (Fraction(int(frac), 10 ** len(frac)) if frac else Fraction(0)))
    return number / 100 if percent else number


def _signed(match: re.Match[str], number: Fraction) -> Fraction:
    return -number if match["sign"] == "-" else Fraction(number)


# -- dates --------------------------------------------------------------------------

def _from_serial(serial: int | float | Fraction | Decimal) -> dt.date | None:
    """A date from an Excel serial number in the 1900 system (the time of day is dropped).

    Excel counts 29/02/1900, a day that never was (serial 60), so serials before
    it are one day off the plain epoch; serial 60 itself is no date.
    """
    if not _finite(serial):
        return None
    days = math.floor(serial)
    if days < 1 or days > _EXCEL_MAX_SERIAL or days == 60:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=days if days > 60 else days + 1)


def _date_text(text: str) -> dt.date | None:
    text = unicodedata.normalize("NFKC", text).strip()
    try:
        if match := _DATE_DMY.match(text):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        if match := _DATE_ISO.match(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 31/02/2017
        return None
    return None


# -- helpers ------------------------------------------------------------------------

def _finite(number: object) -> bool:
    """False for NaN and infinities (float or Decimal), which no cell should hold."""
    if isinstance(number, float):
        return math.isfinite(number)
    if isinstance(number, Decimal):
        return number.is_finite()
    return True


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _fold(text: str) -> str:
    """Comparable form of a label: NFC, case-folded, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _as_text(raw: object) -> str:
    """What a cell shows, as text: whole numbers without ``.0``, dates as dd/mm/yyyy."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, dt.datetime):
        return indicators.format_date(raw.date()) if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return indicators.format_date(raw)
    if isinstance(raw, (int, float, Fraction, Decimal)):
        if not _finite(raw):
            return str(raw)
        number = Fraction(raw) if not isinstance(raw, float) else indicators.exact(raw)
        if number.denominator == 1:
            return str(number.numerator)
        return str(Decimal(number.numerator) / Decimal(number.denominator))
    return str(raw)


def _params(field: Field, raw: object, **extra: Any) -> dict[str, Any]:
    """Template params: the field's label and the offending value as the user would see it."""
    shown = _as_text(raw)
    if len(shown) > _SHOWN:
        shown = shown[:_SHOWN] + "…"
    params: dict[str, Any] = {"label": field.label, "value": shown}
    params.update(extra)
    return params


def _decimals(number: Fraction, limit: int = 6) -> int:
    for digits in range(limit + 1):
        if (number * 10 ** digits).denominator == 1:
            return digits
    return limit


def _show(number: Fraction) -> str:
    """A number the Vietnamese way with as many decimals as it has (``3,5``, ``1.234``)."""
    return indicators.format_number(number, _decimals(number))


def _show_percent(share: Fraction) -> str:
    """A share as a Vietnamese percentage with as many decimals as it has (``86%``, ``86,5%``)."""
    percent = share * 100
    return indicators.format_number(percent, _decimals(percent)) + "%"
