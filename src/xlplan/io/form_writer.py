"""Generate a form (F01/F02/F03) as an xlsx workbook, for one unit or blank.

The workbook is the contract with ~80 grassroots offices running plain Excel
2010 and with every reader of the files that come back:

- every field and derived cell is a workbook-level defined name equal to its id,
  and the metadata (form, version, plan, unit, period, generator) sits in named
  cells of the hidden ``_xlplan`` sheet — readers find everything by name, never
  by address, so the layout can change without breaking them;
- only input cells are unlocked (and coloured); sheets and the workbook
  structure are protected so a unit cannot rename or reorder what readers
  rely on;
- inputs carry data validation (whole numbers ≥ 0, shares 0–100 %, dates,
  drop-down lists pointing at cells of the hidden ``DanhSach`` sheet — never
  inline lists, since labels contain commas);
- derived indicators are native Excel 2010 formulas
  (:mod:`xlplan.io.excel_formulas`) so a unit without the add-in sees the
  numbers the add-in computes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

import xlplan

from ..core.carry_forward import Prefilled, RunningTotal
from ..core.forms import FORM_IDS, META_KEYS, Check, Derived, Field, FormSpec, Ratio, form_spec
from ..core.periods import Period
from ..core.plan import Plan, check_period
from ..core.registry import Unit
from . import form_layout as layout
from . import form_styles as st
from . import party_style as ps
from .cell_values import put_formula, put_text, put_value, write_value
from .excel_formulas import percent_format, render
from .workbook_files import save_workbook

HELP_SHEET = "Hướng dẫn"
LIST_SHEET = "DanhSach"
META_SHEET = "_xlplan"
KIND_LIST = "ds_loai_hinh"  # defined name of the unit-kind list (drop-down of blank forms)
DERIVED_TITLE = "Chỉ tiêu tự tính"
VALUE_COLUMN = "C"

_LIST_TITLES = {"ds_xep_loai_tccs": "Xếp loại tổ chức cơ sở đảng", KIND_LIST: "Loại hình tổ chức cơ sở đảng"}
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[RrCc][0-9]*|[Rr][0-9]*[Cc][0-9]*)$")
_ERROR_TITLE = "Dữ liệu không hợp lệ"

_BLANK_PROMPTS = {
    "don_vi_ma": "Ghi mã đơn vị do Ban Tổ chức cấp, ví dụ P_VUNINH.",
    "don_vi_ten": "Ghi tên tổ chức cơ sở đảng.",
    "loai_hinh": "Chọn loại hình trong danh sách thả xuống.",
    "ky_bao_cao": "Ghi kỳ báo cáo: 2017 (năm), 2017-Q1 (quý), 2017-01 (tháng).",
}


def build_form(spec: FormSpec, plan: Plan, unit: Unit | None = None, period: Period | str | None = None,
               values: Mapping[str, Any] | None = None, password: str | None = None,
               carried: Mapping[str, Prefilled] | None = None) -> Workbook:
    """The form ``spec`` as a workbook for ``unit`` and ``period`` (blank identity when None).

    ``values`` fills input cells (tests and the demo use it to make filled forms);
    ``carried`` prefills input cells from the unit's consolidated reports
    (:mod:`xlplan.core.carry_forward`): still inputs, with a note saying where
    the figure comes from; ``password`` protects sheets and structure with a
    password (none by default, so the Board can still unprotect a form without one).
    """
    parsed = check_period(plan, spec.id, period) if period is not None else None
    _check_names(spec)
    values = dict(values or {})
    carried = dict(carried or {})
    unknown = sorted((set(values) | set(carried)) - {f.id for f in spec.fields})
    if unknown:
        raise ValueError(f"biểu {spec.id} không có ô: {', '.join(unknown)}")
    prefilled = _prefill(spec, plan, unit, parsed)
    ctx = layout.FormContext(spec, plan, unit.code if unit else None, unit.name if unit else None, parsed)

    wb = Workbook()
    help_ws = wb.active
    help_ws.title = HELP_SHEET
    main = wb.create_sheet(spec.sheet)
    lists_ws = wb.create_sheet(LIST_SHEET)
    meta_ws = wb.create_sheet(META_SHEET)

    style = st.Styler()
    layout.write_help(help_ws, ctx, style)
    list_names = _write_lists(wb, lists_ws, style, spec, plan)
    _write_main(wb, main, ctx, style, prefilled, values, list_names, carried)
    _write_meta(wb, meta_ws, style, spec, plan, unit, parsed)

    lists_ws.sheet_state = meta_ws.sheet_state = "hidden"
    for ws in wb.worksheets:
        _protect(ws, password)
        ws.sheet_view.tabSelected = ws is main
    wb.active = wb.worksheets.index(main)
    wb.security = WorkbookProtection(lockStructure=True)
    if password:
        wb.security.workbookPassword = password
    return wb


def write_form(path: str | os.PathLike[str], spec: FormSpec, plan: Plan, unit: Unit | None = None,
               period: Period | str | None = None, values: Mapping[str, Any] | None = None,
               password: str | None = None, carried: Mapping[str, Prefilled] | None = None) -> Path:
    """Build the form and save it atomically and reproducibly at ``path``."""
    return save_workbook(build_form(spec, plan, unit, period, values, password, carried), path)


def own_formulas(plan: Plan) -> frozenset[str]:
    """Every formula this module writes into a form of ``plan``: derived and check cells, signature lines.

    A feedback copy keeps exactly these live (:mod:`xlplan.io.unit_formulas`);
    any other formula in a unit's file is the unit's and becomes its value.
    """
    found = {layout.signature_formula(name) for name in ("nguoi_lap", "bi_thu")}
    for form_id in FORM_IDS:
        found.update(render(derived) for derived in form_spec(form_id, plan).derived)
    return frozenset(found)


def form_file_name(unit_code: str, form_id: str, period: Period | str) -> str:
    """``P_VUNINH_F02_2017-01.xlsx``: the name a unit's form is sent and filed under."""
    return f"{unit_code}_{form_id}_{Period.parse(period)}.xlsx"


# -- identity ------------------------------------------------------------------------

def _prefill(spec: FormSpec, plan: Plan, unit: Unit | None, period: Period | None) -> dict[str, Any]:
    """Values of the locked fields the generator knows for this unit and period."""
    known: dict[str, Any] = {}
    if unit is not None:
        known["don_vi_ma"] = unit.code
        known["don_vi_ten"] = unit.name
        known["loai_hinh"] = plan.kind(unit.kind).label
        known["ct_toi_thieu"] = plan.admission_minimum(unit.kind, unit.has_source)
    if period is not None:
        known["ky_bao_cao"] = str(period)
    return {f.id: known[f.id] for f in spec.fields if f.locked and f.id in known}


def _is_input(item: Field, prefilled: Mapping[str, Any]) -> bool:
    """Unlocked cells: ordinary inputs, and identity a blank form leaves for the unit to type.

    A locked figure the unit must not set (the admission minimum) stays locked
    even when blank.
    """
    if not item.locked:
        return True
    return item.id not in prefilled and item.id in _BLANK_PROMPTS


def _check_names(spec: FormSpec) -> None:
    """Field ids become defined names: one that looks like a cell reference cannot."""
    for name in [f.id for f in spec.fields] + [d.id for d in spec.derived]:
        if _CELL_LIKE.match(name):
            raise ValueError(f"mã ô '{name}' trùng dạng địa chỉ ô Excel, không dùng làm tên được")


# -- the main sheet -----------------------------------------------------------------

def _write_main(wb: Workbook, ws: Worksheet, ctx: layout.FormContext, style: st.Styler,
                prefilled: Mapping[str, Any], values: Mapping[str, Any], list_names: Mapping[str, str],
                carried: Mapping[str, Prefilled]) -> None:
    spec = ctx.spec
    layout.setup_columns(ws)
    row = layout.write_header(ws, ctx, style)
    for col, text in zip("ABCD", ("TT", "Nội dung", "Số liệu", "Ghi chú, ràng buộc")):
        cell = put_text(ws[f"{col}{row}"], text)
        style(cell, st.HEAD_CELL)
    ws.row_dimensions[row].height = layout.row_height(1)
    validations = _Validations(ws, ctx.plan)
    for number, group in enumerate(spec.groups, start=1):
        row += 1
        _group_row(ws, style, row, _roman(number), group.title)
        for index, item in enumerate(group.fields, start=1):
            row += 1
            is_input = _is_input(item, prefilled)
            cell = ws[f"{VALUE_COLUMN}{row}"]
            style(cell, st.value_look(item.type, is_input))
            if item.id in prefilled:
                put_value(cell, prefilled[item.id])  # registry and plan text: text, whatever it starts with
            note = _note(item, is_input, item.id in prefilled)
            if item.id in values:
                _put(cell, item, values[item.id])
            elif item.id in carried:
                note = _put_carried(cell, carried[item.id], note)
            shown = cell.value if isinstance(cell.value, str) else ""
            _label_cells(ws, style, row, index, item.label, note, shown)
            if is_input:
                validations.add(cell.coordinate, item, list_names)
            _name(wb, item.id, ws.title, cell.coordinate)
    row += 1
    _group_row(ws, style, row, _roman(len(spec.groups) + 1), DERIVED_TITLE)
    for index, derived in enumerate(spec.derived, start=1):
        row += 1
        _label_cells(ws, style, row, index, derived.label, _derived_note(derived))
        cell = ws[f"{VALUE_COLUMN}{row}"]
        put_formula(cell, render(derived))
        if isinstance(derived, Ratio):
            style(cell, st.derived_percent_look(percent_format(derived.digits)))
        elif isinstance(derived, Check):
            style(cell, st.DERIVED_CHECK)
            ws.conditional_formatting.add(cell.coordinate, CellIsRule(
                operator="notEqual", formula=[_quoted(derived.ok)], font=ps.ALERT))
        else:
            style(cell, st.DERIVED_INT)
        _name(wb, derived.id, ws.title, cell.coordinate)
    has = {f.id for f in spec.fields}
    last = layout.write_signature(ws, style, row + 2, "nguoi_lap" if "nguoi_lap" in has else None,
                                  "bi_thu" if "bi_thu" in has else None)
    layout.setup_print(ws, last)


def _group_row(ws: Worksheet, style: st.Styler, row: int, number: str, title: str) -> None:
    """A group's header row; the title overflows into the empty C and D (no slow merge)."""
    first = put_text(ws[f"A{row}"], number)
    style(first, st.GROUP_NUMBER)
    label = put_text(ws[f"B{row}"], title)
    style(label, st.GROUP_TITLE)
    style(ws[f"C{row}"], st.GROUP_BLANK)
    style(ws[f"D{row}"], st.GROUP_BLANK)
    ws.row_dimensions[row].height = layout.row_height(1)


def _label_cells(ws: Worksheet, style: st.Styler, row: int, number: int, label: str, note: str,
                 value_text: str = "") -> None:
    """Number, label and note of a row, and a row height that shows all three (and a long value) whole."""
    tt = put_value(ws[f"A{row}"], number)
    style(tt, st.ROW_NUMBER)
    text = put_text(ws[f"B{row}"], label)
    style(text, st.ROW_LABEL)
    remark = put_value(ws[f"D{row}"], note or None)
    style(remark, st.ROW_REMARK)
    lines = max(layout.line_count(label, layout.COLUMN_WIDTHS["B"], 0.75),
                layout.line_count(note, layout.COLUMN_WIDTHS["D"], 0.7),
                layout.line_count(value_text, layout.COLUMN_WIDTHS[VALUE_COLUMN], 0.8))
    ws.row_dimensions[row].height = layout.row_height(lines)


def _note(item: Field, is_input: bool, prefilled: bool) -> str:
    """Column D: the field's constraints, or who fills a locked cell a blank form leaves empty."""
    if item.locked and is_input:  # identity a blank form leaves to the unit
        if item.id == "loai_hinh":
            return "chọn trong danh sách thả xuống"
        return item.constraints.replace(", điền sẵn, khóa", "").replace("điền sẵn, khóa", "")
    if item.locked and not prefilled:
        return "Ban Tổ chức ghi theo loại hình đơn vị"
    if item.type == "choice":  # the full list is in the drop-down; repeating it makes tall rows
        return ", ".join(["chọn trong danh sách thả xuống"] + (["bắt buộc"] if item.required else []))
    return item.constraints


def _derived_note(derived: Derived) -> str:
    if isinstance(derived, Check):
        return f"Tự tính: “{derived.ok}” hoặc “{derived.not_ok}”"
    if isinstance(derived, Ratio):
        how = "cắt bỏ" if derived.mode == "cat" else "làm tròn"
        return f"Tự tính, {how} đến {derived.digits} chữ số thập phân của %; trống khi chưa có mẫu số"
    return "Tự tính từ các ô trên"


def _put(cell: Any, item: Field, value: Any) -> None:
    """Write a caller's value with the cell type Excel would give it (text always as text)."""
    if isinstance(value, (Fraction, Decimal)):
        put_value(cell, int(value) if item.type == "int" and value == int(value) else float(value))
    elif isinstance(value, dt.datetime):
        put_value(cell, value)
        cell.number_format = ps.DATE_FORMAT
    elif isinstance(value, dt.date):
        put_value(cell, dt.datetime(value.year, value.month, value.day))
        cell.number_format = ps.DATE_FORMAT
    elif value is None or isinstance(value, (bool, int, float)):
        put_value(cell, value)
    else:
        put_text(cell, str(value))  # "=HYPERLINK(...)" typed by a unit stays text, never a formula


def _put_carried(cell: Any, figure: Prefilled, note: str) -> str:
    """Write a figure carried from the unit's earlier reports; returns the note column's text.

    A year-to-date figure is the formula ``=<so far>+<this period's field>``
    (the one formula in an input cell, built here from two whole numbers and a
    field id): it follows what the unit types as this period's admissions.
    """
    if isinstance(figure, RunningTotal):
        put_formula(cell, f"={figure.prior}+{figure.plus}")
        said = f"Điền sẵn: {figure.prior} + ô kết nạp trong kỳ ({figure.source})"
    else:
        put_value(cell, figure.value)
        said = f"Điền sẵn: {figure.value} ({figure.source})"
    return f"{said}; sửa nếu chưa đúng. {note}".strip()


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while number >= value:
            out, number = out + letters, number - value
    return out


# -- validation ------------------------------------------------------------------------

class _Validations:
    """Data validation of the input cells, one rule per cell (each has its own prompt)."""

    def __init__(self, ws: Worksheet, plan: Plan):
        self.ws = ws
        self.first_day = int(to_excel(dt.datetime(plan.year - 1, 1, 1)))
        self.last_day = int(to_excel(dt.datetime(plan.year + 1, 12, 31)))

    def add(self, coordinate: str, item: Field, list_names: Mapping[str, str]) -> None:
        rule = self._rule(item, list_names)
        if rule is None:
            return
        prompt = item.note or _BLANK_PROMPTS.get(item.id, "")
        if prompt:
            rule.promptTitle = _prompt_title(item.label)
            rule.prompt = prompt[:255]
            rule.showInputMessage = True
        rule.add(coordinate)
        self.ws.add_data_validation(rule)

    def _rule(self, item: Field, list_names: Mapping[str, str]) -> DataValidation | None:
        if item.type == "int":
            low = item.minimum if item.minimum is not None else 0
            if item.maximum is not None:
                return _dv("whole", "between", str(low), str(item.maximum),
                           f"Chỉ nhập số nguyên từ {low} đến {item.maximum}.")
            return _dv("whole", "greaterThanOrEqual", str(low), None,
                       "Chỉ nhập số nguyên không âm (0, 1, 2, …)." if low == 0 else f"Chỉ nhập số nguyên từ {low} trở lên.")
        if item.type == "share":
            return _dv("decimal", "between", "0", "1", "Chỉ nhập tỷ lệ từ 0% đến 100%, ví dụ 86%.")
        if item.type == "date":
            return _dv("date", "between", str(self.first_day), str(self.last_day),
                       "Chỉ nhập ngày hợp lệ dạng dd/mm/yyyy, ví dụ 15/02/2017.")
        list_key = _list_key(item)
        list_name = list_names.get(list_key) if list_key is not None else None
        if list_name is not None:
            return _dv("list", None, list_name, None, "Chỉ chọn một mục trong danh sách thả xuống.")
        if item.note or item.id in _BLANK_PROMPTS:
            return DataValidation(allow_blank=True)  # no rule, only the input message
        return None


def _prompt_title(label: str, limit: int = 32) -> str:
    """Excel refuses an input-message title over 32 characters: cut at a word, mark with …."""
    if len(label) <= limit:
        return label
    head = label[:limit - 1]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,:;") + "…"


def _dv(kind: str, operator: str | None, formula1: str, formula2: str | None, error: str) -> DataValidation:
    rule = DataValidation(type=kind, operator=operator, formula1=formula1, formula2=formula2, allow_blank=True,
                          showErrorMessage=True, errorStyle="stop", errorTitle=_ERROR_TITLE, error=error)
    return rule


def _list_key(item: Field) -> str | None:
    """Which list a field's drop-down uses (``loai_hinh`` of blank forms uses the kinds)."""
    if item.type == "choice":
        return item.choice_list or f"ds_{item.id}"
    if item.id == "loai_hinh":
        return KIND_LIST
    return None


# -- lists, names, metadata, protection ------------------------------------------------

def _write_lists(wb: Workbook, ws: Worksheet, style: st.Styler, spec: FormSpec, plan: Plan) -> dict[str, str]:
    """One column per drop-down list on the hidden list sheet; returns list key → defined name."""
    lists: dict[str, list[str]] = {}
    for item in spec.fields:
        if item.type == "choice":
            lists.setdefault(_list_key(item) or "", list(item.choices or plan.org_ratings.labels))
    if spec.has_field("loai_hinh"):
        lists[KIND_LIST] = [k.label for k in plan.kinds]
    ws.column_dimensions["A"].width = 40
    names: dict[str, str] = {}
    for column, (name, items) in enumerate(lists.items(), start=1):
        head = write_value(ws, 1, column, _LIST_TITLES.get(name, name))
        style(head, st.PLAIN_BOLD)
        for offset, label in enumerate(items, start=2):
            style(write_value(ws, offset, column, label), st.PLAIN)
        letter = head.column_letter
        ws.column_dimensions[letter].width = 40
        _name_ref(wb, name, ws.title, f"${letter}$2:${letter}${len(items) + 1}")
        names[name] = name
    return names


def _write_meta(wb: Workbook, ws: Worksheet, style: st.Styler, spec: FormSpec, plan: Plan, unit: Unit | None,
                period: Period | None) -> None:
    """Key/value rows read by every reader to know what a file claims to be."""
    meta = {
        "xlp_form": spec.id,
        "xlp_version": spec.version,
        "xlp_plan": plan.id,
        "xlp_plan_year": plan.year,
        "xlp_unit": unit.code if unit else None,
        "xlp_period": str(period) if period else None,
        "xlp_generator": f"xlplan {xlplan.__version__}",
    }
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 30
    for row, key in enumerate(META_KEYS, start=1):
        style(write_value(ws, row, 1, key), st.PLAIN)
        cell = write_value(ws, row, 2, meta[key])
        style(cell, st.PLAIN if isinstance(meta[key], int) else st.PLAIN_TEXT)
        _name(wb, key, ws.title, cell.coordinate)


def _name(wb: Workbook, name: str, sheet: str, coordinate: str) -> None:
    column = coordinate.rstrip("0123456789")
    _name_ref(wb, name, sheet, f"${column}${coordinate[len(column):]}")


def _name_ref(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    if name in wb.defined_names:
        raise ValueError(f"tên '{name}' bị định nghĩa hai lần trong biểu")
    quoted = "'" + sheet.replace("'", "''") + "'"
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!{ref}")


def _protect(ws: Worksheet, password: str | None) -> None:
    """Protect the sheet; a unit may still select and resize, but only edits unlocked cells."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    if password:
        ws.protection.password = password
