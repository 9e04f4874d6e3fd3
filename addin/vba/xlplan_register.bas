Attribute VB_Name = "xlplan_register"
' Function Wizard help for the XLP_ worksheet functions: description, category "xlplan" and
' the help of every argument, as Excel's Insert Function dialog shows them.
'
' This file is a template: `xlplan addin build` replaces the line '@@REGISTRATIONS@@ with
' one Application.MacroOptions call per function, generated from xlplan.udfs (DESCRIPTIONS,
' ARG_DOCS, CATEGORY). Edit the Python metadata, never the generated calls. Vietnamese text
' is written as ChrW() sequences because VBA source is stored in code page 1252.
Option Explicit

Public Sub RegisterUDFs()
    ' Called from ThisWorkbook's Workbook_Open each time Excel loads the add-in: the help is
    ' set again at every start rather than trusted to be saved inside the add-in file.
    ' It is help text only: a failure must never stop the add-in from loading (the functions
    ' work without it), so errors are ignored here.
    Dim book As String
    Dim d As String
    Dim a() As Variant
    On Error Resume Next
    book = "'" & ThisWorkbook.Name & "'!"
'@@REGISTRATIONS@@
End Sub
