"""Running Python-UNO scripts inside a fresh headless LibreOffice (tests only).

Some tests prove the readers survive what a user does to a form in a spreadsheet program
(insert rows, restyle, re-save): ``tests/lo_scripts`` holds those edits as UNO scripts and
:func:`run_script` runs one. The script runs under LibreOffice's Python (it needs the ``uno``
module, see :func:`find_uno_python`), connected to an soffice started here with the same
throw-away profile and process handling as :mod:`xlplan.io.libreoffice`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from xlplan.io.libreoffice import (
    HEADLESS_OPTIONS,
    LibreOfficeError,
    LibreOfficeMissing,
    LibreOfficeTimeout,
    find_soffice,
    fresh_profile,
    require_soffice,
    start_process,
    stop_process,
)

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
                              stdin=subprocess.DEVNULL, env=uno_env())
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def uno_env() -> dict[str, str]:
    """Our environment without PYTHONHOME/PYTHONPATH, which would break LibreOffice's Python."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}


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
    with fresh_profile() as profile, tempfile.TemporaryDirectory(prefix="xlplan-uno-") as work:
        folder = Path(work)
        runner, result = folder / "runner.py", folder / "result.json"
        runner.write_text(_RUNNER, encoding="utf-8")
        pipe = f"xlplan_{uuid.uuid4().hex}"
        office_log, runner_log = folder / "office.log", folder / "runner.log"
        office_cmd = [soffice, f"-env:UserInstallation={profile}", *HEADLESS_OPTIONS,
                      f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
        wall_deadline = time.time() + (deadline - time.monotonic())
        runner_cmd = [python, str(runner), pipe, str(wall_deadline), str(result), str(script_path),
                      *[str(a) for a in args]]
        with open(office_log, "wb") as office_out, open(runner_log, "wb") as runner_out:
            office = start_process(office_cmd, office_out)
            client = start_process(runner_cmd, runner_out, env=uno_env())
            try:
                status = _supervise(client, office, deadline)
            finally:
                # LibreOffice exits by itself after the script's terminate(); a client that died first
                # never asked it to, so waiting long for it would be waiting for nothing.
                crashed = client.poll() is not None and client.returncode < 0
                for process, grace in ((client, 0.0), (office, 2.0 if crashed else 15.0)):
                    stop_process(process, grace)
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


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
