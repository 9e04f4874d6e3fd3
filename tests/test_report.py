"""``xlplan report``: the Báo cáo sheet refreshed, and printed alone to PDF by the real LibreOffice.

The demo folder (80 units whose 2016 files add up to the plan's figures) is
built once per session; each test refreshes its own copy. The PDF is checked as a PDF: its magic bytes, A4 portrait pages,
one to three of them, and its text (poppler's ``pdftotext``) holding the
narrative paragraph's key figures and nothing of the other sheets.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.io import libreoffice
from xlplan.io.libreoffice import LibreOfficeMissing
from xlplan.services.report import pdf_path, refresh_report

# The plan's first paragraph, as the demo's files regenerate it (DOMAIN.md).
KEY_FIGURES = ("80 tổ chức cơ sở đảng", "8.877 đảng viên", "65/79 = 82,27%", "7.453 đảng viên",
               "6.646/7.453", "89,17%", "901/7.453 = 12,08%", "218 đảng viên mới = 121% kế hoạch", "237 đồng chí")
STALE = "(đoạn văn cũ)"


@pytest.fixture
def folder(demo_copy: Path) -> Path:
    """This test's copy of the session's demo folder: the report tests rewrite its workbook."""
    return demo_copy


def _paragraph_cell(workbook: Path) -> str:
    wb = openpyxl.load_workbook(workbook)
    ((sheet, ref),) = list(wb.defined_names["bc_doan_van"].destinations)
    return wb[sheet][ref.replace("$", "")].value


def _make_stale(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    ((sheet, ref),) = list(wb.defined_names["bc_doan_van"].destinations)
    wb[sheet][ref.replace("$", "")].value = STALE
    wb.save(workbook)


def _pdf_text(pdf: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext not found (apt-get install poppler-utils): the PDF's text must be checked",
                    pytrace=False)
    done = subprocess.run([tool, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode("utf-8").split())


def _pages(pdf: Path) -> list[tuple[float, float]]:
    """Page sizes in points: from ``pdfinfo`` when installed, else from the MediaBox of each page object."""
    tool = shutil.which("pdfinfo")
    if tool:
        done = subprocess.run([tool, "-f", "1", "-l", "999", str(pdf)], capture_output=True, check=True, timeout=60,
                              text=True)
        return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", done.stdout)]
    data = pdf.read_bytes()
    count = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", data)
    assert box is not None
    return [(float(box.group(1)), float(box.group(2)))] * count


def test_report_pdf_prints_the_report_sheet_alone(folder: Path, soffice: str) -> None:
    workbook = folder / "SoTongHop.xlsx"
    _make_stale(workbook)
    done = refresh_report(folder, pdf=True)
    assert done.pdf == pdf_path(folder / "KetQua", 2017) == folder / "KetQua" / "BaoCao_2017.pdf"
    assert done.pdf.read_bytes()[:5] == b"%PDF-"
    pages = _pages(done.pdf)
    assert 1 <= len(pages) <= 5  # the report at its full 14 pt, then the appendix
    for width, height in pages:  # A4 portrait
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2
    text = _pdf_text(done.pdf)
    for figure in KEY_FIGURES:
        assert figure in text, figure
    for wanted in ("ĐẢNG CỘNG SẢN VIỆT NAM", "THÀNH ỦY BẮC NINH", "BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH", "Nơi nhận:",
                   "PHỤ LỤC"):
        assert wanted in text, wanted
    for other in ("HƯỚNG DẪN SỬ DỤNG SỔ TỔNG HỢP", "KẾT QUẢ KIỂM TRA SỐ LIỆU", "CẤU HÌNH SỔ TỔNG HỢP",
                  "THEO DÕI NỘP BIỂU MẪU"):
        assert other not in text, other  # only the Báo cáo sheet is printed
    assert STALE not in text
    assert _paragraph_cell(workbook) == done.paragraph  # the workbook itself was refreshed
    assert all(figure in done.paragraph for figure in KEY_FIGURES)
    # the workbook keeps every sheet visible: only the temporary print copy hid them
    wb = openpyxl.load_workbook(workbook)
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)


def test_report_without_pdf_only_refreshes(folder: Path) -> None:
    workbook = folder / "SoTongHop.xlsx"
    _make_stale(workbook)
    pdf = folder / "KetQua" / "BaoCao_2017.pdf"
    before = pdf.read_bytes() if pdf.exists() else None
    done = refresh_report(folder)
    assert done.pdf is None and _paragraph_cell(workbook) == done.paragraph
    assert (pdf.read_bytes() if pdf.exists() else None) == before
    assert done.exit_code == 1  # the demo carries one error


def test_missing_libreoffice_still_refreshes_the_workbook(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = folder / "SoTongHop.xlsx"
    _make_stale(workbook)
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    with pytest.raises(LibreOfficeMissing) as caught:
        refresh_report(folder, pdf=True)
    message = str(caught.value)
    assert "Đã cập nhật trang Báo cáo" in message and "Cài LibreOffice" in message and "apt-get install" in message
    assert _paragraph_cell(workbook) != STALE


# -- through the CLI ---------------------------------------------------------------------------

def test_cli_help() -> None:
    result = CliRunner().invoke(main, ["report", "--help"])
    assert result.exit_code == 0
    assert "Ví dụ:" in result.output and "--pdf" in result.output and "BaoCao_<năm>.pdf" in result.output


def test_cli_report_pdf(folder: Path, soffice: str) -> None:
    pdf = folder / "KetQua" / "BaoCao_2017.pdf"
    pdf.unlink(missing_ok=True)
    result = CliRunner().invoke(main, ["report", str(folder), "--pdf"])
    assert result.exit_code == 1, result.output  # report written; the demo's one error is reported
    assert "Báo cáo PDF:" in result.output and "1 lỗi" in result.output
    assert pdf.read_bytes()[:5] == b"%PDF-"
    result = CliRunner().invoke(main, ["report", str(folder), "--json"])
    data = json.loads(result.output)
    assert data["pdf"] is None and "65/79 = 82,27%" in data["paragraph"]


def test_cli_report_without_libreoffice(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    result = CliRunner().invoke(main, ["report", str(folder), "--pdf"])
    assert result.exit_code == 2
    assert "Cài LibreOffice" in result.output and "Đã cập nhật trang Báo cáo" in result.output


def test_cli_report_cannot_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--pdf"])
    assert result.exit_code == 2
    assert "Không thấy" in result.output and "SoTongHop.xlsx" in result.output
