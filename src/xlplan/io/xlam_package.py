"""Writing (and reading back) the OOXML package of the xlplan Excel add-in (``.xlam``).

An ``.xlam`` is a zip of XML parts like an ``.xlsx``; what makes it an add-in is the main
part's content type (``application/vnd.ms-excel.addin.macroEnabled.main+xml``), and what
makes it useful is two more parts: the VBA project (``xl/vbaProject.bin``) and the ribbon
(``customUI/customUI14.xml``, tied to the package by a root relationship). The package is
written part by part here rather than through openpyxl because openpyxl knows neither the
ribbon part nor an add-in without a template, and because every byte must be predictable:

- *Deterministic*: the same inputs give the same bytes (fixed dates in the document
  properties and in every zip entry, entries in a fixed order, the same "made on" system
  for every entry whatever the building OS), so a rebuild can be compared with the
  committed add-in and an unchanged add-in never shows up as a change.
- *Minimal*: one hidden-purpose sheet, ``xlplan.conf`` (code name ``Sheet1``), holding the
  settings xlwings's custom add-in reads from column A (key) and B (value); column C is a
  note for a curious reader, never read by xlwings.

The VBA project itself is written by :mod:`xlplan.io.vba`; this module only places it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeET

# -- content types and relationship types (ECMA-376 part 2, MS-OFFMACRO2, MS-CUSTOMUI) ------

CT_ADDIN_MAIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
CT_VBA_PROJECT = "application/vnd.ms-office.vbaProject"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_APP = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_OFFICE_DOCUMENT = f"{_OFFICE_REL}/officeDocument"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_APP = f"{_OFFICE_REL}/extended-properties"
REL_CUSTOM = f"{_OFFICE_REL}/custom-properties"
REL_RIBBON = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_WORKSHEET = f"{_OFFICE_REL}/worksheet"
REL_STYLES = f"{_OFFICE_REL}/styles"
REL_VBA_PROJECT = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"

RIBBON_PART = "customUI/customUI14.xml"
WORKBOOK_PART = "xl/workbook.xml"
SHEET_PART = "xl/worksheets/sheet1.xml"
VBA_PART = "xl/vbaProject.bin"
CUSTOM_PART = "docProps/custom.xml"

WORKBOOK_CODE_NAME = "ThisWorkbook"  # the document modules of the VBA project must match these
SHEET_CODE_NAME = "Sheet1"

FIXED_W3CDTF = "2017-01-01T00:00:00Z"  # the plan's year; never the build time
_ZIP_TIME = (2017, 1, 1, 0, 0, 0)
_CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one FMTID of user-defined properties
_XML_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAX_SHEET_NAME = 31


@dataclass(frozen=True)
class ConfigRow:
    """One row of the add-in's config sheet: key (A), value (B), a note for readers (C)."""

    key: str
    value: str | bool
    note: str = ""


@dataclass(frozen=True)
class XlamPackage:
    """Everything the add-in package holds; :func:`xlam_bytes` turns it into the file."""

    ribbon_xml: bytes
    vba_project: bytes
    config_sheet: str
    config_rows: Sequence[ConfigRow]
    title: str = "xlplan"
    properties: Mapping[str, str] = field(default_factory=dict)  # docProps/custom.xml, text values


def xlam_bytes(package: XlamPackage) -> bytes:
    """The ``.xlam`` file: the parts of :func:`xlam_parts` zipped with fixed dates and order."""
    return _zip(xlam_parts(package))


def with_config_rows(data: bytes, rows: Sequence[ConfigRow]) -> bytes:
    """The add-in ``data`` with ``rows`` set in its config sheet (a key already there is
    replaced in place, a new one appended); every other part byte for byte as it was.

    ``xlplan addin install`` writes the computer's settings (the interpreter) into the
    installed copy this way: Excel reads a sheet cell as Unicode, which VBA's file functions
    reading the user file cannot do.
    """
    parts = read_parts(data)
    current = read_config_rows(parts)
    wanted = {row.key.upper(): row for row in rows}
    merged = [wanted.pop(row.key.upper(), row) for row in current]
    merged += [row for row in rows if row.key.upper() in wanted]
    keys = [row.key.upper() for row in merged]
    if len(set(keys)) != len(keys) or not all(keys):
        raise ValueError(f"config keys must be unique and non-empty: {keys}")
    return _zip([(name, _sheet_xml(merged) if name == SHEET_PART else payload) for name, payload in parts.items()])


def config_value(parts: Mapping[str, bytes], key: str) -> str | bool | None:
    """A key's value in the config sheet (keys compared as xlwings does, upper-cased), or None."""
    for row in read_config_rows(parts):
        if row.key.upper() == key.upper():
            return row.value
    return None


def _zip(parts: Sequence[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in parts:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # ZipInfo says 3 on Unix and 0 on Windows: same bytes on both
            info.external_attr = 0
            archive.writestr(info, payload, compresslevel=9)
    return buffer.getvalue()


def xlam_parts(package: XlamPackage) -> list[tuple[str, bytes]]:
    """The package's parts in the order they are zipped (content types and root rels first)."""
    if not package.config_sheet or len(package.config_sheet) > _MAX_SHEET_NAME:
        raise ValueError(f"bad sheet name {package.config_sheet!r}")
    keys = [row.key for row in package.config_rows]
    if len({key.upper() for key in keys}) != len(keys) or any(not key for key in keys):
        # xlwings stores the keys upper-cased in a dictionary: a repeat would fail at run time.
        raise ValueError(f"config keys must be unique and non-empty: {keys}")
    parts = [
        ("[Content_Types].xml", _content_types(bool(package.properties))),
        ("_rels/.rels", _root_rels(bool(package.properties))),
        ("docProps/app.xml", _app_xml()),
        ("docProps/core.xml", _core_xml(package.title)),
    ]
    if package.properties:
        parts.append((CUSTOM_PART, _custom_xml(package.properties)))
    parts += [
        (RIBBON_PART, package.ribbon_xml),
        (WORKBOOK_PART, _workbook_xml(package.config_sheet)),
        ("xl/_rels/workbook.xml.rels", _workbook_rels()),
        ("xl/styles.xml", _STYLES.encode("utf-8")),
        (SHEET_PART, _sheet_xml(package.config_rows)),
        (VBA_PART, package.vba_project),
    ]
    return parts


# -- reading back (status, tests) ------------------------------------------------------------


def read_parts(data: bytes) -> dict[str, bytes]:
    """Every part of a package by name (the zip's entry names)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def read_custom_properties(parts: Mapping[str, bytes]) -> dict[str, str]:
    """The text custom properties (docProps/custom.xml) of a package's parts; {} if none."""
    if CUSTOM_PART not in parts:
        return {}
    root = SafeET.fromstring(parts[CUSTOM_PART])
    found = {}
    for prop in root.findall(f"{{{NS_CUSTOM}}}property"):
        value = prop.find(f"{{{NS_VT}}}lpwstr")
        found[prop.get("name", "")] = (value.text or "") if value is not None else ""
    return found


def read_config_rows(parts: Mapping[str, bytes]) -> list[ConfigRow]:
    """The config sheet's rows as written by :func:`xlam_parts` (inline strings, booleans)."""
    root = SafeET.fromstring(parts[SHEET_PART])
    rows = []
    for row in root.iter(f"{{{NS_MAIN}}}row"):
        cells: dict[str, str | bool] = {}
        for cell in row.findall(f"{{{NS_MAIN}}}c"):
            column = (cell.get("r") or "?")[0]
            if cell.get("t") == "b":
                cells[column] = (cell.findtext(f"{{{NS_MAIN}}}v") or "0") == "1"
            else:
                cells[column] = "".join(t.text or "" for t in cell.iter(f"{{{NS_MAIN}}}t"))
        rows.append(ConfigRow(str(cells.get("A", "")), cells.get("B", ""), str(cells.get("C", ""))))
    return rows


# -- parts -----------------------------------------------------------------------------------


def _xml(body: str) -> bytes:
    return (_XML_HEADER + body).encode("utf-8")


def _content_types(custom: bool) -> bytes:
    overrides = [
        ("/" + WORKBOOK_PART, CT_ADDIN_MAIN),
        ("/" + SHEET_PART, CT_WORKSHEET),
        ("/xl/styles.xml", CT_STYLES),
        ("/" + VBA_PART, CT_VBA_PROJECT),
        ("/docProps/core.xml", CT_CORE),
        ("/docProps/app.xml", CT_APP),
    ]
    if custom:
        overrides.append(("/" + CUSTOM_PART, CT_CUSTOM))
    return _xml(
        f'<Types xmlns="{NS_CONTENT_TYPES}">'
        f'<Default Extension="rels" ContentType="{CT_RELS}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in overrides)
        + "</Types>")


def _relationships(rels: Sequence[tuple[str, str]]) -> bytes:
    return _xml(
        f'<Relationships xmlns="{NS_PKG_RELS}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
                  for i, (kind, target) in enumerate(rels, start=1))
        + "</Relationships>")


def _root_rels(custom: bool) -> bytes:
    rels = [(REL_OFFICE_DOCUMENT, WORKBOOK_PART), (REL_CORE, "docProps/core.xml"),
            (REL_APP, "docProps/app.xml"), (REL_RIBBON, RIBBON_PART)]
    if custom:
        rels.append((REL_CUSTOM, CUSTOM_PART))
    return _relationships(rels)


def _workbook_rels() -> bytes:
    # rId1 is the sheet: workbook.xml refers to it.
    return _relationships([(REL_WORKSHEET, "worksheets/sheet1.xml"), (REL_STYLES, "styles.xml"),
                           (REL_VBA_PROJECT, "vbaProject.bin")])


def _app_xml() -> bytes:
    return _xml(
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
        f' xmlns:vt="{NS_VT}"><Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity>'
        "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>")


def _core_xml(title: str) -> bytes:
    return _xml(
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>xlplan</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_W3CDTF}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_W3CDTF}</dcterms:modified>'
        "</cp:coreProperties>")


def _custom_xml(properties: Mapping[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{_CUSTOM_FMTID}" pid="{pid}" name={quoteattr(name)}>'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(sorted(properties.items()), start=2))  # pid 2 is the first
    return _xml(f'<Properties xmlns="{NS_CUSTOM}" xmlns:vt="{NS_VT}">{items}</Properties>')


def _workbook_xml(sheet: str) -> bytes:
    return _xml(
        f'<workbook xmlns="{NS_MAIN}" xmlns:r="{_OFFICE_REL}">'
        f'<workbookPr codeName="{WORKBOOK_CODE_NAME}"/>'
        '<bookViews><workbookView/></bookViews>'
        f'<sheets><sheet name={quoteattr(sheet)} sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>")


def _cell(ref: str, value: str | bool) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def _sheet_xml(rows: Sequence[ConfigRow]) -> bytes:
    # xlwings reads keys from A1 down to the first empty cell: no header row, no gaps.
    body = "".join(
        f'<row r="{r}">' + _cell(f"A{r}", row.key) + _cell(f"B{r}", row.value)
        + (_cell(f"C{r}", row.note) if row.note else "") + "</row>"
        for r, row in enumerate(rows, start=1))
    last = max(len(rows), 1)
    return _xml(
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{_OFFICE_REL}">'
        f'<sheetPr codeName="{SHEET_CODE_NAME}"/><dimension ref="A1:C{last}"/>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        '<cols><col min="1" max="1" width="32" customWidth="1"/>'
        '<col min="2" max="2" width="40" customWidth="1"/>'
        '<col min="3" max="3" width="90" customWidth="1"/></cols>'
        f"<sheetData>{body}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>")


_STYLES = (
    _XML_HEADER
    + f'<styleSheet xmlns="{NS_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")
