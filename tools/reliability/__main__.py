"""``python -m tools.reliability``: measure what the intake promises and write the reliability table.

Run from the repository root (``tools`` is a folder of it, not an installed package). The
command parses options, calls :func:`tools.reliability.report.write_reliability` and prints a
Vietnamese summary. Exit codes as the ``xlplan`` CLI: 0 the promise held, 1 a crash, a silent
change, a hostile case not as expected or a kill point not survived was found (the table lists
them), 2 could not run.

The foreign corpus is ``--corpus``; its default, :data:`~tools.reliability.corpus.DEFAULT_CORPUS`,
is ``../shared/corpus/foreign`` resolved from the repository root (not from the current folder).
A default corpus that is absent only leaves its section out; a ``--corpus`` that is absent is an
error, since the run would not measure what was asked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xlplan.core.errors import XlplanError
from xlplan.io.plans import load_plan

from .corpus import DEFAULT_CORPUS, REPO_ROOT
from .report import COMMAND, ReliabilityReport, write_reliability

QUICK_FILES = 40  # corpus files read with --quick
QUICK_EXAMPLES = 30  # mutations with --quick
FULL_EXAMPLES = 600  # mutations of a full run (about 25 s)
QUICK_KILL_STRIDE = 4  # with --quick the consolidation is killed at points 1, 5, 9, … only
DEFAULT_OUT = REPO_ROOT / "docs" / "reliability.md"


@click.command("reliability")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_OUT,
              show_default="docs/reliability.md của kho mã", metavar="TỆP",
              help="Tệp Markdown của bảng độ tin cậy.")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CORPUS,
              show_default="../shared/corpus/foreign, cạnh thư mục gốc của kho mã", metavar="THƯ_MỤC",
              help="Thư mục tệp bảng tính lạ để đọc thử; thư mục mặc định vắng mặt thì bỏ qua "
                   "phần đọc thử.")
@click.option("--quick", is_flag=True,
              help=f"Chạy nhanh: {QUICK_FILES} tệp đầu của thư mục, {QUICK_EXAMPLES} biểu mẫu đột biến, "
                   f"ngắt việc tổng hợp ở một điểm trong mỗi {QUICK_KILL_STRIDE} điểm.")
@click.option("--examples", type=click.IntRange(min=0), metavar="SỐ",
              help=f"Số biểu mẫu đột biến (mặc định {FULL_EXAMPLES}, với --quick {QUICK_EXAMPLES}).")
@click.option("--seed", type=int, default=2017, show_default=True, help="Hạt giống ngẫu nhiên của phép đột biến.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.pass_context
def reliability_cmd(ctx: click.Context, out: Path, corpus: Path, quick: bool, examples: int | None, seed: int,
                    as_json: bool) -> None:
    """Đo độ tin cậy của khâu đọc biểu mẫu và ghi bảng độ tin cậy (docs/reliability.md).

    Đọc thử mọi tệp trong thư mục tệp lạ (đọc được / bị từ chối theo lý do),
    đột biến các biểu mẫu hợp lệ đã điền rồi đọc lại bằng mọi bộ đọc, đọc các tệp
    hiểm (tệp hỏng, bom nén, có mật khẩu…) và ngắt đột ngột việc tổng hợp ở từng
    bước ghi, rồi dựng các trường hợp về thư mục nhận, lỗi máy, khóa và tiến trình và
    chạy lệnh xlplan thật. Mã thoát 1 nếu có lỗi không xử lý được, số liệu bị thay đổi mà không
    có phát hiện nào, tệp hiểm hay trường hợp dựng không cho kết quả mong đợi hoặc sổ tổng hợp bị hỏng.
    Chạy từ thư mục gốc của kho mã.

    \b
    Ví dụ:
      python -m tools.reliability
      python -m tools.reliability --quick --out /tmp/reliability.md
      python -m tools.reliability --corpus ../shared/corpus/foreign --examples 2000 --json
    """
    explicit = ctx.get_parameter_source("corpus") is not click.core.ParameterSource.DEFAULT
    if explicit and not corpus.is_dir():
        _fail(f"không tìm thấy thư mục {corpus}")
    count = examples if examples is not None else (QUICK_EXAMPLES if quick else FULL_EXAMPLES)
    try:
        report = write_reliability(out, load_plan(), corpus, count, seed, QUICK_FILES if quick else None, quick,
                                   kill_stride=QUICK_KILL_STRIDE if quick else 1)
    except (XlplanError, OSError) as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(_as_json(report, out), ensure_ascii=False, indent=2))
    else:
        _summary(report, out, corpus)
    sys.exit(1 if report.problems else 0)


def _fail(message: str) -> None:
    """Exit code 2 (could not run) with a Vietnamese message, as the ``xlplan`` CLI does."""
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(2)


def _as_json(report: ReliabilityReport, out: Path) -> dict:
    """The figures for machines: the same numbers the table shows."""
    fuzz, swept, hostile, kill = report.fuzz, report.corpus, report.hostile, report.kill
    return {
        "out": str(out), "version": report.version, "date": report.generated, "seed": report.seed,
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
        "machine": None if report.machine is None else {
            "ran": report.machine.ran, "passed": report.machine.passed,
            "outcomes": {c.id: {"expected": c.expected, "actual": c.actual, "passed": c.passed, "note": c.note}
                         for c in report.machine.cases}},
    }


def _summary(report: ReliabilityReport, out: Path, corpus: Path) -> None:
    """The Vietnamese summary printed after the table is written."""
    fuzz, swept, hostile, kill = report.fuzz, report.corpus, report.hostile, report.kill
    if swept is None:
        click.echo(f"Không có thư mục tệp lạ {corpus}: bỏ qua phần đọc thử.")
    else:
        click.echo(f"Đọc thử {swept.files} tệp: "
                   + ", ".join(f"{k} {v}" for k, v in sorted(swept.outcomes.items())) + ".")
    click.echo(f"Đột biến {fuzz.examples} biểu mẫu ({fuzz.reads} lần đọc): {len(fuzz.crashes)} lỗi không "
               f"xử lý được, {len(fuzz.silent)} số liệu bị đổi mà không có phát hiện.")
    if hostile is not None:
        click.echo(f"Tệp hiểm: {hostile.passed}/{len(hostile.cases)} trường hợp cho kết quả mong đợi.")
    if kill is not None:
        click.echo(f"Ngắt việc tổng hợp: {kill.survived}/{kill.tried} điểm ngắt không làm mất dữ liệu.")
    if report.machine is not None:
        click.echo(f"Thư mục nhận, lỗi máy, khóa và tiến trình: {report.machine.passed}/{report.machine.ran} "
                   "trường hợp cho kết quả mong đợi.")
    click.echo(f"Đã ghi bảng độ tin cậy: {out}")


if __name__ == "__main__":
    reliability_cmd(prog_name=COMMAND)
