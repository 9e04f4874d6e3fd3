"""Reading a filled form (F01/F02/F03) back into a :class:`~xlplan.core.submission.Submission`.

Unit files are untrusted: they are opened read-only, never modified, and
nothing in them is evaluated. Everything is found by defined name — the
metadata ``xlp_*`` names of the hidden ``_xlplan`` sheet say which form,
version, plan, unit and period the file claims to be, and each field's name
says where its cell is — so inserted rows or a re-saved layout read the same.

Derived cells (totals, shares, checks) are never read as data: the checks are
evaluated here in Python from the field values, with the same
:class:`~xlplan.core.forms.Check` objects the writer renders as formulas.

:func:`read_form` never raises for a bad file: whatever goes wrong becomes a
finding (``file-unreadable``, ``format-unsupported``, ``not-a-form`` …) and the
caller gets a Submission either way.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field as dc_field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence
from xml.etree.ElementTree import ParseError

from ..core import expressions as ex
from ..core import indicators
from ..core.crossfile import suggest_unit, unknown_unit_hint
from ..core.findings import CATALOGUE, Finding, Severity, cells_text, make, period_kinds_text
from ..core.legacy_text import ENCODING_LABELS, convert_runs, may_be_legacy
from ..core.forms import META_KEYS, Check, FormSpec, form_spec
from ..core.periods import Period, PeriodError
from ..core.plan import Plan
from ..core.registry import Registry
from ..core.rules import Rule, rule_finding
from ..core.submission import CellValue, Submission
from ..core.values import coerce
from .plans import load_plan
from .readers import (DEFAULT_ENGINE, ENGINES, Package, ReaderError, WorkbookReader,
                      open_workbook, reading)
from .readers.fonts import declares_legacy_font, read_runs
from .readers.macros import has_vba_project


@dataclass(frozen=True)
class _Pending:
    """A finding before the unit is known (the unit comes from cells read later)."""

    code: str
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    params: dict[str, Any] = dc_field(default_factory=dict)
    rule: Rule | None = None  # a plan-file rule's finding: its code, severity, words and source


@dataclass
class _State:
    sub: Submission
    plan: Plan
    registry: Registry | None
    pending: list[_Pending] = dc_field(default_factory=list)
    meta: dict[str, tuple[object, str, str]] = dc_field(default_factory=dict)  # name -> (raw, sheet, cell)

    def add(self, code: str, sheet: str | None = None, cell: str | None = None, field: str | None = None,
            **params: Any) -> None:
        self.pending.append(_Pending(code, sheet, cell, field, params))


def read_form(path: str | Path, plan: Plan | str | Path | None = None, engine: str | None = None,
              registry: Registry | None = None, *, into: Submission | None = None,
              kind: str | None = None) -> Submission:
    """Read one unit's form file; every problem is a finding in the returned Submission.

    ``plan`` is a Plan, a plan name or path, or None for the bundled plan.
    ``engine`` is a key of :data:`xlplan.io.readers.ENGINES` (default calamine).
    With a ``registry`` the unit code must be one of its units, and the kind
    named in a ``below-minimum`` finding comes from it.
    ``into``: what the caller knows of the input already (its shown name, source,
    hash, received time…); the result is that record with what was read added,
    and findings name the file as ``into.file``. ``kind``: the format the caller's
    sniff found (:func:`xlplan.io.readers.sniff`), so the file is not sniffed twice.
    Raises only for a programming mistake (unknown engine name, bad plan file).

    The file is opened and read once (:func:`~xlplan.io.readers.reading`): the
    hash, the checks, the engine, the names, fonts and macros all read those
    bytes, so they all see the same snapshot of the file.
    """
    name = engine or DEFAULT_ENGINE
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    plan = plan if isinstance(plan, Plan) else load_plan(plan)
    sub = replace(into, engine=name, findings=[], values={}) if into is not None else \
        Submission(file=str(path), source=str(path), engine=name)
    state = _State(sub, plan, registry)
    with reading(path) as package:
        _read_file(package, name, kind, state)
    state.sub.findings = [_finding(state.sub, p) for p in state.pending]
    return state.sub


def _read_file(package: Package, name: str, kind: str | None, state: _State) -> None:
    """Everything :func:`read_form` reads, from the one read of the file (``package``)."""
    try:
        state.sub.sha256 = state.sub.sha256 or package.sha256()
        reader = open_workbook(package, name, kind=kind)
    except ReaderError as exc:  # each refusal names its own code (format-unsupported, file-encrypted …)
        state.add(exc.code, **exc.params())
    except MemoryError:
        state.add("file-too-large", reason=_reason(MemoryError()))
    except Exception as exc:  # noqa: BLE001 - a broken file is a finding, never a crash
        state.add("file-unreadable", reason=_reason(exc))
    else:
        try:
            with reader:
                _read(reader, state)
            if state.sub.values and has_vba_project(package):  # a form read: recorded, never run or copied
                state.add("file-has-macros")
        except MemoryError:
            state.add("file-too-large", reason=_reason(MemoryError()))
        except Exception as exc:  # noqa: BLE001
            state.add("file-unreadable", reason=_reason(exc))


# -- the steps -------------------------------------------------------------------------

def _read(reader: WorkbookReader, state: _State) -> None:
    names = reader.defined_names()
    spec = _read_meta(reader, names, state)
    if spec is None:
        return
    _read_fields(reader, names, spec, state)
    _check_identity(spec, state)
    _run_checks(spec, state)


def _read_meta(reader: WorkbookReader, names: dict[str, tuple[str, str]], state: _State) -> FormSpec | None:
    """What the file claims to be; the spec to read it with, or None when it is no form."""
    sub, plan = state.sub, state.plan
    located = {key: names[key] for key in META_KEYS if key in names}
    for sheet, cells in _by_sheet(located.values()).items():
        raws = reader.read_cells(sheet, cells)
        for key, (s, c) in located.items():
            if s == sheet:
                state.meta[key] = (raws[c], s, c)
    if "xlp_form" not in state.meta:
        state.add("not-a-form", reason="không có thông tin mã biểu mẫu (tên xlp_form)")
        return None
    form_raw, sheet, cell = state.meta["xlp_form"]
    form = _text(form_raw).upper()
    sub.form = form or None
    sub.version = _version(state.meta.get("xlp_version", (None,))[0]) or None
    sub.plan_id = _text(state.meta.get("xlp_plan", (None,))[0]) or None
    sub.plan_year = _year(state.meta.get("xlp_plan_year", (None,))[0])
    sub.generator = _text(state.meta.get("xlp_generator", (None,))[0])
    sub.unit = _text(state.meta.get("xlp_unit", (None,))[0]) or None
    if not form:
        state.add("not-a-form", sheet, cell, "xlp_form", reason="ô mã biểu mẫu (xlp_form) để trống")
        return None
    if form not in plan.forms:
        state.add("form-unknown", sheet, cell, "xlp_form", form=form)
        return None
    try:
        spec = _spec(form, plan)
    except KeyError:
        state.add("form-unknown", sheet, cell, "xlp_form", form=form)
        return None
    rule = plan.form(form)
    if sub.version not in rule.versions:
        _, vsheet, vcell = state.meta.get("xlp_version", (None, None, None))
        state.add("form-version-unknown", vsheet, vcell, "xlp_version", form=form,
                  version=sub.version or "", expected=rule.current_version)
    if sub.plan_id is not None and sub.plan_id != plan.id:
        _, psheet, pcell = state.meta["xlp_plan"]
        state.add("plan-mismatch", psheet, pcell, "xlp_plan", value=sub.plan_id, expected=plan.id)
    if "xlp_period" in state.meta and state.meta["xlp_period"][0] is not None:
        raw, psheet, pcell = state.meta["xlp_period"]
        try:
            sub.period = str(Period.parse(raw))
        except PeriodError:
            state.add("period-invalid", psheet, pcell, "xlp_period", value=_text(raw))
    return spec


def _read_fields(reader: WorkbookReader, names: dict[str, tuple[str, str]], spec: FormSpec,
                 state: _State) -> None:
    """Each field by its defined name, coerced, with where it came from."""
    located: dict[str, tuple[str, str]] = {}
    for item, key in spec.field_keys:
        target = names.get(key)
        if target is None:
            state.add("field-missing", field=item.id, label=item.label)
        else:
            located[item.id] = target
    raws: dict[tuple[str, str], object] = {}
    for sheet, cells in _by_sheet(located.values()).items():
        for cell, raw in reader.read_cells(sheet, cells).items():
            raws[(sheet, cell)] = raw
    converted = _legacy_cells(reader, spec, located, raws)
    for item in spec.fields:
        if item.id not in located:
            continue
        sheet, cell = located[item.id]
        raw = raws[(sheet, cell)]
        legacy = converted.get((sheet, cell))
        value, issues = coerce(item, raw if legacy is None else legacy[0])
        state.sub.values[item.id] = CellValue(item.id, value, sheet, cell, raw)
        if legacy is not None:
            state.add("legacy-encoding", sheet, cell, item.id, label=item.label, before=str(raw).strip(),
                      after=legacy[0].strip(), encoding=legacy[1])
        for code, params in issues:
            state.add(code, sheet, cell, item.id, **params)


_LEGACY_TYPES = ("text", "choice")
_LEGACY_ENGINES = ("openpyxl", "calamine")


def _legacy_cells(reader: WorkbookReader, spec: FormSpec, located: dict[str, tuple[str, str]],
                  raws: dict[tuple[str, str], object]) -> dict[tuple[str, str], tuple[str, str]]:
    """Text cells typed in a legacy font (.VnTime, VNI-Times): (sheet, cell) → (Unicode text, encoding label).

    Only cells whose text passes the cheap pre-check have their fonts looked up,
    and the fonts come from the file itself whichever engine read the values,
    so both engines give the same Submission.
    """
    if reader.engine not in _LEGACY_ENGINES:
        return {}
    wanted = [located[item.id] for item in spec.fields if item.id in located
              and (item.type in _LEGACY_TYPES or item.id == "don_vi_ten")
              and may_be_legacy(raws[located[item.id]])]
    if not wanted:
        return {}
    runs = read_runs(reader.package, wanted) if declares_legacy_font(reader.package) else {}
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for where in wanted:
        found = convert_runs(runs.get(where) or [(str(raws[where]), None)])
        if found is not None:
            out[where] = (found[0], ", ".join(ENCODING_LABELS[e] for e in found[1]))
    return out


def _check_identity(spec: FormSpec, state: _State) -> None:
    """The unit and period typed in the form against what the generator stamped."""
    sub, plan = state.sub, state.plan
    code_cell = sub.values.get("don_vi_ma")
    typed_unit = code_cell.value if code_cell else None
    if sub.unit is None:
        sub.unit = typed_unit
    elif code_cell is not None and typed_unit is not None and typed_unit.casefold() != sub.unit.casefold():
        state.add("unit-mismatch", code_cell.sheet, code_cell.cell, "don_vi_ma", value=typed_unit,
                  expected=sub.unit)
    if state.registry is not None and sub.unit is not None and state.registry.get(sub.unit) is None:
        where = code_cell or CellValue("don_vi_ma", None)
        name = sub.values.get("don_vi_ten")
        guess = suggest_unit(name.value, state.registry) if name else None
        state.add("unit-unknown", where.sheet, where.cell, "don_vi_ma", value=sub.unit,
                  **unknown_unit_hint(guess))

    period_cell = sub.values.get("ky_bao_cao")
    typed_period = period_cell.value if period_cell else None
    if sub.period is None:
        sub.period = typed_period
    elif period_cell is not None and typed_period is not None and typed_period != sub.period:
        state.add("period-mismatch", period_cell.sheet, period_cell.cell, "ky_bao_cao", value=typed_period,
                  expected=sub.period)
    if sub.period is not None:
        period = Period.parse(sub.period)
        rule = plan.form(spec.id)
        if not rule.accepts(period):
            where = period_cell or CellValue("ky_bao_cao", None)
            state.add("period-not-accepted", where.sheet, where.cell, "ky_bao_cao", form=spec.id,
                      value=sub.period, kinds=period_kinds_text(rule.periods))


def _run_checks(spec: FormSpec, state: _State) -> None:
    """Each failed :class:`Check` (a plan-file rule), at its left-hand field, with the numbers and cells.

    A check is skipped when all its inputs are empty (nothing filled yet), when
    one of them is missing or invalid (a sum over a refused cell would only
    repeat that cell's finding as a confusing mismatch), and when the rule gives
    no verdict (a side without data under ``missing = "skip"``, a zero divisor).
    """
    sub = state.sub
    values = sub.as_dict()
    refused = {p.field for p in state.pending
               if p.field and p.rule is None and CATALOGUE[p.code].severity is Severity.ERROR}
    refused |= {f.id for f in spec.fields if f.id not in sub.values}
    scope = dict(values)
    scope.update(spec.compute(values))
    for item, left_ids, right_ids in spec.check_inputs:
        inputs = left_ids + right_ids
        if all(values.get(f) is None for f in inputs) or refused.intersection(inputs):
            continue
        if item.verdict(scope) is not False:
            continue
        left, right = item.sides(scope)
        assert left is not None and right is not None  # a verdict was given
        anchor = sub.values.get(left_ids[0]) if left_ids else None
        params = _check_params(item, spec, state, left, right)
        params.update(left_cells=_side_cells(left_ids, sub), right_cells=_side_cells(right_ids, sub))
        state.pending.append(_Pending(item.finding, anchor.sheet if anchor else None,
                                      anchor.cell if anchor else None, left_ids[0] if left_ids else None,
                                      params, item.rule))


# -- what is worked out once per form spec ---------------------------------------------
#
# A worker reads thousands of files of the same few forms under one plan: the spec is the
# same for all of them, so it is made once per process (per plan and form), never once per
# file; what the reader asks of it (field keys, each check's inputs) it keeps itself.

_SPECS: dict[tuple[int, str], tuple[Plan, FormSpec]] = {}
_SPECS_KEPT = 16  # a process reads under one plan, a test session under a few dozen


def _spec(form: str, plan: Plan) -> FormSpec:
    """``form_spec(form, plan)``, made once per plan object (the plan is kept with it, so its id
    cannot be reused by another plan while the entry lives). KeyError as from :func:`form_spec`."""
    key = (id(plan), form)
    found = _SPECS.get(key)
    if found is not None and found[0] is plan:
        return found[1]
    spec = form_spec(form, plan)
    if len(_SPECS) >= _SPECS_KEPT:
        _SPECS.pop(next(iter(_SPECS)))
    _SPECS[key] = (plan, spec)
    return spec


# -- helpers ---------------------------------------------------------------------------

def _side_cells(ids: Sequence[str], sub: Submission) -> str:
    """``trang Đánh giá, ô C12, C13``: where the fields of one side of a rule were read, as units read it."""
    by_sheet: dict[str, list[str]] = {}
    for key in ids:
        where = sub.values.get(key)
        if where is not None and where.sheet and where.cell:
            by_sheet.setdefault(where.sheet, []).append(where.cell)
    return "; ".join(f"trang {sheet}, ô {', '.join(cells)}" for sheet, cells in by_sheet.items())


def _check_params(check: Check, spec: FormSpec, state: _State, left: Fraction, right: Fraction) -> dict[str, Any]:
    """Params for every check code's templates (``balance-mismatch`` wants actual/expected …)."""
    shown_left, shown_right = _number(left), _number(right)
    params: dict[str, Any] = {"check": check.id, "label": check.label, "left": shown_left, "right": shown_right}
    code = check.finding
    if code == "balance-mismatch":
        params.update(actual=shown_left, expected=shown_right)
    elif code == "sum-mismatch":
        params.update(what=check.label, parts=shown_left, total=shown_right,
                      parts_cells=_cells(spec.inputs_of(check.left_expr), state),
                      total_cells=_cells(spec.inputs_of(check.right_expr), state))
    elif code == "part-exceeds-whole":
        params.update(part_label=_terms_label(check.left_expr, spec, check.label), part=shown_left,
                      whole_label=_terms_label(check.right_expr, spec, check.label), whole=shown_right)
    elif code == "ytd-less-than-period":
        params.update(ytd=shown_left, period=shown_right)
    elif code == "below-minimum":
        params.update(value=shown_left, minimum=shown_right, kind=_kind_label(state))
    elif check.rule is not None:
        params["kind"] = _kind_label(state)
        params.update({key: _number(found) for key in check.rule.refs
                       if (found := _exact(state.sub.value(key))) is not None})
    return params


def _exact(value: object) -> Fraction | None:
    if value is None or isinstance(value, (str, bool)):
        return None
    try:
        return indicators.exact(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _cells(field_ids: Sequence[str], state: _State) -> str:
    """The cells behind a check's side and their values (``ô C20 = 3, ô C21 = 4``), for its message."""
    values = state.sub.values
    return cells_text((values[f].sheet, values[f].cell, values[f].value) for f in field_ids if f in values)


def _terms_label(expr: ex.Expr, spec: FormSpec, fallback: str) -> str:
    if isinstance(expr, ex.Ref) and spec.has_field(expr.id):
        return spec.field(expr.id).label
    return fallback


def _kind_label(state: _State) -> str:
    """The unit's kind: from the registry when given, else as the form's locked cell says."""
    unit = state.registry.get(state.sub.unit) if state.registry is not None and state.sub.unit else None
    if unit is not None:
        try:
            return state.plan.kind(unit.kind).label
        except KeyError:
            return unit.kind
    typed = state.sub.value("loai_hinh")
    return str(typed) if typed is not None else ""


def _number(value: Fraction) -> str:
    return indicators.format_number(value, 0 if value.denominator == 1 else 2)


def _by_sheet(targets: Any) -> dict[str, list[str]]:
    """Sheet → its cells among ``targets``, each once, in the order first met."""
    grouped: dict[str, dict[str, None]] = {}
    for sheet, cell in targets:
        grouped.setdefault(sheet, {})[cell] = None
    return {sheet: list(cells) for sheet, cells in grouped.items()}


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _version(raw: object) -> str:
    """``"1.0"`` as written; a number (a re-save turned the text into 1) reads as ``"1.0"``."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(float(raw))
    return _text(raw)


def _year(raw: object) -> int | None:
    try:
        return int(_text(raw))
    except ValueError:
        return None


def _reason(exc: BaseException) -> str:
    """A short Vietnamese reason for an exception from a broken file."""
    if isinstance(exc, FileNotFoundError):
        return "không tìm thấy tệp"
    if isinstance(exc, IsADirectoryError):
        return "đường dẫn là một thư mục, không phải tệp"
    if isinstance(exc, PermissionError):
        return "không có quyền đọc tệp"
    if isinstance(exc, OSError):
        return "không mở được tệp"
    if isinstance(exc, zipfile.BadZipFile):
        return "tệp nén bị hỏng"
    if isinstance(exc, ParseError) or type(exc).__module__.startswith("defusedxml"):
        return "nội dung XML bị hỏng hoặc không an toàn"
    if isinstance(exc, MemoryError):
        return "tệp quá lớn"
    return "tệp bị hỏng hoặc không đúng cấu trúc sổ tính Excel"


def _finding(sub: Submission, pending: _Pending) -> Finding:
    if pending.rule is not None:
        return rule_finding(pending.rule, pending.params, unit=sub.unit, file=sub.file, sheet=pending.sheet,
                            cell=pending.cell, field=pending.field)
    return make(pending.code, unit=sub.unit, file=sub.file, sheet=pending.sheet, cell=pending.cell,
                field=pending.field, **pending.params)
