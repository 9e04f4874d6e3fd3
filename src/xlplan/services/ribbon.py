"""The jobs behind the ribbon's buttons, on the open ``xlwings.Book``: what :mod:`xlplan.macros` runs.

The macros stay one small function per button (read the book, call one job
here, word the closing message box); the jobs live here, below the faces, so
the same steps as the CLI's are taken with the same services:

* the consolidating buttons go through :func:`xlplan.services.consolidate.audited_run`
  (folder lock, archive by hash, audit run named ``excel:<button id>``) and
  write into the *open* book by its named anchors
  (:mod:`xlplan.services.excel_book`: everything planned and checked before
  the first cell is written). The run's output row names the workbook's file
  with the status :data:`OPEN_BOOK_STATUS`, because the user saves it, not us;
* «Kiểm tra file» only checks: no lock, no archive, no audit run (as ``xlplan check``);
* «Giới thiệu» asks :func:`installation_checks`, which never imports a face.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..core.errors import XlplanError
from ..core.findings import Finding
from ..core.forms import FormSpec, form_spec
from ..core.rollup import Consolidation
from ..core.udf_catalogue import MODULE, UDF_CATALOGUE
from . import excel_book
from .archive import sha256_of
from .check import check_files
from .consolidate import ConsolidationResult, WriteOutcome, audited_run, discover
from .feedback import FeedbackResult, write_feedback
from .forms import make_forms
from .report import REPORT_SHEET, pdf_path
from .workspace import Workspace, backup_file

if TYPE_CHECKING:  # xlwings is the caller's: the macros import it, this module only talks to its objects
    import xlwings as xw

OPEN_BOOK_STATUS = "written-open-book"  # the audit store's status for a run written into the open book

# The ribbon's labels (addin/customUI14.xml), to name a button in messages.
LABELS = {
    "xlp_khoi_tao": "Khởi tạo thư mục làm việc",
    "xlp_tao_bieu_mau": "Tạo biểu mẫu cho đơn vị",
    "xlp_mo_thu_muc": "Mở thư mục nộp",
    "xlp_kiem_tra": "Kiểm tra file",
    "xlp_tong_hop": "Tổng hợp",
    "xlp_theo_doi": "Theo dõi nộp báo cáo",
    "xlp_xuat_pdf": "Xuất báo cáo PDF",
    "xlp_phan_hoi": "Gửi phản hồi cho đơn vị",
    "xlp_gioi_thieu": "Giới thiệu & kiểm tra cài đặt",
}

UDF_MODULE = MODULE  # the worksheet functions' face, located (never imported) by the about check


class StatusBar:
    """Progress in Excel's status bar; silent where the engine has none (xlwings's remote engine).

    A status bar must never break a job, hence every error is swallowed.
    """

    def __init__(self, book: "xw.Book"):
        self.app = book.app
        self.working = True
        self.shown_at = 0.0

    def show(self, text: str | bool) -> None:
        if not self.working:
            return
        try:
            self.app.status_bar = text
        except Exception:  # NotImplementedError on the remote engine; COM hiccups while Excel is busy
            self.working = False

    def progress(self, label: str) -> Callable[[int, int], None]:
        """A ``progress(done, total)`` for the services, updating at most five times a second."""
        def update(done: int, total: int) -> None:
            now = time.monotonic()
            if done == total or now - self.shown_at >= 0.2:
                self.shown_at = now
                self.show(f"xlplan: {label} {done}/{total}…")
        return update

    def clear(self) -> None:
        self.show(False)  # False hands the status bar back to Excel


def is_desktop(book: "xw.Book") -> bool:
    """Desktop Excel (COM), as opposed to xlwings's remote engine, which cannot open files or print."""
    return book.app.engine.name == "excel"


def write_into_book(book: "xw.Book", writes: excel_book.BookWrites, status: StatusBar) -> None:
    """Apply checked writes with screen updating off (one repaint at the end, not one per table)."""
    status.show("xlplan: Đang ghi vào sổ tổng hợp…")
    book.app.screen_updating = False
    try:
        excel_book.apply_writes(book, writes)
    finally:
        book.app.screen_updating = True


def backup_saved_book(ws: Workspace) -> Path | None:
    """Keep a copy of the saved workbook, as the CLI does before it replaces the file; returns it.

    The open book is what changes; once the user saves, the copy in
    ``KetQua/SaoLuu`` is the previous round. A copy that cannot be made (a
    read-only folder) does not stop the job.
    """
    if ws.workbook.is_file():
        try:
            return backup_file(ws.workbook, ws.backups)
        except OSError:
            pass
    return None


def consolidate_into_book(book: "xw.Book", control_id: str, only: tuple[str, ...] = ()
                          ) -> tuple[Workspace, ConsolidationResult]:
    """Consolidate through the audited run and write the results into the open book.

    ``only`` names the tables to write (default: every table and the named
    cells, with a backup of the saved file first, as «Tổng hợp» always did).
    Everything is planned before the first cell is written; an error (the
    lock held by another run, unsaved setup changes, a table that does not
    fit) leaves the book as it was, and the audit store has the run as failed
    once it had started. Returns the open book's workspace and the run.
    """
    ws = excel_book.workspace_from_book(book)
    status = StatusBar(book)

    def write(saved: Workspace, consolidation: Consolidation) -> WriteOutcome:
        excel_book.require_same_setup(ws, saved)
        tables = {t: consolidation.tables[t] for t in only} if only else consolidation.tables
        writes = excel_book.plan_writes(book, ws.plan, tables, None if only else consolidation.cells,
                                        sources=consolidation.tables)
        backup = None if only else backup_saved_book(ws)
        write_into_book(book, writes, status)
        try:
            digest = sha256_of(ws.workbook) if ws.workbook.is_file() else None
        except OSError:  # held without read access: the run still happened
            digest = None
        return WriteOutcome(ws.workbook, digest, OPEN_BOOK_STATUS, backup)

    # guard_open=False: Excel's own lock file is beside the book, which is written while open on purpose.
    result = audited_run(ws.root, write, progress=status.progress("Đang đọc báo cáo"),
                         command=f"excel:{control_id}", guard_open=False)
    return ws, result


def prepare_folders(book: "xw.Book") -> Workspace:
    """The open city workbook's working folder, with its inbox, outbox and output made if missing."""
    ws = excel_book.workspace_from_book(book)
    for folder in (ws.inbox, ws.outbox, ws.output):
        folder.mkdir(parents=True, exist_ok=True)
    return ws


def new_folder(book: "xw.Book") -> Path:
    """Where «Khởi tạo» creates a working folder: the open book's folder when it is saved,
    else ``Documents/XayDungDang<year>``."""
    try:
        return excel_book.book_folder(book)
    except XlplanError:
        from ..io.plans import load_plan

        home = Path.home()
        documents = home / "Documents" if (home / "Documents").is_dir() else home
        return documents / f"XayDungDang{load_plan().year}"


@dataclass(frozen=True)
class MadeForms:
    """What «Tạo biểu mẫu» made: the forms' files, for which year, into which folder."""

    paths: list[Path]
    year: str
    spec: FormSpec
    outbox: Path


def make_registration_forms(book: "xw.Book") -> MadeForms:
    """This year's registration form (F01) for every unit of the open book's registry, into the outbox.

    Refused, before anything is written, when the registry is empty or the Cấu hình sheet's
    year contradicts the plan's (forms of the wrong year would go out to 80 units).
    """
    ws = excel_book.workspace_from_book(book)
    if not len(ws.registry):
        raise XlplanError("Danh mục đơn vị chưa có đơn vị nào: hãy nhập danh sách ở trang Danh mục đơn vị.")
    year = str(ws.plan.year)
    if str(ws.settings.get("cfg_nam") or year) != year:
        raise XlplanError(f"Ô «Năm kế hoạch» ở trang Cấu hình ghi {ws.settings['cfg_nam']} nhưng kế hoạch "
                          f"'{ws.settings.get('cfg_ke_hoach')}' là của năm {year}. Hãy sửa một trong hai ô cho khớp.")
    StatusBar(book).show(f"xlplan: Đang tạo biểu mẫu F01 năm {year}…")
    paths = make_forms(ws.plan, list(ws.registry), "F01", year, ws.outbox)
    return MadeForms(paths, year, form_spec("F01", ws.plan), ws.outbox)


@dataclass(frozen=True)
class InboxCheck:
    """What «Kiểm tra file» found: the files checked, and every finding (files skipped included)."""

    inbox: Path
    files: list[Path]
    findings: list[Finding]


def check_inbox(book: "xw.Book") -> InboxCheck:
    """Check every inbox file (as ``xlplan check`` with the registry) into the Kiểm tra sheet."""
    ws = excel_book.workspace_from_book(book)
    status = StatusBar(book)
    found = discover(ws.inbox)
    report = check_files(found.files, ws.plan, ws.registry, progress=status.progress("Đang kiểm tra"))
    findings = list(found.skipped) + report.findings
    writes = excel_book.plan_writes(book, ws.plan, {"tbl_kiem_tra": excel_book.finding_rows(findings)})
    write_into_book(book, writes, status)
    return InboxCheck(ws.inbox, list(found.files), findings)


def export_pdf(book: "xw.Book", control_id: str) -> tuple[Workspace, ConsolidationResult, Path]:
    """Refresh the report from the inbox into the open book (audited), then print it to PDF.

    Desktop Excel prints the open book's Báo cáo sheet itself; elsewhere the
    report service's LibreOffice printer prints the saved workbook with the
    same results (:func:`xlplan.services.excel_book.print_report_copy`).
    """
    ws, run = consolidate_into_book(book, control_id)
    result = run.consolidation
    target = pdf_path(ws.output, ws.plan.year)
    target.parent.mkdir(parents=True, exist_ok=True)
    StatusBar(book).show("xlplan: Đang xuất PDF…")
    try:
        if is_desktop(book):
            book.sheets[REPORT_SHEET].to_pdf(str(target))
        else:
            excel_book.print_report_copy(ws, result.tables, result.cells, target)
    except XlplanError as exc:  # LibreOffice missing, …: the refreshed book stays, say so
        raise XlplanError(f"Đã cập nhật trang «{REPORT_SHEET}» của sổ đang mở nhưng chưa xuất được PDF. {exc}",
                          exc.findings) from None
    return ws, run, target


def feedback_for_book(book: "xw.Book") -> FeedbackResult:
    """One feedback workbook per unit with errors or warnings (``xlplan feedback`` on the book's folder).

    The feedback service reads the saved workbook's settings and registry
    (it never writes the workbook, so it runs while the book is open).
    """
    excel_book.require_city_book(book)
    root = excel_book.book_folder(book)
    return write_feedback(root, progress=StatusBar(book).progress("Đang đọc báo cáo"))


def udf_names() -> list[str]:
    """The worksheet functions of this xlplan (the core's catalogue), once their face is found installed.

    The about box says whether the cell functions are installed and which ones.
    The names are the contract in :mod:`xlplan.core.udf_catalogue`; the face
    :mod:`xlplan.udfs` is *located* with :func:`importlib.util.find_spec`
    (which runs none of its code: a service never imports a face). Whether it
    imports cleanly is what Excel shows in the cells.
    """
    spec = importlib.util.find_spec(UDF_MODULE)
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        raise XlplanError(f"Không tìm thấy mô-đun {UDF_MODULE} trong bản xlplan đã cài.")
    return [entry.name for entry in UDF_CATALOGUE]


def installation_checks(book: "xw.Book") -> list[tuple[str, Callable[[], str]]]:
    """(label, check) pairs for «Giới thiệu»: a check returns what it found or raises why not."""
    def plan() -> str:
        from ..io.plans import load_plan
        return load_plan().title

    def registry() -> str:
        from ..io.registry import load_registry
        return f"{len(load_registry())} đơn vị"

    def reader() -> str:
        import python_calamine  # noqa: F401  # the fast reader of unit files
        return "có"

    def functions() -> str:
        names = udf_names()
        return f"{len(names)} hàm: " + ", ".join(names)

    def com_server() -> str:
        # ``import xlwings`` succeeds without pywin32; Excel's functions need all of this.
        import importlib

        for name in ("xlwings._xlwindows", "pythoncom", "win32com.client"):
            try:
                importlib.import_module(name)
            except Exception as exc:
                raise RuntimeError(f"không nạp được {name} ({type(exc).__name__}: {exc}); các hàm XLP_ "
                                   "không chạy được: chạy xlplan addin status để biết cách sửa") from None
        import xlwings

        if getattr(xlwings.serve, "__module__", "") != "xlwings.com_server":
            raise RuntimeError("xlwings.serve không phải máy chủ COM của xlwings: chạy xlplan addin status")
        return "có (pywin32, xlwings.serve)"

    def libreoffice() -> str:
        from ..io.libreoffice import find_soffice
        found = find_soffice()
        return found or "không có (không bắt buộc: Excel tự xuất PDF)"

    def workbook() -> str:
        if not excel_book.is_city_book(book):
            return f"'{book.name}' không phải sổ tổng hợp (bấm «{LABELS['xlp_khoi_tao']}» để tạo)"
        return f"sổ tổng hợp, thư mục làm việc {excel_book.book_folder(book)}"

    return [("Kế hoạch có sẵn", plan), ("Danh mục đơn vị mẫu", registry), ("Bộ đọc tệp (python-calamine)", reader),
            ("Hàm trong ô (xlplan.udfs)", functions), ("Máy chủ hàm của Excel (pywin32)", com_server),
            ("LibreOffice", libreoffice), ("Sổ đang mở", workbook)]
