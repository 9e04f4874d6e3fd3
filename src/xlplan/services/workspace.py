"""The working folder: the city workbook, the inbox, the outbox and the output folder.

``xlplan init DIR`` makes one; every other command opens one. Settings live in
the city workbook's Cấu hình sheet (named ``cfg_*`` cells), so staff change
them in Excel, and the registry lives in its Danh mục đơn vị sheet.

Beside them the folder holds what makes every run traceable: ``archive/``
(every input's bytes, see :mod:`xlplan.services.archive`), the audit store
``KetQua/audit.sqlite`` and, while a consolidation runs, the lock file
``.xlplan.lock`` (:func:`lock_workspace`: one consolidation at a time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..core.errors import XlplanError
from ..core.findings import Finding
from ..core.plan import Plan, PlanError
from ..core.registry import Registry
from ..io.plans import bundled_plans, checked_plan, load_plan
from ..io.registry import load_registry, read_registry_bytes
from ..io.workbook_files import kill_point, machine_fault, shown_name
from .archive import InputRefused, open_input
from .folder_lock import LOCK_NAME as LOCK_NAME  # the lock lives in folder_lock; these names stay here too
from .folder_lock import lock_workspace as lock_workspace
from .folder_lock import pid_alive as pid_alive
from .folder_lock import read_lock as read_lock
from .settings import SettingProblem, SettingsError, apply_settings

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

WORKBOOK_NAME = "SoTongHop.xlsx"
INBOX, OUTBOX, OUTPUT = "NopBaoCao", "GuiDonVi", "KetQua"
BACKUPS = "SaoLuu"
ARCHIVE = "archive"
AUDIT_NAME = "audit.sqlite"


@dataclass
class Workspace:
    """An opened working folder with its plan and registry, and its city workbook as opened.

    The city workbook is read once per run (:func:`open_workspace`): its bytes
    (``book_bytes``, for the no-change check and the backup) and the workbook
    loaded from them without the tables' rows (``book``, the settings' source
    and what the consolidation writes into).
    """

    root: Path
    workbook: Path
    inbox: Path
    outbox: Path
    output: Path
    plan: Plan
    registry: Registry
    settings: dict[str, Any]
    book: Workbook | None = field(default=None, repr=False)
    book_bytes: bytes = field(default=b"", repr=False)
    as_of: dt.date | None = None  # the as-of date (ngày chốt số liệu); None: the day of the run

    @property
    def backups(self) -> Path:
        return self.output / BACKUPS

    @property
    def archive(self) -> Path:
        return self.root / ARCHIVE

    @property
    def audit(self) -> Path:
        return self.output / AUDIT_NAME


def _settings_defaults(plan: Plan, plan_name: str, as_of: dt.date | None = None,
                       previous: str | None = None) -> dict[str, Any]:
    return {
        "cfg_ngay_chot": as_of,
        "cfg_nam_truoc": previous,
        "cfg_ke_hoach": plan_name,
        "cfg_nam": plan.year,
        "cfg_thu_muc_nop": INBOX,
        "cfg_thu_muc_gui": OUTBOX,
        "cfg_thu_muc_ket_qua": OUTPUT,
        "cfg_han_dang_ky": plan.due_date("F01", str(plan.year)),
        "cfg_lam_tron": plan.rounding_mode,
        "cfg_so_le": plan.share_digits,
    }


def init_workspace(root: Path, plan_name: str | None = None, registry_name: str | Path | None = None,
                   overwrite: bool = False, as_of: dt.date | None = None, previous: str | None = None) -> Path:
    """Create the working folder and its city workbook; return the workbook's path.

    An existing workbook is never replaced unless ``overwrite`` (then it is backed up first).
    ``as_of`` fills the as-of date cell (ngày chốt số liệu); empty means the day of each run.
    ``previous`` fills the previous year's folder cell (relative to ``root`` when it lies beside it).
    """
    from ..io.city_workbook import build_city_template, write_city_data
    from ..io.workbook_files import save_workbook
    from ..core.rollup import registry_table

    plan_ref = str(plan_name) if plan_name else "bac_ninh_2017"
    if plan_name and Path(plan_name).exists():
        plan_ref = str(Path(plan_name).resolve())
    plan = load_plan(plan_ref)
    registry = load_registry(registry_name, plan)
    root = Path(root)
    workbook = root / WORKBOOK_NAME
    if workbook.exists() and not overwrite:
        raise XlplanError(f"Thư mục '{root}' đã có sổ tổng hợp {WORKBOOK_NAME}; không ghi đè. "
                          "Dùng thư mục khác hoặc thêm --overwrite (sổ cũ được sao lưu).")
    wb = build_city_template(plan, _settings_defaults(plan, plan_ref, as_of, previous))
    write_city_data(wb, plan, {"tbl_don_vi": registry_table(registry, plan)}, {})
    try:
        for sub in (INBOX, OUTBOX, OUTPUT):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if workbook.exists():
            backup_file(workbook, root / OUTPUT / BACKUPS)
        save_workbook(wb, workbook)
    except OSError as exc:  # the Board's disk: full, read-only, no permission
        folder = Path(exc.filename).parent if getattr(exc, "filename", None) else root
        raise machine_fault(exc, folder, "thư mục làm việc và sổ tổng hợp") from exc
    return workbook


def open_workspace(root: Path, as_of: dt.date | None = None, allow_outside: bool = False) -> Workspace:
    """Open a working folder made by :func:`init_workspace`, reading its settings and registry.

    The city workbook is opened once: its bytes are read, the workbook is
    loaded from them without the tables' rows (the settings, and what a
    consolidation writes into), and the registry sheet is streamed from the
    same bytes read-only with cached values (a unit count staff computed with a
    formula reads as its number; at 52,000 units a full load of that sheet would
    hold half a million cells only to read their values once).

    The Cấu hình cells are checked and applied (:mod:`xlplan.services.settings`):
    ``ws.plan`` is the plan with this folder's deadline, rounding and decimals,
    ``ws.as_of`` the as-of date (``as_of``, from ``--as-of``, overrides the cell).
    The folders must lie inside ``root`` unless ``allow_outside`` (the Board's
    ``--allow-outside``) accepts an absolute path outside it.
    """
    from ..io.city_workbook import config_cells, load_city_workbook, read_config

    root = Path(root)
    workbook = root / WORKBOOK_NAME
    if not workbook.is_file():
        raise XlplanError(f"Không thấy sổ tổng hợp '{workbook}'. Hãy tạo thư mục làm việc bằng "
                          f"'xlplan init {root}' (hoặc nút \"Khởi tạo thư mục làm việc\").")
    try:
        data = workbook.read_bytes()
    except PermissionError:
        raise XlplanError(f"Không mở được '{workbook}': tệp đang bị khóa (đang mở trong Excel?).") from None
    try:
        wb = load_city_workbook(io.BytesIO(data), keep_tables=())  # settings and names; no table rows
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError) as exc:
        raise _damaged(root, workbook, exc) from None
    settings = read_config(wb)
    cells = config_cells(wb)
    plan = settings_plan(root, settings, cells)
    applied = apply_settings(plan, settings, cells)  # SettingsError names every unusable cell
    if as_of is not None:
        applied = replace(applied, as_of=as_of)
    registry, findings = _read_registry(data, workbook, applied.plan)
    errors = [f for f in findings if f.severity.value == "error"]
    if errors:
        raise XlplanError(f"Danh mục đơn vị trong '{workbook.name}' có {len(errors)} lỗi.", errors)

    inbox, outbox, output = settings_folders(root, settings, cells, allow_outside)
    return Workspace(root, workbook, inbox, outbox, output, applied.plan, registry, settings, wb, data,
                     applied.as_of)


PLAN_BYTES = 1 << 20  # a plan file is a few kilobytes of TOML
OUTSIDE_FLAG = "--allow-outside"


def settings_plan(root: Path, settings: Mapping[str, object], cells: Mapping[str, str]) -> Plan:
    """The plan the «Kế hoạch» cell names (a bundled name, or a .toml path relative to the folder).

    A plan file must be a regular file of at most :data:`PLAN_BYTES` (a device
    would be read until memory runs out, a FIFO would wait forever); a file
    that cannot be parsed (nested or huge values) is refused naming the cell.
    """
    plan_ref = str(settings.get("cfg_ke_hoach") or "bac_ninh_2017")  # as load_plan would read it
    plan_path = Path(plan_ref)
    if not plan_path.is_absolute() and (root / plan_path).exists():
        plan_path = root / plan_path

    def refuse(problem: str) -> SettingsError:
        return SettingsError([SettingProblem(
            "cfg_ke_hoach", cells.get("cfg_ke_hoach", ""), settings.get("cfg_ke_hoach"), problem,
            f"Hãy gõ tên kế hoạch có sẵn ({', '.join(bundled_plans())}) hoặc đường dẫn một tệp .toml.")])

    try:
        if plan_path.suffix.lower() != ".toml" and not os.path.lexists(plan_path):
            return load_plan(plan_ref)  # a bundled plan's name
        stream, _ = open_input(plan_path, PLAN_BYTES)
        with stream:
            data = stream.read(PLAN_BYTES + 1)
        if len(data) > PLAN_BYTES:
            raise InputRefused("file-too-large", "tệp lớn hơn giới hạn")
        return checked_plan(data.decode("utf-8"), source=str(plan_path))
    except InputRefused as exc:
        limit = f" (tối đa {PLAN_BYTES // 1024} KB)" if exc.code == "file-too-large" else ""
        raise refuse(f"tệp kế hoạch '{shown_name(str(plan_path))}' {exc.reason}{limit}") from None
    except FileNotFoundError as exc:
        raise refuse(str(exc) if not exc.filename else f"không thấy tệp '{shown_name(str(plan_path))}'") from None
    except OSError:
        raise refuse(f"không đọc được '{shown_name(str(plan_path))}'") from None
    except UnicodeDecodeError:
        raise refuse(f"tệp kế hoạch '{shown_name(str(plan_path))}' không dùng mã UTF-8") from None
    except (RecursionError, OverflowError, MemoryError) as exc:
        raise refuse(f"tệp kế hoạch '{shown_name(str(plan_path))}' lồng quá sâu hoặc có số quá lớn "
                     f"({type(exc).__name__})") from None
    except PlanError:
        raise  # names each bad key of the plan file
    except XlplanError as exc:  # unreadable as a plan (nested too deep, a number too large …): the cell is named
        raise refuse(str(exc).rstrip(".")) from None
    except ValueError as exc:
        raise refuse(f"tệp kế hoạch '{shown_name(str(plan_path))}' sai cú pháp ({exc})") from None


def settings_folders(root: Path, settings: Mapping[str, object], cells: Mapping[str, str],
                     allow_outside: bool = False) -> tuple[Path, Path, Path]:
    """The inbox, outbox and output folders the Cấu hình cells name; each confined and checked.

    A folder must lie inside the working folder (``..`` cannot leave it); an
    absolute path outside it is used only when the Board confirms it
    (``allow_outside``: the ``--allow-outside`` flag). One that is a file, or
    lies under a file, is refused naming the cell.
    """
    problems = []
    found = []
    real_root = os.path.realpath(root)
    for key, default in (("cfg_thu_muc_nop", INBOX), ("cfg_thu_muc_gui", OUTBOX), ("cfg_thu_muc_ket_qua", OUTPUT)):
        value = settings.get(key)
        text = str(value).strip() if value not in (None, "") else default
        path = Path(text)
        absolute = path.is_absolute()
        path = path if absolute else root / path
        usual = f"Hãy gõ tên một thư mục bên trong thư mục làm việc (hoặc để trống để dùng thư mục mặc định {default})"
        try:
            real = os.path.realpath(path)
            inside = os.path.commonpath([real_root, real]) == real_root
        except (OSError, ValueError):
            real, inside = str(path), False
        if not inside and not (absolute and allow_outside):
            fix = (f"{usual}; nếu chắc chắn muốn dùng thư mục ngoài này, hãy chạy lệnh với {OUTSIDE_FLAG}."
                   if absolute else f"{usual}.")
            problems.append(SettingProblem(key, cells.get(key, ""), value,
                                           f"'{shown_name(real)}' nằm ngoài thư mục làm việc", fix))
        elif (blocker := _not_a_folder(path)) is not None:
            problems.append(SettingProblem(key, cells.get(key, ""), value,
                                           f"'{shown_name(str(blocker))}' là một tệp, không phải thư mục", f"{usual}."))
        found.append(path)
    if problems:
        raise SettingsError(problems)
    return found[0], found[1], found[2]


def _not_a_folder(path: Path) -> Path | None:
    """The path itself or its nearest existing ancestor when that is not a folder (a file, a device); else None."""
    for candidate in (path, *path.parents):
        try:
            if candidate.exists():
                return None if candidate.is_dir() else candidate
        except OSError:
            return candidate
    return None


def _read_registry(data: bytes, workbook: Path, plan: Plan) -> tuple[Registry, list[Finding]]:
    """The Danh mục đơn vị sheet's cached values, read from the workbook's bytes."""
    try:
        return read_registry_bytes(data, plan, source=workbook.name)
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError) as exc:
        raise _damaged(workbook.parent, workbook, exc) from None


def latest_backup(root: Path) -> Path | None:
    """The newest backup of the city workbook (backup names sort by time), if any."""
    folder = Path(root) / OUTPUT / BACKUPS
    found = sorted(folder.glob(f"{Path(WORKBOOK_NAME).stem}.*{Path(WORKBOOK_NAME).suffix}")) if folder.is_dir() else []
    return found[-1] if found else None


def _damaged(root: Path, workbook: Path, exc: Exception) -> XlplanError:
    """A city workbook that is no longer a workbook: say so and point at the newest backup."""
    backup = latest_backup(root)
    remedy = (f"Hãy khôi phục từ bản sao lưu mới nhất '{backup}': chép tệp đó ra thư mục làm việc "
              f"và đổi tên thành {WORKBOOK_NAME}." if backup else
              f"Không có bản sao lưu trong '{Path(OUTPUT) / BACKUPS}'; "
              f"hãy tạo lại bằng 'xlplan init {root} --overwrite'.")
    return XlplanError(f"Sổ tổng hợp '{workbook}' bị hỏng, không mở được ({type(exc).__name__}). {remedy}")


def backup_bytes(data: bytes, name: str, folder: Path) -> Path:
    """Keep ``data`` (a file named ``name`` as it was read) in ``folder`` under a time-stamped name."""
    def write(temp: Path) -> None:
        with open(temp, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())

    return _backup(folder, Path(name), write)


def backup_file(path: Path, folder: Path) -> Path:
    """Copy ``path`` into ``folder`` under a time-stamped name; the original is left in place."""
    import shutil

    return _backup(folder, path, lambda temp: shutil.copy2(path, temp))


def _backup(folder: Path, path: Path, write: Callable[[Path], object]) -> Path:
    """``write`` a backup of ``path`` to a temporary file in ``folder``, then rename it into place.

    An interrupted run never leaves a truncated backup that looks like a good one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    temp = folder / f".{target.name}.tmp"
    try:
        write(temp)
        kill_point()  # backup written, not yet in place
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return target


def remove_leftovers(ws: "Workspace") -> list[Path]:
    """Delete the temporary files a killed run left behind (call only while holding the lock).

    Every write goes to a ``.<name>.*.tmp`` file first; a run killed mid-write
    leaves one. They are never anything but incomplete copies, so the next
    run removes them: beside the workbook, in the backups and in the archive.
    """
    patterns = ((ws.workbook.parent, f".{ws.workbook.name}.*.tmp"), (ws.backups, ".*.tmp"),
                (ws.archive / "sha256", ".incoming.*.tmp"))
    removed = []
    for folder, pattern in patterns:
        for path in sorted(folder.glob(pattern)) if folder.is_dir() else ():
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


# -- the city workbook open in another program -------------------------------------------

def office_lock_files(workbook: Path) -> list[tuple[Path, str]]:
    """The lock files Excel and LibreOffice keep beside a workbook they have open: (path, program)."""
    workbook = Path(workbook)
    return [(workbook.with_name(f"~${workbook.name}"), "Excel"),
            (workbook.with_name(f".~lock.{workbook.name}#"), "LibreOffice")]


def lock_holder(path: Path, program: str) -> str | None:
    """The user name an office lock file records; None when it cannot be read (never raises).

    Excel's owner file (``~$Name.xlsx``) starts with the name's length in one
    byte and the name in the ANSI code page, padded to 54 bytes, then the length
    again in two bytes and the name in UTF-16 (the one that keeps Vietnamese
    letters). LibreOffice's (``.~lock.Name.xlsx#``) is one CSV line: name,
    host, user folder, date…
    """
    try:
        data = Path(path).read_bytes()[:4096]
    except OSError:
        return None
    name = _excel_holder(data) if program == "Excel" else _libreoffice_holder(data)
    name = " ".join("".join(c for c in (name or "") if c.isprintable()).split())
    return name or None


def _excel_holder(data: bytes) -> str | None:
    if len(data) >= 56:
        count = int.from_bytes(data[54:56], "little")
        if 0 < count <= 256 and len(data) >= 56 + 2 * count:
            try:
                return data[56:56 + 2 * count].decode("utf-16-le")
            except UnicodeDecodeError:
                pass
    if data and 0 < data[0] < 54 and len(data) > data[0]:
        return data[1:1 + data[0]].decode("cp1252", errors="replace")
    return None


def _libreoffice_holder(data: bytes) -> str | None:
    import csv

    text = data.decode("utf-8", errors="replace")
    try:
        fields = next(csv.reader([text.splitlines()[0] if text else ""], escapechar="\\"), [])
    except csv.Error:
        fields = text.split(",")
    if fields and fields[0].strip():
        return fields[0]
    if len(fields) > 1 and fields[1].strip():
        return f"máy {fields[1]}"  # no user name set in LibreOffice: the computer at least
    return None


def require_not_open_elsewhere(workbook: Path) -> None:
    """Refuse to touch the folder while Excel or LibreOffice has the city workbook open.

    A program with the workbook open would save its own copy over the new one
    later and wipe the consolidation; its lock file beside the workbook says
    so (and who). Checked before anything is written (no folder lock, no audit
    run). The ribbon, which writes into the book open in Excel on purpose, does
    not call this.
    """
    for path, program in office_lock_files(workbook):
        if not path.is_file():
            continue
        holder = lock_holder(path, program)
        who = f" bởi «{holder}»" if holder else ""
        raise XlplanError(
            f"Sổ tổng hợp '{Path(workbook).name}' đang mở trong {program}{who} (có tệp khóa '{path.name}' bên "
            f"cạnh sổ). Tổng hợp lúc này sẽ bị ghi đè khi {program} lưu sổ, nên chưa ghi gì. Hãy đóng sổ trong "
            f"{program} rồi chạy lại (hoặc bấm nút «Tổng hợp» ngay trong Excel). Nếu chắc chắn không còn ai mở "
            f"sổ (máy bị tắt đột ngột), hãy xóa tệp '{path.name}' rồi chạy lại.")


# -- what a folder's plan tracks ---------------------------------------------------------------

_KIND_WORDS = {"month": "tháng", "quarter": "quý", "year": "năm"}


def tracked_text(plan: Plan) -> str:
    """The forms and period kinds the plan chases, as said in a message: ``F01: năm 2017; F02: tháng, quý, năm 2017``."""
    parts = []
    for form_id, rule in sorted(plan.forms.items()):
        kinds = [_KIND_WORDS[k] for k in ("month", "quarter", "year") if k in rule.periods]
        parts.append(f"{form_id}: {', '.join(kinds)} {plan.year}")
    return "; ".join(parts)


def check_tracked(plan: Plan, form_id: str | None, period: str | None) -> str | None:
    """Refuse a form or period the plan does not track (in its year), listing those it does; the period, tidied.

    ``status --form f01 --period 2017-02`` must say what can be asked, not fail
    deep in the rollup. Form ids are compared in upper case.
    """
    from ..core.periods import Period, PeriodError

    form = form_id.upper() if form_id else None
    where = f"Kế hoạch năm {plan.year} theo dõi: {tracked_text(plan)}."
    if form is not None and form not in plan.forms:
        raise XlplanError(f"Kế hoạch không có biểu {form_id}. {where}")
    if period is None:
        return None
    try:
        parsed = Period.parse(period)
    except (PeriodError, ValueError):
        raise XlplanError(f"Kỳ '{period}' không đúng dạng: gõ {plan.year} (năm), {plan.year}-Q1 (quý) hoặc "
                          f"{plan.year}-01 (tháng). {where}") from None
    forms = [form] if form is not None else list(plan.forms)
    if parsed.year != plan.year or not any(plan.forms[f].accepts(parsed) for f in forms):
        asked = f"biểu {form} kỳ {parsed}" if form else f"kỳ {parsed}"
        raise XlplanError(f"Kế hoạch không theo dõi {asked}. {where}")
    return str(parsed)
