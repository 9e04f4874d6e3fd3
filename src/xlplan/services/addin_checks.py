"""What the installed add-in needs of the Python it starts, asked of that Python itself.

``xlplan addin status`` (and ``install``, which ends with the same checks) must not pass when
Excel cannot work: ``import xlwings`` succeeds even when pywin32 is missing or broken (xlwings
swallows the ImportError of ``xlwings._xlwindows``; ``xw.func``/``xw.arg`` then record nothing
and ``xlwings.serve`` is a stub), so the probe imports every piece the COM server needs,
checks that ``xlwings.serve`` is the real one and that ``xlplan.udfs.XLP_TYLE`` carries
xlwings's UDF metadata, and finds where xlwings's DLL really is. The probe runs in a
subprocess of *that* Python (not the one running xlplan), as Excel would start it.

Every failed check says the one fix that works; for a Microsoft Store Python or a ``--user``
install of xlwings (its DLL lands where ``XLPyLoadDLL`` does not look) that is a per-user
python.org install or a virtual environment, never "reinstall xlwings".
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Callable, TypedDict, cast

Runner = Callable[..., subprocess.CompletedProcess]

# Imported by the probe, in this order: what Excel's COM server and the ribbon need.
PYWIN32_MODULES = ("xlwings._xlwindows", "pythoncom", "win32com.client")
XLPLAN_MODULES = ("xlplan.udfs", "xlplan.macros")

FIX_PYTHON = ("cài Python từ python.org (bản cài cho riêng người dùng, không phải bản Microsoft Store) "
              "hoặc tạo một môi trường ảo (vd. py -m venv C:\\xlplan-venv), cài xlplan vào đó "
              "(C:\\xlplan-venv\\Scripts\\python -m pip install …) rồi chạy xlplan addin install "
              "bằng Python đó")


@dataclass(frozen=True)
class Check:
    """One thing the add-in needs at run time: found or not, and what to do if not (Vietnamese)."""

    ok: bool
    what: str
    detail: str


def dll_names(version: str) -> tuple[str, str]:
    """The xlwings DLLs Excel loads (64- and 32-bit Excel), named with the xlwings version."""
    return f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"


def is_store_python(python: Path) -> bool:
    """A Microsoft Store Python (its executables live under ``...\\WindowsApps\\``)."""
    return "windowsapps" in {part.lower() for part in PureWindowsPath(str(python)).parts}


_PROBE = """
import importlib, json, sys
out = {"modules": [], "errors": {}, "prefix": sys.prefix}
try:
    import xlwings
    out["xlwings"] = xlwings.__version__
    serve = getattr(xlwings, "serve", None)
    out["serve"] = getattr(serve, "__module__", "") == "xlwings.com_server"
except Exception as exc:
    out["xlwings_error"] = f"{type(exc).__name__}: {exc}"
for name in %(modules)r:
    try:
        importlib.import_module(name)
        out["modules"].append(name)
    except Exception as exc:
        out["errors"][name] = f"{type(exc).__name__}: {exc}"
try:
    import xlplan.udfs
    out["udf_metadata"] = hasattr(xlplan.udfs.XLP_TYLE, "__xlfunc__")
except Exception:
    out["udf_metadata"] = False
try:
    from importlib import metadata
    out["dlls"] = sorted(str(f.locate()) for f in metadata.files("xlwings") or ()
                         if f.name.lower().endswith(".dll"))
except Exception:
    out["dlls"] = []
print(json.dumps(out))
""" % {"modules": PYWIN32_MODULES + XLPLAN_MODULES}


class Probe(TypedDict, total=False):
    """What ``_PROBE`` prints about the Python the add-in will start."""

    xlwings: str
    xlwings_error: str
    serve: bool  # xlwings.serve is xlwings.com_server.serve, not the "pywin32 missing" stub
    modules: list[str]  # the modules that imported
    errors: dict[str, str]  # module → why it did not import
    udf_metadata: bool  # xlplan.udfs.XLP_TYLE carries xlwings's __xlfunc__
    dlls: list[str]  # where pip put xlwings's DLLs
    prefix: str


def probe_interpreter(python: Path, runner: Runner = subprocess.run) -> Probe:
    """Ask that Python (not this one) what it can import: it is the one Excel will start.

    ``pythonw.exe`` is probed through its ``python.exe`` twin, which writes to a pipe reliably.
    """
    console = python.with_name("python.exe") if python.name.lower() == "pythonw.exe" else python
    exe = console if console.is_file() else python
    try:
        # As the add-in starts it: -B -c from the interpreter's folder, environment untouched.
        done = runner([str(exe), "-B", "-c", _PROBE], capture_output=True, text=True, timeout=120,
                      cwd=str(exe.parent))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"xlwings_error": f"không chạy được {exe}: {exc}", "errors": {}, "modules": []}
    try:
        found = json.loads(done.stdout.strip().splitlines()[-1])
        if not isinstance(found, dict):
            raise ValueError("not the probe's object")
        return cast(Probe, found)  # the last line _PROBE prints is its one json.dumps(out) of this shape
    except (ValueError, IndexError):
        detail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["không có kết quả"]
        return {"xlwings_error": detail[0], "errors": {}, "modules": []}


def runtime_checks(python: Path, addin_version: str | None, runner: Runner = subprocess.run,
                   probe: Probe | None = None) -> list[Check]:
    """What the add-in's VBA needs of that Python: xlwings of the add-in's version, pywin32 and
    xlwings's COM server, xlplan, and xlwings's DLL where ``XLPyLoadDLL`` looks for it.

    The add-in loads ``xlwings64-<version>.dll`` from the interpreter's folder or its parent
    (a virtual environment); ``<version>`` is the xlwings the add-in was built with, so it
    must also be the xlwings that Python imports.
    """
    found = probe if probe is not None else probe_interpreter(python, runner)
    errors = found.get("errors", {})
    checks: list[Check] = []
    version = found.get("xlwings")
    if not version:
        checks.append(Check(False, "xlwings", f"Python {python} không nạp được xlwings "
                            f"({found.get('xlwings_error', 'không rõ lỗi')}): chạy "
                            f"\"{python}\" -m pip install xlwings=={addin_version or ''}".rstrip("=")))
    elif addin_version and version != addin_version:
        checks.append(Check(False, "xlwings", version_mismatch(python, addin_version, version)))
    else:
        checks.append(Check(True, "xlwings", f"xlwings {version}"))

    if version:
        broken = [f"{name} ({errors.get(name, 'không rõ lỗi')})" for name in PYWIN32_MODULES
                  if name not in found.get("modules", [])]
        if broken:
            checks.append(Check(False, "pywin32", f"Python {python} không nạp được {'; '.join(broken)}: Excel "
                                "sẽ không khởi động được máy chủ COM của xlwings (các hàm XLP_ báo lỗi). "
                                f"Chạy \"{python}\" -m pip install --force-reinstall pywin32; nếu vẫn lỗi, "
                                + FIX_PYTHON + "."))
        elif not found.get("serve", False):
            checks.append(Check(False, "pywin32", "xlwings.serve không phải máy chủ COM của xlwings (pywin32 "
                                f"hỏng): chạy \"{python}\" -m pip install --force-reinstall pywin32."))
        else:
            checks.append(Check(True, "pywin32", "xlwings._xlwindows, pythoncom, win32com.client, xlwings.serve"))

    for module in XLPLAN_MODULES:
        error = errors.get(module)
        if error is None and module in found.get("modules", []):
            checks.append(Check(True, module, "nạp được"))
        else:
            checks.append(Check(False, module, f"Python {python} không nạp được {module} "
                                f"({error or 'không rõ lỗi'}): cài lại xlplan vào Python này."))
    if version and "xlplan.udfs" in found.get("modules", []) and not found.get("udf_metadata", False):
        checks.append(Check(False, "Hàm XLP_", "xlplan.udfs.XLP_TYLE không có thông tin hàm của xlwings "
                            "(xw.func không hoạt động vì thiếu pywin32): Excel sẽ không gọi được các hàm XLP_. "
                            f"Chạy \"{python}\" -m pip install --force-reinstall pywin32."))

    dll_version = addin_version or version
    if dll_version:
        checks.append(dll_check(python, dll_version, found.get("dlls", [])))
    return checks


def version_mismatch(python: Path, addin_version: str, installed: str) -> str:
    """The one message for an add-in and a Python whose xlwings differ (both versions named)."""
    return (f"Phần bổ trợ được dựng với xlwings {addin_version} nhưng Python {python} có xlwings "
            f"{installed}: Excel sẽ báo \"Could not load {dll_names(addin_version)[0]}\". Chạy \"{python}\" "
            f"-m pip install xlwings=={addin_version} (phiên bản xlplan yêu cầu) rồi chạy lại "
            "xlplan addin install.")


def dll_check(python: Path, version: str, installed: list[str]) -> Check:
    """xlwings's DLL beside that Python or one folder up, where ``XLPyLoadDLL`` looks."""
    folders = [python.parent, python.parent.parent]
    present = [folder / name for folder in folders for name in dll_names(version) if (folder / name).is_file()]
    if present:
        return Check(True, "DLL của xlwings", ", ".join(str(p) for p in present))
    wanted = dll_names(version)[0]
    elsewhere = [path for path in installed if PureWindowsPath(path).name.lower() in
                 {name.lower() for name in dll_names(version)}]
    problem = (f"Không có {wanted} trong {folders[0]} hoặc {folders[1]}: Excel sẽ báo \"Could not load "
               f"{wanted}\".")
    if elsewhere or is_store_python(python):
        where = f" pip đã đặt tệp này ở {elsewhere[0]}" if elsewhere else ""
        return Check(False, "DLL của xlwings", f"{problem}{where} (Python của Microsoft Store hoặc cài bằng "
                     f"--user), nơi Excel không tìm: cài lại xlwings không giúp được. Hãy {FIX_PYTHON}.")
    return Check(False, "DLL của xlwings", f"{problem} Chạy \"{python}\" -m pip install --force-reinstall "
                 f"xlwings=={version} (phần mềm diệt virus có thể đã xóa tệp này).")
