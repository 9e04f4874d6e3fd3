"""``xlplan forms``: describe the forms, make one per unit, write the blank templates."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (FOLDER_OPTION, FORM_CHOICE, JSON_OPTION, NEW_FOLDER, PLAN_OPTION, REGISTRY_OPTION, Refusal,
                      echo_json, guard, load_plan, note, table)


@click.group("forms")
def forms_group() -> None:
    """Biểu mẫu F01 (đăng ký), F02 (báo cáo định kỳ), F03 (đánh giá chất lượng).

    \b
    Ví dụ:
      xlplan forms describe F01
      xlplan forms make F01 --period 2017          (trong thư mục làm việc)
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
    click.echo(table(((r["id"], r["label"], _type_text(r), r["constraints"]) for r in rows),
                      ["Mã trường", "Nội dung", "Kiểu", "Ràng buộc"]))


# The field types and derived kinds as a person reads them (``--json`` keeps the ids).
TYPE_WORDS = {"int": "số nguyên", "share": "tỷ lệ", "date": "ngày", "choice": "danh sách", "period": "kỳ báo cáo",
              "text": "chữ", "code": "mã", "total": "tổng (công thức)", "ratio": "tỷ lệ (công thức)",
              "check": "kiểm tra (công thức)", "derived": "công thức"}


def _type_text(row: dict) -> str:
    key = row.get("kind") if row.get("type") == "derived" else row.get("type")
    return TYPE_WORDS.get(str(key), str(key))


@forms_group.command("make")
@click.argument("form", type=FORM_CHOICE)
@click.option("--period", required=True, metavar="KỲ", help="Kỳ báo cáo: 2017, 2017-Q1 hoặc 2017-01.")
@click.option("--out", "out_dir", type=NEW_FOLDER, metavar="THƯ_MỤC",
              help="Thư mục ghi biểu mẫu (mặc định: GuiDonVi/<biểu>_<kỳ> trong thư mục làm việc).")
@FOLDER_OPTION
@click.option("--units", metavar="MÃ,MÃ", help="Chỉ tạo cho các mã đơn vị này (cách nhau bằng dấu phẩy).")
@click.option("--khong-dien-san", "no_prefill", is_flag=True,
              help="F02: không điền sẵn đảng viên đầu kỳ và kết nạp lũy kế từ các báo cáo đã tổng hợp.")
@PLAN_OPTION
@REGISTRY_OPTION
@guard
def forms_make(form: str, period: str, out_dir: str | None, folder_option: Path | None, units: str | None,
               no_prefill: bool, plan_name: str | None, registry_name: str | None) -> None:
    """Tạo biểu mẫu FORM kỳ --period cho từng đơn vị: <mã>_<biểu>_<kỳ>.xlsx.

    Các đơn vị là danh mục đơn vị (trang Danh mục đơn vị) của thư mục làm việc: thư mục
    -d, hoặc thư mục gần nhất có sổ tổng hợp SoTongHop.xlsx tính từ --out hay từ thư mục
    hiện tại. Mặc định biểu mẫu được ghi vào GuiDonVi/<biểu>_<kỳ> của thư mục làm việc.
    Ngoài mọi thư mục làm việc, lệnh dùng danh mục mẫu 80 đơn vị và báo rõ điều đó.

    Biểu F02 được điền sẵn đảng viên đầu kỳ (= cuối kỳ của báo cáo liền trước đã tổng
    hợp, hoặc tổng số trên phiếu đăng ký với kỳ đầu năm) và kết nạp lũy kế (= lũy kế kỳ
    trước + ô kết nạp trong kỳ); đơn vị vẫn sửa được. --khong-dien-san để tạo biểu trống.

    \b
    Ví dụ:
      xlplan forms make F01 --period 2017            (trong thư mục làm việc)
      xlplan forms make F01 --period 2017 -d TongHop2017
      xlplan forms make F02 --period 2017-01 --out bieu-mau --units P_VUNINH,X_HOALONG
    """
    from ..services.forms import carried_forward, make_forms
    from ..services.working_folder import outbox_folder, setup

    ready = setup(folder_option, [Path(out_dir)] if out_dir else [], plan_name, registry_name)
    note(ready.note)
    if out_dir is not None:
        out = Path(out_dir)
    elif ready.workspace is not None:
        out = outbox_folder(ready.workspace.outbox, form, period)
    else:
        raise Refusal("thiếu --out THƯ_MỤC: ngoài thư mục làm việc, hãy chỉ thư mục ghi biểu mẫu "
                      "(hoặc chạy trong thư mục làm việc, hay thêm -d THƯ_MỤC).", "xlplan forms make")
    codes = [c.strip() for c in units.split(",") if c.strip()] if units else None
    assert ready.registry is not None  # (setup gives a registry unless asked not to)
    carried = ({} if no_prefill or ready.workspace is None else
               carried_forward(ready.workspace.audit, ready.plan, form.upper(), period))
    paths = make_forms(ready.plan, list(ready.registry), form.upper(), period, out, codes=codes,
                       carried_by_unit=carried)
    if carried:
        click.echo(f"Điền sẵn đảng viên đầu kỳ và kết nạp lũy kế cho {len(carried)} đơn vị "
                   "từ lần tổng hợp gần nhất (đơn vị vẫn sửa được).")
    whose = (f"danh mục của thư mục làm việc {ready.folder}" if ready.folder is not None else
             "danh mục mẫu" if registry_name is None else f"danh mục {registry_name}")
    click.echo(f"Đã tạo {len(paths)} biểu mẫu {form.upper()} kỳ {period} ({whose}) trong: {out.resolve()}")


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
