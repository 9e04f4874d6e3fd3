"""The table sheets as LibreOffice prints them: rows grown with their text, nothing clipped or run together.

The demo's city workbook (80 units: a Kiểm tra sheet of findings with long
messages and fixes, a Theo dõi nộp sheet of 1,360 tracking rows and the call
list) is printed sheet by sheet by the real LibreOffice and read back with
``pdftotext -layout``. Two things go wrong when rows do not grow with their
text: the lines that do not fit are cut off (LibreOffice draws nothing of
them), and a cell's text runs into its neighbour's (clipped, or two cells'
words printed as one). So: every letter of every text cell is on the printed
pages, as often as the cells hold it (a long code may wrap inside its own
cell; no letter may vanish), every word printed is part of one cell's text,
never two cells' texts run together, and no word is printed over another (a
row too short has its last line drawn into the next row). The pages are A4, each table
starts its own page, and no word is printed below 9 pt (``pdftotext -bbox``).
The Báo cáo sheet prints whole, its body at the full 14 pt.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from xlplan.core.call_list import call_table
from xlplan.core.report_sections import BOARD_CELLS, GENERATED_CELLS
from xlplan.core.summary_tables import REPORT_CELLS, summary_tables
from xlplan.io.city_layout import resolve
from xlplan.io.plans import load_plan
from xlplan.io.report_pdf import sheet_pdf

def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found (apt-get install poppler-utils): the printed text must be read", pytrace=False)
    return found


def _letters(text: str) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace())


def _sheet_texts(workbook: Path, sheet: str) -> tuple[Counter[str], dict[str, set[int]]]:
    """The letters of the text cells of the sheet's tables (what must be printed), and every word of the
    sheet with the cells that hold it."""
    plan = load_plan()
    wb = openpyxl.load_workbook(workbook)
    ws = wb[sheet]
    letters: Counter[str] = Counter()
    for spec in (*summary_tables(plan).values(), call_table()):
        if spec.sheet != sheet:
            continue
        _, cells = resolve(wb, spec.id + "_data")
        text_cols = {cells.min_col + i for i, c in enumerate(spec.columns) if c.kind == "text"}
        for row in ws.iter_rows(min_row=cells.min_row, max_row=cells.max_row):
            for cell in row:
                if cell.column in text_cols and isinstance(cell.value, str):
                    letters.update(_letters(cell.value))
    words: dict[str, set[int]] = {}
    for number, value in enumerate(c.value for row in ws.iter_rows() for c in row):
        if isinstance(value, str):
            for word in value.split():
                words.setdefault(word, set()).add(number)
    return letters, words


def _one_cell(token: str, words: dict[str, set[int]], every: str) -> bool:
    """Whether a printed word is (part of) one cell's text: a word of it, a piece of one (a long word
    wrapped), or two of its words printed together (pdftotext joins the lines of a wrapped cell when
    they sit close). A token made of two different cells' words is cells run together."""
    if token in words or _NUMBERS.match(token) or token in every:
        return True
    return any(words.get(token[:i], set()) & words.get(token[i:], set()) for i in range(1, len(token)))


_NUMBERS = re.compile(r"^[\d.,:%/()\-]+$")  # counts, dates, shares, page numbers: not text cells
@pytest.fixture(scope="module")
def printed(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("render")
    book = demo_workspace / "SoTongHop.xlsx"
    return {sheet: sheet_pdf(book, sheet, out / f"{i}.pdf") for i, sheet in enumerate(("Kiểm tra", "Theo dõi nộp"))}


@pytest.mark.parametrize("sheet", ["Kiểm tra", "Theo dõi nộp"])
def test_nothing_is_cut_off_and_no_cells_run_together(demo_workspace: Path, printed: dict[str, Path],
                                                      sheet: str) -> None:
    letters, words = _sheet_texts(demo_workspace / "SoTongHop.xlsx", sheet)
    assert sum(letters.values()) > 1000  # the sheet really holds long texts
    text = subprocess.run([_tool("pdftotext"), "-layout", "-enc", "UTF-8", str(printed[sheet]), "-"],
                          capture_output=True, check=True, text=True).stdout
    got = _letters(text)
    cut = {ch: n - got[ch] for ch, n in letters.items() if got[ch] < n}
    assert not cut, f"letters cut off on {sheet}: {cut}"
    every = "\n".join(sorted(words))
    merged = sorted({t for t in text.split() if not _one_cell(t, words, every)})
    assert not merged, f"cells run together on {sheet}: {merged[:20]}"
    over = _overprinted(printed[sheet])
    assert not over, f"text printed over text on {sheet} (page, word, word): {over[:10]}"


def _boxes(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes (x0, y0, x1, y1, word), from ``pdftotext -bbox``."""
    out = subprocess.run([_tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, check=True,
                         text=True).stdout
    word = re.compile(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<')
    return [[(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in word.findall(page)]
            for page in out.split("<page ")[1:]]


def _overprinted(pdf: Path) -> list[tuple[int, str, str]]:
    """Words printed over other words: a row too short for its text (LibreOffice draws the cut line into
    the next row) or a cell's text over its neighbour's."""
    found = []
    for number, words in enumerate(_boxes(pdf), 1):
        words.sort(key=lambda w: w[1])
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b[1] >= a[3]:
                    break
                dy, dx = min(a[3], b[3]) - max(a[1], b[1]), min(a[2], b[2]) - max(a[0], b[0])
                if dx > 1 and dy > 0.3 * min(a[3] - a[1], b[3] - b[1]):
                    found.append((number, a[4], b[4]))
    return found


def _box_heights(pdf: Path) -> list[float]:
    boxes = subprocess.run([_tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, check=True,
                           text=True).stdout
    return [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)]


@pytest.fixture(scope="module")
def nine_points(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> float:
    """The height pdftotext gives a word of 9 pt Times New Roman printed by this LibreOffice at 100 %."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Chín điểm"
    ws["A1"].font = Font(name="Times New Roman", size=9)
    book = tmp_path_factory.mktemp("nine") / "nine.xlsx"
    wb.save(book)
    return min(_box_heights(sheet_pdf(book, ws.title, book.with_suffix(".pdf"))))


@pytest.mark.parametrize("sheet", ["Kiểm tra", "Theo dõi nộp"])
def test_pages_are_a4_and_no_word_is_below_9_pt(printed: dict[str, Path], nine_points: float, sheet: str) -> None:
    info = subprocess.run([_tool("pdfinfo"), "-f", "1", "-l", "9999", str(printed[sheet])], capture_output=True,
                          check=True, text=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert sizes and all(sorted((round(float(w)), round(float(h)))) == [595, 842] for w, h in sizes)
    heights = _box_heights(printed[sheet])
    assert heights and min(heights) >= nine_points - 0.05


def test_the_call_list_starts_its_own_page(printed: dict[str, Path]) -> None:
    pages = subprocess.run([_tool("pdftotext"), "-layout", str(printed["Theo dõi nộp"]), "-"], capture_output=True,
                           check=True, text=True).stdout.split("\f")
    titles = {"THEO DÕI NỘP BIỂU MẪU": [], "TỶ LỆ NỘP ĐẦY ĐỦ, ĐÚNG HẠN": [], call_table().title: []}
    for number, page in enumerate(pages):
        for title in titles:
            if title in page:
                titles[title].append(number)
    assert all(len(found) == 1 for found in titles.values()), titles
    assert len({found[0] for found in titles.values()}) == 3  # three tables, three pages


@pytest.fixture(scope="module")
def fourteen_points(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> float:
    """The height pdftotext gives a word of 14 pt Times New Roman printed by this LibreOffice at 100 %."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Mười bốn điểm"
    ws["A1"].font = Font(name="Times New Roman", size=14)
    book = tmp_path_factory.mktemp("fourteen") / "fourteen.xlsx"
    wb.save(book)
    return Counter(round(h, 1) for h in _box_heights(sheet_pdf(book, ws.title, book.with_suffix(".pdf")))).most_common(1)[0][0]


def test_the_report_prints_whole_and_at_its_full_14_pt(demo_workspace: Path, tmp_path: Path,
                                                       fourteen_points: float) -> None:
    """Every letter of the report's paragraphs is on the page (no row too short), the body at 14 pt (not shrunk)."""
    book = demo_workspace / "SoTongHop.xlsx"
    wb = openpyxl.load_workbook(book)
    letters: Counter[str] = Counter()
    for name in (*REPORT_CELLS, *GENERATED_CELLS, *BOARD_CELLS):
        ws, cells = resolve(wb, name)
        letters.update(_letters(str(ws.cell(cells.min_row, cells.min_col).value or "")))
    pdf = sheet_pdf(book, "Báo cáo", tmp_path / "bao_cao.pdf")
    text = subprocess.run([_tool("pdftotext"), "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          check=True, text=True).stdout
    got = _letters(text)
    cut = {ch: n - got[ch] for ch, n in letters.items() if got[ch] < n}
    assert not cut, f"letters of the report cut off: {cut}"
    over = _overprinted(pdf)
    assert not over, f"report text printed over text (page, word, word): {over[:10]}"
    body = Counter(round(h, 1) for h in _box_heights(pdf)).most_common(1)[0][0]
    assert abs(body - fourteen_points) <= 0.2  # the page is not scaled down: 14 pt prints at 14 pt
