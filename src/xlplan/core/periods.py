"""Reporting periods: a year (``2017``), a quarter (``2017-Q1``) or a month (``2017-01``).

The textual form is the ``ky_bao_cao`` field of every form and part of every
generated file name, so it is a contract: parse and print it only here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Iterator, Literal

from .errors import XlplanError

PeriodKind = Literal["year", "quarter", "month"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("year", "quarter", "month")

_PATTERNS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
)

KIND_LABELS = {"year": "Năm", "quarter": "Quý", "month": "Tháng"}


class PeriodError(XlplanError, ValueError):
    """A period text that is not ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``."""


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. ``index`` is 1 for a year, 1–4 for a quarter, 1–12 for a month."""

    year: int
    kind: PeriodKind
    index: int = 1

    @classmethod
    def parse(cls, text: object) -> "Period":
        if isinstance(text, Period):
            return text
        if isinstance(text, (int, float)) and not isinstance(text, bool) and float(text).is_integer():
            text = str(int(text))
        if not isinstance(text, str):
            raise PeriodError(f"kỳ báo cáo không hợp lệ: {text!r}")
        value = text.strip()
        for pattern, kind in _PATTERNS:
            match = pattern.match(value)
            if match:
                year = int(match.group(1))
                if not 1900 <= year <= 2999:
                    break
                index = int(match.group(2)) if kind != "year" else 1
                return cls(year, kind, index)
        raise PeriodError(f"kỳ báo cáo không hợp lệ: {text!r} (cần 2017, 2017-Q1 hoặc 2017-01)")

    def __str__(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    @property
    def start(self) -> dt.date:
        if self.kind == "year":
            return dt.date(self.year, 1, 1)
        if self.kind == "quarter":
            return dt.date(self.year, 3 * self.index - 2, 1)
        return dt.date(self.year, self.index, 1)

    @property
    def end(self) -> dt.date:
        if self.kind == "year":
            return dt.date(self.year, 12, 31)
        last_month = 3 * self.index if self.kind == "quarter" else self.index
        return dt.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def months(self) -> range:
        """The calendar months (1–12) this period covers."""
        return range(self.start.month, self.end.month + 1)

    def contains(self, other: "Period") -> bool:
        return other.year == self.year and set(other.months) <= set(self.months)

    @property
    def label(self) -> str:
        """Vietnamese label: ``Năm 2017``, ``Quý I năm 2017``, ``Tháng 01 năm 2017``."""
        if self.kind == "year":
            return f"Năm {self.year}"
        if self.kind == "quarter":
            return f"Quý {'I II III IV'.split()[self.index - 1]} năm {self.year}"
        return f"Tháng {self.index:02d} năm {self.year}"


@functools.lru_cache(maxsize=1024)
def period_or_none(text: str) -> Period | None:
    """A period text parsed, or None when it is not one; parsed once per text (a round's files and
    tracking rows repeat a few dozen periods, and a Period is immutable)."""
    try:
        return Period.parse(text)
    except PeriodError:
        return None


def periods_of(year: int, kind: PeriodKind) -> list[Period]:
    """Every period of a kind in a year, in calendar order."""
    count = {"year": 1, "quarter": 4, "month": 12}[kind]
    return [Period(year, kind, i) for i in range(1, count + 1)]


def iter_all(year: int) -> Iterator[Period]:
    for kind in ("month", "quarter", "year"):
        yield from periods_of(year, kind)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clipped to the month's last day."""
    month0 = day.month - 1 + months
    year = day.year + month0 // 12
    month = month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
