"""Installing and checking the add-in: the Windows logic, run here with platform="win32".

One xlwings version, enforced (the committed add-in, the installed xlwings and pyproject's pin
agree; install cannot copy an add-in built for another xlwings); ``status`` tells the truth
(pywin32, xlwings's COM server, the UDF metadata, the DLL where Excel looks); the interpreter
is written into the installed copy's sheet, the user file is a fallback; nothing temporary is
ever left in XLSTART.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import xlwings
from oletools.olevba import VBA_Parser

from xlplan.core.errors import XlplanError
from xlplan.io import xlam_package as pkg
from xlplan.services import addin
from xlplan.services.addin_vba import udf_specs

REPO = Path(__file__).resolve().parents[1]
ADDIN_DIR = REPO / "addin"
COMMITTED = ADDIN_DIR / "xlplan.xlam"
WIN = "win32"
ENC = "cp1252"  # the ANSI code page VBA reads the user file in (mbcs on a real Windows)
VERSION = xlwings.__version__


@pytest.fixture(scope="module")
def sources():
    return addin.load_sources(ADDIN_DIR)


@pytest.fixture
def places(tmp_path):
    return addin.WindowsPlaces.for_folders(tmp_path / "Roaming", tmp_path / "Users" / "an")


def _python(tmp_path: Path, version: str = VERSION, dll: bool = True, folder: str = "Python311") -> Path:
    where = tmp_path / folder
    where.mkdir(parents=True, exist_ok=True)
    for name in ("python.exe", "pythonw.exe"):
        (where / name).write_bytes(b"")
    if dll:
        (where / f"xlwings64-{version}.dll").write_bytes(b"")
    return where / "python.exe"


GOOD_PROBE = {"xlwings": VERSION, "serve": True, "udf_metadata": True, "errors": {}, "dlls": [],
              "modules": ["xlwings._xlwindows", "pythoncom", "win32com.client", "xlplan.udfs", "xlplan.macros"]}


def _runner(calls: list | None = None, **probe):
    answer = dict(GOOD_PROBE, **probe)

    def run(command, **kwargs):
        if calls is not None:
            calls.append(command)
        return subprocess.CompletedProcess(command, 0, json.dumps(answer) + "\n", "")
    return run


def _failed(report) -> dict[str, str]:
    checks = report.checks if hasattr(report, "checks") else report
    return {check.what: check.detail for check in checks if not check.ok}


def _sheet(path: Path) -> dict[str, object]:
    return {row.key: row.value for row in pkg.read_config_rows(pkg.read_parts(path.read_bytes()))}


# -- one xlwings version -----------------------------------------------------------------------


def test_the_add_in_the_installed_and_the_pinned_xlwings_agree(tmp_path):
    """The committed add-in declares xlwings's DLLs of one version: the xlwings installed here,
    and the one pyproject.toml pins exactly (so pip cannot pick another)."""
    declared = addin.addin_xlwings_version(COMMITTED.read_bytes())
    deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = [dep for dep in deps if re.match(r"xlwings\b", dep)]
    assert pins == [f"xlwings=={VERSION}"], "pin xlwings exactly to the version the add-in is built with"
    assert declared == VERSION
    path = tmp_path / "xlplan.xlam"
    path.write_bytes(COMMITTED.read_bytes())
    parser = VBA_Parser(str(path))
    try:
        code = next(code for _, stream, _, code in parser.extract_macros() if Path(stream).name == "xlwings")
    finally:
        parser.close()
    dlls = set(re.findall(r'Lib "(xlwings(?:64|32)-[^"]+\.dll)"', code))
    assert dlls == set(addin.dll_names(VERSION))


def _addin_for(version: str, sources, tmp_path: Path) -> Path:
    bas = sources.xlwings_bas.replace(VERSION, version)
    other = addin.AddinSources(sources.ribbon_xml, sources.ribbon_bas, sources.register_template, bas,
                               sources.sheet_rows, sources.user_rows)
    assert other.xlwings_version == version
    return addin.build_addin(tmp_path / f"xlplan-{version}.xlam", other, udf_specs())


def test_install_refuses_an_add_in_built_for_another_xlwings(tmp_path, places, sources):
    stale = _addin_for("0.99.0", sources, tmp_path)
    python = _python(tmp_path)
    with pytest.raises(XlplanError) as refused:
        addin.install_addin(stale, places, platform=WIN, sources=sources, interpreter=python,
                            encoding=ENC, runner=_runner())
    message = str(refused.value)
    assert "0.99.0" in message and VERSION in message and "xlwings64-0.99.0.dll" in message
    assert "pip install xlwings==0.99.0" in message
    assert not (places.xlstart / "xlplan.xlam").exists() and not places.user_config.exists()
    # An add-in that does not say its xlwings (no docProps/custom.xml property) cannot be checked.
    parts = pkg.read_parts(COMMITTED.read_bytes())
    unsaid = tmp_path / "unsaid.xlam"
    unsaid.write_bytes(pkg._zip([(name, payload.replace(b"xlwings_version", b"built_with") if name ==
                                  "docProps/custom.xml" else payload) for name, payload in parts.items()]))
    assert addin.addin_xlwings_version(unsaid.read_bytes()) is None
    with pytest.raises(XlplanError, match="không ghi phiên bản xlwings"):
        addin.install_addin(unsaid, places, platform=WIN, sources=sources, interpreter=python,
                            encoding=ENC, runner=_runner())
    assert not (places.xlstart / "xlplan.xlam").exists() and not places.user_config.exists()
    # The add-in of the interpreter's xlwings installs.
    assert addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                               encoding=ENC, runner=_runner()).ok


def test_status_names_both_versions_when_they_differ(tmp_path, places, sources):
    python = _python(tmp_path)
    addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                        encoding=ENC, runner=_runner())
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(xlwings="0.38.0")))
    assert set(failed) == {"xlwings"}
    assert f"xlwings {VERSION}" in failed["xlwings"] and "xlwings 0.38.0" in failed["xlwings"]
    assert f"pip install xlwings=={VERSION}" in failed["xlwings"]
    newer = _addin_for("0.99.0", sources, tmp_path).read_bytes()
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(), expected=newer))
    assert f"xlwings {VERSION}" in failed["Phần bổ trợ"] and "xlwings 0.99.0" in failed["Phần bổ trợ"]


# -- install / uninstall -----------------------------------------------------------------------


def test_install_writes_the_interpreter_into_the_installed_copy_and_the_user_file(tmp_path, places, sources):
    python = _python(tmp_path)
    calls: list = []
    report = addin.install_addin(COMMITTED, places, platform=WIN, sources=sources,
                                 interpreter=addin.preferred_interpreter(python), encoding=ENC,
                                 runner=_runner(calls))
    assert report.ok, _failed(report)
    pythonw = python.with_name("pythonw.exe")
    target = places.xlstart / "xlplan.xlam"
    assert places.xlstart == tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    assert _sheet(target) == dict(_sheet(COMMITTED), Interpreter_Win=str(pythonw))
    # Only the sheet differs from the built add-in.
    installed, built = pkg.read_parts(target.read_bytes()), pkg.read_parts(COMMITTED.read_bytes())
    assert [name for name in built if built[name] != installed[name]] == [pkg.SHEET_PART]
    assert places.user_config == tmp_path / "Users" / "an" / ".xlplan" / "xlplan.conf"
    assert places.user_config.read_bytes() == f'"Interpreter_Win","{pythonw}"\r\n'.encode(ENC)
    assert len(calls) == 1 and calls[0][0] == str(python)  # one probe, through pythonw's python.exe twin
    # status compares with the build, this computer's setting aside
    assert addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(),
                              expected=COMMITTED.read_bytes()).ok


def test_a_vietnamese_account_name_gets_the_sheet_and_a_clear_word_about_the_user_file(tmp_path, sources):
    places = addin.WindowsPlaces.for_folders(tmp_path / "Roaming", tmp_path / "Users" / "Nguyễn Văn An")
    python = _python(tmp_path, folder="Python311")
    report = addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                                 encoding=ENC, runner=_runner())
    assert not places.user_config.exists()
    assert any("Không ghi tệp cấu hình dự phòng" in action and "VBA không mở được" in action
               for action in report.actions)
    assert _sheet(places.xlstart / "xlplan.xlam")["Interpreter_Win"] == str(python)
    assert report.ok, _failed(report)
    status = {c.what: c.detail for c in report.checks}
    assert status["Cấu hình"].startswith("trang xlplan.conf")


def test_a_temp_folder_vba_cannot_name_gets_a_temp_dir_it_can(tmp_path, places, sources, monkeypatch):
    """RunPython sends Python's stderr to GetConfig("TEMP DIR", Environ("Temp")): with TEMP under a
    profile named with Vietnamese letters, the installed sheet names the folder as VBA can."""
    python = _python(tmp_path)
    plain = addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                                encoding=ENC, runner=_runner(), temp_dir=tmp_path / "an" / "Temp")
    assert addin.TEMP_DIR_KEY not in _sheet(places.xlstart / "xlplan.xlam") and plain.ok
    long_temp = tmp_path / "Nguyễn Văn An" / "AppData" / "Local" / "Temp"
    short_temp = tmp_path / "NGUYNV~1" / "AppData" / "Local" / "Temp"
    monkeypatch.setattr(addin, "short_path", lambda path: short_temp if path == long_temp else None)
    report = addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                                 encoding=ENC, runner=_runner(), temp_dir=long_temp)
    assert _sheet(places.xlstart / "xlplan.xlam")[addin.TEMP_DIR_KEY] == str(short_temp)
    assert any(addin.TEMP_DIR_KEY in action for action in report.actions)
    assert report.ok, _failed(report)  # the installed copy still equals the build, its settings aside
    assert not any(isinstance(line, tuple) and line[0] == addin.TEMP_DIR_KEY
                   for line in addin.read_user_config(places.user_config, ENC))  # the sheet only
    # status: an add-in installed without the row (an older xlplan) is reported, with the fix
    plain_copy = tmp_path / "plain.xlam"
    plain_copy.write_bytes(pkg.with_config_rows(COMMITTED.read_bytes(), [pkg.ConfigRow("Interpreter_Win",
                                                                                       str(python))]))
    plain_copy.replace(places.xlstart / "xlplan.xlam")
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(), temp_dir=long_temp))
    assert list(failed) == ["Thư mục tạm"] and "xlplan addin install" in failed["Thư mục tạm"]
    assert addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(),
                              temp_dir=tmp_path / "an" / "Temp").ok
    monkeypatch.setattr(addin, "short_path", lambda path: None)  # no 8.3 names on that volume
    addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                        encoding=ENC, runner=_runner(), temp_dir=long_temp)
    assert _sheet(places.xlstart / "xlplan.xlam")[addin.TEMP_DIR_KEY] == "%TEMP%"


def test_an_interpreter_vba_cannot_load_from_is_refused_before_anything_is_written(tmp_path, places):
    with pytest.raises(XlplanError, match="không dấu"):
        addin.install_addin(COMMITTED, places, platform=WIN, encoding=ENC, runner=_runner(),
                            interpreter=tmp_path / "Nguyễn" / "python.exe")
    assert not (places.xlstart / "xlplan.xlam").exists()


def test_a_short_name_stands_in_for_an_interpreter_path_with_diacritics(tmp_path, places, sources, monkeypatch):
    """Per-user Python under a profile named with Vietnamese letters: Windows's 8.3 name (ASCII)
    is what VBA can load the DLL from, so install writes that."""
    long_python = _python(tmp_path, folder="Nguyễn/Python311")
    short_python = _python(tmp_path, folder="NGUYEN~1/Python311")
    monkeypatch.setattr(addin, "short_path", lambda path: short_python if path == long_python else None)
    report = addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=long_python,
                                 encoding=ENC, runner=_runner())
    assert report.ok, _failed(report)
    assert _sheet(places.xlstart / "xlplan.xlam")["Interpreter_Win"] == str(short_python)
    assert any("tên ngắn" in action for action in report.actions)


def test_install_stages_outside_xlstart_and_removes_leftovers(tmp_path, places, sources, monkeypatch):
    places.xlstart.mkdir(parents=True)
    leftover = places.xlstart / ".xlplan.xlam.k3j9.tmp"
    leftover.write_bytes(b"half")
    python = _python(tmp_path)
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner()))
    assert ".xlplan.xlam.k3j9.tmp" in failed["XLSTART"]
    moves: list[tuple[Path, Path]] = []
    real_replace = addin.os.replace

    def replace(source, target):
        moves.append((Path(source), Path(target)))
        real_replace(source, target)

    monkeypatch.setattr(addin.os, "replace", replace)
    report = addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                                 encoding=ENC, runner=_runner())
    assert report.ok, _failed(report)
    assert any(str(leftover) in action for action in report.actions)
    assert sorted(p.name for p in places.xlstart.iterdir()) == ["xlplan.xlam"]
    source, target = moves[0]
    assert target == places.xlstart / "xlplan.xlam" and source.parent == places.xlstart.parent
    assert source.name.startswith(".xlplan.xlam.") and not source.exists()
    leftover.write_bytes(b"half")  # uninstall removes one too
    report = addin.uninstall_addin(places, platform=WIN, sources=sources, encoding=ENC)
    assert list(places.xlstart.iterdir()) == [] and any(str(leftover) in a for a in report.actions)


def test_install_keeps_other_settings_and_uninstall_removes_only_ours(tmp_path, places, sources):
    places.user_config.parent.mkdir(parents=True)
    places.user_config.write_bytes(b'"Show Console","True"\r\n"INTERPRETER_WIN","C:\\old\\python.exe"\r\n')
    python = _python(tmp_path)
    addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                        encoding=ENC, runner=_runner())
    lines = addin.read_user_config(places.user_config, ENC)
    assert lines == [("Show Console", "True"), ("Interpreter_Win", str(python))]

    report = addin.uninstall_addin(places, platform=WIN, sources=sources, encoding=ENC)
    assert not (places.xlstart / "xlplan.xlam").exists()
    assert addin.read_user_config(places.user_config, ENC) == [("Show Console", "True")]
    assert len(report.actions) == 2

    places.user_config.write_bytes(b'"Interpreter_Win","C:\\p\\pythonw.exe"\r\n')
    report = addin.uninstall_addin(places, platform=WIN, sources=sources, encoding=ENC)
    assert not places.user_config.exists() and not places.user_config.parent.exists()
    assert "chưa được cài" in report.actions[0]


def test_install_errors_are_vietnamese(tmp_path, places, monkeypatch):
    with pytest.raises(XlplanError, match="không phải là tệp phần bổ trợ"):
        bad = tmp_path / "bad.xlam"
        bad.write_bytes(b"not a zip")
        addin.install_addin(bad, places, platform=WIN, encoding=ENC, runner=_runner())
    with pytest.raises(XlplanError, match="Không tìm thấy tệp phần bổ trợ"):
        addin.install_addin(tmp_path / "none.xlam", places, platform=WIN, encoding=ENC)

    def locked(data, target, staging):
        raise PermissionError(13, "denied", str(target))

    monkeypatch.setattr(addin, "_write_beside", locked)
    with pytest.raises(XlplanError, match="đóng mọi cửa sổ Excel"):
        addin.install_addin(COMMITTED, places, platform=WIN, encoding=ENC, runner=_runner(),
                            interpreter=_python(tmp_path))


# -- status tells the truth --------------------------------------------------------------------


def test_status_names_what_is_missing(tmp_path, places, sources):
    status = addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner())
    assert set(_failed(status)) == {"Phần bổ trợ", "Cấu hình"}
    assert "xlplan addin install" in _failed(status)["Phần bổ trợ"]

    python = _python(tmp_path, dll=False)
    addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                        encoding=ENC, runner=_runner())
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner()))
    assert list(failed) == ["DLL của xlwings"]
    assert f"xlwings64-{VERSION}.dll" in failed["DLL của xlwings"]
    assert "--force-reinstall" in failed["DLL của xlwings"]

    venv_root = python.parent.parent  # a virtual environment keeps the DLL one folder up
    (venv_root / f"xlwings64-{VERSION}.dll").write_bytes(b"")
    assert addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner()).ok

    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(
        modules=GOOD_PROBE["modules"][:-1], errors={"xlplan.macros": "ModuleNotFoundError: x"})))
    assert set(failed) == {"xlplan.macros"}

    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(),
                                        expected=b"another build"))
    assert "khác bản mới nhất" in failed["Phần bổ trợ"]

    python.unlink()
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner()))
    assert list(failed) == ["Python"]


def test_status_fails_when_pywin32_is_broken(tmp_path, places, sources):
    """``import xlwings`` works without pywin32 (xlwings swallows the ImportError): the probe
    imports xlwings._xlwindows itself, and the check says the fix that works."""
    python = _python(tmp_path)
    addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                        encoding=ENC, runner=_runner())
    error = "ImportError: DLL load failed while importing win32api: The specified module could not be found."
    broken = _runner(modules=["xlplan.udfs", "xlplan.macros"], serve=False, udf_metadata=False,
                     errors={"xlwings._xlwindows": error, "pythoncom": error, "win32com.client": error})
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=broken))
    assert set(failed) == {"pywin32", "Hàm XLP_"}
    assert "xlwings._xlwindows (ImportError: DLL load failed" in failed["pywin32"]
    assert "pip install --force-reinstall pywin32" in failed["pywin32"]
    assert "python.org" in failed["pywin32"] and "venv" in failed["pywin32"]
    assert "Microsoft Store" in failed["pywin32"]
    # pywin32 imports, but xlwings.serve is still the "pywin32 missing" stub
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(serve=False)))
    assert set(failed) == {"pywin32"} and "xlwings.serve" in failed["pywin32"]


def test_store_python_and_user_installs_get_the_fix_that_works(tmp_path, places, sources):
    store = _python(tmp_path, dll=False, folder="AppData/Local/Microsoft/WindowsApps/PythonSoftwareFoundation")
    addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=store,
                        encoding=ENC, runner=_runner())
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner()))
    assert set(failed) == {"Python", "DLL của xlwings"}
    assert "Microsoft Store" in failed["Python"] and "python.org" in failed["Python"]
    assert "không giúp được" in failed["DLL của xlwings"]

    python = _python(tmp_path, dll=False)
    user_dll = f"C:\\Users\\an\\AppData\\Roaming\\Python\\xlwings64-{VERSION}.dll"
    addin.install_addin(COMMITTED, places, platform=WIN, sources=sources, interpreter=python,
                        encoding=ENC, runner=_runner())
    failed = _failed(addin.addin_status(places, platform=WIN, encoding=ENC, runner=_runner(dlls=[user_dll])))
    assert list(failed) == ["DLL của xlwings"]
    assert user_dll in failed["DLL của xlwings"] and "--user" in failed["DLL của xlwings"]
    assert "venv" in failed["DLL của xlwings"] and "--force-reinstall" not in failed["DLL của xlwings"]


def test_the_real_interpreter_probe(tmp_path):
    """This Linux Python has xlwings and xlplan but no pywin32: the probe must say so."""
    checks = {c.what: c for c in addin.runtime_checks(Path(sys.executable), VERSION)}
    assert checks["xlwings"].ok and checks["xlplan.udfs"].ok and checks["xlplan.macros"].ok
    assert not checks["pywin32"].ok and "xlwings._xlwindows" in checks["pywin32"].detail
    assert not checks["Hàm XLP_"].ok
    probe = addin.probe_interpreter(Path(sys.executable))
    assert probe["serve"] is False and probe["udf_metadata"] is False
    broken = {c.what: c for c in addin.runtime_checks(tmp_path / "nope.exe", None)}
    assert not broken["xlwings"].ok and "không chạy được" in broken["xlwings"].detail


def test_only_on_windows(places, tmp_path):
    with pytest.raises(addin.UnsupportedPlatform, match="Windows"):
        addin.install_addin(COMMITTED, places, platform="linux")
    for call in (addin.uninstall_addin, addin.addin_status):
        with pytest.raises(addin.UnsupportedPlatform):
            call(places, platform="darwin")
    from click.testing import CliRunner

    from xlplan.cli.addin import addin_group

    for command in ("install", "uninstall", "status"):
        result = CliRunner().invoke(addin_group, [command])
        assert result.exit_code == 2 and "chỉ chạy trong Excel trên Windows" in result.output, command
        assert "xlplan consolidate" in result.output


def test_windows_places_and_interpreter(tmp_path):
    places = addin.WindowsPlaces.from_environment({"APPDATA": "C:/U/an/AppData/Roaming", "USERPROFILE": "C:/U/an"})
    assert places.xlstart == Path("C:/U/an/AppData/Roaming/Microsoft/Excel/XLSTART")
    assert places.user_config == Path("C:/U/an/.xlplan/xlplan.conf")
    with pytest.raises(XlplanError, match="APPDATA"):
        addin.WindowsPlaces.from_environment({"USERPROFILE": "C:/U/an"})
    python = _python(tmp_path)
    assert addin.preferred_interpreter(python) == python.with_name("pythonw.exe")
    python.with_name("pythonw.exe").unlink()
    assert addin.preferred_interpreter(python) == python
