Attribute VB_Name = "xlplan_ribbon"
' The ribbon's one callback: every button of the "Xay dung Dang" tab (addin/customUI14.xml)
' calls xlplan_ribbon.XlplanOnAction, which hands the button's id to Python. The name is
' module-qualified in the XML and unique to xlplan: Excel resolves an unqualified, generic
' callback name (OnAction) against every loaded project, so another add-in's OnAction
' macro could run instead of ours. All the work, the messages and
' the error handling live in xlplan.macros.dispatch, so this module never changes when a
' button is added. RunPython is xlwings's (module "xlwings", from xlwings_custom_addin.bas).
Option Explicit

Public Sub XlplanOnAction(control As IRibbonControl)
    ' The one documented exception to "dispatch only" (addin/README.md): with no workbook
    ' open, ActiveWorkbook is Nothing and RunPython stops with error 91 before Python starts
    ' (it reads the active book's sheets, name and folder). A blank book becomes the caller;
    ' "Khoi tao" then creates the city workbook and closes the blank one.
    If ActiveWorkbook Is Nothing Then Workbooks.Add
    RunPython "import xlplan.macros; xlplan.macros.dispatch('" & control.Id & "')"
End Sub
