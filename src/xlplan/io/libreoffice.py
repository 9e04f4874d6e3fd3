"""LibreOffice (``soffice --headless``) as the real spreadsheet engine.

Python cannot evaluate the Excel formulas in our forms; LibreOffice can, and it
is free, scriptable and runs on the Organization Board's machines and in CI. We
use it to convert files (xlsx → pdf, xls → xlsx), to recalculate every formula of
a workbook so its cells carry cached values (which openpyxl, calamine and the
readers then see), and to run small UNO scripts that edit a document the way a
user would (insert rows, re-save) so tests can prove the readers survive that.

Every call starts its own soffice with a fresh, throw-away user profile
(``-env:UserInstallation=``): parallel runs never clash over a profile lock, a
running desktop LibreOffice is left alone, and nothing depends on the user's
settings. The profile sets Calc to *always* recalculate on load, so a converted
workbook never carries the stale cached values another program left in it.
LibreOffice start-up costs about a second: pass many files to one call.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..core.errors import XlplanError

XLSX_FILTER = "Calc MS Excel 2007 XML"
PDF_FILTER = "calc_pdf_Export"

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

# Calc's "recalculation on file load" settings: 0 = always, 1 = never, 2 = ask.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""

# Runs under LibreOffice's Python (it needs the ``uno`` module): connects to the
# soffice started by :func:`run_script`, runs the script's ``main(ctx, desktop, args)``,
# writes its JSON-able result to a file and closes LibreOffice.
_RUNNER = r'''
import json, runpy, sys, time, traceback
import uno
from com.sun.star.connection import NoConnectException

pipe, deadline, result_path, script = sys.argv[1:5]
args = sys.argv[5:]
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
while True:
    try:
        ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        break
    except NoConnectException:
        if time.time() > float(deadline):
            sys.exit("could not connect to LibreOffice")
        time.sleep(0.05)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
try:
    result = runpy.run_path(script, run_name="xlplan_lo_script")["main"](ctx, desktop, args)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False)
finally:
    try:
        desktop.terminate()
    except Exception:  # the bridge drops as LibreOffice exits
        pass
'''


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


def find_uno_python(soffice: str | None = None) -> str | None:
    """A Python interpreter that can ``import uno`` (LibreOffice's scripting bridge), or None.

    Windows and macOS builds bundle one next to soffice; Debian ships the bridge
    for the system ``python3`` (package ``python3-uno``), which is usually not the
    interpreter running xlplan.
    """
    soffice = soffice or find_soffice()
    candidates: list[str] = []
    if override := os.environ.get("XLPLAN_UNO_PYTHON"):
        candidates.append(override)
    if soffice:
        program = Path(soffice).resolve().parent
        candidates += [str(program / "python.exe"), str(program / "python"),
                       str(program.parent / "Resources" / "python")]
    candidates += ["/usr/bin/python3", sys.executable]
    for candidate in candidates:
        if Path(candidate).is_file() and _imports_uno(candidate):
            return candidate
    return None


@lru_cache(maxsize=16)
def _imports_uno(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=30,
                              stdin=subprocess.DEVNULL, env=_uno_env())
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _uno_env() -> dict[str, str]:
    # Our own interpreter's PYTHONHOME/PYTHONPATH would break LibreOffice's Python.
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}


# -- converting and recalculating --------------------------------------------------

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
    the same stem would produce the same output name and are refused.
    """
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
        return []
    soffice = require_soffice()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlplan-lo-") as work:
        inbox, outbox = Path(work) / "in", Path(work) / "out"
        inbox.mkdir()
        outbox.mkdir()
        staged = []
        for number, source in enumerate(sources):
            copy = inbox / f"f{number:04d}{_ascii_suffix(source)}"
            shutil.copyfile(source, copy)
            staged.append(copy)
        with _profile() as profile:
            command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
                       "--nologo", "--nodefault", "--nolockcheck", "--convert-to", to, "--outdir", str(outbox),
                       *[str(s) for s in staged]]
            output = _run(command, timeout, what="chuyển đổi tệp")
        failed = []
        for copy, source, target in zip(staged, sources, targets):
            produced = outbox / f"{copy.stem}.{extension}"
            if produced.is_file() and produced.stat().st_size > 0:
                shutil.move(str(produced), str(target))
            else:
                failed.append(source.name)
    if failed:
        raise LibreOfficeError(f"LibreOffice không chuyển đổi được sang '{extension}': {', '.join(failed)}.", output)
    return targets


def recalculate(path: str | Path, out_path: str | Path, timeout: float = 120) -> Path:
    """Open a workbook in LibreOffice, recalculate ALL formulas, save it as .xlsx at ``out_path``.

    openpyxl writes formulas without results and other programs may leave stale
    ones; after this every formula cell carries the value LibreOffice computed,
    which is what a unit without the add-in sees on screen. ``out_path`` may be
    ``path`` itself.
    """
    out = Path(out_path)
    with tempfile.TemporaryDirectory(prefix="xlplan-recalc-") as work:
        produced = recalculate_many([path], work, timeout)[0]
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), str(out))
    return out


def recalculate_many(paths: Sequence[str | Path], out_dir: str | Path, timeout: float = 120) -> list[Path]:
    """:func:`recalculate` for many workbooks in one LibreOffice run; results are ``out_dir/<stem>.xlsx``."""
    return convert_many(paths, f"xlsx:{XLSX_FILTER}", out_dir, timeout)


def to_pdf(path: str | Path, out_dir: str | Path, timeout: float = 120) -> Path:
    """Print a workbook (all sheets, their print setup) to PDF in ``out_dir``; formulas recalculated."""
    return convert(path, f"pdf:{PDF_FILTER}", out_dir, timeout)


# -- scripting ----------------------------------------------------------------------

def run_script(script: str | Path, args: Sequence[str] = (), timeout: float = 120) -> Any:
    """Run a Python-UNO script inside a fresh headless LibreOffice; return its result.

    The script defines ``main(ctx, desktop, args)`` (component context, the
    ``com.sun.star.frame.Desktop``, and ``args`` as strings) and returns anything
    JSON can carry. It runs under LibreOffice's Python (see :func:`find_uno_python`),
    not ours, so it may import only ``uno`` and the standard library. Process
    many documents in one script: each call starts LibreOffice once.
    """
    script_path = Path(script).resolve()
    if not script_path.is_file():
        raise FileNotFoundError(f"Không tìm thấy kịch bản LibreOffice: {script_path}")
    soffice = require_soffice()
    python = find_uno_python(soffice)
    if python is None:
        raise LibreOfficeMissing(
            "Không tìm thấy Python của LibreOffice (mô-đun 'uno'). Trên Debian/Ubuntu chạy "
            "'sudo apt-get install python3-uno'; hoặc đặt biến môi trường XLPLAN_UNO_PYTHON.")
    deadline = time.monotonic() + timeout
    try:
        return _run_once(soffice, python, script_path, args, timeout, deadline)
    except _RunnerCrashed:
        # The UNO client died silently (a signal, nothing printed): seen rarely under load while
        # LibreOffice starts. Nothing was written; one fresh LibreOffice, in the time left, then the error.
        return _run_once(soffice, python, script_path, args, timeout, deadline)


class _RunnerCrashed(LibreOfficeError):
    """The script's UNO client ended without a result and without a word (killed by a signal)."""


def _run_once(soffice: str, python: str, script_path: Path, args: Sequence[str], timeout: float,
              deadline: float) -> Any:
    """One LibreOffice, one run of the script, by ``deadline`` (``time.monotonic``)."""
    with _profile() as profile, tempfile.TemporaryDirectory(prefix="xlplan-uno-") as work:
        folder = Path(work)
        runner, result = folder / "runner.py", folder / "result.json"
        runner.write_text(_RUNNER, encoding="utf-8")
        pipe = f"xlplan_{uuid.uuid4().hex}"
        office_log, runner_log = folder / "office.log", folder / "runner.log"
        office_cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
                      "--nologo", "--nodefault", "--nolockcheck",
                      f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
        wall_deadline = time.time() + (deadline - time.monotonic())
        runner_cmd = [python, str(runner), pipe, str(wall_deadline), str(result), str(script_path),
                      *[str(a) for a in args]]
        with open(office_log, "wb") as office_out, open(runner_log, "wb") as runner_out:
            office = _start(office_cmd, office_out)
            client = _start(runner_cmd, runner_out, env=_uno_env())
            try:
                status = _supervise(client, office, deadline)
            finally:
                # LibreOffice exits by itself after the script's terminate(); a client that died first
                # never asked it to, so waiting long for it would be waiting for nothing.
                crashed = client.poll() is not None and client.returncode < 0
                for process, grace in ((client, 0.0), (office, 2.0 if crashed else 15.0)):
                    _stop(process, grace)
        said = _read(runner_log)
        log = said + _read(office_log)
        if status == "timeout":
            raise LibreOfficeTimeout(f"LibreOffice chạy kịch bản {script_path.name} quá {timeout:g} giây.", log)
        if status == "office-died":
            raise LibreOfficeError(f"LibreOffice dừng đột ngột khi chạy kịch bản {script_path.name}.", log)
        if client.returncode != 0 or not result.is_file():
            error = _RunnerCrashed if client.returncode < 0 and not said.strip() else LibreOfficeError
            raise error(f"Kịch bản LibreOffice {script_path.name} bị lỗi (mã thoát {client.returncode}).", log)
        return json.loads(result.read_text(encoding="utf-8"))


def _supervise(client: subprocess.Popen, office: subprocess.Popen, deadline: float) -> str:
    """Wait for the script; stop early if LibreOffice dies under it or time runs out."""
    while True:
        try:
            client.wait(timeout=0.1)
            return "done"
        except subprocess.TimeoutExpired:
            pass
        if office.poll() is not None:
            try:  # the script may still be writing its result after terminate()
                client.wait(timeout=5)
                return "done"
            except subprocess.TimeoutExpired:
                return "office-died"
        if time.monotonic() > deadline:
            return "timeout"


# -- processes and profiles ---------------------------------------------------------

@contextmanager
def _profile() -> Iterator[str]:
    """A fresh LibreOffice user profile (as a file URL) that always recalculates on load."""
    with tempfile.TemporaryDirectory(prefix="xlplan-profile-") as folder:
        user = Path(folder) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        yield Path(folder).resolve().as_uri()


def _ascii_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    return suffix if suffix.isascii() and suffix[1:].isalnum() else ""


def _start(command: list[str], log: Any, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a process in its own process group, so a timeout can stop soffice and its children."""
    if os.name == "nt":
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                creationflags=subprocess.CREATE_NEW_PROCESS_GROUP)  # type: ignore[attr-defined]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def _stop(process: subprocess.Popen, grace: float) -> None:
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
        process = _start(command, log)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process, 0.0)
            log.seek(0)
            raise LibreOfficeTimeout(f"LibreOffice {what} quá {timeout:g} giây và đã bị dừng.",
                                     log.read().decode("utf-8", "replace")) from None
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise LibreOfficeError(f"LibreOffice {what} thất bại (mã thoát {process.returncode}).", output)
    return output


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
