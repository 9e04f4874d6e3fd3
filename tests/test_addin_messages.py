"""Messages the add-in's user can read: never Vietnamese on stderr, and a UDF bug named by its log.

RunPython shows a failed macro's stderr from a temp file that VBA reads in the ANSI code page,
where Vietnamese turns into ``\\uXXXX``; so :mod:`xlplan.macros` shows Vietnamese only in a
message box (the workbook's, else Windows's ``MessageBoxW``) and writes ASCII to stderr.
The UDF server logs a bug's traceback to ``%LOCALAPPDATA%\\xlplan\\xlplan.log``, the file the
cell's error value names.
"""

from __future__ import annotations

import ast
import inspect
import logging
import os
import types
from pathlib import Path

import pytest

from xlplan import macros, udfs


def _stderr_writes(tree: ast.AST) -> list[ast.AST]:
    """Every call in the code that writes to stderr: print(..., file=sys.stderr), sys.stderr.write,
    click.echo(..., err=True)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            text = ast.unparse(node)
            if any(k.arg == "file" and "stderr" in ast.unparse(k.value) for k in node.keywords) \
                    or any(k.arg == "err" for k in node.keywords) or "stderr.write" in text:
                found.append(node)
    return found


def test_the_only_stderr_write_in_macros_is_the_ascii_one():
    tree = ast.parse(Path(inspect.getsourcefile(macros)).read_text(encoding="utf-8"))
    writers = {node.name: _stderr_writes(node) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert {name for name, calls in writers.items() if calls} == {"to_stderr"}
    assert len(_stderr_writes(tree)) == 1


def test_no_caller_writes_ascii_naming_the_log(monkeypatch, capsys, tmp_path):
    logs = tmp_path / "Nhật ký người dùng"  # a Vietnamese account's temp folder
    logs.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(logs))
    monkeypatch.setenv("TEMP", str(logs))
    with pytest.raises(SystemExit) as exited:
        macros.dispatch("xlp_tong_hop")  # nothing called us: xw.Book.caller() fails
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.isascii() and err.strip()
    assert "could not find the open Excel workbook" in err
    assert "%TEMP%" in err and macros.LOG_NAME in err
    assert "xlp_tong_hop" in (logs / macros.LOG_NAME).read_text(encoding="utf-8")


class _Broken(Exception):
    pass


def _book_that_cannot_show(tmp_path: Path):
    def alert(*args, **kwargs):
        raise RuntimeError("Excel is closing")

    return types.SimpleNamespace(name="SoTongHop.xlsx", fullname=str(tmp_path / "Tổng hợp" / "SoTongHop.xlsx"),
                                 app=types.SimpleNamespace(alert=alert))


@pytest.mark.parametrize("exc", [_Broken("lỗi lạ"), macros.XlplanError("Không đọc được «Cấu hình»")])
def test_a_failure_excel_cannot_show_writes_ascii(exc, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(SystemExit) as exited:
        macros._fail(_book_that_cannot_show(tmp_path), "xlp_tong_hop", exc)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.isascii() and "xlp_tong_hop" in err and macros.LOG_NAME in err


def test_an_unknown_button_excel_cannot_show_writes_ascii(capsys, tmp_path):
    with pytest.raises(SystemExit) as exited:
        macros.dispatch("xlp_khong_co", _book_that_cannot_show(tmp_path))
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.isascii() and "xlp_khong_co" in err and "xlplan addin install" in err


def test_stderr_stays_ascii_whatever_names_it_carries(monkeypatch, capsys, tmp_path):
    """The parts of a stderr message that are not xlplan's own words (an exception class's name, a
    button id from some other ribbon) can be Vietnamese: to_stderr still writes ASCII."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    LoiLa = type("LỗiLạ", (Exception,), {})  # noqa: N806 (a class, named as a user might)
    with pytest.raises(SystemExit):
        macros._fail(_book_that_cannot_show(tmp_path), "xlp_tổng_hợp", LoiLa("lỗi"))
    err = capsys.readouterr().err
    assert err.isascii() and "L?iL?" in err and "xlp_t?ng_h?p" in err
    with pytest.raises(SystemExit):
        macros.dispatch("xlp_khô", _book_that_cannot_show(tmp_path))
    err = capsys.readouterr().err
    assert err.isascii() and "xlp_kh?" in err


def test_every_message_goes_to_windows_message_box_when_there_is_one(monkeypatch, capsys, tmp_path):
    shown: list[str] = []
    monkeypatch.setattr(macros, "message_box", lambda text: shown.append(text) or True)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    text = macros.dispatch("xlp_tong_hop")
    assert text == shown[0] and "Không xác định được sổ Excel" in text
    text = macros._fail(_book_that_cannot_show(tmp_path), "xlp_tong_hop", _Broken("lỗi lạ"))
    assert text == shown[1] and "gặp lỗi không mong đợi" in text
    assert capsys.readouterr().err == ""


def test_message_box_is_windows_only():
    assert macros.message_box("Xin chào") is False  # Linux: no box, so the caller writes stderr


def test_ascii_path(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Nguyễn" / "AppData" / "Local"))
    monkeypatch.delenv("TEMP", raising=False)
    monkeypatch.delenv("TMP", raising=False)
    inside = tmp_path / "Nguyễn" / "AppData" / "Local" / "xlplan" / "xlplan.log"
    assert macros.ascii_path(inside) == os.sep.join(["%LOCALAPPDATA%", "xlplan", "xlplan.log"])
    outside = tmp_path / "Tổng hợp" / "xlplan.log"
    shown = macros.ascii_path(outside)
    assert shown.isascii() and shown.endswith("xlplan.log") and "T?ng h?p" in shown
    assert macros.ascii_path(None).isascii()


def test_a_udf_bug_is_logged_where_its_error_value_says(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert udfs.ERR_UNEXPECTED == "#LỖI: lỗi không mong đợi (xem %LOCALAPPDATA%\\xlplan\\xlplan.log)"
    assert udfs.udf_log_path() == tmp_path / "Local" / "xlplan" / "xlplan.log"

    def explode(*values):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(udfs, "_share_cell", explode)
    assert udfs.XLP_TYLE(1, 2) == udfs.ERR_UNEXPECTED
    try:
        for handler in udfs.log.handlers:
            handler.flush()
        text = udfs.udf_log_path().read_text(encoding="utf-8")
        assert "explode" in text and "ZeroDivisionError: a bug" in text and "Traceback" in text
        assert udfs.XLP_TYLE(3, 4) == udfs.ERR_UNEXPECTED
        assert len([h for h in udfs.log.handlers if isinstance(h, logging.FileHandler)]) == 1
    finally:
        for handler in list(udfs.log.handlers):
            if isinstance(handler, logging.FileHandler):
                udfs.log.removeHandler(handler)
                handler.close()
