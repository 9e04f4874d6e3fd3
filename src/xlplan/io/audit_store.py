"""The audit store: a SQLite file recording every consolidation run, so every number is traceable.

One file per working folder (``KetQua/audit.sqlite``). It is a log, appended
to and never rewritten: for each run, the inputs (original and NFC names,
size, SHA-256, format, engine, unit, form, period, resubmission number and the
state the input ended in), the findings, and the outputs with their hashes.
The values read from a file are stored once per file content (by SHA-256),
each with its sheet and cell, so ``xlplan trace`` can tell where a summary
number came from and what it was in earlier submissions, even after the
inbox file was replaced (the bytes stay in the archive).

Input states (every input of a run ends in exactly one):

* ``used`` — the file counted for its (unit, form, period): its values are in the summary.
* ``superseded`` — a valid file of a (unit, form, period) for which a newer
  submission was used (``duplicate-submission``); kept and traceable, not counted.
* ``refused`` — read, but it cannot count: unreadable, not a form, another
  plan, a bad period, an unknown unit (its findings say why).
* ``skipped`` — not read at all: not an Excel workbook, or Excel's ``~$`` lock file.

Run statuses: ``running`` (a run that never finished, e.g. killed, stays so),
``written`` (a new workbook), ``versioned`` (the workbook was held by another
program; a new versioned file was written), ``no-change`` (the new workbook
had the same bytes as the existing one: nothing rewritten), ``written-open-book``
(the add-in wrote the results into the workbook open in Excel and did not save it;
the output's hash is that of the file on disk at the time), ``failed``.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

from ..core.findings import Finding
from ..core.submission import CellValue
from .workbook_files import machine_fault, shown_name

_F = TypeVar("_F", bound=Callable[..., Any])
WHAT = "sổ ghi vết (audit.sqlite)"

STATES = ("used", "superseded", "refused", "skipped")
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, command TEXT, host TEXT, pid INTEGER,
    version TEXT, status TEXT NOT NULL, message TEXT);
CREATE TABLE IF NOT EXISTS inputs (
    run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL, name TEXT NOT NULL, name_nfc TEXT NOT NULL,
    size INTEGER, sha256 TEXT, format TEXT, engine TEXT, unit TEXT, form TEXT, period TEXT, resubmission INTEGER,
    state TEXT NOT NULL CHECK (state IN ('used', 'superseded', 'refused', 'skipped')), received TEXT,
    archived TEXT, PRIMARY KEY (run_id, seq));
CREATE INDEX IF NOT EXISTS inputs_key ON inputs (unit, form, period);
CREATE INDEX IF NOT EXISTS inputs_sha ON inputs (sha256);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL, code TEXT NOT NULL, severity TEXT,
    unit TEXT, file TEXT, sheet TEXT, cell TEXT, field TEXT, message TEXT, PRIMARY KEY (run_id, seq));
CREATE TABLE IF NOT EXISTS outputs (
    run_id INTEGER NOT NULL REFERENCES runs(id), path TEXT NOT NULL, sha256 TEXT, action TEXT NOT NULL,
    backup TEXT);
CREATE TABLE IF NOT EXISTS cell_values (
    sha256 TEXT NOT NULL, field TEXT NOT NULL, sheet TEXT, cell TEXT, kind TEXT NOT NULL, value TEXT,
    raw TEXT, PRIMARY KEY (sha256, field));
"""


@dataclass(frozen=True)
class InputRecord:
    """One input of a run, as the audit store keeps it."""

    name: str  # relative to the inbox, as on disk (not normalized)
    name_nfc: str  # NFC form of ``name``: what keys and displays use
    size: int | None
    sha256: str | None
    format: str | None
    engine: str | None
    unit: str | None
    form: str | None
    period: str | None
    resubmission: int | None  # 1 = first file of its (unit, form, period), oldest first
    state: str
    received: str | None = None
    archived: str | None = None  # path of the archived copy, relative to the working folder


@dataclass(frozen=True)
class StoredValue:
    """A field's value as stored: where it was read, and its value as text with its kind."""

    sha256: str
    field: str
    sheet: str | None
    cell: str | None
    kind: str
    value: str | None
    raw: str | None


def encode_value(value: Any) -> tuple[str, str | None]:
    """A read value as (kind, text): lossless for ints, fractions, dates and text."""
    if value is None:
        return "none", None
    if isinstance(value, bool):
        return "bool", str(value)
    if isinstance(value, int):
        return "int", str(value)
    if isinstance(value, Fraction):
        return "fraction", str(value)
    if isinstance(value, dt.datetime):
        return "datetime", value.isoformat()
    if isinstance(value, dt.date):
        return "date", value.isoformat()
    if isinstance(value, float):
        return "float", repr(value)
    return "text", str(value)


def _text(value: str | None) -> str | None:
    """Text SQLite can store: a name that is not UTF-8 (surrogate-escaped) is stored as its escapes."""
    return None if value is None else shown_name(value) if not value.isprintable() else value


def _writes(method: _F) -> _F:
    """A write to the store; a fault of the disk under it is the Board's machine's, named as such."""
    @functools.wraps(method)
    def wrapper(self: "AuditStore", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (OSError, sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
            raise machine_fault(exc, self.path.parent, WHAT) from exc
    return wrapper  # type: ignore[return-value]


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


class AuditStore:
    """An open audit store; use as a context manager (the connection is closed at the end)."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        """Open (and create) the store; ``read_only``: an existing store opened for reading only (``status``,
        ``feedback``: a read-only ``KetQua/`` must not stop a command that writes nothing there)."""
        self.path = Path(path)
        if read_only:
            try:
                self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
                self._db.execute("SELECT 1 FROM runs LIMIT 1").fetchall()
            except (OSError, ValueError, sqlite3.Error) as exc:
                raise machine_fault(exc, self.path.parent, WHAT) from exc
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise machine_fault(exc, self.path.parent, WHAT) from exc
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            self._db.close()
            raise machine_fault(exc, self.path.parent, WHAT) from exc

    def __enter__(self) -> "AuditStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # -- writing a run -------------------------------------------------------------

    @_writes
    def begin_run(self, command: str, host: str, pid: int, version: str) -> int:
        """Record a run as ``running`` right away, so a killed run still shows."""
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO runs (started, command, host, pid, version, status) VALUES (?, ?, ?, ?, ?, 'running')",
                (_now(), command, host, pid, version))
        run_id = cursor.lastrowid
        if run_id is None:  # sqlite3 sets it after an INSERT of one row; None would mean no row was written
            raise sqlite3.DatabaseError("the run was not recorded")
        return run_id

    @_writes
    def record_inputs(self, run_id: int, inputs: Sequence[InputRecord],
                      values: Iterable[tuple[str, Iterable[CellValue]]]) -> None:
        """The run's inputs and, once per file content, the values read with their cells.

        Contents whose values an earlier run recorded are left out before any is
        encoded: a repeated consolidation would otherwise offer every value again
        (230,000 of them at 10,000 units) only for SQLite to ignore it.
        """
        values = list(values)
        stored = self._contents_with_values({sha for sha, _ in values})
        with self._db:
            self._db.executemany(
                "INSERT INTO inputs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, seq, _text(r.name), _text(r.name_nfc), r.size, r.sha256, r.format, r.engine, r.unit, r.form,
                  r.period, r.resubmission, r.state, r.received, r.archived) for seq, r in enumerate(inputs, 1)])
            self._db.executemany(  # every file's values in one statement, one transaction
                "INSERT OR IGNORE INTO cell_values VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((sha, c.field, c.sheet, c.cell, *encode_value(c.value), None if c.raw is None else str(c.raw))
                 for sha, cells in values if sha not in stored for c in cells))

    def _contents_with_values(self, hashes: Iterable[str]) -> set[str]:
        """Which of these file contents have their values recorded already."""
        wanted = sorted({h for h in hashes if h})
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # SQLite caps the parameters of one statement
            chunk = wanted[start:start + 500]
            found.update(sha for sha, in self._db.execute(
                f"SELECT DISTINCT sha256 FROM cell_values WHERE sha256 IN ({', '.join('?' * len(chunk))})", chunk))
        return found

    @_writes
    def record_findings(self, run_id: int, findings: Sequence[Finding]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, seq, f.code, f.severity.value, _text(f.unit), _text(f.file), _text(f.sheet), f.cell, f.field,
                  _text(f.message))
                 for seq, f in enumerate(findings, 1)])

    @_writes
    def record_output(self, run_id: int, path: str, sha256: str | None, action: str,
                      backup: str | None = None) -> None:
        with self._db:
            self._db.execute("INSERT INTO outputs VALUES (?, ?, ?, ?, ?)",
                             (run_id, _text(path), sha256, action, _text(backup)))

    @_writes
    def finish_run(self, run_id: int, status: str, message: str | None = None) -> None:
        with self._db:
            self._db.execute("UPDATE runs SET finished = ?, status = ?, message = ? WHERE id = ?",
                             (_now(), status, _text(message), run_id))

    # -- reading -------------------------------------------------------------------

    def runs(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM runs ORDER BY id")

    def last_run(self, statuses: Sequence[str] = ("written", "versioned", "no-change", "written-open-book")
                 ) -> dict[str, Any] | None:
        """The latest finished run whose result is the current summary (from the CLI or from Excel's ribbon)."""
        marks = ",".join("?" * len(statuses))
        rows = self._rows(f"SELECT * FROM runs WHERE status IN ({marks}) ORDER BY id DESC LIMIT 1", tuple(statuses))
        return rows[0] if rows else None

    def inputs(self, run_id: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM inputs WHERE run_id = ? ORDER BY seq", (run_id,))

    def findings(self, run_id: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM findings WHERE run_id = ? ORDER BY seq", (run_id,))

    def outputs(self, run_id: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM outputs WHERE run_id = ?", (run_id,))

    def versions(self, unit: str, form: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
        """Every distinct file content seen for a unit (optionally a form and period), first seen first.

        Each row: sha256, form, period, the name it arrived under, the first run
        that saw it and the latest state it ended in.
        """
        sql = ("SELECT sha256, form, period, MIN(run_id) AS first_run, MAX(run_id) AS last_run "
               "FROM inputs WHERE unit = ? AND sha256 IS NOT NULL AND state IN ('used', 'superseded')")
        params: list[Any] = [unit]
        if form:
            sql += " AND form = ?"
            params.append(form)
        if period:
            sql += " AND period = ?"
            params.append(period)
        sql += " GROUP BY sha256, form, period"
        rows = self._rows(sql, tuple(params))
        for row in rows:
            last = self._rows("SELECT name_nfc, state, resubmission, received, archived FROM inputs "
                              "WHERE run_id = ? AND sha256 = ? ORDER BY seq LIMIT 1", (row["last_run"], row["sha256"]))
            row.update(last[0])
        return sorted(rows, key=lambda r: (r["form"] or "", r["period"] or "", r["first_run"],
                                           r["received"] or "", r["resubmission"] or 0))

    def first_seen(self, hashes: Iterable[str]) -> dict[str, tuple[int, dt.datetime]]:
        """For each of these file contents: the first run that recorded it, and when that run started.

        A unit's file is *received* when xlplan first sees its bytes, whatever
        date is typed on it or however often it is copied again. Run ids order
        receipts strictly (two runs may start within one second); contents no
        run has recorded yet are left out (the caller's run is seeing them now).
        """
        wanted = sorted({h for h in hashes if h})
        found: dict[str, tuple[int, dt.datetime]] = {}
        started: dict[int, dt.datetime] | None = None
        for start in range(0, len(wanted), 500):  # SQLite caps the parameters of one statement
            chunk = wanted[start:start + 500]
            rows = self._db.execute(
                "SELECT inputs.sha256, MIN(inputs.run_id) FROM inputs "
                f"WHERE inputs.sha256 IN ({', '.join('?' * len(chunk))}) GROUP BY inputs.sha256", chunk).fetchall()
            if rows and started is None:
                started = {run: dt.datetime.fromisoformat(when)
                           for run, when in self._db.execute("SELECT id, started FROM runs")}
            found.update((sha, (run, started[run])) for sha, run in rows if started is not None)
        return found

    def run_started(self, run_id: int) -> dt.datetime:
        """When run ``run_id`` started (as recorded)."""
        (started,), = self._db.execute("SELECT started FROM runs WHERE id = ?", (run_id,)).fetchall()
        return dt.datetime.fromisoformat(started)

    def values(self, sha256: str) -> dict[str, StoredValue]:
        """The values read from the file with these bytes, by field id."""
        rows = self._db.execute("SELECT sha256, field, sheet, cell, kind, value, raw FROM cell_values "
                                "WHERE sha256 = ?", (sha256,)).fetchall()
        return {row[1]: StoredValue(*row) for row in rows}

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cursor = self._db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
