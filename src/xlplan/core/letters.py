"""The Board's letters to units as data: their points, and whether each point was put right since.

``xlplan feedback`` sends each unit one numbered letter per round listing
everything the unit must do (every form and period). Each line of a letter is
a :class:`Point`: what was found, for which form and period, where. When the
Board consolidates again, a point still found is *still open*; a point no
longer found is *fixed* (the unit sent a corrected file, or the missing
report). A late report cannot be undone: such a point is only *noted*.
The next letter to the unit opens with what became of the last one.

Pure: the register (:mod:`xlplan.io.letter_register`) stores letters and
points; the feedback job decides what goes in them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .findings import Finding

OPEN, FIXED, NOTED = "còn tồn tại", "đã khắc phục", "ghi nhận"
NOT_FIXABLE = frozenset({"late-submission"})  # a report sent late stays late


@dataclass(frozen=True)
class Point:
    """One line of a letter: a finding the unit was told about, keyed so it can be found again."""

    code: str
    severity: str
    form: str
    period: str
    where: str  # the field id, else the cell, else "" (a finding about a whole file or report)
    message: str
    status: str = OPEN

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.code, self.form, self.period, self.where)


@dataclass(frozen=True)
class LetterRecord:
    """A letter as the register keeps it."""

    number: int
    unit: str
    issued: dt.date
    file: str  # the letter's file name in the outbox
    points: tuple[Point, ...]

    def counts(self) -> dict[str, int]:
        """How many points are open, fixed and noted."""
        out = {OPEN: 0, FIXED: 0, NOTED: 0}
        for point in self.points:
            out[point.status] = out.get(point.status, 0) + 1
        return out


def point_of(finding: Finding, form: str | None = None, period: str | None = None) -> Point:
    """The letter line of ``finding``; ``form``/``period`` from the file it is in, else its parameters."""
    params = finding.params
    return Point(
        code=finding.code,
        severity=finding.severity.value,
        form=str(form or params.get("form") or ""),
        period=str(period or params.get("period_code") or params.get("period") or ""),
        where=str(finding.field or finding.cell or ""),
        message=finding.message,
        status=NOTED if finding.code in NOT_FIXABLE else OPEN,
    )


def follow_up(points: Sequence[Point], found_now: Iterable[tuple[str, str, str, str]]) -> tuple[Point, ...]:
    """The points of an earlier letter judged against the keys of what is found now.

    An open point still found stays open; an open point no longer found is
    fixed. A fixed point found again is open again (the unit sent the mistake
    back). Noted points stay noted.
    """
    now = set(found_now)
    out = []
    for point in points:
        if point.status == NOTED:
            out.append(point)
            continue
        out.append(_with_status(point, OPEN if point.key in now else FIXED))
    return tuple(out)


def _with_status(point: Point, status: str) -> Point:
    return Point(point.code, point.severity, point.form, point.period, point.where, point.message, status)


def follow_up_text(previous: LetterRecord, number_text: str) -> str:
    """The paragraph a new letter opens with: what became of the points of ``previous``."""
    counts = previous.counts()
    fixable = counts[OPEN] + counts[FIXED]
    number = "số " + number_text[3:] if number_text.startswith("Số ") else number_text
    said = f"Đối với các nội dung nêu tại Công văn {number} ngày {previous.issued:%d/%m/%Y}: "
    if fixable == 0:
        return said + "đã được ghi nhận."
    if counts[OPEN] == 0:
        return said + f"đơn vị đã khắc phục đủ {fixable} nội dung."
    return (said + f"đơn vị đã khắc phục {counts[FIXED]}/{fixable} nội dung; còn {counts[OPEN]} nội dung "
            "chưa khắc phục, được nêu lại dưới đây (ghi «đã nêu tại công văn trước»).")


def repeated(points: Sequence[Point], previous: LetterRecord | None) -> set[tuple[str, str, str, str]]:
    """Keys of ``points`` that the previous letter already raised and that are still open."""
    if previous is None:
        return set()
    before = {p.key for p in previous.points if p.status == OPEN}
    return {p.key for p in points if p.key in before}


def unit_statuses(records: Mapping[str, LetterRecord]) -> dict[str, dict[str, int]]:
    """Unit code → counts of its latest letter's points by status (for the consolidation's summary)."""
    return {unit: record.counts() for unit, record in records.items()}
