"""Synthetic sample data behind ``xlplan demo``: the values every unit would type into its forms.

The demo must walk the whole cycle (forms out, filled files back, consolidation,
findings) on data that behaves like the real thing: consolidating the 80 units'
2016 reports has to regenerate the plan's 2016 paragraph *exactly* (80 units,
8.877 members, 65/79 TSVM, ...), and the 2017 files have to carry a few
deliberate problems the checks must find. So the city totals are an input
(:class:`CityTotals`), per-unit numbers are split from them with an exact
largest-remainder apportionment (:func:`apportion`), and every other number is
derived so that each form's own checks hold.

Everything here is a pure function of (units, plan, totals, seed): no files, no
clock, no global random state. Each stage draws from its own ``random.Random``
seeded with text (stage name, unit code), so adding a stage or a unit's field
never shifts another stage's numbers. Values hold the unit's *input* fields
only; identity fields and the locked minimum are prefilled by the form writer.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple, Sequence

from ..core.forms import org_cell_field
from ..core.periods import Period, add_months
from ..core.plan import Category, Plan
from ..core.registry import Unit

Values = dict[str, Any]  # field id -> int | Fraction | datetime.date | str
UnitValues = dict[str, Values]  # unit code -> values

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý")
_MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Hữu", "Quang", "Thị Thu", "Ngọc", "Xuân")
_GIVEN = ("Hùng", "Lan", "Hương", "Tuấn", "Dũng", "Hà", "Nam", "Thủy", "Long", "Hải", "Phương",
          "Sơn", "Hoa", "Bình", "Thắng", "Huyền", "Cường", "Mai", "Quyết", "Hạnh")


# -- the totals --------------------------------------------------------------------

@dataclass(frozen=True)
class CityTotals:
    """City-wide figures of the previous year that the per-unit sample values must add up to.

    ``good_or_better`` includes the excellent members, as the plan counts them
    (6.646 of 7.453 good or better, 901 of them excellent). ``admission_plan``
    is the previous year's plan figure (180), kept for the narrative only.
    """

    units: int
    members: int
    assessed_units: int
    tsvm: int
    weak: int
    members_assessed: int
    excellent: int
    good_or_better: int
    admitted: int
    made_full: int
    admission_plan: int = 0

    def __post_init__(self) -> None:
        bad = [f"{name} phải là số nguyên ≥ 0" for name, value in vars(self).items()
               if type(value) is not int or value < 0]
        if bad:
            raise ValueError("tổng số liệu mẫu không hợp lệ: " + "; ".join(bad))
        rules = (
            (self.units >= 1, "phải có ít nhất 1 đơn vị"),
            (self.assessed_units <= self.units, "số TCCSĐ được đánh giá vượt số đơn vị"),
            (self.tsvm + self.weak <= self.assessed_units, "TSVM + yếu kém vượt số TCCSĐ được đánh giá"),
            (self.members >= self.units, "số đảng viên nhỏ hơn số đơn vị (mỗi đơn vị ít nhất 1)"),
            (self.members_assessed <= self.members, "số đảng viên được đánh giá vượt tổng số"),
            (self.good_or_better <= self.members_assessed, "số hoàn thành tốt trở lên vượt số được đánh giá"),
            (self.excellent <= self.good_or_better, "số xuất sắc vượt số hoàn thành tốt trở lên"),
            (self.admitted <= self.members, "số kết nạp vượt tổng số đảng viên"),
            (self.made_full <= self.members, "số chuyển chính thức vượt tổng số đảng viên"),
        )
        bad = [message for ok, message in rules if not ok]
        if bad:
            raise ValueError("tổng số liệu mẫu không nhất quán: " + "; ".join(bad))

    @property
    def good(self) -> int:
        """Members rated good, excluding the excellent ones (the F03 ``dv_tot`` count)."""
        return self.good_or_better - self.excellent

    @property
    def not_assessed_units(self) -> int:
        return self.units - self.assessed_units


def city_totals_2016() -> CityTotals:
    """The plan's 2016 figures, from its first paragraph (DOMAIN.md, "The 2016 baseline")."""
    return CityTotals(units=80, members=8877, assessed_units=79, tsvm=65, weak=0, members_assessed=7453,
                      excellent=901, good_or_better=6646, admitted=218, made_full=237, admission_plan=180)


# -- exact apportionment -----------------------------------------------------------

def _clamp(value: Fraction, low: int, high: int | None) -> Fraction:
    return Fraction(low) if value < low else Fraction(high) if high is not None and value > high else value


def _quotas(total: int, weights: list[Fraction], lower: list[int], upper: list[int | None]) -> list[Fraction]:
    """Exact quotas ``clamp(λ·w, lower, upper)`` summing to ``total`` (λ solved on the breakpoints)."""
    n = len(weights)

    def filled(lam: Fraction) -> Fraction:
        return sum((_clamp(lam * weights[i], lower[i], upper[i]) for i in range(n)), Fraction(0))

    ordered = sorted({Fraction(0)} | {Fraction(b) / w for w, b in zip(weights, lower) if w > 0}
                     | {Fraction(b) / w for w, b in zip(weights, upper) if w > 0 and b is not None})
    reached = bisect.bisect_left(ordered, True, key=lambda lam: filled(lam) >= total)  # first breakpoint at total
    start = ordered[max(reached - 1, 0)]
    base = filled(start)
    if base >= total:
        lam = start
    else:  # linear between ``start`` and the next breakpoint (or beyond the last one)
        slope = sum((wt for wt, lo, hi in zip(weights, lower, upper) if wt > 0 and lo <= start * wt
                     and (hi is None or start * wt < hi)), Fraction(0))
        lam = start + (total - base) / slope
    return [_clamp(lam * weights[i], lower[i], upper[i]) for i in range(n)]


def apportion(total: int, weights: Sequence[int | Fraction], lower: Sequence[int] | None = None,
              upper: Sequence[int | None] | None = None) -> list[int]:
    """Split ``total`` into integers proportional to ``weights``, within bounds, summing exactly.

    Largest-remainder (Hamilton) rounding of exact quotas: each share is
    ``clamp(λ·weight, lower, upper)`` for the λ that makes them sum to
    ``total``, floored, and the leftover units go to the largest fractional
    parts (ties to the earlier item), so the result is deterministic and hits
    the total exactly. Zero-weight items stay at their lower bound unless the
    others cannot absorb the total; if no item with a weight can grow, the
    total is spread evenly over those that can. ``None`` in ``upper`` means no
    cap. Raises ValueError when the bounds make ``total`` impossible.
    """
    n = len(weights)
    low = [0] * n if lower is None else [int(x) for x in lower]
    high: list[int | None] = [None] * n if upper is None else [None if x is None else int(x) for x in upper]
    w = [Fraction(x) for x in weights]
    if (len(low) != n or len(high) != n or total < 0 or any(x < 0 for x in w) or any(x < 0 for x in low)
            or any(h is not None and h < lo for lo, h in zip(low, high)) or sum(low) > total
            or (None not in high and sum(h or 0 for h in high) < total)):
        raise ValueError(f"không thể chia {total} theo trọng số {list(weights)} trong giới hạn {low} – {high}")
    room = [None if h is None else h - lo for lo, h in zip(low, high)]  # how far each can grow; None: no cap
    grows = [r is None or r > 0 for r in room]
    weighted = [i for i in range(n) if w[i] > 0 and grows[i]]
    spare = total - sum(low)
    capped = [r for i in weighted if (r := room[i]) is not None]
    cap = sum(capped) if len(capped) == len(weighted) else None  # None: a weighted item has no cap
    if spare > 0 and (not weighted or (cap is not None and cap < spare)):
        # The weighted items cannot take it all: fill them (all capped, as cap is not None),
        # spread the rest evenly.
        base = [lo + r if i in weighted and r is not None else lo for i, (lo, r) in enumerate(zip(low, room))]
        rest = apportion(total - sum(base), [0 if i in weighted or not grows[i] else 1 for i in range(n)],
                         [0] * n, [None if h is None else h - b for h, b in zip(high, base)])
        return [b + r for b, r in zip(base, rest)]
    quotas = _quotas(total, w, low, high)
    shares = [q.numerator // q.denominator for q in quotas]
    leftover = total - sum(shares)
    order = sorted(range(n), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in order[:leftover]:
        shares[i] += 1
    return shares


# -- small deterministic helpers ---------------------------------------------------

def _rng(seed: int, *parts: str) -> random.Random:
    """A generator private to one stage (and unit): text seeds hash the same on every run."""
    return random.Random("xlplan-sample|" + "|".join([str(seed), *parts]))


def _jitter(rng: random.Random, spread: int) -> int:
    """A weight factor of 100 ± ``spread`` percent, so seeds change the split, not the totals."""
    return rng.randint(100 - spread, 100 + spread)


def _draw(rng: random.Random, base: int, per_10k_year: int, months: int = 12) -> int:
    """How many of ``base`` members an event hits over ``months`` at a yearly rate per 10.000."""
    numerator, denominator = base * per_10k_year * months, 10000 * 12
    return numerator // denominator + (1 if rng.randrange(denominator) < numerator % denominator else 0)


def _date_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _people(seed: int, code: str) -> Values:
    """The unit's preparer and secretary: the same people on every form of the unit."""
    rng = _rng(seed, "people", code)
    return {key: f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}" for key in ("nguoi_lap", "bi_thu")}


def _check_units(units: Sequence[Unit], plan: Plan) -> tuple[Unit, ...]:
    items = tuple(units)
    codes = [u.code for u in items]
    if len(set(codes)) != len(codes):
        raise ValueError("danh sách đơn vị có mã trùng nhau")
    for unit in items:
        plan.kind(unit.kind)  # KeyError for a kind the plan does not know
    return items


def _minimum(plan: Plan, unit: Unit) -> int:
    return plan.admission_minimum(unit.kind, unit.has_source)


# -- previous year: F03 quality assessment ------------------------------------------

def unit_members(units: Sequence[Unit], totals: CityTotals) -> list[int]:
    """Members per unit summing to ``totals.members``: the registry's own counts when they do.

    Otherwise the total is split in proportion to the registry's counts (evenly
    when it has none), at least 1 per unit. Seed-free: a unit's size is a fact
    of the registry, not of the sample.
    """
    if len(units) != totals.units:
        raise ValueError(f"có {len(units)} đơn vị nhưng tổng số liệu mẫu ghi {totals.units}")
    weights = [max(u.members, 0) for u in units]
    if sum(weights) == 0:
        weights = [1] * len(units)
    return apportion(totals.members, weights, lower=[1] * len(units))


def _org_ratings(units: tuple[Unit, ...], plan: Plan, totals: CityTotals, seed: int) -> list[Category]:
    """The recognized rating of each unit: exactly the totals' TSVM, weak and not-assessed counts."""
    scale = plan.org_ratings
    tsvm, weak = scale.members("tsvm"), scale.members("weak")
    roles = {"tsvm": [c for c in scale.assessed if c.code in tsvm],
             "weak": [c for c in scale.assessed if c.code in weak],
             "middle": [c for c in scale.assessed if c.code not in tsvm | weak],
             "not_assessed": [c for c in scale.categories if not c.assessed][:1]}
    middle = totals.assessed_units - totals.tsvm - totals.weak
    wanted = (("tsvm", totals.tsvm), ("weak", totals.weak), ("middle", middle),
              ("not_assessed", totals.not_assessed_units))
    slots: list[Category] = []
    for role, count in wanted:
        cats = roles[role]
        if count and not cats:
            raise ValueError(f"kế hoạch không có loại xếp loại tổ chức cho nhóm '{role}'")
        if role == "tsvm":  # a few distinguished ("tiêu biểu"), most plain TSVM
            weights = [1] + [4] * (len(cats) - 1) if len(cats) > 1 else [1]
        elif role == "middle":  # more "completed well" than "completed"
            weights = [3] * (len(cats) - 1) + [1] if len(cats) > 1 else [1]
        else:
            weights = [1] * len(cats)
        for cat, k in zip(cats, apportion(count, weights) if cats else []):
            slots.extend([cat] * k)
    order = list(range(len(units)))
    _rng(seed, "org-ratings").shuffle(order)
    ratings: list[Category] = [slots[0]] * len(units)
    for index, cat in zip(order, slots):
        ratings[index] = cat
    return ratings


def _self_rating(plan: Plan, recognized: Category, rng: random.Random) -> Category:
    """Equal to the recognized rating, sometimes one step better (units rate themselves kindly)."""
    assessed = plan.org_ratings.assessed
    if recognized.assessed:
        pos = [c.code for c in assessed].index(recognized.code)
        if pos > 0 and rng.randrange(100) < 15:
            return assessed[pos - 1]
    return recognized


def _cell_counts(cells: int, unit_rating: Category, plan: Plan, rng: random.Random) -> Values:
    """Subordinate cells by rating, clustered around the unit's own rating; weak only in weak units."""
    scale = plan.org_ratings
    assessed = [c.code for c in scale.assessed]
    weak = scale.members("weak")
    weights = []
    for cat in scale.categories:
        if not unit_rating.assessed or not cat.assessed:
            weights.append(1 if cat.code == unit_rating.code else 0)
        elif cat.code in weak and unit_rating.code not in weak:
            weights.append(0)
        else:
            distance = abs(assessed.index(cat.code) - assessed.index(unit_rating.code))
            weights.append({0: 8, 1: 3, 2: 1}.get(distance, 0) * _jitter(rng, 30))
    counts = apportion(cells, weights)
    return {org_cell_field(c.code): k for c, k in zip(scale.categories, counts)}


def _member_fields(plan: Plan) -> tuple[str, str, str, str | None]:
    """Field ids of the excellent, good (excl. excellent), completed and failed member counts."""
    scale = plan.member_ratings
    good_set, excellent_set = scale.members("good_or_better"), scale.members("excellent")
    cats = [(c.code, field) for c in scale.categories if c.assessed and (field := c.field)]
    excellent = [field for code, field in cats if code in excellent_set]
    good = [field for code, field in cats if code in good_set and code not in excellent_set]
    others = [field for code, field in cats if code not in good_set]
    if len(excellent) != 1 or len(good) != 1 or not 1 <= len(others) <= 2:
        raise ValueError("dữ liệu mẫu cần đúng một mức xuất sắc, một mức tốt và một hoặc hai mức còn lại")
    return excellent[0], good[0], others[0], others[1] if len(others) == 2 else None


def year_end_values(units: Sequence[Unit], plan: Plan, totals: CityTotals, seed: int,
                    year: int | None = None) -> UnitValues:
    """F03 of the previous year for every unit; summed over units they give exactly ``totals``."""
    items = _check_units(units, plan)
    year = plan.previous_year if year is None else year
    members = unit_members(items, totals)
    ratings = _org_ratings(items, plan, totals, seed)
    f_excellent, f_good, f_complete, f_failed = _member_fields(plan)
    rng = _rng(seed, "year-end")
    assessed = apportion(totals.members_assessed, [m * _jitter(rng, 10) for m in members], upper=members)
    excellent = apportion(totals.excellent, [a * _jitter(rng, 30) for a in assessed], upper=assessed)
    room = [a - e for a, e in zip(assessed, excellent)]
    good = apportion(totals.good, [r * _jitter(rng, 5) for r in room], upper=room)
    rest = [r - g for r, g in zip(room, good)]
    failed_total = min(sum(rest), totals.members_assessed * 4 // 1000) if f_failed else 0  # "a few"
    failed = apportion(failed_total, [r * _jitter(rng, 50) for r in rest], upper=rest)
    out: UnitValues = {}
    for i, unit in enumerate(items):
        r = _rng(seed, "year-end", unit.code)
        complete = rest[i] - failed[i]
        values: Values = {
            "tccs_tu_xep_loai": _self_rating(plan, ratings[i], r).label,
            "tccs_xep_loai": ratings[i].label,
            "chi_bo_tong_so": unit.cells,
            **_cell_counts(unit.cells, ratings[i], plan, r),
            "dv_tong_so": members[i], "dv_khong_danh_gia": members[i] - assessed[i], "dv_duoc_danh_gia": assessed[i],
            f_excellent: excellent[i], f_good: good[i], f_complete: complete,
        }
        if f_failed:
            values[f_failed] = failed[i]
        values["dv_dat_cam_ket"] = assessed[i] - failed[i] - r.randint(0, complete // 5)
        values["ngay_lap"] = _date_between(r, dt.date(year, 12, 20), dt.date(year + 1, 1, 10))
        values.update(_people(seed, unit.code))
        out[unit.code] = values
    return out


# -- previous year: F02 annual report -----------------------------------------------

def _admission_weights(items: tuple[Unit, ...], plan: Plan, members: list[int], rng: random.Random) -> list[int]:
    """Admissions follow the kind's minimum (wards admit most) and the unit's size."""
    return [max(_minimum(plan, u), 1) * (100 + m) * _jitter(rng, 30) for u, m in zip(items, members)]


def annual_report_values(units: Sequence[Unit], plan: Plan, totals: CityTotals, seed: int,
                         year: int | None = None) -> UnitValues:
    """F02 for the whole previous year: admissions and made-full sum to ``totals``, stocks balance.

    The closing stock is the unit's F03 ``dv_tong_so``; the opening stock is
    derived from it and the movements, so the balance holds exactly.
    """
    items = _check_units(units, plan)
    year = plan.previous_year if year is None else year
    members = unit_members(items, totals)
    rng = _rng(seed, "annual")
    admitted = apportion(totals.admitted, _admission_weights(items, plan, members, rng), upper=members)
    made_full = apportion(totals.made_full, _admission_weights(items, plan, members, rng), upper=members)
    out: UnitValues = {}
    for i, unit in enumerate(items):
        r = _rng(seed, "annual", unit.code)
        end, new = members[i], admitted[i]
        moved_in = min(_draw(r, end, 150), end - new)  # keeps the opening stock ≥ 0
        moved_out, died = _draw(r, end, 150), _draw(r, end, 100)
        struck_off, expelled, left = _draw(r, end, 12), _draw(r, end, 3), _draw(r, end, 2)
        out[unit.code] = {
            "dv_dau_ky": end - new - moved_in + moved_out + died + struck_off + expelled + left,
            "kn_trong_ky": new, "kn_luy_ke": new, "chuyen_chinh_thuc": made_full[i],
            "chuyen_den": moved_in, "chuyen_di": moved_out, "tu_tran": died, "xoa_ten": struck_off,
            "xoa_ten_dv_moi": sum(1 for _ in range(struck_off) if r.randrange(100) < 30),
            "khai_tru": expelled, "ra_dang": left, "dv_cuoi_ky": end, "dv_ky_luat": _draw(r, end, 40),
            "qc_hoc_nhan_thuc": new + r.randint(1, 6),
            "ngay_lap": _date_between(r, dt.date(year, 12, 8), dt.date(year, 12, 20)), **_people(seed, unit.code),
        }
    return out


# -- plan year: F01 registration ----------------------------------------------------

def implied_totals(units: Sequence[Unit], plan: Plan) -> CityTotals:
    """Plausible previous-year totals for units without known figures (shares like Bắc Ninh 2016)."""
    items = tuple(units)
    members = sum(max(u.members, 1) for u in items)
    assessed_units = len(items) - len(items) // 80
    assessed = members * 84 // 100
    admitted = min(members, sum(max(_minimum(plan, u), 1) for u in items))
    return CityTotals(units=len(items), members=members, assessed_units=assessed_units,
                      tsvm=assessed_units * 82 // 100, weak=0, members_assessed=assessed,
                      excellent=assessed * 12 // 100, good_or_better=assessed * 89 // 100,
                      admitted=admitted, made_full=min(members, admitted * 108 // 100))


def _target_rating(plan: Plan, previous: str, rng: random.Random) -> str:
    """Units register TSVM; TSVM units sometimes aim one step higher ("tiêu biểu")."""
    tsvm = [c for c in plan.org_ratings.assessed if c.code in plan.org_ratings.members("tsvm")]
    if not tsvm:
        return plan.org_ratings.assessed[0].label
    before = plan.org_ratings.by_label(previous)
    if before is not None and before in tsvm:
        return tsvm[0].label if rng.randrange(100) < 30 else before.label
    return tsvm[-1].label


def registration_values(units: Sequence[Unit], plan: Plan, seed: int, year: int | None = None,
                        year_end: UnitValues | None = None, annual: UnitValues | None = None) -> UnitValues:
    """F01 of the plan year for every unit, on time and consistent with its own checks.

    With the previous year's ``year_end`` (F03) and ``annual`` (F02) values
    the members, cells and "results of last year" block repeat them; without,
    both are generated from :func:`implied_totals`. Every unit registers at
    least its kind's minimum and the city registers more than its target.
    """
    items = _check_units(units, plan)
    year = plan.year if year is None else year
    if (year_end is None) != (annual is None):
        raise ValueError("cần cả số liệu F03 và F02 của năm trước, hoặc không cần cả hai")
    if year_end is None or annual is None:
        totals = implied_totals(items, plan)
        year_end = year_end_values(items, plan, totals, seed)
        annual = annual_report_values(items, plan, totals, seed)
    f_excellent, f_good, _, _ = _member_fields(plan)
    deadline = plan.due_date("F01", str(year))
    wanted = []
    for unit in items:
        minimum = _minimum(plan, unit)
        wanted.append(minimum + _rng(seed, "registration-target", unit.code).randint(0, max(1, minimum // 2)))
    short = plan.city_admission_target + 1 - sum(wanted)
    if short > 0:  # "more than the city target"
        extra = apportion(short, [max(_minimum(plan, u), 1) for u in items])
        wanted = [w + e for w, e in zip(wanted, extra)]
    out: UnitValues = {}
    for unit, target in zip(items, wanted):
        r = _rng(seed, "registration", unit.code)
        before, report = year_end[unit.code], annual[unit.code]
        total, admitted = before["dv_tong_so"], report["kn_luy_ke"]
        probationary = min(total, admitted + r.randint(0, 2))
        source = target * r.randint(2, 3) + r.randint(0, 3)
        values: Values = {
            "chi_bo_truc_thuoc": before["chi_bo_tong_so"],
            "dv_tong_so": total,
            "dv_du_bi": probationary,
            "kq_xep_loai": before["tccs_xep_loai"],
            "kq_dv_duoc_danh_gia": before["dv_duoc_danh_gia"],
            "kq_dv_xuat_sac": before[f_excellent],
            "kq_dv_tot": before[f_good],
            "kq_ket_nap": admitted,
            "dk_xep_loai": _target_rating(plan, before["tccs_xep_loai"], r),
            "dk_ket_nap": target,
            "dk_nguon": source,
            "dk_nguon_boi_duong": r.randint(target, source),
            "dk_ty_le_tot": Fraction(r.randint(86, 95), 100),
            "dk_chuyen_chinh_thuc": probationary,
            "dk_dv_dang_ky_ren_luyen": min(total, before["dv_duoc_danh_gia"] + r.randint(0, 3)),
            "ngay_lap": _date_between(r, deadline - dt.timedelta(days=30), deadline),
        }
        values.update(_people(seed, unit.code))
        out[unit.code] = values
    return out


# -- plan year: F02 monthly reports -------------------------------------------------

def _spread(count: int, rng: random.Random) -> list[int]:
    """``count`` events scattered over the 12 months (index 0 = January)."""
    months = [0] * 12
    for _ in range(count):
        months[rng.randrange(12)] += 1
    return months


def monthly_report_values(units: Sequence[Unit], plan: Plan, registration: UnitValues, seed: int,
                          year: int | None = None, months: Sequence[int] = (1, 2, 3)) -> dict[str, UnitValues]:
    """F02 per unit and month: unit code -> period text ("2017-01") -> values.

    Stocks continue: January opens with the registration's ``dv_tong_so`` (the
    previous year-end stock) and each month opens with the last one's close.
    Admissions and made-full members pace the registered targets; ``kn_luy_ke``
    is the running sum. A month's values never depend on which months are asked for.
    """
    items = _check_units(units, plan)
    year = plan.year if year is None else year
    wanted = sorted(set(months))
    if any(not 1 <= m <= 12 for m in wanted):
        raise ValueError("tháng phải từ 1 đến 12")
    out: dict[str, UnitValues] = {}
    for unit in items:
        if unit.code not in registration:
            raise ValueError(f"thiếu số liệu đăng ký của đơn vị {unit.code}")
        reg = registration[unit.code]
        r = _rng(seed, "monthly", unit.code)
        admitted = _spread(reg["dk_ket_nap"], r)
        made_full = _spread(reg["dk_chuyen_chinh_thuc"], r)
        stock, year_to_date, reports = reg["dv_tong_so"], 0, {}
        for month in range(1, (wanted[-1] if wanted else 0) + 1):
            new = admitted[month - 1]
            year_to_date += new
            moved_in = _draw(r, stock, 150, 1)
            available = stock + new + moved_in
            moves = {}
            for key, rate in (("chuyen_di", 150), ("tu_tran", 100), ("xoa_ten", 12), ("khai_tru", 3), ("ra_dang", 2)):
                moves[key] = min(_draw(r, stock, rate, 1), available)
                available -= moves[key]
            period = Period(year, "month", month)
            values: Values = {
                "dv_dau_ky": stock, "kn_trong_ky": new, "kn_luy_ke": year_to_date,
                "chuyen_chinh_thuc": made_full[month - 1], "chuyen_den": moved_in, **moves,
                "xoa_ten_dv_moi": sum(1 for _ in range(moves["xoa_ten"]) if r.randrange(100) < 30),
                "dv_cuoi_ky": available, "dv_ky_luat": _draw(r, stock, 40, 1),
                "qc_hoc_nhan_thuc": r.randint(2, 8) if r.randrange(100) < 25 else 0,
                "ngay_lap": add_months(period.start, 1).replace(day=r.randint(1, 5)), **_people(seed, unit.code),
            }
            stock = available
            if month in wanted:
                reports[str(period)] = values
        out[unit.code] = reports
    return out


# -- the demo scenario --------------------------------------------------------------

class SampleSubmission(NamedTuple):
    """One filled form the demo writes: whose, which form and period, the values, and why it is odd."""

    unit: str
    form: str
    period: str
    values: Values
    note: str = ""  # Vietnamese: the deliberate problem it carries, "" when none


@dataclass(frozen=True)
class DemoScenario:
    """Everything ``xlplan demo`` writes, and which units carry which deliberate problem.

    The previous year's data (F03, F02 year) is complete and exact, so the
    consolidation regenerates the plan's paragraph; the problems are only in
    the plan year's files. Value dicts are as submitted (problems applied, the
    missing registration and the missing monthly report left out).
    """

    seed: int
    totals: CityTotals
    year_end: UnitValues
    annual: UnitValues
    registration: UnitValues
    monthly: dict[str, UnitValues]
    submissions: tuple[SampleSubmission, ...]
    missing_registration: tuple[str, ...]
    late_registrations: tuple[str, ...]
    below_minimum: tuple[str, ...]
    inconsistent: tuple[str, ...]
    missing_monthly: tuple[tuple[str, str], ...]  # (unit code, period)


def demo_scenario(units: Sequence[Unit], plan: Plan, seed: int = 2017,
                  totals: CityTotals | None = None) -> DemoScenario:
    """The demo's data: 2016 complete, 2017 registrations with one missing, three late,
    one below its minimum, one inconsistent, and January–March reports with one March missing.

    Problem units are distinct and drawn by ``seed``, so each finding stands alone.
    """
    items = _check_units(units, plan)
    totals = city_totals_2016() if totals is None else totals
    if len(items) < 7:
        raise ValueError("kịch bản minh họa cần ít nhất 7 đơn vị")
    year_end = year_end_values(items, plan, totals, seed)
    annual = annual_report_values(items, plan, totals, seed)
    clean = registration_values(items, plan, seed, year_end=year_end, annual=annual)
    monthly = monthly_report_values(items, plan, clean, seed, plan.year, (1, 2, 3))
    rng = _rng(seed, "problems")
    with_minimum = [u.code for u in items if _minimum(plan, u) > 0]
    if not with_minimum:
        raise ValueError("không có đơn vị nào có chỉ tiêu kết nạp tối thiểu")
    below = rng.choice(with_minimum)
    missing, inconsistent, no_march, *late = rng.sample([u.code for u in items if u.code != below], 6)
    deadline = plan.due_date("F01", str(plan.year))
    registration = {code: dict(values) for code, values in clean.items() if code != missing}
    notes: dict[str, str] = {}
    for code in late:
        day = deadline + dt.timedelta(days=rng.randint(3, 25))
        registration[code]["ngay_lap"] = day
        notes[code] = f"Nộp muộn: lập ngày {day:%d/%m/%Y}, sau hạn {deadline:%d/%m/%Y}"
    unit_by_code = {u.code: u for u in items}
    minimum = _minimum(plan, unit_by_code[below])
    registration[below]["dk_ket_nap"] = rng.randint(0, minimum - 1)
    notes[below] = f"Đăng ký kết nạp {registration[below]['dk_ket_nap']}, dưới chỉ tiêu tối thiểu {minimum}"
    source = registration[inconsistent]["dk_nguon"]
    registration[inconsistent]["dk_nguon_boi_duong"] = source + rng.randint(1, 5)
    notes[inconsistent] = "Số quần chúng đã học lớp nhận thức vượt số quần chúng trong nguồn"
    short = plan.city_admission_target + 1 - sum(v["dk_ket_nap"] for v in registration.values())
    if short > 0:  # the problems must not also sink the city's registered total
        plain = [c for c in registration if c not in notes]
        best = max(plain, key=lambda c: (_minimum(plan, unit_by_code[c]), c))
        registration[best]["dk_ket_nap"] += short
        registration[best]["dk_nguon"] += short
        registration[best]["dk_nguon_boi_duong"] += short
    march = str(Period(plan.year, "month", 3))
    monthly = {code: {p: v for p, v in reports.items() if not (code == no_march and p == march)}
               for code, reports in monthly.items()}
    previous = str(plan.previous_year)
    submissions = [SampleSubmission(u.code, form, previous, data[u.code])
                   for form, data in (("F03", year_end), ("F02", annual)) for u in items]
    submissions += [SampleSubmission(u.code, "F01", str(plan.year), registration[u.code], notes.get(u.code, ""))
                    for u in items if u.code in registration]
    for month in (1, 2, 3):
        period = str(Period(plan.year, "month", month))
        submissions += [SampleSubmission(u.code, "F02", period, monthly[u.code][period])
                        for u in items if period in monthly[u.code]]
    return DemoScenario(seed=seed, totals=totals, year_end=year_end, annual=annual, registration=registration,
                        monthly=monthly, submissions=tuple(submissions), missing_registration=(missing,),
                        late_registrations=tuple(sorted(late)), below_minimum=(below,),
                        inconsistent=(inconsistent,), missing_monthly=((no_march, march),))
