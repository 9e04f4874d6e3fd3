"""core.values.coerce: what a cell holds → a field's value and (code, params) issues."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from xlplan.core.findings import CATALOGUE
from xlplan.core.forms import Field
from xlplan.core.values import MAX_TEXT, coerce

COUNT = Field("dv_tong_so", "Tổng số đảng viên", "int", minimum=0)
REQUIRED_COUNT = Field("dv_cuoi_ky", "Đảng viên cuối kỳ", "int", required=True, minimum=0)
SHARE = Field("dk_ty_le_tot", "Tỷ lệ", "share")
DATE = Field("ngay_lap", "Ngày lập", "date", required=True)
CHOICE = Field("dk_xep_loai", "Xếp loại", "choice",
               choices=("Trong sạch, vững mạnh tiêu biểu", "Trong sạch, vững mạnh", "Yếu kém"))
TEXT = Field("ghi_chu", "Ghi chú", "text")
PERIOD = Field("ky_bao_cao", "Kỳ báo cáo", "period", required=True)
CODE = Field("don_vi_ma", "Mã đơn vị", "code", required=True)


def codes(issues: list[tuple[str, dict]]) -> list[str]:
    return [code for code, _ in issues]


def test_every_code_coerce_can_return_is_catalogued() -> None:
    for code in ("value-required", "number-as-text", "not-a-number", "not-whole", "negative", "out-of-range",
                 "not-in-list", "bad-date", "date-as-text", "text-too-long", "text-control-chars",
                 "number-ambiguous", "period-invalid"):
        assert code in CATALOGUE


# -- empty ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0", "\t\n"])
def test_empty_optional_is_none_without_finding(raw: object) -> None:
    assert coerce(COUNT, raw) == (None, [])


@pytest.mark.parametrize("field", [REQUIRED_COUNT, DATE, PERIOD, CODE])
def test_empty_required_is_value_required(field: Field) -> None:
    value, issues = coerce(field, "  ")
    assert value is None and codes(issues) == ["value-required"]
    assert issues[0][1]["label"] == field.label


# -- whole numbers --------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [(12, 12), (12.0, 12), (0, 0), (Fraction(7), 7), (Decimal("8"), 8),
                                           (1e6, 1_000_000)])
def test_numbers_are_accepted_silently(raw: object, expected: int) -> None:
    value, issues = coerce(COUNT, raw)
    assert value == expected and type(value) is int and issues == []


@pytest.mark.parametrize("raw, expected", [
    ("12", 12), (" 12 ", 12), ("+12", 12), ("\u00a012\u00a0", 12), ("１２", 12), ("12.0", 12),
    ("1.234.567", 1234567), ("1,234,567", 1234567), ("1 234", 1234), ("0", 0),
])
def test_number_text_is_read_with_a_warning(raw: str, expected: int) -> None:
    value, issues = coerce(COUNT, raw)
    assert value == expected
    assert codes(issues) == ["number-as-text"]
    assert issues[0][1]["value"] == raw


@pytest.mark.parametrize("raw, expected", [("1.234", 1234), ("1,234", 1234), ("12.500", 12500), ("1.000", 1000)])
def test_one_separator_before_three_digits_in_a_count_is_thousands(raw: str, expected: int) -> None:
    """A count cannot be 1,234: the unit is not asked whether it meant a decimal (issue 13)."""
    value, issues = coerce(COUNT, raw)
    assert value == expected and codes(issues) == ["number-as-text"]


@pytest.mark.parametrize("raw", ["mười hai", "12 người", "abc", "#DIV/0!", True, False, dt.date(2017, 1, 1),
                                 dt.time(10, 0), float("nan"), float("inf"), "1.2.3", "--1", [1]])
def test_not_a_number(raw: object) -> None:
    value, issues = coerce(COUNT, raw)
    assert value is None and codes(issues) == ["not-a-number"]


@pytest.mark.parametrize("raw", [-1, -1.0, "-1", "\u22121", -0.5])
def test_negative(raw: object) -> None:
    value, issues = coerce(COUNT, raw)
    assert value is None and codes(issues) == ["negative"]


@pytest.mark.parametrize("raw, shown", [(3.5, "3,5"), ("3,5", "3,5"), ("3.5", "3,5"), (0.1, "0,1")])
def test_not_whole(raw: object, shown: str) -> None:
    value, issues = coerce(COUNT, raw)
    assert value is None and codes(issues) == ["not-whole"]
    assert issues[0][1]["value"] == shown


def test_maximum_gives_out_of_range() -> None:
    field = Field("x", "X", "int", minimum=0, maximum=10)
    assert codes(coerce(field, 11)[1]) == ["out-of-range"]
    assert coerce(field, 10) == (10, [])


# -- shares ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [(0.86, Fraction(86, 100)), (0.29, Fraction(29, 100)), (1, Fraction(1)),
                                           (0, Fraction(0)), (0.8227, Fraction(8227, 10000))])
def test_share_numbers_are_exact(raw: object, expected: Fraction) -> None:
    value, issues = coerce(SHARE, raw)
    assert value == expected and isinstance(value, Fraction) and issues == []


@pytest.mark.parametrize("raw, expected", [("86%", Fraction(86, 100)), ("86,5%", Fraction(865, 1000)),
                                           ("86.5 %", Fraction(865, 1000)), ("0,86", Fraction(86, 100)),
                                           ("100%", Fraction(1))])
def test_share_text_is_read_with_a_warning(raw: str, expected: Fraction) -> None:
    value, issues = coerce(SHARE, raw)
    assert value == expected and codes(issues) == ["number-as-text"]


@pytest.mark.parametrize("raw, code", [(1.5, "out-of-range"), (86, "out-of-range"), ("150%", "out-of-range"),
                                       (-0.1, "negative"), ("tám mươi", "not-a-number"), (True, "not-a-number")])
def test_bad_shares(raw: object, code: str) -> None:
    value, issues = coerce(SHARE, raw)
    assert value is None and codes(issues) == [code]


# -- dates ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [dt.date(2017, 2, 20), dt.datetime(2017, 2, 20, 15, 30), 42786, 42786.75])
def test_dates_and_serials(raw: object) -> None:
    assert coerce(DATE, raw) == (dt.date(2017, 2, 20), [])


@pytest.mark.parametrize("serial, expected", [(1, dt.date(1900, 1, 1)), (59, dt.date(1900, 2, 28)),
                                              (61, dt.date(1900, 3, 1))])
def test_serials_around_the_1900_leap_bug(serial: int, expected: dt.date) -> None:
    assert coerce(DATE, serial)[0] == expected


@pytest.mark.parametrize("raw", ["20/02/2017", "20-02-2017", "20.02.2017", "2017-02-20", " 20/2/2017 "])
def test_date_text_is_read_day_first_with_a_warning(raw: str) -> None:
    value, issues = coerce(DATE, raw)
    assert value == dt.date(2017, 2, 20) and codes(issues) == ["date-as-text"]
    assert issues[0][1]["date"] == "20/02/2017"


@pytest.mark.parametrize("raw", ["31/02/2017", "hôm nay", "02/20/2017", 0, -5, 60, 3e7, True, dt.time(8, 0),
                                 "20/02/17"])
def test_bad_dates(raw: object) -> None:
    value, issues = coerce(DATE, raw)
    assert value is None and codes(issues) == ["bad-date"]


# -- choices --------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["Trong sạch, vững mạnh", "  trong sạch,   VỮNG MẠNH ",
                                 "Trong sa\u0323ch, vư\u0303ng ma\u0323nh"])  # the last one decomposed (NFD)
def test_choice_matches_folded_and_stores_the_canonical_label(raw: str) -> None:
    assert coerce(CHOICE, raw) == ("Trong sạch, vững mạnh", [])


@pytest.mark.parametrize("raw", ["Trong sạch", "TSVM", 1, True])
def test_choice_not_in_list(raw: object) -> None:
    value, issues = coerce(CHOICE, raw)
    assert value is None and codes(issues) == ["not-in-list"]
    assert issues[0][1]["choices"] == "; ".join(CHOICE.choices)


# -- text, codes, periods -------------------------------------------------------------

def test_text_is_nfc_and_trimmed() -> None:
    assert coerce(TEXT, "  Nguye\u0302\u0303n Văn A ") == ("Nguyễn Văn A", [])


def test_text_keeps_line_breaks_and_drops_control_characters() -> None:
    assert coerce(TEXT, "dòng 1\ndòng 2") == ("dòng 1\ndòng 2", [])
    value, issues = coerce(TEXT, "a\x01b\x07")
    assert value == "ab" and codes(issues) == ["text-control-chars"] and issues[0][1]["count"] == 2


def test_text_too_long_is_cut_with_a_warning() -> None:
    value, issues = coerce(TEXT, "x" * (MAX_TEXT + 5))
    assert len(value) == MAX_TEXT and codes(issues) == ["text-too-long"]
    assert issues[0][1]["length"] == MAX_TEXT + 5


@pytest.mark.parametrize("raw, expected", [(123, "123"), (123.0, "123"), (True, "TRUE"),
                                           (dt.date(2017, 2, 20), "20/02/2017")])
def test_non_text_in_text_field_reads_as_shown(raw: object, expected: str) -> None:
    assert coerce(TEXT, raw) == (expected, [])


@pytest.mark.parametrize("raw, expected", [("2017", "2017"), (2017, "2017"), (2017.0, "2017"),
                                           ("2017-q1", "2017-Q1"), (" 2017-01 ", "2017-01")])
def test_period_is_canonical(raw: object, expected: str) -> None:
    assert coerce(PERIOD, raw) == (expected, [])


@pytest.mark.parametrize("raw", ["2017-Q5", "quý 1", 17])
def test_bad_period(raw: object) -> None:
    value, issues = coerce(PERIOD, raw)
    assert value is None and codes(issues) == ["period-invalid"]


@pytest.mark.parametrize("field", [COUNT, REQUIRED_COUNT, SHARE, DATE, CHOICE, TEXT, PERIOD, CODE])
@pytest.mark.parametrize("raw", [object(), b"\x00\xff", dt.timedelta(days=1), complex(1, 2), Decimal("NaN"),
                                 10 ** 400, -(10 ** 400), "9" * 5000, "\ud800", float("-inf")])
def test_never_raises(field: Field, raw: object) -> None:
    value, issues = coerce(field, raw)
    assert all(code in CATALOGUE for code, _ in issues)
