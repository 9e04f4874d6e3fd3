"""What every ``xlplan`` command shares: the one error translation, exit codes, options, output.

The command modules of :mod:`xlplan.cli` import this module and nothing else of the
package, so the package has no import circle: ``xlplan.cli`` (the group) imports the
command modules to wire them, never the other way round. Only ``click`` and the core's
error types are imported here, which keeps ``xlplan --help`` instant; the library is
imported inside the commands.

Exit codes: 0 fine, 1 findings of error severity (decided by
:attr:`xlplan.core.findings.Report.exit_code`, never here), 2 could not run.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import click

from ..core.errors import XlplanError

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # the type click.progressbar() returns

log = logging.getLogger("xlplan")

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2

PLAN_OPTION = click.option(
    "--plan", "plan_name", metavar="TÊN|TỆP",
    help="Kế hoạch: tên kế hoạch có sẵn (bac_ninh_2017) hoặc đường dẫn tệp .toml.")
REGISTRY_OPTION = click.option(
    "--registry", "registry_name", metavar="TỆP",
    help="Danh mục đơn vị: tệp .csv hoặc .xlsx (mặc định: danh mục mẫu 80 đơn vị).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
ENGINE_OPTION = click.option("--engine", type=click.Choice(["calamine", "openpyxl"]),
                             help="Bộ đọc tệp (mặc định: calamine).")
FORMS = ("F01", "F02", "F03")


# -- argument types that refuse in Vietnamese --------------------------------------------------

class FormType(click.ParamType):
    """A form id, any case (f01 = F01); anything else is refused listing the forms."""

    name = "biểu"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(FORMS) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().upper()
        if text not in FORMS:
            self.fail(f"không có biểu '{value}' (chỉ có: {', '.join(FORMS)}).", param, ctx)
        return text


class FolderType(click.ParamType):
    """A folder: refused when it is a file, or (``exists``) when it is not there; ``as_path`` gives a Path."""

    name = "thư mục"

    def __init__(self, exists: bool, as_path: bool = False):
        self.exists = exists
        self.as_path = as_path

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(str(value))
        if path.exists() and not path.is_dir():
            self.fail(f"'{value}' là một tệp, không phải thư mục.", param, ctx)
        if self.exists and not path.is_dir():
            self.fail(f"không thấy thư mục '{value}'.", param, ctx)
        return path if self.as_path else str(value)


class FileType(click.ParamType):
    """A file path: refused when it names a folder (a missing file is the service's to report).

    ``as_path`` hands the command a :class:`~pathlib.Path` instead of the text.
    """

    name = "tệp"

    def __init__(self, as_path: bool = False):
        self.as_path = as_path

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if Path(str(value)).is_dir():
            self.fail(f"'{value}' là một thư mục, không phải tệp.", param, ctx)
        return Path(str(value)) if self.as_path else str(value)


class DayType(click.ParamType):
    """A date typed as dd/mm/yyyy or yyyy-mm-dd."""

    name = "ngày"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        from ..services.settings import parse_day  # the one reading of a typed date (the Cấu hình cells' too)

        day = parse_day(value)
        if day is not None:
            return day
        self.fail(f"'{value}' không phải ngày dạng ngày/tháng/năm (ví dụ 28/02/2017) hoặc năm-tháng-ngày "
                  "(2017-02-28).", param, ctx)


FORM_CHOICE = FormType()
FOLDER = FolderType(exists=True)
NEW_FOLDER = FolderType(exists=False)
FILE_PATH = FileType()
AS_OF_OPTION = click.option(
    "--as-of", "as_of", type=DayType(), metavar="NGÀY",
    help="Ngày chốt số liệu (ngày/tháng/năm hoặc năm-tháng-ngày): biểu chưa đến hạn vào ngày này là "
         "«Chưa đến hạn». Thay cho ô «Ngày chốt số liệu» ở trang Cấu hình trong lần chạy này; mặc định "
         "là ô đó, ô trống là ngày chạy.")


# -- usage errors in Vietnamese ---------------------------------------------------------------

class Refusal(click.ClickException):
    """Bad arguments, said in Vietnamese with where to look: exit code 2, no usage dump."""

    exit_code = 2

    def __init__(self, message: str, command_path: str = "xlplan"):
        super().__init__(message)
        self.command_path = command_path

    def show(self, file: Any = None) -> None:
        click.echo(f"Lỗi: {self.format_message()}", err=True)
        click.echo(f"Xem cách dùng: {self.command_path} --help", err=True)


class CliGroup(click.Group):
    """The top group: click's (English) usage errors, from any sub-command, become :class:`Refusal`."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _refusal(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _refusal(exc) from None


def _refusal(exc: click.UsageError) -> Refusal:
    path = exc.ctx.command_path if exc.ctx is not None else "xlplan"
    return Refusal(usage_message(exc), path)


def usage_message(exc: click.UsageError) -> str:
    """A click usage error said in Vietnamese (our own types' messages already are)."""
    if isinstance(exc, click.MissingParameter):
        param = exc.param
        if isinstance(param, click.Option):
            return f"thiếu tùy chọn {max(param.opts, key=len) if param.opts else param.name}."
        name = param.human_readable_name if param is not None else ""
        return f"thiếu tham số {name}." if name else "thiếu tham số."
    if isinstance(exc, click.NoSuchOption):
        hint = f" Có phải là: {', '.join(sorted(exc.possibilities))}?" if exc.possibilities else ""
        return f"không có tùy chọn '{exc.option_name}'.{hint}"
    if isinstance(exc, click.BadOptionUsage):
        if "requires" in exc.message:
            return f"tùy chọn {exc.option_name} cần một giá trị."
        return f"dùng tùy chọn {exc.option_name} không đúng."
    if isinstance(exc, click.BadParameter):
        param = exc.param
        where = exc.param_hint if isinstance(exc.param_hint, str) else (
            (max(param.opts, key=len) if isinstance(param, click.Option) and param.opts else
             param.human_readable_name) if param is not None else "")
        what = exc.message
        if param is not None and isinstance(param.type, click.Choice):
            what = f"phải là một trong: {', '.join(map(str, param.type.choices))}."
        elif param is not None and param.type in (click.INT, click.FLOAT):
            what = "phải là một số."
        return f"giá trị của {where} không hợp lệ: {what}" if where else f"giá trị không hợp lệ: {what}"
    message = exc.message
    if (found := re.match(r"No such command '(.*)'", message)):
        return f"không có lệnh '{found.group(1)}'."
    if (found := re.match(r"Got unexpected extra arguments? \((.*)\)", message)):
        return f"thừa tham số: {found.group(1)}."
    if message.startswith("Missing command"):
        return "thiếu lệnh con."
    return f"cách dùng không đúng ({message})."


class Failure(click.ClickException):
    """A run that could not be done: message shown, exit code 2."""

    exit_code = EXIT_FAILED

    def show(self, file: Any = None) -> None:
        click.echo(f"Lỗi: {self.format_message()}", err=True)


def guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library exceptions into messages: user-safe ones as is, others generically.

    The one place a command's exception becomes a Vietnamese message and exit code 2, so no
    command shows a traceback and every command words the same failure the same way.
    """

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


def load_plan(name: str | None):
    """The plan a ``--plan`` option names (imported here, not at the top: ``--help`` stays fast)."""
    from ..io.plans import load_plan as load
    return load(name)


def load_registry(name: str | None, plan):
    """The registry a ``--registry`` option names, checked against ``plan``."""
    from ..io.registry import load_registry as load
    return load(name, plan)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(rows: Iterable[Iterable[Any]], headers: list[str]) -> str:
    """Rows as left-aligned columns under ``headers``: readable in a console and in a pasted e-mail."""
    texts = [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in texts]
    return "\n".join(out)


def with_progress(job: Callable[[Callable[[int, int], None] | None], Any], label: str) -> Any:
    """Run ``job(progress)`` with a console progress bar once the work passes a second."""
    bar: ProgressBar[int] | None = None
    start = time.monotonic()
    shown = 0

    def progress(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            if time.monotonic() - start < 1.0 or not sys.stderr.isatty():
                return
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - shown)
        shown = done

    try:
        return job(progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def report_of(findings):
    """The findings as a :class:`xlplan.core.findings.Report`, which decides the exit code."""
    from ..core.findings import Report
    return Report(list(findings))


def print_counts(report) -> None:
    from ..core.findings import Severity
    click.echo(f"Phát hiện: {report.count(Severity.ERROR)} lỗi, {report.count(Severity.WARNING)} cảnh báo, "
               f"{report.count(Severity.INFO)} ghi chú (xem trang Kiểm tra của sổ tổng hợp).")
