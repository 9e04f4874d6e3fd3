"""Vietnamese text typed in the pre-Unicode font encodings (TCVN3/ABC, VNI), back to Unicode.

Many grassroots offices still type with the legacy fonts of the 1990s: ``.VnTime``
and the other ``.Vn*`` fonts of the ABC package (TCVN 5712:1993, "TCVN3"), or the
``VNI-*`` fonts (VNI-Windows). Those fonts draw Vietnamese letters at byte codes
that Windows' ANSI code page (cp1252) calls ``µ``, ``¸``, ``ù`` …, so an .xlsx cell
typed in ``.VnTime`` holds "Hoµ Long" where the user saw "Hoà Long". Reading a
form must turn such text into Unicode (NFC), or names, list choices and
reports come out as garbage.

Text read from an .xlsx arrives as Unicode: a byte *b* of the legacy font was
stored as the cp1252 character for *b* (Excel maps the font's bytes through the
font's charset, ANSI for these fonts). :func:`to_bytes` undoes that mapping,
accepting both the cp1252 characters and the Latin-1 reading of 0x80–0x9F;
the tables below are therefore kept as byte values.

The encodings:

* ``tcvn3`` — TCVN3 (the VN3 subset used by the ABC ``.Vn*`` fonts): one byte
  per letter; lowercase letters in 0xA8–0xFE, the seven uppercase base letters
  Ă Â Ê Ô Ơ Ư Đ in 0xA1–0xA7, and (from the full TCVN 5712 "VN1" table) twelve
  uppercase toned letters in the control range 0x01–0x17. The other uppercase
  toned letters do not exist in the lowercase fonts.
* ``tcvn3-upper`` — the uppercase ``.Vn*H`` fonts (``.VnTimeH``): the same byte
  codes as the lowercase letters, drawn uppercase; every letter, ASCII ones
  included, shows uppercase.
* ``vni`` — VNI-Windows (``VNI-Times`` …): a base letter followed by one byte
  carrying the diacritics (``a`` + ``ù`` = á, ``a`` + ``á`` = ấ, ``e`` + ``ä`` = ệ);
  đ, ơ, ư and the toned i and ỵ are single bytes. Uppercase letters use the
  uppercase forms of the same bytes (``A`` + ``Ù`` = Á).

Without a font telling which encoding a cell uses, :func:`detect` converts only
text that is clearly legacy: it contains a character no Unicode Vietnamese text
holds (``µ``, ``¸``, ``ø`` …), every word the conversion changes becomes a valid
Vietnamese syllable, and exactly one encoding gives that. Plain ASCII and
ordinary Unicode Vietnamese are never converted.

Sources (tables cross-checked against each other and by the round-trip tests):

* VBKey (khiemdoan/VBKey on GitHub), ``Modules/mdlCodeTable.bas``:
  ``TCVN3_TABLE`` and ``VNI_WINDOWS_TABLE``, the 134 letters in Unikey's order.
* XFree86 ``xc/lib/X11/lcUniConv/tcvn.h`` (TCVN-5712 to Unicode): the control-range
  uppercase letters 0x01–0x17 of the full standard.
* glibc ``iconvdata/tcvn5712-1.c`` and its test strings (TCVN5712-1 mapping).
* duydev/vietnamese-conversion (npm) README: "Xin chào các bạn" in VNI is
  "Xin chaøo caùc baïn".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Literal

Encoding = Literal["tcvn3", "tcvn3-upper", "vni"]
ENCODINGS: tuple[Encoding, ...] = ("tcvn3", "tcvn3-upper", "vni")
# How a finding names each encoding to the user.
ENCODING_LABELS: dict[str, str] = {"tcvn3": "TCVN3 (ABC, phông .Vn)", "tcvn3-upper": "TCVN3 (ABC, phông chữ hoa .VnH)",
                                   "vni": "VNI Windows (phông VNI-)"}

# The 67 lowercase Vietnamese letters with a diacritic, in Unikey's order (as in VBKey).
LOWER_LETTERS = ("àáảãạâầấẩẫậăằắẳẵặđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
UPPER_LETTERS = LOWER_LETTERS.upper()

# TCVN3 byte of each lowercase letter, same order as LOWER_LETTERS.
_TCVN3_LOWER_BYTES = bytes([
    0xB5, 0xB8, 0xB6, 0xB7, 0xB9,  # à á ả ã ạ
    0xA9, 0xC7, 0xCA, 0xC8, 0xC9, 0xCB,  # â ầ ấ ẩ ẫ ậ
    0xA8, 0xBB, 0xBE, 0xBC, 0xBD, 0xC6,  # ă ằ ắ ẳ ẵ ặ
    0xAE,  # đ
    0xCC, 0xD0, 0xCE, 0xCF, 0xD1,  # è é ẻ ẽ ẹ
    0xAA, 0xD2, 0xD5, 0xD3, 0xD4, 0xD6,  # ê ề ế ể ễ ệ
    0xD7, 0xDD, 0xD8, 0xDC, 0xDE,  # ì í ỉ ĩ ị
    0xDF, 0xE3, 0xE1, 0xE2, 0xE4,  # ò ó ỏ õ ọ
    0xAB, 0xE5, 0xE8, 0xE6, 0xE7, 0xE9,  # ô ồ ố ổ ỗ ộ
    0xAC, 0xEA, 0xED, 0xEB, 0xEC, 0xEE,  # ơ ờ ớ ở ỡ ợ
    0xEF, 0xF3, 0xF1, 0xF2, 0xF4,  # ù ú ủ ũ ụ
    0xAD, 0xF5, 0xF8, 0xF6, 0xF7, 0xF9,  # ư ừ ứ ử ữ ự
    0xFA, 0xFD, 0xFB, 0xFC, 0xFE,  # ỳ ý ỷ ỹ ỵ
])
# Uppercase letters the lowercase .Vn* fonts do have.
_TCVN3_UPPER_EXTRA = {
    "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
    # TCVN 5712 VN1, control range (XFree86 tcvn.h)
    "Ú": 0x01, "Ụ": 0x02, "Ừ": 0x04, "Ử": 0x05, "Ữ": 0x06, "Ứ": 0x11, "Ự": 0x12,
    "Ỳ": 0x13, "Ỷ": 0x14, "Ỹ": 0x15, "Ý": 0x16, "Ỵ": 0x17,
}

# VNI-Windows: diacritic bytes after a base letter (lowercase forms; uppercase = .upper()).
_VNI_TONES = {"\u0300": "ø", "\u0301": "ù", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRCUMFLEX = {"": "â", "\u0300": "à", "\u0301": "á", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE = {"": "ê", "\u0300": "è", "\u0301": "é", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
# Letters VNI writes as one byte (lowercase; uppercase = .upper()).
_VNI_SINGLE = {"đ": "ñ", "ơ": "ô", "ư": "ö", "ì": "ì", "í": "í", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î"}

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"


# -- cp1252 characters <-> bytes --------------------------------------------------------

def _cp1252_table() -> tuple[dict[int, str], dict[str, int]]:
    """Byte → character as Excel shows an ANSI font's byte, and back (both readings of 0x80–0x9F)."""
    to_char: dict[int, str] = {}
    for b in range(256):
        try:
            to_char[b] = bytes([b]).decode("cp1252")
        except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D: Windows passes them through
            to_char[b] = chr(b)
    to_byte = {c: b for b, c in to_char.items()}
    for b in range(0x80, 0xA0):  # the same text decoded as Latin-1
        to_byte.setdefault(chr(b), b)
    return to_char, to_byte


_BYTE_CHAR, _CHAR_BYTE = _cp1252_table()
_LEGACY_CHARS = frozenset(c for c, b in _CHAR_BYTE.items() if b >= 0x80) | frozenset(
    chr(b) for b in _TCVN3_UPPER_EXTRA.values() if b < 0x20)


def to_bytes(text: str) -> bytes | None:
    """The legacy font bytes behind ``text``; None when a character cannot be one byte (real Unicode)."""
    try:
        return bytes(_CHAR_BYTE[c] for c in text)
    except KeyError:
        return None


def from_bytes(data: bytes) -> str:
    """The characters Excel stores for font bytes ``data`` (the cp1252 reading)."""
    return "".join(_BYTE_CHAR[b] for b in data)


# -- the tables, as cp1252 characters ------------------------------------------------

def _tables() -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Per encoding: decode table (legacy sequence → letter) and encode table (letter → sequence)."""
    tcvn_encode: dict[str, str] = {}
    for letter, b in zip(LOWER_LETTERS, _TCVN3_LOWER_BYTES):
        tcvn_encode[letter] = _BYTE_CHAR[b]
    for letter, b in _TCVN3_UPPER_EXTRA.items():
        tcvn_encode[letter] = _BYTE_CHAR[b]
    tcvn_decode = {seq: letter for letter, seq in tcvn_encode.items()}

    vni_encode: dict[str, str] = {}
    for letter in LOWER_LETTERS:
        for cased in (letter, letter.upper()):
            vni_encode[cased] = _vni_sequence(cased)
    vni_decode = {seq: letter for letter, seq in vni_encode.items()}
    for letter, seq in vni_encode.items():  # a base of one case with a mark byte of the other
        if len(seq) == 2:
            other = seq[0] + (seq[1].lower() if seq[1].isupper() else seq[1].upper())
            vni_decode.setdefault(other, letter)
    upper_encode = {k.upper(): v for k, v in tcvn_encode.items() if k in LOWER_LETTERS}
    return {"tcvn3": (tcvn_decode, tcvn_encode),
            "tcvn3-upper": (tcvn_decode, upper_encode),
            "vni": (vni_decode, vni_encode)}


def _vni_sequence(letter: str) -> str:
    """The VNI-Windows bytes (as cp1252 characters) for one letter with diacritics."""
    lower = letter.lower()
    if lower in _VNI_SINGLE:
        seq = _VNI_SINGLE[lower]
        return seq.upper() if letter.isupper() else seq
    parts = unicodedata.normalize("NFD", lower)
    base, marks = parts[0], parts[1:]
    tone = next((m for m in marks if m in _TONE_MARKS), "")
    if _CIRCUMFLEX in marks:
        mark = _VNI_CIRCUMFLEX[tone]
    elif _BREVE in marks:
        mark = _VNI_BREVE[tone]
    elif _HORN in marks:  # ơ ư with a tone: the one-byte letter, then the tone
        base, mark = _VNI_SINGLE[unicodedata.normalize("NFC", base + _HORN)], _VNI_TONES[tone]
    else:
        mark = _VNI_TONES[tone]
    if letter.isupper():
        return base.upper() + mark.upper()
    return base + mark


_TABLES = _tables()


# -- converting ----------------------------------------------------------------------

def decode(text: str, encoding: Encoding) -> str:
    """``text`` typed in a legacy font, as Unicode NFC.

    Characters that are no legacy code of ``encoding`` are kept as they are, so
    a cell mixing legacy letters with digits and punctuation converts whole.
    """
    table = _TABLES[encoding][0]
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
            continue
        out.append(table.get(text[i], text[i]))
        i += 1
    result = "".join(out)
    if encoding == "tcvn3-upper":
        result = result.upper()
    return unicodedata.normalize("NFC", result)


def encode(text: str, encoding: Encoding) -> str:
    """Unicode ``text`` as a legacy font would store it (cp1252 characters); the inverse of :func:`decode`.

    Raises ValueError for a letter the encoding cannot write (an uppercase toned
    letter in the lowercase ``.Vn*`` fonts, a lowercase letter in the ``H`` fonts)
    or for non-ASCII text that is no Vietnamese letter.
    """
    table = _TABLES[encoding][1]
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in table:
            out.append(table[char])
        elif char.isascii() and not (encoding == "tcvn3-upper" and char.islower()):
            if encoding == "tcvn3" and char in "\x01\x02\x04\x05\x06\x11\x12\x13\x14\x15\x16\x17":
                raise ValueError(f"control character {char!r} is a letter in TCVN3")
            out.append(char)
        else:
            raise ValueError(f"{char!r} cannot be written in {encoding}")
    return "".join(out)


def font_encoding(font_name: str | None) -> Encoding | None:
    """The legacy encoding a font name implies: ``.VnTime`` → tcvn3, ``.VnTimeH`` → tcvn3-upper, ``VNI-Times`` → vni."""
    if not font_name:
        return None
    name = font_name.strip()
    folded = name.casefold()
    if folded.startswith(".vn"):
        return "tcvn3-upper" if name.endswith("H") else "tcvn3"
    if folded.startswith(("vni-", "vni ")):
        return "vni"
    return None


def may_be_legacy(text: object) -> bool:
    """The cheap pre-check before a cell's font is looked up.

    True for text holding a legacy-range character that no Vietnamese text
    holds (µ, ¸, ­ …: one run of a rich-text cell may be legacy while another is
    Unicode), or text made only of possible font bytes with some legacy-range
    character. Ordinary Vietnamese holds letters beyond Latin-1 (ạ, ư, đ …) and
    no such character, so it fails here and its cell's font is never looked up.
    """
    if not isinstance(text, str) or not any(c in _LEGACY_CHARS for c in text):
        return False
    return _has_marker(text) or to_bytes(text) is not None


def _has_marker(text: str) -> bool:
    """A legacy-range character that is no letter of Unicode Vietnamese."""
    return any(c in _LEGACY_CHARS and c not in _VIETNAMESE_LATIN1 for c in text)


def convert(text: str, font_name: str | None = None) -> tuple[str, Encoding] | None:
    """``text`` as Unicode and the encoding it was in, or None when it is not legacy text.

    With a legacy font the text is converted whenever it could have been typed
    in that font; without one, only when :func:`detect` finds it clearly legacy.
    """
    if not may_be_legacy(text):
        return None
    encoding = font_encoding(font_name)
    if encoding is not None and to_bytes(text) is None:
        return None  # real Unicode (ạ, ư, đ …) in a legacy-font cell
    if encoding is None:
        found = detect(text)
        return found
    after = decode(text, encoding)
    return (after, encoding) if after != text else None


def convert_runs(runs: Iterable[tuple[str, str | None]]) -> tuple[str, tuple[Encoding, ...]] | None:
    """A cell's rich-text runs ``(text, font name)`` joined as Unicode, with the encodings met.

    Each run converts by its own font (one cell may mix a Unicode run and a
    ``.VnTime`` run); None when no run was legacy text.
    """
    parts: list[str] = []
    found: list[Encoding] = []
    for text, font in runs:
        converted = convert(text, font)
        if converted is None:
            parts.append(text)
        else:
            parts.append(converted[0])
            if converted[1] not in found:
                found.append(converted[1])
    if not found:
        return None
    return "".join(parts), tuple(found)


# -- detection without a font ----------------------------------------------------------

_VIETNAMESE_LATIN1 = frozenset("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = ("iêu|oai|oao|oay|oeo|uây|uôi|uya|uyê|uyu|ươi|ươu|yêu|"
           "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|ya|yê|"
           "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y")
_SYLLABLE = re.compile(rf"^(?:{_ONSETS})?(?:{_NUCLEI})(?:ch|ng|nh|c|m|n|p|t)?$")
_WORD = re.compile(r"[^\W\d_]+")


def is_syllable(word: str) -> bool:
    """Whether ``word`` is one well-formed Vietnamese syllable (at most one tone, a known rime)."""
    parts = unicodedata.normalize("NFD", word.casefold())
    if sum(1 for c in parts if c in _TONE_MARKS) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
    return bool(_SYLLABLE.match(bare))


def detect(text: str) -> tuple[str, Encoding] | None:
    """``text`` converted, when it is clearly legacy text of exactly one encoding; else None."""
    if to_bytes(text) is None or not _has_marker(text):
        return None  # Unicode beyond one byte, or only ordinary Vietnamese letters: Unicode text
    letters = [c for c in text if c.isascii() and c.isalpha()]
    tcvn: Encoding = "tcvn3-upper" if len(letters) >= 2 and all(c.isupper() for c in letters) else "tcvn3"
    candidates: tuple[Encoding, ...] = (tcvn, "vni")
    found = [(after, enc) for enc in candidates
             if (after := decode(text, enc)) != text and _plausible(after)]
    return found[0] if len(found) == 1 else None


def _plausible(after: str) -> bool:
    """Converted text with nothing left over and every non-ASCII word a Vietnamese syllable."""
    if _has_marker(after):
        return False
    words = [w for w in _WORD.findall(after) if not w.isascii()]
    if not words or not all(is_syllable(w) for w in words):
        return False
    return any(any(c.isascii() for c in w) for w in words)
