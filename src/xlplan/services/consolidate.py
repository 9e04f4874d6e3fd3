"""Consolidation: every unit file in the inbox becomes the city summary workbook.

The job runs in three steps so that an error can never leave a half-written
workbook: (1) discover and read every file (read-only; unit files are never
modified or evaluated), (2) compute the whole consolidation in memory with the
pure core, (3) write the city workbook to a temporary file in the same folder,
back up the previous one and move the new one into place.

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
from ..core.findings import Finding, make
from ..core.plan import Plan
from ..core.submission import Submission
from ..io.audit_store import AuditStore, InputRecord
from ..io.workbook_files import is_locked_error, kill_point
from .archive import Archived, archive_file, sha256_of
from .workspace import ARCHIVE, Workspace, backup_file, lock_workspace, open_workspace, remove_leftovers

Progress = Callable[[int, int], None]
FORM_SUFFIXES = (".xlsx", ".xlsm", ".xls")  # the readers decide by content; these are what units send


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


@dataclass
class Input:
    """One file read: where it was found, its archived copy (if archived) and what was read."""

    source: Path
    submission: Submission
    archived: Archived | None = None
    size: int | None = None
    format: str | None = None  # as the reader's cheap checks sniffed it (None: not known)


def read_files(paths: Sequence[Path], plan: Plan, registry=None, engine: str | None = None,
               base: Path | None = None, progress: Progress | None = None) -> list[Submission]:
    """Read every file into a Submission (never raises for a bad file; its findings say why)."""
    return [item.submission for item in read_inputs(paths, plan, registry, engine, base, progress)]


def read_inputs(paths: Sequence[Path], plan: Plan, registry=None, engine: str | None = None,
                base: Path | None = None, progress: Progress | None = None,
                archive: Path | None = None) -> list[Input]:
    """Read every file; with ``archive``, first copy each into it and parse the copy.

    Parsing the archived copy means the values read come from exactly the
    bytes hashed, even if the inbox file is replaced meanwhile. A file that
    cannot be copied (gone, held by another program) becomes a Submission with
    a ``file-unreadable`` finding, like any unreadable file; without
    ``archive``, a missing path raises as before (the caller named it).
    """
    items: list[Input] = []
    to_read: list[tuple[int, Path]] = []
    for path in paths:
        display = display_name(path, base)
        try:
            stat = path.stat()
            archived = archive_file(path, archive) if archive is not None else None
        except OSError as exc:
            if archive is None:  # a path the caller named (``xlplan check``): theirs to fix
                raise
            sub = Submission(file=display, findings=[make("file-unreadable", file=display, reason=_os_reason(exc))])
            items.append(Input(path, sub))
            continue
        sub = Submission(file=display)
        sub.received = dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0)
        items.append(Input(path, sub, archived, stat.st_size))
        to_read.append((len(items) - 1, archived.path if archived else path))
    hashes = [items[index].archived.sha256 if items[index].archived else None for index, _ in to_read]
    formats: list[str | None] = []
    read = _read_many([p for _, p in to_read], plan, registry, engine, progress, hashes, formats)
    for (index, read_path), sub, kind in zip(to_read, read, formats or [None] * len(read)):
        item = items[index]
        item.format = kind
        _relabel(sub, item.submission.file)
        sub.received = item.submission.received
        sub.sha256 = item.archived.sha256 if item.archived else (sub.sha256 or _sha256(read_path))
        item.submission = sub
    return items


def _read_many(paths: list[Path], plan: Plan, registry, engine: str | None,
               progress: Progress | None, hashes: list[str | None] | None = None,
               formats: list[str | None] | None = None) -> list[Submission]:
    """Parse the files, in order, one Submission each: in capped worker processes
    (:func:`xlplan.io.intake.read_many`), so a hostile or broken file becomes a finding."""
    from ..io.intake import read_many

    return read_many(paths, plan, registry=registry, engine=engine, progress=progress, hashes=hashes,
                     formats=formats)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "tệp đã bị xóa hoặc chuyển đi trong khi đang tổng hợp"
    if isinstance(exc, PermissionError) or is_locked_error(exc):
        return "tệp đang mở trong chương trình khác hoặc không có quyền đọc"
    return f"lỗi hệ thống ({exc.strerror or exc})"


def _relabel(sub: Submission, display: str) -> None:
    """Show files relative to the inbox in findings and tables (shorter, and stable across machines)."""
    from dataclasses import replace

    original = sub.file
    sub.file = display
    sub.findings = [replace(f, file=display) if f.file in (original, None) else f for f in sub.findings]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class ConsolidationResult:
    workbook: Path  # the workbook written (a versioned name when the usual one was held)
    backup: Path | None
    consolidation: object  # xlplan.core.rollup.Consolidation
    files: int
    skipped: int
    status: str = "written"  # "written" | "versioned" | "no-change" (see xlplan.io.audit_store)
    run_id: int | None = None  # the run's id in the audit store
    output_findings: list[Finding] = field(default_factory=list)  # about the write (``output-versioned``)

    @property
    def findings(self) -> list[Finding]:
        return list(self.consolidation.findings) + list(self.output_findings)  # type: ignore[attr-defined]

    @property
    def changed(self) -> bool:
        return self.status != "no-change"


def compute(ws: Workspace, engine: str | None = None, progress: Progress | None = None,
            track: Iterable[tuple[str, str]] = ()):
    """Discover, read and consolidate — everything but the write. Returns (consolidation, discovery)."""
    result, found, _ = _compute(ws, engine, progress, track, archive=False)
    return result, found


def _compute(ws: Workspace, engine: str | None, progress: Progress | None, track: Iterable[tuple[str, str]],
             archive: bool):
    from ..core.rollup import consolidate

    found = discover(ws.inbox)
    inputs = read_inputs(found.files, ws.plan, ws.registry, engine, ws.inbox, progress,
                         archive=ws.archive if archive else None)
    submissions = [item.submission for item in inputs]
    result = consolidate(submissions, ws.registry, ws.plan, extra_findings=found.skipped, track=tuple(track))
    return result, found, inputs


def consolidate_folder(root: Path, engine: str | None = None, progress: Progress | None = None,
                       track: Iterable[tuple[str, str]] = ()) -> ConsolidationResult:
    """``xlplan consolidate DIR``: compute everything, then write the city workbook safely.

    Holds the folder's lock throughout; every run, even a failed one, is in the audit store.
    """
    return audited_run(Path(root), save_summary, engine, progress, track)


def audited_run(root: Path, write: Callable[[Workspace, object], WriteOutcome], engine: str | None = None,
                progress: Progress | None = None, track: Iterable[tuple[str, str]] = (),
                command: str = "consolidate") -> ConsolidationResult:
    """Lock the folder, archive and read every input, consolidate, ``write`` the result, audit it all.

    ``write(ws, consolidation)`` does the writing (:func:`save_summary` for the
    city workbook file; the add-in may write into the open workbook instead)
    and says what it did; it runs while the lock is held.
    """
    with lock_workspace(root, command):
        ws = open_workspace(root)
        remove_leftovers(ws)
        with AuditStore(ws.audit) as store:
            run = store.begin_run(command, socket.gethostname(), os.getpid(), _version())
            kill_point()
            try:
                result, found, inputs = _compute(ws, engine, progress, track, archive=True)
                store.record_inputs(run, input_records(ws, inputs, found, result),
                                    [(i.submission.sha256, i.submission.values.values())
                                     for i in inputs if i.submission.sha256])
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
                               outcome.status, run, outcome.findings)


def _version() -> str:
    """xlplan's installed version, recorded with each run (the package metadata, not ``xlplan.__init__``,
    which the layer rules keep out of reach of services)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xlplan")
    except PackageNotFoundError:
        return "unknown"


def input_records(ws: Workspace, inputs: Sequence[Input], found: Discovery, result) -> list[InputRecord]:
    """Every input with the state it ended in: used, superseded, refused or skipped (see the audit store)."""
    resolution = result.resolution
    place: dict[int, tuple[tuple, int, bool]] = {}
    if resolution is not None:
        for key, copies in resolution.copies.items():
            winner = resolution.latest.get(key)
            for number, sub in enumerate(copies, 1):
                place[id(sub)] = (key, number, sub is winner)
    records = []
    for item in inputs:
        sub = item.submission
        key, number, used = place.get(id(sub), (None, None, False))
        state = "refused" if key is None else ("used" if used else "superseded")
        records.append(InputRecord(
            name=_relative(item.source, ws.inbox), name_nfc=sub.file, size=item.size, sha256=sub.sha256 or None,
            format=_known_format(item) if item.size is not None else None,
            engine=sub.engine or None, unit=key[0] if key else sub.unit, form=sub.form,
            period=str(key[2]) if key else (None if sub.period is None else str(sub.period)),
            resubmission=number, state=state,
            received=sub.received.isoformat(sep=" ") if sub.received else None,
            archived=_relative(item.archived.path, ws.root) if item.archived else None))
    for path in found.skipped_files:
        try:
            size, sha = path.stat().st_size, sha256_of(path)
        except OSError:
            size = sha = None
        records.append(InputRecord(name=_relative(path, ws.inbox), name_nfc=display_name(path, ws.inbox),
                                   size=size, sha256=sha, format=path.suffix.lower().lstrip(".") or None,
                                   engine=None, unit=None, form=None, period=None, resubmission=None,
                                   state="skipped"))
    return records


def _known_format(item: Input) -> str | None:
    """The input's real format: the cheap checks' answer when the file was read as a form (then
    the full sniff passed too and gives the same answer), else sniffed again (:func:`_format`)."""
    from ..io.intake import READ, outcome

    if item.format is not None and outcome(item.submission) == READ:
        return item.format
    return _format(item.archived.path if item.archived else item.source)


def _format(path: Path) -> str | None:
    """The file's real format as the readers sniff it (a renamed .xls shows as xls)."""
    from ..io.readers.sniff import sniff

    try:
        return sniff(path)
    except Exception:  # noqa: BLE001 - an unsniffable file keeps its extension as format
        return path.suffix.lower().lstrip(".") or None


def _relative(path: Path, base: Path) -> str:
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


@dataclass
class WriteOutcome:
    """What writing the summary did: the file, its hash, the backup and the status."""

    path: Path
    sha256: str
    status: str  # "written" | "versioned" | "no-change"
    backup: Path | None = None
    findings: list[Finding] = field(default_factory=list)


def write_workbook(ws: Workspace, result) -> Path | None:
    """Write the consolidation into the city workbook; returns the backup of the previous one."""
    return save_summary(ws, result).backup


def save_summary(ws: Workspace, result) -> WriteOutcome:
    """Write the consolidation into the city workbook: temp file, backup, atomic replace.

    Same bytes as the existing workbook: nothing is written and no backup made.
    Workbook held by another program on Windows (after brief retries): the new
    workbook goes to ``SoTongHop (2).xlsx`` (or the next free number), the
    held one stays as it was, and an ``output-versioned`` finding says so.
    """
    from ..io.city_workbook import load_city_workbook, write_city_data
    from ..io.workbook_files import workbook_bytes, write_bytes_atomic

    try:
        wb = load_city_workbook(ws.workbook, keep_tables=())  # every table is replaced below
    except PermissionError:
        raise _locked(ws.workbook) from None
    # Streamed: the table rows become sheet XML while saving, never a grid of cells (flat memory).
    write_city_data(wb, ws.plan, result.tables, result.cells, stream=True)
    data = workbook_bytes(wb)
    digest = hashlib.sha256(data).hexdigest()
    try:
        if ws.workbook.exists() and sha256_of(ws.workbook) == digest:
            return WriteOutcome(ws.workbook, digest, "no-change")
        backup = backup_file(ws.workbook, ws.backups) if ws.workbook.exists() else None
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
