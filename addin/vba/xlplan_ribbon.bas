Attribute VB_Name = "xlplan_ribbon"
' The ribbon's one callback: every button of the "Xay dung Dang" tab (addin/customUI14.xml)
' calls OnAction, which hands the button's id to Python. All the work, the messages and
' the error handling live in xlplan.macros.dispatch, so this module never changes when a
' button is added. RunPython is xlwings's (module "xlwings", from xlwings_custom_addin.bas).
Option Explicit

Public Sub OnAction(control As IRibbonControl)
    RunPython "import xlplan.macros; xlplan.macros.dispatch('" & control.Id & "')"
End Sub
