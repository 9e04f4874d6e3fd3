"""How tall a wrapped text is: row heights from the text, for Excel and LibreOffice alike.

Neither program grows a row for the wrapped text of a merged cell, and
LibreOffice does not grow rows of an .xlsx it opens (it keeps the heights the
file gives), so a table row whose notes wrap over three lines prints with two
of them cut off, or running into the next row. The writers therefore set each
row's height from its text, letter by letter (a Vietnamese lower-case letter of
Times New Roman is about 0.47 of its size wide, a capital 0.72, a space 0.25;
5 % more for safety: a clipped line is worse than a blank one), a column width
unit a digit of the default font (Times New Roman 12: 6 pt), words wrapped
whole and words longer than the line broken, as both programs do.
"""

from __future__ import annotations

from functools import lru_cache

LINE_FACTOR = 1.25  # a line of text is about 1.2 times its size tall in both programs
PADDING = 5.0


_WIDEST = 0.75  # em: the widest letter counted (a capital), for the quick one-line check
_GENEROUS = 1.05


def _em(ch: str) -> float:
    """About how wide a character of Times New Roman is, in ems (Vietnamese letters with their marks)."""
    if ch == " ":
        return 0.25
    if ch.isdigit() or ch in "_-/":
        return 0.5
    if ch.isupper():
        return 0.72
    if ch.isalpha():
        return 0.47
    if ch in ".,:;'!()|":
        return 0.3
    return 0.5


class _Widths(dict[str, float]):
    """Character → ems, filled as characters are met (a C-level lookup per letter afterwards)."""

    def __missing__(self, ch: str) -> float:
        self[ch] = width = _em(ch) * _GENEROUS
        return width


_WIDTHS = _Widths()


def line_capacity(width: float, size: float) -> float:
    """Ems of ``size`` pt text that fit on one line of a cell ``width`` Excel units wide (6 pt a unit)."""
    return max((width * 6.0 - 6) / size, 1.0)


def wrapped_lines(text: str, width: float, size: float) -> int:
    """Lines ``text`` takes when wrapped in a cell ``width`` units wide (its own line breaks kept).

    Words wrap whole; a word longer than the line (a code, a file name) is
    broken where the line ends, as both programs do. A national tracking
    table repeats its texts (a unit's name on each of its rows), hence the cache.
    """
    capacity = line_capacity(width, size)
    if "\n" not in text and len(text) * _WIDEST * _GENEROUS <= capacity:
        return 1  # the common case, decided without measuring the letters
    return _measured_lines(text, capacity)


@lru_cache(maxsize=1 << 16)
def _measured_lines(text: str, capacity: float) -> int:
    space = _WIDTHS[" "]
    lines = 0
    for part in text.split("\n"):
        lines += 1
        used = 0.0
        for word in part.split():
            need = sum(map(_WIDTHS.__getitem__, word))
            if used and used + space + need > capacity:
                lines, used = lines + 1, 0.0
            elif used:
                used += space
            used += need
            while used > capacity:  # a word longer than the line is broken
                lines, used = lines + 1, used - capacity
    return lines


def lines_height(lines: int, size: float) -> float:
    """Points ``lines`` lines of ``size`` pt text need, with the cell's padding."""
    return round(lines * size * LINE_FACTOR + PADDING, 1)


def text_height(text: str, width: float, size: float) -> float:
    """Points a wrapped Times New Roman text of ``size`` pt needs in ``width`` Excel width units."""
    return lines_height(wrapped_lines(text, width, size), size)
