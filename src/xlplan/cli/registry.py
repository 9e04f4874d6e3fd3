"""``xlplan registry show``: check and list a unit registry (CSV or the workbook's Danh mục sheet)."""

from __future__ import annotations

import click

from ._common import JSON_OPTION, PLAN_OPTION, echo_json, guard, load_plan, load_registry, table


@click.group("registry")
def registry_group() -> None:
    """Danh mục đơn vị (tổ chức cơ sở đảng).

    \b
    Ví dụ:
      xlplan registry show danh_muc.csv
    """


@registry_group.command("show")
@click.argument("file", required=False)
@PLAN_OPTION
@JSON_OPTION
@guard
def registry_show(file: str | None, plan_name: str | None, as_json: bool) -> None:
    """Kiểm tra và in danh mục đơn vị FILE (.csv/.xlsx; mặc định: danh mục mẫu).

    \b
    Ví dụ:
      xlplan registry show
      xlplan registry show danh_muc.csv --json
    """
    plan = load_plan(plan_name)
    registry = load_registry(file, plan)
    if as_json:
        echo_json([{"ma": u.code, "ten": u.name, "loai_hinh": u.kind, "co_nguon": u.has_source,
                     "so_dang_vien": u.members, "so_chi_bo": u.cells, "lien_he": u.contact}
                    for u in registry])
        return
    click.echo(table(((u.code, u.name, u.kind, "có" if u.has_source else "không", u.members)
                       for u in registry), ["Mã", "Tên", "Loại hình", "Có nguồn", "Đảng viên"]))
    from ..core.indicators import format_number
    click.echo(f"\n{len(registry)} đơn vị, {format_number(registry.total_members())} đảng viên.")
