"""``xlplan registry show``: check and list a unit registry (CSV or the workbook's Danh mục sheet)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import FOLDER_OPTION, JSON_OPTION, PLAN_OPTION, echo_json, guard, note, table


@click.group("registry")
def registry_group() -> None:
    """Danh mục đơn vị (tổ chức cơ sở đảng).

    \b
    Ví dụ:
      xlplan registry show danh_muc.csv
    """


@registry_group.command("show")
@click.argument("file", required=False, metavar="[TỆP]")
@FOLDER_OPTION
@PLAN_OPTION
@JSON_OPTION
@guard
def registry_show(file: str | None, folder_option: Path | None, plan_name: str | None, as_json: bool) -> None:
    """Kiểm tra và in danh mục đơn vị TỆP (.csv/.xlsx).

    Không ghi TỆP: danh mục (trang Danh mục đơn vị) của thư mục làm việc — thư mục -d, hoặc
    thư mục hiện tại hay thư mục gần nhất chứa nó có sổ tổng hợp; ngoài mọi thư mục làm việc,
    danh mục mẫu 80 đơn vị (có báo rõ).

    \b
    Ví dụ:
      xlplan registry show                (trong thư mục làm việc)
      xlplan registry show danh_muc.csv --json
    """
    from ..core.indicators import format_number
    from ..services.working_folder import setup

    ready = setup(folder_option, (), plan_name, file)
    note(ready.note)
    registry = ready.registry
    assert registry is not None  # (setup gives a registry unless asked not to)
    if as_json:
        echo_json([{"ma": u.code, "ten": u.name, "loai_hinh": u.kind, "co_nguon": u.has_source,
                     "so_dang_vien": u.members, "so_chi_bo": u.cells, "lien_he": u.contact}
                    for u in registry])
        return
    click.echo(table(((u.code, u.name, _kind_label(ready.plan, u.kind), "có" if u.has_source else "không",
                       format_number(u.members)) for u in registry),
                     ["Mã", "Tên", "Loại hình", "Có nguồn", "Đảng viên"]))
    click.echo(f"\n{len(registry)} đơn vị, {format_number(registry.total_members())} đảng viên.")


def _kind_label(plan, code: str) -> str:
    try:
        return plan.kind(code).label
    except KeyError:
        return code
