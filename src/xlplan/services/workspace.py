"""The working folder: the city workbook, the inbox, the outbox and the output folder.

``xlplan init DIR`` makes one; every other command opens one. Settings live in
the city workbook's Cấu hình sheet (named ``cfg_*`` cells), so staff change
them in Excel, and the registry lives in its Danh mục đơn vị sheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import XlplanError
from ..core.plan import Plan
from ..core.registry import Registry
from ..io.plans import load_plan
from ..io.registry import load_registry, read_registry_sheet

WORKBOOK_NAME = "SoTongHop.xlsx"
INBOX, OUTBOX, OUTPUT = "NopBaoCao", "GuiDonVi", "KetQua"
BACKUPS = "SaoLuu"


@dataclass
class Workspace:
    """An opened working folder with its plan and registry."""

    root: Path
    workbook: Path
    inbox: Path
    outbox: Path
    output: Path
    plan: Plan
    registry: Registry
    settings: dict[str, Any]

    @property
    def backups(self) -> Path:
        return self.output / BACKUPS


def _settings_defaults(plan: Plan, plan_name: str) -> dict[str, Any]:
    return {
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
                   overwrite: bool = False) -> Path:
    """Create the working folder and its city workbook; return the workbook's path.

    An existing workbook is never replaced unless ``overwrite`` (then it is backed up first).
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
    for sub in (INBOX, OUTBOX, OUTPUT):
        (root / sub).mkdir(parents=True, exist_ok=True)
    if workbook.exists():
        backup_file(workbook, root / OUTPUT / BACKUPS)
    wb = build_city_template(plan, _settings_defaults(plan, plan_ref))
    write_city_data(wb, plan, {"tbl_don_vi": registry_table(registry, plan)}, {})
    save_workbook(wb, workbook)
    return workbook


def open_workspace(root: Path) -> Workspace:
    """Open a working folder made by :func:`init_workspace`, reading its settings and registry."""
    from ..io.city_workbook import load_city_workbook, read_config

    root = Path(root)
    workbook = root / WORKBOOK_NAME
    if not workbook.is_file():
        raise XlplanError(f"Không thấy sổ tổng hợp '{workbook}'. Hãy tạo thư mục làm việc bằng "
                          f"'xlplan init {root}' (hoặc nút \"Khởi tạo thư mục làm việc\").")
    try:
        wb = load_city_workbook(workbook)
    except PermissionError:
        raise XlplanError(f"Không mở được '{workbook}': tệp đang bị khóa (đang mở trong Excel?).") from None
    settings = read_config(wb)
    plan_ref = settings.get("cfg_ke_hoach") or "bac_ninh_2017"
    plan_path = Path(str(plan_ref))
    if not plan_path.is_absolute() and (root / plan_path).is_file():
        plan_ref = str(root / plan_path)
    plan = load_plan(plan_ref)
    registry, findings = read_registry_sheet(wb, plan)
    errors = [f for f in findings if f.severity.value == "error"]
    if errors:
        raise XlplanError(f"Danh mục đơn vị trong '{workbook.name}' có {len(errors)} lỗi.", errors)
    wb.close()

    def folder(key: str, default: str) -> Path:
        value = str(settings.get(key) or default)
        path = Path(value)
        return path if path.is_absolute() else root / path

    return Workspace(root, workbook, folder("cfg_thu_muc_nop", INBOX), folder("cfg_thu_muc_gui", OUTBOX),
                     folder("cfg_thu_muc_ket_qua", OUTPUT), plan, registry, settings)


def backup_file(path: Path, folder: Path) -> Path:
    """Copy ``path`` into ``folder`` under a time-stamped name; the original is left in place."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, target)
    return target
