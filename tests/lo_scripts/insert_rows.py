"""LibreOffice-side script: edit forms the way a unit's clerk might, and save them as .xlsx.

Run with ``tests.support.libreoffice_uno.run_script(this, args)``, under LibreOffice's
own Python (only ``uno`` and the standard library). For each document it opens
it hidden, finds the main sheet (the one holding the defined name
``don_vi_ma``), lifts its protection if needed, inserts rows above the rows of
the named fields in ``above``, rows above everything and columns left of
everything, protects it again and stores the result in Excel 2007+ format.

args: EDIT SRC1 DST1 [SRC2 DST2 ...] where EDIT is JSON:
``{"rows": 3, "columns": 1, "above": {"dv_tong_so": 2}, "password": ""}``.
Returns, per document, the main sheet's name, whether it was protected, and
the address ``don_vi_ma`` refers to before and after, so the caller can see
the cells moved.
"""

import json

import uno
from com.sun.star.beans import PropertyValue

ANCHOR = "don_vi_ma"
XLSX = "Calc MS Excel 2007 XML"


def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def main(ctx, desktop, args):
    edit = json.loads(args[0])
    pairs = list(zip(args[1::2], args[2::2]))
    return [edit_one(desktop, src, dst, edit) for src, dst in pairs]


def edit_one(desktop, src, dst, edit):
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    try:
        names = doc.NamedRanges
        before = names.getByName(ANCHOR).getContent()
        sheet = doc.Sheets.getByIndex(names.getByName(ANCHOR).getReferredCells().getRangeAddress().Sheet)
        password = edit.get("password", "")
        protected = sheet.isProtected()
        if protected:
            sheet.unprotect(password)
        # Bottom-up, so each named row is still where the name says when its turn comes.
        above = sorted(((row_of(names, name), count) for name, count in edit.get("above", {}).items()
                        if names.hasByName(name)), reverse=True)
        for row, count in above:
            sheet.getRows().insertByIndex(row, count)
        if edit.get("rows"):
            sheet.getRows().insertByIndex(0, edit["rows"])
        if edit.get("columns"):
            sheet.getColumns().insertByIndex(0, edit["columns"])
        if protected:
            sheet.protect(password)
        after = names.getByName(ANCHOR).getContent()
        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", XLSX),))
        return {"sheet": sheet.getName(), "protected": protected, "before": before, "after": after}
    finally:
        doc.close(True)


def row_of(names, name):
    return names.getByName(name).getReferredCells().getRangeAddress().StartRow
