"""``xlplan forms``: describe the forms, make one per unit, write the blank templates."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import FORM_CHOICE, JSON_OPTION, NEW_FOLDER, PLAN_OPTION, REGISTRY_OPTION, echo_json, guard, load_plan, load_registry, table


@click.group("forms")
def forms_group() -> None:
    """Biểu mẫu F01 (đăng ký), F02 (báo cáo định kỳ), F03 (đánh giá chất lượng).

    \b
    Ví dụ:
      xlplan forms describe F01
      xlplan forms make F02 --period 2017-01 --out bieu-mau
    """


@forms_group.command("describe")
@click.argument("form", type=FORM_CHOICE)
@PLAN_OPTION
@JSON_OPTION
@guard
def forms_describe(form: str, plan_name: str | None, as_json: bool) -> None:
    """In các trường của biểu mẫu FORM (mã trường, nhãn, kiểu, ràng buộc).

    \b
    Ví dụ:
      xlplan forms describe F02
      xlplan forms describe F03 --json
    """
    from ..core.forms import form_spec
    from ..services.forms import describe_form
    spec = form_spec(form, load_plan(plan_name))
    rows = describe_form(spec)
    if as_json:
        echo_json({"form": spec.id, "version": spec.version, "title": spec.title, "fields": rows})
        return
    click.echo(f"{spec.id} — {spec.title} (phiên bản {spec.version})\n")
    click.echo(table(((r["id"], r["label"], r["type"], r["constraints"]) for r in rows),
                      ["Mã trường", "Nội dung", "Kiểu", "Ràng buộc"]))


@forms_group.command("make")
@click.argument("form", type=FORM_CHOICE)
@click.option("--period", required=True, metavar="KỲ", help="Kỳ báo cáo: 2017, 2017-Q1 hoặc 2017-01.")
@click.option("--out", "out_dir", required=True, type=NEW_FOLDER, help="Thư mục ghi biểu mẫu.")
@click.option("--units", metavar="MÃ,MÃ", help="Chỉ tạo cho các mã đơn vị này (cách nhau bằng dấu phẩy).")
@PLAN_OPTION
@REGISTRY_OPTION
@guard
def forms_make(form: str, period: str, out_dir: str, units: str | None, plan_name: str | None,
               registry_name: str | None) -> None:
    """Tạo biểu mẫu FORM kỳ PERIOD cho từng đơn vị: <mã>_<biểu>_<kỳ>.xlsx.

    \b
    Ví dụ:
      xlplan forms make F01 --period 2017 --out bieu-mau
      xlplan forms make F02 --period 2017-01 --out bieu-mau --units P_VUNINH,X_HOALONG
    """
    from ..services.forms import make_forms
    plan = load_plan(plan_name)
    registry = load_registry(registry_name, plan)
    codes = [c.strip() for c in units.split(",") if c.strip()] if units else None
    paths = make_forms(plan, list(registry), form.upper(), period, Path(out_dir), codes=codes)
    click.echo(f"Đã tạo {len(paths)} biểu mẫu {form.upper()} kỳ {period} trong: {Path(out_dir).resolve()}")


@forms_group.command("templates")
@click.option("--out", "out_dir", default="templates", show_default=True, type=NEW_FOLDER,
              help="Thư mục ghi biểu mẫu trắng.")
@PLAN_OPTION
@guard
def forms_templates(out_dir: str, plan_name: str | None) -> None:
    """Tạo các biểu mẫu trắng F01.xlsx, F02.xlsx, F03.xlsx.

    \b
    Ví dụ:
      xlplan forms templates --out templates
    """
    from ..services.forms import make_templates
    paths = make_templates(load_plan(plan_name), Path(out_dir))
    for path in paths:
        click.echo(str(path))
