"""How tall a wrapped text is: row heights from the text, for Excel and LibreOffice alike.

Neither program grows a row for the wrapped text of a merged cell, and
LibreOffice does not grow rows of an .xlsx it opens (it keeps the heights the
file gives), so a table row whose notes wrap over three lines prints with two
of them cut off, or running into the next row. The writers therefore set each
row's height from its text: a letter of Vietnamese text in Times New Roman,
its spaces and diacritics included, is about 0.45 of its size wide (0.46 is
used, the estimate leans generous: a clipped line is worse than a blank one), a column width unit a digit of the default font (Times New
Roman 12: 6 pt), words wrap whole.
"""

from __future__ import annotations

LINE_FACTOR = 1.25  # a line of text is about 1.2 times its size tall in both programs
PADDING = 5.0


def chars_per_line(width: float, size: float) -> int:
    """Letters of a ``size`` pt text that fit on one line of a cell ``width`` Excel units wide."""
    return max(int((width * 6.0 - 6) / (size * 0.46)), 8)


def wrapped_lines(text: str, width: float, size: float) -> int:
    """Lines ``text`` takes when wrapped in a cell ``width`` units wide (its own line breaks kept)."""
    per_line = chars_per_line(width, size)
    if "\n" not in text and len(text) <= per_line:
        return 1  # the common case, decided without splitting the text
    lines = 0
    for part in text.split("\n"):
        lines += 1
        used = 0
        for word in part.split():
            need = len(word) + (1 if used else 0)
            if used and used + need > per_line:
                lines, used = lines + 1, len(word)
            else:
                used += need
            while used > per_line:  # a word longer than the line is broken
                lines, used = lines + 1, used - per_line
    return lines


def lines_height(lines: int, size: float) -> float:
    """Points ``lines`` lines of ``size`` pt text need, with the cell's padding."""
    return round(lines * size * LINE_FACTOR + PADDING, 1)


def text_height(text: str, width: float, size: float) -> float:
    """Points a wrapped Times New Roman text of ``size`` pt needs in ``width`` Excel width units."""
    return lines_height(wrapped_lines(text, width, size), size)
