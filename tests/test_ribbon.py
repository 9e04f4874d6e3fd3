"""The ribbon (addin/customUI14.xml): valid for Office, Vietnamese, and wired to VBA that exists.

The button ids are a contract with ``xlplan.macros.dispatch``; every callback the XML names
must be a Sub in the add-in's VBA, or Excel shows "cannot run the macro" at the first click.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import xmlschema
from defusedxml import ElementTree as SafeET

from xlplan.services import addin
from xlplan.services.addin_vba import RIBBON_MODULE, strip_header, udf_specs

REPO = Path(__file__).resolve().parents[1]
RIBBON = REPO / "addin" / "customUI14.xml"
SCHEMA = REPO / ".." / "shared" / "schemas" / "customui14.xsd"
NS = "{http://schemas.microsoft.com/office/2009/07/customui}"

BUTTONS = {
    "xlp_khoi_tao": "Khởi tạo thư mục làm việc",
    "xlp_tao_bieu_mau": "Tạo biểu mẫu cho đơn vị",
    "xlp_tong_hop": "Tổng hợp",
    "xlp_kiem_tra": "Kiểm tra file",
    "xlp_theo_doi": "Theo dõi nộp báo cáo",
    "xlp_phan_hoi": "Gửi phản hồi cho đơn vị",
    "xlp_xuat_pdf": "Xuất báo cáo PDF",
    "xlp_mo_thu_muc": "Mở thư mục nộp",
    "xlp_gioi_thieu": "Giới thiệu & kiểm tra cài đặt",
}
# Attributes of customUI whose value names a VBA procedure (MS-CUSTOMUI: onX and getX callbacks).
CALLBACK = re.compile(r"^(on[A-Z]\w*|get[A-Z]\w*|loadImage)$")


@pytest.fixture(scope="module")
def root():
    return SafeET.fromstring(RIBBON.read_bytes())


@pytest.fixture(scope="module")
def buttons(root):
    return {b.get("id"): b for b in root.iter(f"{NS}button")}


@pytest.fixture(scope="module")
def modules():
    return addin.addin_modules(addin.load_sources(REPO / "addin"), udf_specs())


def test_validates_against_microsofts_schema():
    schema = xmlschema.XMLSchema(str(SCHEMA))
    schema.validate(str(RIBBON))


def test_schema_rejects_a_broken_ribbon(tmp_path):
    # The validation above is only worth something if the schema catches mistakes.
    broken = tmp_path / "customUI14.xml"
    broken.write_text(RIBBON.read_text(encoding="utf-8").replace('size="large"', 'size="huge"', 1),
                      encoding="utf-8")
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(str(SCHEMA)).validate(str(broken))


def test_one_tab_xay_dung_dang(root):
    tabs = list(root.iter(f"{NS}tab"))
    assert [(t.get("id"), t.get("label")) for t in tabs] == [("xlpTab", "Xây dựng Đảng")]
    groups = [g.get("label") for g in tabs[0].iter(f"{NS}group")]
    assert groups == ["Chuẩn bị", "Tổng hợp", "Báo cáo", "Trợ giúp"]


def test_buttons_are_the_contract_with_xlplan_macros(buttons):
    assert set(buttons) == set(BUTTONS)
    for button_id, label in BUTTONS.items():
        button = buttons[button_id]
        # A single "&" in a ribbon label marks an access key; "&&" shows one "&".
        assert button.get("label").replace("&&", "&") == label
        assert button.get("screentip") == label


def test_every_button_is_large_with_a_builtin_icon_and_vietnamese_help(buttons):
    for button_id, button in buttons.items():
        assert button.get("size") == "large", button_id
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]+", button.get("imageMso") or ""), button_id
        assert button.get("onAction") == "xlplan_ribbon.XlplanOnAction", button_id
        supertip = button.get("supertip") or ""
        assert len(supertip) > 40 and not supertip.isascii(), button_id
        for attr in ("label", "screentip", "supertip"):
            text = button.get(attr)
            assert text == unicodedata.normalize("NFC", text), (button_id, attr)


def test_ribbon_file_is_utf8_with_vietnamese_written_directly():
    text = RIBBON.read_bytes().decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"')
    assert "Xây dựng Đảng" in text and "&#" not in text


# Callback names Excel would look up in every loaded project: another add-in's macro of the
# same name can run instead of ours (reported against xlwings, which now qualifies its own).
GENERIC = re.compile(r"^(on|get)?(action|click|callback|button\w*|load|ribbon\w*|macro\d*|run)$", re.IGNORECASE)


def callback_problems(named: set[str], modules) -> list[str]:
    """What is wrong with the ribbon's callback names: each must be ``<module>.Xlplan<Name>``,
    name a standard module of the add-in's VBA and a Public Sub of that module."""
    by_module = {m.name: m for m in modules}
    problems = []
    for name in sorted(named):
        module, _, procedure = name.rpartition(".")
        if not module:
            problems.append(f"{name}: not module-qualified")
            continue
        if GENERIC.match(procedure) or not procedure.lower().startswith("xlplan"):
            problems.append(f"{name}: a generic name (must start with Xlplan)")
        found = by_module.get(module)
        if found is None or found.kind != "standard":
            problems.append(f"{name}: no standard module {module!r} in the add-in")
            continue
        public_subs = re.findall(r"^Public Sub (\w+)\(control As IRibbonControl\)", found.code, re.MULTILINE)
        if procedure not in public_subs:
            problems.append(f"{name}: no Public Sub {procedure}(control As IRibbonControl) in {module}")
    return problems


def test_every_callback_is_a_module_qualified_sub_only_ours(root, modules):
    named = {value for element in root.iter() for attr, value in element.attrib.items()
             if CALLBACK.match(attr)}
    assert named == {"xlplan_ribbon.XlplanOnAction"}
    assert callback_problems(named, modules) == []


def test_generic_or_dangling_callbacks_are_rejected(modules):
    assert callback_problems({"OnAction"}, modules) == ["OnAction: not module-qualified"]
    assert callback_problems({"xlplan_ribbon.OnAction"}, modules) == [
        "xlplan_ribbon.OnAction: a generic name (must start with Xlplan)",
        "xlplan_ribbon.OnAction: no Public Sub OnAction(control As IRibbonControl) in xlplan_ribbon"]
    assert callback_problems({"xlplan_ribbon.XlplanMissing"}, modules) == [
        "xlplan_ribbon.XlplanMissing: no Public Sub XlplanMissing(control As IRibbonControl) in xlplan_ribbon"]
    assert callback_problems({"Sheet1.XlplanOnAction"}, modules) == [
        "Sheet1.XlplanOnAction: no standard module 'Sheet1' in the add-in"]


def test_on_action_hands_the_button_id_to_python_and_does_nothing_else():
    # "Nothing else" save one documented exception (addin/README.md, "One callback"): with no
    # workbook open xlwings's RunPython fails before Python runs, so a blank book is added first.
    code = strip_header((REPO / "addin" / "vba" / "xlplan_ribbon.bas").read_text(encoding="cp1252"),
                        RIBBON_MODULE)
    statements = [line.strip() for line in code.splitlines()
                  if line.strip() and not line.strip().startswith("'")]
    assert statements == [
        "Option Explicit",
        "Public Sub XlplanOnAction(control As IRibbonControl)",
        "If ActiveWorkbook Is Nothing Then Workbooks.Add",
        "RunPython \"import xlplan.macros; xlplan.macros.dispatch('\" & control.Id & \"')\"",
        "End Sub",
    ]


def test_run_python_needs_an_active_workbook_which_the_guard_provides(modules):
    # Why the guard exists: RunPython walks ActiveWorkbook's sheets and reads its full name
    # unconditionally, which is error 91 ("Object variable not set") when no book is open.
    xlwings_code = next(m.code for m in modules if m.name == "xlwings")
    body = xlwings_code.split("Public Function RunPython(", 1)[1].split("End Function", 1)[0]
    assert "Set wb = ActiveWorkbook" in body and "ActiveFullName = ActiveWorkbook.FullName" in body


def test_run_python_is_public_in_the_xlwings_module(modules):
    xlwings_code = next(m.code for m in modules if m.name == "xlwings")
    assert re.search(r"^Public Function RunPython\(PythonCommand As String\)", xlwings_code, re.MULTILINE)


def test_xlplan_macros_handles_exactly_the_ribbon_buttons(buttons):
    from xlplan import macros

    assert set(macros.BUTTONS) == set(buttons)
    assert {k: v for k, v in macros.LABELS.items() if k in buttons} == BUTTONS
