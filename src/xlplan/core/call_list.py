"""The call list: which units to phone, about what, and how to reach them.

The Organization Board chases reports by telephone. For the pairs that are
due, a unit is on the list when it has not sent a report, sent a file that
could not be read, or sent figures with errors; each unit is one line with
everything to say to it and the contact the registry holds (``lien_he``),
sorted by kind of unit (the plan's order: wards and communes first), then by
code. The list is built from the consolidation's tables (``tbl_theo_doi``,
``tbl_kiem_tra``, ``tbl_don_vi``), so the CLI, the city workbook's Theo dõi
nộp sheet and the ribbon's button show the same lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .periods import Period, PeriodError
from .plan import Plan
from .schedule import period_text
from .summary_tables import Column, TableSpec

Row = Mapping[str, object]
Tables = Mapping[str, Sequence[Row]]

TABLE_ID = "tbl_can_nhac"
SHEET = "Theo dõi nộp"
TITLE = "DANH SÁCH ĐƠN VỊ CẦN NHẮC (CHƯA NỘP, KHÔNG ĐỌC ĐƯỢC, CÓ LỖI)"

NOT_SUBMITTED, UNREADABLE = "Chưa nộp", "Đã nhận, không đọc được"
ERROR_LABEL = "Lỗi"  # an error of a file in use (a replaced file's reads "Lỗi (tệp đã được thay)")
REASONS = ("Chưa nộp", "Không đọc được", "Có lỗi")


def call_table() -> TableSpec:
    """The call list's table on the Theo dõi nộp sheet (its columns are a contract, as every table's)."""
    return TableSpec(TABLE_ID, SHEET, TITLE, (
        Column("tt", "TT", "int", 5), Column("loai_hinh", "Loại hình", "text", 20),
        Column("ma", "Mã đơn vị", "text", 12), Column("ten", "Tên tổ chức cơ sở đảng", "text", 30),
        Column("lien_he", "Liên hệ", "text", 24), Column("tinh_trang", "Tình trạng", "text", 14),
        Column("can_nhac", "Việc cần nhắc", "text", 44),
    ))


@dataclass
class Call:
    """One unit to call: its identity, contact, and what to say."""

    code: str
    name: str
    kind: str  # the kind's label
    kind_rank: int
    contact: str
    missing: list[str] = field(default_factory=list)  # "F02 tháng 03 năm 2017 (hạn 05/04/2017)"
    unreadable: list[str] = field(default_factory=list)  # "F01 năm 2017: tệp có mật khẩu (x.xlsx)"
    errors: dict[str, int] = field(default_factory=dict)  # file → number of errors

    @property
    def reasons(self) -> list[str]:
        found = [(self.missing, REASONS[0]), (self.unreadable, REASONS[1]), (self.errors, REASONS[2])]
        return [label for items, label in found if items]

    @property
    def what(self) -> str:
        parts = []
        if self.missing:
            parts.append("Chưa nộp: " + "; ".join(self.missing))
        if self.unreadable:
            parts.append("Gửi lại tệp đọc được: " + "; ".join(self.unreadable))
        if self.errors:
            parts.append("Sửa lỗi: " + "; ".join(f"{count} lỗi trong tệp {name}" if name else f"{count} lỗi"
                                                for name, count in self.errors.items()))
        return ". ".join(parts) + "."


def _pair_text(row: Row) -> str:
    form, period = str(row.get("bieu") or ""), str(row.get("ky") or "")
    try:
        shown = period_text(Period.parse(period)) if period else ""  # "quý I năm 2017", never "quý i"
    except PeriodError:
        shown = period
    return " ".join(part for part in (form, shown) if part)


def _date_text(value: object) -> str:
    strftime = getattr(value, "strftime", None)
    return strftime("%d/%m/%Y") if strftime is not None else ""


def calls(plan: Plan, tables: Tables) -> list[Call]:
    """The units to call, sorted by kind (the plan's order) and code; none when every due report is in order."""
    kinds = {k.code: (i, k.label) for i, k in enumerate(plan.kinds)}
    labels = {k.label: i for i, k in enumerate(plan.kinds)}
    units: dict[str, Row] = {str(r.get("ma")): r for r in tables.get("tbl_don_vi", ())}
    found: dict[str, Call] = {}
    refused: set[str] = set()

    def call(code: str, name: object = "") -> Call:
        if code not in found:
            unit = units.get(code, {})
            kind = str(unit.get("loai_hinh") or "")
            rank, label = kinds.get(kind, (labels.get(str(unit.get("loai_hinh_ten")), len(kinds)),
                                           str(unit.get("loai_hinh_ten") or kind)))
            found[code] = Call(code, str(unit.get("ten") or name or code), label, rank,
                               " ".join(str(unit.get("lien_he") or "").split()))
        return found[code]

    for row in tables.get("tbl_theo_doi", ()):
        state, code = row.get("trang_thai"), str(row.get("ma") or "")
        if not code:
            continue
        if state == NOT_SUBMITTED:
            due = _date_text(row.get("han_nop"))
            call(code, row.get("ten")).missing.append(_pair_text(row) + (f" (hạn {due})" if due else ""))
        elif state == UNREADABLE:
            refused.add(str(row.get("tep") or ""))
            what = _pair_text(row) or "tệp"
            note = str(row.get("ghi_chu") or "").strip() or str(row.get("tep") or "")
            call(code, row.get("ten")).unreadable.append(f"{what}: {note}" if note else what)
    for row in tables.get("tbl_kiem_tra", ()):
        code = str(row.get("don_vi") or "")
        if row.get("muc_do") != ERROR_LABEL or not code or code not in units or row.get("tep") in refused:
            continue  # a refused file's own error is said as "send a readable file", not twice
        errors = call(code).errors
        file = str(row.get("tep") or "")
        errors[file] = errors.get(file, 0) + 1
    return sorted(found.values(), key=lambda c: (c.kind_rank, c.code))


def call_rows(plan: Plan, tables: Tables) -> list[dict[str, object]]:
    """Rows of the call list's table (:func:`call_table`), numbered."""
    return [{"tt": number, "loai_hinh": c.kind, "ma": c.code, "ten": c.name, "lien_he": c.contact or "(chưa có)",
             "tinh_trang": ", ".join(c.reasons), "can_nhac": c.what}
            for number, c in enumerate(calls(plan, tables), 1)]
