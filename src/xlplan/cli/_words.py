"""Click's own words in Vietnamese: help boilerplate, usage line, its error messages.

Click says everything it has to say through :func:`gettext.gettext` (and
``ngettext``), bound at import in each of its modules as ``_``; :func:`install`
points those names at :func:`gettext_vi`, which looks the English text up in
:data:`WORDS` (same placeholders, so click's ``.format`` calls still work) and
hands back anything it does not know unchanged. The usage line's metavars
(``[OPTIONS]``, ``COMMAND [ARGS]...``, ``INTEGER``) are not gettext texts:
:func:`vietnamese_usage` sets them on the commands. Both run when the command
line starts (:meth:`xlplan.cli._common.CliGroup.main`), never at import.
"""

from __future__ import annotations

import gettext
import importlib
import click

WORDS: dict[str, str] = {
    # help and usage
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Show this message and exit.": "In hướng dẫn này rồi thoát.",
    "Show the version and exit.": "In phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "env var: {var}": "biến môi trường: {var}",
    "(dynamic)": "(tùy lúc chạy)",
    "deprecated": "không còn dùng",
    "Aborted!": "Đã dừng.",
    "Try '{command} {option}' for help.": "Xem cách dùng: {command} {option}",
    "Error: {message}": "Lỗi: {message}",
    "Error: invalid input": "Lỗi: giá trị không hợp lệ",
    "Error: The two entered values do not match.": "Lỗi: hai giá trị đã nhập không khớp nhau.",
    "Do you want to continue?": "Tiếp tục?",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Press any key to continue...": "Bấm phím bất kỳ để tiếp tục…",
    # usage errors
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing command.": "thiếu lệnh con.",
    "No such command {name!r}.": "không có lệnh {name!r}.",
    "No such option {name!r}.": "không có tùy chọn {name!r}.",
    "No such option: {name}": "không có tùy chọn: {name}",
    "Option {name!r} does not take a value.": "tùy chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "tùy chọn {name!r} cần {nargs} giá trị.",
    "Got unexpected extra argument ({args})": "thừa tham số: {args}.",
    "Got unexpected extra arguments ({args})": "thừa tham số: {args}.",
    "Did you mean {possibility}?": "Có phải là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải là một trong: {possibilities}?)",
    "Invalid value: {message}": "giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "giá trị của {param_hint} không hợp lệ: {message}",
    "Argument {name!r} takes {nargs} values.": "tham số {name!r} cần {nargs} giá trị.",
    "Takes {nargs} values but 1 was given.": "cần {nargs} giá trị nhưng chỉ có 1.",
    "Takes {nargs} values but {len} were given.": "cần {nargs} giá trị nhưng có {len}.",
    "Value must be an iterable.": "giá trị phải là một danh sách.",
    # parameter types
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là số.",
    "{value!r} is not {choice}.": "{value!r} không phải {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không phải một trong: {choices}.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} does not match the format {format}.": "{value!r} không đúng dạng {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} không đúng các dạng {formats}.",
    "{value!r} is not a valid boolean.": "{value!r} không phải có/không.",
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp, không phải thư mục.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục, không phải tệp.",
    "{name} {filename!r} is not readable.": "không đọc được {name} {filename!r}.",
    "{name} {filename!r} is not writable.": "không ghi được vào {name} {filename!r}.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} không chạy được.",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "Could not open file {filename!r}: {message}": "không mở được tệp {filename!r}: {message}",
    "unknown error": "lỗi không rõ",
}

# Metavars click writes in usage lines and option lists, by type name.
TYPE_METAVARS = {"integer": "SỐ", "float": "SỐ", "text": "CHUỖI", "boolean": "CÓ|KHÔNG", "path": "ĐƯỜNG_DẪN",
                 "filename": "TỆP", "directory": "THƯ_MỤC", "file": "TỆP"}
# Arguments' names, as the usage line and "thiếu tham số …" write them.
ARGUMENT_NAMES = {"file": "TỆP", "files": "TỆP", "folder": "THƯ_MỤC", "unit": "MÃ_ĐƠN_VỊ", "form": "BIỂU"}
OPTIONS_METAVAR = "[TÙY_CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [THAM_SỐ]..."

_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
            "click.types", "click.termui", "click.utils", "click._termui_impl")


def gettext_vi(message: str) -> str:
    """Click's English ``message`` in Vietnamese; unknown texts (our own, already Vietnamese) unchanged."""
    return WORDS.get(message, message)


def ngettext_vi(singular: str, plural: str, count: int) -> str:
    return gettext_vi(singular if count == 1 else plural)


def install() -> None:
    """Point click's ``_``/``ngettext`` at the Vietnamese words (idempotent)."""
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a click without that module: nothing of it to translate
            continue
        if getattr(module, "_", None) is gettext.gettext or getattr(module, "_", None) is gettext_vi:
            module._ = gettext_vi  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) in (gettext.ngettext, ngettext_vi):
            module.ngettext = ngettext_vi  # type: ignore[attr-defined]


def vietnamese_usage(command: click.Command) -> None:
    """Vietnamese metavars in ``command``'s usage lines, and in every sub-command's.

    click (8.1.8 and later) keeps each command's help option once made; one made
    before the words were installed, or under another context (a sub-command
    invoked on its own, as tests do), would stay English and without ``-h``: it
    is dropped here so the next help is made in Vietnamese under ``xlplan``'s context.
    """
    if getattr(command, "_help_option", None) is not None:
        command._help_option = None
    command.options_metavar = OPTIONS_METAVAR
    if isinstance(command, click.Group):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            vietnamese_usage(sub)
    for param in command.params:
        if param.metavar is None and isinstance(param, click.Option) and not param.is_flag:
            metavar = TYPE_METAVARS.get(getattr(param.type, "name", ""))
            if metavar is not None:
                param.metavar = metavar
        elif param.metavar is None and isinstance(param, click.Argument) and param.name in ARGUMENT_NAMES:
            if type(param.type).get_metavar is not click.ParamType.get_metavar:  # (the form type lists the forms)
                continue
            metavar = ARGUMENT_NAMES[param.name] + ("..." if param.nargs == -1 else "")
            param.metavar = metavar if param.required else f"[{metavar}]"
