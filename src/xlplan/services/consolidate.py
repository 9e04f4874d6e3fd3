"""Consolidation: every unit file in the inbox becomes the city summary workbook.

The job runs in three steps so that an error can never leave a half-written
workbook: (1) discover and read every file (read-only; unit files are never
modified or evaluated), (2) compute the whole consolidation in memory with the
pure core, (3) write the city workbook to a temporary file in the same folder,
back up the previous one and move the new one into place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..core.errors import XlplanError
from ..core.findings import Finding, make
from ..core.plan import Plan
from ..core.submission import Submission
from .workspace import Workspace, backup_file, open_workspace

Progress = Callable[[int, int], None]
FORM_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class Discovery:
    """What the inbox holds: the files to read and notes on what was skipped."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)


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
        rel = str(path.relative_to(inbox))
        if path.name.startswith("~$"):
            found.skipped.append(make("file-skipped", file=rel, reason="tệp khóa tạm của Excel (~$)"))
        elif path.name.startswith(".") or path.name.lower() in ("thumbs.db", "desktop.ini"):
            continue
        elif path.suffix.lower() not in FORM_SUFFIXES:
            found.skipped.append(make("file-skipped", file=rel,
                                      reason=f"không phải tệp Excel .xlsx/.xlsm ({path.suffix or 'không có đuôi'})"))
        else:
            found.files.append(path)
    return found


def read_files(paths: Sequence[Path], plan: Plan, registry=None, engine: str | None = None,
               base: Path | None = None, progress: Progress | None = None) -> list[Submission]:
    """Read every file into a Submission (never raises for a bad file; its findings say why)."""
    from ..io.form_reader import read_form

    submissions = []
    total = len(paths)
    for i, path in enumerate(paths, 1):
        sub = read_form(path, plan=plan, engine=engine, registry=registry)
        display = str(path.relative_to(base)) if base and path.is_relative_to(base) else str(path)
        _relabel(sub, display)
        stat = path.stat()
        sub.received = dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0)
        sub.sha256 = _sha256(path)
        submissions.append(sub)
        if progress:
            progress(i, total)
    return submissions


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
    workbook: Path
    backup: Path | None
    consolidation: object  # xlplan.core.rollup.Consolidation
    files: int
    skipped: int

    @property
    def findings(self) -> list[Finding]:
        return list(self.consolidation.findings)  # type: ignore[attr-defined]


def compute(ws: Workspace, engine: str | None = None, progress: Progress | None = None,
            track: Iterable[tuple[str, str]] = ()):
    """Discover, read and consolidate — everything but the write. Returns (consolidation, discovery)."""
    from ..core.rollup import consolidate

    found = discover(ws.inbox)
    submissions = read_files(found.files, ws.plan, ws.registry, engine, ws.inbox, progress)
    result = consolidate(submissions, ws.registry, ws.plan, extra_findings=found.skipped, track=tuple(track))
    return result, found


def consolidate_folder(root: Path, engine: str | None = None, progress: Progress | None = None,
                       track: Iterable[tuple[str, str]] = ()) -> ConsolidationResult:
    """``xlplan consolidate DIR``: compute everything, then write the city workbook safely."""
    ws = open_workspace(Path(root))
    result, found = compute(ws, engine, progress, track)
    backup = write_workbook(ws, result)
    return ConsolidationResult(ws.workbook, backup, result, len(found.files), len(found.skipped))


def write_workbook(ws: Workspace, result) -> Path | None:
    """Write the consolidation into the city workbook: temp file, backup, atomic replace."""
    from ..io.city_workbook import load_city_workbook, write_city_data
    from ..io.workbook_files import save_workbook

    try:
        wb = load_city_workbook(ws.workbook)
    except PermissionError:
        raise _locked(ws.workbook) from None
    write_city_data(wb, ws.plan, result.tables, result.cells)
    backup = None
    try:
        if ws.workbook.exists():
            backup = backup_file(ws.workbook, ws.backups)
        save_workbook(wb, ws.workbook)
    except PermissionError:
        raise _locked(ws.workbook) from None
    return backup


def _locked(path: Path) -> XlplanError:
    return XlplanError(f"Không ghi được '{path.name}': tệp đang mở trong Excel hoặc bị khóa. "
                       "Hãy đóng tệp rồi chạy lại; dữ liệu cũ vẫn nguyên vẹn.")

