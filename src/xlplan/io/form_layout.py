"""The printed look of a form: Party document header, signature block, page setup, help sheet.

Forms are printed, signed and stamped before they are sent, so the main sheet
follows the Party's document style (DOMAIN.md "Document style"): the superior
organization and the unit top left with a ``*``, ``ĐẢNG CỘNG SẢN VIỆT NAM``
underlined top right with the place and date in italics, the title in bold
capitals, Times New Roman, A4 portrait one page wide. Nothing here names a
field: the data part of the sheet is laid out by :mod:`xlplan.io.form_writer`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from openpyxl.worksheet.worksheet import Worksheet

from ..core import indicators
from ..core.forms import Check, FormSpec
from ..core.periods import KIND_LABELS, Period
from ..core.plan import DueRule, Plan
from . import form_styles as st
from . import party_style as ps
from .cell_values import put_formula, put_value, write_value

# Main sheet columns: TT, label, value, note. Widths in Excel character units.
COLUMN_WIDTHS = {"A": 6, "B": 46, "C": 24, "D": 34}
PLACEHOLDER = "…………………………………"


@dataclass(frozen=True)
class FormContext:
    """What a generated form is about: the texts the header and the help sheet need."""

    spec: FormSpec
    plan: Plan
    unit_code: str | None
    unit_name: str | None
    period: Period | None

    @property
    def year(self) -> int:
        return self.period.year if self.period else self.plan.year

    @property
    def superior(self) -> str:
        """``ĐẢNG BỘ THÀNH PHỐ BẮC NINH``: the unit's superior organization."""
        return f"{self.plan.committee.upper()} {self.plan.place.upper()}"


def line_count(text: str, width: float, char_width: float = 1.0) -> int:
    """Estimated wrapped lines of ``text`` in a column ``width`` characters wide.

    openpyxl cannot measure text and Excel does not grow rows of merged cells,
    so rows are sized from this estimate (generous: a clipped label is worse
    than a tall row).
    """
    if not text:
        return 1
    usable = max(width - 1.5, 1.0) / char_width
    return sum(max(1, math.ceil(len(part) / usable)) for part in str(text).split("\n"))


def row_height(lines: int, size: int = ps.BODY_SIZE) -> float:
    """Row height in points for ``lines`` lines of a ``size`` pt font."""
    return round(lines * size * 1.32 + 3, 1)


def setup_columns(ws: Worksheet) -> None:
    for letter, width in COLUMN_WIDTHS.items():
        ws.column_dimensions[letter].width = width


def write_header(ws: Worksheet, ctx: FormContext, style: st.Styler) -> int:
    """Rows 1–6: document header, title and period. Returns the next free row."""
    left_width = COLUMN_WIDTHS["A"] + COLUMN_WIDTHS["B"]
    right_width = COLUMN_WIDTHS["C"] + COLUMN_WIDTHS["D"]
    _merged(ws, style, 1, "A", "B", ctx.superior, st.HEADER_PLAIN)
    _merged(ws, style, 1, "C", "D", ps.PARTY, st.HEADER_PARTY_LINE)
    unit = ctx.unit_name.upper() if ctx.unit_name else PLACEHOLDER
    _merged(ws, style, 2, "A", "B", unit, st.HEADER_STRONG)
    place_date = f"{ctx.plan.place}, ngày … tháng … năm {ctx.year}"
    _merged(ws, style, 2, "C", "D", place_date, st.HEADER_PLACE_DATE)
    ws.row_dimensions[2].height = row_height(max(line_count(unit, left_width, 1.1),
                                                 line_count(place_date, right_width, 0.85)), ps.HEADER_SIZE)
    _merged(ws, style, 3, "A", "B", ps.ISSUER_MARK, st.HEADER_STRONG)
    total_width = sum(COLUMN_WIDTHS.values())
    _merged(ws, style, 5, "A", "D", ctx.spec.title, st.TITLE_CENTER)
    ws.row_dimensions[5].height = row_height(line_count(ctx.spec.title, total_width, 1.15), ps.TITLE_SIZE)
    period = ctx.period.label if ctx.period else f"Kỳ báo cáo: {PLACEHOLDER}"
    _merged(ws, style, 6, "A", "D", period, st.HEADER_STRONG)
    hint = "(Chỉ nhập số liệu vào các ô tô màu vàng ở cột “Số liệu”; các ô khác đã khóa)"
    _merged(ws, style, 7, "A", "D", hint, st.HINT_CENTER)
    return 8


def write_signature(ws: Worksheet, style: st.Styler, row: int, preparer_name: str | None,
                    secretary_name: str | None) -> int:
    """Signature block from ``row``: preparer left, the committee's secretary right.

    The two names are formulas over the ``nguoi_lap``/``bi_thu`` cells so the
    printed page shows what the unit typed. Returns the last row used.
    """
    _merged(ws, style, row, "A", "B", "NGƯỜI LẬP BIỂU", st.HEADER_STRONG)
    _merged(ws, style, row, "C", "D", "T/M CẤP ỦY", st.HEADER_STRONG)
    _merged(ws, style, row + 1, "A", "B", "(Ký, ghi rõ họ tên)", st.ITALIC_CENTER)
    _merged(ws, style, row + 1, "C", "D", "BÍ THƯ", st.HEADER_STRONG)
    _merged(ws, style, row + 2, "C", "D", "(Ký tên, đóng dấu)", st.ITALIC_CENTER)
    names_row = row + 6
    if preparer_name:
        _merged(ws, style, names_row, "A", "B", signature_formula(preparer_name), st.HEADER_STRONG, formula=True)
    if secretary_name:
        _merged(ws, style, names_row, "C", "D", signature_formula(secretary_name), st.HEADER_STRONG, formula=True)
    return names_row


def signature_formula(name: str) -> str:
    """The printed name under a signature: the named cell's text, empty while it is empty."""
    return f'=IF({name}="","",{name})'


def setup_print(ws: Worksheet, last_row: int) -> None:
    """A4 portrait, one page wide (the documents' page), print area over the form."""
    ps.print_a4(ws)
    ws.print_area = f"A1:D{last_row}"


def _merged(ws: Worksheet, style: st.Styler, row: int, first: str, last: str, value: object,
            look: st.Look, formula: bool = False) -> None:
    """A borderless merged text cell (merging bordered cells is slow in openpyxl).

    ``value`` is text (the unit's name, the plan's place…: never a formula,
    whatever it starts with) unless ``formula`` says the code built it.
    """
    cell = ws[f"{first}{row}"]
    if formula:
        put_formula(cell, str(value))
    else:
        put_value(cell, value)
    style(cell, look)
    if first != last:
        ws.merge_cells(f"{first}{row}:{last}{row}")


# -- the help sheet -----------------------------------------------------------------

HELP_WIDTH = 100


def help_lines(ctx: FormContext, example_code: str = "P_VUNINH") -> list[tuple[str, str]]:
    """The help sheet as (style, text) lines; style is ``title``, ``head`` or ``text``."""
    spec, plan = ctx.spec, ctx.plan
    code = ctx.unit_code or "<mã đơn vị>"
    period_text = str(ctx.period) if ctx.period else "<kỳ>"
    file_name = f"{code}_{spec.id}_{period_text}.xlsx"
    check_words = _check_words(spec)
    lines: list[tuple[str, str]] = [
        ("title", f"HƯỚNG DẪN ĐIỀN BIỂU {spec.id} – {spec.short.upper()}"),
        ("text", f"Biểu: {spec.title} (mẫu {spec.id}, phiên bản {spec.version})."),
        ("text", f"Thuộc Kế hoạch “{plan.title}” ({plan.issuer})."),
    ]
    if ctx.unit_name:
        lines.append(("text", f"Đơn vị: {ctx.unit_name} (mã {ctx.unit_code})."))
    if ctx.period:
        lines.append(("text", f"Kỳ báo cáo: {ctx.period.label} (ghi là {ctx.period})."))
    lines += [
        ("head", "1. Ai điền"),
        ("text", "Cấp ủy tổ chức cơ sở đảng giao đồng chí phụ trách công tác tổ chức hoặc văn phòng "
                 "cấp ủy điền số liệu; đồng chí bí thư kiểm tra, ký xác nhận bản in."),
        ("head", "2. Cách điền"),
        ("text", f"– Chỉ nhập vào các ô tô màu vàng ở cột “Số liệu” của trang “{spec.sheet}”; "
                 "các ô khác đã khóa."),
        ("text", "– Ô có mũi tên: bấm mũi tên và chọn trong danh sách thả xuống, không gõ tay."),
        ("text", "– Ô số lượng: nhập số nguyên không âm (0, 1, 2, …), không nhập chữ hay dấu cách; "
                 "để trống nếu không có."),
        ("text", "– Ô tỷ lệ: nhập phần trăm, ví dụ 86%. Ô ngày: nhập dạng dd/mm/yyyy, ví dụ 15/02/2017."),
        ("text", "– Không đổi tên, thêm, xóa hay ẩn/hiện trang tính; không chèn, xóa hàng, cột hoặc ô "
                 "trong vùng nhập liệu; không sao chép số liệu sang tệp khác — điền ngay trên tệp này."),
    ]
    if not ctx.unit_name:
        lines.append(("text", "– Biểu trống: ghi mã đơn vị, tên tổ chức cơ sở đảng, chọn loại hình và ghi "
                              "kỳ báo cáo (2017, 2017-Q1 hoặc 2017-01) vào các ô của mục I."))
    lines += [
        ("head", "3. Kiểm tra"),
        ("text", "Mục “Chỉ tiêu tự tính” do Excel tự tính từ số liệu đã nhập. "
                 + (f"Ô kiểm tra hiện {check_words} là số liệu chưa đúng hoặc chưa đạt: "
                    "xem lại trước khi gửi." if check_words else "")),
        ("head", "4. Hạn nộp"),
        ("text", _deadline_text(ctx)),
        ("head", "5. Cách gửi"),
        ("text", f"Lưu tệp dạng Excel (.xlsx), đặt tên {file_name}"
                 + ("" if ctx.unit_code else f" (ví dụ {example_code}_{spec.id}_{_example_period(spec, plan)}.xlsx)")
                 + f", gửi về {plan.board} qua thư điện tử hoặc mạng nội bộ. "
                 "Nếu mở bằng LibreOffice hay WPS, khi lưu chọn định dạng Excel 2007-365 (.xlsx)."),
        ("text", "Bản in có chữ ký của người lập biểu và bí thư cấp ủy lưu tại đơn vị."),
    ]
    return lines


def write_help(ws: Worksheet, ctx: FormContext, style: st.Styler) -> None:
    """Fill the ``Hướng dẫn`` sheet (one wide wrapped column)."""
    ws.column_dimensions["A"].width = HELP_WIDTH
    looks = {"title": st.HELP_TITLE, "head": st.HELP_HEAD, "text": st.HELP_TEXT}
    for row, (kind, text) in enumerate(help_lines(ctx), start=1):
        cell = write_value(ws, row, 1, text)
        style(cell, looks[kind])
        size = ps.TITLE_SIZE if kind == "title" else ps.BODY_SIZE
        ws.row_dimensions[row].height = row_height(line_count(text, HELP_WIDTH, 0.8), size)
    ps.print_a4(ws)
    # LibreOffice ignores fit-to-width for a print area of one column: add a narrow second one.
    ws.column_dimensions["B"].width = 2
    ws.print_area = f"A1:B{ws.max_row}"


def _check_words(spec: FormSpec) -> str:
    words: list[str] = []
    for item in spec.derived:
        if isinstance(item, Check) and item.not_ok not in words:
            words.append(item.not_ok)
    return ", ".join(f"“{w}”" for w in words)


def _deadline_text(ctx: FormContext) -> str:
    rule = ctx.plan.forms.get(ctx.spec.id)
    if ctx.period is not None:
        due = ctx.plan.due_date(ctx.spec.id, ctx.period)
        return f"Chậm nhất ngày {indicators.format_date(due)}."
    if rule is None:
        return "Theo thông báo của Ban Tổ chức."
    parts = [f"Kỳ {KIND_LABELS[kind].lower()}: {_rule_words(rule.due[kind], ctx.plan.year)}"
             for kind in rule.periods if kind in rule.due]
    return "; ".join(parts) + "."


def _rule_words(rule: DueRule, plan_year: int) -> str:
    """A deadline rule in words, for blank forms that have no period yet."""
    if rule.date is not None:
        return f"chậm nhất ngày {indicators.format_date(rule.date)}"
    if rule.months_after_end == 0:
        return f"chậm nhất ngày {rule.day} của tháng cuối kỳ báo cáo"
    if rule.months_after_end == 1:
        return f"chậm nhất ngày {rule.day} của tháng liền sau kỳ báo cáo"
    return f"chậm nhất ngày {rule.day} của tháng thứ {rule.months_after_end} sau kỳ báo cáo"


def _example_period(spec: FormSpec, plan: Plan) -> str:
    rule = plan.forms.get(spec.id)
    kind = rule.periods[0] if rule else "year"
    return str(Period(plan.year, kind, 1))
