"""``xlplan plan show``: the plan a committee works to (targets, kinds, categories, deadlines)."""

from __future__ import annotations

import click

from ._common import JSON_OPTION, echo_json, guard, load_plan


@click.group("plan")
def plan_group() -> None:
    """Xem kế hoạch (chỉ tiêu, loại hình, xếp loại, hạn nộp).

    \b
    Ví dụ:
      xlplan plan show
    """


@plan_group.command("show")
@click.argument("file", required=False)
@JSON_OPTION
@guard
def plan_show(file: str | None, as_json: bool) -> None:
    """In kế hoạch FILE (mặc định: kế hoạch năm 2017 của Thành ủy Bắc Ninh).

    \b
    Ví dụ:
      xlplan plan show
      xlplan plan show ke_hoach_2018.toml --json
    """
    from ..services.plan_text import plan_summary, plan_as_dict
    plan = load_plan(file)
    if as_json:
        echo_json(plan_as_dict(plan))
    else:
        click.echo(plan_summary(plan))
