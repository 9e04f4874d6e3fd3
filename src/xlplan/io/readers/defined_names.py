"""Defined names straight from ``xl/workbook.xml``, for engines that do not expose them.

calamine reads values but not names, and forms are located by names only, so
this module reads the ``<definedNames>`` of the workbook part itself, with
defusedxml (unit files are untrusted). It maps ``localSheetId`` to sheet names,
unquotes ``'Đăng ký'!$C$12``, and turns everything that is not one cell
(ranges, ``#REF!``, constants, formulas, external links) into "no target"
instead of an error. :func:`parse_reference` is shared with the openpyxl engine
so both engines resolve a name the same way.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from defusedxml import ElementTree

from .base import NotAWorkbook, split_cell

_MAX_PART = 64 * 1024 * 1024  # a workbook part larger than this is not a form
_OFFICE_DOCUMENT = "/officeDocument"
_QUOTED_SHEET = re.compile(r"^'((?:[^']|'')+)'!(.+)$")
_PLAIN_SHEET = re.compile(r"^([^'!\[\]:*?/\\]+)!(.+)$")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


@dataclass(frozen=True)
class DefinedName:
    """One ``<definedName>``: ``local_sheet`` is set for sheet-local names."""

    name: str
    text: str
    local_sheet: str | None = None
    target: tuple[str, str] | None = None  # (sheet, "C12") when it is exactly one cell


def parse_reference(text: str, sheets: Sequence[str]) -> tuple[str, str] | None:
    """``'Đăng ký'!$C$12`` → (``"Đăng ký"``, ``"C12"``); ``None`` unless it is one cell of a known sheet.

    A one-cell range (``$C$12:$C$12``) counts as the cell. Sheet names match
    case-insensitively, as in Excel, and come back as the workbook spells them.
    """
    text = (text or "").strip()
    if text.startswith("="):
        text = text[1:].strip()
    match = _QUOTED_SHEET.match(text)
    if match:
        sheet, ref = match[1].replace("''", "'"), match[2]
    else:
        match = _PLAIN_SHEET.match(text)
        if not match:
            return None
        sheet, ref = match[1], match[2]
    parts = ref.split(":")
    if len(parts) > 2:
        return None
    cells = []
    for part in parts:
        cell = _CELL.match(part.strip())
        if not cell:
            return None
        address = f"{cell[1].upper()}{cell[2]}"
        try:
            split_cell(address)
        except ValueError:
            return None
        cells.append(address)
    if len(set(cells)) != 1:
        return None
    wanted = sheet.casefold()
    for known in sheets:
        if known.casefold() == wanted:
            return known, cells[0]
    return None


def read_defined_names(path: str | Path) -> list[DefinedName]:
    """Every ``<definedName>`` of the workbook at ``path``, in document order."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _workbook_part(archive)
            root = ElementTree.fromstring(_read_part(archive, part))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise NotAWorkbook("tệp không có phần sổ tính (workbook.xml)") from exc
    sheets = [el.get("name", "") for parent in root if _local(parent.tag) == "sheets"
              for el in parent if _local(el.tag) == "sheet"]
    names = []
    for el in (el for parent in root if _local(parent.tag) == "definedNames" for el in parent):
        if _local(el.tag) != "definedName":
            continue
        name = el.get("name") or ""
        text = el.text or ""
        local = el.get("localSheetId")
        local_sheet = None
        if local is not None:
            try:
                local_sheet = sheets[int(local)]
            except (ValueError, IndexError):
                local_sheet = ""  # sheet-local to a sheet that is not there
        names.append(DefinedName(name, text, local_sheet, parse_reference(text, sheets)))
    return names


def workbook_level(names: Sequence[DefinedName]) -> dict[str, tuple[str, str]]:
    """The reader view: workbook-level one-cell names, casefolded; a later duplicate wins."""
    found: dict[str, tuple[str, str]] = {}
    for item in names:
        if item.local_sheet is None and item.target is not None and not item.name.startswith("_xlnm."):
            found[item.name.casefold()] = item.target
    return found


def _workbook_part(archive: zipfile.ZipFile) -> str:
    """The workbook part named by the package relationships (usually ``xl/workbook.xml``)."""
    try:
        rels = ElementTree.fromstring(_read_part(archive, "_rels/.rels"))
    except KeyError:
        return "xl/workbook.xml"
    for rel in rels.iter():
        if _local(rel.tag) == "Relationship" and (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT):
            target = (rel.get("Target") or "").lstrip("/")
            return posixpath.normpath(target) if target else "xl/workbook.xml"
    return "xl/workbook.xml"


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _MAX_PART:
        raise NotAWorkbook("phần sổ tính quá lớn")
    return archive.read(info)


def _local(tag: object) -> str:
    """Tag name without namespace: transitional and strict OOXML use different ones."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
