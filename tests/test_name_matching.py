"""Unit names: one key for every spelling of a name, suggestions ignoring diacritics, never merges."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_reader import sample_values
from xlplan.core.crossfile import suggest_unit
from xlplan.core.forms import form_spec
from xlplan.core.legacy_text import encode
from xlplan.core.registry import Registry, Unit, normalize_name, parse_registry, plain_name
from xlplan.io.form_reader import read_form
from xlplan.io.form_writer import write_form
from xlplan.io.readers import ENGINES

SETTINGS = settings(derandomize=True, max_examples=200, deadline=None)
TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
# Syllables whose tone is placed differently by the old and new styles (vowel letters only: a tone may sit on any).
SYLLABLES = ("hoa", "thuy", "khoe", "tuy", "loa", "hue", "quy", "toa", "xoe", "uy", "oa")

REGISTRY = Registry((
    Unit("P_VUNINH", "Đảng bộ phường Vũ Ninh", "xa_phuong"),
    Unit("X_HOALONG", "Đảng bộ xã Hòa Long", "xa_phuong"),
    Unit("CB_THUYLOI", "Chi bộ Xí nghiệp Thủy lợi", "chi_bo_co_so"),
))


@pytest.mark.parametrize("a, b", [
    ("Hòa Long", "Hoà Long"), ("Thủy lợi", "Thuỷ lợi"), ("Khỏe", "Khoẻ"), ("Quý", "Qúy"),
    ("Đảng bộ", unicodedata.normalize("NFD", "Đảng bộ")), ("ĐẢNG  BỘ", "đảng bộ"), ("Đáp Cầu", "Ðáp Cầu"),
    ("Vũ\u00a0Ninh", "Vũ Ninh"), ("Vũ\u200b Ninh", "Vũ Ninh"), ("Vũ Ninh\ufeff", "Vũ Ninh"), ("Thủy\u00adlợi", "Thủylợi"),
    ("Kinh Bắc – Vũ Ninh", "Kinh Bắc - Vũ Ninh"), ("Kinh Bắc — Vũ Ninh", "Kinh Bắc - Vũ Ninh"),
])
def test_same_name_same_key(a, b):
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize("a, b", [("Hoa", "Hòa"), ("Hồ", "Hổ"), ("Vu Ninh", "Vũ Ninh"), ("Đa", "Da"), ("Ơ", "Ô")])
def test_different_diacritics_different_key(a, b):
    assert normalize_name(a) != normalize_name(b)
    assert plain_name(a) == plain_name(b)


@SETTINGS
@given(st.sampled_from(SYLLABLES), st.sampled_from(TONES), st.data())
def test_tone_on_any_vowel_of_a_syllable_is_one_key(syllable, tone, data):
    vowels = [i for i, c in enumerate(syllable) if c in "aeiouy"]
    first, second = data.draw(st.sampled_from(vowels)), data.draw(st.sampled_from(vowels))
    placed = [syllable[:i + 1] + tone + syllable[i + 1:] for i in (first, second)]
    upper = data.draw(st.booleans())
    words = [unicodedata.normalize("NFC", w.upper() if upper else w) for w in placed]
    assert normalize_name(f"Xã {words[0]} Long") == normalize_name(f"xã {words[1]}  long")


def test_find_by_name_is_exact_after_normalization():
    assert REGISTRY.find_by_name("ĐẢNG BỘ XÃ HOÀ LONG").code == "X_HOALONG"
    assert REGISTRY.find_by_name("Chi bộ Xí nghiệp Thuỷ lợi").code == "CB_THUYLOI"
    assert REGISTRY.find_by_name("Dang bo xa Hoa Long") is None  # never merged without diacritics


def test_suggest_by_name_ignores_diacritics():
    assert [u.code for u in REGISTRY.suggest_by_name("Dang bo xa Hoa Long")] == ["X_HOALONG"]
    assert [u.code for u in REGISTRY.suggest_by_name("dang bo phuong vu ninh")] == ["P_VUNINH"]
    assert REGISTRY.suggest_by_name("Đảng bộ xã Hòa Bình") == ()


def test_suggestion_needs_one_candidate():
    both = Registry(REGISTRY.units + (Unit("X_HOALONG2", "Đảng bộ xã Hoa Long", "xa_phuong"),))
    assert [u.code for u in both.suggest_by_name("Dang bo xa Hoa Long")] == ["X_HOALONG", "X_HOALONG2"]
    assert suggest_unit("Dang bo xa Hoa Long", both) is None  # two candidates: no guess
    assert suggest_unit("Đảng bộ xã Hoà Long", both).code == "X_HOALONG"  # the exact key still decides
    assert suggest_unit("Dang bo xa Hoa Long", REGISTRY).code == "X_HOALONG"


def test_names_colliding_after_normalization_are_a_finding(plan):
    rows = [["ma", "ten", "loai_hinh"],
            ["X_HOALONG", "Đảng bộ xã Hòa Long", "xa_phuong"],
            ["X_HOALONG_B", "ĐẢNG BỘ XÃ HOÀ LONG", "xa_phuong"],
            ["X_HOALONG_C", "Đảng bộ xã Hoa Long", "xa_phuong"]]
    registry, findings = parse_registry(rows, plan, "danh_muc.csv")
    assert len(registry) == 3  # kept: a name is no key
    dup = [f for f in findings if f.code == "registry-duplicate-name"]
    assert len(dup) == 1 and dup[0].unit == "X_HOALONG_B" and dup[0].params["row_list"] == [2, 3]


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_unknown_unit_suggests_by_name_without_diacritics(tmp_path, plan, engine):
    stray = Unit("P_VN", "Dang bo phuong Vu Ninh", "xa_phuong")
    path = write_form(tmp_path / "f.xlsx", form_spec("F01", plan), plan, stray, "2017",
                      values=sample_values("F01", plan, stray))
    sub = read_form(path, plan, engine, registry=REGISTRY)
    [unknown] = [f for f in sub.findings if f.code == "unit-unknown"]
    assert unknown.params["suggestion"] == "P_VUNINH"
    assert "Có phải là Đảng bộ phường Vũ Ninh (P_VUNINH)?" in unknown.message
    assert sub.unit == "P_VN"  # suggested, not merged


def test_unknown_unit_with_a_legacy_name_suggests_after_conversion(tmp_path, plan):
    stray = Unit("P_VN", encode("Đảng bộ phường Vũ Ninh".lower(), "tcvn3"), "xa_phuong")
    path = write_form(tmp_path / "f.xlsx", form_spec("F01", plan), plan, stray, "2017",
                      values=sample_values("F01", plan, stray))
    for engine in ENGINES:
        sub = read_form(path, plan, engine, registry=REGISTRY)
        assert sub.value("don_vi_ten") == "đảng bộ phường vũ ninh"
        [unknown] = [f for f in sub.findings if f.code == "unit-unknown"]
        assert unknown.params["suggestion"] == "P_VUNINH"


LATIN = st.text(alphabet=st.sampled_from(
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ _-.,'0123456789×÷ª²¼µ\x85\x9f\u00a0\u00ad\u0300\u0301\u0303\u0309\u0323\u0302\u0306"
    "\u031b\u035c\u036f"), max_size=40)


@SETTINGS
@given(LATIN)
def test_latin_words_by_regex_as_by_letter(text):
    """The regex path of the name key (Vietnamese and Latin text) moves tones as the letter-by-letter path does."""
    from xlplan.core import registry

    def key(words: str) -> str:  # how _name_key finishes either path
        return " ".join(unicodedata.normalize("NFC", words).split())

    decomposed = unicodedata.normalize("NFD", text)
    assert registry._LATIN.fullmatch(decomposed)
    assert key(registry._LATIN_WORD.sub(registry._tones_last, decomposed)) == key(
        registry._tones_last_by_letter(decomposed))
