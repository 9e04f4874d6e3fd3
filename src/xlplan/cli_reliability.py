"""``xlplan reliability``: measure what the intake promises and write the reliability table.

A face like :mod:`xlplan.cli_addin`: it parses options, calls
:func:`xlplan.services.reliability.write_reliability` and prints a Vietnamese summary.
Exit codes as the main CLI: 0 the promise held, 1 a crash, a silent change, a hostile case
not as expected or a kill point not survived was found (the table lists them), 2 could not run.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

QUICK_FILES = 40  # corpus files read with --quick
QUICK_EXAMPLES = 30  # mutations with --quick
FULL_EXAMPLES = 600  # mutations of a full run (about 25 s)
QUICK_KILL_STRIDE = 4  # with --quick the consolidation is killed at points 1, 5, 9, … only


def _guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """The main CLI's error translation, looked up at call time (``xlplan.cli`` attaches this command)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .cli import _guard as guard

        return guard(func)(*args, **kwargs)
    return wrapper


def default_corpus() -> Path:
    """The foreign corpus beside the checkout (``../shared/corpus/foreign``), as the tests use it."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "foreign"


@click.command("reliability")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("docs/reliability.md"),
              show_default=True, metavar="TỆP", help="Tệp Markdown của bảng độ tin cậy.")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC",
              help="Thư mục tệp bảng tính lạ để đọc thử (mặc định: ../shared/corpus/foreign).")
@click.option("--quick", is_flag=True,
              help=f"Chạy nhanh: {QUICK_FILES} tệp đầu của thư mục, {QUICK_EXAMPLES} biểu mẫu đột biến, "
                   f"ngắt việc tổng hợp ở một điểm trong mỗi {QUICK_KILL_STRIDE} điểm.")
@click.option("--examples", type=click.IntRange(min=0), metavar="SỐ",
              help=f"Số biểu mẫu đột biến (mặc định {FULL_EXAMPLES}, với --quick {QUICK_EXAMPLES}).")
@click.option("--seed", type=int, default=2017, show_default=True, help="Hạt giống ngẫu nhiên của phép đột biến.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@_guard
def reliability_cmd(out: Path, corpus: Path | None, quick: bool, examples: int | None, seed: int,
                    as_json: bool) -> None:
    """Đo độ tin cậy của khâu đọc biểu mẫu và ghi bảng độ tin cậy (docs/reliability.md).

    Đọc thử mọi tệp trong thư mục tệp lạ (đọc được / bị từ chối theo lý do),
    đột biến các biểu mẫu hợp lệ đã điền rồi đọc lại bằng mọi bộ đọc, đọc các tệp
    hiểm (tệp hỏng, bom nén, có mật khẩu…) và ngắt đột ngột việc tổng hợp ở từng
    bước ghi. Mã thoát 1 nếu có lỗi không xử lý được, số liệu bị thay đổi mà không
    có phát hiện nào, tệp hiểm không cho kết quả mong đợi hoặc sổ tổng hợp bị hỏng.

    \b
    Ví dụ:
      xlplan reliability
      xlplan reliability --quick --out /tmp/reliability.md
      xlplan reliability --corpus ../shared/corpus/foreign --examples 2000 --json
    """
    from .io.plans import load_plan
    from .services.reliability import write_reliability

    folder = corpus if corpus is not None else default_corpus()
    if corpus is not None and not corpus.is_dir():
        from .cli import Failure  # exit code 2: could not run

        raise Failure(f"không tìm thấy thư mục {corpus}")
    count = examples if examples is not None else (QUICK_EXAMPLES if quick else FULL_EXAMPLES)
    report = write_reliability(out, load_plan(), folder, count, seed, QUICK_FILES if quick else None, quick,
                               kill_stride=QUICK_KILL_STRIDE if quick else 1)
    fuzz, swept, hostile, kill = report.fuzz, report.corpus, report.hostile, report.kill
    if as_json:
        click.echo(json.dumps({
            "out": str(out), "version": report.version, "date": report.generated, "seed": seed,
            "corpus": None if swept is None else {"folder": swept.folder, "files": swept.files,
                                                  "outcomes": dict(swept.outcomes), "crashes": swept.crashes},
            "fuzz": {"examples": fuzz.examples, "reads": fuzz.reads, "by_kind": dict(fuzz.by_kind),
                     "crashes": fuzz.crashes, "silent": fuzz.silent},
            "hostile": None if hostile is None else {
                "cases": len(hostile.cases), "passed": hostile.passed,
                "outcomes": {c.id: {"expected": c.expected, "actual": c.actual, "passed": c.passed}
                             for c in hostile.cases}},
            "kill": None if kill is None else {"tried": kill.tried, "survived": kill.survived,
                                               "completed_at": kill.completed_at, "stride": report.kill_stride,
                                               "failures": kill.failures},
        }, ensure_ascii=False, indent=2))
    else:
        if swept is None:
            click.echo(f"Không có thư mục tệp lạ {folder}: bỏ qua phần đọc thử.")
        else:
            click.echo(f"Đọc thử {swept.files} tệp: " + ", ".join(f"{k} {v}" for k, v in
                                                                 sorted(swept.outcomes.items())) + ".")
        click.echo(f"Đột biến {fuzz.examples} biểu mẫu ({fuzz.reads} lần đọc): {len(fuzz.crashes)} lỗi không "
                   f"xử lý được, {len(fuzz.silent)} số liệu bị đổi mà không có phát hiện.")
        if hostile is not None:
            click.echo(f"Tệp hiểm: {hostile.passed}/{len(hostile.cases)} trường hợp cho kết quả mong đợi.")
        if kill is not None:
            click.echo(f"Ngắt việc tổng hợp: {kill.survived}/{kill.tried} điểm ngắt không làm mất dữ liệu.")
        click.echo(f"Đã ghi bảng độ tin cậy: {out}")
    sys.exit(1 if report.problems else 0)
