"""A unit's formulas in the copy sent back to it: values instead, links and live functions removed.

The feedback copy (:mod:`xlplan.io.feedback_writer`) is the unit's own
workbook, coloured and commented, sent back by the Board. Whatever formulas the
unit's file holds are untrusted: a DDE call (``=cmd|' /C calc'!A0``), a web
function (``=WEBSERVICE(…)``), a reference into another workbook whose link
part was dropped. Sent back live, in a workbook Excel recalculates on open,
they would run on the unit's machine under the Board's name. So the copy
carries the unit's *values*:

- a formula cell becomes the value the file cached for it (what the unit saw);
  without a cached value it becomes the formula's text, as text, and the cell
  gets a note saying so;
- formulas the code itself builds (the form's derived and check cells, the
  signature lines: ``own``) stay formulas, so a unit that corrects the copy and
  resends it still sees its checks;
- defined names, data validations and conditional formats whose formulas
  reach outside the workbook (``[1]…``), call DDE (``|``) or a web or code
  function are removed; external link parts are already dropped by loading
  with ``keep_links=False``;
- no forced recalculation on open (``fullCalcOnLoad``).
"""

from __future__ import annotations

import re
from typing import Collection

from openpyxl.cell.cell import MergedCell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from .cell_values import put_text, put_value

NO_VALUE_NOTE = ("Ô này có công thức nhưng tệp không lưu kết quả tính; bản gửi lại ghi công thức dưới dạng chữ "
                 "(không tính): {formula}")

# Outside the workbook (an external reference, a DDE call) or live code and the network.
_UNSAFE = re.compile(r"\[|\||\b(?:WEBSERVICE|FILTERXML|ENCODEURL|RTD|CALL|REGISTER(?:\.ID)?|EXEC|HYPERLINK|IMAGE|"
                     r"EVALUATE|INDIRECT)\s*\(", re.IGNORECASE)


def unsafe(formula: str) -> bool:
    """Whether a formula's text reaches outside the workbook or runs something (see the module docstring)."""
    return bool(_UNSAFE.search(formula))


def values_for_formulas(wb: Workbook, cached: Workbook, own: Collection[str] = ()) -> dict[tuple[str, str], str]:
    """Replace every formula of ``wb`` not in ``own`` by its value from ``cached`` (the same file, ``data_only``).

    Returns the notes for the cells that had no cached value: (sheet, cell) → note.
    Also removes unsafe names, validations and conditional formats, and the
    recalculation on open.
    """
    notes: dict[tuple[str, str], str] = {}
    for ws in wb.worksheets:
        stored = cached[ws.title] if ws.title in cached.sheetnames else None
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell, MergedCell) or cell.data_type != "f":
                    continue
                formula = cell.value.text or "" if isinstance(cell.value, ArrayFormula) else str(cell.value)
                if formula in own:
                    continue
                value = stored[cell.coordinate].value if isinstance(stored, Worksheet) else None
                if value is None:
                    put_text(cell, formula)
                    notes[(ws.title, cell.coordinate)] = NO_VALUE_NOTE.format(formula=formula)
                else:
                    put_value(cell, value)
        _drop_unsafe_rules(ws)
        for name in [n for n, d in ws.defined_names.items() if unsafe(d.attr_text or "")]:
            del ws.defined_names[name]
    for name in [n for n, d in wb.defined_names.items() if unsafe(d.attr_text or "")]:
        del wb.defined_names[name]
    wb.calculation.fullCalcOnLoad = False
    return notes


def _drop_unsafe_rules(ws: Worksheet) -> None:
    """Validations and conditional formats whose formulas are unsafe: Excel evaluates both on open."""
    validations = ws.data_validations.dataValidation
    validations[:] = [v for v in validations if not any(unsafe(f or "") for f in (v.formula1, v.formula2))]
    formats = ws.conditional_formatting
    for cf in list(formats):
        cf.rules[:] = [r for r in cf.rules if not any(unsafe(str(f)) for f in (r.formula or ()))]
        if not cf.rules:
            del formats[str(cf.sqref)]
