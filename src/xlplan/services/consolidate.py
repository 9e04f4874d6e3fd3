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
import stat as stat_module
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
from ..io.gc_pause import paused_gc
from ..io.intake import read_many
from ..io.workbook_files import is_locked_error, kill_point, machine_fault, shown_name, workbook_bytes, write_bytes_atomic
from .archive import Archived, InputRefused, archive_file, kind_of, open_input, sha256_of
from .archive import MAX_BYTES
from .convert import convert_refused
from .letters import LetterSummary, judge_letters
from .previous_year import previous_of
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
    """Every form-like file under ``inbox`` (sub-folders included), in a stable order; every other entry noted.

    Nothing disappears: each entry is a file to read, or a skip with its reason
    (Excel's ``~$`` lock file, not an Excel file, not a regular file — a FIFO,
    a device, a folder named ``.xlsx`` —, a link leading out of the inbox or
    nowhere, a sub-folder that cannot be listed). Only regular files are read;
    a link is followed only to a regular file inside the inbox, never to a
    folder (no loops). Decided on ``lstat``: nothing is opened here. xlplan's
    own ``archive`` folder (an inbox set to the working folder itself) is not an entry.
    """
    found = Discovery()
    if not inbox.is_dir():
        raise XlplanError(f"Không thấy thư mục nhận báo cáo '{shown_name(str(inbox))}'.")
    real_inbox = os.path.realpath(inbox)
    entries: list[tuple[str, Path, str | None]] = []  # (sort key, path, skip reason or None)
    folders = [inbox]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                children = list(listing)
        except OSError as exc:
            if folder == inbox:
                raise XlplanError(f"Không đọc được thư mục nhận báo cáo '{shown_name(str(inbox))}' "
                                  f"({exc.strerror or exc}). Hãy cấp quyền đọc thư mục này rồi chạy lại.") from None
            entries.append((_key(folder, inbox), folder, f"không đọc được thư mục con ({_os_reason(exc)})"))
            continue
        for entry in children:
            path = Path(entry.path)
            if folder == inbox and entry.name == ARCHIVE and entry.is_dir(follow_symlinks=False):
                continue  # xlplan's own archive (an inbox set to the working folder itself)
            reason = _entry_reason(entry, path, real_inbox)
            if reason == "":
                folders.append(path)
                if Path(entry.name).suffix.lower() in FORM_SUFFIXES:  # an unpacked .xlsx, a mistake: noted
                    entries.append((_key(path, inbox), path, "là thư mục, không phải tệp Excel (các tệp bên trong "
                                                             "vẫn được xem)"))
                continue
            entries.append((_key(path, inbox), path, reason))
    for _, path, reason in sorted(entries, key=lambda item: item[0]):
        if reason is None:
            found.files.append(path)
            continue
        found.skipped.append(make("file-skipped", file=display_name(path, inbox), reason=reason))
        found.skipped_files.append(path)
    return found


def _key(path: Path, inbox: Path) -> str:
    return str(path.relative_to(inbox)).casefold()


def _entry_reason(entry: os.DirEntry, path: Path, real_inbox: str) -> str | None:
    """None: a file to read; "": a folder to walk; else why the entry is skipped."""
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat_module.S_ISLNK(mode):
            target = os.path.realpath(path)
            if not os.path.exists(target):
                return "liên kết tới tệp không còn tồn tại"
            if os.path.commonpath([real_inbox, target]) != real_inbox:
                return "liên kết trỏ ra ngoài thư mục nhận báo cáo, không đọc"
            mode = os.stat(target).st_mode
            if stat_module.S_ISDIR(mode):
                return "liên kết tới thư mục, không đọc (tránh vòng lặp)"
    except (OSError, ValueError) as exc:
        return f"không xem được mục này ({exc.strerror if isinstance(exc, OSError) else exc})"
    name = entry.name
    if stat_module.S_ISDIR(mode):
        return "thư mục ẩn, không đọc" if name.startswith(".") else ""
    if not stat_module.S_ISREG(mode):
        return f"không phải tệp thông thường ({kind_of(mode)})"
    if name.startswith("~$"):
        return "tệp khóa tạm của Excel (~$)"
    if name.startswith(".") or name.lower() in ("thumbs.db", "desktop.ini"):
        return "tệp ẩn hoặc tệp hệ thống"
    if Path(name).suffix.lower() not in FORM_SUFFIXES:
        return f"không phải tệp Excel .xlsx/.xlsm/.xls ({Path(name).suffix or 'không có đuôi'})"
    return None


def display_name(path: Path, base: Path | None) -> str:
    """How a file is shown and keyed: relative to the inbox, NFC-normalized, losslessly printable
    (a name that is not UTF-8 shows its bytes as ``\\xff``, see :func:`~xlplan.io.workbook_files.shown_name`)."""
    shown = str(path.relative_to(base)) if base and path.is_relative_to(base) else str(path)
    return shown_name(unicodedata.normalize("NFC", shown))


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

    Each file is opened once and checked on that open file before anything is
    read (:func:`~.archive.open_input`): a FIFO, a device or a folder, or a
    file over the readers' size limit, is refused here (``file-unreadable``,
    ``file-too-large``) and never copied, hashed or handed to a reader. With
    ``archive`` its bytes are copied there (:func:`~.archive.archive_file`,
    hashed while read, with the same limits). A file that cannot be read (gone,
    held by another program, no permission) gets ``file-unreadable``; never
    raises for a file. A fault of the archive itself (disk full, read-only) is
    the Board's machine's and raises :class:`~xlplan.core.errors.XlplanError`.
    """
    stubs = []
    for path in paths:
        stub = Submission(file=display_name(path, base), source=str(path))
        try:
            archived: Archived | None = None
            if archive is not None:
                archived = archive_file(path, archive)
                size, mtime = archived.size, archived.mtime
            else:
                stream, info = open_input(path)
                stream.close()
                size, mtime = info.st_size, info.st_mtime
        except InputRefused as refused:
            stub.findings = [make(refused.code, file=stub.file, reason=refused.reason)]
            stubs.append(stub)
            continue
        except OSError as exc:
            stub.findings = [make("file-unreadable", file=stub.file, reason=_os_reason(exc))]
            stubs.append(stub)
            continue
        stub.size = size
        stub.received = dt.datetime.fromtimestamp(mtime).replace(microsecond=0)
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
    letters: LetterSummary | None = None  # the letters sent before, their points judged by this run

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
        with AuditStore(ws.audit, read_only=True) as store:
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
    previous = previous_of(ws.root, ws.plan, ws.settings, engine)
    with paused_gc():  # every file's Submission and the tables built from them stay alive: nothing to collect
        result = consolidate(submissions, ws.registry, ws.plan, extra_findings=found.skipped, track=tuple(track),
                             as_of=as_of, previous_year=previous)
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
                       track: Iterable[tuple[str, str]] = (), *, as_of: dt.date | None = None,
                       allow_outside: bool = False) -> ConsolidationResult:
    """``xlplan consolidate DIR``: compute everything, then write the city workbook safely.

    Holds the folder's lock throughout; every run, even a failed one, is in the audit store.
    ``as_of`` (``--as-of``) overrides the as-of date of the Cấu hình sheet for this run;
    ``allow_outside`` (``--allow-outside``) accepts Cấu hình folders given as absolute paths outside ``root``.
    """
    return audited_run(Path(root), save_summary, engine, progress, track, as_of=as_of, allow_outside=allow_outside)


def audited_run(root: Path, write: Callable[[Workspace, Consolidation], WriteOutcome], engine: str | None = None,
                progress: Progress | None = None, track: Iterable[tuple[str, str]] = (),
                command: str = "consolidate", *, as_of: dt.date | None = None,
                guard_open: bool = True, allow_outside: bool = False) -> ConsolidationResult:
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
        ws = open_workspace(root, as_of=as_of, allow_outside=allow_outside)
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
                try:
                    store.finish_run(run, "failed", f"{type(exc).__name__}: {exc}")
                except XlplanError:
                    pass  # the store's own disk failed too: the first fault is the one to tell
                raise
        letters = judge_letters(ws.audit, result.findings, result.resolution)  # fixed / still open
    return ConsolidationResult(outcome.path, outcome.backup, result, len(found.files), len(found.skipped),
                               outcome.status, run, outcome.findings, ws, letters)


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
            name=shown_name(_relative(Path(sub.source), ws.inbox)), name_nfc=sub.file, size=sub.size,
            sha256=sub.sha256 or None, format=(sub.format or suffix) if sub.size is not None else None,
            engine=sub.engine or None, unit=key[0] if key else sub.unit, form=sub.form,
            period=str(key[2]) if key else (None if sub.period is None else str(sub.period)),
            resubmission=number, state=state,
            received=sub.received.isoformat(sep=" ") if sub.received else None,
            archived=_relative(Path(sub.archived), ws.root) if sub.archived else None))
    for path in found.skipped_files:
        size: int | None = None
        sha: str | None = None
        try:  # a skipped entry is hashed only when it is a regular file within the readers' limit
            info = path.lstat()
            if stat_module.S_ISREG(info.st_mode):
                size = info.st_size
                sha = sha256_of(path, MAX_BYTES)
        except (OSError, InputRefused):
            sha = None
        records.append(InputRecord(name=shown_name(_relative(path, ws.inbox)), name_nfc=display_name(path, ws.inbox),
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
    if ws.book_bytes and hashlib.sha256(ws.book_bytes).hexdigest() == digest:
        return WriteOutcome(ws.workbook, digest, "no-change")
    try:
        backup = backup_bytes(ws.book_bytes, ws.workbook.name, ws.backups) if ws.book_bytes else None
    except OSError as exc:  # the backups folder: the Board's disk, never "open in Excel"
        raise machine_fault(exc, ws.backups, "bản sao lưu sổ tổng hợp") from exc
    kill_point()
    try:
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
    except OSError as exc:
        if is_locked_error(exc) or (isinstance(exc, PermissionError) and _held_by_program(ws.workbook)):
            raise _locked(ws.workbook) from None
        raise machine_fault(exc, ws.workbook.parent, f"sổ tổng hợp {ws.workbook.name}") from exc
    return WriteOutcome(ws.workbook, digest, "written", backup)


def _held_by_program(workbook: Path) -> bool:
    """Whether a permission error on the workbook is a program holding it (Windows), not the folder's rights:
    the folder itself takes a new file."""
    if os.name != "nt":
        return False
    return os.access(workbook.parent, os.W_OK)


def versioned_name(path: Path) -> Path:
    """The first free ``Name (2).xlsx``, ``Name (3).xlsx``… beside ``path``, as Windows names copies."""
    number = 2
    while (candidate := path.with_name(f"{path.stem} ({number}){path.suffix}")).exists():
        number += 1
    return candidate


def _locked(path: Path) -> XlplanError:
    return XlplanError(f"Không ghi được '{path.name}': tệp đang mở trong Excel hoặc bị khóa. "
                       "Hãy đóng tệp rồi chạy lại; dữ liệu cũ vẫn nguyên vẹn.")
