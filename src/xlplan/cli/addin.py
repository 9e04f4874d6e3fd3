"""``xlplan addin``: build the Excel add-in, install it, remove it, check it.

Part of the CLI face: it calls :mod:`xlplan.services.addin` (the UDF metadata comes from
the core's :mod:`xlplan.core.udf_catalogue`) and prints Vietnamese results. Exit codes as the main CLI: 0 fine, 1 something the add-in needs is missing,
2 could not run (including "not Windows").
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._common import EXIT_FINDINGS, FileType, FolderType, guard

_SOURCES_OPTION = click.option(
    "--sources", "sources_dir", type=FolderType(exists=False, as_path=True), metavar="THƯ_MỤC",
    help="Thư mục nguồn của phần bổ trợ (mặc định: addin/ của mã nguồn xlplan, "
         "nếu không có thì bản đi kèm gói xlplan đã cài).")


@click.group("addin")
def addin_group() -> None:
    """Phần bổ trợ Excel (thẻ "Xây dựng Đảng" và các hàm XLP_): dựng, cài, gỡ, kiểm tra.

    \b
    Ví dụ:
      xlplan addin install
      xlplan addin status
    """


@addin_group.command("build")
@click.option("--out", type=FileType(as_path=True), metavar="TỆP",
              help="Tệp .xlam cần ghi (mặc định: addin/xlplan.xlam trong mã nguồn; với gói đã cài: "
                   "xlplan.xlam ở thư mục hiện tại).")
@_SOURCES_OPTION
@guard
def addin_build(out: Path | None, sources_dir: Path | None) -> None:
    """Dựng tệp phần bổ trợ xlplan.xlam từ mã nguồn (giao diện, VBA, cấu hình).

    Chạy được trên mọi hệ điều hành; cùng mã nguồn cho ra cùng một tệp.

    \b
    Ví dụ:
      xlplan addin build
      xlplan addin build --out dist/xlplan.xlam
    """
    from ..services.addin import ADDIN_FILE, build_addin, load_sources, repo_addin_dir, require_addin_dir
    from ..services.addin_vba import udf_specs

    folder = require_addin_dir(sources_dir)
    sources = load_sources(folder)
    if out is None:
        # Never write into an installed package (site-packages): the source tree's addin/,
        # a --sources folder, or else the current folder.
        in_tree = sources_dir is not None or folder == repo_addin_dir()
        out = folder / ADDIN_FILE if in_tree else Path.cwd() / ADDIN_FILE
    specs = udf_specs()
    target = build_addin(out, sources, specs)
    click.echo(f"Đã dựng phần bổ trợ: {target} (xlwings {sources.xlwings_version}, "
               f"{len(specs)} hàm XLP_).")


@addin_group.command("install")
@click.option("--file", "addin_file", type=FileType(as_path=True), metavar="TỆP",
              help="Tệp .xlam cần cài (mặc định: addin/xlplan.xlam, hoặc bản đi kèm gói xlplan đã cài).")
@click.option("--python", "python", type=FileType(as_path=True), metavar="TỆP",
              help="Python mà Excel sẽ dùng (mặc định: Python đang chạy lệnh này, bản pythonw.exe).")
@_SOURCES_OPTION
@guard
def addin_install(addin_file: Path | None, python: Path | None, sources_dir: Path | None) -> None:
    """Cài phần bổ trợ vào Excel của người dùng này (Windows), rồi kiểm tra.

    Chép xlplan.xlam vào thư mục XLSTART của Excel, ghi Python cần dùng vào trang
    xlplan.conf của bản đã cài (và, để dự phòng, vào %USERPROFILE%\\.xlplan\\xlplan.conf).
    Không cài tệp phần bổ trợ dựng cho phiên bản xlwings khác với xlwings của Python đó.
    Hãy đóng Excel trước khi cài.

    \b
    Ví dụ:
      xlplan addin install
      xlplan addin install --file D:\\xlplan.xlam
    """
    from ..services import addin

    _windows_only()
    places = addin.WindowsPlaces.from_environment()
    sources, addin_file = _sources_and_file(sources_dir, addin_file)
    report = addin.install_addin(addin_file, places, interpreter=python, sources=sources)
    _show(report, "Đã cài xong. Mở Excel: thẻ \"Xây dựng Đảng\" sẽ xuất hiện.")


@addin_group.command("uninstall")
@_SOURCES_OPTION
@guard
def addin_uninstall(sources_dir: Path | None) -> None:
    """Gỡ phần bổ trợ khỏi Excel của người dùng này (Windows). Hãy đóng Excel trước.

    \b
    Ví dụ:
      xlplan addin uninstall
    """
    from ..services import addin

    _windows_only()
    sources, _ = _sources_and_file(sources_dir, None, need_file=False)
    report = addin.uninstall_addin(addin.WindowsPlaces.from_environment(), sources=sources)
    _show(report, "Đã gỡ xong.")


@addin_group.command("status")
@click.option("--file", "addin_file", type=FileType(as_path=True), metavar="TỆP",
              help="So bản đã cài với tệp .xlam này (mặc định: addin/xlplan.xlam hoặc bản đi kèm gói xlplan).")
@guard
def addin_status(addin_file: Path | None) -> None:
    """Kiểm tra phần bổ trợ đã cài và những gì nó cần: Python, xlwings, pywin32, DLL của xlwings, xlplan.

    \b
    Ví dụ:
      xlplan addin status
    """
    from ..services import addin

    _windows_only()
    folder = addin.default_addin_dir()
    reference = addin_file or (folder / addin.ADDIN_FILE if folder else None)
    expected = reference.read_bytes() if reference and reference.is_file() else None
    report = addin.addin_status(addin.WindowsPlaces.from_environment(), expected=expected)
    _show(report, "Phần bổ trợ sẵn sàng.")


def _windows_only() -> None:
    from ..services.addin import UnsupportedPlatform

    if not sys.platform.startswith("win"):
        raise UnsupportedPlatform()


def _sources_and_file(sources_dir: Path | None, addin_file: Path | None, need_file: bool = True):
    """The add-in sources (for the [[user]] settings) and the .xlam: from --sources, the source
    tree, or the copy shipped in the installed package, so staff need neither --file nor a clone."""
    from ..services.addin import ADDIN_FILE, default_addin_dir, load_sources, require_addin_dir

    folder = require_addin_dir(sources_dir) if sources_dir else default_addin_dir()
    sources = load_sources(folder) if folder else None
    if addin_file is None and need_file:
        addin_file = require_addin_dir(folder) / ADDIN_FILE
    return sources, addin_file


def _show(report, success: str) -> None:
    for action in report.actions:
        click.echo(action)
    for check in report.checks:
        click.echo(f"[{'ĐẠT' if check.ok else 'LỖI'}] {check.what}: {check.detail}")
    if report.ok:
        click.echo(success)
    else:
        click.echo("Chưa dùng được: sửa các mục [LỖI] ở trên rồi chạy xlplan addin status.", err=True)
        sys.exit(EXIT_FINDINGS)
