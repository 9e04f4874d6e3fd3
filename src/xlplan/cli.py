"""The ``xlplan`` command line: a thin face over the library.

Each command parses its options, calls one library function and prints the
result; it only translates exceptions into Vietnamese messages. Exit codes:
0 fine, 1 findings of error severity, 2 could not run. Heavy modules are
imported inside the commands so that ``xlplan --help`` stays instant.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from . import __version__
from .core.errors import XlplanError

log = logging.getLogger("xlplan")

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2

PLAN_OPTION = click.option(
    "--plan", "plan_name", metavar="TÊN|TỆP",
    help="Kế hoạch: tên kế hoạch có sẵn (bac_ninh_2017) hoặc đường dẫn tệp .toml.")
REGISTRY_OPTION = click.option(
    "--registry", "registry_name", metavar="TỆP",
    help="Danh mục đơn vị: tệp .csv hoặc .xlsx (mặc định: danh mục mẫu 80 đơn vị).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")


class Failure(click.ClickException):
    """A run that could not be done: message shown, exit code 2."""

    exit_code = EXIT_FAILED

    def show(self, file: Any = None) -> None:
        click.echo(f"Lỗi: {self.format_message()}", err=True)


def _guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library exceptions into messages: user-safe ones as is, others generically."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            sys.stderr.close()
            sys.exit(EXIT_OK)
        except XlplanError as exc:
            for finding in getattr(exc, "findings", [])[:50]:
                click.echo(f"  - {finding.message}", err=True)
            raise Failure(str(exc) if not getattr(exc, "findings", None) else _first_line(exc)) from None
        except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
            raise Failure(_os_message(exc)) from None
        except Exception as exc:  # a bug: keep the traceback in the log, show a short message
            log.exception("unexpected error")
            raise Failure(f"Lỗi không mong đợi ({type(exc).__name__}: {exc}). "
                          "Hãy gửi thông báo này cho bộ phận kỹ thuật.") from None
    return wrapper


def _first_line(exc: Exception) -> str:
    findings = getattr(exc, "findings", [])
    return f"{len(findings)} lỗi (xem danh sách ở trên)." if findings else str(exc)


def _os_message(exc: OSError) -> str:
    name = exc.filename or ""
    if isinstance(exc, FileNotFoundError):
        return f"Không tìm thấy '{name}'." if name else str(exc)
    if isinstance(exc, PermissionError):
        return f"Không có quyền truy cập '{name}' (tệp đang mở trong Excel?)."
    return f"Đường dẫn không hợp lệ: '{name}' ({exc.strerror})."


def _plan(name: str | None):
    from .io.plans import load_plan
    return load_plan(name)


def _registry(name: str | None, plan):
    from .io.registry import load_registry
    return load_registry(name, plan)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _table(rows: Iterable[Iterable[Any]], headers: list[str]) -> str:
    rows = [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


# -- the group ---------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="xlplan")
@click.option("-v", "--verbose", is_flag=True, help="In thêm thông tin chẩn đoán.")
def main(verbose: bool) -> None:
    """xlplan: biểu mẫu Excel, tổng hợp và chỉ tiêu của Kế hoạch xây dựng tổ chức Đảng TSVM
    và phát triển đảng viên.

    \b
    Ví dụ:
      xlplan plan show
      xlplan forms make F01 --period 2017 --out bieu-mau
      xlplan check NopBaoCao/P_VUNINH_F01_2017.xlsx
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


# -- plan --------------------------------------------------------------------------

@main.group("plan")
def plan_group() -> None:
    """Xem kế hoạch (chỉ tiêu, loại hình, xếp loại, hạn nộp).

    \b
    Ví dụ:
      xlplan plan show
    """


@plan_group.command("show")
@click.argument("file", required=False)
@JSON_OPTION
@_guard
def plan_show(file: str | None, as_json: bool) -> None:
    """In kế hoạch FILE (mặc định: kế hoạch năm 2017 của Thành ủy Bắc Ninh).

    \b
    Ví dụ:
      xlplan plan show
      xlplan plan show ke_hoach_2018.toml --json
    """
    from .services.plan_text import plan_summary, plan_as_dict
    plan = _plan(file)
    if as_json:
        _echo_json(plan_as_dict(plan))
    else:
        click.echo(plan_summary(plan))


# -- findings catalogue -----------------------------------------------------------------

@main.command("findings")
@click.option("--markdown", is_flag=True, help="In dạng Markdown (nguồn của docs/findings.md).")
@JSON_OPTION
def findings_cmd(markdown: bool, as_json: bool) -> None:
    """Danh mục mã phát hiện (lỗi, cảnh báo) mà xlplan có thể báo.

    \b
    Ví dụ:
      xlplan findings
      xlplan findings --markdown > docs/findings.md
    """
    from .core.findings import CATALOGUE, catalogue_markdown
    if markdown:
        click.echo(catalogue_markdown(), nl=False)
    elif as_json:
        _echo_json([{"code": k.code, "severity": k.severity.value, "title": k.title,
                     "message": k.message, "fix": k.fix} for k in CATALOGUE.values()])
    else:
        click.echo(_table(((k.code, k.severity.label, k.title) for k in CATALOGUE.values()),
                          ["Mã", "Mức độ", "Nội dung"]))


# -- registry --------------------------------------------------------------------------

@main.group("registry")
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
@_guard
def registry_show(file: str | None, plan_name: str | None, as_json: bool) -> None:
    """Kiểm tra và in danh mục đơn vị FILE (.csv/.xlsx; mặc định: danh mục mẫu).

    \b
    Ví dụ:
      xlplan registry show
      xlplan registry show danh_muc.csv --json
    """
    plan = _plan(plan_name)
    registry = _registry(file, plan)
    if as_json:
        _echo_json([{"ma": u.code, "ten": u.name, "loai_hinh": u.kind, "co_nguon": u.has_source,
                     "so_dang_vien": u.members, "so_chi_bo": u.cells, "lien_he": u.contact}
                    for u in registry])
        return
    click.echo(_table(((u.code, u.name, u.kind, "có" if u.has_source else "không", u.members)
                       for u in registry), ["Mã", "Tên", "Loại hình", "Có nguồn", "Đảng viên"]))
    from .core.indicators import format_number
    click.echo(f"\n{len(registry)} đơn vị, {format_number(registry.total_members())} đảng viên.")


# -- forms --------------------------------------------------------------------------

@main.group("forms")
def forms_group() -> None:
    """Biểu mẫu F01 (đăng ký), F02 (báo cáo định kỳ), F03 (đánh giá chất lượng).

    \b
    Ví dụ:
      xlplan forms describe F01
      xlplan forms make F02 --period 2017-01 --out bieu-mau
    """


@forms_group.command("describe")
@click.argument("form", type=click.Choice(["F01", "F02", "F03"], case_sensitive=False))
@PLAN_OPTION
@JSON_OPTION
@_guard
def forms_describe(form: str, plan_name: str | None, as_json: bool) -> None:
    """In các trường của biểu mẫu FORM (mã trường, nhãn, kiểu, ràng buộc).

    \b
    Ví dụ:
      xlplan forms describe F02
      xlplan forms describe F03 --json
    """
    from .core.forms import form_spec
    from .services.forms import describe_form
    spec = form_spec(form, _plan(plan_name))
    rows = describe_form(spec)
    if as_json:
        _echo_json({"form": spec.id, "version": spec.version, "title": spec.title, "fields": rows})
        return
    click.echo(f"{spec.id} — {spec.title} (phiên bản {spec.version})\n")
    click.echo(_table(((r["id"], r["label"], r["type"], r["constraints"]) for r in rows),
                      ["Mã trường", "Nội dung", "Kiểu", "Ràng buộc"]))


@forms_group.command("make")
@click.argument("form", type=click.Choice(["F01", "F02", "F03"], case_sensitive=False))
@click.option("--period", required=True, metavar="KỲ", help="Kỳ báo cáo: 2017, 2017-Q1 hoặc 2017-01.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Thư mục ghi biểu mẫu.")
@click.option("--units", metavar="MÃ,MÃ", help="Chỉ tạo cho các mã đơn vị này (cách nhau bằng dấu phẩy).")
@PLAN_OPTION
@REGISTRY_OPTION
@_guard
def forms_make(form: str, period: str, out_dir: str, units: str | None, plan_name: str | None,
               registry_name: str | None) -> None:
    """Tạo biểu mẫu FORM kỳ PERIOD cho từng đơn vị: <mã>_<biểu>_<kỳ>.xlsx.

    \b
    Ví dụ:
      xlplan forms make F01 --period 2017 --out bieu-mau
      xlplan forms make F02 --period 2017-01 --out bieu-mau --units P_VUNINH,X_HOALONG
    """
    from .services.forms import make_forms
    plan = _plan(plan_name)
    registry = _registry(registry_name, plan)
    codes = [c.strip() for c in units.split(",") if c.strip()] if units else None
    paths = make_forms(plan, list(registry), form.upper(), period, Path(out_dir), codes=codes)
    click.echo(f"Đã tạo {len(paths)} biểu mẫu {form.upper()} kỳ {period} trong: {Path(out_dir).resolve()}")


@forms_group.command("templates")
@click.option("--out", "out_dir", default="templates", show_default=True, type=click.Path(file_okay=False),
              help="Thư mục ghi biểu mẫu trắng.")
@PLAN_OPTION
@_guard
def forms_templates(out_dir: str, plan_name: str | None) -> None:
    """Tạo các biểu mẫu trắng F01.xlsx, F02.xlsx, F03.xlsx.

    \b
    Ví dụ:
      xlplan forms templates --out templates
    """
    from .services.forms import make_templates
    paths = make_templates(_plan(plan_name), Path(out_dir))
    for path in paths:
        click.echo(str(path))


def _with_progress(job: Callable[[Callable[[int, int], None] | None], Any], label: str) -> Any:
    """Run ``job(progress)`` with a console progress bar once the work passes a second."""
    import time
    state: dict[str, Any] = {"bar": None, "start": time.monotonic(), "done": 0}

    def progress(done: int, total: int) -> None:
        if state["bar"] is None:
            if time.monotonic() - state["start"] < 1.0 or not sys.stderr.isatty():
                return
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state["done"])
        state["done"] = done

    try:
        return job(progress)
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


# -- check -----------------------------------------------------------------------------

@main.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@PLAN_OPTION
@REGISTRY_OPTION
@JSON_OPTION
@_guard
def check_cmd(files: tuple[str, ...], plan_name: str | None, registry_name: str | None, as_json: bool) -> None:
    """Kiểm tra các tệp biểu mẫu trước khi gửi; mã thoát 1 nếu có lỗi.

    \b
    Ví dụ:
      xlplan check P_VUNINH_F01_2017.xlsx
      xlplan check NopBaoCao/*.xlsx --json
    """
    from .services.check import check_files
    plan = _plan(plan_name)
    registry = _registry(registry_name, plan) if registry_name else None
    report = check_files([Path(f) for f in files], plan, registry)
    if as_json:
        _echo_json({"valid": report.valid, "findings": [f.to_dict() for f in report]})
    else:
        _print_findings(report)
    sys.exit(report.exit_code)


def _print_findings(report) -> None:
    if not len(report):
        click.echo("Không phát hiện vấn đề nào.")
        return
    click.echo(_table(((f.severity.label, f.code, f.unit, Path(f.file).name if f.file else "", f.location,
                        f.message) for f in report),
                      ["Mức độ", "Mã", "Đơn vị", "Tệp", "Ô", "Nội dung"]))
    errors = len(report.errors)
    click.echo(f"\n{len(report)} phát hiện, trong đó {errors} lỗi.")


# -- the working folder ----------------------------------------------------------------

@main.command("init")
@click.argument("folder", type=click.Path(file_okay=False))
@PLAN_OPTION
@REGISTRY_OPTION
@click.option("--overwrite", is_flag=True, help="Tạo lại sổ tổng hợp nếu đã có (sổ cũ được sao lưu).")
@_guard
def init_cmd(folder: str, plan_name: str | None, registry_name: str | None, overwrite: bool) -> None:
    """Tạo thư mục làm việc FOLDER: sổ tổng hợp, thư mục nhận báo cáo (NopBaoCao),
    thư mục gửi đơn vị (GuiDonVi) và thư mục kết quả (KetQua).

    \b
    Ví dụ:
      xlplan init TongHop2017
      xlplan init TongHop2017 --registry danh_muc.csv
    """
    from .services.workspace import init_workspace
    workbook = init_workspace(Path(folder), plan_name, registry_name, overwrite=overwrite)
    click.echo(f"Đã tạo sổ tổng hợp: {workbook.resolve()}")
    click.echo(f"Đặt các tệp báo cáo nhận được vào: {(workbook.parent / 'NopBaoCao').resolve()}")


@main.command("consolidate")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--engine", type=click.Choice(["calamine", "openpyxl"]), help="Bộ đọc tệp (mặc định: calamine).")
@JSON_OPTION
@_guard
def consolidate_cmd(folder: str, engine: str | None, as_json: bool) -> None:
    """Tổng hợp mọi tệp trong thư mục nhận báo cáo vào sổ tổng hợp; mã thoát 1 nếu có lỗi.

    \b
    Ví dụ:
      xlplan consolidate TongHop2017
      xlplan consolidate TongHop2017 --json
    """
    from .services.consolidate import consolidate_folder
    result = _with_progress(lambda progress: consolidate_folder(Path(folder), engine=engine, progress=progress),
                            "Đang đọc báo cáo")
    report = _report(result.findings)
    if as_json:
        _echo_json({"workbook": str(result.workbook), "status": result.status, "run_id": result.run_id,
                    "files": result.files, "skipped": result.skipped,
                    "summary": result.consolidation.summary, "paragraph": result.consolidation.paragraph,
                    "findings": [f.to_dict() for f in report]})
    else:
        click.echo(f"Đã đọc {result.files} tệp, bỏ qua {result.skipped} tệp.")
        _print_counts(report)
        if not result.changed:
            click.echo("Không có gì mới: sổ tổng hợp giữ nguyên.")
        click.echo(f"Sổ tổng hợp: {result.workbook.resolve()}")
        if result.backup:
            click.echo(f"Bản sao lưu sổ cũ: {result.backup}")
    sys.exit(report.exit_code)


@main.command("status")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--form", "form_id", type=click.Choice(["F01", "F02", "F03"], case_sensitive=False),
              help="Chỉ biểu này.")
@click.option("--period", metavar="KỲ", help="Chỉ kỳ này (2017, 2017-Q1, 2017-01).")
@JSON_OPTION
@_guard
def status_cmd(folder: str, form_id: str | None, period: str | None, as_json: bool) -> None:
    """Ai đã nộp, ai nộp muộn, ai chưa nộp — theo biểu và kỳ.

    \b
    Ví dụ:
      xlplan status TongHop2017
      xlplan status TongHop2017 --form F01 --period 2017
    """
    from .services.status import submission_status
    rows, rates = submission_status(Path(folder), form_id.upper() if form_id else None, period)
    if as_json:
        _echo_json({"rows": rows, "rates": rates})
        return
    for rate in rates:
        click.echo(f"{rate['bieu']} kỳ {rate['ky']}: đã nộp {rate['da_nop']}/{rate['du_kien']}"
                   f" ({rate['ty_le_day_du_text']}), đúng hạn {rate['dung_han']} ({rate['ty_le_dung_han_text']})")
    late = [r for r in rows if r["dung_han"] != "Đúng hạn"]
    if late:
        click.echo()
        click.echo(_table(((r["bieu"], r["ky"], r["ma"], r["ten"], r["dung_han"], r["han_nop"]) for r in late),
                          ["Biểu", "Kỳ", "Mã", "Đơn vị", "Tình trạng", "Hạn nộp"]))


@main.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Thư mục tạo bộ dữ liệu mẫu (mặc định: một thư mục mới xlplan-demo-…).")
@click.option("--seed", default=2017, show_default=True, help="Hạt giống sinh số liệu mẫu.")
@_guard
def demo_cmd(out_dir: str | None, seed: int) -> None:
    """Chạy toàn bộ quy trình trên bộ mẫu 80 đơn vị của Thành phố Bắc Ninh: tạo biểu mẫu đã điền
    (năm 2016 và 2017), tổng hợp, in tóm tắt và đoạn văn đánh giá năm 2016.

    \b
    Ví dụ:
      xlplan demo
      xlplan demo --out xlplan-demo
    """
    from .services.demo import run_demo
    demo = _with_progress(lambda progress: run_demo(Path(out_dir) if out_dir else None, seed=seed,
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
    _print_counts(_report(result.findings))
    click.echo(f"Sổ tổng hợp: {result.workbook.resolve()}")


SUMMARY_LABELS = {
    "nam": "Năm kế hoạch", "so_don_vi": "Số tổ chức cơ sở đảng", "so_tep": "Số tệp đã đọc",
    "so_tep_su_dung": "Số tệp dùng để tổng hợp", "so_nop_trung": "Số lần nộp trùng", "so_loi": "Số lỗi",
    "so_canh_bao": "Số cảnh báo", "so_ghi_chu": "Số ghi chú", "da_dang_ky": "Số đơn vị đã đăng ký",
    "dang_ky_dung_han": "Đăng ký đúng hạn", "dang_ky_ket_nap": "Tổng số đăng ký kết nạp",
    "ky_moi_nhat": "Kỳ báo cáo mới nhất", "ket_nap": "Đã kết nạp (lũy kế)", "chi_tieu_ket_nap": "Chỉ tiêu kết nạp",
    "ty_le_ket_nap": "Tỷ lệ so với chỉ tiêu",
}


def _report(findings):
    from .core.findings import Report
    return Report(list(findings))


def _print_counts(report) -> None:
    from .core.findings import Severity
    click.echo(f"Phát hiện: {report.count(Severity.ERROR)} lỗi, {report.count(Severity.WARNING)} cảnh báo, "
               f"{report.count(Severity.INFO)} ghi chú (xem trang Kiểm tra của sổ tổng hợp).")


@main.command("report")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--pdf", "as_pdf", is_flag=True,
              help="Xuất trang Báo cáo ra tệp PDF (A4 dọc) trong thư mục kết quả: KetQua/BaoCao_<năm>.pdf. "
                   "Cần LibreOffice.")
@click.option("--engine", type=click.Choice(["calamine", "openpyxl"]), help="Bộ đọc tệp (mặc định: calamine).")
@JSON_OPTION
@_guard
def report_cmd(folder: str, as_pdf: bool, engine: str | None, as_json: bool) -> None:
    """Cập nhật trang Báo cáo của sổ tổng hợp (tổng hợp lại từ thư mục nhận báo cáo) và, với --pdf,
    in trang đó ra PDF theo thể thức văn bản của Đảng; mã thoát 1 nếu có lỗi số liệu.

    \b
    Ví dụ:
      xlplan report TongHop2017
      xlplan report TongHop2017 --pdf
    """
    from .services.report import refresh_report
    done = _with_progress(lambda progress: refresh_report(Path(folder), pdf=as_pdf, engine=engine,
                                                          progress=progress), "Đang tổng hợp")
    report = _report(done.result.findings)
    if as_json:
        _echo_json({"workbook": str(done.workbook), "pdf": str(done.pdf) if done.pdf else None,
                    "paragraph": done.paragraph, "summary": done.result.consolidation.summary,
                    "findings": [f.to_dict() for f in report]})
    else:
        click.echo(f"Đã cập nhật trang Báo cáo: {done.workbook.resolve()}")
        if done.pdf:
            click.echo(f"Báo cáo PDF: {done.pdf.resolve()}")
        _print_counts(report)
    sys.exit(done.exit_code)


@main.command("feedback")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--deadline", metavar="NGÀY",
              help="Hạn đơn vị gửi lại, dạng ngày/tháng/năm (mặc định: 7 ngày kể từ hôm nay).")
@click.option("--engine", type=click.Choice(["calamine", "openpyxl"]), help="Bộ đọc tệp (mặc định: calamine).")
@JSON_OPTION
@_guard
def feedback_cmd(folder: str, deadline: str | None, engine: str | None, as_json: bool) -> None:
    """Tạo tệp phản hồi cho từng đơn vị có lỗi hoặc cảnh báo, trong GuiDonVi/PhanHoi: bản sao tệp
    đơn vị đã nộp, các ô cần sửa được tô màu và có ghi chú, kèm trang «Phản hồi» (công văn của Ban
    Tổ chức); đơn vị chưa nộp nhận công văn riêng. Tệp gốc trong thư mục nhận báo cáo không bị thay
    đổi. Mã thoát 1 nếu có đơn vị còn lỗi phải sửa.

    \b
    Ví dụ:
      xlplan feedback TongHop2017
      xlplan feedback TongHop2017 --deadline 31/03/2017
    """
    import datetime as dt
    from .services.feedback import write_feedback
    try:
        due = dt.datetime.strptime(deadline.strip(), "%d/%m/%Y").date() if deadline else None
    except ValueError:
        raise Failure(f"Hạn gửi lại '{deadline}' không phải ngày dạng ngày/tháng/năm (ví dụ 31/03/2017).") from None
    done = _with_progress(lambda progress: write_feedback(Path(folder), deadline=due, engine=engine,
                                                          progress=progress), "Đang kiểm tra")
    if as_json:
        _echo_json({"folder": str(done.folder), "deadline": done.deadline.isoformat(), "units": done.units,
                    "findings": done.findings, "errors": done.errors, "not_sent": len(done.not_sent),
                    "moved": [str(p) for p in done.moved],
                    "files": [{"path": str(f.path), "unit": f.unit, "source": f.source, "copied": f.copied,
                               "findings": f.findings, "errors": f.errors, "highlighted": f.highlighted,
                               "note": f.note} for f in done.files]})
        sys.exit(done.exit_code)
    if not done.files:
        click.echo("Không có đơn vị nào có lỗi hoặc cảnh báo: không cần gửi phản hồi.")
    else:
        click.echo(_table(((f.unit, f.path.name, "bản sao tô màu" if f.copied else "công văn", f.findings,
                            f.errors) for f in done.files),
                          ["Đơn vị", "Tệp phản hồi", "Loại", "Phát hiện", "Lỗi"]))
        click.echo(f"\nĐã tạo {len(done.files)} tệp phản hồi cho {done.units} đơn vị "
                   f"(hạn gửi lại {done.deadline:%d/%m/%Y}) trong: {done.folder.resolve()}")
    for f in done.files:
        if f.note:
            click.echo(f"Lưu ý: {f.unit}: {f.note} Đơn vị chỉ nhận công văn.")
    if done.not_sent:
        click.echo(f"{len(done.not_sent)} phát hiện không gửi được cho đơn vị nào (không rõ đơn vị, "
                   "hoặc ở tệp đã được thay bằng tệp nộp sau): xem trang Kiểm tra.")
    if done.moved:
        click.echo(f"Đã chuyển {len(done.moved)} tệp phản hồi cũ vào: {done.moved[0].parent.resolve()}")
    sys.exit(done.exit_code)


def _attach_addin() -> None:
    """Commands kept in their own modules: ``addin``, ``trace``."""
    from .cli_addin import addin_group
    from .cli_trace import trace_cmd
    main.add_command(addin_group)
    main.add_command(trace_cmd)


_attach_addin()


if __name__ == "__main__":  # pragma: no cover
    main()
