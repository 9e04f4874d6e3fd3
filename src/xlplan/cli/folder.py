"""The working folder's commands: ``init``, ``consolidate``, ``check``, ``status``, ``report``,
``feedback`` and ``demo`` (the whole job on the bundled sample).

Each command calls one service and prints its result; the exit code is the one of the
findings' :class:`xlplan.core.findings.Report` (or of the service's result, which asks a
``Report`` too), never decided here.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ._common import (AS_OF_OPTION, ENGINE_OPTION, FOLDER_ARGUMENT, FOLDER_OPTION, FORM_CHOICE,
                      JSON_OPTION, NEW_FOLDER, PLAN_OPTION, REGISTRY_OPTION, Failure, echo_json, guard, note,
                      load_plan, print_counts, report_of, table, with_progress, working_folder)


# -- check -----------------------------------------------------------------------------

@click.command("check")
@click.argument("files", nargs=-1, required=True, metavar="TỆP|THƯ_MỤC...")
@FOLDER_OPTION
@PLAN_OPTION
@REGISTRY_OPTION
@JSON_OPTION
@guard
def check_cmd(files: tuple[str, ...], folder_option: Path | None, plan_name: str | None, registry_name: str | None,
              as_json: bool) -> None:
    """Kiểm tra các tệp biểu mẫu trước khi gửi hoặc tổng hợp; mã thoát 1 nếu có lỗi.

    Với mỗi tệp: đơn vị (mã, tên), biểu, kỳ và phiên bản biểu mẫu đọc được, rồi các
    phát hiện kèm cách khắc phục. Một THƯ_MỤC: kiểm tra mọi tệp biểu mẫu trong đó.
    Trong một thư mục làm việc (hoặc với -d), tệp được đối chiếu với kế hoạch và
    danh mục đơn vị của sổ tổng hợp.

    \b
    Ví dụ:
      xlplan check P_VUNINH_F01_2017.xlsx
      xlplan check NopBaoCao
      xlplan check NopBaoCao/*.xlsx --json
    """
    from ..services.check import check_paths
    from ..services.working_folder import setup

    paths = [Path(f) for f in files]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise Failure(f"Không tìm thấy: {', '.join(repr(m) for m in missing)}.")
    ready = setup(folder_option, [p if p.is_dir() else p.parent for p in paths], plan_name, registry_name,
                  sample_registry=False)
    note(ready.note)
    result = check_paths(paths, ready.plan, ready.registry)
    report = result.report
    if as_json:
        echo_json({"valid": report.valid, "findings": [f.to_dict() for f in report]})
    else:
        print_check(result)
    sys.exit(report.exit_code)


def print_check(result) -> None:
    """Per file: what was recognised, then its findings with their fix; then the findings of no one file."""
    by_file: dict[str | None, list] = {}
    for finding in result.report:
        by_file.setdefault(finding.file, []).append(finding)
    shown = set()
    for number, read in enumerate(result.files):
        if number:
            click.echo()
        click.echo(f"Tệp: {read.file}")
        if read.form is None and read.unit is None:
            click.echo("  Không đọc được là biểu mẫu nào (xem dưới đây).")
        else:
            unit = f"{read.unit} — {read.unit_name}" if read.unit_name else (read.unit or "không rõ")
            click.echo(f"  Đơn vị: {unit}; biểu {read.form or 'không rõ'}, kỳ {read.period or 'không rõ'}, "
                       f"phiên bản {read.version or 'không rõ'}.")
        found = by_file.get(read.file, [])
        shown.add(read.file)
        if found:
            _print_findings(found)
        else:
            click.echo("  Không phát hiện vấn đề nào.")
    rest = [f for key, items in by_file.items() if key not in shown for f in items]
    if rest:
        click.echo("\nPhát hiện chung:" if result.files else "Phát hiện:")
        _print_findings(rest)
    report = result.report
    click.echo(f"\nĐã kiểm tra {len(result.files)} tệp: {len(report)} phát hiện, trong đó "
               f"{len(report.errors)} lỗi.")


def _print_findings(findings) -> None:
    for finding in findings:
        where = finding.unit_location
        file_name = Path(finding.file).name if finding.file and not where else ""
        place = f" ({where or file_name})" if where or file_name else ""
        click.echo(f"  - {finding.severity_label}{place}: {finding.message}")
        click.echo(f"    Cách khắc phục: {finding.fix}")


# -- the working folder ----------------------------------------------------------------

@click.command("init")
@click.argument("folder", type=NEW_FOLDER, metavar="THƯ_MỤC")
@PLAN_OPTION
@REGISTRY_OPTION
@click.option("--overwrite", is_flag=True, help="Tạo lại sổ tổng hợp nếu đã có (sổ cũ được sao lưu).")
@click.option("--previous", "previous", type=click.Path(file_okay=False), default=None, metavar="THƯ_MỤC_NĂM_TRƯỚC",
              help="Thư mục làm việc năm trước (đã tổng hợp): số liệu năm trước lấy từ đó, không cần thu lại.")
@guard
def init_cmd(folder: str, plan_name: str | None, registry_name: str | None, overwrite: bool,
             previous: str | None = None) -> None:
    """Tạo thư mục làm việc THƯ_MỤC: sổ tổng hợp, thư mục nhận báo cáo (NopBaoCao),
    thư mục gửi đơn vị (GuiDonVi) và thư mục kết quả (KetQua).

    \b
    Ví dụ:
      xlplan init TongHop2017
      xlplan init TongHop2017 --registry danh_muc.csv
      xlplan init TongHop2018 --plan ke_hoach_2018.toml --previous TongHop2017
    """
    from ..services.workspace import init_workspace
    if previous:  # checked before anything is made: last year's folder, consolidated, of the previous year
        from ..services.previous_year import link_text, read_previous
        from ._common import load_plan as named_plan
        read_previous(Path(previous), named_plan(plan_name))
    link = link_text(Path(folder), Path(previous)) if previous else None
    workbook = init_workspace(Path(folder), plan_name, registry_name, overwrite=overwrite, previous=link)
    if previous:
        click.echo(f"Số liệu năm trước lấy từ thư mục: {Path(previous).resolve()} "
                   "(ô «Thư mục làm việc năm trước» ở trang Cấu hình)")
    click.echo(f"Đã tạo sổ tổng hợp: {workbook.resolve()}")
    click.echo(f"Đặt các tệp báo cáo nhận được vào: {(workbook.parent / 'NopBaoCao').resolve()}")
    click.echo(next_steps(Path(folder), registry_name is None, load_plan(plan_name).year))


def next_steps(folder: Path, sample: bool, year: int) -> str:
    """What to do after ``init``: the round, command by command, from inside the new folder."""
    lines = ["", "Các bước tiếp theo (chạy trong thư mục làm việc):", f"  cd {folder}"]
    if sample:
        lines.append("  (Sổ đang dùng danh mục mẫu 80 đơn vị: tạo lại với danh mục thật bằng "
                     f"'xlplan init {folder} --registry danh_muc.csv --overwrite', hoặc sửa trang Danh mục đơn vị "
                     "trong Excel.)")
    steps = [(f"xlplan forms make F01 --period {year}", f"biểu mẫu cho từng đơn vị, trong GuiDonVi/F01_{year}"),
             ("", "gửi biểu mẫu cho đơn vị; chép các tệp đơn vị gửi về vào NopBaoCao"),
             ("xlplan check NopBaoCao", "kiểm tra các tệp nhận được"),
             ("xlplan consolidate", "tổng hợp vào sổ tổng hợp"),
             ("xlplan status --can-nhac", "ai đã nộp, nộp muộn, chưa nộp; danh sách cần nhắc"),
             ("xlplan feedback", "công văn và tệp tô màu gửi đơn vị cần sửa, trong GuiDonVi/PhanHoi"),
             ("xlplan report --pdf", "trang Báo cáo và bản PDF trong KetQua")]
    width = max(len(command) for command, _ in steps)
    for number, (command, what) in enumerate(steps, 1):
        lines.append(f"  {number}. {command.ljust(width)}  {what}" if command else f"  {number}. {what}")
    return "\n".join(lines)


@click.command("consolidate")
@FOLDER_ARGUMENT
@FOLDER_OPTION
@ENGINE_OPTION
@AS_OF_OPTION
@JSON_OPTION
@click.option("--allow-outside", "allow_outside", is_flag=True,
              help="Chấp nhận thư mục trên trang Cấu hình là đường dẫn đầy đủ nằm ngoài thư mục làm việc.")
@guard
def consolidate_cmd(folder: Path | None, folder_option: Path | None, engine: str | None, as_of: dt.date | None,
                    as_json: bool, allow_outside: bool = False) -> None:
    """Tổng hợp mọi tệp trong thư mục nhận báo cáo vào sổ tổng hợp; mã thoát 1 nếu có lỗi.

    THƯ_MỤC (hoặc -d THƯ_MỤC) là thư mục làm việc; không ghi thì dùng thư mục hiện tại hoặc thư mục
    gần nhất chứa nó có sổ tổng hợp SoTongHop.xlsx.

    \b
    Ví dụ:
      xlplan consolidate            (trong thư mục làm việc)
      xlplan consolidate -d TongHop2017 --json
      xlplan consolidate TongHop2017 --as-of 28/02/2017
    """
    from ..services.consolidate import consolidate_folder
    root = working_folder(folder, folder_option)
    result = with_progress(lambda progress: consolidate_folder(root, engine=engine, progress=progress,
                                                                as_of=as_of, allow_outside=allow_outside),
                           "Đang đọc báo cáo")
    report = report_of(result.findings)
    if as_json:
        echo_json({"workbook": str(result.workbook), "status": result.status, "run_id": result.run_id,
                    "files": result.files, "skipped": result.skipped,
                    "summary": result.consolidation.summary, "paragraph": result.consolidation.paragraph,
                    "findings": [f.to_dict() for f in report],
                    "letters": None if result.letters is None else {
                        "letters": result.letters.letters, "fixed": result.letters.fixed,
                        "still_open": result.letters.still_open, "units_open": list(result.letters.units_open)}})
    else:
        click.echo(f"Đã đọc {result.files} tệp, bỏ qua {result.skipped} tệp.")
        print_counts(report)
        if result.letters is not None:
            click.echo(f"Công văn đã gửi ({result.letters.letters} đơn vị): {result.letters.fixed} nội dung đã khắc "
                       f"phục, {result.letters.still_open} nội dung còn tồn tại (xem: xlplan congvan).")
        if not result.changed:
            click.echo("Không có gì mới: sổ tổng hợp giữ nguyên.")
        click.echo(f"Sổ tổng hợp: {result.workbook.resolve()}")
        if result.backup:
            click.echo(f"Bản sao lưu sổ cũ: {result.backup}")
    sys.exit(report.exit_code)


@click.command("status")
@FOLDER_ARGUMENT
@FOLDER_OPTION
@click.option("--form", "form_id", type=FORM_CHOICE,
              help="Chỉ biểu này.")
@click.option("--period", metavar="KỲ", help="Chỉ kỳ này (2017, 2017-Q1, 2017-01).")
@click.option("--can-nhac", "to_call", is_flag=True,
              help="Danh sách đơn vị cần nhắc (chưa nộp, tệp không đọc được, có lỗi) kèm liên hệ, theo loại hình; "
                   "in ra KetQua/DanhSachCanNhac_<ngày>.pdf (cần LibreOffice).")
@AS_OF_OPTION
@JSON_OPTION
@guard
def status_cmd(folder: Path | None, folder_option: Path | None, form_id: str | None, period: str | None, as_of: dt.date | None, as_json: bool, to_call: bool = False) -> None:
    """Ai đã nộp, ai nộp muộn, ai chưa nộp — theo biểu và kỳ.

    THƯ_MỤC (hoặc -d THƯ_MỤC) là thư mục làm việc; không ghi thì dùng thư mục hiện tại hoặc thư mục
    gần nhất chứa nó có sổ tổng hợp SoTongHop.xlsx.

    \b
    Ví dụ:
      xlplan status                 (trong thư mục làm việc)
      xlplan status -d TongHop2017 --form F01 --period 2017
      xlplan status TongHop2017 --as-of 28/02/2017
      xlplan status TongHop2017 --can-nhac
    """
    if to_call:
        call_list_cmd(working_folder(folder, folder_option), as_of, as_json)
        return
    from ..core.tracking import NOT_DUE, ON_TIME
    from ..services.status import submission_status
    from ..services.workspace import check_tracked, open_workspace
    root = working_folder(folder, folder_option)
    if form_id or period:  # refused before anything is read, listing what the folder's plan tracks
        period = check_tracked(open_workspace(root).plan, form_id, period)
    rows, rates = submission_status(root, form_id, period, as_of=as_of)
    if as_json:
        echo_json({"rows": rows, "rates": rates})
        return
    for rate in rates:
        if not rate["du_kien"] and not rate["da_nop"]:  # nothing due yet, nothing sent
            click.echo(f"{rate['bieu']} kỳ {rate['ky']}: chưa đến hạn")
            continue
        click.echo(f"{rate['bieu']} kỳ {rate['ky']}: đã nộp {rate['da_nop']}/{rate['du_kien']}"
                   f" ({rate['ty_le_day_du_text']}), đúng hạn {rate['dung_han']} ({rate['ty_le_dung_han_text']})")
    late = [r for r in rows if r["dung_han"] not in (ON_TIME, NOT_DUE)]  # what to chase: late, missing, unreadable
    if late:
        click.echo()
        click.echo(table(((r["bieu"], r["ky"], r["ma"], r["ten"], r["dung_han"], r["han_nop"]) for r in late),
                          ["Biểu", "Kỳ", "Mã", "Đơn vị", "Tình trạng", "Hạn nộp"]))


def call_list_cmd(root: Path, as_of: dt.date | None, as_json: bool) -> None:
    """``status --can-nhac``: the call list, printed and written to PDF (a note when LibreOffice is missing)."""
    from ..io.libreoffice import LibreOfficeMissing
    from ..services.call_list import call_list, print_call_list
    found = call_list(root, as_of)
    try:
        pdf: Path | None = print_call_list(found) if found.rows else None
        missing = ""
    except LibreOfficeMissing as exc:
        pdf, missing = None, str(exc)
    if as_json:
        echo_json({"as_of": found.as_of.isoformat(), "rows": found.rows, "pdf": str(pdf) if pdf else None})
        return
    if not found.rows:
        click.echo(f"Không có đơn vị nào cần nhắc (các biểu đến hạn tính đến ngày {found.as_of:%d/%m/%Y}).")
        return
    click.echo(f"Đơn vị cần nhắc {found.subtitle}:")
    click.echo(table(((r["tt"], r["loai_hinh"], r["ma"], r["ten"], r["lien_he"], r["can_nhac"]) for r in found.rows),
                     ["TT", "Loại hình", "Mã", "Đơn vị", "Liên hệ", "Việc cần nhắc"]))
    click.echo(f"\nBản in: {pdf.resolve()}" if pdf else f"\nChưa in được danh sách ra PDF. {missing}")


@click.command("demo")
@click.option("--out", "out_dir", type=NEW_FOLDER,
              help="Thư mục tạo bộ dữ liệu mẫu (mặc định: một thư mục mới xlplan-demo-…).")
@click.option("--seed", default=2017, show_default=True, help="Hạt giống sinh số liệu mẫu.")
@guard
def demo_cmd(out_dir: str | None, seed: int) -> None:
    """Chạy toàn bộ quy trình trên bộ mẫu 80 đơn vị của Thành phố Bắc Ninh: tạo biểu mẫu đã điền
    (năm 2016 và 2017), tổng hợp, in tóm tắt và đoạn văn đánh giá năm 2016.

    \b
    Ví dụ:
      xlplan demo
      xlplan demo --out xlplan-demo
    """
    from ..services.demo import run_demo
    demo = with_progress(lambda progress: run_demo(Path(out_dir) if out_dir else None, seed=seed,
                                                    progress=progress), "Đang tổng hợp")
    result = demo.result
    click.echo(f"Đã tạo {demo.files_written} tệp báo cáo mẫu của {demo.units} đơn vị "
               f"trong: {(demo.folder / 'NopBaoCao').resolve()}")
    click.echo()
    for key, value in result.consolidation.summary.items():
        click.echo(f"- {SUMMARY_LABELS.get(key, key)}: {value}")
    click.echo()
    click.echo("Đoạn văn đánh giá năm trước (tạo từ các tệp đã tổng hợp):")
    click.echo(result.consolidation.paragraph)
    click.echo()
    print_counts(report_of(result.findings))
    click.echo(f"Sổ tổng hợp: {result.workbook.resolve()}")


SUMMARY_LABELS = {
    "nam": "Năm kế hoạch", "so_don_vi": "Số tổ chức cơ sở đảng", "so_tep": "Số tệp đã đọc",
    "so_tep_su_dung": "Số tệp dùng để tổng hợp", "so_nop_trung": "Số lần nộp trùng", "so_loi": "Số lỗi",
    "so_canh_bao": "Số cảnh báo", "so_ghi_chu": "Số ghi chú", "da_dang_ky": "Số đơn vị đã đăng ký",
    "dang_ky_dung_han": "Đăng ký đúng hạn", "dang_ky_ket_nap": "Tổng số đăng ký kết nạp",
    "ky_moi_nhat": "Kỳ báo cáo mới nhất", "ket_nap": "Đã kết nạp (lũy kế)", "chi_tieu_ket_nap": "Chỉ tiêu kết nạp",
    "ty_le_ket_nap": "Tỷ lệ so với chỉ tiêu",
}


@click.command("report")
@FOLDER_ARGUMENT
@FOLDER_OPTION
@click.option("--pdf", "as_pdf", is_flag=True,
              help="Xuất trang Báo cáo ra tệp PDF (A4 dọc) trong thư mục kết quả: KetQua/BaoCao_<năm>.pdf. "
                   "Cần LibreOffice.")
@click.option("--docx", "as_docx", is_flag=True,
              help="Ghi báo cáo ra tệp Word sửa được (KetQua/BaoCao_<năm>.docx), cùng nội dung và thể thức.")
@click.option("--period", "report_period", metavar="KỲ",
              help="Báo cáo cho một kỳ: quý (2017-Q2), 6 tháng đầu năm (2017-6T) hoặc cả năm (2017).")
@ENGINE_OPTION
@AS_OF_OPTION
@JSON_OPTION
@guard
def report_cmd(folder: Path | None, folder_option: Path | None, as_pdf: bool, engine: str | None, as_of: dt.date | None, as_json: bool, as_docx: bool = False, report_period: str | None = None) -> None:
    """Cập nhật trang Báo cáo của sổ tổng hợp (tổng hợp lại từ thư mục nhận báo cáo) và, với --pdf,
    in trang đó ra PDF theo thể thức văn bản của Đảng; mã thoát 1 nếu có lỗi số liệu.

    THƯ_MỤC (hoặc -d THƯ_MỤC) là thư mục làm việc; không ghi thì dùng thư mục hiện tại hoặc thư mục
    gần nhất chứa nó có sổ tổng hợp SoTongHop.xlsx.

    \b
    Ví dụ:
      xlplan report                 (trong thư mục làm việc)
      xlplan report -d TongHop2017 --pdf
      xlplan report --docx --period 2017-6T
    """
    from ..services.report import refresh_report
    root = working_folder(folder, folder_option)
    done = with_progress(lambda progress: refresh_report(root, pdf=as_pdf, engine=engine, progress=progress,
                                                          as_of=as_of, docx=as_docx, period=report_period),
                         "Đang tổng hợp")
    report = report_of(done.result.findings)
    if as_json:
        echo_json({"workbook": str(done.workbook), "pdf": str(done.pdf) if done.pdf else None,
                    "docx": str(done.docx) if done.docx else None, "paragraph": done.paragraph, "summary": done.result.consolidation.summary,
                    "findings": [f.to_dict() for f in report]})
    else:
        click.echo(f"Đã cập nhật trang Báo cáo: {done.workbook.resolve()}")
        if done.pdf:
            click.echo(f"Báo cáo PDF: {done.pdf.resolve()}")
        if done.docx:
            click.echo(f"Báo cáo Word (sửa được): {done.docx.resolve()}")
        print_counts(report)
    sys.exit(done.exit_code)


@click.command("feedback")
@FOLDER_ARGUMENT
@FOLDER_OPTION
@click.option("--deadline", metavar="NGÀY",
              help="Hạn đơn vị gửi lại, dạng ngày/tháng/năm (mặc định: 7 ngày kể từ hôm nay).")
@click.option("--so-dau", "first_number", type=click.IntRange(min=1), metavar="SỐ",
              help="Số công văn bắt đầu, khi sổ công văn chưa có số nào lớn hơn (mặc định: tiếp theo số lớn nhất).")
@click.option("--khong-pdf", "no_pdf", is_flag=True, help="Không in công văn ra PDF.")
@ENGINE_OPTION
@AS_OF_OPTION
@JSON_OPTION
@guard
def feedback_cmd(folder: Path | None, folder_option: Path | None, deadline: str | None, first_number: int | None,
                 no_pdf: bool, engine: str | None, as_of: dt.date | None, as_json: bool) -> None:
    """Gửi mỗi đơn vị có lỗi hoặc cảnh báo một công văn có số (GuiDonVi/PhanHoi/<mã>_phanhoi.xlsx và .pdf)
    nêu mọi nội dung cần sửa của mọi biểu, kèm bản sao tệp đơn vị đã nộp, các ô cần sửa được tô màu và
    có ghi chú. Công văn được ghi vào sổ công văn; lần tổng hợp sau đánh dấu từng nội dung đã khắc
    phục hay còn tồn tại, và công văn sau nêu lại. Tệp gốc trong thư mục nhận báo cáo không bị thay
    đổi. Mã thoát 1 nếu có đơn vị còn lỗi phải sửa.

    THƯ_MỤC (hoặc -d THƯ_MỤC) là thư mục làm việc; không ghi thì dùng thư mục hiện tại hoặc thư mục
    gần nhất chứa nó có sổ tổng hợp SoTongHop.xlsx.

    \b
    Ví dụ:
      xlplan feedback               (trong thư mục làm việc)
      xlplan feedback -d TongHop2017 --deadline 31/03/2017
    """
    from ..services.feedback import write_feedback
    try:
        due = dt.datetime.strptime(deadline.strip(), "%d/%m/%Y").date() if deadline else None
    except ValueError:
        raise Failure(f"Hạn gửi lại '{deadline}' không phải ngày dạng ngày/tháng/năm (ví dụ 31/03/2017).") from None
    root = working_folder(folder, folder_option)
    done = with_progress(lambda progress: write_feedback(root, deadline=due, engine=engine, progress=progress,
                                                          as_of=as_of, pdf=not no_pdf, first_number=first_number),
                         "Đang kiểm tra")
    if as_json:
        echo_json({"folder": str(done.folder), "deadline": done.deadline.isoformat(), "units": done.units,
                    "findings": done.findings, "errors": done.errors, "not_sent": len(done.not_sent),
                    "moved": [str(p) for p in done.moved], "pdf_note": done.pdf_note,
                    "letters": [{"unit": x.unit, "number": x.number, "so": x.number_text, "path": str(x.path),
                                 "pdf": str(x.pdf) if x.pdf else None, "points": x.points,
                                 "follow_up": x.follow_up} for x in done.letters],
                    "files": [{"path": str(f.path), "unit": f.unit, "source": f.source, "copied": f.copied,
                               "findings": f.findings, "errors": f.errors, "highlighted": f.highlighted,
                               "note": f.note} for f in done.files]})
        sys.exit(done.exit_code)
    if not done.files:
        click.echo("Không có đơn vị nào có lỗi hoặc cảnh báo: không cần gửi phản hồi.")
    else:
        click.echo(table(((f.unit, f.path.name, "bản sao tô màu" if f.copied else "công văn", f.findings,
                            f.errors) for f in done.files),
                          ["Đơn vị", "Tệp phản hồi", "Loại", "Phát hiện", "Lỗi"]))
        click.echo(f"\nĐã tạo {len(done.letters)} công văn ({done.letters[0].number_text} đến "
                   f"{done.letters[-1].number_text}) và {len(done.files) - len(done.letters)} bản sao tô màu cho "
                   f"{done.units} đơn vị (hạn gửi lại {done.deadline:%d/%m/%Y}) trong: {done.folder.resolve()}"
                   if done.letters else
                   f"\nĐã tạo {len(done.files)} tệp phản hồi cho {done.units} đơn vị "
                   f"(hạn gửi lại {done.deadline:%d/%m/%Y}) trong: {done.folder.resolve()}")
        if done.pdf_note:
            click.echo(f"Lưu ý: công văn chưa in ra PDF: {done.pdf_note}")
    for f in done.files:
        if f.note:
            click.echo(f"Lưu ý: {f.unit}: {f.note} Đơn vị chỉ nhận công văn, không kèm bản sao.")
    if done.not_sent:
        click.echo(f"{len(done.not_sent)} phát hiện không gửi được cho đơn vị nào (không rõ đơn vị, "
                   "hoặc ở tệp đã được thay bằng tệp nộp sau): xem trang Kiểm tra.")
    if done.moved:
        click.echo(f"Đã chuyển {len(done.moved)} tệp phản hồi cũ vào: {done.moved[0].parent.resolve()}")
    sys.exit(done.exit_code)
