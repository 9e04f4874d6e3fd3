"""``drop_cells`` by row bands: the rows-emptied shortcut gives what cutting cell by cell gives.

The reference is the plain definition, written here independently of the
module: every ``<c>`` whose own address falls in a box is cut; then a row of a
box left empty whose start tag has only ``r``, ``spans``, ``ht`` and
``customHeight`` is removed (the writer sets table rows' heights anew);
nothing else changes.
"""

from __future__ import annotations

import random
import re

import pytest
from openpyxl.utils.cell import column_index_from_string

from xlplan.io.city_loader import drop_cells

_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?:/>|>.*?</c>)', re.DOTALL)


def reference(xml: bytes, boxes: list[tuple[int, int, int, int]]) -> bytes:
    def keep(m: re.Match) -> bytes:
        row, col = int(m.group(2)), column_index_from_string(m.group(1).decode())
        inside = any(r0 <= row <= r1 and c0 <= col <= c1 for r0, r1, c0, c1 in boxes)
        return b"" if inside else m.group(0)

    def empty_row(m: re.Match) -> bytes:
        row = int(m.group(1))
        names = set(re.findall(rb'\s([\w:]+)="', m.group(0))) - {b"r", b"spans", b"ht", b"customHeight"}
        inside = any(r0 <= row <= r1 for r0, r1, _, _ in boxes)
        return b"" if inside and not names else m.group(0)
    return _ROW.sub(empty_row, _CELL.sub(keep, xml))


_ROW = re.compile(rb'<row r="([0-9]+)"[^>]*?(?:/>|></row>)')


def _cell(col: str, row: int, rng: random.Random) -> bytes:
    return rng.choice([
        f'<c r="{col}{row}" s="3"/>', f'<c r="{col}{row}" t="n"><v>{row}</v></c>',
        f'<c r="{col}{row}" s="17" t="inlineStr"><is><t>a &lt;c r="Z1"/&gt; {row}</t></is></c>',
        f'<c r="{col}{row}"><f>SUM(A1:A2)</f><v>3</v></c>']).encode()


def _sheet(rng: random.Random, rows: int, beside: set[int], ext: set[int]) -> bytes:
    out = [b'<worksheet><sheetData>']
    for r in range(1, rows + 1):
        if r % 17 == 0:
            out.append(f'<row r="{r}" ht="20" customHeight="1"/>'.encode())
            continue
        cols = ["A", "B", "C", "N"] + (["Q", "AA"] if r in beside else [])
        out.append(f'<row r="{r}" spans="1:14">'.encode() + b"".join(_cell(c, r, rng) for c in cols)
                   + (b'<extLst><ext uri="x"/></extLst>' if r in ext else b"") + b"</row>")
    out.append(b'</sheetData><autoFilter ref="A3:N9"/><conditionalFormatting sqref="E4"><cfRule/></conditionalFormatting>'
               b'</worksheet>')
    return b"".join(out)


@pytest.mark.parametrize("seed", range(12))
def test_bands_match_the_definition(seed: int) -> None:
    rng = random.Random(seed)
    rows = rng.randint(5, 80)
    beside = {rng.randint(1, rows) for _ in range(rng.randint(0, 3))}
    ext = {rng.randint(1, rows) for _ in range(rng.randint(0, 1))}
    boxes = [(rng.randint(2, 6), rng.randint(6, rows + 3), 1, 14)]
    if rng.random() < 0.5:
        boxes.append((rng.randint(2, 4), rng.randint(4, 9), 17, 23))  # a side table, as on Theo dõi nộp
    xml = _sheet(rng, rows, beside, ext)
    assert drop_cells(xml, boxes) == reference(xml, boxes)


def test_a_typed_cell_beside_a_table_survives() -> None:
    xml = (b'<row r="4"><c r="A4"><v>1</v></c><c r="P4" t="inlineStr"><is><t>ghi</t></is></c></row>'
           b'<row r="5"><c r="A5"><v>2</v></c></row>')
    assert drop_cells(xml, [(4, 5, 1, 14)]) == b'<row r="4"><c r="P4" t="inlineStr"><is><t>ghi</t></is></c></row>'


def test_a_row_with_more_than_a_height_keeps_its_tag() -> None:
    xml = (b'<row r="4" ht="30" customHeight="1"><c r="A4"><v>1</v></c></row>'
           b'<row r="5" hidden="1"><c r="A5"><v>2</v></c></row>'
           b'<row r="6" s="3" customFormat="1"><c r="A6"><v>2</v></c></row>'
           b'<row r="7" x14ac:dyDescent="0.25"><c r="A7"><v>2</v></c></row>')
    assert drop_cells(xml, [(4, 7, 1, 14)]) == b'<row r="5" hidden="1"></row><row r="6" s="3" customFormat="1"></row>'


def test_a_row_style_counts_only_when_it_formats_something() -> None:
    xml = (b'<row r="4" ht="30" customHeight="1" s="7"><c r="A4"><v>1</v></c></row>'
           b'<row r="5" ht="30" customHeight="1" s="8"><c r="A5"><v>1</v></c></row>'
           b'<row r="6" ht="30" customFormat="1" s="7"><c r="A6"><v>1</v></c></row>')
    assert drop_cells(xml, [(4, 6, 1, 14)], plain_styles=frozenset({7})) == (
        b'<row r="5" ht="30" customHeight="1" s="8"></row><row r="6" ht="30" customFormat="1" s="7"></row>')


def test_rows_without_numbers_are_all_kept() -> None:
    xml = (b'<row r="4" ht="30" customHeight="1"><c r="A4"><v>1</v></c></row>'
           b'<row spans="1:2"><c r="A5"><v>2</v></c></row>')
    assert drop_cells(xml, [(4, 5, 1, 14)]) == b'<row r="4" ht="30" customHeight="1"></row><row spans="1:2"></row>'
