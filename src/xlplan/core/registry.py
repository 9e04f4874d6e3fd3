"""The unit registry: the grassroots party organizations (TCCSĐ) a plan is run over.

Pure data and validation; reading CSV or the "Danh mục đơn vị" sheet is in
``xlplan.io.registry``. The registry is typed by hand by the Organization Board
and passed around by e-mail, so :func:`parse_registry` expects mistakes: it
reports every one as a finding naming the file and row, keeps the good rows and
leaves out the bad ones, instead of stopping at the first problem.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Iterator, Mapping, Sequence

from .errors import XlplanError
from .findings import Finding, Severity, make
from .plan import Plan


@dataclass(frozen=True)
class Unit:
    """One grassroots party organization (tổ chức cơ sở đảng)."""

    code: str  # stable id, e.g. "P_VUNINH"; part of every file name
    name: str  # NFC-normalized Vietnamese name
    kind: str  # a plan kind code, e.g. "xa_phuong"
    has_source: bool = True  # has a source of outstanding non-members (matters for chi_bo_co_so)
    members: int = 0  # party members (last known)
    cells: int = 0  # subordinate party cells (chi bộ trực thuộc)
    contact: str = ""  # person / phone / e-mail


class RegistryError(XlplanError, ValueError):
    """A registry with errors; ``findings`` holds every finding (errors and others)."""

    def __init__(self, findings: list[Finding]):
        errors = [f for f in findings if f.severity is Severity.ERROR] or findings
        super().__init__("; ".join(f.message for f in errors), findings)


# -- columns ---------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A registry column: a stable id (used in code and CSV files) and its Vietnamese header.

    ``required`` columns must be present and non-blank; the others may be left
    out of the file entirely and then take the :class:`Unit` defaults.
    """

    id: str
    header: str
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("ma", "Mã đơn vị", required=True),
    Column("ten", "Tên tổ chức cơ sở đảng", required=True),
    Column("loai_hinh", "Loại hình", required=True),
    Column("co_nguon", "Có nguồn phát triển đảng"),
    Column("so_dang_vien", "Số đảng viên"),
    Column("so_chi_bo", "Số chi bộ trực thuộc"),
    Column("lien_he", "Liên hệ"),
)
COLUMN_IDS: tuple[str, ...] = tuple(c.id for c in COLUMNS)
HEADER_SEARCH_ROWS = 20  # a header row below this is not looked for (title rows stay above it)

_CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_GROUPED_INT_RE = re.compile(r"^\d{1,3}(\.\d{3})+$")  # Vietnamese thousands: 1.234
_TRUE = frozenset({"có", "co", "c", "x", "1", "true", "yes", "y", "đúng", "dung"})
_FALSE = frozenset({"không", "khong", "k", "0", "false", "no", "n", "sai", ""})


def column(column_id: str) -> Column:
    """The column with this id (KeyError otherwise)."""
    for col in COLUMNS:
        if col.id == column_id:
            return col
    raise KeyError(column_id)


def _fold(text: str) -> str:
    """NFC + casefold + whitespace folding: how headers and flags are compared."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


_HEADER_INDEX = {key: col for col in COLUMNS for key in (_fold(col.id), _fold(col.header))}


def match_header(value: Any) -> Column | None:
    """The column a header cell names, by id (``ma``) or Vietnamese header (``Mã đơn vị``)."""
    if not isinstance(value, str):
        return None
    return _HEADER_INDEX.get(_fold(value))


def find_header_row(rows: Sequence[Sequence[Any]], limit: int = HEADER_SEARCH_ROWS) -> int | None:
    """Index of the first row (among the first ``limit``) naming every required column.

    Users put title rows ("DANH MỤC ĐƠN VỊ ...") above the table, so the header
    is found by its content, never by a fixed address.
    """
    required = {c.id for c in COLUMNS if c.required}
    for index, row in enumerate(rows[:limit]):
        named = {col.id for value in row if (col := match_header(value)) is not None}
        if required <= named:
            return index
    return None


# -- names -------------------------------------------------------------------------

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
_NO_TONES = str.maketrans(dict.fromkeys(_TONE_MARKS))
_LOOKALIKES = str.maketrans({"ð": "đ",  # Icelandic eth (Ð/ð) typed for Đ by old encodings
                             **{dash: "-" for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}})


def normalize_name(name: str) -> str:
    """A matching key for Vietnamese names, not meant for display.

    Two spellings of one name must give the same key:

    * Unicode form (composed NFC "ò" vs decomposed "o" + U+0300);
    * case and spacing ("ĐẢNG BỘ  phường" vs "Đảng bộ phường");
    * tone placement: the old style puts the tone mark on the last vowel
      ("Hoà", "Thuỷ"), the new style on the main one ("Hòa", "Thủy"); both are
      in everyday use, so each syllable's tone marks are moved to its end.

    * invisible characters (zero-width space, BOM, soft hyphen) pasted from
      the web or Word, and dash variants ("–", "—" for "-").

    Other diacritics (circumflex, breve, horn, đ) are kept: "Hoa" and "Hòa" stay different.
    """
    return _name_key(name)


@functools.lru_cache(maxsize=1 << 18)
def _name_key(name: str) -> str:
    # Cached: a registry of 52,000 units asks for each name's key several times (by-name index,
    # suggestions, duplicate check, each form's name beside it) and the key is a pure function
    # of the text; room for every name of a national consolidation, else the cache thrashes.
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", name).casefold())
    if not text.isprintable():  # format characters (Cf) are never printable: filter only then
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = text.translate(_LOOKALIKES)
    if _LATIN.fullmatch(text):  # Vietnamese and Latin text: words found by the regex engine
        text = _LATIN_WORD.sub(_tones_last, text)
    else:
        text = _tones_last_by_letter(text)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _tones_last_by_letter(text: str) -> str:
    """``text`` (decomposed) with each word's tone marks moved to the word's end, any script."""
    out: list[str] = []
    word: list[str] = []

    def flush() -> None:
        if word:
            whole = "".join(word)
            base = whole.translate(_NO_TONES)
            out.append(base)
            if len(base) != len(whole):  # its tone marks, moved to the end of the syllable
                out.append("".join(c for c in whole if c in _TONE_MARKS))
            word.clear()

    for char in text:
        if char.isalnum() or unicodedata.combining(char):
            word.append(char)
        else:
            flush()
            out.append(" " if char.isspace() else char)
    flush()
    return "".join(out)


# Text of U+0000–U+024F (ASCII, Latin-1, Latin Extended) and the combining diacritics, in which a word
# character is exactly what _tones_last_by_letter takes for one: a letter or digit ([^\W_] is
# str.isalnum) or a combining mark (every mark of U+0300–U+036F but the grapheme joiner U+034F,
# whose combining class is 0).
_MARKS = "\u0300-\u034e\u0350-\u036f"
_LATIN = re.compile(f"[\x00-\u024f{_MARKS}]*")
_LATIN_WORD = re.compile(f"(?:[^\\W_]|[{_MARKS}])+")
_TONE = re.compile(f"[{''.join(sorted(_TONE_MARKS))}]")
_TONE_INSIDE = re.compile(f"[{''.join(sorted(_TONE_MARKS))}](?=[^\\W_]|[{_MARKS}])")  # more of the word after it


def _tones_last(word: re.Match[str]) -> str:
    """A word with its tone marks moved to its end (as :func:`_tones_last_by_letter` moves them)."""
    text = word.group()
    if _TONE_INSIDE.search(text) is None:
        return text
    return _TONE.sub("", text) + "".join(_TONE.findall(text))


def plain_name(name: str) -> str:
    """:func:`normalize_name` without any diacritic ("Hòa" and "Hoa" alike): a key to *suggest* by, never to merge.

    Names typed without accents (old keyboards, phone e-mail) still find their
    unit, but "Hoa Long" and "Hòa Long" may be two different units, so a match
    on this key only ever asks "Có phải là …?".
    """
    return _plain_key(name)


@functools.lru_cache(maxsize=1 << 18)
def _plain_key(name: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", normalize_name(name)).translate(_BARE))


class _Bare(dict[int, "str | None"]):
    """``str.translate`` table: combining marks dropped, "đ" as "d", filled as characters are met."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        found = "d" if char == "đ" else None if unicodedata.combining(char) else char
        if len(self) < 1 << 16:
            self[code] = found
        return found


_BARE = _Bare()


# -- the registry ------------------------------------------------------------------

@dataclass(frozen=True)
class Registry:
    """The units a plan runs over, in registry order; immutable.

    Codes are looked up case-insensitively: they end up in file names, and
    Windows does not tell "P_VUNINH.xlsx" from "p_vuninh.xlsx".
    """

    units: tuple[Unit, ...] = ()
    _by_code: Mapping[str, Unit] = dc_field(init=False, repr=False, compare=False)
    _by_name: Mapping[str, Unit] = dc_field(init=False, repr=False, compare=False)
    _by_plain: Mapping[str, tuple[Unit, ...]] = dc_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        units = tuple(self.units)
        by_code: dict[str, Unit] = {}
        by_name: dict[str, Unit] = {}
        by_plain: dict[str, tuple[Unit, ...]] = {}
        for unit in units:
            if not isinstance(unit, Unit):
                raise TypeError(f"not a Unit: {unit!r}")
            key = unit.code.casefold()
            if key in by_code:
                raise ValueError(f"duplicate unit code {unit.code!r}")
            by_code[key] = unit
            by_name.setdefault(normalize_name(unit.name), unit)
            plain = plain_name(unit.name)
            by_plain[plain] = by_plain.get(plain, ()) + (unit,)
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_by_plain", by_plain)

    def get(self, code: str, default: Unit | None = None) -> Unit | None:
        """The unit with this code, or ``default``."""
        return self._by_code.get(str(code).casefold(), default)

    def __getitem__(self, code: str) -> Unit:
        unit = self.get(code)
        if unit is None:
            raise KeyError(code)
        return unit

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Unit):
            return self.get(item.code) == item
        return isinstance(item, str) and self.get(item) is not None

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def __repr__(self) -> str:
        return f"Registry({len(self.units)} đơn vị)"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)

    def by_kind(self, kind: str) -> tuple[Unit, ...]:
        """Units of one kind (a plan kind code such as ``xa_phuong``), in registry order."""
        return tuple(u for u in self.units if u.kind == kind)

    def find_by_name(self, name: str) -> Unit | None:
        """The (first) unit whose name matches, per :func:`normalize_name`; None if none."""
        return self._by_name.get(normalize_name(name))

    def suggest_by_name(self, name: str) -> tuple[Unit, ...]:
        """Units whose name matches ``name`` ignoring every diacritic (per :func:`plain_name`), in registry order.

        For "Có phải là …?" hints only: the caller shows the candidates and a
        person decides; nothing is ever merged on this match.
        """
        return self._by_plain.get(plain_name(name), ())

    def total_members(self) -> int:
        return sum(u.members for u in self.units)


# -- parsing -----------------------------------------------------------------------

def parse_registry(rows: Sequence[Sequence[Any] | Mapping[str, Any]], plan: Plan, source: str = "",
                   *, sheet: str | None = None,
                   row_numbers: Sequence[int] | None = None) -> tuple[Registry, list[Finding]]:
    """Validate registry rows into a :class:`Registry` and the findings about them.

    ``rows`` is either lists (a header row among the first 20, then data rows)
    or dicts keyed by header. Headers may be column ids or Vietnamese headers.
    ``source`` names the file in findings; ``sheet`` is set for worksheet
    sources so findings carry a cell ("C12"); ``row_numbers`` gives each row's
    line (CSV) or row (sheet) number, by default its position (dict rows: +1
    for the header line). Every finding has the row number in ``params["row"]``.

    Rows with errors are left out of the registry; blank rows are skipped.
    Blank optional values mean: ``co_nguon`` "không" (an unticked box),
    numbers 0, contact empty; a missing ``co_nguon`` column means every unit
    has a source (the plan's minimum applies).
    """
    header, body, numbers, header_row = _tabulate(rows, row_numbers)
    ctx = _Context(plan, source or None, sheet)
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        col = match_header(value)
        if col is not None and col.id not in positions:
            positions[col.id] = index
    missing = [c for c in COLUMNS if c.required and c.id not in positions]
    for col in missing:
        ctx.add("registry-missing-column", header_row, None, column=col.header)
    if missing:
        return Registry(), ctx.findings

    parsed: list[tuple[int, Unit | None, str]] = []  # (row number, unit or None, code as typed)
    for values, number in zip(body, numbers):
        if all(_text(v) == "" for v in values):
            continue
        cells = {cid: (values[i] if i < len(values) else None, i) for cid, i in positions.items()}
        unit, code = _parse_row(ctx, cells, number)
        parsed.append((number, unit, code))

    dropped = _duplicate_codes(ctx, parsed, positions["ma"])
    kept = [(number, unit) for number, unit, _ in parsed if unit is not None and number not in dropped]
    _duplicate_names(ctx, kept, positions["ten"])
    return Registry(tuple(unit for _, unit in kept)), ctx.findings


def registry_rows(registry: Registry) -> list[list[Any]]:
    """The registry as rows under the Vietnamese headers: the inverse of :func:`parse_registry`."""
    rows: list[list[Any]] = [[c.header for c in COLUMNS]]
    for u in registry:
        rows.append([u.code, u.name, u.kind, "có" if u.has_source else "không",
                     u.members, u.cells, u.contact])
    return rows


class _Context:
    """Collects findings and knows how to address a row in this source."""

    def __init__(self, plan: Plan, file: str | None, sheet: str | None):
        self.plan = plan
        self.file = file
        self.sheet = sheet
        self.findings: list[Finding] = []

    def add(self, finding_code: str, row: int, col_index: int | None, /, *, unit: str | None = None,
            field: str | None = None, **params: Any) -> None:
        cell = None
        if self.sheet is not None:
            cell = f"{_column_letter(col_index)}{row}" if col_index is not None else f"A{row}"
        self.findings.append(_make(finding_code, unit=unit, file=self.file, sheet=self.sheet, cell=cell,
                                  field=field, row=row, **params))


def _make(finding_code: str, /, **kwargs: Any) -> Finding:
    """:func:`make`, able to fill the registry templates' ``{code}`` (the unit's code).

    ``make`` takes the finding code as its first argument, itself named
    ``code``, so a ``code=`` template parameter cannot be passed through it;
    ``make`` leaves unknown placeholders visible, and they are filled in here.
    """
    unit_code = kwargs.pop("code", None)
    finding = make(finding_code, **kwargs)
    if unit_code is None:
        return finding
    text = str(unit_code)
    return dataclasses.replace(finding, message=finding.message.replace("{code}", text),
                               fix=finding.fix.replace("{code}", text),
                               params={"code": unit_code, **finding.params})


def _tabulate(rows: Sequence[Sequence[Any] | Mapping[str, Any]], row_numbers: Sequence[int] | None
              ) -> tuple[list[Any], list[Sequence[Any]], list[int], int]:
    """Header, data rows, their numbers and the header's number, for list or dict rows."""
    rows = list(rows)  # callers may pass any iterable of rows
    dict_rows = [r for r in rows if isinstance(r, Mapping)]
    if dict_rows and len(dict_rows) == len(rows):
        keys: list[Any] = []
        for d in dict_rows:
            for key in d:
                if key not in keys:
                    keys.append(key)
        numbers = list(row_numbers) if row_numbers is not None else list(range(2, len(rows) + 2))
        return keys, [[d.get(k) for k in keys] for d in dict_rows], numbers, numbers[0] - 1
    if dict_rows:
        raise TypeError("registry rows must be all lists or all dicts")
    list_rows = [r for r in rows if not isinstance(r, Mapping)]  # all of them: lists (or tuples)
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(list_rows) + 1))
    found = find_header_row(list_rows)
    if found is None:  # report missing columns against the first non-blank row
        found = next((i for i, r in enumerate(list_rows) if any(_text(v) for v in r)), None)
    if found is None:
        return [], [], [], numbers[0] if numbers else 1
    return list(list_rows[found]), list_rows[found + 1:], numbers[found + 1:], numbers[found]


def _parse_row(ctx: _Context, cells: dict[str, tuple[Any, int]], row: int) -> tuple[Unit | None, str]:
    """One data row: a Unit, or None when the row has an error (all reported)."""
    before = len(ctx.findings)

    def missing(cid: str) -> None:
        ctx.add("registry-missing-value", row, cells[cid][1], field=cid, column=column(cid).header)

    code = _text(cells["ma"][0])
    label = code or f"dòng {row}"
    if not code:
        missing("ma")
    elif not _CODE_RE.match(code):
        ctx.add("registry-bad-code", row, cells["ma"][1], unit=code, field="ma", code=code,
                suggestion=suggest_code(code))

    raw_name = _raw_text(cells["ten"][0])
    name = " ".join(unicodedata.normalize("NFC", raw_name).split())
    if not name:
        missing("ten")
    elif unicodedata.normalize("NFC", raw_name) != raw_name:
        ctx.add("registry-name-normalized", row, cells["ten"][1], unit=code or None, field="ten",
                code=label, name=name)

    kind_text = _text(cells["loai_hinh"][0])
    kind = None
    if not kind_text:
        missing("loai_hinh")
    else:
        try:
            kind = ctx.plan.kind(kind_text).code
        except KeyError:
            ctx.add("registry-unknown-kind", row, cells["loai_hinh"][1], unit=code or None,
                    field="loai_hinh", code=label, kind=kind_text, known=", ".join(ctx.plan.kind_codes))

    has_source = True
    if "co_nguon" in cells:
        flag = _flag(cells["co_nguon"][0])
        if flag is None:
            ctx.add("registry-bad-flag", row, cells["co_nguon"][1], unit=code or None, field="co_nguon",
                    code=label, column=column("co_nguon").header, value=_text(cells["co_nguon"][0]))
        else:
            has_source = flag

    counts: dict[str, int] = {}
    for cid in ("so_dang_vien", "so_chi_bo"):
        if cid not in cells:
            continue
        number = _whole(cells[cid][0])
        if number is None:
            ctx.add("registry-bad-number", row, cells[cid][1], unit=code or None, field=cid,
                    code=label, column=column(cid).header, value=_text(cells[cid][0]))
        else:
            counts[cid] = number

    contact = ""
    if "lien_he" in cells:
        contact = " ".join(_text(cells["lien_he"][0]).split())

    if any(f.severity is Severity.ERROR for f in ctx.findings[before:]) or kind is None:
        return None, code
    return Unit(code, name, kind, has_source, counts.get("so_dang_vien", 0),
                counts.get("so_chi_bo", 0), contact), code


def _duplicate_codes(ctx: _Context, parsed: list[tuple[int, Unit | None, str]], col: int) -> set[int]:
    """Report codes used on several rows; all those rows are dropped (which one is right is unknown)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for number, _, code in parsed:
        if code:
            groups.setdefault(code.casefold(), []).append((number, code))
    dropped: set[int] = set()
    for group in groups.values():
        if len(group) > 1:
            numbers = [n for n, _ in group]
            ctx.add("registry-duplicate-code", group[1][0], col, unit=group[0][1], field="ma",
                    code=group[0][1], rows=", ".join(map(str, numbers)), row_list=numbers)
            dropped.update(numbers)
    return dropped


def _duplicate_names(ctx: _Context, kept: list[tuple[int, Unit]], col: int) -> None:
    """Warn about units whose names match after normalization (kept: names are not keys)."""
    groups: dict[str, list[tuple[int, Unit]]] = {}
    for number, unit in kept:
        groups.setdefault(normalize_name(unit.name), []).append((number, unit))
    for group in groups.values():
        if len(group) > 1:
            rows = [number for number, _ in group]
            ctx.add("registry-duplicate-name", rows[1], col, unit=group[1][1].code, field="ten",
                    codes=", ".join(u.code for _, u in group), name=group[0][1].name, row_list=rows)


def suggest_code(text: str) -> str:
    """A valid code close to ``text``: ASCII, upper case, other characters as '_' ("Vũ Ninh" → "VU_NINH")."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = re.sub(r"[^A-Za-z0-9_-]+", "_", plain).strip("_")
    return plain.upper()


# -- cell values -------------------------------------------------------------------

def _raw_text(value: Any) -> str:
    """A cell as text without normalizing Unicode (to notice names that were not NFC)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text(value: Any) -> str:
    return unicodedata.normalize("NFC", _raw_text(value))


def _flag(value: Any) -> bool | None:
    """có/không, 1/0, x/blank, true/false (and their unaccented spellings); None if none of them."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return True if value == 1 else False if value == 0 else None
    folded = _fold(_text(value))
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def _whole(value: Any) -> int | None:
    """A whole number ≥ 0 (blank = 0, "1.234" = 1234 in Vietnamese style); None if not one."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = _text(value).replace("\u00a0", "").replace(" ", "")
    if text == "":
        return 0
    if text.isascii() and text.isdigit():
        return int(text)
    if _GROUPED_INT_RE.match(text):
        return int(text.replace(".", ""))
    return None


def _column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters

