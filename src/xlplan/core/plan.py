"""The plan as data: targets, unit kinds, rating categories, forms and deadlines.

A plan file is TOML (see ``xlplan/data/plans/bac_ninh_2017.toml``). This module
turns the parsed TOML into frozen dataclasses and validates every key, naming
each mistake by its dotted key, so that another year or another committee is a
new file and never a code change. It does no I/O: :func:`load_plan_text` takes
the text, the edge (``xlplan.io.plans``) finds and reads the file.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import EllipsisType
from typing import Any, Mapping, TypeVar, overload

from .errors import XlplanError
from .findings import Finding, make
from .indicators import Mode
from .periods import PERIOD_KINDS, Period, PeriodError, PeriodKind, add_months
from .rules import Rule, builtin_rule_tables, parse_rules

ROUNDING_MODES: tuple[Mode, ...] = ("cat", "tron")
COMPARISONS = (">=", ">", "<=", "<", "=")
FORM_IDS = ("F01", "F02", "F03")
DEFAULT_MEMBERS_TOLERANCE = "30"  # percent; ``checks.members_tolerance`` when the plan file does not say
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_T = TypeVar("_T")
_S = TypeVar("_S", bound=str)


class PlanError(XlplanError, ValueError):
    """A plan file with mistakes; ``findings`` names each one by its key."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f.message for f in findings), findings)


@dataclass(frozen=True)
class UnitKind:
    code: str
    label: str
    min_admissions: int
    only_with_source: bool = False

    def minimum(self, has_source: bool = True) -> int:
        """Admission minimum for a unit of this kind ("đối với các đơn vị có nguồn")."""
        if self.only_with_source and not has_source:
            return 0
        return self.min_admissions


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    assessed: bool = True
    field: str | None = None  # field id holding this category's count (member categories)


# The words the report uses for each named set when the plan file gives none (``set_labels``):
# those of the 2016-2017 scales (TSVM and the 2008 member levels).
DEFAULT_SET_LABELS: Mapping[str, str] = {
    "tsvm": "trong sạch, vững mạnh", "weak": "yếu kém",
    "good_or_better": "hoàn thành tốt nhiệm vụ", "excellent": "hoàn thành xuất sắc nhiệm vụ",
}
# How the plan and the summary's headers shorten those default words ("tổ chức cơ sở đảng TSVM", "Tỷ lệ HTTNV").
_DEFAULT_SHORT = {"tsvm": "TSVM", "weak": "yếu kém", "good_or_better": "HTTNV", "excellent": "HTXSNV"}
MEMBER_SETS = ("good_or_better", "excellent")
ORGANIZATION_SETS = ("tsvm", "weak")


def or_better(words: str) -> str:
    """``hoàn thành tốt nhiệm vụ`` → ``hoàn thành tốt nhiệm vụ trở lên`` (unless the words say it already)."""
    return words if words.endswith("trở lên") else f"{words} trở lên"


@dataclass(frozen=True)
class RatingScale:
    """Disjoint rating categories, the named sets the indicators use, and the words for each set."""

    categories: tuple[Category, ...]
    sets: Mapping[str, frozenset[str]]
    set_labels: Mapping[str, str] = dc_field(default_factory=dict)

    def word(self, name: str) -> str:
        """What the report calls a named set (``tsvm`` → "trong sạch, vững mạnh", or the plan file's ``set_labels``)."""
        return self.set_labels.get(name) or DEFAULT_SET_LABELS.get(name, name)

    def short(self, name: str) -> str:
        """The word as headers and the plan's paragraph shorten it: "TSVM", "HTTNV" for the default words."""
        word = self.word(name)
        return _DEFAULT_SHORT[name] if name in _DEFAULT_SHORT and word == DEFAULT_SET_LABELS[name] else word

    def by_code(self, code: str) -> Category:
        for cat in self.categories:
            if cat.code == code:
                return cat
        raise KeyError(code)

    def by_label(self, label: str) -> Category | None:
        wanted = _fold(label)
        for cat in self.categories:
            if _fold(cat.label) == wanted or cat.code == label:
                return cat
        return None

    def members(self, name: str) -> frozenset[str]:
        return self.sets.get(name, frozenset())

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.categories]

    @property
    def assessed(self) -> list[Category]:
        return [c for c in self.categories if c.assessed]


@dataclass(frozen=True)
class DueRule:
    """When a form for a period is due: a fixed date, or N months after the period end."""

    date: dt.date | None = None
    months_after_end: int = 1
    day: int = 5

    def due(self, period: Period, plan_year: int) -> dt.date:
        if self.date is not None:
            try:
                return self.date.replace(year=self.date.year + period.year - plan_year)
            except ValueError:  # 29 February in a year without one
                return self.date.replace(year=self.date.year + period.year - plan_year, day=28)
        month = add_months(period.end.replace(day=1), self.months_after_end)
        return month.replace(day=min(self.day, _month_len(month)))


def _month_len(day: dt.date) -> int:
    import calendar
    return calendar.monthrange(day.year, day.month)[1]


@dataclass(frozen=True)
class FormRule:
    form: str
    versions: tuple[str, ...]
    periods: tuple[PeriodKind, ...]
    due: Mapping[str, DueRule]

    def accepts(self, period: Period) -> bool:
        return period.kind in self.periods

    @property
    def current_version(self) -> str:
        return self.versions[-1]


@dataclass(frozen=True)
class Plan:
    """Everything the 2017 plan (or another year's) says that software needs."""

    id: str
    year: int
    title: str
    document_number: str
    superior: str
    issuer: str
    board: str
    committee: str
    place: str
    previous_year: int
    previous_admission_plan: int
    rounding_mode: Mode
    share_digits: int
    completion_digits: int
    city_admission_target: int
    admission_comparison: str
    good_share_target: Decimal  # percent, e.g. Decimal("85")
    good_share_comparison: str
    max_weak: int
    keep_title: str
    kinds: tuple[UnitKind, ...]
    org_ratings: RatingScale
    member_ratings: RatingScale
    forms: Mapping[str, FormRule]
    # How far (percent of the registry's figure) a file's total members may be from the registry's before a
    # warning (``members-implausible``): a plausibility check, never an error, since units grow and shrink.
    members_tolerance: Decimal = Decimal(DEFAULT_MEMBERS_TOLERANCE)
    # The plan file's ``[[rules]]``: the arithmetic checks of the forms and of the rolled-up figures.
    rules: tuple[Rule, ...] = ()
    # ``previous_year.set_map``: this year's set name → last year's, for the comparison with last year
    # when the scales differ (e.g. ``tsvm = "tsvm"`` maps last year's TSVM onto "hoàn thành xuất sắc").
    previous_set_map: Mapping[str, str] = dc_field(default_factory=dict)
    # Last year's (organization, member) rating scales, when last year's folder was read with its own
    # plan file (``xlplan init --previous``): the previous year's figures are said in its words.
    previous_scales: tuple[RatingScale, RatingScale] | None = dc_field(default=None, compare=False)
    source: str = dc_field(default="", compare=False)

    def word(self, name: str, *, previous: bool = False, short: bool = False) -> str:
        """The words for a named set (``tsvm``, ``weak``, ``good_or_better``, ``excellent``).

        ``previous``: for last year's figure: last year's own words, unless ``previous_year.set_map``
        maps the set (then both years are said in this year's words).
        """
        member = name in MEMBER_SETS
        scale = self.member_ratings if member else self.org_ratings
        if previous and self.previous_scales is not None and name not in self.previous_set_map:
            scale = self.previous_scales[1 if member else 0]
        return scale.short(name) if short else scale.word(name)

    def rules_for(self, form_id: str, scope: str = "unit") -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.form == form_id and r.scope == scope)

    # -- look-ups used everywhere ---------------------------------------------
    def kind(self, code_or_label: str) -> UnitKind:
        """A unit kind by code or by its Vietnamese label (case and spacing ignored)."""
        wanted = _fold(str(code_or_label))
        for kind in self.kinds:
            if kind.code == wanted or _fold(kind.label) == wanted:
                return kind
        raise KeyError(code_or_label)

    @property
    def kind_codes(self) -> list[str]:
        return [k.code for k in self.kinds]

    def admission_minimum(self, kind: str, has_source: bool = True) -> int:
        return self.kind(kind).minimum(has_source)

    def form(self, form_id: str) -> FormRule:
        return self.forms[form_id]

    def due_date(self, form_id: str, period: Period | str) -> dt.date:
        period = Period.parse(period)
        rule = self.forms[form_id]
        if period.kind not in rule.due:
            raise KeyError(f"{form_id} has no deadline for {period.kind} periods")
        return rule.due[period.kind].due(period, self.year)

    @property
    def good_share_target_fraction(self) -> Fraction:
        return Fraction(self.good_share_target) / 100

    @property
    def member_count_fields(self) -> list[str]:
        return [c.field for c in self.member_ratings.categories if c.field]


def org_cell_field(category_code: str) -> str:
    """Field id counting subordinate cells rated in an organization category (F03)."""
    return f"cb_{category_code}"


def _fold(text: str) -> str:
    import unicodedata
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


# -- loading -------------------------------------------------------------------

class _Validator:
    """Reads values from the TOML tree and records every mistake by its key."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.findings: list[Finding] = []

    def problem(self, key: str, problem: str) -> None:
        self.findings.append(make("plan-invalid", key=key, problem=problem, field=key))

    # ``...`` as the default means "required": a missing key is recorded as a problem.
    @overload
    def get(self, key: str, kind: type[_T], default: _T | None | EllipsisType = ..., tree: Any = None,
            prefix: str = "") -> _T | None: ...

    @overload
    def get(self, key: str, kind: tuple[type, ...], default: object = ..., tree: Any = None,
            prefix: str = "") -> object: ...

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., tree: Any = None,
            prefix: str = "") -> Any:
        node: Any = self.data if tree is None else tree
        parts = key.split(".")
        full = f"{prefix}{key}"
        for part in parts:
            if not isinstance(node, Mapping) or part not in node:
                if default is ...:
                    self.problem(full, "bị thiếu")
                    return None
                return default
            node = node[part]
        if kind is int and isinstance(node, bool) or not isinstance(node, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.problem(full, f"phải có kiểu {_TYPE_VI.get(names, names)}, không phải {node!r}")
            return None if default is ... else default
        return node

    def text(self, key: str, default: str | EllipsisType = ..., **kw: Any) -> str | None:
        value = self.get(key, str, default, **kw)
        if isinstance(value, str) and not value.strip() and default is ...:
            self.problem(f"{kw.get('prefix', '')}{key}", "không được để trống")
        return value

    def natural(self, key: str, default: int | EllipsisType = ..., **kw: Any) -> int | None:
        value = self.get(key, int, default, **kw)
        if isinstance(value, int) and value < 0:
            self.problem(f"{kw.get('prefix', '')}{key}", "phải là số nguyên không âm")
            return None
        return value

    def choice(self, key: str, choices: tuple[_S, ...], default: _S | EllipsisType = ...,
               **kw: Any) -> _S | None:
        """The one of ``choices`` the key holds (typed as the choices are, e.g. a Literal)."""
        value = self.get(key, str, default, **kw)
        if value is None:
            return None
        for choice in choices:
            if value == choice:
                return choice
        self.problem(f"{kw.get('prefix', '')}{key}", f"phải là một trong {', '.join(choices)}, không phải {value!r}")
        return None


_TYPE_VI = {"str": "chuỗi", "int": "số nguyên", "bool": "true/false", "list": "danh sách",
            "dict": "bảng", "date": "ngày", "str/int/float": "số"}


def load_plan_text(text: str, source: str = "") -> Plan:
    """Parse and validate a plan file's text. Raises :class:`PlanError` naming each bad key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError([make("plan-invalid", key="(cú pháp TOML)", problem=f"sai cú pháp: {exc}")]) from None
    return plan_from_dict(data, source)


def plan_from_dict(data: Mapping[str, Any], source: str = "") -> Plan:
    v = _Validator(data)
    year = v.natural("plan.year")
    kinds = _kinds(v)
    org = _scale(v, "ratings.organization", ("tsvm", "weak"))
    member = _scale(v, "ratings.member", ("good_or_better", "excellent"))
    if member is not None:
        for i, cat in enumerate(member.categories):
            if not cat.field:
                v.problem(f"ratings.member.categories[{i}].field", "bị thiếu (mã ô đếm số đảng viên của loại này)")
    forms = _forms(v)
    share = v.get("members_target.good_or_better_share", (str, int, float))
    share_dec: Decimal | None = None
    if share is not None:
        try:
            share_dec = Decimal(str(share))
            if not (0 <= share_dec <= 100):
                raise InvalidOperation
        except InvalidOperation:
            v.problem("members_target.good_or_better_share", "phải là phần trăm từ 0 đến 100")
            share_dec = None
    tolerance = _percent(v, "checks.members_tolerance", DEFAULT_MEMBERS_TOLERANCE)
    # A plan file without ``[[rules]]`` keeps the forms' built-in checks over its own categories.
    rule_tables = data.get("rules") if "rules" in data else builtin_rule_tables(
        [c.field for c in member.categories if c.field] if member else [],
        [org_cell_field(c.code) for c in org.categories] if org else [])
    rules, rule_problems = parse_rules(rule_tables, FORM_IDS)
    set_map = _set_map(v)
    # Read every key first, so that one PlanError names every mistake at once.
    # (Same order as the keys' findings have always been listed in.)
    plan_id, title = v.text("plan.id"), v.text("plan.title")
    document_number = v.text("plan.document_number", "")
    superior, issuer = v.text("plan.superior"), v.text("plan.issuer")
    board, committee, place = v.text("plan.board"), v.text("plan.committee"), v.text("plan.place")
    previous_year = v.natural("previous_year.year")
    previous_admission_plan = v.natural("previous_year.admission_plan")
    rounding_mode = v.choice("rounding.mode", ROUNDING_MODES, "cat")
    digits = {key: v.natural(f"rounding.{key}", default)
              for key, default in (("share_digits", 2), ("completion_digits", 0))}
    city_admission_target = v.natural("admissions.city_target")
    admission_comparison = v.choice("admissions.comparison", COMPARISONS, ">=")
    good_share_comparison = v.choice("members_target.comparison", COMPARISONS, ">")
    max_weak = v.natural("organizations_target.max_weak", 0)
    keep_title = v.text("organizations_target.keep_title", "")
    for key, value in digits.items():
        if isinstance(value, int) and value > 6:
            v.problem(f"rounding.{key}", "không được lớn hơn 6")
    if year is not None and previous_year is not None and previous_year >= year:
        v.problem("previous_year.year", "phải nhỏ hơn plan.year")
    if v.findings or rule_problems:
        raise PlanError(v.findings + rule_problems)
    # No finding, so every value below is present: the validator records a problem for each None.
    return Plan(
        id=_vouched(plan_id), year=_vouched(year), title=_vouched(title),
        document_number=_vouched(document_number),
        superior=_vouched(superior), issuer=_vouched(issuer),
        board=_vouched(board), committee=_vouched(committee), place=_vouched(place),
        previous_year=_vouched(previous_year),
        previous_admission_plan=_vouched(previous_admission_plan),
        rounding_mode=_vouched(rounding_mode),
        share_digits=_vouched(digits["share_digits"]),
        completion_digits=_vouched(digits["completion_digits"]),
        city_admission_target=_vouched(city_admission_target),
        admission_comparison=_vouched(admission_comparison),
        good_share_target=_vouched(share_dec),
        good_share_comparison=_vouched(good_share_comparison),
        max_weak=_vouched(max_weak), keep_title=_vouched(keep_title),
        kinds=kinds, org_ratings=_vouched(org), member_ratings=_vouched(member), forms=forms,
        members_tolerance=_vouched(tolerance), rules=rules, previous_set_map=set_map, source=source,
    )


_SET_NAMES = ("tsvm", "weak", "good_or_better", "excellent")


def _set_map(v: _Validator) -> dict[str, str]:
    raw = v.get("previous_year.set_map", dict, {})
    out: dict[str, str] = {}
    for name, other in (raw or {}).items():
        key = f"previous_year.set_map.{name}"
        if name not in _SET_NAMES:
            v.problem(key, f"phải là một trong {', '.join(_SET_NAMES)}")
        elif not isinstance(other, str) or other not in _SET_NAMES:
            v.problem(key, f"phải là tên một tập của năm trước ({', '.join(_SET_NAMES)}), không phải {other!r}")
        else:
            out[name] = other
    return out


def _percent(v: _Validator, key: str, default: str) -> Decimal | None:
    """A percentage key (a number or a string such as ``"30"``), from 0 to 100."""
    raw = v.get(key, (str, int, float), default)
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
        if not value.is_finite() or not (0 <= value <= 100):
            raise InvalidOperation
    except InvalidOperation:
        v.problem(key, "phải là phần trăm từ 0 đến 100")
        return None
    return value


def _vouched(value: _T | None) -> _T:
    """A value the validator has passed: it records a finding for every value it leaves None."""
    if value is None:
        raise PlanError([make("plan-invalid", key="(kế hoạch)", problem="thiếu một giá trị bắt buộc")])
    return value


def _kinds(v: _Validator) -> tuple[UnitKind, ...]:
    items = v.get("kinds", list)
    if not items:
        if items is not None:
            v.problem("kinds", "phải có ít nhất một loại hình đơn vị")
        return ()
    kinds, seen = [], set()
    for i, item in enumerate(items):
        prefix = f"kinds[{i}]."
        if not isinstance(item, Mapping):
            v.problem(f"kinds[{i}]", "phải là một bảng")
            continue
        code = v.text("code", tree=item, prefix=prefix)
        if code is not None and not _CODE_RE.match(code):
            v.problem(prefix + "code", "chỉ gồm chữ thường không dấu, số và '_'")
        if code in seen:
            v.problem(prefix + "code", f"trùng mã '{code}'")
        seen.add(code)
        label = v.text("label", tree=item, prefix=prefix)
        minimum = v.natural("min_admissions", tree=item, prefix=prefix)
        only = v.get("only_with_source", bool, False, tree=item, prefix=prefix)
        if code is not None and label is not None and minimum is not None:
            kinds.append(UnitKind(code, label, minimum, bool(only)))
    return tuple(kinds)


def _scale(v: _Validator, key: str, set_names: tuple[str, ...]) -> RatingScale | None:
    cats_raw = v.get(f"{key}.categories", list)
    if cats_raw is None:
        return None
    cats, codes = [], set()
    for i, item in enumerate(cats_raw):
        prefix = f"{key}.categories[{i}]."
        if not isinstance(item, Mapping):
            v.problem(f"{key}.categories[{i}]", "phải là một bảng")
            continue
        code = v.text("code", tree=item, prefix=prefix)
        label = v.text("label", tree=item, prefix=prefix)
        assessed = v.get("assessed", bool, True, tree=item, prefix=prefix)
        fid = v.get("field", str, None, tree=item, prefix=prefix)
        if fid is not None and not _FIELD_RE.match(fid):
            v.problem(prefix + "field", "chỉ gồm chữ thường không dấu, số và '_'")
        if code in codes:
            v.problem(prefix + "code", f"trùng mã '{code}'")
        if code and label:
            codes.add(code)
            cats.append(Category(code, label, bool(assessed), fid))
    if not cats:
        v.problem(f"{key}.categories", "phải có ít nhất một loại xếp loại")
    sets = {}
    for name in set_names:
        members = v.get(f"{key}.{name}", list)
        if members is None:
            continue
        unknown = [m for m in members if m not in codes]
        if unknown:
            v.problem(f"{key}.{name}", f"có mã không nằm trong categories: {', '.join(map(str, unknown))}")
        sets[name] = frozenset(m for m in members if m in codes)
    words = v.get(f"{key}.set_labels", dict, {}) or {}
    labels: dict[str, str] = {}
    for name, word in words.items():
        if name not in set_names:
            v.problem(f"{key}.set_labels.{name}", f"không phải tập của thang này (chỉ có {', '.join(set_names)})")
        elif not isinstance(word, str) or not word.strip():
            v.problem(f"{key}.set_labels.{name}", "phải là một chuỗi không trống")
        else:
            labels[name] = " ".join(word.split())
    return RatingScale(tuple(cats), sets, labels)


def _forms(v: _Validator) -> dict[str, FormRule]:
    table = v.get("forms", dict)
    if table is None:
        return {}
    rules = {}
    for form_id in FORM_IDS:
        if form_id not in table:
            v.problem(f"forms.{form_id}", "bị thiếu")
            continue
        prefix = f"forms.{form_id}."
        item = table[form_id]
        versions = v.get("versions", list, tree=item, prefix=prefix)
        periods = v.get("periods", list, tree=item, prefix=prefix)
        if periods is not None:
            for p in periods:
                if p not in PERIOD_KINDS:
                    v.problem(prefix + "periods", f"kỳ '{p}' không hợp lệ (year, quarter, month)")
        due_table = v.get("due", dict, tree=item, prefix=prefix)
        due: dict[str, DueRule] = {}
        for kind in periods or ():
            rule = (due_table or {}).get(kind)
            key = f"{prefix}due.{kind}"
            if not isinstance(rule, Mapping):
                v.problem(key, "bị thiếu (hạn nộp cho kỳ này)")
                continue
            if "date" in rule:
                if not isinstance(rule["date"], dt.date) or isinstance(rule["date"], dt.datetime):
                    v.problem(key + ".date", "phải là ngày dạng YYYY-MM-DD")
                    continue
                due[kind] = DueRule(date=rule["date"])
            else:
                months = v.natural("months_after_end", tree=rule, prefix=key + ".")
                day = v.natural("day", tree=rule, prefix=key + ".")
                if isinstance(day, int) and not 1 <= day <= 31:
                    v.problem(key + ".day", "phải từ 1 đến 31")
                elif months is not None and day is not None:
                    due[kind] = DueRule(months_after_end=months, day=day)
        if versions and periods:
            kinds = tuple(kind for p in periods for kind in PERIOD_KINDS if p == kind)  # others: findings above
            rules[form_id] = FormRule(form_id, tuple(str(x) for x in versions), kinds, due)
        elif versions is not None and not versions:
            v.problem(prefix + "versions", "phải có ít nhất một phiên bản")
    return rules


def check_period(plan: Plan, form_id: str, period: Period | str) -> Period:
    """Parse ``period`` and check the form accepts it; ValueError otherwise."""
    try:
        parsed = Period.parse(period)
    except PeriodError:
        raise
    if not plan.forms[form_id].accepts(parsed):
        kinds = ", ".join(plan.forms[form_id].periods)
        raise PeriodError(f"biểu {form_id} không có kỳ '{parsed}' (chỉ theo: {kinds})")
    return parsed
