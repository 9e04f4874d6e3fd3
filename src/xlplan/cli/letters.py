"""``xlplan congvan``: the register of letters sent to units (sổ công văn), with what became of each point.

A command of :mod:`xlplan.cli`: it calls :func:`xlplan.services.letters.letter_register`
and prints the register. Exit code 0 (2 when the folder cannot be opened).
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import FOLDER_ARGUMENT, FOLDER_OPTION, JSON_OPTION, echo_json, guard, table, working_folder


@click.command("congvan")
@FOLDER_ARGUMENT
@FOLDER_OPTION
@click.option("--don-vi", "unit", metavar="MÃ", help="Chỉ công văn gửi đơn vị này, kèm từng nội dung.")
@JSON_OPTION
@guard
def congvan_cmd(folder: Path | None, folder_option: Path | None, unit: str | None, as_json: bool) -> None:
    """Sổ công văn: các công văn đã gửi đơn vị (xlplan feedback) và tình trạng từng nội dung.

    Lần tổng hợp sau mỗi công văn đánh dấu nội dung nào đã khắc phục, nội dung nào còn tồn tại.

    \b
    Ví dụ:
      xlplan congvan                     (trong thư mục làm việc)
      xlplan congvan -d TongHop2017 --don-vi P_VUNINH
    """
    from ..core.letters import FIXED, NOTED, OPEN
    from ..services.letters import letter_register

    root = working_folder(folder, folder_option)
    letters = letter_register(root)
    if unit:
        letters = [x for x in letters if x.unit.casefold() == unit.strip().casefold()]
    if as_json:
        echo_json([{"number": x.number, "unit": x.unit, "issued": x.issued.isoformat(), "file": x.file,
                    "points": [{"code": p.code, "form": p.form, "period": p.period, "where": p.where,
                                "message": p.message, "status": p.status} for p in x.points]} for x in letters])
        return
    if not letters:
        click.echo("Sổ công văn chưa có công văn nào" + (f" gửi đơn vị {unit}." if unit else "."))
        return
    rows = []
    for x in letters:
        counts = x.counts()
        rows.append((x.number, x.unit, f"{x.issued:%d/%m/%Y}", x.file, len(x.points), counts[FIXED], counts[OPEN],
                     counts[NOTED]))
    click.echo(table(rows, ["Số", "Đơn vị", "Ngày", "Tệp", "Nội dung", "Đã khắc phục", "Còn tồn tại", "Ghi nhận"]))
    if unit:
        for x in letters:
            click.echo(f"\nCông văn số {x.number} ngày {x.issued:%d/%m/%Y}:")
            click.echo(table(((p.form, p.period, p.where, p.message, p.status) for p in x.points),
                             ["Biểu", "Kỳ", "Ô", "Nội dung", "Tình trạng"]))
