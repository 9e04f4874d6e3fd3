"""The ``xlplan`` command line through its real entry point (click's CliRunner on ``xlplan.cli.main``).

Every command and sub-command is found by walking the click group, so a new
command is covered (or fails here) without anyone remembering to add it:
``--help`` exits 0 and shows examples ("Ví dụ"); each leaf command has a normal
run and a failing run, registered below with :func:`normal` and :func:`failing`;
and the README lists every command. Exit codes: 0 fine, 1 findings of error
severity, 2 could not run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import click
import openpyxl
import pytest
from click.testing import CliRunner, Result

import xlplan
from xlplan.cli import main
from xlplan.services.sample_data import demo_scenario
from xlplan.services.workspace import INBOX, WORKBOOK_NAME, open_workspace

from tests.test_words_vietnamese import assert_vietnamese

README = Path(__file__).resolve().parents[1] / "README.md"
CommandPath = tuple[str, ...]


def walk(group: click.Group, prefix: CommandPath = ()) -> list[tuple[CommandPath, click.Command]]:
    """Every command under ``group``, depth first, groups included."""
    found = []
    for name in sorted(group.commands):
        command = group.commands[name]
        found.append((prefix + (name,), command))
        if isinstance(command, click.Group):
            found.extend(walk(command, prefix + (name,)))
    return found


ALL = walk(main)
LEAVES = [path for path, command in ALL if not isinstance(command, click.Group)]
GROUPS = [path for path, command in ALL if isinstance(command, click.Group)]


def label(path: CommandPath) -> str:
    return " ".join(path) or "xlplan"


@dataclass
class Ctx:
    """What the runs share: the session's demo folder made by ``xlplan demo`` (read only) and a temp factory."""

    demo: Path
    demo_result: Result
    tmp: pytest.TempPathFactory
    copy_demo: Callable[[Path], Path]

    def folder(self, name: str) -> Path:
        return self.tmp.mktemp(name)

    def demo_copy(self, name: str) -> Path:
        """A copy of the demo folder, for a command that writes in its folder."""
        return self.copy_demo(self.folder(name) / "demo")


def run(*args: str | Path) -> Result:
    """The real entry point; every output is checked for English words (tests/test_words_vietnamese.py)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert_vietnamese(result)
    return result


@pytest.fixture(scope="module")
def ctx(tmp_path_factory, demo_run, copy_demo) -> Ctx:
    return Ctx(demo_run.folder, demo_run.result, tmp_path_factory, copy_demo)


NORMAL: dict[CommandPath, Callable[[Ctx], None]] = {}
FAILING: dict[CommandPath, Callable[[Ctx], None]] = {}


def normal(*path: str):
    def register(func: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        NORMAL[path] = func
        return func
    return register


def failing(*path: str):
    def register(func: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        FAILING[path] = func
        return func
    return register


def demo_file(ctx: Ctx, unit: str) -> Path:
    return ctx.demo / INBOX / "F01_2017" / f"{unit}_F01_2017.xlsx"


def demo_units(ctx: Ctx):
    ws = open_workspace(ctx.demo)
    return demo_scenario(list(ws.registry), ws.plan, seed=2017)


# -- plan show ----------------------------------------------------------------------------

@normal("plan", "show")
def _plan_show(ctx: Ctx) -> None:
    result = run("plan", "show", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["year"] == 2017
    text = run("plan", "show")
    assert text.exit_code == 0 and "180" in text.stdout


@failing("plan", "show")
def _plan_show_fails(ctx: Ctx) -> None:
    missing = ctx.folder("plan") / "khong_co.toml"
    result = run("plan", "show", missing)
    assert result.exit_code == 2
    assert result.stderr.startswith("Lỗi:") and "Traceback" not in result.output


@normal("plan", "new")
def _plan_new(ctx: Ctx) -> None:
    out = ctx.folder("plan-new") / "ke_hoach_2018.toml"
    result = run("plan", "new", "--year", "2018", "--from", "bac_ninh_2017", "--out", out)
    assert result.exit_code == 0, result.output
    assert json.loads(run("plan", "show", out, "--json").stdout)["year"] == 2018


@failing("plan", "new")
def _plan_new_fails(ctx: Ctx) -> None:
    result = run("plan", "new", "--year", "2016", "--from", "bac_ninh_2017", "--out", ctx.folder("plan-old") / "a.toml")
    assert result.exit_code == 2
    assert result.stderr.startswith("Lỗi:") and "Traceback" not in result.output


# -- findings ------------------------------------------------------------------------------

@normal("findings")
def _findings(ctx: Ctx) -> None:
    result = run("findings", "--json")
    assert result.exit_code == 0, result.output
    codes = {item["code"]: item["severity"] for item in json.loads(result.stdout)}
    for code in ("duplicate-submission", "unit-unknown", "ytd-decreasing", "opening-mismatch", "yearend-mismatch",
                 "below-minimum", "late-submission", "missing-submission", "file-skipped", "part-exceeds-whole"):
        assert code in codes, code
    assert codes["ytd-decreasing"] == "error" and codes["late-submission"] == "warning"
    markdown = CliRunner().invoke(main, ["findings", "--markdown"])  # the developers' docs/findings.md: English
    assert markdown.exit_code == 0 and "`ytd-decreasing`" in markdown.stdout


@failing("findings")
def _findings_fails(ctx: Ctx) -> None:
    result = run("findings", "--khong-co-tuy-chon")
    assert result.exit_code == 2


# -- registry show -------------------------------------------------------------------------

@normal("registry", "show")
def _registry_show(ctx: Ctx) -> None:
    result = run("registry", "show", "--json")
    assert result.exit_code == 0, result.output
    units = json.loads(result.stdout)
    assert len(units) == 80 and sum(u["so_dang_vien"] for u in units) == 8877
    text = run("registry", "show")
    assert text.exit_code == 0 and "80 đơn vị, 8.877 đảng viên." in text.stdout


@failing("registry", "show")
def _registry_show_fails(ctx: Ctx) -> None:
    bad = ctx.folder("registry") / "danh_muc.csv"
    bad.write_text("ma,ten,loai_hinh\nP_A,Đảng bộ A,xa_phuong\nP_A,Đảng bộ B,xa_phuong\n", encoding="utf-8")
    result = run("registry", "show", bad)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("Lỗi:")


# -- forms ---------------------------------------------------------------------------------

@normal("forms", "describe")
def _forms_describe(ctx: Ctx) -> None:
    result = run("forms", "describe", "F02", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["form"] == "F02"
    assert {"dv_dau_ky", "kn_trong_ky", "kn_luy_ke", "dv_cuoi_ky"} <= {f["id"] for f in data["fields"]}


@failing("forms", "describe")
def _forms_describe_fails(ctx: Ctx) -> None:
    assert run("forms", "describe", "F09").exit_code == 2


@normal("forms", "make")
def _forms_make(ctx: Ctx) -> None:
    out = ctx.folder("forms-make") / "bieu-mau"
    result = run("forms", "make", "F02", "--period", "2017-01", "--out", out, "--units", "P_VUNINH,X_HOALONG")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["P_VUNINH_F02_2017-01.xlsx", "X_HOALONG_F02_2017-01.xlsx"]
    wb = openpyxl.load_workbook(out / "P_VUNINH_F02_2017-01.xlsx")
    (sheet, ref), = wb.defined_names["don_vi_ma"].destinations
    assert wb[sheet][ref.replace("$", "")].value == "P_VUNINH"


@failing("forms", "make")
def _forms_make_fails(ctx: Ctx) -> None:
    out = ctx.folder("forms-make-bad") / "bieu-mau"
    unknown = run("forms", "make", "F01", "--period", "2017", "--out", out, "--units", "KHONG_CO")
    assert unknown.exit_code == 2 and "KHONG_CO" in unknown.stderr
    bad_period = run("forms", "make", "F01", "--period", "2017-13", "--out", out)
    assert bad_period.exit_code == 2
    assert not out.exists() or list(out.iterdir()) == []


@normal("forms", "templates")
def _forms_templates(ctx: Ctx) -> None:
    out = ctx.folder("templates") / "mau"
    result = run("forms", "templates", "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["F01.xlsx", "F02.xlsx", "F03.xlsx"]


@failing("forms", "templates")
def _forms_templates_fails(ctx: Ctx) -> None:
    out = ctx.folder("templates-bad") / "mau"
    result = run("forms", "templates", "--out", out, "--plan", out.parent / "khong_co.toml")
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:")
    assert not out.exists()


# -- check ---------------------------------------------------------------------------------

@normal("check")
def _check(ctx: Ctx) -> None:
    scenario = demo_units(ctx)
    troubled = set(scenario.late_registrations + scenario.below_minimum + scenario.inconsistent)
    fine = next(code for code in sorted(scenario.registration) if code not in troubled)
    result = run("check", demo_file(ctx, fine))
    assert result.exit_code == 0, result.output
    assert "Không phát hiện vấn đề nào." in result.stdout
    unit = open_workspace(ctx.demo).registry.get(fine)
    assert unit is not None
    # what it read: the unit (code and name from the folder's registry), form, period and version
    assert f"Đơn vị: {fine} — {unit.name}; biểu F01, kỳ 2017, phiên bản " in result.stdout
    folder = run("check", demo_file(ctx, fine).parent)  # a folder: every form in it
    assert folder.exit_code == 1, folder.output  # the demo's one error is a registration's
    assert folder.stdout.count("Tệp: ") == len(list(demo_file(ctx, fine).parent.glob("*.xlsx")))
    as_json = run("check", demo_file(ctx, fine), "--json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == {"valid": True, "findings": []}


@failing("check")
def _check_fails(ctx: Ctx) -> None:
    scenario = demo_units(ctx)
    bad = demo_file(ctx, scenario.inconsistent[0])
    result = run("check", bad, "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert [(f["code"], f["field"]) for f in data["findings"] if f["severity"] == "error"] == [
        ("part-exceeds-whole", "dk_nguon_boi_duong")]
    text = run("check", bad)
    assert text.exit_code == 1 and "Lỗi (trang Đăng ký, ô C29):" in text.stdout and "Cách khắc phục:" in text.stdout
    missing = run("check", bad.parent / "khong_co.xlsx")
    assert missing.exit_code == 2 and missing.stderr.startswith("Lỗi:")


# -- init, consolidate, status, demo -------------------------------------------------------------

def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@normal("init")
def _init(ctx: Ctx) -> None:
    root = ctx.folder("init") / "TongHop2017"
    result = run("init", root)
    assert result.exit_code == 0, result.output
    assert (root / WORKBOOK_NAME).is_file()
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["GuiDonVi", "KetQua", "NopBaoCao"]


@failing("init")
def _init_fails(ctx: Ctx) -> None:
    root = ctx.folder("init-again") / "TongHop2017"
    assert run("init", root).exit_code == 0
    before = sha256(root / WORKBOOK_NAME)
    result = run("init", root)
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:")
    assert sha256(root / WORKBOOK_NAME) == before


@normal("consolidate")
def _consolidate(ctx: Ctx) -> None:
    root = ctx.folder("consolidate") / "TongHop2017"
    assert run("init", root).exit_code == 0
    result = run("consolidate", root, "--json", "--as-of", "21/02/2017")
    assert result.exit_code == 0, result.output  # an empty inbox: missing submissions are warnings
    data = json.loads(result.stdout)
    assert (data["files"], data["skipped"]) == (0, 0)
    # due by 21/02/2017: the registrations (20/02) and January's reports (05/02), 80 units each
    assert {f["code"] for f in data["findings"]} == {"missing-submission"} and len(data["findings"]) == 160
    assert data["summary"]["so_loi"] == 0


@failing("consolidate")
def _consolidate_fails(ctx: Ctx) -> None:
    result = run("consolidate", ctx.demo_copy("consolidate-demo"))  # it records the run in the folder's audit
    assert result.exit_code == 1, result.output  # the demo carries one error (part-exceeds-whole)
    assert "Đã đọc 478 tệp, bỏ qua 0 tệp." in result.stdout
    assert "Phát hiện: 1 lỗi, 6 cảnh báo, 0 ghi chú" in result.stdout
    no_workbook = ctx.folder("consolidate-empty")
    broken = run("consolidate", no_workbook)
    assert broken.exit_code == 2 and broken.stderr.startswith("Lỗi:")
    assert run("consolidate", no_workbook / "khong_co").exit_code == 2


@normal("status")
def _status(ctx: Ctx) -> None:
    scenario = demo_units(ctx)
    result = run("status", ctx.demo, "--form", "F01", "--period", "2017", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(r["bieu"], r["ky"], r["du_kien"], r["da_nop"], r["dung_han"]) for r in data["rates"]] == [
        ("F01", "2017", 80, 79, 76)]
    states = {r["ma"]: r["dung_han"] for r in data["rows"]}
    assert sorted(c for c, s in states.items() if s == "Muộn") == sorted(scenario.late_registrations)
    assert [c for c, s in states.items() if s == "Chưa nộp"] == list(scenario.missing_registration)


@failing("status")
def _status_fails(ctx: Ctx) -> None:
    assert run("status", ctx.folder("status-empty")).exit_code == 2
    bad = run("status", ctx.demo, "--form", "F02", "--period", "2017-13")
    assert bad.exit_code == 2 and bad.stderr.startswith("Lỗi:")


@normal("demo")
def _demo(ctx: Ctx) -> None:
    result = ctx.demo_result
    assert result.exit_code == 0, result.output
    assert "65/79 = 82,27%" in result.stdout and "Đã tạo 478 tệp báo cáo mẫu của 80 đơn vị" in result.stdout
    assert (ctx.demo / WORKBOOK_NAME).is_file()


@failing("demo")
def _demo_fails(ctx: Ctx) -> None:
    before = sorted(p.name for p in ctx.demo.iterdir())
    result = run("demo", "--out", ctx.demo)  # not empty
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:")
    assert sorted(p.name for p in ctx.demo.iterdir()) == before


@normal("report")
def _report(ctx: Ctx) -> None:
    root = ctx.folder("report") / "TongHop2017"
    assert run("init", root).exit_code == 0
    result = run("report", root, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pdf"] is None and data["paragraph"].startswith("Năm 2016, ")
    wb = openpyxl.load_workbook(root / WORKBOOK_NAME)
    (sheet, ref), = wb.defined_names["bc_doan_van"].destinations
    assert wb[sheet][ref.replace("$", "")].value == data["paragraph"]


@failing("report")
def _report_fails(ctx: Ctx) -> None:
    result = run("report", ctx.folder("report-empty"))
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:")


@normal("feedback")
def _feedback(ctx: Ctx) -> None:
    root = ctx.folder("feedback") / "TongHop2017"
    assert run("init", root).exit_code == 0
    result = run("feedback", root, "--deadline", "31/03/2017", "--json")
    assert result.exit_code == 0, result.output  # nothing sent yet: reminders, no errors
    data = json.loads(result.stdout)
    assert data["deadline"] == "2017-03-31" and data["errors"] == 0
    assert data["files"] and all(Path(f["path"]).is_file() for f in data["files"])


@failing("feedback")
def _feedback_fails(ctx: Ctx) -> None:
    root = ctx.folder("feedback-bad") / "TongHop2017"
    assert run("init", root).exit_code == 0
    outbox = sorted(p.relative_to(root) for p in (root / "GuiDonVi").rglob("*"))
    result = run("feedback", root, "--deadline", "2017-03-31")
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:")
    assert sorted(p.relative_to(root) for p in (root / "GuiDonVi").rglob("*")) == outbox


@normal("congvan")
def _congvan(ctx: Ctx) -> None:
    empty = run("congvan", "-d", ctx.demo)
    assert empty.exit_code == 0 and "chưa có công văn nào" in empty.stdout, empty.output
    root = ctx.demo_copy("congvan")
    assert run("feedback", "-d", root, "--deadline", "31/03/2017", "--khong-pdf").exit_code == 1  # units with errors
    listed = run("congvan", "-d", root, "--json")
    assert listed.exit_code == 0, listed.output
    letters = json.loads(listed.stdout)
    assert letters and [x["number"] for x in letters] == list(range(1, len(letters) + 1))


@failing("congvan")
def _congvan_fails(ctx: Ctx) -> None:
    result = run("congvan", "-d", ctx.folder("congvan-no-workbook"))
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:"), result.output


# -- the tests -------------------------------------------------------------------------------

def test_the_walk_finds_the_commands() -> None:
    assert {("plan", "show"), ("forms", "make"), ("check",), ("consolidate",), ("demo",)} <= set(LEAVES)
    assert {("plan",), ("forms",), ("registry",)} <= set(GROUPS)


@pytest.mark.parametrize("path", [()] + [p for p, _ in ALL], ids=label)
def test_help_exits_0_and_shows_examples(path: CommandPath) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Ví dụ" in result.stdout, f"'xlplan {label(path)} --help' shows no examples (Ví dụ)"


# -- trace ------------------------------------------------------------------------------------

@normal("trace")
def _trace(ctx: Ctx) -> None:
    result = run("trace", "P_VUNINH", "kn_trong_ky", "--form", "F02", "--period", "2017-01", "-d", ctx.demo, "--json")
    assert result.exit_code == 0, result.output
    assert "P_VUNINH_F02_2017-01.xlsx" in result.stdout
    assert run("trace", "P_VUNINH", "dk_ket_nap", "-d", ctx.demo).exit_code == 0


@failing("trace")
def _trace_fails(ctx: Ctx) -> None:
    result = run("trace", "P_VUNINH", "kn_trong_ky", "-d", ctx.folder("no-workbook"))
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:"), result.output


# -- addin ---------------------------------------------------------------------------------
REPO = Path(__file__).resolve().parents[1]


@normal("addin", "build")
def _addin_build(ctx: Ctx) -> None:
    out = ctx.folder("addin") / "xlplan.xlam"
    result = run("addin", "build", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (REPO / "addin" / "xlplan.xlam").read_bytes()


@failing("addin", "build")
def _addin_build_fails(ctx: Ctx) -> None:
    result = run("addin", "build", "--sources", ctx.folder("empty-sources"))
    assert result.exit_code == 2 and result.stderr.startswith("Lỗi:"), result.output


def _windows_only_here(*args: str) -> None:
    """Off Windows the Excel commands refuse clearly (exit 2) and point to the CLI."""
    result = run("addin", *args)
    assert result.exit_code == 2, result.output
    assert "Windows" in result.stderr and "Traceback" not in result.output


def _bad_option(name: str) -> None:
    result = run("addin", name, "--khong-co-tuy-chon")
    assert result.exit_code == 2 and "--khong-co-tuy-chon" in result.output


for _name in ("install", "uninstall", "status"):
    normal("addin", _name)(lambda ctx, _n=_name: _windows_only_here(_n))
    failing("addin", _name)(lambda ctx, _n=_name: _bad_option(_n))


@pytest.mark.parametrize("path", LEAVES, ids=label)
def test_normal_run(path: CommandPath, ctx: Ctx) -> None:
    case = NORMAL.get(path)
    assert case is not None, f"no normal-run test for 'xlplan {label(path)}': add one with @normal"
    case(ctx)


@pytest.mark.parametrize("path", LEAVES, ids=label)
def test_failing_run(path: CommandPath, ctx: Ctx) -> None:
    case = FAILING.get(path)
    assert case is not None, f"no failing-run test for 'xlplan {label(path)}': add one with @failing"
    case(ctx)


@pytest.mark.parametrize("path", GROUPS, ids=label)
def test_unknown_subcommand_exits_2(path: CommandPath) -> None:
    assert run(*path, "khong-co-lenh").exit_code == 2


def test_registered_cases_are_real_commands() -> None:
    assert set(NORMAL) - set(LEAVES) == set() and set(FAILING) - set(LEAVES) == set()


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"xlplan, phiên bản {xlplan.__version__}"


def test_readme_lists_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [label(path) for path in LEAVES + GROUPS if f"xlplan {label(path)}" not in text]
    assert missing == [], f"README.md does not list: {', '.join('xlplan ' + m for m in missing)}"


# -- refusals, not tracebacks (every bad argument: Vietnamese, exit 2) ----------------------------

def _refused(result: Result) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Lỗi:"), result.output
    assert "Traceback" not in result.output and "Lỗi không mong đợi" not in result.output
    for english in ("Usage:", "Error:", "Invalid value", "does not exist", "is a file", "is a directory",
                    "No such", "Missing"):
        assert english not in result.output, result.output


def test_status_for_a_pair_the_plan_does_not_track_lists_what_it_tracks(ctx: Ctx) -> None:
    for args in (("--form", "f01", "--period", "2017-02"), ("--form", "F03", "--period", "2017-Q1"),
                 ("--period", "2015"), ("--period", "2017-13"), ("--form", "F02", "--period", "tháng hai")):
        result = run("status", ctx.demo, *args)
        _refused(result)
        assert "F01: năm 2017; F02: tháng, quý, năm 2017; F03: năm 2017" in result.stderr, args


def test_form_ids_are_case_insensitive(ctx: Ctx) -> None:
    lower = run("status", ctx.demo, "--form", "f01", "--period", "2017", "--json")
    upper = run("status", ctx.demo, "--form", "F01", "--period", "2017", "--json")
    assert lower.exit_code == upper.exit_code == 0 and lower.stdout == upper.stdout
    assert run("forms", "describe", "f02").exit_code == 0


@pytest.mark.parametrize("args", [
    ("status", "{demo}", "--form", "F09"),
    ("status", "{demo}", "--as-of", "31/02/2017"),
    ("consolidate", "{demo}", "--as-of", "hôm qua"),
    ("report", "{demo}", "--as-of", "2017/02/28"),
    ("feedback", "{demo}", "--as-of", "28-02"),
    ("consolidate", "{missing}"),
    ("status", "{missing}"),
    ("report", "{missing}"),
    ("feedback", "{missing}"),
    ("consolidate", "{workbook}"),
    ("status", "{workbook}"),
    ("init", "{workbook}"),
    ("trace", "P_VUNINH", "-d", "{workbook}"),
    ("trace", "P_VUNINH", "--form", "F7", "-d", "{demo}"),
    ("forms", "make", "F01", "--period", "2017", "--out", "{workbook}"),
    ("forms", "make", "F04", "--period", "2017", "--out", "{missing}"),
    ("forms", "make", "F01", "--out", "{missing}"),
    ("forms", "templates", "--out", "{workbook}"),
    ("addin", "build", "--out", "{demo}"),
    ("consolidate", "{demo}", "--engine", "nhanh"),
    ("consolidate", "{demo}", "--khong-co"),
    ("consolidate",),
    ("demo", "--seed", "abc"),
    ("khong-co-lenh",),
])
def test_bad_arguments_are_refused_in_vietnamese(args: tuple[str, ...], ctx: Ctx) -> None:
    places = {"demo": str(ctx.demo), "missing": str(ctx.demo / "khong_co"), "workbook": str(ctx.demo / WORKBOOK_NAME)}
    before = hashlib.sha256((ctx.demo / WORKBOOK_NAME).read_bytes()).hexdigest()
    _refused(run(*(a.format(**places) for a in args)))
    assert hashlib.sha256((ctx.demo / WORKBOOK_NAME).read_bytes()).hexdigest() == before


def test_as_of_on_the_command_line_reaches_the_run(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlplan.services.consolidate as consolidate

    seen = []
    real = consolidate.open_workspace
    monkeypatch.setattr(consolidate, "open_workspace",
                        lambda root, as_of=None, **kw: seen.append(as_of) or real(root, as_of, **kw))
    root = ctx.demo_copy("as-of")
    for typed in ("28/02/2017", "2017-02-28"):
        result = run("consolidate", root, "--as-of", typed, "--json")
        assert result.exit_code in (0, 1), result.output
    assert seen == [dt.date(2017, 2, 28)] * 2
