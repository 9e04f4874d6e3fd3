"""``xlplan findings``: the catalogue of finding codes (``docs/findings.md`` is generated from it)."""

from __future__ import annotations

import click

from ._common import JSON_OPTION, echo_json, table


@click.command("findings")
@click.option("--markdown", is_flag=True, help="In dạng Markdown (nguồn của docs/findings.md).")
@JSON_OPTION
def findings_cmd(markdown: bool, as_json: bool) -> None:
    """Danh mục mã phát hiện (lỗi, cảnh báo) mà xlplan có thể báo.

    \b
    Ví dụ:
      xlplan findings
      xlplan findings --markdown > docs/findings.md
    """
    from ..core.findings import CATALOGUE, catalogue_markdown
    if markdown:
        click.echo(catalogue_markdown(), nl=False)
    elif as_json:
        echo_json([{"code": k.code, "severity": k.severity.value, "title": k.title,
                     "message": k.message, "fix": k.fix} for k in CATALOGUE.values()])
    else:
        click.echo(table(((k.code, k.severity.label, k.title) for k in CATALOGUE.values()),
                          ["Mã", "Mức độ", "Nội dung"]))
