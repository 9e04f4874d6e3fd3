"""The VBA source of the xlplan add-in, as text: what goes into its VBA project, module by module.

Four kinds of source, each with a reason:

- ``xlwings`` — xlwings's own ``xlwings_custom_addin.bas``, read from the *installed* xlwings
  at build time so the add-in's ``RunPython`` / UDF plumbing always matches the Python side
  (the DLL name in it carries the xlwings version). Only the documented substitutions are
  applied (``addin/README.md``, :data:`XLWINGS_SUBSTITUTIONS`): ``PROJECT_NAME`` becomes
  ``xlplan``; ``GetConfig`` no longer reads the *active* workbook's ``xlplan.conf`` sheet nor
  an ``xlplan.conf`` file beside it (a workbook a unit sent must not change the add-in's
  settings); a ``;`` in the active workbook's name no longer splits the ``PYTHONPATH`` string
  xlwings hands Python; ``Option Private Module`` keeps xlwings's ~50 public helpers out of Excel's
  function list and macro dialog (the wrappers and the ribbon are in the same project).
- ``xlplan_udfs`` — one wrapper ``Function`` per UDF, generated from ``xlplan.udfs`` in
  exactly the form xlwings's own "Import Functions" writes into an add-in, so that xlwings
  handles the calls at run time as it always does (``XLPy.CallUDF`` with ``ActiveWorkbook``).
- ``xlplan_register`` — the Function Wizard help (``Application.MacroOptions``), generated
  from the same metadata into the template ``addin/vba/xlplan_register.bas``.
- ``xlplan_ribbon`` and ``ThisWorkbook`` — short fixed code.

VBA source is stored in code page 1252, which has no room for Vietnamese: Vietnamese text is
written as ``ChrW()`` sequences built here (:func:`vba_string`).

The UDF metadata is data (:class:`UdfSpec`, made by :func:`udf_specs` from the core's
:mod:`xlplan.core.udf_catalogue`), so this service layer never imports the ``xlplan.udfs`` face.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, Sequence

from ..core.udf_catalogue import CATEGORY, MODULE, UDF_CATALOGUE

ModuleKind = Literal["standard", "document", "class"]

PROJECT_NAME = "xlplan"
XLWINGS_MODULE = "xlwings"
UDF_MODULE = "xlplan_udfs"
REGISTER_MODULE = "xlplan_register"
RIBBON_MODULE = "xlplan_ribbon"
WORKBOOK_MODULE = "ThisWorkbook"
SHEET_MODULE = "Sheet1"

REGISTRATIONS_MARKER = "'@@REGISTRATIONS@@"
XLWINGS_PROJECT_LINE = 'Public Const PROJECT_NAME As String = "myaddin"'
XLWINGS_PRIVATE_LINE = "Option Private Module"

# GetConfig's two layers that a received workbook controls (xlwings_custom_addin.bas, exactly
# as xlwings writes them); each becomes the comment below it. What remains: the add-in's own
# xlplan.conf sheet (ThisWorkbook), the user file, the default.
GETCONFIG_ACTIVE_SHEET = """            'Workbook Sheet Config
            If SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf") = True Then
                If GetConfigFromSheet(ActiveWorkbook).Exists(configKey) = True Then
                    GetConfig = GetConfigFromSheet(ActiveWorkbook).Item(configKey)
                    GetConfig = ExpandEnvironmentStrings(GetConfig)
                    Exit Function
                End If
            End If
"""
GETCONFIG_ACTIVE_SHEET_NOTE = """            'xlplan: the active workbook's xlplan.conf sheet is never read: a workbook a unit
            'sent must not set the interpreter, PYTHONPATH or anything else (addin/README.md).
"""
GETCONFIG_DIRECTORY = """    ' Directory Config
    If source = "" Or source = "directory" Then
        #If App = "Microsoft Excel" Then
            If GetFullName(ActiveWorkbook) <> "" Then ' Empty if local dir can't be figured out (e.g. SharePoint)
        #Else
            If InStr(GetDirectoryPath(), "://") = 0 Then ' Other Office apps: skip for synced SharePoint/OneDrive files
        #End If
            If FileExists(GetDirectoryConfigFilePath()) = True Then
                If GetConfigFromFile(GetDirectoryConfigFilePath(), configKey, configValue) Then
                    GetConfig = configValue
                    GetConfig = ExpandEnvironmentStrings(GetConfig)
                    Exit Function
                End If
            End If
        End If
    End If
"""
GETCONFIG_DIRECTORY_NOTE = """    ' xlplan: no "Directory Config": an xlplan.conf file beside the active workbook (a folder
    ' of received files) is never read (addin/README.md).
"""
# RunPython and XLPyCommand put the active workbook's full name into the ";"-separated string
# xlwings.utils.prepare_sys_path splits, whose entries from the seventh on go into sys.path: a
# received file named "a;b;c;d;e;%USERPROFILE%;x.xlsx" would add folders. The name is not
# used otherwise (ADD_WORKBOOK_TO_PYTHONPATH is FALSE), so its ";" become "_".
SAFE_ACTIVE_NAME = 'Replace(ActiveWorkbook.FullName, ";", "_")'
RUNPYTHON_ACTIVE_NAME = """    #Else
        ActiveFullName = ActiveWorkbook.FullName
        ThisFullName = ThisWorkbook.FullName
    #End If
"""
RUNPYTHON_ACTIVE_NAME_SAFE = f"""    #Else
        'xlplan: no ";" of a file name in the ";"-separated PYTHONPATH (addin/README.md).
        ActiveFullName = {SAFE_ACTIVE_NAME}
        ThisFullName = ThisWorkbook.FullName
    #End If
"""
UDF_SERVER_PATH = ('        PYTHONPATH = AddExcelDir & ";" & ActiveWorkbook.FullName & ";" & ThisWorkbook.FullName & ";" & '
                   'GetConfig("ONEDRIVE_CONSUMER_WIN")')
UDF_SERVER_PATH_SAFE = UDF_SERVER_PATH.replace("ActiveWorkbook.FullName", SAFE_ACTIVE_NAME)
XLWINGS_SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    (XLWINGS_PROJECT_LINE, f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"'),
    (GETCONFIG_ACTIVE_SHEET, GETCONFIG_ACTIVE_SHEET_NOTE),
    (GETCONFIG_DIRECTORY, GETCONFIG_DIRECTORY_NOTE),
    (RUNPYTHON_ACTIVE_NAME, RUNPYTHON_ACTIVE_NAME_SAFE),
    (UDF_SERVER_PATH, UDF_SERVER_PATH_SAFE),
)
"""Every change made to xlwings's module besides the first line ``Option Private Module``:
(exact text, replacement), each found exactly once or the build fails."""
MAX_HELP = 255  # Excel's limit for a description and for each argument's help

WORKBOOK_CODE = """Option Explicit

Private Sub Workbook_Open()
    ' Excel loads the add-in: give the XLP_ functions their Function Wizard help.
    RegisterUDFs
    ' MacroOptions marks the add-in as changed; nothing in it is to be saved, so Excel must
    ' not offer to save xlplan.xlam at exit (a saved copy would differ from the build).
    ThisWorkbook.Saved = True
End Sub
"""

_VBA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}\Z")
# Words VBA will not take as an argument name (a Python argument called so would break the wrapper).
_VBA_RESERVED = frozenset("""
and as boolean byref byte byval call case const currency date declare dim do double each else
elseif empty end enum eqv erase error event exit false for friend function get global gosub goto
if imp implements in integer is let lib like long loop lset me mod new next not nothing null on
option optional or paramarray preserve private property public raiseevent redim rem resume
return rset select set single static step stop string sub then to true type typeof until variant
wend while with xor
""".split())
_LINE_BUDGET = 200  # characters of ChrW() expression per VBA line: far below VBA's 1023


@dataclass(frozen=True)
class VbaSource:
    """One module of the VBA project: its name, kind and code (``\\n`` line ends, no header)."""

    name: str
    kind: ModuleKind
    code: str


@dataclass(frozen=True)
class UdfArg:
    """One argument of a UDF: its name, whether Excel may leave it out, its Vietnamese help."""

    name: str
    optional: bool
    doc: str


@dataclass(frozen=True)
class UdfSpec:
    """What the add-in needs to know of one UDF to wrap it and describe it."""

    name: str
    args: tuple[UdfArg, ...]
    description: str
    category: str
    module: str  # the Python module xlwings imports to call it ("xlplan.udfs")


def udf_specs() -> list[UdfSpec]:
    """The specs of xlplan's UDFs, from the contract in :mod:`xlplan.core.udf_catalogue`, in its order.

    Read from the core's data, not from the :mod:`xlplan.udfs` face (services
    never import a face; on Linux ``xw.func`` attaches nothing to inspect).
    A test checks the catalogue against the functions' signatures.
    """
    return [UdfSpec(entry.name, tuple(UdfArg(arg.name, arg.optional, arg.doc) for arg in entry.args),
                    entry.description, CATEGORY, MODULE) for entry in UDF_CATALOGUE]


def check_udfs(udfs: Sequence[UdfSpec]) -> None:
    """Refuse metadata that would build an add-in Excel cannot load or that shows cut help."""
    seen: set[str] = set()
    for spec in udfs:
        names = [spec.name] + [arg.name for arg in spec.args]
        for name in names:
            if not _VBA_NAME.match(name) or name.lower() in _VBA_RESERVED:
                raise ValueError(f"{spec.name}: {name!r} is not a usable VBA name")
        if spec.name.upper() in seen:
            raise ValueError(f"{spec.name}: defined twice")
        seen.add(spec.name.upper())
        if len({arg.name.lower() for arg in spec.args}) != len(spec.args):
            raise ValueError(f"{spec.name}: repeated argument names (VBA ignores case)")
        for text in [spec.description] + [arg.doc for arg in spec.args]:
            if len(text) > MAX_HELP:
                raise ValueError(f"{spec.name}: help longer than {MAX_HELP} characters: {text[:40]}…")
        optional = [arg.optional for arg in spec.args]
        if optional != sorted(optional):
            raise ValueError(f"{spec.name}: a required argument after an optional one")


# -- Vietnamese text in cp1252 source ------------------------------------------------------


def vba_string(text: str) -> str:
    """A VBA expression for ``text`` that survives code page 1252: ``"T" & ChrW(7927) & " l"``.

    Printable ASCII stays in quoted runs (quotes doubled); every other character, Vietnamese
    letters included, becomes ``ChrW(code)``. Text is NFC-normalized first so each letter is
    one precomposed character, as Excel shows best.
    """
    return " & ".join(_string_tokens(text)) or '""'


def _string_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    run = ""
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        if 32 <= code < 127:
            run += '""' if char == '"' else char
            continue
        if code > 0xFFFF:
            raise ValueError(f"character outside the Basic Multilingual Plane: {char!r}")
        if run:
            tokens.append(f'"{run}"')
            run = ""
        tokens.append(f"ChrW({code})")
    if run:
        tokens.append(f'"{run}"')
    return tokens


def assign_string(target: str, text: str, indent: str = "    ") -> list[str]:
    """Statements setting ``target`` to ``text``, split so no line grows long.

    A long Vietnamese sentence is hundreds of ``ChrW()`` calls; VBA limits a line to 1023
    characters and a statement to 24 continuations, so the value is built up over several
    ``target = target & ...`` statements instead.
    """
    lines: list[str] = []
    current: list[str] = []
    for token in _string_tokens(text) or ['""']:
        if current and len(" & ".join(current + [token])) > _LINE_BUDGET:
            lines.append(_concat(target, current, first=not lines, indent=indent))
            current = []
        current.append(token)
    lines.append(_concat(target, current, first=not lines, indent=indent))
    return lines


def _concat(target: str, tokens: list[str], first: bool, indent: str) -> str:
    head = "" if first else f"{target} & "
    return f"{indent}{target} = {head}{' & '.join(tokens)}"


# -- the generated modules ---------------------------------------------------------------


def udf_wrappers(udfs: Sequence[UdfSpec]) -> str:
    """The ``xlplan_udfs`` module: what xlwings's "Import Functions" writes for these UDFs
    into an add-in (``xlwings.udfs.generate_vba_wrapper``; the workbook is ``ActiveWorkbook``
    because the caller of a function in an add-in is the user's workbook).
    """
    check_udfs(udfs)
    lines = [
        "'Generated by `xlplan addin build` from xlplan.udfs in the form of xlwings's"
        " Import Functions: do not edit.",
        "#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel",
    ]
    for spec in udfs:
        params = ", ".join(("Optional " if arg.optional else "") + arg.name for arg in spec.args)
        array = "Array(" + ", ".join(arg.name for arg in spec.args) + ")"
        call = f'XLPy.CallUDF("{spec.module}", "{spec.name}", {array}'
        lines += [
            f"Function {spec.name}({params})",
            '    #If App = "Microsoft Excel" Then',
            "        If TypeOf Application.Caller Is Range Then On Error GoTo failed",
            f"        {spec.name} = {call}, ActiveWorkbook, Application.Caller)",
            "        Exit Function",
            "    #Else",
            f"        {spec.name} = {call})",
            "        Exit Function",
            "    #End If",
            "failed:",
            f"    {spec.name} = Err.Description",
            "End Function",
            "",
        ]
    return "\n".join(lines) + "\n"


def registrations(udfs: Sequence[UdfSpec]) -> str:
    """The ``Application.MacroOptions`` calls that replace the template's marker line."""
    check_udfs(udfs)
    lines: list[str] = []
    for spec in udfs:
        lines.append(f"    ' {spec.name}")
        lines += assign_string("d", spec.description)
        options = f'Macro:=book & "{spec.name}", Description:=d, Category:={vba_string(spec.category)}'
        if spec.args:
            lines.append(f"    ReDim a(0 To {len(spec.args) - 1})")
            for i, arg in enumerate(spec.args):
                lines += assign_string(f"a({i})", arg.doc)
            options += ", ArgumentDescriptions:=a"
        lines.append(f"    Application.MacroOptions {options}")
    return "\n".join(lines)


def register_module(template: str, udfs: Sequence[UdfSpec]) -> str:
    """The ``xlplan_register`` module: the template with its marker line replaced."""
    body = strip_header(template, REGISTER_MODULE)
    marked = [line for line in body.split("\n") if line.strip() == REGISTRATIONS_MARKER]
    if len(marked) != 1:
        raise ValueError(f"{REGISTER_MODULE}: expected the line {REGISTRATIONS_MARKER} once")
    return "\n".join(registrations(udfs) if line.strip() == REGISTRATIONS_MARKER else line
                     for line in body.split("\n"))


def xlwings_module(bas: str) -> str:
    """xlwings's ``xlwings_custom_addin.bas`` after the documented substitutions.

    ``Option Private Module`` first (xlwings's helpers stay usable inside the project, but
    leave Excel's function list), then :data:`XLWINGS_SUBSTITUTIONS`, each exactly once.
    """
    body = strip_header(bas, XLWINGS_MODULE)
    for original, replacement in XLWINGS_SUBSTITUTIONS:
        if body.count(original) != 1:
            first = original.strip().splitlines()[0]
            raise ValueError(f"xlwings_custom_addin.bas: expected {first!r}... once "
                             "(has xlwings changed its custom add-in?)")
        body = body.replace(original, replacement)
    if XLWINGS_PRIVATE_LINE in body:
        raise ValueError("xlwings_custom_addin.bas already has Option Private Module")
    return f"{XLWINGS_PRIVATE_LINE}\n{body}"


def xlwings_version_of(bas: str) -> str:
    """The xlwings version a custom-add-in module was written for (its DLL carries it)."""
    found = re.search(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"', bas, re.MULTILINE)
    if not found:
        raise ValueError("xlwings_custom_addin.bas: no XLWINGS_VERSION constant")
    return found.group(1)


def strip_header(source: str, name: str) -> str:
    """A ``.bas`` file's code without its ``Attribute VB_Name`` line, ``\\n`` line ends.

    The module's name is given to the VBA project writer separately; the header must agree
    with it so that a file imported by hand into the VBA editor gets the same name.
    """
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    first, _, rest = text.partition("\n")
    expected = f'Attribute VB_Name = "{name}"'
    if first.strip() != expected:
        raise ValueError(f"{name}: the first line must be {expected!r}, not {first!r}")
    if not rest.isascii():
        raise ValueError(f"{name}: VBA source must be ASCII (write Vietnamese with ChrW)")
    return rest


def vba_sources(*, xlwings_bas: str, ribbon_bas: str, register_template: str,
                udfs: Sequence[UdfSpec]) -> list[VbaSource]:
    """Every module of the add-in's VBA project, in project order."""
    return [
        VbaSource(WORKBOOK_MODULE, "document", WORKBOOK_CODE),
        VbaSource(SHEET_MODULE, "document", ""),
        VbaSource(XLWINGS_MODULE, "standard", xlwings_module(xlwings_bas)),
        VbaSource(RIBBON_MODULE, "standard", strip_header(ribbon_bas, RIBBON_MODULE)),
        VbaSource(REGISTER_MODULE, "standard", register_module(register_template, udfs)),
        VbaSource(UDF_MODULE, "standard", udf_wrappers(udfs)),
    ]


def procedures(code: str) -> list[str]:
    """Names of the Subs and Functions a module's code defines (for checks and tests)."""
    pattern = re.compile(r"^\s*(?:(?:Public|Private|Friend)\s+)?(?:Static\s+)?(?:Sub|Function)\s+(\w+)",
                         re.MULTILINE | re.IGNORECASE)
    return pattern.findall(code)
