"""``xlplan feedback DIR``: tell every unit what to fix, in its own workbook.

After a consolidation the Kiểm tra sheet lists every finding; the Board then
has to tell each unit. This job does it: for every file used in the
consolidation that has errors or warnings, a copy of that very file with the
offending cells coloured and commented, behind a short letter sheet; and for
every unit with something to do, one numbered letter (công văn) listing all of
it, every form and period, also printed to PDF through LibreOffice. Everything
goes to the outbox, ``GuiDonVi/PhanHoi/``: the letter ``<code>_phanhoi.xlsx``
(and ``.pdf``) with its attachments ``<code>_<form>_<period>_phanhoi.xlsx``.

Each letter is registered (:mod:`xlplan.io.letter_register`, in the audit
store's file): number, unit, day, and each point. The next consolidation marks
the points fixed or still open (:mod:`xlplan.services.letters`), and the next
letter to the unit opens with what became of them; a point raised again says so.
Letters run on from the highest number registered (``first_number`` to start
elsewhere); a letter to the same unit on the same day keeps its number.

Rules, as the Board applies them:

* Only errors and warnings are sent; notes (Ghi chú) are for the Board.
* A finding goes to the unit of the file it is in (the unit the consolidation
  identified), else to the registry unit it names; a finding that names no
  registry unit has no one to go to and is counted as not sent.
* Findings on a file that a newer submission of the same unit, form and
  period replaced are not sent: the unit already sent the newer one.
* The job computes the findings afresh from the inbox (it does not write the
  city workbook, so it also runs while the workbook is open in Excel); with
  the same inbox they are the findings of the last consolidation's Kiểm tra.
* Inbox files are only read; feedback files of an earlier run that this run
  did not rewrite are moved to the backups, so the outbox holds this round only.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from ..core.findings import Finding, Report, Severity
from ..core.forms import form_spec
from ..core.letters import LetterRecord, Point, follow_up_text, point_of, repeated
from ..core.plan import Plan
from ..core.registry import Registry, Unit
from ..core.rollup import Consolidation
from ..core.tracking import Resolution, SubmissionKey, file_name, period_text
from ..io.feedback_writer import (FeedbackCopyError, Letter, letter_rows, place_text, write_highlighted_copy,
                                  write_letter)
from ..io.form_writer import own_formulas
from ..io.letter_register import LetterRegister
from ..io.workbook_files import machine_fault
from ..io.libreoffice import LibreOfficeError, LibreOfficeMissing, convert_many
from .consolidate import compute
from .letters import judge, unit_points
from .workspace import Workspace, backup_file, open_workspace

Progress = Callable[[int, int], None]

FEEDBACK_FOLDER = "PhanHoi"
SUFFIX = "_phanhoi.xlsx"
RESEND_DAYS = 7  # (custom) default time a unit gets to resend; the CLI's --deadline overrides it
SENT = (Severity.ERROR, Severity.WARNING)

# The catalogue's fixes of these codes speak to the Board ("remind the unit…"); a unit reads these instead.
# The messages stay the catalogue's, so comments name the same findings as the Kiểm tra sheet.
UNIT_FIXES = {
    "missing-submission": "Gửi biểu {form} kỳ {period} (tệp Excel theo biểu mẫu đã được gửi) về Ban Tổ chức.",
    "late-submission": "Lưu ý gửi báo cáo đúng hạn ở các kỳ sau.",
    "duplicate-submission": "Tệp gửi sau cùng ({chosen}) đã được dùng; nếu chưa đúng, gửi lại một tệp duy nhất.",
    "unit-name-mismatch": "Kiểm tra đơn vị đã dùng đúng biểu mẫu của mình; nếu tên trong danh mục chưa đúng, "
                          "báo lại Ban Tổ chức.",
    "unit-kind-mismatch": "Kiểm tra đơn vị đã dùng đúng biểu mẫu của mình; nếu loại hình trong danh mục chưa "
                          "đúng, báo lại Ban Tổ chức.",
}


@dataclass
class Batch:
    """The findings that go to one unit in one feedback file."""

    unit: Unit
    key: SubmissionKey | None  # the (unit, form, period) of the file copied; None for a letter alone
    source: str | None  # that file, relative to the inbox
    findings: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The feedback file's name: ``<code>_<form>_<period>_phanhoi.xlsx`` or ``<code>_phanhoi.xlsx``."""
        if self.key is None:
            return f"{self.unit.code}{SUFFIX}"
        return f"{self.unit.code}_{self.key[1]}_{self.key[2]}{SUFFIX}"


@dataclass(frozen=True)
class FeedbackFile:
    """One feedback workbook written to the outbox."""

    path: Path
    unit: str
    source: str | None  # the inbox file it copies (relative to the inbox); None for a letter alone
    findings: int
    errors: int
    copied: bool  # a highlighted copy of the unit's file (else a letter alone)
    highlighted: int  # cells coloured and commented in the copy
    note: str | None = None  # why a file that should have been copied got a letter alone


@dataclass(frozen=True)
class UnitLetter:
    """One unit's numbered letter of this round."""

    unit: str
    number: int
    number_text: str  # "Số 12-CV/BTCTU"
    path: Path  # the letter workbook
    pdf: Path | None  # its PDF (None when LibreOffice could not print it)
    points: int
    follow_up: str | None = None  # what became of the unit's previous letter, as the letter says it


@dataclass
class FeedbackResult:
    """What ``xlplan feedback`` wrote, and what it did not send."""

    folder: Path
    files: list[FeedbackFile]
    not_sent: list[Finding]  # errors/warnings with no registry unit, or on a replaced file
    moved: list[Path]  # feedback files of an earlier run, moved to the backups
    deadline: dt.date
    sent: Report = field(default_factory=Report)  # the findings sent to units, which decide the exit code
    letters: list[UnitLetter] = field(default_factory=list)  # one numbered letter per unit
    pdf_note: str | None = None  # why the letters were not printed to PDF, if they were not

    @property
    def units(self) -> int:
        return len({f.unit for f in self.files})

    @property
    def findings(self) -> int:
        return sum(f.findings for f in self.files)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def exit_code(self) -> int:
        """1 when some unit has errors to fix, else 0: the findings sent decide, as everywhere
        (:attr:`xlplan.core.findings.Report.exit_code`), so no command words the rule twice."""
        return self.sent.exit_code


def group_findings(findings: Sequence[Finding], registry: Registry, resolution: Resolution | None
                   ) -> tuple[list[Batch], list[Finding]]:
    """Split errors and warnings into per-unit batches (see the module rules); also return those not sent.

    ``resolution`` is the consolidation's :class:`xlplan.core.tracking.Resolution`
    (which file was used for which unit, form and period), or None.
    """
    used: dict[str, SubmissionKey] = {}
    replaced: set[str] = set()
    if resolution is not None:
        used = {sub.file: key for key, sub in resolution.latest.items()}
        replaced = {s.file for subs in resolution.copies.values() for s in subs} - set(used)
    batches: dict[tuple[str, SubmissionKey | None], Batch] = {}
    not_sent: list[Finding] = []
    for finding in findings:
        if finding.severity not in SENT or finding.superseded:  # a replaced file's findings stay with the Board
            continue
        key = used.get(finding.file) if finding.file else None
        if key is not None:
            unit = registry.get(key[0])
        elif finding.file in replaced:
            not_sent.append(finding)
            continue
        else:
            unit = registry.get(finding.unit) if finding.unit else None
        if unit is None:
            not_sent.append(finding)
            continue
        source = finding.file if key is not None else None
        batch = batches.setdefault((unit.code, key), Batch(unit, key, source))
        batch.findings.append(for_unit(finding))
    order = {u.code: i for i, u in enumerate(registry)}
    ordered = sorted(batches.values(), key=lambda b: (order.get(b.unit.code, len(order)), b.name))
    return ordered, not_sent


def for_unit(finding: Finding) -> Finding:
    """The finding with a fix worded for the unit (see :data:`UNIT_FIXES`); message and place unchanged."""
    template = UNIT_FIXES.get(finding.code)
    if template is None:
        return finding
    return replace(finding, fix=template.format_map(_Keep(finding.params)))


class _Keep(dict):
    """Format values that leave a missing placeholder visible rather than fail."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def write_feedback(root: Path, deadline: dt.date | None = None, today: dt.date | None = None,
                   engine: str | None = None, progress: Progress | None = None,
                   as_of: dt.date | None = None, pdf: bool = True,
                   first_number: int | None = None) -> FeedbackResult:
    """``xlplan feedback DIR``: compute the findings; per unit one numbered letter and the highlighted copies.

    ``deadline`` is the date units must resend by (default: ``today`` + :data:`RESEND_DAYS`);
    ``today`` dates the letters (default: the current date); ``as_of`` overrides the
    folder's as-of date (a report not yet due is not asked for); ``pdf`` prints the
    letters through LibreOffice; ``first_number`` is where the letters' numbers start
    when the register has none as high.
    """
    ws = open_workspace(Path(root), as_of=as_of)
    consolidation, _ = compute(ws, engine, progress)
    try:
        return _write_feedback(ws, consolidation, deadline, today, pdf, first_number)
    except OSError as exc:  # the outbox, the backups: the Board's disk (full, read-only), never a unit's file
        folder = Path(exc.filename).parent if getattr(exc, "filename", None) else ws.outbox
        raise machine_fault(exc, folder, "thư và bản phản hồi") from exc
    except sqlite3.Error as exc:  # the letter register, in the audit store's file
        raise machine_fault(exc, ws.audit.parent, "sổ công văn (audit.sqlite)") from exc


def _write_feedback(ws: Workspace, consolidation: Consolidation, deadline: dt.date | None, today: dt.date | None,
                    pdf: bool, first_number: int | None) -> FeedbackResult:
    """:func:`write_feedback` once the findings are computed: the letters, copies and register."""
    today = today or dt.date.today()
    deadline = deadline or today + dt.timedelta(days=RESEND_DAYS)
    batches, not_sent = group_findings(consolidation.findings, ws.registry, consolidation.resolution)
    folder = ws.outbox / FEEDBACK_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    # the file on disk behind each shown name (a name that is not UTF-8 is shown with escapes)
    sources = {sub.file: Path(sub.source) for sub in consolidation.resolution.latest.values()} \
        if consolidation.resolution is not None else {}
    by_unit: dict[str, list[Batch]] = {}
    for batch in batches:
        by_unit.setdefault(batch.unit.code, []).append(batch)
    written: list[FeedbackFile] = []
    letters: list[UnitLetter] = []
    with LetterRegister(ws.audit) as register:
        earlier = judge(register, unit_points(consolidation.findings, consolidation.resolution), before=today)
        for code, unit_batches in by_unit.items():
            number = register.number_for(code, today, first_number)
            number_text = _number(ws.plan, number)
            previous = earlier.get(code)
            attachments = [_write(ws, b, folder, today, deadline, sources, number_text) for b in unit_batches
                           if b.source is not None]
            letter, points, said = _unit_letter(ws.plan, unit_batches, today, deadline, number_text, previous,
                                                [f.path.name for f in attachments if f.copied])
            target = folder / f"{code}{SUFFIX}"
            write_letter(target, letter)
            only_here = [f for b in unit_batches if b.source is None for f in b.findings]  # not in a copy
            errors = sum(1 for f in only_here if f.severity is Severity.ERROR)
            written += attachments + [FeedbackFile(target, code, None, len(only_here), errors, False, 0)]
            register.record(LetterRecord(number, code, today, target.name, points))
            letters.append(UnitLetter(code, number, number_text, target, None, len(points), said))
    letters, pdf_note = _print_letters(letters, folder) if pdf else (letters, None)
    keep = {f.path.name for f in written} | {letter.pdf.name for letter in letters if letter.pdf}
    moved = _retire_stale(ws, folder, keep)
    sent = Report([finding for batch in batches for finding in batch.findings])
    return FeedbackResult(folder, written, not_sent, moved, deadline, sent, letters, pdf_note)


def _print_letters(letters: list[UnitLetter], folder: Path) -> tuple[list[UnitLetter], str | None]:
    """Each letter also as PDF beside it (one LibreOffice run for all); a note instead when it cannot be done."""
    if not letters:
        return letters, None
    try:
        pdfs = convert_many([letter.path for letter in letters], "pdf", folder)
    except LibreOfficeMissing as exc:
        return letters, str(exc)
    except LibreOfficeError as exc:
        return letters, f"Không in được công văn ra PDF: {exc}"
    return [replace(letter, pdf=pdf) for letter, pdf in zip(letters, pdfs)], None


def _write(ws: Workspace, batch: Batch, folder: Path, today: dt.date, deadline: dt.date,
           sources: dict[str, Path] | None = None, number_text: str | None = None) -> FeedbackFile:
    target = folder / batch.name
    errors = sum(1 for f in batch.findings if f.severity is Severity.ERROR)
    if batch.source is not None:
        letter = _letter(ws.plan, batch, today, deadline, copy=True, number_text=number_text)
        try:
            source = (sources or {}).get(batch.source) or ws.inbox / batch.source
            outcome = write_highlighted_copy(source, target, letter, batch.findings,
                                             author=ws.plan.board, own_formulas=own_formulas(ws.plan))
            return FeedbackFile(target, batch.unit.code, batch.source, len(batch.findings), errors, True,
                                len(outcome.cells))
        except FeedbackCopyError as exc:
            note = str(exc)
        except FileNotFoundError:  # the file left the inbox after it was read
            note = f"Không còn tệp '{batch.source}' trong thư mục nhận báo cáo."
        write_letter(target, _letter(ws.plan, batch, today, deadline, copy=False, number_text=number_text))
        return FeedbackFile(target, batch.unit.code, batch.source, len(batch.findings), errors, False, 0, note)
    write_letter(target, _letter(ws.plan, batch, today, deadline, copy=False, number_text=number_text))
    return FeedbackFile(target, batch.unit.code, None, len(batch.findings), errors, False, 0)


def _retire_stale(ws: Workspace, folder: Path, keep: set[str]) -> list[Path]:
    """Move feedback files this run did not rewrite to the backups (a unit fixed since, or left the registry)."""
    moved = []
    for path in sorted([*folder.glob(f"*{SUFFIX}"), *folder.glob(f"*{Path(SUFFIX).stem}.pdf")]):
        if path.name in keep or not path.is_file():
            continue
        moved.append(backup_file(path, ws.backups / FEEDBACK_FOLDER))
        path.unlink()
    return moved


# -- the letter's texts ------------------------------------------------------------------

def _date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _unit_letter(plan: Plan, batches: Sequence[Batch], today: dt.date, deadline: dt.date, number_text: str,
                 previous: LetterRecord | None, attachments: Sequence[str]
                 ) -> tuple[Letter, tuple[Point, ...], str | None]:
    """The unit's one letter of the round: every batch's findings, what became of the last letter.

    Returns the letter, its points (for the register) and the follow-up paragraph, if any.
    """
    unit = batches[0].unit
    resend = f"trước ngày {_date(deadline)}"
    findings: list[Finding] = []
    where: dict[Finding, str] = {}
    points: list[Point] = []
    for batch in batches:
        for finding in batch.findings:
            findings.append(finding)
            if batch.key is not None:
                form, period = batch.key[1], batch.key[2]
                place = place_text(finding)
                where[finding] = f"Biểu {form} {period_text(period)}" + (f": {place}" if place else "")
                points.append(point_of(finding, form, str(period)))
            else:
                where[finding] = _where(finding)
                points.append(point_of(finding))
    again = repeated(points, previous)
    shown = [replace(f, message="(Đã nêu tại công văn trước) " + f.message) if p.key in again else f
             for f, p in zip(findings, points)]
    rows = letter_rows(shown, {s: where[f] for s, f in zip(shown, findings)})
    said = follow_up_text(previous, _number(plan, previous.number)) if previous is not None else None
    intro = (f"Qua theo dõi, kiểm tra các báo cáo thực hiện Kế hoạch {plan.title} đơn vị gửi về, đề nghị "
             f"đơn vị rà soát, thực hiện các nội dung dưới đây và gửi lại {resend}.")
    if said:
        intro = said + " " + intro
    closing = " ".join(
        ([f"Sau khi sửa, đơn vị lưu tệp dạng Excel (.xlsx) và gửi lại Ban Tổ chức {resend}."]
         if any(b.key is not None for b in batches) else [])
        + ([f"Đề nghị đơn vị gửi báo cáo còn thiếu (tệp Excel .xlsx theo biểu mẫu đã được gửi) {resend}."]
           if any(b.key is None for b in batches) else []))
    if attachments:
        closing += (" Kèm theo công văn này: " + ", ".join(attachments)
                    + " (các ô cần sửa được tô màu và có ghi chú; có thể sửa ngay trên các tệp này).")
    letter = Letter(
        superior=plan.issuer, issuer=plan.board, number=number_text,
        subject="V/v thực hiện báo cáo kế hoạch xây dựng tổ chức Đảng và phát triển đảng viên",
        place_date=f"{plan.place}, ngày {today:%d} tháng {today:%m} năm {today.year}",
        recipient=f"Kính gửi: {unit.name}", intro=intro, rows=rows, closing=closing,
        signer=("TRƯỞNG BAN",), copies="Nơi nhận:\n- Như trên;\n- Lưu.")
    return letter, tuple(points), said


def _letter(plan: Plan, batch: Batch, today: dt.date, deadline: dt.date, copy: bool,
            number_text: str | None = None) -> Letter:
    """The letter sheet from the Organization Board to one unit about one file, in Vietnamese."""
    resend = f"trước ngày {_date(deadline)}"
    if batch.key is not None:
        form, period = batch.key[1], batch.key[2]
        what = f"biểu {form} ({form_spec(form, plan).short}) kỳ {period_text(period)}"
        subject = f"V/v sửa số liệu {what}"
        intro = (f"Qua kiểm tra {what} đơn vị gửi về (tệp {file_name(batch.source)}), đề nghị đơn vị rà soát, "
                 f"sửa các nội dung dưới đây và gửi lại {resend}.")
        if copy:
            sheets = sorted({f.sheet for f in batch.findings if f.sheet and f.cell})
            where = ", ".join(f"«{s}»" for s in sheets)
            intro += (" Các ô cần sửa được tô màu (đỏ: lỗi, phải sửa; cam: cảnh báo, cần xem lại) và có ghi chú "
                      f"(đưa chuột vào ô để xem) ở trang {where} của tệp này." if sheets else "")
        closing = (f"Sau khi sửa, đơn vị lưu tệp dạng Excel (.xlsx) và gửi lại Ban Tổ chức {resend}"
                   + (" (có thể sửa ngay trên tệp này)." if copy else "."))
        rows = letter_rows(batch.findings)
    else:
        subject = "V/v báo cáo thực hiện kế hoạch xây dựng tổ chức Đảng và phát triển đảng viên"
        intro = (f"Qua theo dõi, kiểm tra các báo cáo thực hiện Kế hoạch {plan.title} đơn vị gửi về, đề nghị "
                 f"đơn vị thực hiện các nội dung dưới đây {resend}.")
        closing = f"Đề nghị đơn vị gửi báo cáo (tệp Excel .xlsx theo biểu mẫu đã được gửi) {resend}."
        rows = letter_rows(batch.findings, {f: _where(f) for f in batch.findings})
    return Letter(
        superior=plan.issuer, issuer=plan.board, number=number_text or _number(plan), subject=subject,
        place_date=f"{plan.place}, ngày {today:%d} tháng {today:%m} năm {today.year}",
        recipient=f"Kính gửi: {batch.unit.name}", intro=intro, rows=rows, closing=closing,
        signer=("TRƯỞNG BAN",), copies="Nơi nhận:\n- Như trên;\n- Lưu.")


def _where(finding: Finding) -> str:
    """A finding's place in a letter without a copy: the file and cell, whatever is known."""
    parts = [p for p in (file_name(finding.file), place_text(finding)) if p]
    return ": ".join(parts) if parts else "—"


def _number(plan: Plan, number: int | None = None) -> str:
    """The letter's number: the plan's number made a Board letter (``Số …-KH/TU`` → ``Số 12-CV/BTCTU``)."""
    template = plan.document_number or "Số        -CV"
    template = template.replace("-KH/", "-CV/BTC") if "-KH/" in template else template
    if number is None or "-" not in template:
        return template if number is None else f"Số {number}-CV"
    return f"Số {number}-" + template.split("-", 1)[1]

