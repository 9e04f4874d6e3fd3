"""``xlplan feedback``: highlighted copies and letters for the units, on the real demo folder.

The acceptance criterion of issue 3: the feedback copies' comments name the
same findings as the Kiểm tra sheet. The demo (80 units, 478 real files with a
few deliberate problems) is built once; feedback is written into its outbox;
each copy's comments are compared, cell by cell, with the rows of the city
workbook's Kiểm tra table (read through its defined name) for that file. The
inbox files must stay byte-identical.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path, PureWindowsPath
from types import SimpleNamespace

import openpyxl
import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.core.findings import Severity, make
from xlplan.core.periods import Period
from xlplan.core.summary_tables import summary_tables
from xlplan.io.feedback_writer import (FILLS, LETTER_SHEET, FeedbackCopyError, Letter, comment_text, letter_rows,
                                       write_highlighted_copy)
from xlplan.io.form_reader import read_form
from xlplan.io.form_writer import own_formulas
from xlplan.services.feedback import (FEEDBACK_FOLDER, UNIT_FIXES, FeedbackResult, for_unit, group_findings,
                                      write_feedback)
from xlplan.services.workspace import open_workspace

TODAY = dt.date(2017, 3, 20)
DEADLINE = dt.date(2017, 3, 31)
SENT_LABELS = ("Lỗi", "Cảnh báo")
COMMENT_HEAD = re.compile(r"^(Lỗi|Cảnh báo|Ghi chú): (.*)$")  # no finding code: codes are the Board's


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, copy_demo) -> SimpleNamespace:
    """A copy of the demo folder, the inbox hashes before feedback, and the feedback written once."""
    folder = copy_demo(tmp_path_factory.mktemp("feedback") / "demo")
    before = _hashes(folder / "NopBaoCao")
    result = write_feedback(folder, deadline=DEADLINE, today=TODAY)
    return SimpleNamespace(folder=folder, before=before, result=result, ws=open_workspace(folder))


def _kiem_tra(workbook: Path) -> list[dict[str, str]]:
    """The Kiểm tra table's rows, found by the defined name ``tbl_kiem_tra_data``."""
    wb = openpyxl.load_workbook(workbook)
    spec = summary_tables(open_workspace(workbook.parent).plan)["tbl_kiem_tra"]
    ((sheet, ref),) = list(wb.defined_names["tbl_kiem_tra_data"].destinations)
    rows = []
    for row in wb[sheet][ref.replace("$", "")]:
        values = {c: ("" if cell.value is None else str(cell.value)) for c, cell in zip(spec.column_ids, row)}
        if any(values.values()):
            rows.append(values)
    return rows


def _split_location(location: str) -> tuple[str, str] | None:
    """``'Đăng ký'!C29`` → (``Đăng ký``, ``C29``); None when the row names no cell."""
    if "!" not in location:
        return None
    sheet, cell = location.rsplit("!", 1)
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell


def _comments(path: Path, author: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(sheet, cell) → [(severity label, message)] parsed from the copy's comments by ``author``."""
    wb = openpyxl.load_workbook(path)
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is None or cell.comment.author != author:
                    continue
                heads = [m.groups() for line in cell.comment.text.split("\n") if (m := COMMENT_HEAD.match(line))]
                found[(ws.title, cell.coordinate)] = sorted(heads)
    return found


# -- acceptance ------------------------------------------------------------------------

def test_comments_name_the_same_findings_as_the_kiem_tra_sheet(demo: SimpleNamespace) -> None:
    rows = _kiem_tra(demo.ws.workbook)
    copies = [f for f in demo.result.files if f.copied]
    assert len(copies) >= 5  # the demo's error, below-minimum and late registrations
    for item in copies:
        name = PureWindowsPath(item.source).name
        expected: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for row in rows:
            if row["tep"] == name and row["don_vi"] == item.unit and row["muc_do"] in SENT_LABELS:
                place = _split_location(row["o"])
                assert place is not None, row  # every demo finding in a file names its cell
                expected.setdefault(place, []).append((row["muc_do"], row["noi_dung"]))
        expected = {k: sorted(v) for k, v in expected.items()}
        assert expected, f"no Kiểm tra row for {name}"
        assert _comments(item.path, demo.ws.plan.board) == expected, item.path.name
        assert item.highlighted == len(expected)


def test_every_sent_row_of_kiem_tra_reaches_its_unit(demo: SimpleNamespace) -> None:
    rows = [r for r in _kiem_tra(demo.ws.workbook) if r["muc_do"] in SENT_LABELS]
    by_source = {(f.unit, PureWindowsPath(f.source).name) for f in demo.result.files if f.copied}
    outbox = demo.folder / "GuiDonVi" / FEEDBACK_FOLDER
    for row in rows:
        if row["tep"]:
            assert (row["don_vi"], row["tep"]) in by_source, row
        else:  # e.g. missing-submission: the unit's letter alone lists it
            letter = openpyxl.load_workbook(outbox / f"{row['don_vi']}_phanhoi.xlsx")
            assert letter.sheetnames == [LETTER_SHEET]
            texts = {str(c.value) for r in letter[LETTER_SHEET].iter_rows() for c in r if c.value is not None}
            assert row["noi_dung"] in texts
    assert demo.result.findings == len(rows)
    assert not demo.result.not_sent


def test_inbox_files_stay_byte_identical(demo: SimpleNamespace) -> None:
    assert _hashes(demo.folder / "NopBaoCao") == demo.before
    assert len(demo.before) == 478


# -- the copies ---------------------------------------------------------------------------

def test_copy_is_the_units_form_behind_a_letter(demo: SimpleNamespace) -> None:
    item = next(f for f in demo.result.files if f.unit == "P_NINHXA")
    assert item.path.name == "P_NINHXA_F01_2017_phanhoi.xlsx"
    assert item.path.parent == demo.folder / "GuiDonVi" / "PhanHoi"
    source = openpyxl.load_workbook(demo.folder / "NopBaoCao" / item.source)
    copy = openpyxl.load_workbook(item.path)
    assert copy.sheetnames == [LETTER_SHEET] + source.sheetnames
    assert copy.active.title == LETTER_SHEET
    assert [ws.title for ws in copy.worksheets if ws.sheet_view.tabSelected] == [LETTER_SHEET]
    # protection kept: every sheet of the form, and the structure lock
    assert all(copy[s].protection.sheet for s in source.sheetnames if source[s].protection.sheet)
    assert copy.security is not None and copy.security.lockStructure
    assert {s: copy[s].sheet_state for s in source.sheetnames} == {s: source[s].sheet_state for s in source.sheetnames}
    # the offending cell: coloured as an error, commented; the values are the unit's
    cell = copy["Đăng ký"]["C29"]
    assert cell.fill.fgColor.rgb.endswith(FILLS[Severity.ERROR].fgColor.rgb[-6:])
    assert cell.comment.text.startswith("Lỗi:") and "Cách khắc phục:" in cell.comment.text
    assert "part-exceeds-whole" not in cell.comment.text  # codes are the Board's (Kiểm tra), never a unit's
    assert cell.value == source["Đăng ký"]["C29"].value
    letter = copy[LETTER_SHEET]
    texts = " ".join(str(c.value) for r in letter.iter_rows() for c in r if c.value is not None)
    for wanted in ("ĐẢNG CỘNG SẢN VIỆT NAM", demo.ws.plan.board, "Kính gửi: Đảng bộ phường Ninh Xá",
                   "31/03/2017", "Bắc Ninh, ngày 20 tháng 03 năm 2017", "trang Đăng ký, ô C29", "Kiểm tra lại hai ô này."):
        assert wanted in texts, wanted
    assert str(letter.page_setup.paperSize) == letter.PAPERSIZE_A4 and letter.page_setup.orientation == "portrait"


def test_copy_still_reads_as_the_units_form(demo: SimpleNamespace) -> None:
    """A unit may fix the copy and send it back: the readers see the same form and findings."""
    item = next(f for f in demo.result.files if f.unit == "P_NINHXA")
    original = read_form(demo.folder / "NopBaoCao" / item.source, plan=demo.ws.plan, registry=demo.ws.registry)
    again = read_form(item.path, plan=demo.ws.plan, registry=demo.ws.registry)
    assert (again.unit, again.form, again.period) == (original.unit, original.form, original.period)
    assert again.as_dict() == original.as_dict()
    assert sorted((f.code, f.cell) for f in again.findings) == sorted((f.code, f.cell) for f in original.findings)


def test_warnings_are_coloured_as_warnings_and_worded_for_the_unit(demo: SimpleNamespace) -> None:
    item = next(f for f in demo.result.files if f.unit == "CB_QLTT")
    copy = openpyxl.load_workbook(item.path)
    (place, heads), = _comments(item.path, demo.ws.plan.board).items()
    cell = copy[place[0]][place[1]]
    assert heads[0][0] == "Cảnh báo" and "sau hạn" in heads[0][1]  # late-submission (no code in a unit's text)
    assert cell.fill.fgColor.rgb.endswith(FILLS[Severity.WARNING].fgColor.rgb[-6:])
    assert UNIT_FIXES["late-submission"] in cell.comment.text
    assert "Nhắc đơn vị" not in cell.comment.text  # the Board's wording stays in Kiểm tra


def test_letter_alone_for_a_missing_submission(demo: SimpleNamespace) -> None:
    item = next(f for f in demo.result.files if f.unit == "CB_THONGKE")
    assert item.path.name == "CB_THONGKE_phanhoi.xlsx" and not item.copied and item.source is None
    wb = openpyxl.load_workbook(item.path)
    texts = " ".join(str(c.value) for r in wb[LETTER_SHEET].iter_rows() for c in r if c.value is not None)
    assert "Chưa nhận được biểu F01 kỳ năm 2017" in texts
    assert "Gửi biểu F01 kỳ năm 2017" in texts  # the unit-facing fix


def test_a_second_run_retires_feedback_no_longer_due(demo: SimpleNamespace, tmp_path: Path) -> None:
    outbox = demo.folder / "GuiDonVi" / FEEDBACK_FOLDER
    stale = outbox / "X_DA_SUA_F01_2017_phanhoi.xlsx"
    stale.write_bytes(b"old")
    other = outbox / "ghi_chu.txt"
    other.write_text("của cán bộ", encoding="utf-8")
    result = write_feedback(demo.folder, deadline=DEADLINE, today=TODAY)
    assert not stale.exists() and other.exists()
    assert [p.read_bytes() for p in result.moved] == [b"old"]
    assert sorted(p.name for p in outbox.glob("*_phanhoi.xlsx")) == sorted(f.path.name for f in result.files)
    assert [f.path.read_bytes() for f in result.files] == [f.path.read_bytes() for f in demo.result.files]
    assert _hashes(demo.folder / "NopBaoCao") == demo.before


def test_resending_a_feedback_copy_starts_a_fresh_round(demo: SimpleNamespace, tmp_path: Path) -> None:
    item = next(f for f in demo.result.files if f.unit == "P_NINHXA")
    letter = _letter()
    target = tmp_path / "again.xlsx"
    write_highlighted_copy(item.path, target, letter, [], author=demo.ws.plan.board,
                           own_formulas=own_formulas(demo.ws.plan))  # as the service calls it
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames.count(LETTER_SHEET) == 1 and wb.sheetnames[0] == LETTER_SHEET
    assert not _comments(target, demo.ws.plan.board)


# -- pieces ---------------------------------------------------------------------------------

def _letter() -> Letter:
    return Letter("THÀNH ỦY", "BAN TỔ CHỨC", "Số -CV", "V/v", "Bắc Ninh, ngày", "Kính gửi: A", "Mở đầu", (),
                  "Kết", ("TRƯỞNG BAN",), "Nơi nhận:")


@pytest.mark.parametrize("content", [b"", b"not a workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
                                     b"PK\x03\x04 broken zip"])
def test_a_file_that_cannot_be_opened_is_refused_cleanly(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "X_F01_2017.xlsx"
    source.write_bytes(content)
    with pytest.raises(FeedbackCopyError):
        write_highlighted_copy(source, tmp_path / "out.xlsx", _letter(), [], author="BTC")
    assert source.read_bytes() == content and not (tmp_path / "out.xlsx").exists()


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    """A message carrying a unit's text (``=cmd|…``) is written as text in the letter and the comment."""
    wb = openpyxl.Workbook()
    wb.active.title = "Đăng ký"
    source = tmp_path / "src.xlsx"
    wb.save(source)
    finding = make("not-in-list", sheet="Đăng ký", cell="B2", label="Xếp loại", value="=cmd|'/c calc'!A0",
                   choices="A, B")
    letter = dataclasses.replace(_letter(), rows=letter_rows([finding]))
    write_highlighted_copy(source, tmp_path / "out.xlsx", letter, [finding], author="BTC")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any(b"<f>" in s for s in sheets)  # no formula anywhere
    copy = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert "=cmd" in copy["Đăng ký"]["B2"].comment.text


def test_comment_text_lists_each_finding_with_its_fix() -> None:
    one = make("negative", sheet="S", cell="C5", label="Số", value=-1)
    two = make("value-missing", severity=Severity.WARNING, sheet="S", cell="C5", label="Số")
    text = comment_text([two, one])
    heads = [m.groups() for line in text.split("\n") if (m := COMMENT_HEAD.match(line))]
    assert heads == [("Lỗi", one.message), ("Cảnh báo", two.message)]
    assert text.count("Cách khắc phục:") == 2


def test_grouping_rules(demo: SimpleNamespace) -> None:
    """Notes stay home; replaced files and unknown units are not sent; files used go to their unit."""
    period = Period(2017, "year")
    used, old = SimpleNamespace(file="a/new.xlsx"), SimpleNamespace(file="a/old.xlsx")
    key = ("P_NINHXA", "F01", period)
    resolution = SimpleNamespace(latest={key: used}, copies={key: (old, used)})
    findings = [
        make("negative", unit="p_ninhxa", file="a/new.xlsx", sheet="Đăng ký", cell="C9", label="x", value=-1),
        make("negative", unit="P_NINHXA", file="a/old.xlsx", sheet="Đăng ký", cell="C9", label="x", value=-1),
        make("file-skipped", unit="P_NINHXA", file="a/new.xlsx", reason="r"),
        make("missing-submission", unit="X_KHONG_CO", form="F02", period="tháng 01 năm 2017", due="05/02/2017"),
        make("missing-submission", unit="SN_VHTT", form="F02", period="tháng 01 năm 2017", due="05/02/2017"),
        make("file-unreadable", unit="SN_VHTT", file="b/hong.xlsx", reason="hỏng"),
    ]
    batches, not_sent = group_findings(findings, demo.ws.registry, resolution)
    assert [(b.name, len(b.findings)) for b in batches] == [("P_NINHXA_F01_2017_phanhoi.xlsx", 1),
                                                           ("SN_VHTT_phanhoi.xlsx", 2)]
    assert batches[0].source == "a/new.xlsx"
    assert sorted(f.file or f.unit for f in not_sent) == ["X_KHONG_CO", "a/old.xlsx"]
    assert for_unit(findings[4]).fix.startswith("Gửi biểu F02 kỳ tháng 01 năm 2017")
    assert for_unit(findings[0]) is findings[0]


# -- through the CLI ------------------------------------------------------------------------

def test_cli_help() -> None:
    result = CliRunner().invoke(main, ["feedback", "--help"])
    assert result.exit_code == 0
    assert "Ví dụ:" in result.output and "--deadline" in result.output and "GuiDonVi/PhanHoi" in result.output


def test_cli_feedback(demo: SimpleNamespace) -> None:
    result = CliRunner().invoke(main, ["feedback", str(demo.folder), "--deadline", "31/03/2017"])
    assert result.exit_code == 1, result.output  # the demo has one unit with an error to fix
    assert "P_NINHXA_F01_2017_phanhoi.xlsx" in result.output and "hạn gửi lại 31/03/2017" in result.output
    result = CliRunner().invoke(main, ["feedback", str(demo.folder), "--deadline", "31/03/2017", "--json"])
    data = json.loads(result.output)
    assert data["deadline"] == "2017-03-31" and data["errors"] == 1
    assert {Path(f["path"]).name for f in data["files"]} == {f.path.name for f in demo.result.files}
    assert _hashes(demo.folder / "NopBaoCao") == demo.before


def test_cli_feedback_cannot_run(tmp_path: Path, demo: SimpleNamespace) -> None:
    result = CliRunner().invoke(main, ["feedback", str(tmp_path)])
    assert result.exit_code == 2
    assert "Không thấy sổ tổng hợp" in result.output
    result = CliRunner().invoke(main, ["feedback", str(demo.folder), "--deadline", "2017-03-31"])
    assert result.exit_code == 2 and "ngày/tháng/năm" in result.output


def test_result_exit_code() -> None:
    assert FeedbackResult(Path("."), [], [], [], DEADLINE).exit_code == 0
