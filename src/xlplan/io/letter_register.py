"""The register of letters sent to units (sổ công văn đi), kept in the working folder's audit store file.

Two tables beside the audit store's own (``KetQua/audit.sqlite``): ``letters``
(number, unit, day issued, file) and ``letter_points`` (each line of a letter
with its status: còn tồn tại / đã khắc phục / ghi nhận). Numbers run on from
the highest registered (or from the number the Board gives to start with).
A letter issued again to the same unit on the same day (``xlplan feedback``
run twice) keeps its number and replaces its points: one letter per unit
per day.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from ..core.letters import LetterRecord, Point
from .workbook_files import machine_fault

WHAT = "sổ công văn (audit.sqlite)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS letters (
    number INTEGER PRIMARY KEY, unit TEXT NOT NULL, issued TEXT NOT NULL, file TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS letters_unit ON letters (unit, issued);
CREATE TABLE IF NOT EXISTS letter_points (
    number INTEGER NOT NULL REFERENCES letters(number), seq INTEGER NOT NULL, code TEXT NOT NULL,
    severity TEXT, form TEXT, period TEXT, location TEXT, message TEXT, status TEXT NOT NULL,
    PRIMARY KEY (number, seq));
"""


class LetterRegister:
    """The letters table of one working folder; use as a context manager (commits on success)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path))
            self._db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise machine_fault(exc, self.path.parent, WHAT) from exc

    def __enter__(self) -> "LetterRegister":
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        try:
            if kind is None:
                self._db.commit()
            else:
                self._db.rollback()
        except sqlite3.Error as exc:
            raise machine_fault(exc, self.path.parent, WHAT) from exc
        finally:
            self._db.close()

    def number_for(self, unit: str, issued: dt.date, start: int | None = None) -> int:
        """The number of ``unit``'s letter of ``issued``: the same day's if there is one, else the next free."""
        row = self._db.execute("SELECT number FROM letters WHERE unit = ? AND issued = ? ORDER BY number DESC "
                               "LIMIT 1", (unit, issued.isoformat())).fetchone()
        if row is not None:
            return int(row[0])
        (highest,) = self._db.execute("SELECT MAX(number) FROM letters").fetchone()
        following = (highest or 0) + 1
        return max(following, start or 1)

    def record(self, letter: LetterRecord) -> None:
        """Register ``letter`` (replacing a letter with its number)."""
        try:
            self._db.execute("DELETE FROM letter_points WHERE number = ?", (letter.number,))
            self._db.execute("INSERT OR REPLACE INTO letters VALUES (?, ?, ?, ?)",
                             (letter.number, letter.unit, letter.issued.isoformat(), letter.file))
            self._write_points(letter.number, letter.points)
        except sqlite3.Error as exc:
            raise machine_fault(exc, self.path.parent, WHAT) from exc

    def update_points(self, letter: LetterRecord) -> None:
        """Store the statuses ``letter``'s points have now."""
        try:
            self._db.execute("DELETE FROM letter_points WHERE number = ?", (letter.number,))
            self._write_points(letter.number, letter.points)
        except sqlite3.Error as exc:
            raise machine_fault(exc, self.path.parent, WHAT) from exc

    def _write_points(self, number: int, points: tuple[Point, ...]) -> None:
        self._db.executemany(
            "INSERT INTO letter_points VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(number, i, p.code, p.severity, p.form, p.period, p.where, p.message, p.status)
             for i, p in enumerate(points, 1)])

    def latest(self, before: dt.date | None = None) -> dict[str, LetterRecord]:
        """Each unit's latest letter (issued before ``before``, when given)."""
        sql = "SELECT number, unit, issued, file FROM letters"
        params: tuple[str, ...] = ()
        if before is not None:
            sql += " WHERE issued < ?"
            params = (before.isoformat(),)
        latest: dict[str, tuple[int, str, str, str]] = {}
        for number, unit, issued, file in self._db.execute(sql + " ORDER BY number", params):
            latest[unit] = (number, unit, issued, file)
        return {unit: self._record(*row) for unit, row in latest.items()}

    def all(self) -> list[LetterRecord]:
        """Every registered letter, by number."""
        rows = self._db.execute("SELECT number, unit, issued, file FROM letters ORDER BY number").fetchall()
        return [self._record(*row) for row in rows]

    def _record(self, number: int, unit: str, issued: str, file: str) -> LetterRecord:
        points = tuple(Point(code, severity or "", form or "", period or "", location or "", message or "", status)
                       for code, severity, form, period, location, message, status in self._db.execute(
                           "SELECT code, severity, form, period, location, message, status FROM letter_points "
                           "WHERE number = ? ORDER BY seq", (number,)))
        return LetterRecord(int(number), unit, dt.date.fromisoformat(issued), file, points)


def register_path(audit: Path) -> Path:
    """The register lives in the audit store's file: one log of the round per working folder."""
    return Path(audit)
