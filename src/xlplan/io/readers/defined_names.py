"""Defined names straight from ``xl/workbook.xml``, for engines that do not expose them.

calamine reads values but not names, and forms are located by names only, so
this module reads the ``<definedNames>`` of the workbook part itself (unit files
are untrusted). A part without a document type declaration goes straight
through expat with callbacks for the few elements wanted (no tree is built:
this was a third of a form's read time); without a DTD there can be no entity
declaration and no external entity, which is all defusedxml guards against.
A part that declares a DTD is parsed by defusedxml, which refuses its entities. It maps ``localSheetId`` to sheet names,
unquotes ``'Đăng ký'!$C$12``, and turns everything that is not one cell
(ranges, ``#REF!``, constants, formulas, external links) into "no target"
instead of an error. :func:`parse_reference` is shared with the openpyxl engine
so both engines resolve a name the same way.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import ElementTree

from .base import NotAWorkbook, split_cell
from .file_package import Package, package

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
    return _parse_reference(text or "", tuple(sheets))


@functools.lru_cache(maxsize=4096)  # every form of a kind holds the same names: parse each text once
def _parse_reference(text: str, sheets: tuple[str, ...]) -> tuple[str, str] | None:
    text = text.strip()
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


def read_defined_names(path: str | Path | Package) -> list[DefinedName]:
    """Every ``<definedName>`` of the workbook at ``path``, in document order.

    Read through the file's :class:`~.file_package.Package`: inside
    :func:`~.file_package.reading` the bytes and the zip directory the sniff read are reused.
    """
    try:
        pkg = package(path)
        part = _workbook_part(pkg)
        data = _read_part(pkg, part)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise NotAWorkbook("tệp không có phần sổ tính (workbook.xml)") from exc
    return list(_names_in(_same_names(data)))


# Excel stamps every save of a workbook with a new ``documentId`` (``<xr:revisionPtr
# documentId="13_ncr:1_{GUID}" …/>``), so forms made from one template and re-saved by each
# unit differ in that one attribute value and nothing else the names depend on. The value is
# dropped before the bytes are looked up in the cache below (and parsed), so that such forms
# share one parse. Exact, not a guess, because:
# * the part holds no ``<!`` (no comment, CDATA section or DTD): every ``<`` starts a tag or a
#   processing instruction, never text that a reader keeps;
# * the pattern reads the tag from its ``<`` attribute by attribute, so the value dropped is
#   the content of a ``documentId`` attribute of a ``revisionPtr`` element (or lies inside a
#   processing instruction), which no name, sheet or text comes from;
# * what is dropped is letters, digits and ``_:{}.-`` between its quotes, legal in any
#   attribute value: the part is well-formed (and reads the same) with it or without it.
_REVISION_ID = re.compile(
    rb'(<xr:revisionPtr(?:\s+[A-Za-z_][\w.:-]*="[^"<>&]*")*?\s+documentId=")[\w:{}.-]*"')


def _same_names(data: bytes) -> bytes:
    """``data`` without the value of its ``documentId`` (when the rules above allow it), else as it is."""
    if b"<!" in data or b"documentId=" not in data:
        return data
    return _REVISION_ID.sub(rb'\1"', data, count=1)


@functools.lru_cache(maxsize=64)  # forms made from one template carry the same workbook part, byte for byte
def _names_in(data: bytes) -> tuple[DefinedName, ...]:
    """The defined names of one workbook part's bytes (identical bytes: parsed once per process)."""
    sheets, found = _scan(data) if b"<!DOCTYPE" not in data else _scan_defused(data)
    return _named(tuple(sheets), tuple(found))


@functools.lru_cache(maxsize=64)  # workbook parts that differ elsewhere (a window size) name the same cells
def _named(sheets: tuple[str, ...], found: tuple[tuple[str, str, "str | None"], ...]) -> tuple[DefinedName, ...]:
    """The :class:`DefinedName` of each (name, text, localSheetId) found in a part with ``sheets``."""
    names = []
    for name, text, local in found:
        local_sheet = None
        if local is not None:
            try:
                local_sheet = sheets[int(local)]
            except (ValueError, IndexError):
                local_sheet = ""  # sheet-local to a sheet that is not there
        names.append(DefinedName(name, text, local_sheet, parse_reference(text, sheets)))
    return tuple(names)


_Found = tuple[list[str], list[tuple[str, str, "str | None"]]]  # sheet names; (name, text, localSheetId)


def _scan(data: bytes) -> _Found:
    """Sheet names and defined names of a workbook part that declares no DTD, in one expat pass.

    Same reading as :func:`_scan_defused`: ``<sheet>`` children of a top-level
    ``<sheets>``, ``<definedName>`` children of a top-level ``<definedNames>``,
    a name's text up to its first child element. A malformed part raises
    :class:`ParseError` as ElementTree would.
    """
    sheets: list[str] = []
    found: list[tuple[str, str, str | None]] = []
    stack: list[str] = []
    current: list | None = None  # [name, text parts, localSheetId, open] of the definedName being read

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal current
        local = tag.rsplit("}", 1)[-1]
        depth = len(stack)
        if current is not None:
            current[3] = False  # el.text stops at the first child
        elif depth == 2 and local == "sheet" and stack[1] == "sheets":
            sheets.append(attrs.get("name", ""))
        elif depth == 2 and local == "definedName" and stack[1] == "definedNames":
            current = [attrs.get("name") or "", [], attrs.get("localSheetId"), True]
        stack.append(local)

    def end(tag: str) -> None:
        nonlocal current
        stack.pop()
        if current is not None and len(stack) == 2:
            found.append((current[0], "".join(current[1]), current[2]))
            current = None

    def text(chunk: str) -> None:
        if current is not None and current[3]:
            current[1].append(chunk)

    parser = expat.ParserCreate(None, "}")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        error = ParseError(exc)
        error.code, error.position = exc.code, (exc.lineno, exc.offset)
        raise error from None
    return sheets, found


def _scan_defused(data: bytes) -> _Found:
    """The same as :func:`_scan` through defusedxml, for a part that declares a DTD (its entities are refused)."""
    root = ElementTree.fromstring(data)
    sheets = [el.get("name", "") for parent in root if _local(parent.tag) == "sheets"
              for el in parent if _local(el.tag) == "sheet"]
    found = [(el.get("name") or "", el.text or "", el.get("localSheetId"))
             for parent in root if _local(parent.tag) == "definedNames" for el in parent
             if _local(el.tag) == "definedName"]
    return sheets, found


def workbook_level(names: Sequence[DefinedName]) -> dict[str, tuple[str, str]]:
    """The reader view: workbook-level one-cell names, casefolded; a later duplicate wins."""
    found: dict[str, tuple[str, str]] = {}
    for item in names:
        if item.local_sheet is None and item.target is not None and not item.name.startswith("_xlnm."):
            found[item.name.casefold()] = item.target
    return found


def _workbook_part(pkg: Package) -> str:
    """The workbook part named by the package relationships (usually ``xl/workbook.xml``)."""
    try:
        rels = _read_part(pkg, "_rels/.rels")
    except KeyError:
        return "xl/workbook.xml"
    return _office_document(rels)


@functools.lru_cache(maxsize=64)
def _office_document(rels: bytes) -> str:
    """The office document part named by these package relationships' bytes."""
    for rel in ElementTree.fromstring(rels).iter():
        if _local(rel.tag) == "Relationship" and (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT):
            target = (rel.get("Target") or "").lstrip("/")
            return posixpath.normpath(target) if target else "xl/workbook.xml"
    return "xl/workbook.xml"


def _read_part(pkg: Package, name: str) -> bytes:
    info = pkg.getinfo(name)
    if info.file_size > _MAX_PART:
        raise NotAWorkbook("phần sổ tính quá lớn")
    return pkg.read(info)


def _local(tag: object) -> str:
    """Tag name without namespace: transitional and strict OOXML use different ones."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
