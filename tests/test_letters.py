"""One numbered letter per unit per round, its register, and what became of its points (issue 13, point 4).

The demo round (80 units, consolidated): the Board sends letters on 20/03/2017.
Then Ninh Xá sends its registration again with the wrong cell put right, and
the Board consolidates: Ninh Xá's point is fixed, the units that still have not
reported keep theirs open. A week later the Board writes again: the unit that
still has not reported gets a new number, a letter opening with what became of
the last one, and the point marked as raised before.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.core.letters import FIXED, NOTED, OPEN
from xlplan.io.feedback_writer import LETTER_SHEET
from xlplan.io.letter_register import LetterRegister
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.feedback import write_feedback
from xlplan.services.workspace import open_workspace

FIRST, SECOND = dt.date(2017, 3, 20), dt.date(2017, 3, 28)
FIXES = "P_NINHXA"  # the unit that corrects its registration
SILENT = "CB_THONGKE"  # a unit that has not sent its registration


def _texts(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return " ".join(str(c.value) for r in wb[LETTER_SHEET].iter_rows() for c in r if c.value is not None)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _correct(folder: Path, unit: str, field: str) -> Path:
    """The unit's registration sent again with ``field`` put right (0 cannot exceed anything)."""
    ws = open_workspace(folder)
    (original,) = [p for p in (folder / "NopBaoCao").rglob(f"{unit}_F01_2017*.xlsx")]
    wb = openpyxl.load_workbook(original)
    sheet, ref = next(iter(wb.defined_names[field].destinations))
    wb[sheet][ref.replace("$", "")].value = 0
    again = original.with_name(f"{unit}_F01_2017_gui_lai.xlsx")
    wb.save(again)
    assert ws.registry.get(unit) is not None
    return again


@pytest.fixture(scope="module")
def round_(tmp_path_factory: pytest.TempPathFactory, copy_demo) -> SimpleNamespace:
    folder = copy_demo(tmp_path_factory.mktemp("letters") / "demo")
    first = write_feedback(folder, deadline=dt.date(2017, 3, 27), today=FIRST)
    texts = {x.unit: _texts(x.path) for x in first.letters}  # the second round writes the same names again
    pdfs = {x.unit: _pdf_text(x.pdf) for x in first.letters[:3] if x.pdf}
    ws = open_workspace(folder)
    with LetterRegister(ws.audit) as register:
        registered = {x.unit: x for x in register.all()}
    wrong = next(p for p in registered[FIXES].points if p.form == "F01" and p.where)
    _correct(folder, FIXES, wrong.where)
    consolidated = consolidate_folder(folder)
    with LetterRegister(ws.audit) as register:
        judged = {x.unit: x for x in register.all()}
    second = write_feedback(folder, deadline=dt.date(2017, 4, 4), today=SECOND)
    return SimpleNamespace(folder=folder, first=first, texts=texts, pdfs=pdfs, registered=registered, wrong=wrong,
                           consolidated=consolidated, judged=judged, second=second)


def test_one_numbered_letter_per_unit(round_: SimpleNamespace) -> None:
    letters = round_.first.letters
    units = {f.unit for f in round_.first.files}
    assert sorted(x.unit for x in letters) == sorted(units)  # every unit with something to do, once
    numbers = [x.number for x in letters]
    assert numbers == list(range(1, len(letters) + 1))
    for x in letters:
        assert x.path.name == f"{x.unit}_phanhoi.xlsx" and x.number_text == f"Số {x.number}-CV/BTCTU"
        assert x.number_text in round_.texts[x.unit]
    text = round_.texts[FIXES]
    assert "Biểu F01 năm 2017: trang Đăng ký" in text  # the form, the period and the cell, in words
    assert f"{FIXES}_F01_2017_phanhoi.xlsx" in text  # the highlighted copy is its attachment
    assert "part-exceeds-whole" not in text and "Đăng ký!" not in text


def test_letters_are_printed_to_pdf(round_: SimpleNamespace, soffice: str) -> None:
    assert round_.first.pdf_note is None
    assert all(x.pdf is not None and x.pdf.name == f"{x.unit}_phanhoi.pdf" for x in round_.first.letters)
    assert len(round_.pdfs) == 3
    for x in round_.first.letters[:3]:
        assert x.number_text in round_.pdfs[x.unit] and "ĐẢNG CỘNG SẢN VIỆT NAM" in round_.pdfs[x.unit]


def test_the_register_holds_every_point(round_: SimpleNamespace) -> None:
    for x in round_.first.letters:
        registered = round_.registered[x.unit]
        assert registered.number == x.number and registered.issued == FIRST and len(registered.points) == x.points
    assert round_.registered[SILENT].points[0].code == "missing-submission"
    assert all(p.status in (OPEN, NOTED) for x in round_.registered.values() for p in x.points)


def test_the_next_consolidation_marks_points_fixed_or_open(round_: SimpleNamespace) -> None:
    fixed = next(p for p in round_.judged[FIXES].points if p.key == round_.wrong.key)
    assert fixed.status == FIXED
    assert [p.status for p in round_.judged[SILENT].points if p.code == "missing-submission"] == [OPEN]
    summary = round_.consolidated.letters
    assert summary is not None and summary.fixed >= 1 and summary.still_open >= 1
    assert SILENT in summary.units_open


def test_the_letter_after_says_so(round_: SimpleNamespace) -> None:
    again = next(x for x in round_.second.letters if x.unit == SILENT)
    before = round_.registered[SILENT]
    assert again.number > max(x.number for x in round_.first.letters)  # a new letter, a new number
    text = _texts(again.path)
    assert f"Công văn số {before.number}-CV/BTCTU ngày 20/03/2017" in text
    assert again.follow_up is not None and again.follow_up in text
    assert "đơn vị đã khắc phục 0/1 nội dung; còn 1 nội dung chưa khắc phục" in again.follow_up
    assert "(Đã nêu tại công văn trước) Chưa nhận được biểu F01" in text


def test_congvan_lists_the_register(round_: SimpleNamespace) -> None:
    result = CliRunner().invoke(main, ["congvan", "-d", str(round_.folder), "--don-vi", FIXES])
    assert result.exit_code == 0, result.output
    assert FIXED in result.output and "Số" in result.output
    data = CliRunner().invoke(main, ["congvan", "-d", str(round_.folder), "--json"])
    assert data.exit_code == 0
    assert '"status": "đã khắc phục"' in data.output
