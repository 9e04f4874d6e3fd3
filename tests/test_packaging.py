"""A plain (non-editable) ``pip install .`` ships everything staff need, the add-in included.

Staff install xlplan from a copy of the repository and run ``xlplan addin install`` with no
``--file`` and no source tree afterwards, so the wheel must carry the plan, the registry and
``addin/`` (as the data package ``xlplan._addin``). The wheel is built from a copy of the
tracked sources (never in the work tree, whose stale ``build/`` could leak files into it),
installed into a fresh virtual environment that borrows the dependencies, and run there.

The dependencies are borrowed from the environment running the tests, whatever it is: the
system Python or a contributor's virtual environment (whose packages a
``--system-site-packages`` venv would not see, since that flag reaches only the base
interpreter). The fresh venv is isolated and gets the outer ``site-packages`` folders as plain
lines of a ``.pth`` file: they come after its own ``site-packages``, and the ``.pth`` files inside
them are not run, so an editable xlplan of the outer environment cannot stand in for the wheel.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from setuptools import find_packages

REPO = Path(__file__).resolve().parents[1]
ADDIN_FILES = ["xlplan.xlam", "customUI14.xml", "xlplan_conf.toml", "vba/xlplan_ribbon.bas",
               "vba/xlplan_register.bas", "README.md", "TESTING.md"]


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{args}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, tree / name)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for folder in ("src", "addin"):
        shutil.copytree(REPO / folder, tree / folder, ignore=junk)
    out = tmp_path_factory.mktemp("wheel")
    _run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", out, cwd=tree)
    [found] = out.glob("xlplan-*.whl")
    return found


def _outer_site_dirs() -> list[str]:
    """The ``site-packages`` folders this interpreter imports from: a venv's own (and the base's
    when that venv sees them), the user site when enabled. Not ``sys.path``: that also holds the
    source tree and the tests."""
    dirs = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return [d for d in dirs if Path(d).is_dir()]


@pytest.fixture(scope="module")
def venv_python(wheel, tmp_path_factory) -> Path:
    """A fresh environment with only the wheel installed (dependencies from this environment)."""
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv)
    python = venv / ("Scripts/python.exe" if sys.platform.startswith("win") else "bin/python")
    purelib = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                        cwd=venv).stdout.strip())
    (purelib / "_xlplan_test_outer_env.pth").write_text("".join(d + "\n" for d in _outer_site_dirs()),
                                                        encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel, cwd=venv)
    return python


def test_explicit_package_list_has_every_subpackage_of_src():
    # pyproject.toml lists packages by hand (addin/ is mapped in); a new subpackage must be added there.
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert sorted(setuptools["packages"]) == sorted(find_packages(REPO / "src") + ["xlplan._addin"])
    assert setuptools["package-dir"] == {"": "src", "xlplan._addin": "addin"}


def test_wheel_carries_data_and_the_addin(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("xlplan/data/plans/bac_ninh_2017.toml", "xlplan/data/registry/bac_ninh_2017.csv"):
        assert data in names
    for name in ADDIN_FILES:
        assert f"xlplan/_addin/{name}" in names, name
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("xlplan/_addin/xlplan.xlam") == (REPO / "addin" / "xlplan.xlam").read_bytes()


_PROBE = """
import json, sys
from pathlib import Path
import xlplan
from xlplan.cli import addin as cli_addin
from xlplan.services import addin
sources, xlam = cli_addin._sources_and_file(None, None)
places = addin.WindowsPlaces.for_folders(Path(sys.argv[1]) / "AppData", Path(sys.argv[1]) / "Profile")
ok = lambda *a, **k: __import__("subprocess").CompletedProcess(a, 0, stdout="{}", stderr="")
report = addin.install_addin(xlam, places, platform="win32", interpreter=Path(sys.executable),
                             sources=sources, encoding="utf-8", runner=ok)
print(json.dumps({"package": xlplan.__file__, "repo": str(addin.repo_addin_dir()),
                  "default": str(addin.default_addin_dir()), "xlam": str(xlam),
                  "user_rows": [r.key for r in sources.user_rows],
                  "installed": addin.matches_build((places.xlstart / addin.ADDIN_FILE).read_bytes(), xlam.read_bytes()),
                  "addin_check": [c.ok for c in report.checks if c.what == "Phần bổ trợ"]}))
"""


def test_installed_package_builds_and_installs_the_addin_without_a_source_tree(venv_python, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    out = work / "built.xlam"
    _run(venv_python, "-m", "xlplan", "addin", "build", "--out", out, cwd=work)

    found = json.loads(_run(venv_python, "-c", _PROBE, tmp_path, cwd=work).stdout.strip().splitlines()[-1])
    site = Path(found["package"]).parent.parent
    assert site.name == "site-packages" and site.is_relative_to(venv_python.parents[1])
    assert found["repo"] == "None"  # no source tree around the installed package
    assert Path(found["default"]) == site / "xlplan" / "_addin"
    assert Path(found["xlam"]) == site / "xlplan" / "_addin" / "xlplan.xlam"
    assert found["user_rows"] == ["Interpreter_Win"] and found["installed"] and found["addin_check"] == [True]
    # The shipped sources are complete: building from them gives the shipped add-in, byte for byte.
    assert out.read_bytes() == Path(found["xlam"]).read_bytes()


def test_build_without_out_never_writes_into_site_packages(venv_python, tmp_path):
    done = _run(venv_python, "-m", "xlplan", "addin", "build", cwd=tmp_path)
    assert (tmp_path / "xlplan.xlam").is_file(), done.stdout
    assert str(tmp_path) in done.stdout
