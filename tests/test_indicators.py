"""The plan's indicators: exact shares cut (or rounded) as the plan writes them, Vietnamese formatting.

The property tests compare :mod:`xlplan.core.indicators` with a reference written
independently in integer arithmetic (``num * 10**(d+2) // den``), so a float
sneaking into the core, or an off-by-one in the rounding, shows up as a
counterexample. Hypothesis runs derandomized with a fixed number of examples so
CI is deterministic.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.core import indicators
from xlplan.core.indicators import (
    NO_DATA,
    compare,
    completion,
    completion_text,
    exact,
    format_number,
    format_percent,
    quantize,
    ratio_text,
    share,
    to_excel_number,
    verdict,
)

PROFILE = "xlplan-deterministic"
settings.register_profile(PROFILE, derandomize=True, max_examples=400, deadline=None, database=None)
DETERMINISTIC = settings.get_profile(PROFILE)

modes = st.sampled_from(["cat", "tron"])
digits = st.integers(min_value=0, max_value=12)
counts = st.integers(min_value=0, max_value=10**12)
positive = st.integers(min_value=1, max_value=10**12)
signed = st.integers(min_value=-(10**12), max_value=10**12)
nonzero = signed.filter(lambda n: n != 0)


# -- the independent reference ------------------------------------------------------

def ref_quantize_ratio(num: int, den: int, places: int, mode: str) -> Fraction:
    """num/den cut toward zero or rounded half away from zero at ``places`` decimals, in integers."""
    sign = -1 if (num < 0) != (den < 0) and num != 0 else 1
    n, d = abs(num), abs(den)
    scale = 10**places
    if mode == "cat":
        whole = n * scale // d
    else:
        whole = (2 * n * scale + d) // (2 * d)  # floor(x + 1/2) for x >= 0
    return Fraction(sign * whole, scale)


def ref_share(num: int, den: int, places: int, mode: str) -> Fraction:
    """The share as a fraction of 1 with ``places`` decimals of the percentage."""
    return ref_quantize_ratio(num * 100, den, places, mode) / 100


def parse_vietnamese(text: str) -> Fraction:
    """Read back "1.234,5" / "-0,33" with the other convention than Python's."""
    return Fraction(text.replace(".", "").replace(",", "."))


# -- the plan's own figures -----------------------------------------------------------

@pytest.mark.parametrize(("num", "den", "percent", "text"), [
    (65, 79, "82.27", "65/79 = 82,27%"),
    (6646, 7453, "89.17", "6.646/7.453 = 89,17%"),
    (901, 7453, "12.08", "901/7.453 = 12,08%"),
    (29, 100, "29", "29/100 = 29,00%"),
    (57, 100, "57", "57/100 = 57,00%"),
])
def test_plan_shares_are_written_as_in_the_plan(num, den, percent, text):
    assert share(num, den) == Fraction(percent) / 100
    assert ratio_text(num, den) == text
    assert format_percent(share(num, den)) == text.split(" = ")[1]


def test_the_plan_truncates_where_rounding_would_differ():
    # 901/7453 = 12.0891…% and 65/79 = 82.2784…%: rounding would write 12,09% and 82,28%
    assert share(901, 7453, 2, "tron") == Fraction("12.09") / 100
    assert share(65, 79, 2, "tron") == Fraction("82.28") / 100
    assert share(2, 3, 2, "tron") == Fraction("66.67") / 100
    assert share(2, 3, 2, "cat") == Fraction("66.66") / 100


def test_plan_completion_is_cut_to_whole_percent():
    assert completion(218, 180) == Fraction(121, 100)
    assert completion_text(218, 180) == "121% kế hoạch"
    assert completion(179, 180) == Fraction(99, 100)  # 99.44…%, not 100%
    assert completion(180, 180) == 1


def test_excel_cells_get_the_nearest_double_of_the_exact_share():
    # the cell must hold exactly what the plan shows: 0.29 typed, not 0.28999…
    assert to_excel_number(share(29, 100)) == 0.29
    assert to_excel_number(share(57, 100)) == 0.57
    assert to_excel_number(share(65, 79)) == 0.8227
    assert to_excel_number(None) is None


def test_floats_from_cells_are_read_as_typed():
    assert exact(0.29) == Fraction(29, 100)
    assert exact(65.0) == 65
    assert share(0.29, 1) == Fraction(29, 100)  # 0.29 as a binary double is below 0.29
    assert share(29.0, 100.0) == Fraction(29, 100)
    assert exact(Decimal("7453")) == 7453 and exact(" 12.5 ") == Fraction(25, 2)


@pytest.mark.parametrize("bad", [True, False, float("nan"), float("inf"), float("-inf"), None, [1]])
def test_exact_refuses_what_is_not_a_number(bad):
    with pytest.raises((TypeError, ValueError)):
        exact(bad)


@pytest.mark.parametrize("zero", [0, 0.0, Decimal(0), Fraction(0)])
def test_zero_denominator_is_no_data(zero):
    assert share(5, zero) is None
    assert share(0, zero) is None
    assert completion(218, zero) is None
    assert ratio_text(5, zero) == f"5/0 = {NO_DATA}"
    assert format_percent(share(5, zero)) == NO_DATA
    assert completion_text(5, zero) == f"{NO_DATA} kế hoạch"


def test_unknown_rounding_mode_is_refused():
    with pytest.raises(ValueError):
        quantize(Fraction(1, 3), 2, "round")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        share(1, 3, 2, "ceil")  # type: ignore[arg-type]


# -- properties against the reference -----------------------------------------------

@DETERMINISTIC
@given(num=signed, den=nonzero, places=digits, mode=modes)
def test_quantize_matches_integer_reference(num, den, places, mode):
    assert quantize(Fraction(num, den), places, mode) == ref_quantize_ratio(num, den, places, mode)


@DETERMINISTIC
@given(k=signed, places=digits)
def test_halves_round_away_from_zero(k, places):
    # ties are rare among random fractions, so make them: (2k+1)/2 steps
    tie = Fraction(2 * k + 1, 2 * 10**places)
    assert quantize(tie, places, "tron") == ref_quantize_ratio(2 * k + 1, 2 * 10**places, places, "tron")
    assert abs(quantize(tie, places, "tron")) == abs(tie) + Fraction(1, 2 * 10**places)
    assert abs(quantize(tie, places, "cat")) == abs(tie) - Fraction(1, 2 * 10**places)


def test_share_ties():
    assert share(1, 8, 0, "tron") == Fraction(13, 100)  # 12.5% → 13%, not banker's 12%
    assert share(5, 200, 0, "tron") == Fraction(3, 100)  # 2.5% → 3%
    assert share(1, 8, 0, "cat") == Fraction(12, 100)
    assert share(-1, 8, 0, "tron") == Fraction(-13, 100)


@DETERMINISTIC
@given(num=signed, den=nonzero, places=digits, mode=modes)
def test_share_matches_integer_reference(num, den, places, mode):
    assert share(num, den, places, mode) == ref_share(num, den, places, mode)


@DETERMINISTIC
@given(num=counts, den=positive, places=st.integers(min_value=0, max_value=4), mode=modes)
def test_completion_matches_integer_reference(num, den, places, mode):
    assert completion(num, den, places, mode) == ref_share(num, den, places, mode)
    assert completion(num, den) == ref_share(num, den, 0, "cat")


@DETERMINISTIC
@given(num=counts, den=positive, places=digits)
def test_cut_is_below_and_within_one_step(num, den, places):
    exact_pct = Fraction(num * 100, den)
    cut = share(num, den, places, "cat") * 100
    step = Fraction(1, 10**places)
    assert cut <= exact_pct < cut + step
    rounded = share(num, den, places, "tron") * 100
    assert abs(rounded - exact_pct) <= step / 2
    assert rounded - cut in (0, step)


@DETERMINISTIC
@given(cents=st.integers(min_value=0, max_value=10**6), places=st.integers(min_value=0, max_value=6), mode=modes)
def test_decimals_typed_in_a_cell_are_never_shaved(cents, places, mode):
    # x/100 typed as a float (0.29) is exactly x% at any number of decimals, in both modes
    typed = float(Decimal(cents) / 100)
    assert share(typed, 1, places, mode) == Fraction(cents, 100)
    assert share(cents, 100, places, mode) == Fraction(cents, 100)


# -- Vietnamese number style ----------------------------------------------------------

@pytest.mark.parametrize(("value", "places", "text"), [
    (8877, 0, "8.877"),
    (80, 0, "80"),
    (0, 0, "0"),
    (1234567, 0, "1.234.567"),
    (-8877, 0, "-8.877"),
    (-1234567, 2, "-1.234.567,00"),
    (Fraction(1, 3), 2, "0,33"),
    (Decimal("1234.5"), 1, "1.234,5"),
    (0.29, 2, "0,29"),
    (Fraction(-1, 2), 0, "0"),  # cut toward zero, and never "-0"
    (Fraction(-3, 2), 1, "-1,5"),
    (999.999, 2, "999,99"),
    (1000, 3, "1.000,000"),
])
def test_format_number(value, places, text):
    assert format_number(value, places) == text


def test_format_number_rounds_half_up_as_typed():
    assert format_number(2.675, 2, "tron") == "2,68"  # the double 2.675 is below 2.675
    assert format_number(-2.675, 2, "tron") == "-2,68"
    assert format_number(2.675, 2) == "2,67"


def test_format_percent():
    assert format_percent(Fraction(8227, 10000)) == "82,27%"
    assert format_percent(Fraction(121, 100), 0) == "121%"
    assert format_percent(Fraction(29, 100)) == "29,00%"
    assert format_percent(None) == NO_DATA


@DETERMINISTIC
@given(num=signed, den=positive, places=st.integers(min_value=0, max_value=6), mode=modes)
def test_format_number_reads_back_as_the_quantized_value(num, den, places, mode):
    text = format_number(Fraction(num, den), places, mode)
    grouping = r"-?\d{1,3}(\.\d{3})*" + (rf",\d{{{places}}}" if places else "")
    assert re.fullmatch(grouping, text), text
    assert parse_vietnamese(text) == ref_quantize_ratio(num, den, places, mode)
    assert not text.startswith("-0") or parse_vietnamese(text) != 0


@DETERMINISTIC
@given(num=counts, den=positive, places=st.integers(min_value=0, max_value=6), mode=modes)
def test_ratio_text_quotes_the_counts_and_the_share(num, den, places, mode):
    text = ratio_text(num, den, places, mode)
    left, right = text.split(" = ")
    n_text, d_text = left.split("/")
    assert parse_vietnamese(n_text) == num and parse_vietnamese(d_text) == den
    assert right.endswith("%")
    assert parse_vietnamese(right[:-1]) / 100 == ref_share(num, den, places, mode)


# -- comparisons and verdicts ----------------------------------------------------------

@pytest.mark.parametrize(("op", "below", "equal", "above"), [
    (">=", False, True, True),
    (">", False, False, True),
    ("<=", True, True, False),
    ("<", True, False, False),
    ("=", False, True, False),
])
def test_compare_each_operator(op, below, equal, above):
    assert compare(7, 8, op) is below
    assert compare(8, 8, op) is equal
    assert compare(9, 8, op) is above


def test_compare_is_exact_for_cell_values():
    # 89,17% against "trên 85%": strictly above; 0.85 against 0.85 is equal, not a float accident
    assert compare(share(6646, 7453), Fraction(85, 100), ">") is True
    assert compare(0.85, Fraction(85, 100), "=") is True
    assert compare(0.1 + 0.2, 0.3, "=") is False  # a float computed in Python is what it is
    assert compare(Decimal("0.3"), 0.3, "=") is True


def test_compare_without_a_value_is_no_data():
    for op in indicators.COMPARISONS:
        assert compare(None, 8, op) is None
    assert verdict(compare(None, 8)) == NO_DATA


def test_compare_refuses_an_unknown_operator():
    with pytest.raises(ValueError):
        compare(1, 2, "!=")


def test_verdict():
    assert verdict(True) == "Đạt"
    assert verdict(False) == "Chưa đạt"
    assert verdict(None) == NO_DATA
    assert verdict(compare(218, 180)) == "Đạt"
    assert verdict(compare(7, 8)) == "Chưa đạt"
