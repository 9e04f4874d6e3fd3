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

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import click

from ..core.errors import XlplanError

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # the type click.progressbar() returns

log = logging.getLogger("xlplan")

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells report a process ended by SIGINT

PLAN_OPTION = click.option(
    "--plan", "plan_name", metavar="TÊN|TỆP",
    help="Kế hoạch: tên kế hoạch có sẵn (bac_ninh_2017) hoặc đường dẫn tệp .toml.")
REGISTRY_OPTION = click.option(
    "--registry", "registry_name", metavar="TỆP",
    help="Danh mục đơn vị: tệp .csv hoặc .xlsx (mặc định: trang Danh mục đơn vị của thư mục làm việc; ngoài thư "
         "mục làm việc, danh mục mẫu 80 đơn vị).")
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
FOLDER_ARGUMENT = click.argument("folder", required=False, type=FolderType(exists=True, as_path=True),
                                 metavar="[THƯ_MỤC]")
FOLDER_OPTION = click.option(
    "-d", "--folder", "folder_option", type=FolderType(exists=True, as_path=True), metavar="THƯ_MỤC",
    help="Thư mục làm việc (thư mục có sổ tổng hợp SoTongHop.xlsx). Mặc định: thư mục hiện tại hoặc thư mục "
         "gần nhất chứa nó có sổ tổng hợp; kế hoạch và danh mục đơn vị lấy từ sổ tổng hợp đó.")


def working_folder(folder: Path | None, folder_option: Path | None, starts: Iterable[Path] = ()) -> Path:
    """The working folder of a command on a folder: the FOLDER argument or ``-d``, else found upwards.

    Both given and different: refused. A line on standard error says which folder is used when it is not
    the one typed (none typed, or a folder inside it).
    """
    from ..services.working_folder import moved_note, working_folder as find

    if folder is not None and folder_option is not None and Path(folder).absolute() != Path(folder_option).absolute():
        raise Refusal(f"hai thư mục làm việc khác nhau: '{folder}' và -d '{folder_option}'; chỉ ghi một.")
    given = folder if folder is not None else folder_option
    root = find(given, starts)
    note(moved_note(given, root))
    return root


def note(line: str | None) -> None:
    """A line for the person at the console (standard error: JSON and tables on standard output stay clean)."""
    if line:
        click.echo(line, err=True)


AS_OF_OPTION = click.option(
    "--as-of", "as_of", type=DayType(), metavar="NGÀY",
    help="Ngày chốt số liệu (ngày/tháng/năm hoặc năm-tháng-ngày): biểu chưa đến hạn vào ngày này là "
         "«Chưa đến hạn». Thay cho ô «Ngày chốt số liệu» ở trang Cấu hình trong lần chạy này; mặc định "
         "là ô đó, ô trống là ngày chạy.")


# -- usage errors in Vietnamese ---------------------------------------------------------------

class Refusal(click.ClickException):
    """Bad arguments, said in Vietnamese with where to look: exit code 2, no usage dump."""

    exit_code = 2

    def __init__(self, message: str, command_path: str | None = "xlplan"):
        super().__init__(message)
        self.command_path = command_path  # None: not known yet (CliGroup.main finds it in what was typed)

    def show(self, file: Any = None) -> None:
        click.echo(f"Lỗi: {self.format_message()}", err=True)
        click.echo(f"Xem cách dùng: {self.command_path or 'xlplan'} --help", err=True)


class Interrupted(click.ClickException):
    """Ctrl+C: said in Vietnamese, exit code 130 (the shells' code for it), never 1 ("errors found")."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self) -> None:
        super().__init__("Đã dừng theo yêu cầu (Ctrl+C); lần chạy này chưa xong, không có gì được ghi dở.")

    def show(self, file: Any = None) -> None:
        click.echo(f"\n{self.format_message()}", err=True)


class CliGroup(click.Group):
    """The top group: click's usage errors, from any sub-command, become :class:`Refusal`.

    :meth:`main` runs the command line: click's own words in Vietnamese
    (:mod:`xlplan.cli._words`), Ctrl+C at any moment (parsing included) exits 130
    with a Vietnamese line, and with ``--json`` a refusal is printed as JSON.
    """

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            _vietnamese(self)
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in (argv[:argv.index("--")] if "--" in argv else argv)
        try:
            try:
                _vietnamese(self)
                with _openpyxl_without_numpy():
                    returned = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
            except (KeyboardInterrupt, click.Abort):
                raise Interrupted() from None
        except KeyboardInterrupt:  # a second Ctrl+C while the first is being said
            sys.exit(EXIT_INTERRUPTED)
        except click.ClickException as exc:
            if isinstance(exc, Refusal) and exc.command_path is None:  # click said not where: the typed command
                exc.command_path = " ".join([prog_name or "xlplan", *_command_words(self, argv)])
            if as_json and exc.exit_code == EXIT_FAILED:
                echo_json(refusal_json(exc))
            else:
                exc.show()
            sys.exit(exc.exit_code)
        sys.exit(returned if isinstance(returned, int) else EXIT_OK)

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


@contextlib.contextmanager
def _openpyxl_without_numpy() -> Iterator[None]:
    """While a command runs, ``import numpy`` fails unless numpy was imported already.

    openpyxl imports numpy, when installed (pandas brings it), only to accept
    numpy numbers in cells; xlplan never gives it any, and the import costs a
    tenth of a second of every command that reads or writes a workbook. Nothing
    xlplan runs needs numpy (xlwings and openpyxl both go without it); the block
    is lifted when the command ends, so a process that goes on (tests, the add-in's
    server) imports numpy as usual afterwards.
    """
    if "numpy" in sys.modules or "openpyxl" in sys.modules:
        yield
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # the import system's "not available"
    try:
        yield
    finally:
        if "numpy" in sys.modules and sys.modules["numpy"] is None:
            del sys.modules["numpy"]


def _vietnamese(group: click.Group) -> None:
    from ._words import install, vietnamese_usage

    install()
    vietnamese_usage(group)


def _refusal(exc: click.UsageError) -> click.ClickException:
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):  # `xlplan`, `xlplan forms`: the help, not an error
        return HelpOnly(exc.ctx.get_help() if exc.ctx is not None else "")
    return Refusal(usage_message(exc), exc.ctx.command_path if exc.ctx is not None else None)


def _command_words(group: click.Group, argv: list[str]) -> list[str]:
    """The command names at the head of ``argv`` (``forms make``), for a refusal that does not say its command."""
    words: list[str] = []
    command: click.Command = group
    for word in argv:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
        words.append(word)
    return words


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
        if "requires" in exc.message or "cần" in exc.message:
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
    if not message.isascii():  # click's message, already in Vietnamese (xlplan.cli._words)
        return message
    return f"cách dùng không đúng ({message})."


class HelpOnly(click.ClickException):
    """A group typed without a command: its help on standard output, exit code 0."""

    exit_code = EXIT_OK

    def show(self, file: Any = None) -> None:
        click.echo(self.message)


class Failure(click.ClickException):
    """A run that could not be done: message shown (and the findings behind it), exit code 2."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, findings: Iterable[Any] = ()):
        super().__init__(message)
        self.findings = list(findings)

    def show(self, file: Any = None) -> None:
        for finding in self.findings[:50]:
            click.echo(f"  - {finding.message}", err=True)
        click.echo(f"Lỗi: {self.format_message()}", err=True)


def refusal_json(exc: click.ClickException) -> dict[str, Any]:
    """A refusal (exit code 2) as ``--json`` prints it."""
    findings = getattr(exc, "findings", [])
    return {"valid": False, "exit_code": exc.exit_code, "error": exc.format_message(),
            "findings": [f.to_dict() for f in findings]}


def guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library exceptions into messages: user-safe ones as is, others generically.

    The one place a command's exception becomes a Vietnamese message and exit code 2, so no
    command shows a traceback and every command words the same failure the same way.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit):
            raise
        except (KeyboardInterrupt, click.Abort):
            raise Interrupted() from None
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            sys.stderr.close()
            sys.exit(EXIT_OK)
        except XlplanError as exc:
            findings = getattr(exc, "findings", None) or []
            raise Failure(_first_line(exc) if findings else str(exc), findings) from None
        except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
            raise Failure(_os_message(exc)) from None
        except Exception as exc:  # a bug: the traceback to the log file, a short message on the console
            where = log_bug(exc)
            kept = f" Chi tiết đã ghi vào tệp nhật ký: {where}." if where else ""
            raise Failure(f"Lỗi không mong đợi ({type(exc).__name__}: {exc}).{kept} "
                          "Hãy gửi thông báo này (và tệp nhật ký) cho bộ phận kỹ thuật.") from None
    return wrapper


def bug_log_path() -> Path:
    """Where the command line keeps the tracebacks of bugs: the UDF server's log file, ``xlplan.log``
    in ``%LOCALAPPDATA%\\xlplan`` on Windows, ``~/.local/state/xlplan`` elsewhere (``XLPLAN_LOG`` overrides)."""
    override = os.environ.get("XLPLAN_LOG")
    if override:
        return Path(override)
    base = os.environ.get("LOCALAPPDATA") or str(Path.home() / ".local" / "state")
    return Path(base) / "xlplan" / "xlplan.log"


def log_bug(exc: BaseException) -> Path | None:
    """Append ``exc``'s traceback to :func:`bug_log_path` (the console gets only the message; with -v the
    traceback too). Returns the file, or None when it could not be written (then the traceback goes to
    standard error rather than nowhere)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    context = click.get_current_context(silent=True)
    command = context.command_path if context is not None else "xlplan"
    if context is not None and context.find_root().params.get("verbose"):  # -v: on the console as well
        click.echo(text, err=True)
    path = bug_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"--- {stamp} {command}\n{text}\n")
    except OSError:
        sys.stderr.write(text)
        return None
    return path


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
