"""Form specifications: the fields of F01, F02 and F03 and the indicators derived from them.

A form spec is data built from the plan (its rating categories, its year), from
which the writer generates workbooks and against which the readers validate
what comes back. Field ids are a public contract: each input cell of a form is a
workbook-level defined name equal to its field id, and consolidation, the UDFs
and anyone else reading the files rely on them. Add fields; never rename one.

Derived indicators are expressions over field ids (:class:`Total`,
:class:`Ratio`, :class:`Check`). Python evaluates them here; the writer renders
the same expressions as native Excel formulas, so a unit without the add-in
sees the same numbers, and the tests hold the two to each other in LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, Literal, Mapping

from . import expressions as ex
from . import indicators
from .findings import Finding, make
from .plan import Plan
from .plan import org_cell_field as org_cell_field  # public here too: forms name their fields
from .rules import OPERATORS, Rule, unknown_field_problem

FORM_VERSION = "1.0"
FieldType = Literal["int", "share", "text", "date", "choice", "code", "period"]

ORG_RATING_LIST = "ds_xep_loai_tccs"  # defined name of the organization rating drop-down list

# The metadata contract of every generated form. Each key is a workbook-level defined name
# pointing at one cell of the hidden sheet, in this order (one row each): the form id, its
# version, the plan id and year, the unit code, the period and the generator. The writer
# writes them, the readers identify a file by them, the reliability tools mutate them; units'
# files already in circulation carry them, so add keys at the end, never rename or reorder.
META_KEYS: tuple[str, ...] = ("xlp_form", "xlp_version", "xlp_plan", "xlp_plan_year", "xlp_unit", "xlp_period",
                              "xlp_generator")


@dataclass(frozen=True)
class Field:
    """One cell of a form. ``id`` is its defined name in every generated workbook."""

    id: str
    label: str
    type: FieldType = "int"
    required: bool = False
    locked: bool = False  # prefilled by the generator, protected (unit identity, minimum)
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # Vietnamese labels, for ``choice``
    choice_list: str | None = None  # defined name of the list range the drop-down points to
    note: str = ""  # help shown as the cell's input message

    @property
    def constraints(self) -> str:
        """Constraints as a short Vietnamese phrase (for ``forms describe`` and help)."""
        parts = []
        if self.type == "int":
            parts.append("số nguyên ≥ 0")
        elif self.type == "share":
            parts.append("tỷ lệ % từ 0% đến 100%")
        elif self.type == "choice":
            parts.append("chọn trong danh sách: " + "; ".join(self.choices))
        elif self.type == "date":
            parts.append("ngày dd/mm/yyyy")
        elif self.type == "period":
            parts.append("kỳ báo cáo (2017, 2017-Q1, 2017-01)")
        elif self.type == "code":
            parts.append("mã đơn vị")
        if self.maximum is not None:
            parts.append(f"≤ {self.maximum}")
        if self.required:
            parts.append("bắt buộc")
        if self.locked:
            parts.append("điền sẵn, khóa")
        return ", ".join(parts)


@dataclass(frozen=True)
class Group:
    title: str
    fields: tuple[Field, ...]


Terms = tuple[tuple[int, str], ...]  # (coefficient, field or derived id)


def _terms(*ids: str, sign: int = 1) -> Terms:
    return tuple((sign, i) for i in ids)


def _number(values: Mapping[str, Any], key: str) -> Fraction:
    value = values.get(key)
    if value is None or isinstance(value, (str, bool)):
        return Fraction(0)  # as Excel: an empty cell counts as 0 in arithmetic
    return indicators.exact(value)


def evaluate_terms(terms: Terms, values: Mapping[str, Any]) -> Fraction:
    return sum((coef * _number(values, key) for coef, key in terms), Fraction(0))


@dataclass(frozen=True)
class Total:
    """A signed sum of fields, e.g. the closing members computed from the movements."""

    id: str
    label: str
    terms: Terms

    def evaluate(self, values: Mapping[str, Any]) -> Fraction:
        return evaluate_terms(self.terms, values)


@dataclass(frozen=True)
class Ratio:
    """A share num/den quantized as the plan writes it; no data ("") when den is 0."""

    id: str
    label: str
    numerator: Terms
    denominator: Terms
    digits: int = 2
    mode: indicators.Mode = "cat"

    def evaluate(self, values: Mapping[str, Any]) -> Fraction | None:
        return indicators.share(evaluate_terms(self.numerator, values),
                                evaluate_terms(self.denominator, values), self.digits, self.mode)


def as_expr(side: "Terms | ex.Expr") -> ex.Expr:
    """A check's side as an expression tree (the built-in checks were written as signed sums)."""
    return ex.from_terms(side) if isinstance(side, tuple) else side


def _value(values: Mapping[str, Any], key: str) -> Fraction | None:
    value = values.get(key)
    if value is None or isinstance(value, (str, bool)):
        return None
    return indicators.exact(value)


@dataclass(frozen=True)
class Check:
    """A comparison shown in the form as ``ok``/``not_ok`` and raised by the reader as ``finding``.

    The checks come from the plan file's ``[[rules]]`` (``rule``); ``left`` and ``right`` are
    expressions (or, as written before rules were data, signed sums of ids). ``missing``:
    ``zero`` counts empty cells as 0, as Excel does; ``skip`` gives no verdict (an empty
    cell, "no data") while a side has no value at all.
    """

    id: str
    label: str
    left: "Terms | ex.Expr"
    op: str
    right: "Terms | ex.Expr"
    finding: str  # finding code when the check fails
    ok: str = "Đạt"
    not_ok: str = "Chưa đạt"
    missing: str = "zero"
    rule: Rule | None = None

    # A check is judged on every form read (tens of thousands of times per run): its sides'
    # trees and the ids they read are worked out once per Check, not once per file.
    @cached_property
    def left_expr(self) -> ex.Expr:
        return as_expr(self.left)

    @cached_property
    def right_expr(self) -> ex.Expr:
        return as_expr(self.right)

    @cached_property
    def _sides(self) -> tuple[tuple[ex.Expr, tuple[str, ...]], ...]:
        """Each side's tree and the ids it reads (:func:`~.expressions.refs`)."""
        return tuple((side, tuple(ex.refs(side))) for side in (self.left_expr, self.right_expr))

    def sides(self, values: Mapping[str, Any]) -> tuple[Fraction | None, Fraction | None]:
        """Both sides' exact values; None for a side without data (``skip``) or dividing by zero."""
        out: list[Fraction | None] = []
        for side, ids in self._sides:
            if self.missing == "skip" and ids and all(_value(values, i) is None for i in ids):
                out.append(None)
            else:
                out.append(ex.evaluate(side, lambda key: _value(values, key) or Fraction(0)))
        return out[0], out[1]

    def verdict(self, values: Mapping[str, Any]) -> bool | None:
        """True when it holds, False when it fails, None when there is no data to judge."""
        left, right = self.sides(values)
        if left is None or right is None:
            return None
        return OPERATORS[self.op](left, right)

    def holds(self, values: Mapping[str, Any]) -> bool:
        return self.verdict(values) is not False

    def evaluate(self, values: Mapping[str, Any]) -> str:
        found = self.verdict(values)
        return "" if found is None else (self.ok if found else self.not_ok)


Derived = Total | Ratio | Check


@dataclass(frozen=True)
class FormSpec:
    id: str
    version: str
    title: str  # Vietnamese title, printed in the header
    short: str  # short Vietnamese name (Đăng ký, Báo cáo định kỳ, Đánh giá chất lượng)
    sheet: str  # name of the main sheet
    period_kinds: tuple[str, ...]
    groups: tuple[Group, ...]
    derived: tuple[Derived, ...] = ()

    # A spec is immutable; the reader asks these of it for every form it reads: worked out once.
    @cached_property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for g in self.groups for f in g.fields)

    @property
    def inputs(self) -> tuple[Field, ...]:
        """Fields a unit fills in (not the prefilled, locked identity)."""
        return tuple(f for f in self.fields if not f.locked)

    @cached_property
    def _by_id(self) -> dict[str, Field]:
        """Field id → field; the first of a repeated id, as a scan in order finds it."""
        found: dict[str, Field] = {}
        for item in self.fields:
            found.setdefault(item.id, item)
        return found

    def field(self, field_id: str) -> Field:
        found = self._by_id.get(field_id)
        if found is None:
            raise KeyError(field_id)
        return found

    def has_field(self, field_id: str) -> bool:
        return field_id in self._by_id

    @cached_property
    def field_keys(self) -> tuple[tuple[Field, str], ...]:
        """Each field with its id casefolded: the key its defined name is found by (names are case-insensitive)."""
        return tuple((item, item.id.casefold()) for item in self.fields)

    def inputs_of(self, expr: ex.Expr) -> list[str]:
        """Field ids behind an expression, looking through derived totals, in order."""
        out: list[str] = []
        derived = {d.id: d for d in self.derived}
        for key in ex.refs(expr):
            if self.has_field(key):
                found = [key]
            elif isinstance(total := derived.get(key), Total):
                found = self.inputs_of(ex.from_terms(total.terms))
            else:
                found = []
            out.extend(f for f in found if f not in out)
        return out

    @cached_property
    def check_inputs(self) -> tuple[tuple[Check, tuple[str, ...], tuple[str, ...]], ...]:
        """Each :class:`Check` with the field ids behind its left and right sides (:meth:`inputs_of`)."""
        return tuple((item, tuple(self.inputs_of(item.left_expr)), tuple(self.inputs_of(item.right_expr)))
                     for item in self.derived if isinstance(item, Check))

    def compute(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Every derived indicator from field values (earlier derived ids usable in later ones)."""
        scope = dict(values)
        out: dict[str, Any] = {}
        for item in self.derived:
            out[item.id] = scope[item.id] = item.evaluate(scope)
        return out


# -- the three forms -------------------------------------------------------------

def _n(fid: str, label: str, **kw: Any) -> Field:
    return Field(fid, label, "int", minimum=0, **kw)


def _identity() -> Group:
    return Group("Thông tin đơn vị", (
        Field("don_vi_ma", "Mã đơn vị", "code", required=True, locked=True),
        Field("don_vi_ten", "Tên tổ chức cơ sở đảng", "text", required=True, locked=True),
        Field("loai_hinh", "Loại hình tổ chức cơ sở đảng", "text", locked=True),
        Field("ky_bao_cao", "Kỳ báo cáo", "period", required=True, locked=True),
    ))


def _signature() -> Group:
    return Group("Người lập và xác nhận", (
        Field("ngay_lap", "Ngày lập báo cáo", "date", required=True, note="Nhập ngày dạng dd/mm/yyyy."),
        Field("nguoi_lap", "Người lập biểu", "text"),
        Field("bi_thu", "Bí thư (ký, ghi rõ họ tên)", "text"),
    ))


def _org_choice(fid: str, label: str, plan: Plan, required: bool = False) -> Field:
    return Field(fid, label, "choice", required=required, choices=tuple(plan.org_ratings.labels),
                 choice_list=ORG_RATING_LIST, note="Chọn trong danh sách thả xuống.")


def _register_words(plan: Plan) -> str:
    """What F01 registers: TSVM under the 2016-2017 scale, a quality rating under another (``set_labels``)."""
    if plan.word("tsvm", short=True) == "TSVM":
        return "XÂY DỰNG TỔ CHỨC CƠ SỞ ĐẢNG TRONG SẠCH, VỮNG MẠNH"
    return "XẾP LOẠI CHẤT LƯỢNG TỔ CHỨC CƠ SỞ ĐẢNG"


def _f01(plan: Plan) -> FormSpec:
    prev, year = plan.previous_year, plan.year
    groups = (
        _identity(),
        Group("Tình hình tổ chức và đảng viên", (
            _n("chi_bo_truc_thuoc", "Số chi bộ trực thuộc"),
            _n("dv_tong_so", "Tổng số đảng viên", required=True),
            _n("dv_du_bi", "Trong đó: đảng viên dự bị"),
        )),
        Group(f"Kết quả năm {prev}", (
            _org_choice("kq_xep_loai", f"Xếp loại tổ chức cơ sở đảng năm {prev}", plan),
            _n("kq_dv_duoc_danh_gia", f"Số đảng viên được đánh giá năm {prev}"),
            _n("kq_dv_xuat_sac", "Trong đó: hoàn thành xuất sắc nhiệm vụ"),
            _n("kq_dv_tot", "Hoàn thành tốt nhiệm vụ (không kể xuất sắc)"),
            _n("kq_ket_nap", f"Số đảng viên mới kết nạp năm {prev}"),
        )),
        Group(f"Đăng ký năm {year}", (
            _org_choice("dk_xep_loai", f"Đăng ký xếp loại tổ chức cơ sở đảng năm {year}", plan, required=True),
            _n("dk_ket_nap", f"Số đảng viên mới đăng ký kết nạp năm {year}", required=True),
            _n("ct_toi_thieu", "Chỉ tiêu kết nạp tối thiểu theo Kế hoạch", locked=True),
            _n("dk_nguon", "Số quần chúng ưu tú trong nguồn phát triển đảng"),
            _n("dk_nguon_boi_duong", "Trong đó: đã học lớp bồi dưỡng nhận thức về Đảng"),
            Field("dk_ty_le_tot", "Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên phấn đấu đạt (%)", "share",
                  note="Nhập tỷ lệ phần trăm, ví dụ 86%."),
            _n("dk_chuyen_chinh_thuc", f"Số đảng viên dự bị sẽ chuyển chính thức năm {year}"),
            _n("dk_dv_dang_ky_ren_luyen", "Số đảng viên đăng ký rèn luyện (CV 401-CV/TU)"),
        )),
        _signature(),
    )
    derived = _rule_checks(plan, "F01") + (
        Ratio("kq_ty_le_tot", f"Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên năm {prev}",
              _terms("kq_dv_xuat_sac", "kq_dv_tot"), _terms("kq_dv_duoc_danh_gia"),
              plan.share_digits, plan.rounding_mode),
    )
    return FormSpec("F01", FORM_VERSION,
                    f"ĐĂNG KÝ {_register_words(plan)} VÀ PHÁT TRIỂN ĐẢNG VIÊN NĂM {year}",
                    "Đăng ký", "Đăng ký", ("year",), groups, derived)


def _f02(plan: Plan) -> FormSpec:
    groups = (
        _identity(),
        Group("Biến động đảng viên trong kỳ", (
            _n("dv_dau_ky", "Đảng viên đầu kỳ", required=True),
            _n("kn_trong_ky", "Kết nạp đảng viên mới trong kỳ", required=True),
            _n("kn_luy_ke", "Kết nạp lũy kế từ đầu năm", required=True),
            _n("chuyen_chinh_thuc", "Chuyển đảng chính thức trong kỳ"),
            _n("chuyen_den", "Chuyển sinh hoạt đảng đến"),
            _n("chuyen_di", "Chuyển sinh hoạt đảng đi"),
            _n("tu_tran", "Đảng viên từ trần"),
            _n("xoa_ten", "Xóa tên khỏi danh sách đảng viên"),
            _n("xoa_ten_dv_moi", "Trong đó: đảng viên mới kết nạp dưới 2 năm"),
            _n("khai_tru", "Khai trừ khỏi Đảng"),
            _n("ra_dang", "Ra khỏi Đảng (xin ra, đưa ra)"),
            _n("dv_cuoi_ky", "Đảng viên cuối kỳ", required=True),
        )),
        Group("Công tác khác", (
            _n("dv_ky_luat", "Đảng viên bị kỷ luật trong kỳ"),
            _n("qc_hoc_nhan_thuc", "Quần chúng được cử đi học lớp bồi dưỡng nhận thức về Đảng"),
            Field("ghi_chu", "Ghi chú", "text"),
        )),
        _signature(),
    )
    balance = (_terms("dv_dau_ky", "kn_trong_ky", "chuyen_den")
               + _terms("chuyen_di", "tu_tran", "xoa_ten", "khai_tru", "ra_dang", sign=-1))
    derived = (
        Total("ct_cuoi_ky_tinh", "Đảng viên cuối kỳ tính từ biến động", balance),
    ) + _rule_checks(plan, "F02")
    return FormSpec("F02", FORM_VERSION, "BÁO CÁO TÌNH HÌNH PHÁT TRIỂN ĐẢNG VIÊN VÀ BIẾN ĐỘNG ĐẢNG VIÊN",
                    "Báo cáo định kỳ", "Báo cáo", ("month", "quarter", "year"), groups, derived)


def _f03(plan: Plan) -> FormSpec:
    members = plan.member_ratings
    cell_fields = tuple(_n(org_cell_field(c.code), f"Chi bộ trực thuộc xếp loại: {c.label}")
                        for c in plan.org_ratings.categories)
    member_fields = tuple(_n(c.field, f"Đảng viên {c.label[:1].lower()}{c.label[1:]}"
                             + (" (không kể xuất sắc)" if c.code in members.members("good_or_better")
                                and c.code not in members.members("excellent") else ""))
                          for c in members.categories if c.field)
    groups = (
        _identity(),
        Group("Xếp loại tổ chức cơ sở đảng", (
            _org_choice("tccs_tu_xep_loai", "Tổ chức cơ sở đảng tự xếp loại", plan, required=True),
            _org_choice("tccs_xep_loai", "Xếp loại được Thành ủy công nhận", plan),
        )),
        Group("Chi bộ trực thuộc", (_n("chi_bo_tong_so", "Tổng số chi bộ trực thuộc"),) + cell_fields),
        Group("Đánh giá, xếp loại đảng viên", (
            _n("dv_tong_so", "Tổng số đảng viên", required=True),
            _n("dv_khong_danh_gia", "Đảng viên không đánh giá (miễn sinh hoạt, dự bị dưới 6 tháng, ...)"),
            _n("dv_duoc_danh_gia", "Đảng viên được đánh giá", required=True),
        ) + member_fields + (
            _n("dv_dat_cam_ket", "Đảng viên có kết quả đạt nội dung đã đăng ký, cam kết rèn luyện"),
        )),
        _signature(),
    )
    count_ids = tuple(c.field for c in members.categories if c.field)
    good = tuple(c.field for c in members.categories if c.field and c.code in members.members("good_or_better"))
    excellent = tuple(c.field for c in members.categories if c.field and c.code in members.members("excellent"))
    digits, mode = plan.share_digits, plan.rounding_mode
    derived: tuple[Derived, ...] = (
        Total("ct_tong_phan_loai", "Tổng đảng viên theo các mức xếp loại", _terms(*count_ids)),
    ) + _rule_checks(plan, "F03") + (
        Ratio("ct_ty_le_tot", "Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên", _terms(*good),
              _terms("dv_duoc_danh_gia"), digits, mode),
        Ratio("ct_ty_le_xuat_sac", "Tỷ lệ đảng viên hoàn thành xuất sắc nhiệm vụ", _terms(*excellent),
              _terms("dv_duoc_danh_gia"), digits, mode),
    )
    return FormSpec("F03", FORM_VERSION,
                    "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG TỔ CHỨC CƠ SỞ ĐẢNG VÀ ĐẢNG VIÊN",
                    "Đánh giá chất lượng", "Đánh giá", ("year",), groups, derived)


def _rule_checks(plan: Plan, form_id: str) -> tuple[Check, ...]:
    """The form's check cells: the plan file's unit rules for it, in the file's order."""
    return tuple(Check(r.id, r.title, r.left, r.op, r.right, r.finding_code, r.ok, r.not_ok, r.missing, r)
                 for r in plan.rules_for(form_id, "unit"))


def rule_problems(plan: Plan) -> list[Finding]:
    """A ``plan-invalid`` finding for each rule reading an id its form lacks (fields and totals).

    Kind and city rules read the rolled-up fields: numbers only (no text, no derived cell).
    """
    problems: list[Finding] = []
    specs = {form_id: build(plan) for form_id, build in _BUILDERS.items() if form_id in plan.forms}
    for rule in plan.rules:
        spec = specs.get(rule.form)
        if spec is None:
            continue
        numbers = {f.id for f in spec.fields if f.type in ("int", "share")}
        known = numbers | ({d.id for d in spec.derived if isinstance(d, Total)} if rule.scope == "unit" else set())
        taken = {f.id for f in spec.fields} | {d.id for d in spec.derived if not isinstance(d, Check)}
        for side, expr in (("left", rule.left), ("right", rule.right)):
            unknown = [name for name in ex.refs(expr) if name not in known]
            if unknown:
                text = all(spec.has_field(name) for name in unknown)  # a text, date or choice cell
                problems.append(unknown_field_problem(rule, side, unknown, rule.form, not_numbers=text))
        if rule.scope == "unit" and rule.id in taken:
            problems.append(make("plan-invalid", key=f"{rule.key}.id", field=f"{rule.key}.id",
                                 problem=f"trùng tên một ô của biểu {rule.form}"))
    return problems


_BUILDERS = {"F01": _f01, "F02": _f02, "F03": _f03}
FORM_IDS = tuple(_BUILDERS)


def form_spec(form_id: str, plan: Plan) -> FormSpec:
    """The spec of ``F01``/``F02``/``F03`` under ``plan`` (categories and years come from it)."""
    key = str(form_id).strip().upper()
    if key not in _BUILDERS:
        raise KeyError(f"không có biểu mẫu '{form_id}' (chỉ có {', '.join(FORM_IDS)})")
    return _BUILDERS[key](plan)
