"""A VBA syntax check of every module of the built add-in, for 64- and 32-bit Office.

Nothing here has Excel, so "Debug > Compile xlplan" cannot run. What can: ``vba-precompiler``
resolves the conditional compilation (``#If VBA7``/``#If Win64``/``#If Mac``/``#Const App``) the
way Excel of a given bitness does, and the ``antlr4-vba`` grammar then parses what that Excel
would compile. A module that does not parse for one bitness fails here; a deliberately broken
module (for both, and for 32-bit only) shows that the check can fail.

The modules are taken from the built ``.xlam`` itself (olevba extracts them), so what is
checked is what Excel loads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from antlr4 import CommonTokenStream, InputStream
from antlr4.atn.PredictionMode import PredictionMode
from antlr4.error.ErrorListener import ErrorListener
from antlr4.error.ErrorStrategy import BailErrorStrategy
from antlr4.error.Errors import ParseCancellationException
from antlr4_vba.vba_ccLexer import vba_ccLexer
from antlr4_vba.vba_ccParser import vba_ccParser
from antlr4_vba.vbaLexer import vbaLexer
from antlr4_vba.vbaParser import vbaParser
from oletools.olevba import VBA_Parser
from vba_precompiler.precompiler_visitor import PrecompilerVisitor

from xlplan.services import addin
from xlplan.services.addin_vba import udf_specs

REPO = Path(__file__).resolve().parents[1]

# The compiler constants of Excel 2010 and later on Windows (VBA7), by bitness
# (vba_precompiler.__main__ builds the same dictionary for "-s Win64 -v 7" / "-s Win32 -v 7").
OFFICE = {
    "64-bit": {"WIN16": False, "WIN32": True, "WIN64": True, "MAC": False, "VBA6": False, "VBA7": True,
               "MAC_OFFICE_VERSION": 0},
    "32-bit": {"WIN16": False, "WIN32": True, "WIN64": False, "MAC": False, "VBA6": False, "VBA7": True,
               "MAC_OFFICE_VERSION": 0},
}


class _Errors(ErrorListener):
    def __init__(self) -> None:
        self.found: list[str] = []

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):  # noqa: N802 (ANTLR's name)
        self.found.append(f"line {line}:{column} {msg}")


def _parse(lexer_type, parser_type, text: str):
    """The parse tree and the syntax errors of ``text``: ANTLR's fast SLL mode first, the full
    LL mode when SLL gives up (SLL may fail on valid input, never accept an invalid one)."""
    fast = parser_type(CommonTokenStream(lexer_type(InputStream(text))))
    fast._interp.predictionMode = PredictionMode.SLL
    fast._errHandler = BailErrorStrategy()
    fast.removeErrorListeners()
    try:
        return fast.startRule(), []
    except ParseCancellationException:
        pass
    errors = _Errors()
    lexer = lexer_type(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(errors)
    full = parser_type(CommonTokenStream(lexer))
    full.removeErrorListeners()
    full.addErrorListener(errors)
    return full.startRule(), errors.found


def precompile(text: str, environments: dict[str, dict]) -> dict[str, str]:
    """``text`` as Excel of each environment compiles it: the lines conditional compilation
    leaves out are commented, as ``vba_precompiler.compiler.Compiler.compile`` does."""
    tree, errors = _parse(vba_ccLexer, vba_ccParser, text)
    assert not errors, f"conditional compilation does not parse: {errors[:5]}"
    out = {}
    for name, env in environments.items():
        visitor = PrecompilerVisitor()
        visitor.env = env.copy()
        dropped = visitor.visit(tree)
        lines = text.splitlines(keepends=True)
        out[name] = "".join(("'" if number in dropped else "") + line
                            for number, line in enumerate(lines, start=1))
    return out


def as_exported(name: str, code: str) -> str:
    """A module's code as an exported ``.bas`` file: the name header first, CRLF line ends."""
    text = f'Attribute VB_Name = "{name}"\r\n' + code.replace("\r\n", "\n").replace("\n", "\r\n")
    return text if text.endswith("\r\n") else text + "\r\n"


def syntax_errors(name: str, code: str) -> dict[str, list[str]]:
    """Per bitness, the syntax errors of one module."""
    return {bits: _parse(vbaLexer, vbaParser, compiled)[1]
            for bits, compiled in precompile(as_exported(name, code), OFFICE).items()}


def _strip_attributes(code: str) -> str:
    lines = code.replace("\r\n", "\n").split("\n")
    while lines and lines[0].startswith("Attribute VB_"):
        lines.pop(0)
    return "\n".join(lines)


@pytest.fixture(scope="module")
def built_modules(tmp_path_factory) -> dict[str, str]:
    """Every module's code as olevba extracts it from a fresh build of the add-in."""
    path = tmp_path_factory.mktemp("vba") / "xlplan.xlam"
    addin.build_addin(path, addin.load_sources(REPO / "addin"), udf_specs())
    parser = VBA_Parser(str(path))
    try:
        return {Path(stream).name: _strip_attributes(code) for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="module")
def compiled(built_modules) -> dict[str, dict[str, str]]:
    """Per module, per bitness: the code that Excel compiles (conditional compilation resolved)."""
    return {name: precompile(as_exported(name, code), OFFICE) for name, code in built_modules.items()}


def test_every_module_parses_for_64_and_32_bit_office(built_modules, compiled):
    assert sorted(built_modules) == sorted(["ThisWorkbook", "Sheet1", "xlwings", "xlplan_ribbon",
                                            "xlplan_register", "xlplan_udfs"])
    failures = {(name, bits): errors for name, per_bits in compiled.items()
                for bits, code in per_bits.items() if (errors := _parse(vbaLexer, vbaParser, code)[1])}
    assert failures == {}


def test_the_bitness_decides_what_is_compiled(compiled):
    live = {bits: [line for line in code.splitlines() if "Lib \"xlwings" in line and not line.startswith("'")]
            for bits, code in compiled["xlwings"].items()}
    assert live["64-bit"] and all("xlwings64-" in line and "PtrSafe" in line for line in live["64-bit"])
    assert live["32-bit"] and all("xlwings32-" in line and "PtrSafe" in line for line in live["32-bit"])
    assert not any("libc.dylib" in line for code in compiled["xlwings"].values() for line in code.splitlines()
                   if not line.startswith("'"))


def test_a_broken_module_fails_the_check(built_modules):
    ribbon = built_modules["xlplan_ribbon"]
    assert not any(syntax_errors("xlplan_ribbon", ribbon).values())
    unclosed = ribbon.replace("End Sub", "", 1)  # a Sub without its End Sub
    assert all(syntax_errors("xlplan_ribbon", unclosed).values())
    bad_call = ribbon.replace('RunPython "import', 'RunPython ("import', 1)  # an unbalanced parenthesis
    assert all(syntax_errors("xlplan_ribbon", bad_call).values())


def test_a_module_broken_for_32_bit_only_fails_only_there():
    code = ("Option Explicit\n#If Win64 Then\nPrivate Const Bits As Long = 64\n#Else\n"
            "Private Const Bits As Long = = 32\n#End If\n")
    errors = syntax_errors("xlplan_bits", code)
    assert errors["64-bit"] == [] and errors["32-bit"]
