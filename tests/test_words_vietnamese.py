"""Every word a user reads is Vietnamese; codes and Excel addresses are never in a unit's text (issue 13, item 5).

- Every finding template (title, message, fix) and every fix worded for units is
  free of the English words of :data:`DENY` and of finding codes.
- Every CLI output of ``tests/test_cli*.py`` goes through :func:`assert_vietnamese`
  (their ``run`` helpers call it), so a new English word from click or from a
  command fails there; here the help of every command and click's own refusals.
- The texts sent to units (the letters, the comments on the highlighted copies)
  carry no finding code and no ``Sheet!C26`` address.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner, Result

from xlplan.cli import main
from xlplan.core.findings import CATALOGUE

# English words that have leaked into what users read before (click's boilerplate, raw plan-file words).
DENY = frozenset("""
usage error errors options option commands command missing invalid argument arguments aborted directory exist exists
this message exit version year years month months quarter quarters default required choose value values such
unexpected try warning the is not and of none true false traceback
""".split())
CODES = frozenset(CATALOGUE)
_TOKEN = re.compile(r"[^\s'\"«»“”()\[\]{},;:!?]+")
_EXCEL_ADDRESS = re.compile(r"[\w')]!\$?[A-Z]{1,3}\$?\d+")


def _technical(token: str) -> bool:
    """Paths, options, file names, field ids and codes: not words."""
    return (token.startswith("-") or any(c in token for c in "/\\._=@%<>|#") or token in CODES
            or token.isupper())


def english_words(text: str) -> list[str]:
    """The words of :data:`DENY` in ``text`` (paths, options, identifiers, codes and template placeholders aside)."""
    text = re.sub(r"\{[^{}]*\}", " ", text)
    return [t for t in _TOKEN.findall(text) if not _technical(t) and t.casefold().strip("-") in DENY]


def codes_in(text: str) -> list[str]:
    """Finding codes written in ``text``."""
    return sorted(code for code in CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return bool(text.strip())


def assert_vietnamese(result: Result) -> None:
    """No English word of :data:`DENY` in what a command printed (JSON output is for machines: not scanned)."""
    texts = [result.stderr] + ([] if _is_json(result.stdout) else [result.stdout])
    found = [w for text in texts for w in english_words(text)]
    assert not found, f"English in the output: {found}\n{result.output}"


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert_vietnamese(result)
    return result


# -- the catalogue ----------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_templates_are_vietnamese_and_name_no_code(code: str) -> None:
    kind = CATALOGUE[code]
    for text in (kind.title, kind.message, kind.fix):
        assert english_words(text) == [], (code, text)
        assert codes_in(text) == [], (code, text)
        assert "!{" not in text and "dd/mm" not in text, (code, text)


def test_fixes_worded_for_units_are_vietnamese() -> None:
    from xlplan.services.feedback import UNIT_FIXES

    for code, text in UNIT_FIXES.items():
        assert english_words(text) == [] and codes_in(text) == [], (code, text)


def test_the_deny_list_catches_what_issue_13_saw() -> None:
    for seen in ("Missing argument 'FOLDER'.", "Show this message and exit.", "None", "Directory 'x' is a file.",
                 "chỉ theo: year", "Usage: xlplan check"):
        assert english_words(seen), seen
    assert codes_in("Lỗi [number-ambiguous]: …") == ["number-ambiguous"]
    assert english_words("xlplan check NopBaoCao/P_VUNINH_F01_2017.xlsx --json -d TH") == []


# -- click's words ------------------------------------------------------------------------------

def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name in sorted(group.commands):
        command = group.commands[name]
        found += _commands(command, prefix + (name,)) if isinstance(command, click.Group) else [prefix + (name,)]
    return found


@pytest.mark.parametrize("path", _commands(main), ids=lambda p: " ".join(p) or "xlplan")
def test_help_is_vietnamese(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Cách dùng:" in result.stdout and "Tùy chọn:" in result.stdout


@pytest.mark.parametrize("args", [
    ("consolidate", "--folder"), ("forms", "make"), ("forms", "make", "F01"), ("init",), ("check",),
    ("forms", "describe", "F01", "thua"), ("plan", "khong-co"), ("status", "--as-of"), ("--khong-co",),
    ("demo", "--seed", "1.5"), ("findings", "--markdown", "x"),
])
def test_clicks_refusals_are_vietnamese(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Lỗi:"), result.output


def test_a_refusal_points_to_the_help_of_the_command_typed() -> None:
    result = run("forms", "make", "F01", "--period")  # click's parser does not say which command refused
    assert result.exit_code == 2 and "forms make --help" in result.stderr, result.output


# -- texts sent to units ---------------------------------------------------------------------

def test_no_code_and_no_excel_address_in_what_units_receive(demo_copy: Path) -> None:
    result = run("feedback", "-d", demo_copy, "--deadline", "31/03/2017", "--json")
    assert result.exit_code in (0, 1), result.output
    files = [Path(f["path"]) for f in json.loads(result.stdout)["files"]]
    assert files and any(f["copied"] for f in json.loads(result.stdout)["files"])
    for path in files:
        book = openpyxl.load_workbook(path)
        texts = [str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r
                 if isinstance(c.value, str) and not c.value.startswith("=")]
        texts += [c.comment.text for s in book.worksheets for r in s.iter_rows() for c in r if c.comment]
        text = "\n".join(texts)
        assert codes_in(text) == [], (path.name, codes_in(text))
        assert not _EXCEL_ADDRESS.search("\n".join(t for t in texts if "!" in t)), path.name


# -- no doubled phrases ------------------------------------------------------------------------

def doubled(text: str, words: int = 4) -> list[str]:
    """Runs of ``words`` words said twice in ``text`` ("tệp được đặt mật khẩu mở (tệp được đặt mật khẩu mở)")."""
    tokens = re.findall(r"\w+", text.casefold())
    seen: set[tuple[str, ...]] = set()
    twice = []
    for i in range(len(tokens) - words + 1):
        run_of = tuple(tokens[i:i + words])
        if run_of in seen:
            twice.append(" ".join(run_of))
        seen.add(run_of)
    return twice


def test_a_password_protected_file_is_said_once(tmp_path: Path) -> None:
    from tools.reliability.hostile_cases import encrypt
    from xlplan.io.plans import load_plan
    from xlplan.io.registry import load_registry
    from xlplan.services.forms import make_forms

    plan = load_plan()
    form, = make_forms(plan, list(load_registry(None, plan))[:1], "F01", "2017", tmp_path)
    locked = encrypt(form, tmp_path / "khoa.xlsx")
    result = run("check", locked, "--json")
    assert result.exit_code == 1, result.output
    finding, = json.loads(result.stdout)["findings"]
    assert finding["code"] == "file-encrypted"
    assert doubled(finding["message"]) == [] and doubled(finding["fix"]) == [], finding["message"]
    assert doubled("Tệp được đặt mật khẩu mở (tệp được đặt mật khẩu mở)")  # what issue 13 saw


def test_a_sum_mismatch_names_its_cells_and_values(tmp_path: Path) -> None:
    from xlplan.io.plans import load_plan
    from xlplan.io.registry import load_registry
    from xlplan.services.forms import make_forms
    from xlplan.services.sample_data import implied_totals, year_end_values

    plan = load_plan()
    units = list(load_registry(None, plan))[:1]
    values = year_end_values(units, plan, implied_totals(units, plan), 2017)
    form, = make_forms(plan, units, "F03", "2016", tmp_path, values_by_unit=values)
    book = openpyxl.load_workbook(form)
    cells = {}
    for name in ("dv_xuat_sac", "dv_tot", "dv_hoan_thanh", "dv_khong_hoan_thanh", "dv_duoc_danh_gia"):
        (sheet, ref), = book.defined_names[name].destinations
        cells[name] = book[sheet][ref.replace("$", "")]
    cells["dv_xuat_sac"].value += 1
    book.save(form)
    result = run("check", form, "--json")
    found = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "sum-mismatch"]
    assert found, result.stdout
    message = found[0]["message"]
    for cell in cells.values():
        assert f"ô {cell.coordinate} = {cell.value}" in message, message


@pytest.mark.parametrize("path", [(), ("forms",), ("plan",)], ids=lambda p: " ".join(p) or "xlplan")
def test_a_group_alone_prints_its_help(path: tuple[str, ...]) -> None:
    result = run(*path)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Cách dùng:") and "Lỗi" not in result.output
