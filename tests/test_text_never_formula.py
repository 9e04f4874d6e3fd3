"""No text becomes a formula in anything xlplan writes (issue 12, first part).

Adversarial strings — formula prefixes, DDE, web functions, error codes,
leading tab/CR, very long text, Vietnamese, control characters XML cannot
hold — are put where users and units put text: a registry (unit name,
contact), a plan file (title, place, board, kind labels) and the text cells of
a submitted form. They go through every writer, by the real CLI (``forms
make`` with a CSV registry and with the city workbook as registry, ``init``,
``consolidate``, ``feedback``) and, for many generated strings, through the
writers directly. The saved XML of every workbook written is scanned for
``<f>`` elements (and error cells) the code did not create: the allow-list is
the formulas the code builds itself (the forms' derived, check and signature
cells; the city workbook's two count formulas).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlplan.cli import main
from xlplan.core.forms import form_spec
from xlplan.core.plan import Plan
from xlplan.core.registry import Unit
from xlplan.io.cell_values import clean_text, put_formula, put_value
from xlplan.io.city_workbook import build_city_template, write_city_data
from xlplan.io.feedback_writer import Letter, LetterRow, write_highlighted_copy, write_letter
from xlplan.io.form_writer import build_form, own_formulas, write_form
from xlplan.io.plans import load_plan
from xlplan.io.workbook_files import workbook_bytes
from xlplan.services.excel_book import cell_value

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
BUNDLED_PLAN = Path(__file__).resolve().parents[1] / "src/xlplan/data/plans/bac_ninh_2017.toml"
BUNDLED_REGISTRY = next((Path(__file__).resolve().parents[1] / "src/xlplan/data/registry").glob("*.csv"))

ADVERSARIAL = [
    "=cmd|' /C calc'!A0",
    '=WEBSERVICE("http://x")',
    '=HYPERLINK("http://x","bấm vào đây")',
    "+1+2", "-A1", "@SUM(A1:A2)", "=1+1", "#N/A", "#DIV/0!",
    "\t=cmd|' /C calc'!A0", "\r=1+1", " =2*3",
    "=" + "Đảng bộ phường Vũ Ninh " * 2000,  # longer than a cell holds
    "Đảng bộ phường Vũ Ninh", "=Đảng bộ\x00\x01\x08\x0b\x1f phường",
]

# The city workbook's own formulas (io/city_workbook._counts), by their text.
CITY_FORMULAS = {"COUNTA(INDEX(tbl_don_vi_data,0,1))"} | {
    f'COUNTIF(INDEX(tbl_kiem_tra_data,0,1),"{label}")' for label in ("Lỗi", "Cảnh báo", "Ghi chú")}


def allowed(plan: Plan) -> set[str]:
    return {text[1:] for text in own_formulas(plan)} | CITY_FORMULAS


def foreign_formulas(data: bytes, ours: set[str]) -> list[str]:
    """``part!cell: formula`` for every ``<f>`` not ours and every error cell, in a saved workbook's sheets."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                continue
            for cell in ElementTree.fromstring(archive.read(name)).iter(f"{MAIN}c"):
                formula = cell.find(f"{MAIN}f")
                if formula is not None and (formula.text or "") not in ours:
                    found.append(f"{name}!{cell.get('r')}: {formula.text!r}")
                if cell.get("t") == "e":
                    found.append(f"{name}!{cell.get('r')}: error cell")
        assert not any(n.startswith("xl/externalLinks/") for n in archive.namelist())
    return found


def scan_folder(folder: Path, plan: Plan) -> int:
    """Assert no foreign formula in any workbook under ``folder``; returns how many were scanned."""
    files = sorted(p for p in folder.rglob("*.xlsx") if "sha256" not in p.parts)
    for path in files:
        assert foreign_formulas(path.read_bytes(), allowed(plan)) == [], path
    return len(files)


def toml_text(text: str) -> str:
    """A TOML basic string holding ``text`` (JSON's escapes are TOML's, given \\u for controls)."""
    return json.dumps(text, ensure_ascii=False)


def hostile_plan_file(target: Path, title: str, place: str, board: str, label: str) -> Path:
    source = BUNDLED_PLAN.read_text(encoding="utf-8")
    source = re.sub(r'(?m)^title = ".*"$', lambda _: f"title = {toml_text(title)}", source, count=1)
    source = re.sub(r'(?m)^place = ".*"$', lambda _: f"place = {toml_text(place)}", source, count=1)
    source = re.sub(r'(?m)^board = ".*"$', lambda _: f"board = {toml_text(board)}", source, count=1)
    source = re.sub(r'(?m)^label = ".*"$', lambda _: f"label = {toml_text(label)}", source, count=1)
    target.write_text(source, encoding="utf-8")
    return target


def hostile_registry(target: Path, names: list[str]) -> Path:
    """The bundled registry with its first units renamed and their contacts replaced by ``names``."""
    with BUNDLED_REGISTRY.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row, text in zip(rows, names):
        row["ten"] = text.replace("\x00", "") + f" {row['ma']}"  # names stay unique
        row["lien_he"] = text
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


# -- the real CLI, every writer ----------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_round(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Plan, list]:
    root = tmp_path_factory.mktemp("hostile")
    plan_path = hostile_plan_file(root / "ke_hoach.toml", ADVERSARIAL[0], ADVERSARIAL[1], "=1+1", "@SUM(A1:A2)")
    plan = load_plan(plan_path)
    assert plan.title == ADVERSARIAL[0] and plan.kinds[0].label == "@SUM(A1:A2)"
    registry = hostile_registry(root / "danh_muc.csv", ADVERSARIAL)
    runner = CliRunner()
    results = []
    folder = root / "TongHop"
    results.append(runner.invoke(main, ["init", str(folder), "--plan", str(plan_path), "--registry", str(registry)]))
    results.append(runner.invoke(main, ["forms", "make", "F01", "--period", "2017", "--out", str(root / "csv"),
                                        "--plan", str(plan_path), "--registry", str(registry)]))
    results.append(runner.invoke(main, ["forms", "make", "F02", "--period", "2017-01", "--out", str(root / "book"),
                                        "--plan", str(plan_path), "--registry", str(folder / "SoTongHop.xlsx")]))
    # Units send back their forms with adversarial text in every text cell they can type into.
    units = [u for u in csv.DictReader(registry.open(encoding="utf-8"))][:len(ADVERSARIAL)]
    for unit, text in zip(units, ADVERSARIAL):
        form = root / "csv" / f"{unit['ma']}_F01_2017.xlsx"
        wb = openpyxl.load_workbook(form)
        for name in ("nguoi_lap", "bi_thu", "kq_xep_loai", "dk_xep_loai"):
            sheet, coord = next(iter(wb.defined_names[name].destinations))
            wb[sheet][coord.replace("$", "")].value = clean_text(text)  # what a unit's Excel can store
            wb[sheet][coord.replace("$", "")].data_type = "s"
        wb.save(folder / "NopBaoCao" / form.name)
    results.append(runner.invoke(main, ["consolidate", str(folder), "--as-of", "2017-03-20"]))
    results.append(runner.invoke(main, ["feedback", str(folder), "--as-of", "2017-03-20"]))
    return root, plan, results


def test_every_command_runs_on_hostile_text(hostile_round: tuple[Path, Plan, list]) -> None:
    for result in hostile_round[2]:
        assert result.exit_code in (0, 1), result.output + repr(result.exception)


def test_forms_made_from_hostile_registry_and_plan_hold_the_text_as_text(hostile_round) -> None:
    root, plan, _ = hostile_round
    for folder in ("csv", "book"):
        assert scan_folder(root / folder, plan) >= 80
    form = openpyxl.load_workbook(root / "csv" / "P_VUNINH_F01_2017.xlsx")  # the registry's first unit
    sheet, coord = next(iter(form.defined_names["don_vi_ten"].destinations))
    assert form[sheet][coord.replace("$", "")].value.startswith("=cmd|' /C calc'!A0")
    assert form[sheet][coord.replace("$", "")].data_type == "s"


def test_city_workbook_letters_and_feedback_copies_hold_no_foreign_formula(hostile_round) -> None:
    root, plan, _ = hostile_round
    folder = root / "TongHop"
    copies = list((folder / "GuiDonVi").rglob("*_phanhoi.xlsx"))
    assert copies  # the hostile choices are findings: copies and letters went out
    assert scan_folder(folder, plan) >= len(copies) + 1
    book = openpyxl.load_workbook(folder / "SoTongHop.xlsx")
    texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert any(t.startswith("=cmd|' /C calc'!A0") for t in texts)  # the plan's title, shown as text


# -- generated strings, through every writer directly -------------------------------------------

hostile_text = st.one_of(
    st.sampled_from(ADVERSARIAL),
    st.builds(lambda head, tail: head + tail, st.sampled_from(["=", "+", "-", "@", "#N/A", "\t=", "\r=", "=cmd|"]),
              st.text(max_size=40)),
    st.text(min_size=1, max_size=60),
)


@pytest.fixture(scope="module")
def bundled_plan() -> Plan:
    return load_plan()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text)
def test_generated_text_never_becomes_a_formula_in_any_writer(text: str, bundled_plan: Plan, tmp_path: Path) -> None:
    plan = bundled_plan
    ours = allowed(plan)
    unit = Unit(code="P_VUNINH", name=text, kind="xa_phuong", has_source=True, contact=text)
    for form_id in ("F01", "F02", "F03"):
        period = "2017" if form_id != "F02" else "2017-01"
        wb = build_form(form_spec(form_id, plan), plan, unit, period, values={"nguoi_lap": text})
        assert foreign_formulas(workbook_bytes(wb), ours) == []
    city = build_city_template(plan, {"cfg_thu_muc_nop": text})
    write_city_data(city, plan, {"tbl_kiem_tra": [{"don_vi": text, "noi_dung": text, "cach_sua": text}]},
                    {"bc_tieu_de": text, "bc_noi_nhan": text})
    assert foreign_formulas(workbook_bytes(city), ours) == []
    letter = Letter(text, text, text, text, text, text, text, (LetterRow(_error(), text, text, text),), text,
                    (text,), text)
    write_letter(tmp_path / "letter.xlsx", letter)
    assert foreign_formulas((tmp_path / "letter.xlsx").read_bytes(), ours) == []
    source = tmp_path / "unit.xlsx"
    write_form(source, form_spec("F01", plan), plan, unit, "2017", values={"nguoi_lap": text, "bi_thu": text})
    before = source.read_bytes()
    write_highlighted_copy(source, tmp_path / "copy.xlsx", letter, [], author="BTC", own_formulas=own_formulas(plan))
    assert foreign_formulas((tmp_path / "copy.xlsx").read_bytes(), ours) == []
    assert source.read_bytes() == before
    assert cell_value(text) in (None, "'" + clean_text(text))  # the ribbon: Excel gets the text mark


def _error():
    from xlplan.core.findings import Severity

    return Severity.ERROR


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_put_value_keeps_text_as_text(text: str) -> None:
    cell = openpyxl.Workbook().active["A1"]
    put_value(cell, text)
    assert cell.data_type == "s" and cell.value == clean_text(text)
    with pytest.raises(ValueError):
        put_formula(cell, text if not text.startswith("=") else "x" + text)


# -- feedback copies: the unit's values, not its formulas ------------------------------------------

def test_feedback_copy_replaces_the_units_formulas_by_values(bundled_plan: Plan, tmp_path: Path) -> None:
    plan = bundled_plan
    unit = Unit(code="P_VUNINH", name="Đảng bộ phường Vũ Ninh", kind="xa_phuong", has_source=True)
    source = tmp_path / "P_VUNINH_F01_2017.xlsx"
    write_form(source, form_spec("F01", plan), plan, unit, "2017")
    wb = openpyxl.load_workbook(source)
    ws = wb.worksheets[1]
    ws["F1"] = "=cmd|' /C calc'!A0"
    ws["F2"] = '=WEBSERVICE("http://x")'
    ws["F3"] = "=[1]Sheet1!A1"
    ws["F4"] = "=1+1"
    wb.calculation.fullCalcOnLoad = True
    wb.save(source)
    # The unit's Excel saved cached values for two of them (F2 and F4); F1 and F3 have none.
    with zipfile.ZipFile(source) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    name = "xl/worksheets/sheet2.xml"
    xml = parts[name].decode()
    xml = xml.replace('<c r="F2"><f>WEBSERVICE("http://x")</f><v /></c>',
                      '<c r="F2" t="str"><f>WEBSERVICE("http://x")</f><v>trả lời</v></c>')
    xml = xml.replace('<c r="F4"><f>1+1</f><v /></c>', '<c r="F4"><f>1+1</f><v>2</v></c>')
    assert "trả lời" in xml and "<v>2</v>" in xml
    parts[name] = xml.encode()
    with zipfile.ZipFile(source, "w") as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    before = source.read_bytes()
    letter = Letter("A", "B", "C", "D", "E", "F", "G", (), "H", ("I",), "J")
    write_highlighted_copy(source, tmp_path / "copy.xlsx", letter, [], author="BTC", own_formulas=own_formulas(plan))
    assert source.read_bytes() == before
    data = (tmp_path / "copy.xlsx").read_bytes()
    assert foreign_formulas(data, allowed(plan)) == []
    copy = openpyxl.load_workbook(tmp_path / "copy.xlsx")
    sheet = copy[ws.title]
    assert (sheet["F2"].value, sheet["F4"].value) == ("trả lời", 2)
    assert sheet["F1"].value == "=cmd|' /C calc'!A0" and sheet["F1"].data_type == "s"
    assert "không lưu kết quả" in sheet["F1"].comment.text and sheet["F3"].comment is not None
    assert not copy.calculation.fullCalcOnLoad
    # the form's own check cells stay live formulas
    derived = form_spec("F01", plan).derived[0].id
    place, coord = next(iter(copy.defined_names[derived].destinations))
    assert copy[place][coord.replace("$", "")].data_type == "f"
