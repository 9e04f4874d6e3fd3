"""Building the add-in (addin/xlplan.xlam): package parts, VBA modules, reproducibility, freshness.

The VBA is checked three ways: as generated text (against xlwings's own generator and the
UDF metadata), as olevba extracts it from the built vbaProject.bin, and as LibreOffice
imports it into a Basic library — so a module Excel would not see, or would see cut, fails
here rather than on a Windows desktop.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import xlwings
from defusedxml import ElementTree as SafeET
from hypothesis import given, strategies as st
from oletools.olevba import VBA_Parser

from xlplan import udfs
from xlplan.io import xlam_package as pkg
from xlplan.services import addin
from xlplan.services.addin_vba import (MAX_HELP, XLWINGS_SUBSTITUTIONS, assign_string, procedures, udf_specs,
                                       udf_wrappers, vba_string, xlwings_module)

REPO = Path(__file__).resolve().parents[1]
ADDIN_DIR = REPO / "addin"
COMMITTED = ADDIN_DIR / "xlplan.xlam"
MODULES = ["ThisWorkbook", "Sheet1", "xlwings", "xlplan_ribbon", "xlplan_register", "xlplan_udfs"]


@pytest.fixture(scope="module")
def sources():
    return addin.load_sources(ADDIN_DIR)


@pytest.fixture(scope="module")
def specs():
    return udf_specs()


@pytest.fixture(scope="module")
def modules(sources, specs):
    return {m.name: m for m in addin.addin_modules(sources, specs)}


@pytest.fixture(scope="module")
def built(sources, specs) -> bytes:
    return addin.build_addin_bytes(sources, specs)


@pytest.fixture(scope="module")
def parts(built):
    return pkg.read_parts(built)


def _xml(data: bytes):
    return SafeET.fromstring(data)


# -- the OOXML package -------------------------------------------------------------------------


def test_parts_content_types_and_relationships(parts):
    assert set(parts) == {"[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
                          "docProps/custom.xml", "customUI/customUI14.xml", "xl/workbook.xml",
                          "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml",
                          "xl/vbaProject.bin"}
    types_ = _xml(parts["[Content_Types].xml"])
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    overrides = {o.get("PartName"): o.get("ContentType") for o in types_.iter(f"{ns}Override")}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    defaults = {d.get("Extension"): d.get("ContentType") for d in types_.iter(f"{ns}Default")}
    for name in parts:  # every part has a content type
        if name != "[Content_Types].xml":
            assert "/" + name in overrides or name.rsplit(".", 1)[-1] in defaults, name

    def rels(name: str) -> dict[str, str]:
        root = _xml(parts[name])
        return {r.get("Type"): r.get("Target")
                for r in root.iter("{http://schemas.openxmlformats.org/package/2006/relationships}Relationship")}

    root_rels = rels("_rels/.rels")
    assert root_rels["http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"] == \
        "customUI/customUI14.xml"
    assert root_rels[pkg.REL_OFFICE_DOCUMENT] == "xl/workbook.xml"
    book_rels = rels("xl/_rels/workbook.xml.rels")
    assert book_rels["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == "vbaProject.bin"
    for target in list(root_rels.values()) + ["xl/" + t for t in book_rels.values()]:
        assert target in parts, target
    assert parts["customUI/customUI14.xml"] == (ADDIN_DIR / "customUI14.xml").read_bytes()


def test_workbook_and_config_sheet(parts, sources):
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    book = _xml(parts["xl/workbook.xml"])
    assert book.find(f"{ns}workbookPr").get("codeName") == "ThisWorkbook"
    assert [s.get("name") for s in book.iter(f"{ns}sheet")] == ["xlplan.conf"]
    sheet = _xml(parts["xl/worksheets/sheet1.xml"])
    assert sheet.find(f"{ns}sheetPr").get("codeName") == "Sheet1"
    rows = pkg.read_config_rows(parts)
    assert rows == list(sources.sheet_rows)
    assert ("UDF Modules", "xlplan.udfs") in [(r.key, r.value) for r in rows]
    # A key in the add-in's sheet hides the user file: the interpreter must stay out of it.
    assert "INTERPRETER_WIN" not in {r.key.upper() for r in rows}
    assert [r.key for r in sources.user_rows] == ["Interpreter_Win"]
    assert pkg.read_custom_properties(parts) == {"xlwings_version": xlwings.__version__}


def test_build_twice_gives_the_same_bytes(sources, specs, built, tmp_path):
    assert addin.build_addin_bytes(addin.load_sources(ADDIN_DIR), udf_specs()) == built
    out = addin.build_addin(tmp_path / "sub" / "xlplan.xlam", sources, specs)
    assert out.read_bytes() == built
    with zipfile.ZipFile(io.BytesIO(built)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos][:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert {i.date_time for i in infos} == {(2017, 1, 1, 0, 0, 0)}
    assert {i.create_system for i in infos} == {0}


def test_config_keys_must_be_unique():
    rows = [pkg.ConfigRow("UDF Modules", "a"), pkg.ConfigRow("udf modules", "b")]
    with pytest.raises(ValueError, match="unique"):
        pkg.xlam_parts(pkg.XlamPackage(b"<x/>", b"", "xlplan.conf", rows))


# -- the VBA modules as text ---------------------------------------------------------------------


def _xw_funcs() -> list[str]:
    """Functions in xlplan/udfs.py decorated with ``@xw.func`` (read from source: on Linux
    ``xw.func`` attaches nothing to inspect)."""
    tree = ast.parse(Path(inspect.getsourcefile(udfs)).read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if ast.unparse(target) == "xw.func":
                    found.append(node.name)
    return found


def _wrappers(code: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in re.finditer(r"^Function (\w+)\(.*?^End Function\n", code,
                                                        re.MULTILINE | re.DOTALL)}


def test_one_wrapper_per_xw_func_with_the_same_arguments(modules):
    code = modules["xlplan_udfs"].code
    declared = re.findall(r"^Function (\w+)\((.*)\)$", code, re.MULTILINE)
    assert [name for name, _ in declared] == _xw_funcs()
    assert procedures(code) == _xw_funcs()  # nothing else in the module
    for name, params in declared:
        func = getattr(udfs, name)
        signature = inspect.signature(func)
        expected = ", ".join(("Optional " if p.default is not p.empty else "") + p.name
                             for p in signature.parameters.values())
        assert params == expected
        assert f'XLPy.CallUDF("xlplan.udfs", "{name}", Array({", ".join(signature.parameters)})' in code


# xlwings.udfs needs pywin32, which does not exist here: a subprocess stubs the three modules
# it imports (nothing of them runs while decorating or generating), imports the real
# xlwings.udfs, makes xw.func/xw.arg its real decorators (as xlwings/__init__.py does on
# Windows), imports xlplan.udfs under them and runs xlwings's own generator on it.
_REAL_GENERATOR = """
import io, json, sys, types
for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
    sys.modules[name] = types.ModuleType(name)
sys.modules["pythoncom"].CoInitialize = lambda: None
sys.modules["win32com.client"].Dispatch = lambda *args, **kwargs: None
sys.modules["win32com"].client = sys.modules["win32com.client"]
import xlwings
import xlwings.udfs as real
xlwings.func, xlwings.arg, xlwings.ret = real.xlfunc, real.xlarg, real.xlret
import xlplan.udfs as ours
out = io.StringIO()
real.generate_vba_wrapper("xlplan.udfs", ours, out, types.SimpleNamespace(Name="xlplan.xlam"))
meta = {f.__name__: f.__xlfunc__ for f in ours.UDFS}
print(json.dumps({"vba": out.getvalue(), "meta": meta, "udfs": real.__file__}, default=repr))
"""


def test_wrappers_are_what_xlwings_import_functions_writes(specs, modules):
    """The wrappers equal what xlwings's generate_vba_wrapper writes when its real Windows
    decorators are applied to xlplan.udfs (not metadata built by hand)."""
    import json
    import sys

    done = subprocess.run([sys.executable, "-c", _REAL_GENERATOR], capture_output=True, text=True,
                          timeout=300, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(found["udfs"]) == Path(xlwings.__file__).parent / "udfs.py"
    theirs = _wrappers(found["vba"].replace("\r\n", "\n"))
    ours = _wrappers(modules["xlplan_udfs"].code)
    assert sorted(theirs) == sorted(spec.name for spec in specs)
    assert ours == theirs
    assert '#Const App = "Microsoft Excel"' in modules["xlplan_udfs"].code
    for spec in specs:  # what xw.func/xw.arg really recorded, against the catalogue
        meta = found["meta"][spec.name]
        assert meta["category"] == "xlplan" and not meta["volatile"] and meta["call_in_wizard"]
        assert [(a["name"], a["doc"], "optional" in a) for a in meta["args"]] == \
            [(a.name, a.doc, a.optional) for a in spec.args]
        assert all(a["options"] == {"convert": "typing.Any", "ndim": 2, "err_to_str": True} for a in meta["args"])


def _eval_vba(expr: str, env: dict[str, str]) -> str:
    """Evaluate a VBA string expression of literals, ChrW(n) and variables joined by &."""
    token = re.compile(r'\s*(?:"((?:[^"]|"")*)"|ChrW\((\d+)\)|([A-Za-z]\w*(?:\(\d+\))?))\s*(?:&|$)')
    out, pos = [], 0
    while pos < len(expr):
        found = token.match(expr, pos)
        assert found and found.end() > pos, expr[pos:]
        literal, code, name = found.groups()
        out.append(literal.replace('""', '"') if literal is not None else chr(int(code)) if code else env[name])
        pos = found.end()
    return "".join(out)


def _registrations(code: str) -> dict[str, tuple[str, str, list[str]]]:
    env: dict[str, str] = {}
    found = {}
    for line in code.splitlines():
        line = line.strip()
        if match := re.fullmatch(r"(d|a\(\d+\)) = (.*)", line):
            env[match.group(1)] = _eval_vba(match.group(2), env)
        elif match := re.fullmatch(r"ReDim a\(0 To (\d+)\)", line):
            env = {k: v for k, v in env.items() if not k.startswith("a(")}
        elif match := re.fullmatch(r'Application\.MacroOptions Macro:=book & "(\w+)", Description:=d, '
                                   r"Category:=(.+?)(, ArgumentDescriptions:=a)?", line):
            args = sorted((k for k in env if k.startswith("a(")), key=lambda k: int(k[2:-1]))
            found[match.group(1)] = (env["d"], _eval_vba(match.group(2), env),
                                     [env[k] for k in args] if match.group(3) else [])
    return found


def test_register_module_gives_every_udf_its_vietnamese_help(modules):
    code = modules["xlplan_register"].code
    assert code.isascii() and "'@@REGISTRATIONS@@" not in [line.strip() for line in code.splitlines()]
    assert "Public Sub RegisterUDFs()" in code
    # MacroOptions marks the add-in changed: Workbook_Open marks it saved again, after registering.
    opening = [line.strip() for line in modules["ThisWorkbook"].code.splitlines()
               if line.strip() and not line.strip().startswith("'")]
    assert opening == ["Option Explicit", "Private Sub Workbook_Open()", "RegisterUDFs",
                       "ThisWorkbook.Saved = True", "End Sub"]
    assert max(len(line) for line in code.splitlines()) < 300
    found = _registrations(code)
    assert list(found) == [f.__name__ for f in udfs.UDFS]
    for name, (description, category, args) in found.items():
        assert description == udfs.DESCRIPTIONS[name]
        assert category == udfs.CATEGORY
        assert args == list(udfs.ARG_DOCS[name].values())


@given(st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=300))
def test_vba_strings_round_trip(text):
    import unicodedata

    expected = unicodedata.normalize("NFC", text)
    assert _eval_vba(vba_string(text), {}) == expected
    env: dict[str, str] = {}
    for line in assign_string("d", text):
        assert line.isascii() and len(line) < 1023
        target, expr = line.strip().split(" = ", 1)
        env[target] = _eval_vba(expr, env)
    assert env["d"] == expected


def test_xlwings_module_is_xlwings_with_only_the_documented_substitutions(modules):
    original = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text(encoding="cp1252")
    theirs = original.replace("\r\n", "\n")
    assert theirs.splitlines()[0] == 'Attribute VB_Name = "xlwings"'
    ours = modules["xlwings"].code
    assert ours.startswith("Option Private Module\n")
    # Undo exactly the documented substitutions: what is left is xlwings's file, byte for byte.
    undone = ours.removeprefix("Option Private Module\n")
    for original_text, replacement in XLWINGS_SUBSTITUTIONS:
        assert undone.count(replacement) == 1, replacement
        undone = undone.replace(replacement, original_text)
    assert undone == theirs.split("\n", 1)[1]
    assert [new for _, new in XLWINGS_SUBSTITUTIONS][0] == 'Public Const PROJECT_NAME As String = "xlplan"'
    with pytest.raises(ValueError, match="PROJECT_NAME"):
        xlwings_module(original.replace('"myaddin"', '"other"'))
    with pytest.raises(ValueError, match="Workbook Sheet Config"):  # xlwings changed GetConfig
        xlwings_module(original.replace("'Workbook Sheet Config", "'Sheet Config"))


def _procedure(code: str, name: str) -> str:
    found = re.search(rf"^(?:Public |Private )?Function {name}\(.*?^End Function$", code, re.MULTILINE | re.DOTALL)
    assert found, name
    return found.group(0)


def test_getconfig_reads_only_the_addins_sheet_and_the_user_file(built, tmp_path):
    """Extracted from the built add-in by olevba: GetConfig never looks at the active workbook
    (its sheet, or an xlplan.conf file in its folder); the add-in's own sheet and the user file stay."""
    path = tmp_path / "xlplan.xlam"
    path.write_bytes(built)
    parser = VBA_Parser(str(path))
    try:
        code = next(code for _, stream, _, code in parser.extract_macros() if Path(stream).name == "xlwings")
    finally:
        parser.close()
    code = code.replace("\r\n", "\n")
    body = [line for line in _procedure(code, "GetConfig").splitlines() if not line.strip().startswith("'")]
    text = "\n".join(body)
    assert "ActiveWorkbook" not in text
    assert "GetDirectoryConfigFilePath" not in text and "GetDirectoryPath" not in text
    assert "GetConfigFromSheet(ThisWorkbook)" in text
    assert "GetConfigFromFile(GetConfigFilePath(), configKey, configValue)" in text
    # Nothing else in the module calls the directory layer either.
    callers = [line for line in code.splitlines() if "GetDirectoryConfigFilePath()" in line
               and not line.strip().startswith(("'", "Function GetDirectoryConfigFilePath"))]
    assert callers == []
    assert code.split("\n").count("Option Private Module") == 1


def _windows_lines(body: str) -> list[str]:
    """The non-comment lines of a procedure that Excel on Windows compiles: ``#If Mac Then`` blocks
    (up to their ``#Else``) left out."""
    body = re.sub(r"^\s*#If Mac Then\n.*?^\s*#(?:Else|End If)\n", "", body, flags=re.MULTILINE | re.DOTALL)
    return [line for line in body.splitlines() if line.strip() and not line.strip().startswith("'")]


def test_a_semicolon_in_the_active_workbooks_name_adds_nothing_to_sys_path(built, tmp_path, monkeypatch):
    """RunPython and the UDF server's command hand Python one ";"-separated string (xlwings.utils.
    prepare_sys_path): the active workbook's name is part of it, so a received file named with ";"
    could add folders to sys.path. In the built add-in that name reaches it only without ";"."""
    from xlwings import utils

    path = tmp_path / "xlplan.xlam"
    path.write_bytes(built)
    parser = VBA_Parser(str(path))
    try:
        code = next(code for _, stream, _, code in parser.extract_macros() if Path(stream).name == "xlwings")
    finally:
        parser.close()
    code = code.replace("\r\n", "\n")
    safe = 'Replace(ActiveWorkbook.FullName, ";", "_")'
    for procedure in ("RunPython", "XLPyCommand"):
        body = _procedure(code, procedure)
        uses = [line for line in _windows_lines(body) if "ActiveWorkbook.FullName" in line]
        assert uses and all(safe in line for line in uses), (procedure, uses)
        assert "ActiveWorkbook.FullName" not in "\n".join(_windows_lines(body)).replace(safe, "")

    # What the ";" would do: the seventh entry on goes into sys.path, whatever the flag says.
    hostile = r"C:\NopBaoCao\a;b;c;d;e;%USERPROFILE%;planted.zip;x.xlsx"
    this = r"C:\XLSTART\xlplan.xlam"

    def sys_path_after(active: str) -> list[str]:
        monkeypatch.setattr(utils.sys, "path", [])
        utils.prepare_sys_path(f"false;{active};{this};;;;")
        return list(utils.sys.path)

    assert "planted.zip" in sys_path_after(hostile)  # the hole, in xlwings itself
    assert sys_path_after(hostile.replace(";", "_")) == [""]  # the name as the add-in passes it


def test_bad_udf_metadata_is_refused(specs):
    long_help = specs[0].__class__(specs[0].name, specs[0].args, "x" * (MAX_HELP + 1), "xlplan", "m")
    with pytest.raises(ValueError, match="255"):
        udf_wrappers([long_help])
    reserved = specs[0].__class__("XLP_X", (specs[0].args[0].__class__("end", False, ""),), "", "xlplan", "m")
    with pytest.raises(ValueError, match="VBA name"):
        udf_wrappers([reserved])


# -- the built VBA project: olevba and LibreOffice read every module whole ----------------------


def _strip_attributes(code: str) -> str:
    lines = code.replace("\r\n", "\n").split("\n")
    while lines and lines[0].startswith("Attribute VB_"):
        lines.pop(0)
    return "\n".join(lines).rstrip("\n")


def test_olevba_extracts_every_module_as_written(built, modules, tmp_path):
    path = tmp_path / "xlplan.xlam"
    path.write_bytes(built)
    parser = VBA_Parser(str(path))
    try:
        extracted = {Path(stream).name: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    assert sorted(extracted) == sorted(MODULES)
    for name, module in modules.items():
        assert _strip_attributes(extracted[name]) == module.code.rstrip("\n"), name


def test_libreoffice_imports_every_module_whole(built, modules, soffice, tmp_path):
    source = tmp_path / "xlplan.xlam"
    source.write_bytes(built)
    # LibreOffice does not recognise the .xlam extension by itself; its xlsm filter reads it.
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir",
                    str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "xlplan.ods") as ods:
        names = ods.namelist()
        basic = {Path(n).stem: ods.read(n) for n in names if n.startswith("Basic/xlplan/")
                 and not n.endswith("script-lb.xml")}
        content = ods.read("content.xml").decode("utf-8")
    assert sorted(basic) == sorted(MODULES)
    for name, module in modules.items():
        text = SafeET.fromstring(basic[name]).text or ""
        lines = text.split("\n")
        # LibreOffice prefixes its VBA-compatibility lines to every imported module.
        assert lines[0].startswith("Rem Attribute VBA_ModuleType=") and lines[1] == "Option VBASupport 1"
        assert "\n".join(lines[2:]).rstrip("\n") == module.code.rstrip("\n"), name
        assert procedures("\n".join(lines[2:])) == procedures(module.code), name
    assert 'table:name="xlplan.conf"' in content and "xlplan.udfs" in content


# -- the committed add-in ---------------------------------------------------------------------


def test_committed_addin_is_current(built):
    assert COMMITTED.is_file(), "run: xlplan addin build"
    committed = pkg.read_parts(COMMITTED.read_bytes())
    fresh = pkg.read_parts(built)
    assert sorted(committed) == sorted(fresh)
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"addin/xlplan.xlam is out of date ({stale}): run `xlplan addin build`"


def test_cli_build_writes_the_same_add_in(tmp_path, built):
    from click.testing import CliRunner

    from xlplan.cli.addin import addin_group

    out = tmp_path / "x.xlam"
    result = CliRunner().invoke(addin_group, ["build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Đã dựng phần bổ trợ" in result.output
    assert out.read_bytes() == built
    missing = CliRunner().invoke(addin_group, ["build", "--sources", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "Không tìm thấy thư mục nguồn" in missing.output
