"""The legacy Vietnamese encodings (TCVN3/ABC, VNI-Windows): tables, round trips, detection."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.core.legacy_text import (LOWER_LETTERS, UPPER_LETTERS, convert, convert_runs, decode, detect, encode,
                                     font_encoding, from_bytes, is_syllable, may_be_legacy, to_bytes)

SETTINGS = settings(derandomize=True, max_examples=300, deadline=None)
ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.-()/"
# Uppercase letters the lowercase .Vn* fonts can write (base letters and the VN1 control range).
TCVN3_UPPER = "ĂÂÊÔƠƯĐÚỤỪỬỮỨỰỲỶỸÝỴ"


def _text(alphabet: str) -> st.SearchStrategy[str]:
    return st.text(alphabet=st.sampled_from(sorted(set(alphabet))), max_size=40)


# -- the tables --------------------------------------------------------------------

def test_alphabet_is_every_precomposed_vietnamese_letter():
    assert len(LOWER_LETTERS) == len(set(LOWER_LETTERS)) == 67
    assert all(unicodedata.is_normalized("NFC", c) for c in LOWER_LETTERS + UPPER_LETTERS)
    assert UPPER_LETTERS.lower() == LOWER_LETTERS


@pytest.mark.parametrize("legacy, expected", [
    ("Hoµ Long", "Hoà Long"),
    ("Hßa Long", "Hòa Long"),
    ("Trong s¹ch, v÷ng m¹nh", "Trong sạch, vững mạnh"),
    ("§¶ng bé ph\xadêng Vò Ninh", "Đảng bộ phường Vũ Ninh"),
    ("B¾c Ninh", "Bắc Ninh"),
    ("M\xadêng Kh\xad¬ng", "Mường Khương"),  # ư is 0xAD, the invisible soft hyphen,
    ("Hoµn thµnh tèt nhiÖm vô", "Hoàn thành tốt nhiệm vụ"),
    ("Thñy lîi", "Thủy lợi"),
])
def test_tcvn3_samples(legacy, expected):
    assert decode(legacy, "tcvn3") == expected
    assert encode(expected, "tcvn3") == legacy


def test_tcvn3_bytes_and_cp1252_characters():
    # byte 0xB5 (à) is stored in the .xlsx as the cp1252 character for 0xB5, "µ"
    assert from_bytes(bytes([0x48, 0x6F, 0xB5])) == "Hoµ"
    assert to_bytes("Hoµ") == bytes([0x48, 0x6F, 0xB5])
    assert to_bytes("Hòa ạ") is None  # ạ is no byte: real Unicode
    assert to_bytes("\x81") == b"\x81" and to_bytes("€") == b"\x80"


def test_tcvn3_uppercase_fonts():
    assert decode("§¶NG Bé", "tcvn3-upper") == "ĐẢNG BỘ"
    assert decode("®¶ng bé", "tcvn3-upper") == "ĐẢNG BỘ"  # .VnTimeH draws every letter uppercase
    assert decode("¡ ¢ £ ¤ ¥ ¦ §", "tcvn3") == "Ă Â Ê Ô Ơ Ư Đ"
    assert decode("\x01\x16", "tcvn3") == "ÚÝ"  # the VN1 control range


@pytest.mark.parametrize("legacy, expected", [
    ("Xin chaøo caùc baïn", "Xin chào các bạn"),
    ("Vieät Nam", "Việt Nam"),
    ("Ñaûng boä phöôøng Vuõ Ninh", "Đảng bộ phường Vũ Ninh"),
    ("Trong saïch, vöõng maïnh", "Trong sạch, vững mạnh"),
    ("Hoøa Long", "Hòa Long"),
    ("ÑAÛNG BOÄ", "ĐẢNG BỘ"),
    ("Baéc Ninh", "Bắc Ninh"),
    ("khuyeát taät, kyû luaät, ñòa chæ, Lyù", "khuyết tật, kỷ luật, địa chỉ, Lý"),
    ("Thuûy lôïi, ngöôøi, Kyø", "Thủy lợi, người, Kỳ"),
])
def test_vni_samples(legacy, expected):
    assert decode(legacy, "vni") == expected
    assert encode(expected, "vni") == legacy


def test_vni_mixed_case_mark_bytes():
    assert decode("HOøA", "vni") == "HÒA"
    assert decode("Aù", "vni") == "Á"


def test_encode_refuses_what_the_font_cannot_write():
    with pytest.raises(ValueError):
        encode("Ả", "tcvn3")  # no uppercase toned letters in the lowercase .Vn fonts
    with pytest.raises(ValueError):
        encode("ả", "tcvn3-upper")
    with pytest.raises(ValueError):
        encode("Привет", "vni")


# -- round trips -------------------------------------------------------------------

@SETTINGS
@given(_text(LOWER_LETTERS + ASCII + TCVN3_UPPER))
def test_tcvn3_round_trip(text):
    assert decode(encode(text, "tcvn3"), "tcvn3") == text


@SETTINGS
@given(_text(UPPER_LETTERS + ASCII.upper()))
def test_tcvn3_uppercase_round_trip(text):
    assert decode(encode(text, "tcvn3-upper"), "tcvn3-upper") == text


@SETTINGS
@given(_text(LOWER_LETTERS + UPPER_LETTERS + ASCII))
def test_vni_round_trip(text):
    assert decode(encode(text, "vni"), "vni") == text


@SETTINGS
@given(_text(LOWER_LETTERS + UPPER_LETTERS + ASCII))
def test_decomposed_input_encodes_like_composed(text):
    nfd = unicodedata.normalize("NFD", text)
    assert encode(nfd, "vni") == encode(text, "vni")


@SETTINGS
@given(_text(LOWER_LETTERS + ASCII + TCVN3_UPPER))
def test_encoded_text_is_bytes_of_the_font(text):
    encoded = encode(text, "tcvn3")
    data = to_bytes(encoded)
    assert data is not None and from_bytes(data) == encoded


# -- fonts and detection -----------------------------------------------------------

@pytest.mark.parametrize("font, expected", [
    (".VnTime", "tcvn3"), (".VnTimeH", "tcvn3-upper"), (".VnArial NarrowH", "tcvn3-upper"),
    (".vnArial", "tcvn3"), ("VNI-Times", "vni"), ("VNI-Helve-Condense", "vni"),
    ("Times New Roman", None), ("Arial", None), ("", None), (None, None), ("Vni", None),
])
def test_font_encoding(font, expected):
    assert font_encoding(font) == expected


@pytest.mark.parametrize("text, expected", [
    ("Hoµ Long", "Hoà Long"),
    ("Trong s¹ch, v÷ng m¹nh", "Trong sạch, vững mạnh"),
    ("C«ng ty TNHH ABC", "Công ty TNHH ABC"),
    ("Xin chaøo caùc baïn", "Xin chào các bạn"),
    ("Ñaûng boä", "Đảng bộ"),
])
def test_clearly_legacy_text_is_detected_without_a_font(text, expected):
    assert detect(text)[0] == expected
    assert convert(text)[0] == expected


@pytest.mark.parametrize("text", [
    "Hello world", "Company Ltd. (2017)", "", "123", "Company® Ltd", "½ cup", "50°C", "Café au lait",
    "José Müller", "naïve", "Straße", "© 2017", "Hòa Long", "Hoà", "Đảng bộ phường Vũ Ninh",
    "Hoàn thành tốt nhiệm vụ", "Trong sạch, vững mạnh", "Bùi Thị Tú", "Lê Văn Tám", "Xã Hòa Long", "Kim Chân",
])
def test_plain_and_unicode_text_is_never_converted_without_a_font(text):
    assert detect(text) is None
    assert convert(text) is None


@SETTINGS
@given(_text(LOWER_LETTERS + UPPER_LETTERS + ASCII))
def test_unicode_vietnamese_is_never_detected(text):
    assert detect(text) is None


@SETTINGS
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("\t\n\r"),
               max_size=40))
def test_printable_ascii_is_never_legacy(text):
    assert not may_be_legacy(text)
    assert convert(text, ".VnTime") is None


def test_font_decides_when_the_text_alone_cannot():
    assert convert("Hã", ".VnTime") == ("Hó", "tcvn3")  # ã is an ordinary letter in Unicode
    assert convert("Hã") is None
    assert convert("Hòa Long", "Times New Roman") is None


def test_runs_convert_each_by_its_font():
    runs = [("Đảng bộ xã ", "Times New Roman"), ("Hoµ Long", ".VnTime")]
    assert convert_runs(runs) == ("Đảng bộ xã Hoà Long", ("tcvn3",))
    assert convert_runs([("Hòa Long", "Times New Roman")]) is None
    assert convert_runs([("§¶NG", ".VnTimeH"), (" Vieät", "VNI-Times")]) == ("ĐẢNG Việt", ("tcvn3-upper", "vni"))


@pytest.mark.parametrize("word, ok", [
    ("sạch", True), ("vững", True), ("nghiêng", True), ("khuyết", True), ("người", True), ("quý", True),
    ("giữ", True), ("hoà", True), ("hòa", True),
    ("hoứa", False), ("vửừng", False), ("companyđ", False), ("cafắ", False), ("ẵx", False),
])
def test_is_syllable(word, ok):
    assert is_syllable(word) is ok


@pytest.mark.parametrize("text, expected", [
    ("Hoµ Long", True),  # legacy bytes only
    ("Đảng bộ ph\xadêng Vò Ninh", True),  # a Unicode run and a .VnTime run: the soft hyphen (ư) shows it
    ("Hòa Long", True),  # could be bytes of a .VnTime cell: the font decides
    ("Hoàn thành tốt nhiệm vụ", False),  # ordinary Vietnamese: fonts never looked up
    ("Đảng bộ phường Vũ Ninh", False),
    ("Plain text", False),
    (12, False),
])
def test_pre_check(text, expected):
    assert may_be_legacy(text) is expected
