"""LibreOffice-side script: run the add-in's ``RegisterUDFs`` in LibreOffice Basic (VBA mode)
and collect every ``Application.MacroOptions`` call it makes.

Run with ``tests.support.libreoffice_uno.run_script(this, [XLAM])``, under LibreOffice's own
Python. It opens the built add-in with the Excel 2007 VBA filter (LibreOffice imports each VBA
module into the Basic library ``xlplan`` with ``Option VBASupport 1``), replaces, in the module
``xlplan_register`` only, the call ``Application.MacroOptions`` by ``XlplanCollect`` — a Sub
with the same named parameters, appended to the module, that records its arguments (LibreOffice
has no Function Wizard to register with) — and calls ``RegisterUDFs`` through a Basic function
that returns what was recorded. Everything else is the add-in's code as built. (LibreOffice
returns nothing from a function of an imported VBA library invoked by script URL, so a
one-line function in the document's ``Standard`` library calls it and is invoked instead.)

Returns ``{"source_had_call": n, "book": <ThisWorkbook.Name>, "calls": [[macro, description,
category, [argument help...] or null], ...]}``.
"""

import uno
from com.sun.star.beans import PropertyValue

FILTER = "Calc MS Excel 2007 VBA XML"
SEP_FIELD, SEP_ARG, SEP_CALL = "\x1e", "\x1f", "\x1d"

COLLECTOR = """
Private Collected As String

Public Sub XlplanCollect(Optional Macro As Variant, Optional Description As Variant, _
        Optional Category As Variant, Optional ArgumentDescriptions As Variant)
    Dim args As String
    If IsMissing(ArgumentDescriptions) Then
        args = Chr(0)
    Else
        args = Join(ArgumentDescriptions, Chr(31))
    End If
    Collected = Collected & Macro & Chr(30) & Description & Chr(30) & Category & Chr(30) & args & Chr(29)
End Sub

Public Function XlplanRunRegister() As String
    Collected = ""
    RegisterUDFs
    XlplanRunRegister = ThisWorkbook.Name & Chr(29) & Collected
End Function
"""


def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def main(ctx, desktop, args):
    url = uno.systemPathToFileUrl(args[0])
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (
        prop("Hidden", True), prop("FilterName", FILTER), prop("MacroExecutionMode", 4)))
    try:
        libraries = doc.BasicLibraries
        for name in ("Standard", "xlplan"):
            libraries.loadLibrary(name)
        library = libraries.getByName("xlplan")
        source = library.getByName("xlplan_register")
        count = source.count("Application.MacroOptions ")
        library.replaceByName("xlplan_register",
                              source.replace("Application.MacroOptions ", "XlplanCollect ") + COLLECTOR)
        libraries.getByName("Standard").insertByName(
            "XlplanBridge", "Function XlplanBridge() As String\n XlplanBridge = XlplanRunRegister()\nEnd Function\n")
        script = doc.getScriptProvider().getScript(
            "vnd.sun.star.script:Standard.XlplanBridge.XlplanBridge?language=Basic&location=document")
        result = script.invoke((), (), ())[0]
    finally:
        doc.close(True)
    book, _, rest = result.partition(SEP_CALL)
    calls = []
    for record in rest.split(SEP_CALL)[:-1]:
        macro, description, category, arguments = record.split(SEP_FIELD)
        calls.append([macro, description, category, None if arguments == "\x00" else arguments.split(SEP_ARG)])
    return {"source_had_call": count, "book": book, "calls": calls}
