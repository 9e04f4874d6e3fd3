"""The Board's settings on the Cấu hình sheet, checked and applied: the plan a folder really runs to.

The Cấu hình sheet says its yellow cells are read at every consolidation, so
every one of them must change something, from the CLI (the saved workbook,
:func:`xlplan.services.workspace.open_workspace`) and from the ribbon (the open
book, :func:`xlplan.services.excel_book.workspace_from_book`) alike. Both hand
the cells' values here: :func:`apply_settings` checks each one and returns the
plan with the folder's settings applied (the registration deadline, the
rounding mode, the decimals) and the as-of date. A value that cannot be used
is refused, never guessed around: :class:`SettingsError` lists every bad cell
with its sheet, address and label and how to fix it, so a consolidation never
silently runs on settings other than those the sheet shows.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, replace
from typing import Callable, Mapping

from ..core.errors import XlplanError
from ..core.indicators import Mode
from ..core.plan import DueRule, Plan
from ..core.summary_tables import CONFIG_CELLS

SHEET = "Cấu hình"
LABELS = dict(CONFIG_CELLS)
MAX_DIGITS = 6
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")  # how people type a date: 20/02/2017 or 2017-02-20
_Refuse = Callable[[str, str, str], None]  # refuse(name, problem, fix)
_ROUNDING = {"cat": "cat", "cat bo": "cat", "cat bot": "cat", "tron": "tron", "lam tron": "tron"}


@dataclass(frozen=True)
class SettingProblem:
    """One Cấu hình cell that cannot be used: which cell, what is wrong, how to fix it."""

    name: str  # the cell's defined name (cfg_*)
    cell: str  # its address on the sheet, e.g. "B10" ("" when the name is lost)
    value: object
    problem: str
    fix: str

    @property
    def label(self) -> str:
        """The cell's label on the sheet, without its explanation in brackets."""
        return LABELS.get(self.name, self.name).split(" (")[0]

    @property
    def message(self) -> str:
        where = f" (ô {self.cell})" if self.cell else ""
        return f"Ô «{self.label}» ở trang {SHEET}{where}: {self.problem}. {self.fix}"


class SettingsError(XlplanError):
    """Cấu hình cells that cannot be used; nothing was run. ``problems`` says which and why."""

    def __init__(self, problems: list[SettingProblem]):
        self.problems = list(problems)
        super().__init__(" ".join(p.message for p in self.problems))


def parse_day(value: object) -> dt.date | None:
    """A date as a cell or a command line gives it: a date, or text dd/mm/yyyy or yyyy-mm-dd; None if not."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    return None


def _fold(text: str) -> str:
    """Lower case, no accents, single spaces: «Làm tròn» and "lam  tron" are the same word."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).casefold().split())


def _shown(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class Applied:
    """What the settings make of a folder: the plan as it runs here, and the as-of date (None: the run's day)."""

    plan: Plan
    as_of: dt.date | None


def apply_settings(plan: Plan, settings: Mapping[str, object], cells: Mapping[str, str] | None = None) -> Applied:
    """``plan`` with the Cấu hình settings applied, and the as-of date; :class:`SettingsError` if any is unusable.

    ``settings`` are the ``cfg_*`` values as read (see
    :func:`xlplan.io.city_workbook.tidy_setting`); ``cells`` their addresses,
    to name them. An empty cell means the plan's own value (the as-of date:
    the day of the consolidation). Plan and form rules are frozen, so the
    result is a new plan; the plan file is never changed.
    """
    cells = cells or {}
    problems: list[SettingProblem] = []

    def refuse(name: str, problem: str, fix: str) -> None:
        problems.append(SettingProblem(name, cells.get(name, ""), settings.get(name), problem, fix))

    deadline = _date_setting(plan, settings, "cfg_han_dang_ky", refuse, _plan_deadline(plan))
    as_of = _date_setting(plan, settings, "cfg_ngay_chot", refuse, None)
    mode: Mode = plan.rounding_mode
    raw = settings.get("cfg_lam_tron")
    if not _blank(raw):
        folded = _ROUNDING.get(_fold(str(raw)))
        if folded == "cat":
            mode = "cat"
        elif folded == "tron":
            mode = "tron"
        else:
            refuse("cfg_lam_tron", f"'{raw}' không phải cách làm tròn",
                   f"Hãy chọn cat (cắt bỏ phần lẻ, như kế hoạch viết) hoặc tron (làm tròn), "
                   f"hoặc để trống để theo tệp kế hoạch ({plan.rounding_mode}).")
    digits = plan.share_digits
    raw = settings.get("cfg_so_le")
    if not _blank(raw):
        number = _whole(raw)
        if number is None or not 0 <= number <= MAX_DIGITS:
            refuse("cfg_so_le", f"'{raw}' không phải số chữ số thập phân từ 0 đến {MAX_DIGITS}",
                   f"Hãy gõ một số nguyên từ 0 đến {MAX_DIGITS} (ví dụ 2: 82,27%), hoặc để trống để theo "
                   f"tệp kế hoạch ({plan.share_digits}).")
        else:
            digits = number
    for name in ("cfg_thu_muc_nop", "cfg_thu_muc_gui", "cfg_thu_muc_ket_qua"):
        raw = settings.get(name)
        if not _blank(raw) and not isinstance(raw, (str, int)):
            refuse(name, f"'{raw}' không phải tên thư mục",
                   "Hãy gõ tên thư mục (tương đối so với thư mục chứa sổ tổng hợp) hoặc đường dẫn đầy đủ.")
    if problems:
        raise SettingsError(problems)
    return Applied(with_settings(plan, deadline, mode, digits), as_of)


def with_settings(plan: Plan, deadline: dt.date | None, mode: Mode, digits: int) -> Plan:
    """The plan with a registration deadline (F01's yearly due date), rounding mode and decimals of its own."""
    changes: dict[str, object] = {}
    rule = plan.forms.get("F01")
    if deadline is not None and rule is not None and "year" in rule.due and deadline != _plan_deadline(plan):
        forms = dict(plan.forms)
        forms["F01"] = replace(rule, due={**rule.due, "year": DueRule(date=deadline)})
        changes["forms"] = forms
    if mode != plan.rounding_mode:
        changes["rounding_mode"] = mode
    if digits != plan.share_digits:
        changes["share_digits"] = digits
    return replace(plan, **changes) if changes else plan  # type: ignore[arg-type]


def _plan_deadline(plan: Plan) -> dt.date | None:
    """The plan file's own registration deadline: F01 of the plan year."""
    rule = plan.forms.get("F01")
    if rule is None or "year" not in rule.due:
        return None
    return plan.due_date("F01", str(plan.year))


def _date_setting(plan: Plan, settings: Mapping[str, object], name: str, refuse: _Refuse,
                  default: dt.date | None) -> dt.date | None:
    raw = settings.get(name)
    if _blank(raw):
        return default
    day = parse_day(raw)
    usual = "để trống để dùng ngày tổng hợp" if name == "cfg_ngay_chot" else \
        f"để trống để dùng hạn của tệp kế hoạch ({_shown(default)})" if default else "để trống"
    if day is None:
        refuse(name, f"'{raw}' không phải ngày",
               f"Hãy gõ ngày dạng ngày/tháng/năm (ví dụ 20/02/{plan.year}), hoặc {usual}.")
        return default
    if not plan.year - 1 <= day.year <= plan.year + 1:
        refuse(name, f"ngày {_shown(day)} không thuộc kế hoạch năm {plan.year}",
               f"Hãy gõ một ngày từ năm {plan.year - 1} đến năm {plan.year + 1}, hoặc {usual}.")
        return default
    return day


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
