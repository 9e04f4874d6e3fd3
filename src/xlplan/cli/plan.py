"""``xlplan plan show`` / ``plan new``: the plan a committee works to, and a copy of it for a new year."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import FOLDER_OPTION, JSON_OPTION, echo_json, guard, load_plan, note


@click.group("plan")
def plan_group() -> None:
    """Xem kế hoạch (chỉ tiêu, loại hình, xếp loại, hạn nộp).

    \b
    Ví dụ:
      xlplan plan show
      xlplan plan new --year 2018 --from bac_ninh_2017
    """


@plan_group.command("show")
@click.argument("file", required=False)
@FOLDER_OPTION
@JSON_OPTION
@guard
def plan_show(file: str | None, folder_option: Path | None, as_json: bool) -> None:
    """In kế hoạch FILE; không ghi FILE: kế hoạch của thư mục làm việc (trang Cấu hình của sổ tổng
    hợp; thư mục -d, hoặc thư mục gần nhất chứa thư mục hiện tại), ngoài thư mục làm việc thì kế
    hoạch mẫu năm 2017 của Thành ủy Bắc Ninh.

    \b
    Ví dụ:
      xlplan plan show                     (trong thư mục làm việc)
      xlplan plan show ke_hoach_2018.toml --json
    """
    from ..services.plan_text import plan_summary, plan_as_dict
    from ..services.working_folder import setup
    if file is not None:
        plan = load_plan(file)
    else:
        ready = setup(folder_option, sample_registry=False)
        if ready.workspace is not None:
            note(f"Kế hoạch của thư mục làm việc {ready.workspace.root}.")
        plan = ready.plan
    if as_json:
        echo_json(plan_as_dict(plan))
    else:
        click.echo(plan_summary(plan))


@plan_group.command("new")
@click.option("--year", "year", type=int, required=True, help="Năm của kế hoạch mới.")
@click.option("--from", "source", required=True,
              help="Tệp kế hoạch gốc (đường dẫn .toml hoặc tên có sẵn, ví dụ bac_ninh_2017, vi_du_2018_bon_muc).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Tệp kế hoạch mới (mặc định: ke_hoach_<năm>.toml trong thư mục hiện tại).")
@guard
def plan_new(year: int, source: str, out: str | None) -> None:
    """Chép một tệp kế hoạch sang năm mới: đổi năm, dời các hạn nộp, ghi năm trước.

    Chỉ tiêu, thang xếp loại và các quy tắc kiểm tra giữ nguyên để Ban Tổ chức sửa;
    tệp mới được kiểm tra trước khi ghi. Không ghi đè tệp đã có.

    \b
    Ví dụ:
      xlplan plan new --year 2018 --from bac_ninh_2017
      xlplan plan new --year 2019 --from ke_hoach_2018.toml --out ke_hoach_2019.toml
    """
    from ..io.plans import write_new_plan
    target = Path(out) if out else Path.cwd() / f"ke_hoach_{year}.toml"
    written = write_new_plan(source, year, target)
    click.echo(f"Đã ghi kế hoạch năm {year}: {written}")
    click.echo("Hãy kiểm tra lại chỉ tiêu, hạn nộp, thang xếp loại và quy tắc kiểm tra ([[rules]]) trong tệp; "
               f"xem bằng: xlplan plan show {written}")
