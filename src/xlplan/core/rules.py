"""Validation rules as plan-file data: a left side, an operator, a right side, and what to say.

Modelled on DHIS2's validation rules. A plan file lists ``[[rules]]``; each
names a form, a scope (``unit``: each unit's form; ``kind`` or ``city``: the
rolled-up figures of a kind of unit or of the whole city), two expressions
over the form's field ids (:mod:`xlplan.core.expressions`), an operator, a
severity, a Vietnamese message and fix, and the document it comes from. The
built-in arithmetic checks of the forms are rules of the bundled plan file;
their ``code`` keeps the catalogued finding code (``balance-mismatch`` …), a
new rule's ``id`` is its finding code.

This module parses the ``[[rules]]`` tables (syntax, operators, expressions),
compares exactly, and turns a failed rule into a :class:`Finding` whose
message ends with "(Căn cứ: …)" when the rule names its source. Whether the
fields exist is checked against the form specs (:func:`xlplan.core.forms.rule_problems`).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Literal, Mapping

from . import expressions as ex
from .findings import CATALOGUE, Finding, Severity, make, place_text

Scope = Literal["unit", "kind", "city"]
Missing = Literal["skip", "zero"]
SCOPES: tuple[Scope, ...] = ("unit", "kind", "city")
MISSING: tuple[Missing, ...] = ("skip", "zero")
OPERATORS: dict[str, Callable[[Fraction, Fraction], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, "=": lambda a, b: a == b,
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "!=": lambda a, b: a != b,
}
SEVERITIES = tuple(s.value for s in Severity)
SEVERITY_WORDS = {"lỗi": "error", "cảnh báo": "warning", "ghi chú": "info"}  # the Board may write them in Vietnamese
DEFAULT_FIX = "Kiểm tra lại các ô {left_cells} và {right_cells}."
DEFAULT_OK, DEFAULT_NOT_OK = "Hợp lệ", "Không hợp lệ"
# Placeholders every rule message may use, besides the ids of the fields its sides read.
PLACEHOLDERS = ("left", "right", "left_cells", "right_cells", "cell", "unit", "file", "rule", "label", "kind")
# Every key a ``[[rules]]`` table may hold: (key, required, what it says). docs/plan-file.md documents each.
KEYS: tuple[tuple[str, bool, str], ...] = (
    ("id", True, "rule id: lowercase letters, digits, '_'; the finding code unless `code` is given, "
                 "and the defined name of the rule's check cell in the form"),
    ("form", True, "F01, F02 or F03"),
    ("scope", False, "unit (each unit's form, default), kind (each kind's rolled-up figures) or city"),
    ("left", True, "expression: field ids, numbers, + - * /, parentheses, sum(...)"),
    ("op", True, "< <= = >= > !="),
    ("right", True, "expression, as `left`"),
    ("severity", False, "error, warning or info (or lỗi, cảnh báo, ghi chú); default: the catalogued code's "
                        "severity, else error"),
    ("message", False, "Vietnamese message; placeholders {left} {right} {left_cells} {right_cells} {cell} "
                       "{unit} {kind} and the fields' ids; required unless `code` is a catalogued code"),
    ("fix", False, "Vietnamese: how to put it right (same placeholders)"),
    ("source", False, "the document the rule comes from; shown as \"(Căn cứ: …)\""),
    ("code", False, "a catalogued finding code to report instead of `id` (the built-in checks keep theirs)"),
    ("label", False, "the check cell's label in the form"),
    ("ok", False, "text of the check cell when the rule holds (default \"Hợp lệ\")"),
    ("not_ok", False, "text of the check cell when it fails (default \"Không hợp lệ\")"),
    ("missing", False, "skip (default): a side whose fields are all empty skips the rule (no data); "
                       "zero: empty cells count as 0, as in Excel, and only an all-empty rule is skipped"),
)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_CELL_LIKE = re.compile(r"^[a-z]{1,3}[0-9]+$")  # ``ab12`` is a cell address, never a defined name


@dataclass(frozen=True)
class Rule:
    """One ``[[rules]]`` table, parsed."""

    id: str
    form: str
    left: ex.Expr
    op: str
    right: ex.Expr
    left_text: str
    right_text: str
    severity: Severity
    scope: Scope = "unit"
    code: str = ""  # the finding code; ``id`` when empty
    message: str | None = None
    fix: str | None = None
    source: str | None = None
    label: str | None = None
    ok: str = DEFAULT_OK
    not_ok: str = DEFAULT_NOT_OK
    missing: Missing = "skip"
    index: int = 0  # position in the file, for messages naming ``rules[i]``

    @property
    def finding_code(self) -> str:
        return self.code or self.id

    @property
    def key(self) -> str:
        return f"rules[{self.index}] (id = \"{self.id}\")"

    @property
    def title(self) -> str:
        """The check's label: as the plan file says, else the comparison itself."""
        if self.label:
            return self.label
        return f"{self.left_text} {self.op} {self.right_text}"

    def holds(self, left: Fraction, right: Fraction) -> bool:
        return OPERATORS[self.op](left, right)

    @property
    def refs(self) -> list[str]:
        out = ex.refs(self.left)
        out += [r for r in ex.refs(self.right) if r not in out]
        return out


def parse_rules(items: Any, form_ids: tuple[str, ...]) -> tuple[tuple[Rule, ...], list[Finding]]:
    """The ``[[rules]]`` array: the rules that parse, and a ``plan-invalid`` finding per mistake."""
    problems: list[Finding] = []
    if items is None:
        return (), problems

    def problem(key: str, text: str) -> None:
        problems.append(make("plan-invalid", key=key, problem=text, field=key))

    if not isinstance(items, list):
        problem("rules", "phải là danh sách bảng [[rules]]")
        return (), problems
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            problem(f"rules[{i}]", "phải là một bảng")
            continue
        rid = item.get("id")
        name = f"rules[{i}]" + (f" (id = \"{rid}\")" if isinstance(rid, str) else "")
        before = len(problems)
        unknown = sorted(set(item) - {k for k, _, _ in KEYS})
        for key in unknown:
            problem(f"{name}.{key}", "không phải khóa của một quy tắc")
        for key, required, _ in KEYS:
            if key not in item:
                if required:
                    problem(f"{name}.{key}", "bị thiếu")
            elif not isinstance(item[key], str):
                problem(f"{name}.{key}", f"phải có kiểu chuỗi, không phải {item[key]!r}")
            elif required and not item[key].strip():
                problem(f"{name}.{key}", "không được để trống")
        if len(problems) > before:
            continue
        rid = str(item["id"]).strip()
        if not _ID_RE.match(rid) or _CELL_LIKE.match(rid):
            problem(f"{name}.id", "chỉ gồm chữ thường không dấu, số và '_', không giống địa chỉ ô (như ab12)")
        elif rid in seen:
            problem(f"{name}.id", f"trùng mã quy tắc '{rid}'")
        elif rid in CATALOGUE and not item.get("code"):
            problem(f"{name}.id", f"trùng mã phát hiện có sẵn '{rid}': đặt tên khác, hoặc ghi code = \"{rid}\"")
        seen.add(rid)
        form = item["form"].strip().upper()
        if form not in form_ids:
            problem(f"{name}.form", f"biểu mẫu '{item['form']}' không có (chỉ có {', '.join(form_ids)})")
        scope = item.get("scope", "unit")
        if scope not in SCOPES:
            problem(f"{name}.scope", f"phải là một trong {', '.join(SCOPES)}, không phải {scope!r}")
        op = item["op"].strip()
        if op not in OPERATORS:
            problem(f"{name}.op", f"phép so sánh '{op}' không có (chỉ có {' '.join(OPERATORS)})")
        sides: dict[str, ex.Expr] = {}
        for side in ("left", "right"):
            try:
                sides[side] = ex.parse(item[side])
            except ex.ExpressionError as exc:
                problem(f"{name}.{side}", f"không phải biểu thức hợp lệ: {exc}")
        code = item.get("code", "")
        if code and code not in CATALOGUE:
            problem(f"{name}.code", f"mã '{code}' không có trong danh mục mã phát hiện")
        severity = item.get("severity") or (CATALOGUE[code].severity.value if code in CATALOGUE else "error")
        severity = SEVERITY_WORDS.get(" ".join(severity.casefold().split()), severity)
        if severity not in SEVERITIES:
            problem(f"{name}.severity", f"phải là lỗi, cảnh báo hoặc ghi chú (hay {'/'.join(SEVERITIES)}), "
                                        f"không phải {severity!r}")
        if "message" not in item and code not in CATALOGUE:
            problem(f"{name}.message", "bị thiếu (nội dung thông báo khi quy tắc không thỏa)")
        missing = item.get("missing", "skip")
        if missing not in MISSING:
            problem(f"{name}.missing", f"phải là một trong {', '.join(MISSING)}, không phải {missing!r}")
        fields = ex.refs(sides["left"]) + ex.refs(sides["right"]) if len(sides) == 2 else []
        for key in ("message", "fix"):
            if key in item:
                bad = _template_problem(item[key], set(PLACEHOLDERS) | set(fields))
                if bad:
                    problem(f"{name}.{key}", bad)
        if len(problems) > before:
            continue
        rules.append(Rule(
            id=rid, form=form, left=sides["left"], op=op, right=sides["right"],
            left_text=item["left"].strip(), right_text=item["right"].strip(), severity=Severity(severity),
            scope=scope, code=code, message=item.get("message"), fix=item.get("fix"),
            source=(item.get("source") or "").strip() or None, label=item.get("label"),
            ok=item.get("ok", DEFAULT_OK), not_ok=item.get("not_ok", DEFAULT_NOT_OK), missing=missing, index=i))
    return tuple(rules), problems


def _template_problem(text: str, allowed: set[str]) -> str | None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        return f"có dấu ngoặc nhọn sai ({exc}); viết {{{{ và }}}} để có dấu ngoặc nhọn"
    unknown = [n for n in names if n not in allowed]
    if unknown:
        return f"có chỗ điền không biết: {', '.join('{' + n + '}' for n in unknown)}"
    return None


def unknown_field_problem(rule: Rule, side: str, names: list[str], form: str, not_numbers: bool = False) -> Finding:
    """The plan-file finding of a rule that reads fields its form lacks (or that hold no number)."""
    key = f"{rule.key}.{side}"
    what = "ô không chứa số" if not_numbers else f"ô không có trong biểu {form}"
    return make("plan-invalid", key=key, field=key, problem=f"dùng {what}: {', '.join(names)}")


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def rule_finding(rule: Rule, params: Mapping[str, Any], *, unit: str | None = None, file: str | None = None,
                 sheet: str | None = None, cell: str | None = None, field: str | None = None) -> Finding:
    """A failed rule as a finding: its code, its severity, its words, its source.

    ``params`` carries ``left``/``right`` (as shown), ``left_cells``/``right_cells`` and, for a
    catalogued code, the parameters its templates need.
    """
    values = _Defaulting(params)
    values.setdefault("cell", place_text(sheet, cell))  # "trang Đánh giá, ô C12", as make() says it
    values.setdefault("rule", rule.id)
    values.setdefault("label", rule.title)
    for key, given in (("unit", unit), ("file", file)):
        if given is not None:
            values.setdefault(key, given)
    code = rule.finding_code
    if code in CATALOGUE:
        base = make(code, unit=unit, file=file, sheet=sheet, cell=cell, field=field, severity=rule.severity,
                    **params)
        message = rule.message.format_map(values) if rule.message else base.message
        fix = rule.fix.format_map(values) if rule.fix else base.fix
    else:
        message = (rule.message or "").format_map(values)
        fix = (rule.fix or DEFAULT_FIX).format_map(values)
    if rule.source:
        message = f"{message} (Căn cứ: {rule.source})"
    return Finding(code=code, severity=rule.severity, message=message, fix=fix, unit=unit, file=file,
                   sheet=sheet, cell=cell, field=field, params=dict(params), source=rule.source)


def builtin_rule_tables(member_fields: list[str], org_cell_fields: list[str]) -> list[dict[str, str]]:
    """The forms' arithmetic checks as ``[[rules]]`` tables: what a plan file without ``rules`` gets.

    The bundled plan file lists the same tables (a test holds them equal), so the Board sees every
    check; an older plan file keeps the checks it always had, over its own categories.
    """
    def rule(rid: str, code: str, form: str, label: str, left: str, op: str, right: str,
             ok: str = DEFAULT_OK, not_ok: str = DEFAULT_NOT_OK) -> dict[str, str]:
        return {"id": rid, "code": code, "form": form, "label": label, "left": left, "op": op, "right": right,
                "ok": ok, "not_ok": not_ok, "missing": "zero"}

    match = ("Khớp", "Không khớp")
    return [
        rule("kt_ket_nap", "below-minimum", "F01", "Đăng ký kết nạp so với chỉ tiêu tối thiểu",
             "dk_ket_nap", ">=", "ct_toi_thieu", "Đạt", "Chưa đạt"),
        rule("kt_du_bi", "part-exceeds-whole", "F01", "Đảng viên dự bị không vượt tổng số",
             "dv_du_bi", "<=", "dv_tong_so"),
        rule("kt_nguon", "part-exceeds-whole", "F01", "Số đã học lớp nhận thức không vượt nguồn",
             "dk_nguon_boi_duong", "<=", "dk_nguon"),
        rule("kt_can_doi", "balance-mismatch", "F02", "Cân đối đảng viên cuối kỳ",
             "dv_cuoi_ky", "=", "ct_cuoi_ky_tinh", *match),
        rule("kt_luy_ke", "ytd-less-than-period", "F02", "Lũy kế kết nạp không nhỏ hơn trong kỳ",
             "kn_luy_ke", ">=", "kn_trong_ky"),
        rule("kt_xoa_ten", "part-exceeds-whole", "F02", "Đảng viên mới bị xóa tên không vượt số xóa tên",
             "xoa_ten_dv_moi", "<=", "xoa_ten"),
        rule("kt_phan_loai", "sum-mismatch", "F03", "Tổng các mức xếp loại bằng số được đánh giá",
             " + ".join(member_fields) or "0", "=", "dv_duoc_danh_gia", *match),
        rule("kt_tong_so", "sum-mismatch", "F03", "Được đánh giá + không đánh giá = tổng số",
             "dv_duoc_danh_gia + dv_khong_danh_gia", "=", "dv_tong_so", *match),
        rule("kt_chi_bo", "sum-mismatch", "F03", "Tổng chi bộ theo xếp loại bằng tổng số chi bộ",
             " + ".join(org_cell_fields) or "0", "=", "chi_bo_tong_so", *match),
    ]


def rule_verdict(rule: Rule, values: Mapping[str, Fraction | None]) -> tuple[Fraction, Fraction] | None:
    """Both sides of a failed rule over ``values`` (field id → number or None); None when it holds or has no data.

    No data: every field of the rule empty, or (``missing = "skip"``) every field of one side, or a zero divisor.
    """
    if rule.refs and all(values.get(i) is None for i in rule.refs):
        return None
    sides: list[Fraction] = []
    for expr in (rule.left, rule.right):
        ids = ex.refs(expr)
        if rule.missing == "skip" and ids and all(values.get(i) is None for i in ids):
            return None
        value = ex.evaluate(expr, lambda key: values.get(key) or Fraction(0))
        if value is None:
            return None
        sides.append(value)
    left, right = sides
    return None if rule.holds(left, right) else (left, right)


def group_findings(rules: tuple[Rule, ...], group: str, values_by_form: Mapping[str, Mapping[str, Fraction | None]],
                   shown: Callable[[Fraction], str]) -> list[Finding]:
    """The kind or city rules that fail on a group's rolled-up figures (field sums by form).

    ``group`` is the group's name (a kind's label, or the city), offered to the message as ``{kind}``.
    """
    out = []
    for rule in rules:
        failed = rule_verdict(rule, values_by_form.get(rule.form, {}))
        if failed is None:
            continue
        left, right = failed
        params = {"left": shown(left), "right": shown(right), "kind": group,
                  "left_cells": ", ".join(ex.refs(rule.left)), "right_cells": ", ".join(ex.refs(rule.right))}
        out.append(rule_finding(rule, params, field=next(iter(ex.refs(rule.left)), None)))
    return out
