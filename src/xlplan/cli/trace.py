"""``xlplan trace``: where a summary number came from (file, sheet, cell) and what it was before.

A command of :mod:`xlplan.cli`: it calls :func:`xlplan.services.trace.trace` and
prints Vietnamese results. Exit codes as the main CLI: 0 fine, 2 could not run
(no consolidation yet, unknown unit or field).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._common import FOLDER_OPTION, FORM_CHOICE, JSON_OPTION, guard, working_folder

_STATUS = {"used": "đang dùng", "superseded": "đã được thay bằng tệp mới hơn",
           "removed": "không còn trong thư mục nộp"}


@click.command("trace")
@click.argument("unit", metavar="MÃ_ĐƠN_VỊ")
@click.argument("field_id", metavar="[CHỈ_TIÊU]", required=False)
@click.option("--period", metavar="KỲ", help="Chỉ kỳ này (2017, 2017-Q1, 2017-01).")
@click.option("--form", "form_id", type=FORM_CHOICE, help="Chỉ biểu này.")
@FOLDER_OPTION
@JSON_OPTION
@guard
def trace_cmd(unit: str, field_id: str | None, period: str | None, form_id: str | None, folder_option: Path | None,
              as_json: bool) -> None:
    """Truy nguồn số liệu: ô nào của tệp nào cho ra con số trong sổ tổng hợp, và các lần nộp trước.

    Theo lần tổng hợp gần nhất: với CHỈ_TIÊU (mã ô trên biểu mẫu, ví dụ
    kn_trong_ky), in tệp, trang, ô và giá trị đang dùng, cùng giá trị ở các
    tệp đơn vị đã nộp trước đó cho cùng biểu và kỳ. Không có CHỈ_TIÊU: in mọi
    ô khác nhau giữa các lần nộp.

    \b
    Ví dụ:
      xlplan trace P_AN kn_trong_ky                 (trong thư mục làm việc)
      xlplan trace P_AN kn_trong_ky --folder TongHop2017
      xlplan trace P_AN kn_trong_ky --form F02 --period 2017-01 -d TongHop2017
      xlplan trace P_AN --form F01 -d TongHop2017 --json
    """
    from ..core.findings import place_text
    from ..services.trace import shown, trace

    items = trace(working_folder(None, folder_option), unit, field_id, period, form_id.upper() if form_id else None)
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in items], ensure_ascii=False, indent=2, default=str))
        return
    for number, item in enumerate(items):
        if number:
            click.echo()
        title = f"{item.unit} — biểu {item.form} kỳ {item.period}"
        if item.field:
            title += f" — {item.field} ({item.label})" if item.label else f" — {item.field}"
        click.echo(title)
        if item.field:
            used_version, used_cell = item.used or (None, None)
            if used_version is not None and used_cell is not None:
                click.echo(f"  Giá trị đang dùng: {shown(used_cell)} — tệp '{used_version.file}', "
                           f"{place_text(used_cell.sheet, used_cell.cell)}")
            click.echo(f"  Các lần nộp ({len(item.versions)}):")
            for i, (version, cell) in enumerate(zip(item.versions, item.cells), 1):
                where = f"ô {cell.cell} = {shown(cell)}" if cell is not None else "không có ô này"
                click.echo(f"    {i}. {version.file}: {where} [{_STATUS.get(version.status, version.status)}; "
                           f"sha256 {version.sha256[:12]}]")
            continue
        click.echo(f"  Các lần nộp ({len(item.versions)}):")
        for i, version in enumerate(item.versions, 1):
            click.echo(f"    {i}. {version.file} [{_STATUS.get(version.status, version.status)}; "
                       f"sha256 {version.sha256[:12]}]")
            if i > 1:
                changes = item.changes[i - 2]
                if not changes:
                    click.echo("       (không có ô nào khác lần nộp trước)")
                for change in changes:
                    click.echo(f"       {change.label} ({place_text(change.sheet, change.cell)}): "
                               f"{_text(change.before)} → {_text(change.after)}")


def _text(value: str | None) -> str:
    return "(không có)" if value is None else value
