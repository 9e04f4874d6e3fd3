"""The report's sections as data: section I written from the consolidated figures, II and III the Board's.

A Party report (Hướng dẫn 36-HD/VPTW) is read and signed as a whole: after
the header and the title come I. the results, II. the shortcomings and their
causes, III. the way forward. Section I is generated from the consolidation's
tables every time (registration, admissions against the targets, the plan's
indicators and the assessment, submission discipline, by kind of unit).
Sections II and III are the Board's own assessment: their cells are seeded
with what the data shows (units below their minimum, units that did not
report, files with errors) and, once staff type their own text there, kept
across consolidations (:func:`keeps_board_text`: the seed last written is
kept in a hidden cell beside it, so "untouched" is "still equal to it").

A report can be made for a chosen period (:class:`ReportPeriod`): a quarter,
the first six months or the year; admissions and submission discipline are
then counted up to the period's end.

Everything here reads the tables by column id (the contract of
:mod:`xlplan.core.summary_tables`), so it works alike on the tables a
consolidation computes and on the ones read back from a workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, Mapping, Sequence

from . import indicators
from .errors import XlplanError
from .indicators import NO_DATA
from .periods import Period, PeriodError, period_or_none
from .plan import Plan

Row = Mapping[str, object]
Tables = Mapping[str, Sequence[Row]]

# Generated cells of the Báo cáo sheet: rewritten by every consolidation.
PERIOD_CELL = "bc_ky"
RESULT_CELLS = ("bc_kq_dang_ky", "bc_kq_ket_nap", "bc_kq_chi_tieu", "bc_kq_nop", "bc_kq_loai_hinh")
GENERATED_CELLS = (PERIOD_CELL, *RESULT_CELLS)
# The Board's cells: seeded from the data, theirs once they type in them.
BOARD_CELLS = ("bc_han_che", "bc_phuong_huong")
SEED_SUFFIX = "_goi_y"  # the hidden cell holding the seed last written into a Board cell

SECTION_HEADINGS = {"I": "I. KẾT QUẢ THỰC HIỆN", "II": "II. HẠN CHẾ, NGUYÊN NHÂN",
                    "III": "III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"}
BOARD_NOTE = "(Ban Tổ chức sửa, bổ sung phần này; số liệu gợi ý:)"

# States of tbl_theo_doi (core.tracking's texts; repeated here to read the table back from a workbook).
NOT_SUBMITTED, UNREADABLE, NOT_DUE = "Chưa nộp", "Đã nhận, không đọc được", "Chưa đến hạn"
ON_TIME, LATE = "Đúng hạn", "Muộn"
CITY = "Toàn thành phố"
ERROR_LABEL = "Lỗi"  # tbl_kiem_tra's muc_do of an error (a replaced file's reads "Lỗi (tệp đã được thay)")

ReportKind = Literal["quarter", "half", "year"]
_ROMAN = ("I", "II", "III", "IV")


class ReportPeriodError(XlplanError, ValueError):
    """A report period the command line cannot read (message in Vietnamese)."""


@dataclass(frozen=True)
class ReportPeriod:
    """The period a report covers: a quarter, the first six months, or the year."""

    year: int
    kind: ReportKind
    index: int = 1  # the quarter (1–4); 1 for the half and the year

    @property
    def code(self) -> str:
        return {"quarter": f"{self.year}-Q{self.index}", "half": f"{self.year}-6T", "year": str(self.year)}[self.kind]

    @property
    def end(self) -> dt.date:
        month = {"quarter": 3 * self.index, "half": 6, "year": 12}[self.kind]
        return Period(self.year, "month", month).end

    @property
    def label(self) -> str:
        """``quý II năm 2017``, ``6 tháng đầu năm 2017``, ``năm 2017``."""
        if self.kind == "quarter":
            return f"quý {_ROMAN[self.index - 1]} năm {self.year}"
        if self.kind == "half":
            return f"6 tháng đầu năm {self.year}"
        return f"năm {self.year}"

    @property
    def periods(self) -> tuple[str, ...]:
        """The reporting periods (``tbl_tien_do_thang``'s ``ky``) that end with it, latest kind first."""
        if self.kind == "year":
            return (str(self.year),)
        last = 3 * self.index if self.kind == "quarter" else 6
        return (f"{self.year}-Q{last // 3}", f"{self.year}-{last:02d}")

    def covers(self, period: str) -> bool:
        """Whether a reporting period (``2017-03``, ``2017-Q1``, ``2017``) ends on or before this one's end."""
        parsed = period_or_none(period)
        return parsed is not None and parsed.year == self.year and parsed.end <= self.end


_PATTERN = re.compile(r"^\s*(\d{4})(?:\s*-\s*(Q[1-4]|6T|H1))?\s*$", re.IGNORECASE)


def parse_report_period(text: str, plan_year: int | None = None) -> ReportPeriod:
    """``2017`` (the year), ``2017-Q2`` (a quarter), ``2017-6T`` or ``2017-H1`` (the first six months)."""
    found = _PATTERN.match(text or "")
    if found is None:
        raise ReportPeriodError(f"Kỳ báo cáo '{text}' không hợp lệ: cần năm (2017), quý (2017-Q2) "
                                "hoặc 6 tháng đầu năm (2017-6T).")
    year, part = int(found.group(1)), (found.group(2) or "").upper()
    if plan_year is not None and year != plan_year:
        raise ReportPeriodError(f"Kỳ báo cáo '{text}' không thuộc năm kế hoạch {plan_year}.")
    if not part:
        return ReportPeriod(year, "year")
    if part in ("6T", "H1"):
        return ReportPeriod(year, "half")
    return ReportPeriod(year, "quarter", int(part[1]))


# -- small texts -------------------------------------------------------------------------

def _n(value: object) -> str:
    return indicators.format_number(value) if isinstance(value, int) and not isinstance(value, bool) else NO_DATA


def _pct(value: object, digits: int) -> str:
    return indicators.format_percent(value if isinstance(value, Fraction) else None, digits)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _names(rows: Sequence[Row], limit: int = 12) -> str:
    """``Tên A (mã A), Tên B (mã B)`` … with the rest counted."""
    shown = [f"{r.get('ten') or r.get('ma')}" for r in rows[:limit]]
    if len(rows) > limit:
        shown.append(f"và {len(rows) - limit} đơn vị khác")
    return ", ".join(shown)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- section I ---------------------------------------------------------------------------

def registration_text(plan: Plan, tables: Tables) -> str:
    """1. Registration: who registered, on time, the admissions registered, who registered below the minimum."""
    rows = list(tables.get("tbl_dang_ky", ()))
    done = [r for r in rows if r.get("trang_thai") not in (NOT_SUBMITTED, NOT_DUE, UNREADABLE, None, "")]
    # The plan's words (``set_labels``): "trong sạch, vững mạnh" under the 2016-2017 scale.
    register = (f"xây dựng tổ chức cơ sở đảng {plan.word('tsvm')}" if plan.word("tsvm", short=True) == "TSVM"
                else "xếp loại chất lượng tổ chức cơ sở đảng")
    head = f"1. Đăng ký {register} và phát triển đảng viên: "
    if not done:
        return head + f"chưa có tổ chức cơ sở đảng nào nộp bản đăng ký năm {plan.year}."
    on_time = sum(1 for r in done if r.get("trang_thai") == ON_TIME)
    late = sum(1 for r in done if r.get("trang_thai") == LATE)
    text = (head + f"{_n(len(done))}/{_n(len(rows))} tổ chức cơ sở đảng đã nộp bản đăng ký "
            f"({_n(on_time)} đúng hạn, {_n(late)} muộn)")
    total = [v for r in done if (v := _int(r.get("dk_ket_nap"))) is not None]
    if total:
        text += f", đăng ký kết nạp {_n(sum(total))} đảng viên mới"
    missing = [r for r in rows if r.get("trang_thai") in (NOT_SUBMITTED, UNREADABLE)]
    if missing:
        text += f"; {_n(len(missing))} đơn vị chưa có bản đăng ký dùng được: {_names(missing)}"
    below = [r for r in done if r.get("dat_toi_thieu") == "Chưa đạt"]
    if below:
        text += (f"; {_n(len(below))} tổ chức cơ sở đảng đăng ký kết nạp thấp hơn chỉ tiêu tối thiểu: "
                 + ", ".join(f"{r.get('ten') or r.get('ma')} (đăng ký {_n(r.get('dk_ket_nap'))}, "
                             f"tối thiểu {_n(r.get('ct_toi_thieu'))})" for r in below[:12])
                 + (f" và {len(below) - 12} đơn vị khác" if len(below) > 12 else ""))
    else:
        text += "; không có tổ chức cơ sở đảng nào đăng ký thấp hơn chỉ tiêu kết nạp tối thiểu"
    return text + "."


def _city_row(tables: Tables, year: int) -> Row | None:
    for row in tables.get("tbl_tong_hop", ()):
        if row.get("nhom") == CITY and str(row.get("nam")) == str(year):
            return row
    return None


def _progress_row(tables: Tables, period: ReportPeriod) -> Row | None:
    rows = {str(r.get("ky")): r for r in tables.get("tbl_tien_do_thang", ())}
    found = [rows[p] for p in period.periods if p in rows]
    return max(found, key=lambda r: _int(r.get("kn_luy_ke")) or 0) if found else None


def _latest_progress(tables: Tables) -> Row | None:
    """The city's row of the latest month or quarter reported (a month before a quarter ending with it)."""
    best: tuple[dt.date, int] | None = None
    found = None
    for row in tables.get("tbl_tien_do_thang", ()):
        try:
            period = Period.parse(str(row.get("ky")))
        except PeriodError:
            continue
        key = (period.end, 1 if period.kind == "month" else 0)
        if best is None or key > best:
            best, found = key, row
    return found


def _is_year_end(period: str) -> bool:
    try:
        parsed = Period.parse(period)
    except PeriodError:
        return False
    return parsed.end.month == 12


def below_minimum(tables: Tables) -> list[Row]:
    """Units judged below their yearly admission minimum (the year is over: ``tbl_tien_do`` says ``Chưa đạt``)."""
    return [r for r in tables.get("tbl_tien_do", ()) if r.get("dat_toi_thieu") == "Chưa đạt"]


def admissions_text(plan: Plan, tables: Tables, period: ReportPeriod) -> str:
    """2. Admissions up to the period's end, against the city target; units below their minimum at the year's end."""
    head = "2. Kết nạp đảng viên mới: "
    target = plan.city_admission_target
    digits, mode = plan.completion_digits, plan.rounding_mode
    if period.kind == "year":
        city = _city_row(tables, plan.year)
        admitted = _int(city.get("ket_nap")) if city else None
        progress = _latest_progress(tables)
        when = f"năm {plan.year}"
        if progress is not None and not _is_year_end(str(progress.get("ky"))):  # the year is not over
            when = f"đến hết {_lower(str(progress.get('ky_ten')))}"
            admitted = _int(progress.get("kn_luy_ke"))
    else:
        progress = _progress_row(tables, period)
        admitted = _int(progress.get("kn_luy_ke")) if progress else None
        when = f"đến hết {period.label}"
    if admitted is None:
        return head + f"{when} chưa có báo cáo kết nạp đảng viên mới."
    text = head + f"{when} đã kết nạp {_n(admitted)} đảng viên mới"
    if target:
        done = indicators.completion(admitted, target, digits, mode)
        text += f" = {_pct(done, digits)} chỉ tiêu {_n(target)} đảng viên của {plan.committee}"
    if progress is not None and _int(progress.get("so_don_vi_nop")) is not None:
        text += f" ({_n(progress.get('so_don_vi_nop'))} tổ chức cơ sở đảng báo cáo)"
    below = below_minimum(tables) if period.kind == "year" else []
    if below:
        text += (f"; {_n(len(below))} tổ chức cơ sở đảng chưa đạt chỉ tiêu kết nạp tối thiểu: "
                 + ", ".join(f"{r.get('ten') or r.get('ma')} ({_n(r.get('kn_luy_ke'))}/{_n(r.get('ct_toi_thieu'))})"
                             for r in below[:12])
                 + (f" và {len(below) - 12} đơn vị khác" if len(below) > 12 else ""))
    return text + "."


def indicators_text(plan: Plan, tables: Tables, period: ReportPeriod) -> str:
    """3. The plan's indicators and the quality assessment, as ``tbl_chi_tieu`` states them for the plan year."""
    lines = ["3. Đánh giá chất lượng và các chỉ tiêu của kế hoạch:"]
    if period.kind != "year":
        lines[0] = lines[0][:-1] + f" (đánh giá, xếp loại chất lượng thực hiện vào cuối năm {plan.year}):"
    for row in tables.get("tbl_chi_tieu", ()):
        current = str(row.get("nam_nay") or NO_DATA)
        line = f"- {row.get('chi_tieu')}: {_lower(current)}"
        target, verdict = str(row.get("muc_tieu") or ""), str(row.get("danh_gia") or "")
        if target:
            line += f" (mục tiêu: {_lower(target)})"
        if verdict and verdict != NO_DATA:
            line += f" — {verdict}"
        lines.append(line + ";")
    if len(lines) == 1:
        lines.append(f"- {NO_DATA}.")
    else:
        lines[-1] = lines[-1][:-1] + "."
    return "\n".join(lines)


def discipline_text(plan: Plan, tables: Tables, period: ReportPeriod) -> str:
    """4. Submission discipline: per due form and period up to the report's end, sent and on time."""
    digits = plan.share_digits
    lines = ["4. Chấp hành chế độ thông tin, báo cáo:"]
    for row in tables.get("tbl_ty_le_nop", ()):
        expected = _int(row.get("du_kien")) or 0
        if not expected or not period.covers(str(row.get("ky"))):
            continue
        try:
            shown = Period.parse(str(row.get("ky"))).label
        except PeriodError:
            shown = str(row.get("ky"))
        lines.append(f"- Biểu {row.get('bieu')} {_lower(shown)}: {_n(row.get('da_nop'))}/{_n(expected)} đơn vị "
                     f"đã nộp ({_pct(row.get('ty_le_day_du'), digits)}), {_n(row.get('dung_han'))} đúng hạn "
                     f"({_pct(row.get('ty_le_dung_han'), digits)});")
    if len(lines) == 1:
        return lines[0] + f" chưa có biểu mẫu nào đến hạn nộp trong {period.label}."
    missing, unreadable = _tracking_counts(tables, period)
    lines[-1] = lines[-1][:-1] + "."
    if missing or unreadable:
        lines.append(f"Còn {_n(missing)} lượt chưa nộp và {_n(unreadable)} lượt đã nhận nhưng không đọc được "
                     "(danh sách đơn vị cần nhắc ở trang Theo dõi nộp).")
    return "\n".join(lines)


def _tracking_counts(tables: Tables, period: ReportPeriod) -> tuple[int, int]:
    """Rows of ``tbl_theo_doi`` not submitted, and received unreadable, of the periods the report covers.

    The table has a row per unit and tracked pair (hundreds of thousands at a
    national scale) and only a few periods: each period's text is judged once,
    and only for the rows in one of the two states.
    """
    covered: dict[str, bool] = {}
    missing = unreadable = 0
    for row in tables.get("tbl_theo_doi", ()):
        state = row.get("trang_thai")
        if state != NOT_SUBMITTED and state != UNREADABLE:
            continue
        ky = str(row.get("ky"))
        inside = covered.get(ky)
        if inside is None:
            inside = covered[ky] = period.covers(ky)
        if inside:
            if state == NOT_SUBMITTED:
                missing += 1
            else:
                unreadable += 1
    return missing, unreadable


def kinds_text(plan: Plan, tables: Tables) -> str:
    """5. By kind of unit: units, admissions against the kind's minimums, organizations rated TSVM."""
    digits, completion_digits = plan.share_digits, plan.completion_digits
    lines = ["5. Theo loại hình tổ chức cơ sở đảng:"]
    for row in tables.get("tbl_tong_hop", ()):
        if row.get("nhom") == CITY or str(row.get("nam")) != str(plan.year):
            continue
        admitted, target = _int(row.get("ket_nap")), _int(row.get("chi_tieu_ket_nap"))
        line = f"- {row.get('nhom')} ({_n(row.get('so_don_vi'))} tổ chức cơ sở đảng): kết nạp "
        if admitted is None:
            line += _lower(NO_DATA)
        else:
            line += _n(admitted)
            if target:
                line += f"/{_n(target)} chỉ tiêu tối thiểu = {_pct(row.get('ty_le_ket_nap'), completion_digits)}"
        assessed, tsvm = _int(row.get("so_danh_gia")), _int(row.get("so_tsvm"))
        if assessed:
            line += (f"; {plan.word('tsvm', short=True)} {_n(tsvm or 0)}/{_n(assessed)} = "
                     f"{_pct(row.get('ty_le_tsvm'), digits)}")
        lines.append(line + ";")
    if len(lines) == 1:
        return lines[0] + f" {_lower(NO_DATA)}."
    lines[-1] = lines[-1][:-1] + "."
    return "\n".join(lines)


# -- sections II and III: the data's facts, as a seed ------------------------------------------

def shortcomings_seed(plan: Plan, tables: Tables, period: ReportPeriod) -> str:
    """Section II's seed: the facts the Board will want to assess (below minimum, not reported, errors)."""
    facts = []
    below = below_minimum(tables) if period.kind == "year" else []
    if below:
        facts.append(f"- {_n(len(below))} tổ chức cơ sở đảng chưa đạt chỉ tiêu kết nạp tối thiểu: {_names(below)}.")
    registered_below = [r for r in tables.get("tbl_dang_ky", ()) if r.get("dat_toi_thieu") == "Chưa đạt"]
    if registered_below:
        facts.append(f"- {_n(len(registered_below))} tổ chức cơ sở đảng đăng ký kết nạp thấp hơn chỉ tiêu tối "
                     f"thiểu: {_names(registered_below)}.")
    for row in tables.get("tbl_chi_tieu", ()):
        if row.get("danh_gia") == "Chưa đạt":
            facts.append(f"- Chưa đạt chỉ tiêu: {_lower(str(row.get('chi_tieu')))} "
                         f"({_lower(str(row.get('nam_nay') or NO_DATA))}; mục tiêu: {_lower(str(row.get('muc_tieu')))}).")
    missing, unreadable = _tracking_counts(tables, period)
    if missing or unreadable:
        facts.append(f"- Chế độ báo cáo: {_n(missing)} lượt chưa nộp, {_n(unreadable)} lượt gửi tệp không đọc được.")
    errors = sorted({str(r.get("don_vi")) for r in tables.get("tbl_kiem_tra", ())
                     if r.get("muc_do") == ERROR_LABEL and r.get("don_vi")})
    if errors:
        facts.append(f"- {_n(len(errors))} đơn vị gửi số liệu có lỗi phải sửa (trang Kiểm tra).")
    if not facts:
        facts.append("- Số liệu tổng hợp chưa cho thấy hạn chế nào.")
    return "\n".join([BOARD_NOTE, *facts, "- Nguyên nhân: …"])


def directions_seed(plan: Plan, tables: Tables, period: ReportPeriod) -> str:
    """Section III's seed: what the facts call for next."""
    lines = [BOARD_NOTE]
    below = below_minimum(tables) if period.kind == "year" else []
    if below:
        lines.append(f"- Chỉ đạo {_n(len(below))} tổ chức cơ sở đảng chưa đạt chỉ tiêu kết nạp tối thiểu rà soát "
                     "nguồn, bồi dưỡng quần chúng ưu tú để kết nạp.")
    missing, unreadable = _tracking_counts(tables, period)
    if missing or unreadable:
        lines.append("- Đôn đốc các đơn vị chưa nộp hoặc gửi tệp không đọc được nộp lại đúng biểu mẫu, đúng hạn "
                     "(danh sách đơn vị cần nhắc ở trang Theo dõi nộp).")
    for row in tables.get("tbl_chi_tieu", ()):
        if row.get("muc_tieu") and row.get("danh_gia") in ("Chưa đạt", "Đang thực hiện"):
            lines.append(f"- Phấn đấu đạt chỉ tiêu: {_lower(str(row.get('chi_tieu')))} "
                         f"({_lower(str(row.get('muc_tieu')))}).")
    if len(lines) == 1:
        lines.append("- Giữ vững kết quả đã đạt được.")
    return "\n".join(lines)


# -- the cells, and what staff typed ---------------------------------------------------------

def default_period(plan: Plan) -> ReportPeriod:
    return ReportPeriod(plan.year, "year")


def section_cells(plan: Plan, tables: Tables, period: ReportPeriod | None = None) -> dict[str, str]:
    """The Báo cáo sheet's section cells for ``tables``: the generated ones, and the seeds of II and III.

    Keys are the cells' defined names; the seeds are given under the Board
    cell's name (what to write where staff have not typed) and under the
    hidden ``<name>_goi_y`` cell (the seed last written, to tell theirs from ours).
    """
    period = period or default_period(plan)
    cells = {
        PERIOD_CELL: f"(Kỳ báo cáo: {period.label})",
        "bc_kq_dang_ky": registration_text(plan, tables),
        "bc_kq_ket_nap": admissions_text(plan, tables, period),
        "bc_kq_chi_tieu": indicators_text(plan, tables, period),
        "bc_kq_nop": discipline_text(plan, tables, period),
        "bc_kq_loai_hinh": kinds_text(plan, tables),
    }
    for name, seed in (("bc_han_che", shortcomings_seed(plan, tables, period)),
                       ("bc_phuong_huong", directions_seed(plan, tables, period))):
        cells[name] = seed
        cells[name + SEED_SUFFIX] = seed
    return cells


def keeps_board_text(current: object, last_seed: object) -> bool:
    """Whether a Board cell keeps ``current`` (staff typed it) rather than take a new seed.

    Empty, or still exactly the seed written last time: ours, replaced.
    Anything else is the Board's own assessment and is never overwritten.
    """
    if current is None or (isinstance(current, str) and not current.strip()):
        return False
    return current != last_seed


# -- the whole report, for a word processor ------------------------------------------------------

@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]
    board: bool = False  # the Board's own text (II, III), not generated


@dataclass(frozen=True)
class ReportDocument:
    """The report as a word processor lays it out (:mod:`xlplan.io.report_docx`)."""

    superior: str
    issuer: str
    number: str
    place_date: str
    title: str
    period: str
    opening: tuple[str, ...]
    sections: tuple[Section, ...]
    recipients: tuple[str, ...]
    signature: tuple[str, ...] = ("T/M BAN THƯỜNG VỤ", "BÍ THƯ")
    signer: str = ""
    appendix_title: str = ""
    appendix_header: tuple[str, ...] = ()
    appendix: tuple[tuple[str, ...], ...] = field(default=())


def _lines(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(line.strip() for line in str(value).split("\n") if line.strip())


def report_document(cells: Mapping[str, object], appendix_title: str = "",
                    appendix_header: Sequence[str] = (), appendix: Sequence[Sequence[object]] = (),
                    signer: str = "") -> ReportDocument:
    """The report from the Báo cáo sheet's named cells as they stand (the Board's text included)."""
    recipients = _lines(cells.get("bc_noi_nhan"))
    results = tuple(line for name in ("bc_doan_van_nam", *RESULT_CELLS) for line in _lines(cells.get(name)))
    return ReportDocument(
        superior=str(cells.get("bc_cap_tren") or ""), issuer=str(cells.get("bc_co_quan") or ""),
        number=str(cells.get("bc_so") or ""), place_date=str(cells.get("bc_noi_ngay") or ""),
        title=str(cells.get("bc_tieu_de") or ""), period=str(cells.get(PERIOD_CELL) or ""),
        opening=_lines(cells.get("bc_doan_van")),
        sections=(Section(SECTION_HEADINGS["I"], results),
                  Section(SECTION_HEADINGS["II"], _lines(cells.get("bc_han_che")), True),
                  Section(SECTION_HEADINGS["III"], _lines(cells.get("bc_phuong_huong")), True)),
        recipients=recipients, signer=signer, appendix_title=appendix_title,
        appendix_header=tuple(appendix_header),
        appendix=tuple(tuple("" if v is None else str(v) for v in row) for row in appendix))
