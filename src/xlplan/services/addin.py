"""The xlplan Excel add-in: build it from its text sources; install, uninstall and check it.

The add-in (``addin/xlplan.xlam``) is built, never edited in Excel: its sources are text in
``addin/`` (ribbon XML, VBA modules, the configuration as TOML) plus xlwings's own
custom-add-in module from the installed xlwings, so every change is reviewable and the
build is reproducible on Linux (``addin/README.md`` tells how and why).

Installing follows xlwings's custom add-in convention (``xlwings_custom_addin.bas`` with
``PROJECT_NAME = "xlplan"``): the ``.xlam`` goes into the user's Excel start-up folder
(``%APPDATA%\\Microsoft\\Excel\\XLSTART``, written through a temporary file *outside* it, since
Excel opens every file there), and the computer-specific setting — which Python runs the
functions — goes into the installed copy's own ``xlplan.conf`` sheet (Excel reads a cell as
Unicode) and, as a fallback, into ``%USERPROFILE%\\.xlplan\\xlplan.conf``, a file of
``"KEY","value"`` lines that the add-in's VBA reads with ``Input #`` in the ANSI code page.
The add-in is tied to one xlwings release (its DLL names carry the version): install refuses
an add-in whose xlwings is not the one the target Python imports. Folder paths and the
platform are parameters, so the Windows logic runs (and is tested) anywhere; the faces pass
the real ones. The checks themselves are :mod:`xlplan.services.addin_checks`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from importlib import resources
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from ..core.errors import XlplanError
from ..io.workbook_files import write_bytes_atomic
from ..io.xlam_package import (CT_ADDIN_MAIN, ConfigRow, XlamPackage, config_value, read_config_rows,
                               read_custom_properties, read_parts, with_config_rows, xlam_bytes)
from .addin_checks import (FIX_PYTHON, Check, Probe, dll_names, is_store_python, probe_interpreter,
                           runtime_checks, version_mismatch)
from .addin_vba import PROJECT_NAME, UdfSpec, VbaSource, vba_sources, xlwings_version_of

__all__ = ["AddinReport", "AddinSources", "Check", "Probe", "WindowsPlaces", "addin_status", "build_addin",
           "dll_names", "install_addin", "matches_build", "probe_interpreter", "runtime_checks", "status_checks",
           "uninstall_addin"]

ADDIN_FILE = f"{PROJECT_NAME}.xlam"
CONFIG_SHEET = f"{PROJECT_NAME}.conf"  # the sheet name GetConfigFromSheet looks for
RIBBON_FILE = "customUI14.xml"
CONF_FILE = "xlplan_conf.toml"
RIBBON_BAS = "vba/xlplan_ribbon.bas"
REGISTER_BAS = "vba/xlplan_register.bas"
XLWINGS_BAS = "xlwings_custom_addin.bas"
XLWINGS_VERSION_PROPERTY = "xlwings_version"  # docProps/custom.xml of the built add-in
INTERPRETER_PLACEHOLDER = "{interpreter}"
ADDIN_PACKAGE = "xlplan._addin"  # addin/ in an installed xlplan (pyproject.toml package-dir)

INTERPRETER_KEY = "Interpreter_Win"
# xlwings's RunPython redirects Python's stderr to GetConfig("TEMP DIR", Environ("Temp")) &
# "\xlwings-<guid>.log". VBA's Environ gives the ANSI form of a variable (like its file
# functions), so on an account whose TEMP folder has letters the ANSI code page lacks, cmd.exe
# cannot create that file and Python never starts (unverified without Excel: addin/TESTING.md).
TEMP_DIR_KEY = "TEMP DIR"
TEMP_PREFIX = f".{ADDIN_FILE}."  # temporary files of an install (never left in XLSTART)

VbaBuilder = Callable[[Sequence[VbaSource]], bytes]
Runner = Callable[..., subprocess.CompletedProcess]


class UnsupportedPlatform(XlplanError):
    """Excel add-ins need Excel on Windows; elsewhere the CLI does the same jobs."""

    def __init__(self) -> None:
        super().__init__(
            "Phần bổ trợ xlplan (thẻ \"Xây dựng Đảng\" và các hàm XLP_) chỉ chạy trong Excel trên "
            "Windows; máy này không phải Windows nên không cài được. Mọi việc của các nút lệnh đều "
            "làm được bằng dòng lệnh: xlplan init, xlplan forms make, xlplan check, "
            "xlplan consolidate, xlplan status, xlplan feedback, xlplan report "
            "(xem xlplan --help).")


# -- sources and build -------------------------------------------------------------------


@dataclass(frozen=True)
class AddinSources:
    """The add-in's text sources, read from ``addin/`` and the installed xlwings."""

    ribbon_xml: bytes
    ribbon_bas: str
    register_template: str
    xlwings_bas: str
    sheet_rows: tuple[ConfigRow, ...]
    user_rows: tuple[ConfigRow, ...]

    @property
    def xlwings_version(self) -> str:
        return xlwings_version_of(self.xlwings_bas)


def repo_addin_dir() -> Path | None:
    """``addin/`` of the source tree this package runs from (an editable install), if any."""
    candidate = Path(__file__).resolve().parents[3] / "addin"
    return candidate if (candidate / RIBBON_FILE).is_file() else None


def packaged_addin_dir() -> Path | None:
    """The copy of ``addin/`` inside an installed xlplan (package :data:`ADDIN_PACKAGE`), if any.

    A plain ``pip install .`` ships ``addin/`` as the data package ``xlplan._addin``
    (``pyproject.toml`` maps it, so the committed ``.xlam`` is not duplicated in the tree):
    staff install the add-in without a source tree. An editable install has no such
    package (its ``.pth`` points at ``src/``), hence ``None`` there.
    """
    try:
        ribbon = Path(str(resources.files(ADDIN_PACKAGE).joinpath(RIBBON_FILE)))
    except (ModuleNotFoundError, TypeError, ValueError):  # not installed, or not a plain folder
        return None
    return ribbon.parent if ribbon.is_file() else None


def default_addin_dir() -> Path | None:
    """Where the add-in's sources and built ``.xlam`` are by default: the source tree's ``addin/``
    (what a developer edits and rebuilds), else the installed package's copy."""
    return repo_addin_dir() or packaged_addin_dir()


def require_addin_dir(addin_dir: Path | None) -> Path:
    """The given folder, or the default one; a Vietnamese error when neither has the sources."""
    found = addin_dir or default_addin_dir()
    if found is None or not (found / RIBBON_FILE).is_file():
        where = f" '{addin_dir}'" if addin_dir else ""
        raise XlplanError(
            f"Không tìm thấy thư mục nguồn của phần bổ trợ{where} (cần có {RIBBON_FILE}). "
            "Hãy cài lại xlplan (pip install .) hoặc chạy lệnh trong bản sao mã nguồn xlplan, "
            "hoặc chỉ rõ thư mục bằng --sources.")
    return found


def xlwings_bas_path() -> Path:
    """xlwings's custom add-in module in the installed xlwings package."""
    import xlwings

    return Path(xlwings.__file__).parent / XLWINGS_BAS


def load_sources(addin_dir: Path, xlwings_bas: Path | None = None) -> AddinSources:
    """Read the add-in's sources (VBA as cp1252, which is what VBA stores)."""
    conf = tomllib.loads((addin_dir / CONF_FILE).read_text(encoding="utf-8"))
    return AddinSources(
        ribbon_xml=(addin_dir / RIBBON_FILE).read_bytes(),
        ribbon_bas=(addin_dir / RIBBON_BAS).read_text(encoding="cp1252"),
        register_template=(addin_dir / REGISTER_BAS).read_text(encoding="cp1252"),
        xlwings_bas=(xlwings_bas or xlwings_bas_path()).read_text(encoding="cp1252"),
        sheet_rows=_rows(conf.get("sheet", []), CONF_FILE + " [[sheet]]"),
        user_rows=_rows(conf.get("user", []), CONF_FILE + " [[user]]"),
    )


def _rows(entries: list[dict], where: str) -> tuple[ConfigRow, ...]:
    rows = []
    for entry in entries:
        key, value = entry.get("key"), entry.get("value")
        if not isinstance(key, str) or not isinstance(value, (str, bool)):
            raise ValueError(f"{where}: every entry needs a text key and a text or true/false value")
        rows.append(ConfigRow(key, value, str(entry.get("note", ""))))
    return tuple(rows)


def addin_modules(sources: AddinSources, udfs: Sequence[UdfSpec]) -> list[VbaSource]:
    """The VBA modules of the add-in, after the documented substitutions."""
    return vba_sources(xlwings_bas=sources.xlwings_bas, ribbon_bas=sources.ribbon_bas,
                       register_template=sources.register_template, udfs=udfs)


def vba_project(modules: Sequence[VbaSource]) -> bytes:
    """``vbaProject.bin`` for the modules, by xlplan's MS-OVBA writer (:mod:`xlplan.io.vba`)."""
    from ..io.vba.project import VbaModule, build_vba_project

    return build_vba_project([VbaModule(m.name, m.kind, m.code.replace("\n", "\r\n")) for m in modules],
                             project_name=PROJECT_NAME)


def build_addin_bytes(sources: AddinSources, udfs: Sequence[UdfSpec],
                      vba_builder: VbaBuilder | None = None) -> bytes:
    """The ``.xlam`` file for these sources and UDFs; same inputs, same bytes."""
    modules = addin_modules(sources, udfs)
    return xlam_bytes(XlamPackage(
        ribbon_xml=sources.ribbon_xml,
        vba_project=(vba_builder or vba_project)(modules),
        config_sheet=CONFIG_SHEET,
        config_rows=sources.sheet_rows,
        title="xlplan — Xây dựng Đảng",
        properties={XLWINGS_VERSION_PROPERTY: sources.xlwings_version},
    ))


def build_addin(out: Path, sources: AddinSources, udfs: Sequence[UdfSpec],
                vba_builder: VbaBuilder | None = None) -> Path:
    """Build the add-in into ``out`` (atomically: Excel never sees half a file)."""
    data = build_addin_bytes(sources, udfs, vba_builder)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes_atomic(data, out)


# -- where things go on Windows ------------------------------------------------------------


@dataclass(frozen=True)
class WindowsPlaces:
    """The two places an installed add-in lives in: Excel's start-up folder and the user file."""

    xlstart: Path
    user_config: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "WindowsPlaces":
        """The current user's places, from ``APPDATA`` and ``USERPROFILE`` as Excel's VBA sees them."""
        env = os.environ if environ is None else environ
        missing = [name for name in ("APPDATA", "USERPROFILE") if not env.get(name)]
        if missing:
            raise XlplanError(f"Thiếu biến môi trường {', '.join(missing)}: không xác định được "
                              "thư mục người dùng của Windows.")
        return cls.for_folders(Path(env["APPDATA"]), Path(env["USERPROFILE"]))

    @classmethod
    def for_folders(cls, appdata: Path, profile: Path) -> "WindowsPlaces":
        # Paths as xlwings_custom_addin.bas's GetConfigFilePath builds them:
        # Environ("USERPROFILE") & "\." & PROJECT_NAME & "\" & PROJECT_NAME & ".conf"
        return cls(appdata / "Microsoft" / "Excel" / "XLSTART",
                   profile / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf")


def preferred_interpreter(executable: str | Path | None = None) -> Path:
    """The Python the add-in should run: ``pythonw.exe`` beside ``python.exe`` when it exists.

    pythonw has no console, so no black window flashes at each button press or UDF start.
    """
    exe = Path(executable or sys.executable)
    windowless = exe.with_name("pythonw.exe")
    if exe.name.lower() == "python.exe" and windowless.is_file():
        return windowless
    return exe


# -- the user config file ("KEY","value" lines, as VBA's Write # / Input # use) ---------------

_CONF_LINE = re.compile(r'^\s*"([^"]*)"\s*,\s*"([^"]*)"\s*$')


def read_user_config(path: Path, encoding: str) -> list[tuple[str, str] | str]:
    """The file's lines: ``(key, value)`` for setting lines, the raw text for any other line."""
    if not path.is_file():
        return []
    lines: list[tuple[str, str] | str] = []
    for line in path.read_text(encoding=encoding, errors="replace").splitlines():
        found = _CONF_LINE.match(line)
        lines.append((found.group(1), found.group(2)) if found else line)
    return lines


def user_config_value(lines: Sequence[tuple[str, str] | str], key: str) -> str | None:
    """A setting's value (keys compared ignoring case, first one wins — as VBA's GetConfigFromFile)."""
    for line in lines:
        if isinstance(line, tuple) and line[0].lower() == key.lower():
            return line[1]
    return None


def _render_config(lines: Sequence[tuple[str, str] | str]) -> str:
    return "".join((f'"{line[0]}","{line[1]}"' if isinstance(line, tuple) else line) + "\r\n"
                   for line in lines)


def _encode_for_vba(text: str, encoding: str, what: Path) -> bytes:
    """Text as VBA's file functions read it (the ANSI code page); a clear error if it cannot be."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        raise XlplanError(
            f"Đường dẫn '{what}' có ký tự mà Excel (VBA) không đọc được (VBA nạp DLL của xlwings và "
            "đọc tệp cấu hình bằng bảng mã ANSI). Hãy cài Python vào thư mục có tên không dấu "
            "(vd. C:\\Python311, hoặc một môi trường ảo: py -m venv C:\\xlplan-venv) rồi chạy lại "
            "xlplan addin install bằng Python đó.") from None


def short_path(path: Path) -> Path | None:
    """Windows's short (8.3) name of an existing path — ASCII where the volume keeps 8.3 names —
    or None (not Windows, no short name)."""
    if not sys.platform.startswith("win"):
        return None
    try:
        import ctypes

        buffer = ctypes.create_unicode_buffer(32768)
        if ctypes.windll.kernel32.GetShortPathNameW(str(path), buffer, len(buffer)):
            return Path(buffer.value)
    except Exception:  # not resolvable: the caller keeps the long name
        pass
    return None


def _vba_can_open(path: Path, encoding: str) -> bool:
    """Whether VBA's ANSI file functions can name ``path`` (a Windows account with Vietnamese
    letters in its name has a profile folder they cannot)."""
    try:
        str(path).encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# -- install / uninstall / status --------------------------------------------------------------


@dataclass
class AddinReport:
    """What a command did and what it found; ``ok`` when every check passed."""

    actions: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def _require_windows(platform: str) -> None:
    if not platform.startswith("win"):
        raise UnsupportedPlatform()


def _locked(path: Path) -> XlplanError:
    return XlplanError(f"Không ghi hoặc xóa được '{path}': Excel đang mở và đang dùng phần bổ trợ. "
                       "Hãy đóng mọi cửa sổ Excel rồi chạy lại lệnh.")


def install_addin(addin_file: Path, places: WindowsPlaces, *, platform: str = sys.platform,
                  interpreter: Path | None = None, sources: AddinSources | None = None,
                  encoding: str = "mbcs", runner: Runner = subprocess.run,
                  temp_dir: Path | None = None) -> AddinReport:
    """Copy the add-in into XLSTART with this computer's settings in its sheet, write the user
    file as a fallback, then check the run-time pieces.

    ``sources`` gives the ``[[user]]`` settings (default: just ``Interpreter_Win``);
    ``encoding`` is the ANSI code page VBA reads the user file in (``mbcs`` on Windows).
    Refused before anything is written: an add-in built for another xlwings than the one the
    interpreter imports (or that does not say which), and an interpreter path VBA cannot load
    xlwings's DLL from.
    ``temp_dir`` is the user's ``%TEMP%`` (default: this process's): when VBA cannot name it,
    the installed sheet gets a ``TEMP DIR`` that it can (:func:`temp_dir_row`).
    """
    _require_windows(platform)
    data = _read_addin(addin_file)
    python = interpreter or preferred_interpreter()
    rows = sources.user_rows if sources else (ConfigRow(INTERPRETER_KEY, INTERPRETER_PLACEHOLDER),)
    report = AddinReport()
    if not _vba_can_open(python, encoding):  # LoadLibraryA takes the DLL's folder in ANSI
        alias = short_path(python)
        if alias is not None and _vba_can_open(alias, encoding):
            report.actions.append(f"Dùng tên ngắn {alias} cho {python}: VBA không đọc được tên có dấu.")
            python = alias
    _encode_for_vba(str(python), encoding, python)
    settings = [ConfigRow(row.key, str(row.value).replace(INTERPRETER_PLACEHOLDER, str(python)), row.note)
                for row in rows]
    temp = temp_dir or Path(os.environ.get("TEMP") or tempfile.gettempdir())
    temp_row = temp_dir_row(temp, encoding)

    probe = probe_interpreter(python, runner)
    addin_version = addin_xlwings_version(data)
    if addin_version is None:
        raise XlplanError(f"Không cài: tệp {addin_file} không ghi phiên bản xlwings mà nó được dựng cùng, "
                          "nên không kiểm tra được nó có khớp với xlwings của Python này không. Hãy dựng "
                          "lại bằng xlplan addin build --out <tệp> rồi cài tệp đó (hoặc cài không kèm --file).")
    if probe.get("xlwings") and probe["xlwings"] != addin_version:
        raise XlplanError(f"Không cài: tệp {addin_file} không dùng được với Python này. "
                          + version_mismatch(python, addin_version, probe["xlwings"]))

    target = places.xlstart / ADDIN_FILE
    installed = with_config_rows(data, settings + ([temp_row] if temp_row else []))
    try:
        places.xlstart.mkdir(parents=True, exist_ok=True)
        removed = _remove_leftovers(places.xlstart)
        _write_beside(installed, target, places.xlstart.parent)
    except PermissionError:
        raise _locked(target) from None
    report.actions += [f"Đã xóa tệp tạm còn sót {path}" for path in removed]
    report.actions.append(f"Đã chép phần bổ trợ vào {target} (Python: {python}, ghi trong trang {CONFIG_SHEET})")
    if temp_row:
        report.actions.append(f"Thư mục tạm {temp} có ký tự mà VBA không đọc được: ghi {TEMP_DIR_KEY} = "
                              f"{temp_row.value} vào trang {CONFIG_SHEET} để các nút lệnh chạy được.")

    if _vba_can_open(places.user_config, encoding):
        lines = read_user_config(places.user_config, encoding)
        for row in settings:
            lines = [line for line in lines if not (isinstance(line, tuple) and line[0].lower() == row.key.lower())]
            lines.append((row.key, str(row.value)))
        places.user_config.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(_encode_for_vba(_render_config(lines), encoding, python), places.user_config)
        report.actions.append(f"Đã ghi cấu hình dự phòng {places.user_config}")
    else:
        report.actions.append(f"Không ghi tệp cấu hình dự phòng {places.user_config}: tên thư mục người dùng có "
                              "ký tự mà VBA không mở được. Phần bổ trợ vẫn dùng được: Python đã được ghi trong "
                              f"trang {CONFIG_SHEET} của bản đã cài.")
    report.checks = status_checks(places, encoding=encoding, runner=runner, expected=data, probe=probe,
                                  temp_dir=temp)
    return report


def temp_dir_row(temp: Path, encoding: str) -> ConfigRow | None:
    """The ``TEMP DIR`` row the installed sheet needs, or None when VBA can name ``temp`` as it is.

    Windows's short (8.3) name of the folder when it has one VBA can name; otherwise
    ``%TEMP%``, which xlwings's ``GetConfig`` expands through ``WScript.Shell`` (Unicode), so
    the command line reaches cmd.exe whole (reading the log back for an error box still
    goes through VBA's ANSI ``Open``: ``addin/TESTING.md`` has the manual check).
    """
    if _vba_can_open(temp, encoding):
        return None
    alias = short_path(temp)
    value = str(alias) if alias is not None and _vba_can_open(alias, encoding) else "%TEMP%"
    return ConfigRow(TEMP_DIR_KEY, value, "Thư mục tạm nơi xlwings ghi lỗi của Python (ghi khi cài đặt).")


def addin_xlwings_version(data: bytes) -> str | None:
    """The xlwings an add-in file was built with (its ``docProps/custom.xml``), if it says."""
    try:
        return read_custom_properties(read_parts(data)).get(XLWINGS_VERSION_PROPERTY)
    except Exception:
        return None


def _write_beside(data: bytes, target: Path, staging: Path) -> None:
    """Write ``target`` through a temporary file in ``staging`` (same volume, not XLSTART:
    Excel opens every file in XLSTART at start-up, a half-copied one included)."""
    staging.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=staging)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise


def _leftovers(xlstart: Path) -> list[Path]:
    """Temporary files an interrupted install of an older xlplan left in XLSTART."""
    return sorted(xlstart.glob(f"{TEMP_PREFIX}*.tmp")) if xlstart.is_dir() else []


def _remove_leftovers(xlstart: Path) -> list[Path]:
    removed = []
    for path in _leftovers(xlstart):
        path.unlink()
        removed.append(path)
    return removed


def uninstall_addin(places: WindowsPlaces, *, platform: str = sys.platform,
                    sources: AddinSources | None = None, encoding: str = "mbcs") -> AddinReport:
    """Remove the add-in from XLSTART and the settings install wrote; keep settings a user added."""
    _require_windows(platform)
    report = AddinReport()
    target = places.xlstart / ADDIN_FILE
    if target.exists():
        try:
            target.unlink()
        except PermissionError:
            raise _locked(target) from None
        report.actions.append(f"Đã gỡ phần bổ trợ khỏi {target}")
    else:
        report.actions.append(f"Phần bổ trợ chưa được cài ({target} không có).")
    try:
        report.actions += [f"Đã xóa tệp tạm còn sót {path}" for path in _remove_leftovers(places.xlstart)]
    except PermissionError:
        raise _locked(places.xlstart) from None

    ours = {row.key.lower() for row in (sources.user_rows if sources else ())} | {"interpreter_win"}
    lines = read_user_config(places.user_config, encoding)
    if lines:
        kept = [line for line in lines if not (isinstance(line, tuple) and line[0].lower() in ours)]
        if any(isinstance(line, tuple) or line.strip() for line in kept):
            write_bytes_atomic(_encode_for_vba(_render_config(kept), encoding, places.user_config),
                               places.user_config)
            report.actions.append(f"Đã xóa thiết lập của xlplan trong {places.user_config} "
                                  "(giữ các thiết lập khác).")
        else:
            places.user_config.unlink()
            try:
                places.user_config.parent.rmdir()
            except OSError:
                pass  # not empty: other files there are the user's
            report.actions.append(f"Đã xóa tệp cấu hình {places.user_config}")
    return report


def addin_status(places: WindowsPlaces, *, platform: str = sys.platform, encoding: str = "mbcs",
                 runner: Runner = subprocess.run, expected: bytes | None = None,
                 temp_dir: Path | None = None) -> AddinReport:
    """Check an installed add-in and everything it needs; nothing is changed."""
    _require_windows(platform)
    return AddinReport(checks=status_checks(places, encoding=encoding, runner=runner, expected=expected,
                                            temp_dir=temp_dir))


def _read_addin(path: Path) -> bytes:
    if not path.is_file():
        raise XlplanError(f"Không tìm thấy tệp phần bổ trợ '{path}'. Hãy chạy xlplan addin build "
                          "trước, hoặc chỉ rõ tệp bằng --file.")
    data = path.read_bytes()
    try:
        parts = read_parts(data)
    except Exception:
        parts = {}
    if CT_ADDIN_MAIN.encode() not in parts.get("[Content_Types].xml", b""):
        raise XlplanError(f"'{path}' không phải là tệp phần bổ trợ Excel (.xlam) hợp lệ.")
    return data


def status_checks(places: WindowsPlaces, *, encoding: str, runner: Runner = subprocess.run,
                  expected: bytes | None = None, probe: Probe | None = None,
                  temp_dir: Path | None = None) -> list[Check]:
    """Every piece the add-in needs, in the order a user would fix them.

    ``expected`` is the add-in as built (the reference copy): the installed one must equal it
    once this computer's settings are set in its sheet. The interpreter is the one the add-in
    reads: its own sheet first, then the user file. ``temp_dir`` is the user's ``%TEMP%``
    (default: this process's); a name VBA cannot use needs the sheet's ``TEMP DIR``.
    """
    checks: list[Check] = []
    target = places.xlstart / ADDIN_FILE
    addin_version = None
    sheet_python: str | None = None
    sheet_temp: object = None
    if target.is_file():
        data = target.read_bytes()
        addin_version = addin_xlwings_version(data)
        try:
            parts = read_parts(data)
            value = config_value(parts, INTERPRETER_KEY)
            sheet_python = value if isinstance(value, str) and value else None
            sheet_temp = config_value(parts, TEMP_DIR_KEY)
        except Exception:
            sheet_python = None
        if expected is not None and not matches_build(data, expected):
            built = addin_xlwings_version(expected)
            versions = (f" (bản đã cài dùng xlwings {addin_version}, bản mới dùng xlwings {built})"
                        if built != addin_version else "")
            checks.append(Check(False, "Phần bổ trợ", f"{target} khác bản mới nhất{versions}: chạy lại "
                                "xlplan addin install (đóng Excel trước)."))
        else:
            checks.append(Check(True, "Phần bổ trợ", f"{target} (xlwings {addin_version or '?'})"))
        temp = temp_dir or Path(os.environ.get("TEMP") or tempfile.gettempdir())
        if not sheet_temp and temp_dir_row(temp, encoding) is not None:
            checks.append(Check(False, "Thư mục tạm", f"Đường dẫn thư mục tạm {temp} có ký tự mà VBA không đọc "
                                "được: các nút lệnh sẽ không chạy được. Chạy lại xlplan addin install (đóng Excel "
                                f"trước) để ghi {TEMP_DIR_KEY} vào trang {CONFIG_SHEET}."))
    else:
        checks.append(Check(False, "Phần bổ trợ", f"Chưa cài ({target} không có): chạy xlplan addin install."))
    leftovers = _leftovers(places.xlstart)
    if leftovers:
        checks.append(Check(False, "XLSTART", f"Có tệp tạm còn sót ({', '.join(p.name for p in leftovers)}) mà Excel "
                            "sẽ cố mở khi khởi động: chạy lại xlplan addin install (đóng Excel trước) hoặc xóa các "
                            "tệp đó."))

    python_text = sheet_python
    where = f"trang {CONFIG_SHEET} của {target}"
    if not python_text:
        python_text = user_config_value(read_user_config(places.user_config, encoding), INTERPRETER_KEY)
        where = str(places.user_config)
    if not python_text:
        checks.append(Check(False, "Cấu hình", f"Không có {INTERPRETER_KEY} (Python mà Excel dùng) trong trang "
                            f"{CONFIG_SHEET} của phần bổ trợ hay tệp {places.user_config}: chạy xlplan addin install."))
        return checks
    python = Path(python_text)
    checks.append(Check(True, "Cấu hình", f"{where}: {INTERPRETER_KEY} = {python}"))
    if not python.is_file():
        checks.append(Check(False, "Python", f"Không có tệp {python} (Python đã bị gỡ hoặc chuyển chỗ?): "
                            "chạy lại xlplan addin install bằng Python đang dùng."))
        return checks
    if is_store_python(python):
        checks.append(Check(False, "Python", f"{python} là Python của Microsoft Store: Excel không nạp được DLL "
                            f"của xlwings từ đó. Hãy {FIX_PYTHON}."))
    else:
        checks.append(Check(True, "Python", str(python)))
    checks += runtime_checks(python, addin_version, runner=runner, probe=probe)
    return checks


def matches_build(installed: bytes, built: bytes) -> bool:
    """Whether an installed copy is ``built`` plus the settings install adds to its sheet (the
    rows the built add-in does not have), byte for byte."""
    try:
        keys = {row.key.upper() for row in read_config_rows(read_parts(built))}
        added = [row for row in read_config_rows(read_parts(installed)) if row.key.upper() not in keys]
        return installed == (with_config_rows(built, added) if added else built)
    except Exception:
        return installed == built
