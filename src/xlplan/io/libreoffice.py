"""LibreOffice (``soffice --headless``) as the real spreadsheet engine.

Python cannot evaluate the Excel formulas in our forms; LibreOffice can, and it
is free, scriptable and runs on the Organization Board's machines and in CI. The
product uses it to convert files (the report to PDF, xls → xlsx); a converted
workbook has every formula recalculated. The test suite builds on the same
process handling (``tests/support``: recalculating workbooks, running UNO scripts).

Every call starts its own soffice with a fresh, throw-away user profile
(``-env:UserInstallation=``): parallel runs never clash over a profile lock, a
running desktop LibreOffice is left alone, and nothing depends on the user's
settings. The profile sets Calc to *always* recalculate on load, so a converted
workbook never carries the stale cached values another program left in it.
LibreOffice start-up costs about a second: pass many files to one call.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..core.errors import XlplanError

PDF_FILTER = "calc_pdf_Export"
# A headless soffice that shows nothing, restores nothing and ignores other instances' locks.
HEADLESS_OPTIONS = ("--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck")

_SOFFICE_NAMES = ("soffice", "libreoffice")
_SOFFICE_PATHS = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
_WINDOWS_PROGRAM_DIRS = ("PROGRAMFILES", "PROGRAMFILES(X86)", "PROGRAMW6432")

_INSTALL_HINT = (
    "Cài LibreOffice (miễn phí, https://vi.libreoffice.org/tai-ve/): trên Windows chạy bộ cài "
    "LibreOffice; trên Debian/Ubuntu chạy 'sudo apt-get install libreoffice-calc-nogui'. "
    "Nếu đã cài ở thư mục khác, đặt biến môi trường XLPLAN_SOFFICE là đường dẫn tới soffice."
)

# Calc's "recalculation on file load" settings: 0 = always, 1 = never, 2 = ask; macros never run
# (security level "very high" and execution disabled), whatever a converted file carries.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" \
oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" \
oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""

class LibreOfficeMissing(XlplanError, RuntimeError):
    """LibreOffice (or its Python-UNO bridge) is not installed; the message says how to install it.

    An :class:`XlplanError`, so faces show its Vietnamese message as is.
    """

    def __init__(self, message: str | None = None):
        super().__init__(message or f"Không tìm thấy LibreOffice (soffice). {_INSTALL_HINT}")


class LibreOfficeError(XlplanError, RuntimeError):
    """LibreOffice ran but did not produce what was asked; ``output`` holds what soffice printed."""

    def __init__(self, message: str, output: str = ""):
        self.output = output.strip()
        super().__init__(message + (f"\nLibreOffice báo:\n{self.output}" if self.output else ""))


class LibreOfficeTimeout(LibreOfficeError):
    """LibreOffice did not finish in time (a hung dialog, a huge file); it has been stopped."""


# -- finding the programs ----------------------------------------------------------

def find_soffice() -> str | None:
    """Path to the ``soffice`` program, or None.

    Looks at ``XLPLAN_SOFFICE``, then PATH, then the usual install folders on
    Linux, macOS and Windows (users rarely have LibreOffice on their PATH).
    """
    override = os.environ.get("XLPLAN_SOFFICE")
    if override and Path(override).is_file():
        return override
    for name in _SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    candidates = [Path(p) for p in _SOFFICE_PATHS]
    for var in _WINDOWS_PROGRAM_DIRS:
        base = os.environ.get(var)
        if base:
            candidates.append(Path(base) / "LibreOffice" / "program" / "soffice.exe")
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    return None


def require_soffice() -> str:
    """:func:`find_soffice` or :class:`LibreOfficeMissing` with install instructions."""
    found = find_soffice()
    if found is None:
        raise LibreOfficeMissing()
    return found


# -- converting ------------------------------------------------------------------

def convert(path: str | Path, to: str, out_dir: str | Path, timeout: float = 120) -> Path:
    """Convert one file with LibreOffice; returns the produced file in ``out_dir``.

    ``to`` is what ``soffice --convert-to`` takes: ``"xlsx"``, ``"pdf"``, or
    ``"xlsx:Calc MS Excel 2007 XML"`` to name the export filter. The result is
    ``out_dir/<input stem>.<extension>``; formulas are recalculated on load.
    """
    return convert_many([path], to, out_dir, timeout)[0]


def convert_many(paths: Sequence[str | Path], to: str, out_dir: str | Path, timeout: float = 120) -> list[Path]:
    """Convert many files in ONE LibreOffice run (start-up is the slow part).

    Returns the produced files in the order of ``paths``. Inputs are copied under
    plain ASCII names first, so Vietnamese file names, a C locale, or an
    ``out_dir`` equal to the inputs' folder cannot trip soffice. Two inputs with
    the same stem would produce the same output name and are refused. Raises
    :class:`LibreOfficeError` when any file was not converted.
    """
    produced, output = _convert_run(paths, to, out_dir, timeout)
    failed = [Path(p).name for p, target in zip(paths, produced) if target is None]
    if failed:
        extension = to.split(":", 1)[0].strip().lower()
        raise LibreOfficeError(f"LibreOffice không chuyển đổi được sang '{extension}': {', '.join(failed)}.", output)
    return [target for target in produced if target is not None]


def convert_what_it_can(paths: Sequence[str | Path], to: str, out_dir: str | Path,
                        timeout: float = 120) -> list[Path | None]:
    """:func:`convert_many`, but a file LibreOffice could not convert is None instead of failing the run.

    For files from outside (unit files): one damaged file must not cost the
    others their conversion nor a LibreOffice start each. Raises
    :class:`LibreOfficeError` only when the run itself fails (timeout, crash).
    """
    return _convert_run(paths, to, out_dir, timeout)[0]


def _convert_run(paths: Sequence[str | Path], to: str, out_dir: str | Path,
                 timeout: float) -> tuple[list[Path | None], str]:
    sources = [Path(p) for p in paths]
    extension = to.split(":", 1)[0].strip().lower()
    if not extension:
        raise ValueError(f"định dạng đích không hợp lệ: {to!r}")
    for source in sources:
        if not source.is_file():
            raise FileNotFoundError(f"Không tìm thấy tệp cần chuyển đổi: {source}")
    targets = [Path(out_dir) / f"{source.stem}.{extension}" for source in sources]
    if len({t.name.casefold() for t in targets}) != len(targets):
        raise ValueError("Các tệp cần chuyển đổi trùng tên (không kể phần mở rộng); hãy chuyển đổi riêng từng lần.")
    if not sources:
        return [], ""
    soffice = require_soffice()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    results: list[Path | None] = []
    with tempfile.TemporaryDirectory(prefix="xlplan-lo-") as work:
        inbox, outbox = Path(work) / "in", Path(work) / "out"
        inbox.mkdir()
        outbox.mkdir()
        staged = []
        for number, source in enumerate(sources):
            copy = inbox / f"f{number:04d}{_ascii_suffix(source)}"
            shutil.copyfile(source, copy)
            staged.append(copy)
        with fresh_profile() as profile:
            command = [soffice, f"-env:UserInstallation={profile}", *HEADLESS_OPTIONS, "--convert-to", to,
                       "--outdir", str(outbox), *[str(s) for s in staged]]
            output = _run(command, timeout, what="chuyển đổi tệp")
        for copy, target in zip(staged, targets):
            produced = outbox / f"{copy.stem}.{extension}"
            if produced.is_file() and produced.stat().st_size > 0:
                shutil.move(str(produced), str(target))
                results.append(target)
            else:
                results.append(None)
    return results, output


def to_pdf(path: str | Path, out_dir: str | Path, timeout: float = 120) -> Path:
    """Print a workbook (all sheets, their print setup) to PDF in ``out_dir``; formulas recalculated."""
    return convert(path, f"pdf:{PDF_FILTER}", out_dir, timeout)


# -- processes and profiles ---------------------------------------------------------

@contextmanager
def fresh_profile() -> Iterator[str]:
    """A fresh LibreOffice user profile (as a file URL) that always recalculates on load."""
    with tempfile.TemporaryDirectory(prefix="xlplan-profile-") as folder:
        user = Path(folder) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        yield Path(folder).resolve().as_uri()


def _ascii_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    return suffix if suffix.isascii() and suffix[1:].isalnum() else ""


def start_process(command: list[str], log: Any, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a process in its own process group, so a timeout can stop soffice and its children."""
    if os.name == "nt":
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                creationflags=subprocess.CREATE_NEW_PROCESS_GROUP)  # type: ignore[attr-defined]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def stop_process(process: subprocess.Popen, grace: float) -> None:
    """Give a process ``grace`` seconds to exit, then kill it with its whole group."""
    try:
        process.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        pass
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True)
    else:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    process.wait()


def _run(command: list[str], timeout: float, what: str) -> str:
    """Run soffice to completion; its combined output, or :class:`LibreOfficeTimeout`."""
    with tempfile.TemporaryFile() as log:
        process = start_process(command, log)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(process, 0.0)
            log.seek(0)
            raise LibreOfficeTimeout(f"LibreOffice {what} quá {timeout:g} giây và đã bị dừng.",
                                     log.read().decode("utf-8", "replace")) from None
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise LibreOfficeError(f"LibreOffice {what} thất bại (mã thoát {process.returncode}).", output)
    return output
