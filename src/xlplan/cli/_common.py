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

import functools
import json
import logging
import sys
import time
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
FORM_CHOICE = click.Choice(["F01", "F02", "F03"], case_sensitive=False)


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
