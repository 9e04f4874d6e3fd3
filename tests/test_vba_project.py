"""The VBA project writer: oletools (strict) and LibreOffice read back every module's code from the
``vbaProject.bin`` we build, alone and inside a minimal .xlsm/.xlam; the PROJECT, PROJECTwm,
_VBA_PROJECT and dir streams hold what MS-OVBA and Excel expect; bad source is refused clearly."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import olefile
import pytest
import xlwings
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

from xlplan.io import libreoffice
from xlplan.io.vba import OFFICE, STDOLE, VbaModule, VbaSourceError, build_vba_project
from xlplan.io.vba.project import encrypt_data

XLWINGS_MODULE = Path(xlwings.__file__).parent / "xlwings_custom_addin.bas"
CLASS_EXPORT = """VERSION 1.0 CLASS
BEGIN
  MultiUse = -1  'True
END
Attribute VB_Name = "Counter"
Attribute VB_GlobalNameSpace = False
Attribute VB_Creatable = False
Attribute VB_PredeclaredId = False
Attribute VB_Exposed = False
Option Explicit
Private mCount As Long

Public Property Get Count() As Long
    Count = mCount
End Property

Public Function Bump(Optional ByVal Step As Long = 1) As Long
    mCount = mCount + Step
    Bump = mCount
End Function
"""
RIBBON = """Option Explicit
' Ribbon callbacks: Vietnamese text is built with ChrW so the source stays ASCII.
Public Sub XlpOnAction(control As IRibbonControl)
    Dim title As String
    title = "X" & ChrW(&H1EA1) & "y d" & ChrW(&H1EF1) & "ng " & ChrW(&H110) & ChrW(&H1EA3) & "ng"
    MsgBox title, vbInformation
End Sub

Public Function XlpVersion() As String
    XlpVersion = "0.1.0"
End Function"""
THIS_WORKBOOK = "Private Sub Workbook_Open()\r\n    Application.StatusBar = \"xlplan\"\r\nEnd Sub\r\n"


def modules() -> list[VbaModule]:
    return [
        VbaModule("ThisWorkbook", "document", THIS_WORKBOOK),
        VbaModule("Sheet1", "document", ""),
        VbaModule.from_export(XLWINGS_MODULE.read_text(encoding="ascii")),
        VbaModule("XlpRibbon", "standard", RIBBON),
        VbaModule.from_export(CLASS_EXPORT),
    ]


def normalized(code: str) -> str:
    """Code as compared: LF line ends, no trailing line end, no ``Attribute VB_`` header lines."""
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and lines[0].startswith("Attribute VB_"):
        lines.pop(0)
    return "\n".join(lines).rstrip("\n")


def expected_code(module: VbaModule) -> str:
    return normalized(module.code)


def strict_project(data: bytes) -> VBA_Project:
    """oletools' dir-stream parser with ``relaxed=False``: any unexpected record value raises."""
    project = VBA_Project(olefile.OleFileIO(io.BytesIO(data)), "", "PROJECT", "VBA/dir", relaxed=False)
    project.parse_project_stream()
    list(project.parse_modules())
    return project


def decrypt(hex_text: str, project_id: str) -> bytes:
    """MS-OVBA 2.4.3.3 Decryption, written from the spec independently of the writer."""
    data = bytes.fromhex(hex_text)
    seed, version_enc, key_enc = data[0], data[1], data[2]
    assert seed ^ version_enc == 2
    assert seed ^ key_enc == sum(project_id.encode()) & 0xFF
    unencrypted, encrypted1, encrypted2 = seed ^ key_enc, key_enc, version_enc
    plain = []
    for byte in data[3:]:
        value = byte ^ ((encrypted2 + unencrypted) & 0xFF)
        plain.append(value)
        encrypted2, encrypted1, unencrypted = encrypted1, byte, value
    ignored = (seed & 6) // 2
    length = int.from_bytes(bytes(plain[ignored:ignored + 4]), "little")
    body = bytes(plain[ignored + 4:])
    assert len(body) == length
    return body


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>\
<Override PartName="/xl/workbook.xml" ContentType="{main}"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<workbookPr codeName="ThisWorkbook"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" \
Target="vbaProject.bin"/></Relationships>"""
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr codeName="Sheet1"/>\
<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"""
MAIN_TYPES = {
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ".xlam": "application/vnd.ms-excel.addin.macroEnabled.main+xml",
}


def write_workbook(path: Path, vba_project: bytes) -> Path:
    """The smallest macro-enabled workbook (.xlsm) or add-in (.xlam) carrying ``vba_project``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=MAIN_TYPES[path.suffix]))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", SHEET)
        archive.writestr("xl/vbaProject.bin", vba_project)
    return path


@pytest.fixture(scope="module")
def project_bin() -> bytes:
    return build_vba_project(modules())


# -- oletools ---------------------------------------------------------------------------

def test_olevba_extracts_every_module_unchanged(project_bin: bytes, tmp_path: Path) -> None:
    expected = {m.name: expected_code(m) for m in modules()}
    assert len(expected["xlwings"]) > 40_000
    for label, parser in [
        ("bin", VBA_Parser("vbaProject.bin", data=project_bin)),
        ("xlsm", VBA_Parser(str(write_workbook(tmp_path / "t.xlsm", project_bin)))),
        ("xlam", VBA_Parser(str(write_workbook(tmp_path / "t.xlam", project_bin)))),
    ]:
        assert parser.detect_vba_macros(), label
        found = {Path(name).stem: normalized(code) for _, _, name, code in parser.extract_macros()}
        assert found == expected, label


def test_dir_stream_is_strictly_valid(project_bin: bytes) -> None:
    project = strict_project(project_bin)
    assert project.codepage == 1252
    assert [(m.name, m.streamname, m._name_unicode, m.textoffset) for m in project.modules] == [
        (m.name, m.name, m.name, 0) for m in modules()]
    assert [m.type for m in project.modules] == [0x22, 0x22, 0x21, 0x21, 0x22]
    assert project.module_ext == {"thisworkbook": "cls", "sheet1": "cls", "xlwings": "bas", "xlpribbon": "bas",
                                  "counter": "cls"}


def test_module_streams_carry_excels_attribute_headers(project_bin: bytes) -> None:
    project = strict_project(project_bin)
    raw = {m.name: m.code_raw.decode("cp1252") for m in project.modules}
    assert raw["XlpRibbon"].startswith('Attribute VB_Name = "XlpRibbon"\r\nOption Explicit\r\n')
    assert raw["ThisWorkbook"].startswith(
        'Attribute VB_Name = "ThisWorkbook"\r\n'
        'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"\r\n'
        "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
        "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n"
        "Attribute VB_TemplateDerived = False\r\nAttribute VB_Customizable = True\r\nPrivate Sub Workbook_Open()")
    assert 'Attribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"' in raw["Sheet1"]
    assert raw["Sheet1"].endswith("Attribute VB_Customizable = True\r\n")
    assert 'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"' in raw["Counter"]
    assert "Attribute VB_PredeclaredId = False\r\n" in raw["Counter"]
    assert "VERSION 1.0 CLASS" not in raw["Counter"] and "MultiUse" not in raw["Counter"]
    for text in raw.values():
        assert "\n" not in text.replace("\r\n", "")  # CRLF only
        assert text.endswith("\r\n")


def test_vba_project_stream_has_no_compiled_cache(project_bin: bytes) -> None:
    ole = olefile.OleFileIO(io.BytesIO(project_bin))
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")
    assert sorted("/".join(p) for p in ole.listdir()) == [
        "PROJECT", "PROJECTwm", "VBA/Counter", "VBA/Sheet1", "VBA/ThisWorkbook", "VBA/XlpRibbon", "VBA/_VBA_PROJECT",
        "VBA/dir", "VBA/xlwings"]
    for name in ("Counter", "xlwings"):  # module source is compressed from offset 0
        assert ole.openstream(f"VBA/{name}").read()[:1] == b"\x01"


def test_project_stream(project_bin: bytes) -> None:
    ole = olefile.OleFileIO(io.BytesIO(project_bin))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    lines = text.split("\r\n")
    assert re.fullmatch(r'ID="\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}"', lines[0])
    project_id = lines[0][4:-1]
    assert lines[1:10] == [
        "Document=ThisWorkbook/&H00000000", "Document=Sheet1/&H00000000", "Module=xlwings", "Module=XlpRibbon",
        "Class=Counter", 'Name="xlplan"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
        lines[9]]
    fields = dict(line.split("=", 1) for line in lines[9:12])
    assert decrypt(fields["CMG"].strip('"'), project_id) == bytes(4)  # not protected
    assert decrypt(fields["DPB"].strip('"'), project_id) == b"\x00"  # no password
    assert decrypt(fields["GC"].strip('"'), project_id) == b"\xff"  # visible
    assert lines[12:16] == ["", "[Host Extender Info]",
                            "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", ""]
    assert lines[16:] == ["[Workspace]"] + [f"{m.name}=0, 0, 0, 0, C" for m in modules()] + [""]


def test_encryption_reproduces_the_spec_example() -> None:
    # MS-OVBA 3.1.6: the PROJECT stream example's ID and its CMG, DPB and GC values
    project_id = "{917DED54-440B-4FD1-A5C1-74ACF261E600}"
    assert encrypt_data(bytes(4), project_id, 0x07) == "0705D8E3D8EDDBF1DBF1DBF1DBF1"
    assert encrypt_data(b"\x00", project_id, 0x0E) == "0E0CD1ECDFF4E7F5E7F5E7"
    assert encrypt_data(b"\xff", project_id, 0x15) == "1517CAF1D6F9D7F9D706"


def test_project_wm_and_references(project_bin: bytes) -> None:
    ole = olefile.OleFileIO(io.BytesIO(project_bin))
    expected = b"".join(m.name.encode() + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00" for m in modules())
    assert ole.openstream("PROJECTwm").read() == expected + b"\x00\x00"
    dir_stream = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    for reference in (STDOLE, OFFICE):
        libid = reference.libid.encode("cp1252")
        name = reference.name
        record = (struct.pack("<HI", 0x0016, len(name)) + name.encode() + struct.pack("<HI", 0x003E, 2 * len(name))
                  + name.encode("utf-16-le") + struct.pack("<HII", 0x000D, len(libid) + 10, len(libid)) + libid
                  + bytes(6))
        assert record in dir_stream
    assert b"{00020430-0000-0000-C000-000000000046}#2.0#0#" in dir_stream  # stdole, as Excel writes
    assert dir_stream.endswith(struct.pack("<HI", 0x0010, 0))


def test_build_is_deterministic() -> None:
    assert build_vba_project(modules()) == build_vba_project(modules())
    assert build_vba_project(modules(), "Other") != build_vba_project(modules())


def test_from_export_reads_name_kind_and_drops_the_header() -> None:
    module = VbaModule.from_export(XLWINGS_MODULE.read_text(encoding="ascii"))
    assert (module.name, module.kind) == ("xlwings", "standard")
    assert module.code.startswith("#Const App")
    counter = VbaModule.from_export(CLASS_EXPORT)
    assert (counter.name, counter.kind) == ("Counter", "class")
    assert counter.code.startswith("Option Explicit\r\nPrivate mCount As Long")


# -- refusing what Excel could not load -----------------------------------------------------

def test_vietnamese_text_in_source_names_module_line_and_the_chrw_to_use() -> None:
    code = 'Public Sub Hello()\n    MsgBox "Xin ch\u00e0o"\n    MsgBox "X\u00e2y d\u1ef1ng"\nEnd Sub\n'
    with pytest.raises(VbaSourceError) as caught:
        build_vba_project([VbaModule("XlpHello", "standard", code)])
    message = str(caught.value)
    assert "'XlpHello'" in message and "line 2" in message and "ChrW(&H00E0)" in message
    # with ascii_only off, 1252 holds "à" but not "ự" (line 3)
    with pytest.raises(VbaSourceError, match=r"line 3, column 18: '\u1ef1'.*ChrW\(&H1EF1\)"):
        build_vba_project([VbaModule("XlpHello", "standard", code)], ascii_only=False)


@pytest.mark.parametrize("module, message", [
    (VbaModule("1abc", "standard", ""), "not a VBA identifier"),
    (VbaModule("Module-1", "standard", ""), "not a VBA identifier"),
    (VbaModule("M" * 32, "standard", ""), "not a VBA identifier"),
    (VbaModule("M", "form", ""), "kind must be"),  # type: ignore[arg-type]
    (VbaModule("M", "standard", "", "worksheet"), "document_type"),
    (VbaModule("M", "standard", 'Attribute VB_Name = "M"\nSub A()\nEnd Sub'), "without its 'Attribute VB_' header"),
    (VbaModule("M", "standard", "x = 1" + " " * 1100), "1023"),
])
def test_bad_modules_are_refused(module: VbaModule, message: str) -> None:
    with pytest.raises(VbaSourceError, match=message):
        build_vba_project([module])


def test_duplicate_and_project_names_are_refused() -> None:
    with pytest.raises(VbaSourceError, match="already used"):
        build_vba_project([VbaModule("Main", "standard", ""), VbaModule("MAIN", "class", "")])
    with pytest.raises(VbaSourceError, match="already used by the project"):
        build_vba_project([VbaModule("xlplan", "standard", "")])
    with pytest.raises(VbaSourceError, match="at least one module"):
        build_vba_project([])


# -- LibreOffice ----------------------------------------------------------------------------

def basic_modules(ods: Path, library: str) -> dict[str, tuple[str, str]]:
    """``{module: (moduleType, code)}`` from the Basic library LibreOffice stored in an .ods."""
    found = {}
    with zipfile.ZipFile(ods) as archive:
        for name in archive.namelist():
            match = re.fullmatch(rf"Basic/{library}/(\w+)\.xml", name)
            if match and match.group(1) != "script-lb":
                root = ElementTree.fromstring(archive.read(name))
                module_type = root.get("{http://openoffice.org/2000/script}moduleType")
                found[match.group(1)] = (module_type, root.text or "")
    return found


def assert_libreoffice_imported_everything(ods: Path) -> None:
    found = basic_modules(ods, "xlplan")  # LibreOffice names the library after the VBA project
    kinds = {"standard": "normal", "document": "document", "class": "class"}
    assert set(found) == {m.name for m in modules()}
    for module in modules():
        module_type, text = found[module.name]
        assert module_type == kinds[module.kind], module.name
        assert expected_code(module) in normalized(text), module.name  # the whole code, verbatim
        declared = re.findall(r"^(?:Public |Private )?(?:Sub|Function|Property Get) (\w+)", module.code, re.M)
        for procedure in declared:
            assert re.search(rf"(?:Sub|Function|Property Get) {procedure}\b", text), (module.name, procedure)
    assert len(re.findall(r"^(?:Public |Private )?(?:Sub|Function) ", found["xlwings"][1], re.M)) >= 40


@pytest.mark.libreoffice
def test_libreoffice_imports_every_module_from_an_xlsm(soffice: str, tmp_path: Path, project_bin: bytes) -> None:
    workbook = write_workbook(tmp_path / "addin.xlsm", project_bin)
    ods = libreoffice.convert(workbook, "ods", tmp_path / "out")
    assert_libreoffice_imported_everything(ods)


@pytest.mark.libreoffice
def test_libreoffice_imports_every_module_from_an_xlam(soffice: str, tmp_path: Path, project_bin: bytes) -> None:
    """LibreOffice does not sniff the add-in content type; told the filter, it loads the .xlam."""
    addin = write_workbook(tmp_path / "addin.xlam", project_bin)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                    "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path / "out"),
                    str(addin)], check=True, capture_output=True, timeout=180)
    assert_libreoffice_imported_everything(tmp_path / "out" / "addin.ods")
