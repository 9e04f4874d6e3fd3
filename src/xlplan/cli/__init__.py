"""The ``xlplan`` command line: a thin face over the library.

Each command parses its options, calls one library function and prints the
result; it only translates exceptions into Vietnamese messages
(:func:`xlplan.cli._common.guard`). Exit codes: 0 fine, 1 findings of error
severity, 2 could not run. Heavy modules are imported inside the commands so
that ``xlplan --help`` stays instant.

This module holds the group and wires the commands of the modules beside it;
those import only :mod:`xlplan.cli._common`, never this module, so the package
has no import circle.
"""

from __future__ import annotations

import sys

try:
    import logging

    import click

    from .. import __version__
    from ._common import CliGroup
    from .addin import addin_group
    from .findings import findings_cmd
    from .folder import check_cmd, consolidate_cmd, demo_cmd, feedback_cmd, init_cmd, report_cmd, status_cmd
    from .forms import forms_group
    from .letters import congvan_cmd
    from .plan import plan_group
    from .registry import registry_group
    from .trace import trace_cmd
except KeyboardInterrupt:  # Ctrl+C while Python loads the command line: the line and exit code of any other moment
    sys.stderr.write("\nĐã dừng theo yêu cầu (Ctrl+C); lần chạy này chưa xong, không có gì được ghi dở.\n")
    raise SystemExit(130) from None


@click.group(cls=CliGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="xlplan", message="%(prog)s, phiên bản %(version)s",
                      help="In phiên bản rồi thoát.")
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


for command in (plan_group, findings_cmd, registry_group, forms_group, check_cmd, init_cmd, consolidate_cmd,
                status_cmd, demo_cmd, report_cmd, feedback_cmd, congvan_cmd, addin_group, trace_cmd):
    main.add_command(command)

__all__ = ["main"]
