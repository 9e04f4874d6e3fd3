"""The ribbon's buttons (the «Xây dựng Đảng» tab): one plain function per button id.

Every button of ``addin/customUI14.xml`` calls the add-in's one VBA callback,
which runs ``RunPython "import xlplan.macros; xlplan.macros.dispatch('<id>')"``.
:func:`dispatch` finds the workbook, runs the button's function from
:data:`BUTTONS` and turns any exception into a Vietnamese message box: staff
never see a traceback; the details go to ``xlplan.log`` in the working folder
(else the temp folder) for whoever supports them. Vietnamese is shown only in a
message box (the workbook's, else Windows's ``MessageBoxW``), never on stderr:
RunPython shows stderr from a temp file VBA reads in the ANSI code page, where
Vietnamese becomes ``\\uXXXX``. What goes to stderr (only when no box can be
shown) is ASCII and names the log (:func:`to_stderr`).

Each function takes the ``xlwings.Book`` it works on, so the tests drive it
without Excel, on xlwings's remote engine, and stays small: it calls one job of
:mod:`xlplan.services.ribbon` and words the closing message. The job reads the
settings from the book's Cấu hình sheet (the named ``cfg_*`` cells), takes the
book's own folder as the working folder, does the job with the same services as the CLI, writes
the results into the *open* book by its named anchors
(:mod:`xlplan.services.excel_book`: everything is computed and checked before
the first cell is written), shows progress in the status bar where the engine
has one, and ends with a message box saying what was done and where to look.
Unit files are read from disk by the Python readers, never opened in Excel.
The user saves the workbook, as after any other edit.

The buttons that consolidate («Tổng hợp», «Theo dõi nộp báo cáo», «Xuất báo
cáo PDF») run as ``xlplan consolidate`` does, through
:func:`xlplan.services.consolidate.audited_run` (:func:`xlplan.services.ribbon.consolidate_into_book`): the folder lock
``.xlplan.lock`` (a second consolidation while one runs gets a message box and
writes nothing), every input archived by hash under ``archive/sha256``, and
the run in the audit store ``KetQua/audit.sqlite`` with every input's final
state and the findings. The run's command is ``excel:<button id>``. Its
output row names the open workbook's file and, because the macro writes into
the open book and does not save it, has the status :data:`OPEN_BOOK_STATUS`
(``written-open-book``) and the SHA-256 of the file as it was on disk at that
moment (none when there is no file), with the backup made of it. The audited
run reads the plan, registry and folders from the *saved* workbook (what the
audit records); when the open book has unsaved changes to them, nothing is
written and the user is asked to save first
(:func:`xlplan.services.excel_book.require_same_setup`).
«Kiểm tra file» only checks files: it takes no lock and is not audited.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import tempfile
import traceback
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Callable

import xlwings as xw

from . import __version__
from .core.errors import XlplanError
from .core.findings import Finding, Report, Severity
from .core.indicators import format_percent
from .core.tracking import LATE, NOT_DUE, NOT_SUBMITTED, UNREADABLE
from .services import excel_book
from .services.consolidate import ConsolidationResult
from .services.report import REPORT_SHEET
from .services.ribbon import (LABELS, OPEN_BOOK_STATUS, StatusBar, check_inbox, consolidate_into_book, export_pdf,
                              feedback_for_book, installation_checks, is_desktop, make_registration_forms,
                              new_folder, prepare_folders)
from .services.workspace import INBOX, OUTBOX, OUTPUT, WORKBOOK_NAME, Workspace, init_workspace

TITLE = "Xây dựng Đảng – xlplan"
LOG_NAME = "xlplan.log"
LOG_LIMIT = 1_000_000  # bytes; a longer log starts afresh
SHOWN_FINDINGS = 10  # findings listed under an error message; the rest are counted

Button = Callable[["xw.Book"], str]


# -- talking to the user -----------------------------------------------------------------

def say(book: "xw.Book", text: str, critical: bool = False) -> str:
    """A message box (OK); returns the text, which is what the tests read."""
    book.app.alert(text, title=TITLE, buttons="ok", mode="critical" if critical else "info")
    return text


def confirm(book: "xw.Book", prompt: str) -> bool | None:
    """Ask yes/no. None when the engine answers later rather than now (xlwings's remote engine
    sends the answer to a client-side callback), which counts as not confirmed."""
    answer = book.app.alert(prompt, title=TITLE, buttons="yes_no", mode="info")
    return None if answer is None else answer == "yes"


def _counts(findings: list[Finding]) -> str:
    report = Report(list(findings))
    return (f"{report.count(Severity.ERROR)} lỗi, {report.count(Severity.WARNING)} cảnh báo, "
            f"{report.count(Severity.INFO)} ghi chú")


def _audit_line(ws: Workspace, result: ConsolidationResult) -> str:
    return (f"Lần tổng hợp số {result.run_id} đã được ghi vào nhật ký kiểm tra "
            f"{ws.audit} (các tệp đã dùng được lưu bản sao trong thư mục {ws.archive}).")


# -- the buttons -------------------------------------------------------------------------

def khoi_tao(book: "xw.Book") -> str:
    """«Khởi tạo thư mục làm việc»: check the open city workbook's folders, or offer to create one.

    Pressed with no workbook open, the ribbon's callback has added a blank book
    first (RunPython needs an active workbook); that book has nothing to keep,
    so once the city workbook is open in its place it is closed again.
    """
    if excel_book.is_city_book(book):
        ws = prepare_folders(book)
        return say(book, f"Thư mục làm việc đã sẵn sàng: {ws.root}\n\n"
                         f"- Nhận báo cáo: {ws.inbox}\n- Biểu mẫu gửi đơn vị: {ws.outbox}\n"
                         f"- Kết quả, sao lưu: {ws.output}\n\nKế hoạch: {ws.plan.title}; "
                         f"{len(ws.registry)} đơn vị trong danh mục.")
    blank = excel_book.is_blank_new_book(book)
    folder = new_folder(book)
    workbook = folder / WORKBOOK_NAME
    if workbook.exists():
        book = _open(book, workbook, close_blank=blank)
        return say(book, f"Thư mục '{folder}' đã có sổ tổng hợp {WORKBOOK_NAME}: hãy mở sổ đó "
                         "và làm việc trên sổ đó (không tạo sổ mới đè lên).")
    prompt = (f"Chưa mở sổ tổng hợp nào. Tạo thư mục làm việc mới tại:\n{folder}\n\n"
              f"(sổ tổng hợp {WORKBOOK_NAME}; thư mục {INBOX} nhận báo cáo, {OUTBOX} biểu mẫu gửi đơn vị, "
              f"{OUTPUT} kết quả)\n\nChọn Yes (Có) để tạo. Muốn tạo ở nơi khác: lưu một sổ Excel trống vào "
              "thư mục muốn dùng, để sổ đó đang mở rồi bấm lại nút này.")
    if blank:
        prompt += f"\n\n(Sổ trống «{book.name}» sẽ được đóng sau khi mở sổ tổng hợp.)"
    if not confirm(book, prompt):
        return prompt
    created = init_workspace(folder)
    book = _open(book, created, close_blank=blank)
    return say(book, f"Đã tạo sổ tổng hợp: {created}\n\nCác bước tiếp theo: bấm «{LABELS['xlp_tao_bieu_mau']}» "
                     f"để tạo biểu mẫu gửi đơn vị; chép các tệp đơn vị gửi về vào thư mục {folder / INBOX}; "
                     f"bấm «{LABELS['xlp_tong_hop']}».")


def _open(book: "xw.Book", path: Path, close_blank: bool = False) -> "xw.Book":
    """Open a workbook in Excel and return it (desktop only: the remote engine cannot open files,
    so there the calling book is returned). ``close_blank`` closes the calling book afterwards:
    the blank "Book1" the ribbon added when no workbook was open."""
    if not is_desktop(book):
        return book
    opened = book.app.books.open(str(path))
    if close_blank and opened != book:
        try:
            book.close()
        except Exception:  # Excel refused (the user typed into it meanwhile): leaving it open is harmless
            pass
    return opened


def tao_bieu_mau(book: "xw.Book") -> str:
    """«Tạo biểu mẫu cho đơn vị»: this year's registration form (F01) for every unit, into the outbox."""
    made = make_registration_forms(book)
    return say(book, f"Đã tạo {len(made.paths)} biểu mẫu F01 ({made.spec.short}) năm {made.year} trong thư mục:\n"
                     f"{made.outbox}\n\nGửi mỗi đơn vị tệp mang mã của đơn vị đó (<mã>_F01_{made.year}.xlsx); "
                     "đơn vị điền, lưu và gửi lại tệp Excel.")


def tong_hop(book: "xw.Book") -> str:
    """«Tổng hợp»: consolidate the inbox into the open workbook, as ``xlplan consolidate`` does to the file."""
    ws, run = consolidate_into_book(book, "xlp_tong_hop")
    result = run.consolidation
    summary = result.summary
    lines = [f"Đã tổng hợp {run.files} tệp báo cáo trong thư mục {ws.inbox} "
             f"(bỏ qua {run.skipped} tệp không phải báo cáo).",
             f"Phát hiện: {_counts(run.findings)} — xem trang «Kiểm tra».",
             f"Đơn vị đã đăng ký: {summary.get('da_dang_ky', 0)}/{len(ws.registry)}."]
    if summary.get("ket_nap") is not None:
        lines.append(f"Kết nạp lũy kế đến kỳ {summary.get('ky_moi_nhat')}: {summary['ket_nap']}"
                     f"/{summary.get('chi_tieu_ket_nap')} đảng viên ({summary.get('ty_le_ket_nap')}).")
    lines.append("Các trang Đăng ký, Tiến độ, Đánh giá, Tổng hợp, Theo dõi nộp, Kiểm tra, Biểu đồ, Báo cáo đã "
                 "được cập nhật. Hãy lưu sổ (Ctrl+S).")
    lines.append(_audit_line(ws, run))
    return say(book, "\n".join(lines))


def kiem_tra(book: "xw.Book") -> str:
    """«Kiểm tra file»: check every inbox file (as ``xlplan check`` with the registry) into the Kiểm tra sheet.

    A check, not a consolidation: no lock, no archive, no audit run (as ``xlplan check``).
    """
    checked = check_inbox(book)
    findings = checked.findings
    verdict = ("Không phát hiện vấn đề nào." if not findings else
               f"Phát hiện: {_counts(findings)}. Danh sách (đơn vị, tệp, ô, cách khắc phục) ở trang «Kiểm tra».")
    if not checked.files:
        verdict += " Thư mục chưa có tệp báo cáo nào: hãy chép các tệp đơn vị gửi về vào đó."
    return say(book, f"Đã kiểm tra {len(checked.files)} tệp trong thư mục {checked.inbox}.\n{verdict}")


def theo_doi(book: "xw.Book") -> str:
    """«Theo dõi nộp báo cáo»: who sent what, late or missing, into the Theo dõi nộp sheet."""
    ws, run = consolidate_into_book(book, "xlp_theo_doi", only=("tbl_theo_doi", "tbl_ty_le_nop"))
    tables = run.consolidation.tables
    lines = [f"{r['bieu']} kỳ {r['ky']}: đã nộp {r['da_nop']}/{r['du_kien']} "
             f"({format_percent(_share(r['ty_le_day_du']), ws.plan.share_digits)}), đúng hạn {r['dung_han']} "
             f"({format_percent(_share(r['ty_le_dung_han']), ws.plan.share_digits)})"
             for r in tables["tbl_ty_le_nop"]]
    if len(lines) > 15:
        lines = lines[:15] + [f"… và {len(lines) - 15} kỳ khác."]
    states = Counter(r["dung_han"] for r in tables["tbl_theo_doi"])
    received = Counter(r["trang_thai"] for r in tables["tbl_theo_doi"])
    lines.append(f"\n{states[LATE]} lượt nộp muộn, {states[NOT_SUBMITTED]} lượt chưa nộp, "
                 f"{received[UNREADABLE]} lượt đã nhận nhưng không đọc được, {received[NOT_DUE]} lượt chưa đến hạn "
                 "(tô màu ở trang «Theo dõi nộp»).")
    lines.append(_audit_line(ws, run))
    return say(book, "\n".join(lines))


def _share(value: object) -> Fraction | None:
    """A rate of ``tbl_ty_le_nop``: an exact share, or None when there is nothing to count yet."""
    if value is None or isinstance(value, Fraction):
        return value
    raise TypeError(f"tbl_ty_le_nop holds a share as a Fraction or None, not {value!r}")


def xuat_pdf(book: "xw.Book") -> str:
    """«Xuất báo cáo PDF»: refresh the report from the inbox (as ``xlplan report --pdf``) and print it.

    Desktop Excel prints the open book's Báo cáo sheet itself; elsewhere LibreOffice prints the
    saved workbook with the same results (:func:`xlplan.services.ribbon.export_pdf`).
    """
    ws, run, target = export_pdf(book, "xlp_xuat_pdf")
    return say(book, f"Đã cập nhật trang «{REPORT_SHEET}» và xuất báo cáo ra tệp:\n{target}\n\n"
                     f"Phát hiện khi tổng hợp: {_counts(run.findings)} — xem trang «Kiểm tra» trước khi trình ký.\n"
                     + _audit_line(ws, run))


def phan_hoi(book: "xw.Book") -> str:
    """«Gửi phản hồi cho đơn vị»: one feedback workbook per unit with errors or warnings (``xlplan feedback``).

    The feedback service reads the saved workbook's settings and registry
    (it never writes the workbook, so it runs while the book is open).
    """
    done = feedback_for_book(book)
    if not done.files:
        lines = ["Không có lỗi hoặc cảnh báo nào cần gửi cho đơn vị."]
    else:
        numbers = (f" ({done.letters[0].number_text} đến {done.letters[-1].number_text})"
                   if done.letters else "")
        lines = [f"Đã tạo {len(done.letters)} công văn{numbers} và các bản sao tô màu cho {done.units} đơn vị "
                 f"({done.errors} lỗi phải sửa) trong thư mục:\n{done.folder}",
                 f"Hạn đơn vị gửi lại: {done.deadline:%d/%m/%Y}. Gửi mỗi đơn vị các tệp mang mã của đơn vị đó "
                 "(công văn <mã>_phanhoi.pdf và các bản sao kèm theo).",
                 "Công văn đã được ghi vào sổ công văn; lần tổng hợp sau sẽ đánh dấu nội dung đã khắc phục."]
        if done.pdf_note:
            lines.append(f"Công văn chưa in ra PDF ({done.pdf_note}); gửi tệp .xlsx thay thế.")
    if done.not_sent:
        lines.append(f"{len(done.not_sent)} phát hiện không gửi được (không rõ đơn vị, hoặc tệp đã được đơn vị "
                     "nộp lại) — xem trang «Kiểm tra».")
    if done.moved:
        lines.append(f"{len(done.moved)} tệp phản hồi của lần trước đã được chuyển vào thư mục sao lưu.")
    return say(book, "\n".join(lines))


def mo_thu_muc(book: "xw.Book") -> str:
    """«Mở thư mục nộp»: open the inbox in File Explorer (Windows); elsewhere say where it is."""
    excel_book.require_city_book(book)
    inbox = excel_book.book_folders(book).inbox
    inbox.mkdir(parents=True, exist_ok=True)
    if sys.platform.startswith("win"):
        os.startfile(inbox)  # type: ignore[attr-defined]  # Windows only
        return f"Đã mở thư mục {inbox}"
    return say(book, f"Thư mục nhận báo cáo:\n{inbox}\n\nChép các tệp đơn vị gửi về vào thư mục này (không cần mở "
                     f"tệp) rồi bấm «{LABELS['xlp_kiem_tra']}» hoặc «{LABELS['xlp_tong_hop']}».")


def gioi_thieu(book: "xw.Book") -> str:
    """«Giới thiệu & kiểm tra cài đặt»: versions, and whether each part xlplan needs works here."""
    try:
        excel = f"Excel {book.app.version}"
    except Exception:  # the remote engine does not know Excel's version
        excel = f"Excel: không rõ phiên bản (bộ máy xlwings «{book.app.engine.name}»)"
    lines = [f"xlplan {__version__} — biểu mẫu, tổng hợp và chỉ tiêu của Kế hoạch xây dựng tổ chức Đảng TSVM "
             "và phát triển đảng viên.",
             f"xlwings {xw.__version__}; Python {platform.python_version()} ({sys.executable}); {excel}", "",
             "Kiểm tra cài đặt:"]
    for label, check in installation_checks(book):
        try:
            lines.append(f"✓ {label}: {check()}")
        except Exception as exc:  # each check reports its own failure; the others still run
            lines.append(f"✗ {label}: {exc}")
    return say(book, "\n".join(lines))


BUTTONS: dict[str, Button] = {
    "xlp_khoi_tao": khoi_tao,
    "xlp_tao_bieu_mau": tao_bieu_mau,
    "xlp_tong_hop": tong_hop,
    "xlp_kiem_tra": kiem_tra,
    "xlp_theo_doi": theo_doi,
    "xlp_phan_hoi": phan_hoi,
    "xlp_xuat_pdf": xuat_pdf,
    "xlp_mo_thu_muc": mo_thu_muc,
    "xlp_gioi_thieu": gioi_thieu,
}


# -- dispatch ------------------------------------------------------------------------------

def target_book(caller: "xw.Book") -> "xw.Book":
    """The book a button works on: the caller, unless it is not a city workbook and the active one is
    (RunPython from an add-in may name the add-in itself)."""
    if excel_book.is_city_book(caller):
        return caller
    try:
        active = caller.app.books.active
    except Exception:  # no active workbook
        active = None
    return active if active is not None and excel_book.is_city_book(active) else caller


def dispatch(control_id: str, book: "xw.Book | None" = None) -> str | None:
    """Run the button ``control_id`` on ``book`` (default: ``xw.Book.caller()``); never raise into Excel.

    Returns the closing message, or the error message shown instead. With no
    workbook to talk to, the Vietnamese message goes to a Windows message box;
    where there is none, an ASCII message naming the log goes to stderr and the
    process exits with 1, which makes RunPython show it.
    """
    if book is None:
        try:
            book = target_book(xw.Book.caller())
        except Exception as exc:
            log = _log(None, control_id, exc)
            text = (f"Không xác định được sổ Excel đang mở ({type(exc).__name__}). Hãy mở sổ tổng hợp rồi "
                    f"bấm lại nút.\nChi tiết đã ghi vào tệp:\n{log}")
            if message_box(text):
                return text
            to_stderr(f"xlplan: could not find the open Excel workbook ({type(exc).__name__}). Open the city "
                      f"workbook (SoTongHop.xlsx) and press the button again. Details: {ascii_path(log)}")
            raise SystemExit(1) from None
    button = BUTTONS.get(control_id)
    if button is None:
        return _tell(book, f"Nút '{control_id}' không có trong xlplan {__version__}. Hãy cập nhật xlplan và phần "
                           "bổ trợ (xlplan addin install).",
                     f"xlplan: the button {control_id} is not in xlplan {__version__}: update xlplan and the add-in "
                     "(xlplan addin install).")
    status = StatusBar(book)
    try:
        return button(book)
    except Exception as exc:
        return _fail(book, control_id, exc)
    finally:
        status.clear()


def _fail(book: "xw.Book", control_id: str, exc: BaseException) -> str:
    log = _log(book, control_id, exc)
    return _tell(book, error_text(exc, LABELS.get(control_id, control_id), log),
                 f"xlplan: the button {control_id} did not complete ({type(exc).__name__}) and Excel could not "
                 f"show the message. Details: {ascii_path(log)}")


def _tell(book: "xw.Book", text: str, ascii_text: str) -> str:
    """A critical message box with ``text``; when Excel cannot show it (closing, busy), Windows's
    box, else ``ascii_text`` on stderr and exit code 1, which RunPython shows."""
    try:
        return say(book, text, critical=True)
    except Exception:
        if message_box(text):
            return text
        to_stderr(ascii_text)
        raise SystemExit(1) from None


def message_box(text: str) -> bool:
    """Show ``text`` in a Windows message box (``MessageBoxW``: Unicode, in front of Excel);
    False where there is none (not Windows, or the call failed)."""
    if not sys.platform.startswith("win"):
        return False
    try:
        import ctypes

        user32 = ctypes.windll.user32  # Windows only (mypy skips this branch off Windows)
        user32.MessageBoxW(None, text, TITLE, 0x10 | 0x10000 | 0x40000)  # MB_ICONERROR|SETFOREGROUND|TOPMOST
        return True
    except Exception:
        return False


def to_stderr(text: str) -> None:
    """The one way this module writes to stderr: ASCII only (RunPython's log is read in the ANSI
    code page, so anything else would show as ``\\uXXXX``)."""
    print(text.encode("ascii", "replace").decode("ascii"), file=sys.stderr)


def ascii_path(path: Path | None) -> str:
    """A path as an ASCII message can name it: ``%TEMP%``/``%LOCALAPPDATA%``/``%USERPROFILE%`` for
    those folders, the Windows short (8.3) name where there is one, ``?`` for any letter left."""
    if path is None:
        return "(no log could be written)"
    text = str(path)
    for variable in ("TEMP", "TMP", "LOCALAPPDATA", "APPDATA", "USERPROFILE"):
        base = os.environ.get(variable, "").rstrip("\\/")
        if base and text[:len(base)].lower() == base.lower() and text[len(base):len(base) + 1] in ("\\", "/"):
            text = f"%{variable}%{text[len(base):]}"
            break
    if not text.isascii() and sys.platform.startswith("win"):
        try:
            import ctypes

            buffer = ctypes.create_unicode_buffer(1024)
            if ctypes.windll.kernel32.GetShortPathNameW(str(path), buffer, 1024):  # type: ignore[attr-defined]
                text = buffer.value if buffer.value.isascii() else text
        except Exception:
            pass
    return text.encode("ascii", "replace").decode("ascii")


def error_text(exc: BaseException, label: str, log: Path | None) -> str:
    """What a user reads when a button fails: a user-safe error as it is, anything else briefly."""
    if isinstance(exc, XlplanError):
        text = f"«{label}» chưa thực hiện được:\n{exc}"
        findings = list(getattr(exc, "findings", []))
        if findings:
            text += "\n" + "\n".join(f"- {f.message}" for f in findings[:SHOWN_FINDINGS])
            if len(findings) > SHOWN_FINDINGS:
                text += f"\n… và {len(findings) - SHOWN_FINDINGS} phát hiện khác."
        return text
    if isinstance(exc, OSError):
        name = exc.filename or ""
        if isinstance(exc, FileNotFoundError):
            reason = f"không tìm thấy '{name}'."
        elif isinstance(exc, PermissionError):
            reason = f"không có quyền ghi hoặc đọc '{name}' (tệp đang mở trong Excel, hoặc thư mục chỉ đọc?)."
        else:
            reason = f"lỗi tệp hoặc thư mục '{name}' ({exc.strerror or exc})."
        return f"«{label}» chưa thực hiện được: {reason} Sổ tổng hợp chưa bị thay đổi."
    where = f"\nChi tiết đã ghi vào tệp:\n{log}" if log else ""
    return (f"«{label}» gặp lỗi không mong đợi ({type(exc).__name__}: {exc}).{where}\n"
            "Hãy gửi thông báo này (và tệp nhật ký) cho bộ phận kỹ thuật.")


def _log(book: "xw.Book | None", control_id: str, exc: BaseException) -> Path | None:
    """Append the error with its traceback to ``xlplan.log`` (working folder, else temp folder)."""
    folders = []
    if book is not None:
        try:
            folders.append(excel_book.book_folder(book))
        except Exception:
            pass
    folders.append(Path(tempfile.gettempdir()))
    entry = (f"\n=== {dt.datetime.now():%Y-%m-%d %H:%M:%S} {control_id} "
             f"({getattr(book, 'name', '?') if book is not None else 'không có sổ'}) ===\n"
             f"xlplan {__version__}, xlwings {xw.__version__}, Python {platform.python_version()}\n"
             + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    for folder in folders:
        path = folder / LOG_NAME
        try:
            mode = "w" if path.is_file() and path.stat().st_size > LOG_LIMIT else "a"
            with path.open(mode, encoding="utf-8") as handle:
                handle.write(entry)
            return path
        except OSError:
            continue
    return None


__all__ = ["BUTTONS", "LABELS", "OPEN_BOOK_STATUS", "confirm", "dispatch", "error_text", "installation_checks", "say", "target_book"]
