"""Reading and writing the unit registry: CSV files and the "Danh mục đơn vị" sheet.

Validation is the core's (:func:`xlplan.core.registry.parse_registry`); this
module only turns files into rows with their line or row numbers. CSV files
come from Excel, which writes UTF-8 with a BOM ("CSV UTF-8") and, on
Vietnamese Windows, ``;`` as the separator; both are accepted. Workbooks are
opened read-only with cached values: unit files are untrusted and never
evaluated or modified.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import unicodedata
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from ..core.findings import Finding, Severity, make
from ..core.plan import Plan
from ..core.registry import Registry, RegistryError, parse_registry, registry_rows
from .plans import load_plan
from .readers.base import normalize

__all__ = [
    "DEFAULT_REGISTRY", "SHEET_NAME", "RegistryError", "bundled_registries", "load_registry",
    "read_registry_bytes", "read_registry_csv", "read_registry_sheet", "write_registry_csv", "write_registry_rows",
]

DEFAULT_REGISTRY = "bac_ninh_2017"
SHEET_NAME = "Danh mục đơn vị"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t")
MAX_CSV_BYTES = 16 << 20  # 52,000 units are a few megabytes


def bundled_registries() -> list[str]:
    """Names of the registries shipped inside the package (``bac_ninh_2017``)."""
    folder = resources.files("xlplan") / "data" / "registry"
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".csv"))


def load_registry(name_or_path: str | Path | None = None, plan: Plan | None = None) -> Registry:
    """A registry by bundled name or by path to a .csv / .xlsx file, validated against ``plan``.

    Raises :class:`RegistryError` (carrying all findings) when there is any
    error, FileNotFoundError when there is no such registry. Warnings and notes
    are not returned here: call ``read_registry_*`` to get them.
    """
    plan = plan if plan is not None else load_plan()
    text_name = str(name_or_path if name_or_path is not None else DEFAULT_REGISTRY)
    path = Path(text_name)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        registry, findings = read_registry_sheet(path, plan)
    elif path.suffix.lower() == ".csv" or path.exists():
        registry, findings = read_registry_csv(path, plan)
    else:
        resource = resources.files("xlplan") / "data" / "registry" / f"{text_name}.csv"
        if not resource.is_file():
            raise FileNotFoundError(f"không có danh mục đơn vị '{text_name}' "
                                    f"(có sẵn: {', '.join(bundled_registries())})")
        registry, findings = _parse_csv_bytes(resource.read_bytes(), plan, f"xlplan:{text_name}")
    if any(f.severity is Severity.ERROR for f in findings):
        raise RegistryError(findings)
    return registry


# -- CSV -------------------------------------------------------------------------

def read_registry_csv(path: str | Path, plan: Plan) -> tuple[Registry, list[Finding]]:
    """Read a registry CSV (UTF-8 with or without BOM; ``,``, ``;`` or tab separated).

    Findings carry the CSV line number in ``params["row"]``. A file that is not
    UTF-8 gives a ``file-unreadable`` finding rather than guessed, garbled names.
    """
    path = Path(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as stream:  # a registry is kilobytes: a FIFO, a device or a huge file is refused
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CSV_BYTES:
            return Registry(), [make("file-unreadable", file=str(path),
                                     reason=f"không phải tệp CSV thông thường dưới {MAX_CSV_BYTES >> 20} MB")]
        data = stream.read(MAX_CSV_BYTES + 1)
    return _parse_csv_bytes(data, plan, str(path))


def _parse_csv_bytes(data: bytes, plan: Plan, source: str) -> tuple[Registry, list[Finding]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Registry(), [make("file-unreadable", file=source,
                                 reason="tệp CSV không dùng mã UTF-8 (hãy lưu lại bằng "
                                        "'CSV UTF-8 (Comma delimited)')")]
    try:
        rows, numbers = _csv_rows(text)
    except csv.Error as exc:  # a value over the csv module's 131,072 characters, a NUL byte …
        return Registry(), [make("file-unreadable", file=source, reason=f"tệp CSV có ô quá dài hoặc sai dạng ({exc})")]
    return parse_registry(rows, plan, source=source, row_numbers=numbers)


def _csv_rows(text: str) -> tuple[list[list[str]], list[int]]:
    """Records and the line each starts on (a quoted value may span lines)."""
    first_line = 0
    lines = text.splitlines()
    delimiter = None
    if lines and lines[0].lower().startswith("sep=") and len(lines[0]) == 5:
        delimiter = lines[0][4]  # Excel's "sep=;" hint line
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first_line = 1
    if delimiter is None:
        delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers = [], []
    last = 0
    for record in reader:
        rows.append(record)
        numbers.append(first_line + last + 1)
        last = reader.line_num
    return rows, numbers


def sniff_delimiter(text: str) -> str:
    """The separator of the first non-blank line: the most frequent of ``,`` ``;`` tab outside quotes.

    The header line never contains a separator inside a value, while data rows
    often do ("Đảng bộ xã, phường"), which is why :class:`csv.Sniffer`'s
    guess from all lines is not used. Ties go to ``,``.
    """
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def write_registry_csv(registry: Registry, path: str | Path, *, delimiter: str = ",") -> Path:
    """Write the registry as CSV under the Vietnamese headers.

    UTF-8 with a BOM, because Excel reads a CSV without one in the ANSI code
    page and garbles every Vietnamese name. Returns the path written.
    """
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(registry_rows(registry))
    return path


# -- worksheets ------------------------------------------------------------------

def write_registry_rows(registry: Registry) -> list[list[Any]]:
    """Header (Vietnamese) + one row per unit, for writers of the city workbook's registry sheet."""
    return registry_rows(registry)


def read_registry_sheet(path_or_workbook: str | Path | Workbook, plan: Plan, sheet: str = SHEET_NAME,
                        *, source: str | None = None) -> tuple[Registry, list[Finding]]:
    """Read the registry from a worksheet; the header row is found by its headers (first 20 rows).

    A path is opened read-only with cached values (formulas are never
    evaluated) and closed again; an open workbook is read as it is. The sheet
    is looked up by name, then by name ignoring case and spacing, then, in a
    workbook with a single sheet, that sheet. Findings carry ``sheet`` and ``cell``.
    """
    if isinstance(path_or_workbook, Workbook):
        return _read_sheet(path_or_workbook, plan, sheet, source or "")
    path = Path(path_or_workbook)
    source = source or str(path)
    if not path.is_file():
        raise FileNotFoundError(f"không có tệp '{path}'")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        return Registry(), [make("file-unreadable", file=source,
                                 reason=f"không mở được bằng định dạng Excel ({type(exc).__name__})")]
    try:
        return _read_sheet(workbook, plan, sheet, source)
    finally:
        workbook.close()


def read_registry_bytes(data: bytes, plan: Plan, sheet: str = SHEET_NAME, *, source: str = ""
                        ) -> tuple[Registry, list[Finding]]:
    """The registry sheet of a workbook given as its bytes (the city workbook, read once per run).

    calamine reads the cached values, ten times faster than openpyxl's
    read-only parse (a 10,000-unit registry: 0.4 s against 5 s), and the values
    are made the ones openpyxl gives (:func:`xlplan.io.readers.base.normalize`).
    Where calamine gives up (it panics on some cell values) the sheet is read
    with openpyxl. Raises ValueError when the bytes are no workbook.
    """
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - CalamineError, or a panic on a damaged package
        raise ValueError(f"not a workbook calamine can read ({type(exc).__name__})") from None
    try:
        name = _pick_sheet(list(book.sheet_names), sheet)
        if name is None:
            return Registry(), [make("file-unreadable", file=source or None, reason=f"không có trang tính '{sheet}'")]
        try:
            raw = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - calamine panics on some values: the careful reader then
            fallback = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return _read_sheet(fallback, plan, name, source)
            finally:
                fallback.close()
    finally:
        book.close()
    rows = [[normalize(value) for value in row] for row in raw]
    while rows and all(value is None for value in rows[-1]):
        rows.pop()
    return parse_registry(rows, plan, source=source, sheet=name, row_numbers=list(range(1, len(rows) + 1)))


def _read_sheet(workbook: Workbook, plan: Plan, sheet: str, source: str) -> tuple[Registry, list[Finding]]:
    name = _pick_sheet(workbook.sheetnames, sheet)
    if name is None:
        return Registry(), [make("file-unreadable", file=source or None,
                                 reason=f"không có trang tính '{sheet}'")]
    worksheet = workbook[name]
    if hasattr(worksheet, "reset_dimensions"):
        # read-only sheets trust the file's <dimension>, which some programs write wrong
        worksheet.reset_dimensions()
    rows = [list(r) for r in worksheet.iter_rows(values_only=True)]
    return parse_registry(rows, plan, source=source, sheet=name,
                          row_numbers=list(range(1, len(rows) + 1)))


def _pick_sheet(names: list[str], wanted: str) -> str | None:
    if wanted in names:
        return wanted
    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    for name in names:
        if fold(name) == fold(wanted):
            return name
    return names[0] if len(names) == 1 else None
