"""Consolidation: every unit file in the inbox becomes the city summary workbook.

The path has five steps, named as the functions that take them:
:func:`discover` (what the inbox holds) → :func:`read_files` (each file
received — archived, hashed — and read, one :class:`Submission` per file that
carries everything about its input) → resolve and roll up (the pure core's
:func:`xlplan.core.rollup.consolidate`: which file counts for each unit, form
and period, and the city's figures) → :func:`save_summary` (the city workbook
opened when the folder was, written to a temporary file, the previous one
backed up, the new one moved into place). Nothing is written before
everything is computed, so an error never leaves a half-written workbook.
Unit files are only ever read: never modified, never evaluated.

:func:`consolidate_folder` adds what makes a run safe and traceable: it holds
the working folder's lock (one consolidation at a time), copies every input
into the content-addressed archive and parses that copy (a file's identity is
its hash), records the run in the audit store (inputs with the state each
ended in, findings, outputs with their hashes) and leaves an unchanged
workbook alone when the new bytes equal the old ones (no rewrite, no backup).
When Excel holds the workbook on Windows it writes ``SoTongHop (2).xlsx`` and
says so (``output-versioned``). File operations use the names as found on
disk; keys and displays use their NFC form (macOS and some chat apps send
decomposed Vietnamese letters).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..core.errors import XlplanError
from ..core.findings import Finding, Report, make
from ..core.plan import Plan
from ..core.registry import Registry
from ..core.rollup import Consolidation, consolidate
from ..core.submission import Submission
from ..io.audit_store import AuditStore, InputRecord
from ..io.city_workbook import write_city_data
from ..io.intake import read_many
from ..io.workbook_files import is_locked_error, kill_point, workbook_bytes, write_bytes_atomic
from .archive import archive_file, sha256_of
from .convert import convert_refused
from .workspace import (ARCHIVE, WORKBOOK_NAME, Workspace, backup_bytes, lock_workspace, open_workspace,
                        remove_leftovers, require_not_open_elsewhere)

Progress = Callable[[int, int], None]
FORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".fods", ".xlsb")  # what units send; the readers decide by content


@dataclass
class Discovery:
    """What the inbox holds: the files to read and notes on what was skipped."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    skipped_files: list[Path] = field(default_factory=list)  # the files the ``skipped`` notes are about


def discover(inbox: Path) -> Discovery:
    """Every ``.xlsx``/``.xlsm`` under ``inbox`` (sub-folders included), in a stable order.

    Excel's ``~$`` lock files and other files are skipped, each with a note.
    """
    found = Discovery()
    if not inbox.is_dir():
        raise XlplanError(f"Không thấy thư mục nhận báo cáo '{inbox}'.")
    for path in sorted(inbox.rglob("*"), key=lambda p: str(p.relative_to(inbox)).casefold()):
        if not path.is_file():
            continue
        parts = path.relative_to(inbox).parts
        if parts[0] == ARCHIVE or parts[0].startswith("."):  # our own archive, hidden folders
            continue
        rel = display_name(path, inbox)
        if path.name.startswith("~$"):
            found.skipped.append(make("file-skipped", file=rel, reason="tệp khóa tạm của Excel (~$)"))
            found.skipped_files.append(path)
        elif path.name.startswith(".") or path.name.lower() in ("thumbs.db", "desktop.ini"):
            continue
        elif path.suffix.lower() not in FORM_SUFFIXES:
            found.skipped.append(make("file-skipped", file=rel,
                                      reason=f"không phải tệp Excel .xlsx/.xlsm/.xls ({path.suffix or 'không có đuôi'})"))
            found.skipped_files.append(path)
        else:
            found.files.append(path)
    return found


def display_name(path: Path, base: Path | None) -> str:
    """How a file is shown and keyed: relative to the inbox, NFC-normalized."""
    shown = str(path.relative_to(base)) if base and path.is_relative_to(base) else str(path)
    return unicodedata.normalize("NFC", shown)


def read_files(paths: Sequence[Path], plan: Plan, registry: Registry | None = None, engine: str | None = None,
               base: Path | None = None, progress: Progress | None = None,
               archive: Path | None = None) -> list[Submission]:
    """Receive and read every file: one Submission per path, in order; never raises for a bad file.

    Each path is first *received* (:func:`receive`): its shown name, size and
    time, and with ``archive`` its bytes copied into the archive and hashed.
    Then it is read in worker processes (:func:`xlplan.io.intake.read_many`),
    which parse the archived copy — exactly the bytes hashed, even if the inbox
    file is replaced meanwhile — while findings name the file as shown. A file
    refused for a format LibreOffice reads (.ods, Excel 95) is converted and
    read again (:func:`~.convert.convert_refused`), the same for ``check``.
    """
    stubs = receive(paths, base, archive)
    read = iter(read_many([s for s in stubs if not s.findings], plan, registry=registry, engine=engine,
                          progress=progress))
    return convert_refused([s if s.findings else next(read) for s in stubs], plan, registry, engine)


def receive(paths: Sequence[Path], base: Path | None = None, archive: Path | None = None) -> list[Submission]:
    """Each path as the record of an input not yet read: where it is, how it is shown, when it came.

    With ``archive`` its bytes are copied there (:func:`~.archive.archive_file`,
    hashed while read); a file that cannot be copied (gone, held by another
    program) gets a ``file-unreadable`` finding and is not read. Without
    ``archive`` (``xlplan check``: paths the caller named) an OS error raises.
    """
    stubs = []
    for path in paths:
        stub = Submission(file=display_name(path, base), source=str(path))
        try:
            stat = path.stat()
            archived = archive_file(path, archive) if archive is not None else None
        except OSError as exc:
            if archive is None:  # a path the caller named (``xlplan check``): theirs to fix
                raise
            stub.findings = [make("file-unreadable", file=stub.file, reason=_os_reason(exc))]
            stubs.append(stub)
            continue
        stub.size = stat.st_size
        stub.received = dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0)
        if archived is not None:
            stub.sha256, stub.archived = archived.sha256, str(archived.path)
        stubs.append(stub)
    return stubs


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "tệp đã bị xóa hoặc chuyển đi trong khi đang tổng hợp"
    if isinstance(exc, PermissionError) or is_locked_error(exc):
        return "tệp đang mở trong chương trình khác hoặc không có quyền đọc"
    return f"lỗi hệ thống ({exc.strerror or exc})"


@dataclass
class ConsolidationResult:
    workbook: Path  # the workbook written (a versioned name when the usual one was held)
    backup: Path | None
    consolidation: Consolidation
    files: int
    skipped: int
    status: str = "written"  # "written" | "versioned" | "no-change" (see xlplan.io.audit_store)
    run_id: int | None = None  # the run's id in the audit store
    output_findings: list[Finding] = field(default_factory=list)  # about the write (``output-versioned``)
    workspace: Workspace | None = None  # the folder as opened for this run (its plan, settings, folders)

    @property
    def findings(self) -> list[Finding]:
        return list(self.consolidation.findings) + list(self.output_findings)

    @property
    def report(self) -> Report:
        """The run's findings as a Report: it decides the exit code."""
        return Report(self.findings)

    @property
    def changed(self) -> bool:
        return self.status != "no-change"


def compute(ws: Workspace, engine: str | None = None, progress: Progress | None = None,
            track: Iterable[tuple[str, str]] = (), *, as_of: dt.date | None = None) -> tuple[Consolidation, Discovery]:
    """Discover, read and consolidate — everything but the write (``status``, ``feedback``).

    Nothing is written: receipts already recorded come from the audit store
    when the folder has one; files no run has recorded yet count as received now.
    ``as_of`` (``--as-of``) overrides the folder's as-of date (``ws.as_of``).
    """
    if as_of is not None:
        ws.as_of = as_of
    if ws.audit.is_file():
        with AuditStore(ws.audit) as store:
            result, found, _ = _compute(ws, engine, progress, track, archive=False, store=store)
    else:
        result, found, _ = _compute(ws, engine, progress, track, archive=False)
    return result, found


def _compute(ws: Workspace, engine: str | None, progress: Progress | None, track: Iterable[tuple[str, str]],
             archive: bool, store: AuditStore | None = None,
             run: int | None = None) -> tuple[Consolidation, Discovery, list[Submission]]:
    found = discover(ws.inbox)
    submissions = read_files(found.files, ws.plan, ws.registry, engine, ws.inbox, progress,
                             archive=ws.archive if archive else None)
    if store is not None:
        stamp_receipts(submissions, store, run)
    as_of = ws.as_of or dt.date.today()  # ngày chốt số liệu: the Cấu hình cell, --as-of, else the day of the run
    result = consolidate(submissions, ws.registry, ws.plan, extra_findings=found.skipped, track=tuple(track),
                         as_of=as_of)
    return result, found, submissions


def stamp_receipts(submissions: Sequence[Submission], store: AuditStore, run: int | None) -> None:
    """Each input's receipt: the run that first saw its bytes (``first_run``) and when (``first_seen``).

    Bytes no earlier run recorded are received by ``run`` (the current one), or
    — outside a run (``status``, ``feedback``) — left unrecorded: newest of all.
    """
    known = store.first_seen(s.sha256 for s in submissions)
    now = store.run_started(run) if run is not None else None
    for sub in submissions:
        if not sub.sha256:
            continue
        sub.first_run, sub.first_seen = known.get(sub.sha256, (run, now))


def consolidate_folder(root: Path, engine: str | None = None, progress: Progress | None = None,
                       track: Iterable[tuple[str, str]] = (), *, as_of: dt.date | None = None) -> ConsolidationResult:
    """``xlplan consolidate DIR``: compute everything, then write the city workbook safely.

    Holds the folder's lock throughout; every run, even a failed one, is in the audit store.
    ``as_of`` (``--as-of``) overrides the as-of date of the Cấu hình sheet for this run.
    """
    return audited_run(Path(root), save_summary, engine, progress, track, as_of=as_of)


def audited_run(root: Path, write: Callable[[Workspace, Consolidation], WriteOutcome], engine: str | None = None,
                progress: Progress | None = None, track: Iterable[tuple[str, str]] = (),
                command: str = "consolidate", *, as_of: dt.date | None = None,
                guard_open: bool = True) -> ConsolidationResult:
    """Lock the folder, archive and read every input, consolidate, ``write`` the result, audit it all.

    ``write(ws, consolidation)`` does the writing (:func:`save_summary` for the
    city workbook file; the add-in may write into the open workbook instead)
    and says what it did; it runs while the lock is held. The city workbook is
    opened once, with the folder, and that opened workbook is what is written.

    With ``guard_open`` (the file writers) a city workbook open in Excel or
    LibreOffice stops the run before anything is written (no lock, no audit
    run); the ribbon, which writes into the book open in Excel, passes False.
    ``as_of`` overrides the Cấu hình sheet's as-of date (``ws.as_of``).
    """
    if guard_open:
        require_not_open_elsewhere(root / WORKBOOK_NAME)
    with lock_workspace(root, command):
        ws = open_workspace(root, as_of=as_of)
        remove_leftovers(ws)
        with AuditStore(ws.audit) as store:
            run = store.begin_run(command, socket.gethostname(), os.getpid(), _version())
            kill_point()
            try:
                result, found, submissions = _compute(ws, engine, progress, track, archive=True, store=store,
                                                      run=run)
                store.record_inputs(run, input_records(ws, submissions, found, result),
                                    [(s.sha256, s.values.values()) for s in submissions if s.sha256])
                store.record_findings(run, result.findings)
                kill_point()
                outcome = write(ws, result)
                store.record_output(run, _relative(outcome.path, ws.root), outcome.sha256, outcome.status,
                                    _relative(outcome.backup, ws.root) if outcome.backup else None)
                kill_point()
                store.finish_run(run, outcome.status)
            except BaseException as exc:
                store.finish_run(run, "failed", f"{type(exc).__name__}: {exc}")
                raise
    return ConsolidationResult(outcome.path, outcome.backup, result, len(found.files), len(found.skipped),
                               outcome.status, run, outcome.findings, ws)


def _version() -> str:
    """xlplan's installed version, recorded with each run (the package metadata, not ``xlplan.__init__``,
    which the layer rules keep out of reach of services)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xlplan")
    except PackageNotFoundError:
        return "unknown"


def input_records(ws: Workspace, submissions: Sequence[Submission], found: Discovery,
                  result: Consolidation) -> list[InputRecord]:
    """Every input with the state it ended in: used, superseded, refused or skipped (see the audit store)."""
    placed = result.resolution.placements() if result.resolution is not None else {}
    records = []
    for sub in submissions:
        key, number, used = placed.get(sub.file, (None, None, False))
        state = "refused" if key is None else ("used" if used else "superseded")
        suffix = Path(sub.source).suffix.lower().lstrip(".") or None
        records.append(InputRecord(
            name=_relative(Path(sub.source), ws.inbox), name_nfc=sub.file, size=sub.size,
            sha256=sub.sha256 or None, format=(sub.format or suffix) if sub.size is not None else None,
            engine=sub.engine or None, unit=key[0] if key else sub.unit, form=sub.form,
            period=str(key[2]) if key else (None if sub.period is None else str(sub.period)),
            resubmission=number, state=state,
            received=sub.received.isoformat(sep=" ") if sub.received else None,
            archived=_relative(Path(sub.archived), ws.root) if sub.archived else None))
    for path in found.skipped_files:
        size: int | None
        sha: str | None
        try:
            size, sha = path.stat().st_size, sha256_of(path)
        except OSError:
            size = sha = None
        records.append(InputRecord(name=_relative(path, ws.inbox), name_nfc=display_name(path, ws.inbox),
                                   size=size, sha256=sha, format=path.suffix.lower().lstrip(".") or None,
                                   engine=None, unit=None, form=None, period=None, resubmission=None,
                                   state="skipped"))
    return records


def _relative(path: Path, base: Path) -> str:
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


@dataclass
class WriteOutcome:
    """What writing the summary did: the file, its hash, the backup and the status."""

    path: Path
    sha256: str | None  # None when the written book cannot be read back (held without read access)
    status: str  # "written" | "versioned" | "no-change"
    backup: Path | None = None
    findings: list[Finding] = field(default_factory=list)


def save_summary(ws: Workspace, result: Consolidation) -> WriteOutcome:
    """Write the consolidation into the city workbook opened with ``ws``: temp file, backup, atomic replace.

    Same bytes as the workbook read when the folder was opened: nothing is
    written and no backup made. Workbook held by another program on Windows
    (after brief retries): the new workbook goes to ``SoTongHop (2).xlsx`` (or
    the next free number), the held one stays as it was, and an
    ``output-versioned`` finding says so. The backup is the bytes read at
    opening, so the file is not opened again to copy it.
    """
    wb = ws.book  # loaded without the table rows: every table is replaced below
    # Streamed: the table rows become sheet XML while saving, never a grid of cells (flat memory).
    write_city_data(wb, ws.plan, result.tables, result.cells, stream=True)
    data = workbook_bytes(wb)
    digest = hashlib.sha256(data).hexdigest()
    try:
        if ws.book_bytes and hashlib.sha256(ws.book_bytes).hexdigest() == digest:
            return WriteOutcome(ws.workbook, digest, "no-change")
        backup = backup_bytes(ws.book_bytes, ws.workbook.name, ws.backups) if ws.book_bytes else None
        kill_point()
        try:
            write_bytes_atomic(data, ws.workbook)
        except OSError as exc:
            if not is_locked_error(exc):
                raise
            target = versioned_name(ws.workbook)
            write_bytes_atomic(data, target)
            finding = make("output-versioned", file=target.name, workbook=ws.workbook.name,
                           written=target.name)
            return WriteOutcome(target, digest, "versioned", backup, [finding])
    except PermissionError:
        raise _locked(ws.workbook) from None
    return WriteOutcome(ws.workbook, digest, "written", backup)


def versioned_name(path: Path) -> Path:
    """The first free ``Name (2).xlsx``, ``Name (3).xlsx``… beside ``path``, as Windows names copies."""
    number = 2
    while (candidate := path.with_name(f"{path.stem} ({number}){path.suffix}")).exists():
        number += 1
    return candidate


def _locked(path: Path) -> XlplanError:
    return XlplanError(f"Không ghi được '{path.name}': tệp đang mở trong Excel hoặc bị khóa. "
                       "Hãy đóng tệp rồi chạy lại; dữ liệu cũ vẫn nguyên vẹn.")
