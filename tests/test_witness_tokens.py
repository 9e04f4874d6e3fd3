"""The file-name witness reads ASCII text without ``plain_name``: the words must stay the same.

``witness.tokens`` skips :func:`xlplan.core.registry.plain_name` for ASCII text (unit codes,
most file names), on the ground that in ASCII it changes case and spacing only. Should the
registry's normalization ever change an ASCII character (a look-alike, a separator), this
fails instead of the two paths silently disagreeing.
"""

from __future__ import annotations

import random
import re

from xlplan.core.registry import plain_name
from xlplan.core.witness import tokens

WORDS = re.compile(r"[a-z]+|\d+")  # the witness's own word pattern


def _slow(text: str) -> list[str]:
    return WORDS.findall(plain_name(text))


def test_ascii_words_are_plain_names_words():
    samples = ["P_VUNINH", "p-vuninh", "CB00005_F01_2017.xlsx", "Dang bo phuong Vu Ninh (2)",
               "F 02\t2017-Q1", "  T3 - 2017  ", "x\x00y\x1fz\x7f", "ABC123def", ""]
    rng = random.Random(2017)
    alphabet = [chr(i) for i in range(128)]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16))) for _ in range(5000)]
    for text in samples:
        assert tokens(text) == _slow(text), repr(text)


def test_vietnamese_text_still_goes_through_plain_name():
    assert tokens("Đảng bộ phường Vũ Ninh") == _slow("Đảng bộ phường Vũ Ninh") == ["dang", "bo", "phuong", "vu", "ninh"]
