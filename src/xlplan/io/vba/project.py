"""Build a VBA project (``xl/vbaProject.bin``) from module source text, per [MS-OVBA].

The add-in's VBA (ribbon callbacks, xlwings' ``RunPython`` glue) lives in our
repository as text; Excel wants it as a compound file (see :mod:`.cfb`) laid
out by [MS-OVBA] 2.2-2.3::

    PROJECT            text: ID, modules, name, protection (2.3.1)
    PROJECTwm          module names, MBCS and UTF-16 (2.3.3)
    VBA/_VBA_PROJECT   7 bytes: CC 61 FF FF 00 00 00 (2.3.4.1)
    VBA/dir            compressed records: project info, references, modules (2.3.4.2)
    VBA/<module>       compressed source text (2.3.4.3)

**No compiled code.** A project saved by Office carries a version-dependent
*performance cache* (p-code) before each module's source and in
``_VBA_PROJECT``. The spec says a writer MUST NOT write it and MUST write version
0xFFFF (2.3.4.1); each module's source then starts at offset 0 (MODULEOFFSET 0).
Office finds no usable cache and compiles from source on load. EPPlus, whose
generated macro workbooks Excel opens, writes exactly these seven bytes
(Reserved3, "undefined, MUST be ignored", as 0x0000) and the same dir records;
"VBA purging" tools produce the same layout from Office files.

**Module text.** Excel keeps each module's ``Attribute VB_...`` header lines in
the stream (the VBA editor hides them): ``VB_Name`` for every module, and for
document modules (``ThisWorkbook``, sheets) and class modules the ``VB_Base``
(the host object's or class's CLSID), ``VB_PredeclaredId`` and friends, exactly
as Excel writes them. We add that header; callers pass only the code (or a
``.bas``/``.cls`` export through :meth:`VbaModule.from_export`). Line ends are
stored as CRLF.

**Code page.** Names and source are stored in the project code page
(PROJECTCODEPAGE, 1252 by default). VBA has no UTF-8: a Vietnamese character is
either unrepresentable in 1252 or rendered through the *reader's* ANSI code page.
So by default the source must be plain ASCII — Vietnamese strings are built with
``ChrW(&H1EA1)`` etc. — and :func:`build_vba_project` raises
:class:`VbaSourceError` naming the module, line and character (with the ``ChrW``
to use) instead of writing a project Excel would show as mojibake.

**References.** Excel's own projects reference stdole (OLE Automation) and the
Office object library; we do too — the Office library declares ``IRibbonControl``,
which ribbon callbacks take. VBA and Excel libraries are implicit (host) and never
listed. Library paths in LIBIDs are hints only: Office resolves a reference by
GUID and major version through the registry.

**PROJECT protection fields.** CMG, DPB and GC hold "unprotected", "no password"
and "visible", obfuscated by Data Encryption (2.4.3.2) keyed on the project ID.
We use the spec example's seeds and ignored bytes (section 3.1.6), so the output
is deterministic and the tests can check it against the spec's own example.

Sources: [MS-OVBA] 2.3.1 PROJECT stream, 2.3.3 PROJECTwm, 2.3.4.1 _VBA_PROJECT,
2.3.4.2 dir stream records, 2.3.4.3 module streams, 2.4.3 data encryption, 3.1
examples; module attributes as in Excel-written projects (xlwings' add-ins);
EPPlus' ExcelVbaProject as a writer Excel is known to accept.
"""

from __future__ import annotations

import re
import struct
import uuid
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from .cfb import write_compound_file
from .compression import compress

ModuleKind = Literal["standard", "document", "class"]
DocumentType = Literal["workbook", "worksheet"]

VBA_PROJECT_STREAM = b"\xcc\x61\xff\xff\x00\x00\x00"
"""``_VBA_PROJECT``: Reserved1 0x61CC, Version 0xFFFF (no cache), Reserved2 0, Reserved3 0 (2.3.4.1)."""

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}\Z")
_MAX_LINE = 1023  # characters in one physical VBA line
_DOCUMENT_BASES = {
    "workbook": "0{00020819-0000-0000-C000-000000000046}",  # Excel Workbook
    "worksheet": "0{00020820-0000-0000-C000-000000000046}",  # Excel Worksheet
}
_CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
# Data Encryption seeds of the spec example (3.1.6) for CMG, DPB and GC; ignored bytes 0x07.
_SEEDS = {"CMG": 0x07, "DPB": 0x0E, "GC": 0x15}
_IGNORED_BYTE = 0x07
_UNPROTECTED = bytes(4)  # CMG: ProjectProtectionState, no flag set (2.3.1.15)
_NO_PASSWORD = b"\x00"  # DPB: ProjectPassword, no password (2.3.1.16)
_VISIBLE = b"\xff"  # GC: ProjectVisibilityState, visible (2.3.1.17)
_LCID = 0x0409
_SYSKIND_WIN32 = 0x00000001


class VbaSourceError(ValueError):
    """A module's name or source cannot be stored in the VBA project; the message says where."""


@dataclass(frozen=True)
class VbaReference:
    """A registered type library the project references (REFERENCENAME + REFERENCEREGISTERED)."""

    name: str
    libid: str


STDOLE = VbaReference(
    "stdole",
    r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation")
OFFICE = VbaReference(
    "Office",
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files\Microsoft Shared"
    r"\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library")
DEFAULT_REFERENCES: tuple[VbaReference, ...] = (STDOLE, OFFICE)
"""What a new Excel workbook's project references; Office is needed for ``IRibbonControl``."""


@dataclass(frozen=True)
class VbaModule:
    """One VBA module: ``kind`` is ``standard`` (.bas), ``document`` (ThisWorkbook, a sheet) or ``class``.

    ``code`` is the text the VBA editor shows, without the ``Attribute VB_``
    header. ``document_type`` picks the host object of a document module; left
    ``None`` it is ``workbook`` for ``ThisWorkbook`` and ``worksheet`` otherwise.
    The workbook ties a document module to itself or a sheet by *code name*
    (``<workbookPr codeName="ThisWorkbook"/>``, ``<sheetPr codeName="Sheet1"/>``).
    """

    name: str
    kind: ModuleKind
    code: str
    document_type: DocumentType | None = None

    @classmethod
    def from_export(cls, text: str, kind: ModuleKind | None = None) -> "VbaModule":
        """A module from a VBA editor export (``.bas``/``.cls``): name from ``VB_Name``, header dropped.

        Why: third-party modules such as xlwings' ``xlwings_custom_addin.bas``
        ship as exports. A ``VERSION 1.0 CLASS`` block makes it a class module
        unless ``kind`` says otherwise (document modules also export as .cls).
        """
        lines = text.splitlines()
        index = 0
        is_class = bool(lines) and lines[0].strip().upper().startswith("VERSION 1.0 CLASS")
        if is_class:
            while index < len(lines) and lines[index].strip().upper() != "END":
                index += 1
            index += 1
        name = None
        while index < len(lines) and lines[index].startswith("Attribute VB_"):
            match = re.match(r'Attribute VB_Name\s*=\s*"([^"]*)"', lines[index])
            if match:
                name = match.group(1)
            index += 1
        if name is None:
            raise VbaSourceError("a VBA export must carry an 'Attribute VB_Name = \"...\"' line")
        return cls(name, kind or ("class" if is_class else "standard"), "\r\n".join(lines[index:]))


def _identifier(name: str, what: str) -> str:
    if not _IDENTIFIER.match(name):
        raise VbaSourceError(f"{what} {name!r} is not a VBA identifier: a letter, then letters, digits "
                             "or '_', 31 characters at most")
    return name


def _source_lines(code: str) -> list[str]:
    """Lines of ``code`` whatever its line ends; a trailing line end adds no empty line."""
    text = code.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n") if text else []


def _encode_lines(module: str, lines: Sequence[str], first_line: int, codec: str, ascii_only: bool) -> bytes:
    """CRLF-joined ``lines`` in ``codec``; the first bad character raises with its line and a ``ChrW``."""
    out = bytearray()
    for number, line in enumerate(lines, start=first_line):
        if len(line) > _MAX_LINE:
            raise VbaSourceError(f"VBA module {module!r}, line {number}: {len(line)} characters, "
                                 f"VBA allows {_MAX_LINE}; split it with ' _' continuations")
        try:
            encoded = line.encode(codec)
            bad = next((i for i, c in enumerate(line) if ord(c) > 0x7F), None) if ascii_only else None
        except UnicodeEncodeError as error:
            encoded, bad = b"", error.start
        if bad is not None:
            char = line[bad]
            hint = f"ChrW(&H{ord(char):04X})" if ord(char) <= 0xFFFF else "a ChrW() surrogate pair"
            rule = "must be ASCII" if ascii_only else f"must fit the project code page ({codec})"
            raise VbaSourceError(
                f"VBA module {module!r}, line {number}, column {bad + 1}: {char!r} (U+{ord(char):04X}) "
                f"cannot be stored: VBA source has no Unicode and {rule}; build the text with {hint} instead")
        out += encoded + b"\r\n"
    return bytes(out)


def _header(module: VbaModule) -> list[str]:
    """The ``Attribute VB_`` lines Excel stores before the code (hidden in the editor)."""
    lines = [f'Attribute VB_Name = "{module.name}"']
    if module.kind == "standard":
        return lines
    if module.kind == "document":
        document_type = module.document_type or ("workbook" if module.name == "ThisWorkbook" else "worksheet")
        base, predeclared, exposed, customizable = _DOCUMENT_BASES[document_type], "True", "True", "True"
    else:
        base, predeclared, exposed, customizable = _CLASS_BASE, "False", "False", "False"
    return lines + [
        f'Attribute VB_Base = "{base}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        f"Attribute VB_PredeclaredId = {predeclared}",
        f"Attribute VB_Exposed = {exposed}",
        "Attribute VB_TemplateDerived = False",
        f"Attribute VB_Customizable = {customizable}",
    ]


def module_source(module: VbaModule, codec: str = "cp1252", ascii_only: bool = True) -> bytes:
    """The decompressed bytes of a module stream: attribute header, then the code, CRLF line ends.

    Raises :class:`VbaSourceError` for a bad name, kind, overlong line or a
    character the code page (or, with ``ascii_only``, ASCII) cannot hold.
    """
    _identifier(module.name, "module name")
    if module.kind not in ("standard", "document", "class"):
        raise VbaSourceError(f"module {module.name!r}: kind must be standard, document or class, "
                             f"not {module.kind!r}")
    if module.document_type is not None and (module.kind != "document"
                                             or module.document_type not in _DOCUMENT_BASES):
        raise VbaSourceError(f"module {module.name!r}: document_type is 'workbook' or 'worksheet', "
                             "for document modules only")
    lines = _source_lines(module.code)
    if lines and (lines[0].startswith("Attribute VB_") or lines[0].upper().startswith("VERSION 1.0 CLASS")):
        raise VbaSourceError(f"module {module.name!r}: pass the code without its 'Attribute VB_' header "
                             "(build_vba_project writes it) or use VbaModule.from_export")
    return (_encode_lines(module.name, _header(module), 0, codec, True)
            + _encode_lines(module.name, lines, 1, codec, ascii_only))


# -- dir stream (MS-OVBA 2.3.4.2) ------------------------------------------------------

def _record(record_id: int, payload: bytes) -> bytes:
    """Id (2 bytes), Size (4 bytes), payload: the shape of almost every dir record."""
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_pair(record_id: int, reserved: int, text: str, codec: str) -> bytes:
    """A record with an MBCS string, then ``reserved`` id and the UTF-16 twin (names, docstrings)."""
    return _record(record_id, text.encode(codec)) + _record(reserved, text.encode("utf-16-le"))


def _information(project_name: str, codepage: int, codec: str) -> bytes:
    """PROJECTINFORMATION (2.3.4.2.1)."""
    return b"".join([
        _record(0x0001, struct.pack("<I", _SYSKIND_WIN32)),  # PROJECTSYSKIND
        _record(0x0002, struct.pack("<I", _LCID)),  # PROJECTLCID
        _record(0x0014, struct.pack("<I", _LCID)),  # PROJECTLCIDINVOKE
        _record(0x0003, struct.pack("<H", codepage)),  # PROJECTCODEPAGE
        _record(0x0004, project_name.encode(codec)),  # PROJECTNAME
        _text_pair(0x0005, 0x0040, "", codec),  # PROJECTDOCSTRING
        _text_pair(0x0006, 0x003D, "", codec),  # PROJECTHELPFILEPATH (both paths empty)
        _record(0x0007, struct.pack("<I", 0)),  # PROJECTHELPCONTEXT
        _record(0x0008, struct.pack("<I", 0)),  # PROJECTLIBFLAGS
        struct.pack("<HIIH", 0x0009, 4, 1, 0),  # PROJECTVERSION: Reserved 4, major 1, minor 0
        _text_pair(0x000C, 0x003C, "", codec),  # PROJECTCONSTANTS
    ])


def _references(references: Iterable[VbaReference], codec: str) -> bytes:
    """PROJECTREFERENCES (2.3.4.2.2): REFERENCENAME + REFERENCEREGISTERED per library."""
    out = bytearray()
    for reference in references:
        libid = reference.libid.encode(codec)
        registered = struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0)
        out += _text_pair(0x0016, 0x003E, reference.name, codec) + _record(0x000D, registered)
    return bytes(out)


def _module_record(module: VbaModule, codec: str) -> bytes:
    """MODULE (2.3.4.2.3.2); the stream is named after the module, source at offset 0."""
    return b"".join([
        _record(0x0019, module.name.encode(codec)),  # MODULENAME
        _record(0x0047, module.name.encode("utf-16-le")),  # MODULENAMEUNICODE
        _text_pair(0x001A, 0x0032, module.name, codec),  # MODULESTREAMNAME
        _text_pair(0x001C, 0x0048, "", codec),  # MODULEDOCSTRING
        _record(0x0031, struct.pack("<I", 0)),  # MODULEOFFSET: no performance cache
        _record(0x001E, struct.pack("<I", 0)),  # MODULEHELPCONTEXT
        _record(0x002C, struct.pack("<H", 0xFFFF)),  # MODULECOOKIE: 0xFFFF on write
        struct.pack("<HI", 0x0021 if module.kind == "standard" else 0x0022, 0),  # MODULETYPE
        struct.pack("<HI", 0x002B, 0),  # Terminator
    ])


def dir_stream(modules: Sequence[VbaModule], project_name: str, codepage: int,
               references: Iterable[VbaReference] = DEFAULT_REFERENCES) -> bytes:
    """The decompressed ``VBA/dir`` stream (2.3.4.2); :func:`build_vba_project` compresses it."""
    codec = _codec(codepage)
    modules_record = (struct.pack("<HIH", 0x000F, 2, len(modules))  # PROJECTMODULES: count
                      + struct.pack("<HIH", 0x0013, 2, 0xFFFF)  # PROJECTCOOKIE
                      + b"".join(_module_record(m, codec) for m in modules))
    return (_information(project_name, codepage, codec) + _references(references, codec)
            + modules_record + struct.pack("<HI", 0x0010, 0))


# -- PROJECT and PROJECTwm (2.3.1, 2.3.3) ------------------------------------------------

def encrypt_data(data: bytes, project_id: str, seed: int, ignored_byte: int = _IGNORED_BYTE) -> str:
    """MS-OVBA 2.4.3.2 Data Encryption, as the hex text the PROJECT stream holds.

    ``project_id`` is the braced GUID of the ``ID=`` line: the sum of its bytes
    is the project key, which Office checks when it decrypts.
    """
    version = 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    out = [seed, seed ^ version, seed ^ project_key]
    unencrypted, encrypted1, encrypted2 = project_key, out[2], out[1]
    plain = bytes([ignored_byte] * ((seed & 6) // 2)) + struct.pack("<I", len(data)) + bytes(data)
    for byte in plain:
        encrypted = byte ^ ((encrypted2 + unencrypted) & 0xFF)
        out.append(encrypted)
        encrypted2, encrypted1, unencrypted = encrypted1, encrypted, byte
    return bytes(out).hex().upper()


def project_stream(modules: Sequence[VbaModule], project_name: str, project_id: str, codepage: int) -> bytes:
    """The PROJECT stream (2.3.1): modules, name, unprotected/visible state, host extender, workspace."""
    keyword = {"standard": "Module={}", "class": "Class={}", "document": "Document={}/&H00000000"}
    lines = [f'ID="{project_id}"']
    lines += [keyword[m.kind].format(m.name) for m in modules]
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt_data(_UNPROTECTED, project_id, _SEEDS["CMG"])}"',
        f'DPB="{encrypt_data(_NO_PASSWORD, project_id, _SEEDS["DPB"])}"',
        f'GC="{encrypt_data(_VISIBLE, project_id, _SEEDS["GC"])}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return "".join(line + "\r\n" for line in lines).encode(_codec(codepage))


def project_wm_stream(modules: Sequence[VbaModule], codepage: int) -> bytes:
    """PROJECTwm (2.3.3): each module name in MBCS and UTF-16, null-terminated; then 0x0000."""
    codec = _codec(codepage)
    return b"".join(m.name.encode(codec) + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
                    for m in modules) + b"\x00\x00"


def _codec(codepage: int) -> str:
    codec = f"cp{codepage}"
    try:
        "".encode(codec)
    except LookupError:
        raise VbaSourceError(f"code page {codepage} is not known to Python") from None
    return codec


def default_project_id(project_name: str) -> str:
    """A stable project GUID per name: the same add-in builds to the same bytes."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:xlplan:vba-project:{project_name}")).upper() + "}"


def build_vba_project(modules: Sequence[VbaModule], project_name: str = "xlplan", codepage: int = 1252, *,
                      references: Sequence[VbaReference] = DEFAULT_REFERENCES,
                      project_id: str | None = None, ascii_only: bool = True) -> bytes:
    """The bytes of ``vbaProject.bin`` holding ``modules``, for an .xlsm/.xlam's ``xl/`` folder.

    Deterministic: the same arguments give the same bytes. Raises
    :class:`VbaSourceError` on a bad or duplicate name, or a source character
    the code page cannot hold (non-ASCII unless ``ascii_only=False``): the
    message names the module and line.
    """
    modules = list(modules)
    if not modules:
        raise VbaSourceError("a VBA project needs at least one module")
    _identifier(project_name, "project name")
    seen: dict[str, str] = {project_name.lower(): f"the project {project_name!r}"}
    for module in modules:
        _identifier(module.name, "module name")
        clash = seen.get(module.name.lower())
        if clash:
            raise VbaSourceError(f"module name {module.name!r} is already used by {clash} "
                                 "(VBA names ignore case)")
        seen[module.name.lower()] = f"module {module.name!r}"
    codec = _codec(codepage)
    sources = {f"VBA/{m.name}": module_source(m, codec, ascii_only) for m in modules}  # validates first
    project_id = project_id or default_project_id(project_name)
    streams = {
        "PROJECT": project_stream(modules, project_name, project_id, codepage),
        "PROJECTwm": project_wm_stream(modules, codepage),
        "VBA/_VBA_PROJECT": VBA_PROJECT_STREAM,
        "VBA/dir": compress(dir_stream(modules, project_name, codepage, references)),
    }
    streams.update((path, compress(source)) for path, source in sources.items())
    return write_compound_file(streams)
