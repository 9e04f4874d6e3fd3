"""What a reader returns: one unit's filled form, each value with its provenance."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from .findings import Finding


@dataclass(frozen=True, slots=True)  # tens of thousands of files × a few dozen fields each
class CellValue:
    """A field's value as read, and where it was read from."""

    field: str
    value: Any  # int | Fraction | str | datetime.date | None, after validation
    sheet: str | None = None
    cell: str | None = None  # "D12", as Excel shows it
    raw: Any = None  # what the cell held before coercion

    def __reduce__(self) -> tuple:
        # Pickled from a reader worker to the process that keeps every file's values: rebuilt
        # there with shared strings (``_cell_value``), faster than the slots dataclass default.
        return _cell_value, (self.field, self.value, self.sheet, self.cell, self.raw)


@dataclass
class Submission:
    """One input file: where it came from, what it is, what was read from it, and findings.

    Everything about the input travels on it, from the moment the file is
    found to the audit record: the path as found on disk (``source``, for file
    operations) and as shown (``file``: relative to the inbox, NFC, the key in
    findings and tables), its bytes' identity (``sha256``, ``size``), where its
    bytes were kept (``archived``), the format its content showed (``format``)
    and when it was received. A reader fills in the rest.
    """

    file: str  # how the file is shown and keyed (relative to the inbox, NFC-normalized)
    form: str | None = None  # "F01" | "F02" | "F03"
    version: str | None = None
    plan_id: str | None = None
    plan_year: int | None = None
    unit: str | None = None
    period: str | None = None  # "2017", "2017-Q1", "2017-01"
    values: dict[str, CellValue] = dc_field(default_factory=dict)
    findings: list[Finding] = dc_field(default_factory=list)
    engine: str = ""
    generator: str = ""
    received: dt.datetime | None = None  # the file's modification time, set by the edge that found it
    first_seen: dt.datetime | None = None  # when xlplan first saw these bytes (a run's start); None: not known
    first_run: int | None = None  # the audit run that first saw these bytes: orders receipts; None: this one
    sha256: str = ""  # the file's identity (its bytes), set by the edge that read it
    source: str = ""  # the path as found on disk (original spelling), for file operations
    archived: str = ""  # the read-only copy whose bytes were parsed (empty: the source itself was)
    size: int | None = None  # bytes, from the file system
    format: str | None = None  # what the content showed: "xlsx", "xlsm", "xls", "ods"…; None: not known

    @property
    def read_path(self) -> str:
        """The file whose bytes are parsed: the archived copy when there is one."""
        return self.archived or self.source or self.file

    def value(self, field_id: str, default: Any = None) -> Any:
        cell = self.values.get(field_id)
        return default if cell is None or cell.value is None else cell.value

    def compact(self) -> None:
        """Keep this Submission in less memory, same content: what every file repeats is shared.

        Field ids, sheet names and cells (and short texts) become one shared
        string each, and a raw value equal to its value (same type) is the
        value itself. For the process that holds every file's Submission at
        once. Cells unpickled from a reader worker are compact already.
        """
        self.values = {sys.intern(key): cell if type(cell) is not CellValue else _compact(cell)
                       for key, cell in self.values.items()}

    def as_dict(self) -> dict[str, Any]:
        """Field id → value, for indicator computation."""
        return {k: v.value for k, v in self.values.items()}

    @property
    def ok(self) -> bool:
        return not any(f.severity.value == "error" for f in self.findings)


def shared(value: Any) -> Any:
    """One interned copy of a short string; anything else as it is (what :meth:`Submission.compact` keeps)."""
    return sys.intern(value) if type(value) is str and len(value) <= 64 else value


def same_raw(value: Any, raw: Any) -> bool:
    """Whether a cell's raw value is kept as its value itself (equal, same type): one object, not two."""
    return raw is not None and type(raw) is type(value) and raw == value


def _cell_value(field: str, value: Any, sheet: str | None, cell: str | None, raw: Any) -> CellValue:
    """A CellValue with shared strings, and its raw value shared with its value when they are equal."""
    value = shared(value)
    if same_raw(value, raw):
        raw = value
    else:
        raw = shared(raw)
    return CellValue(shared(field), value, shared(sheet), shared(cell), raw)


def _compact(cell: CellValue) -> CellValue:
    if sys.intern(cell.field) is cell.field and cell.sheet is shared(cell.sheet) and (
            cell.raw is None or cell.raw is cell.value or type(cell.raw) is not type(cell.value)):
        return cell  # already compact (unpickled from a worker)
    return _cell_value(cell.field, cell.value, cell.sheet, cell.cell, cell.raw)
