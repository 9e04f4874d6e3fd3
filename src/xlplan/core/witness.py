"""The file name as a second witness: which unit, form and period a unit file's name says.

The content of a form (its prefilled, locked cells) is what identifies a file;
its name is only a witness. The name still matters twice: when it contradicts
the content (a ward's numbers typed into another unit's form and sent under the
ward's own name; an F02 sent under an F01 name) the file must be held back, and
when the content cannot be read at all (a password, a damaged or empty file)
the name is the only way to tell which unit sent it — a refusal attributed to
nobody leaves the unit told "not received".

Names are matched the way people type them: case, accents and tone placement
ignored, separators (``_``, ``-``, spaces, dots) and a copy suffix (`` (2)``)
ignored, codes and registry names alike (``P_VUNINH``, ``p-vuninh``,
``Dang bo phuong Vu Ninh``, ``Vũ Ninh``). A match inside a longer match does
not count (``Tieu hoc Vu Ninh`` is the school, not the ward ``Vu Ninh``); two
matches that are not inside one another and name different units are
ambiguous, and an ambiguous name attributes nothing. Each part the name does
not say honestly stays None.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

from .periods import Period, PeriodKind
from .plan import Plan
from .registry import Unit, plain_name

# Leading words that say what kind of organization a name is, not which one; a name is also
# matched without them ("Vũ Ninh" for "Đảng bộ phường Vũ Ninh"), but never reduced to one word.
_ORG_PREFIXES = ("dang bo co so", "dang bo", "chi bo co so", "chi bo", "dang uy")
_PLACE_PREFIXES = ("phuong", "xa", "thi tran", "truong", "co quan")
_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_COPY_RE = re.compile(r"(\s*\(\d{1,3}\)|\s*-\s*copy|\s*-\s*ban sao)+$", re.IGNORECASE)
_SPLIT_RE = re.compile(r"[a-z]+|\d+")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_MIN_CODE_TAIL = 5  # a code without its kind prefix must be at least this long to count ("vuninh")


@dataclass(frozen=True)
class PeriodClue:
    """What a file name says of a period, as far as it says it: any part may be missing.

    ``thang 3`` gives a month without a year; ``2017`` alone gives a year without
    saying month, quarter or year report. :meth:`agrees` compares only what is said.
    """

    year: int | None = None
    kind: PeriodKind | None = None
    index: int | None = None

    def agrees(self, period: Period) -> bool:
        """True unless a part the name says differs from ``period``."""
        if self.year is not None and self.year != period.year:
            return False
        if self.kind is not None and (self.kind != period.kind or self.index != period.index):
            return False
        return True

    @property
    def period(self) -> Period | None:
        """The whole period when the name says it whole (a year alone reads as the year, ``2017``)."""
        if self.year is None:
            return None
        if self.kind is None:
            return Period(self.year, "year")
        return Period(self.year, self.kind, self.index or 1)

    def __str__(self) -> str:
        """How the name's clue is shown in a message: ``2017-03``, ``tháng 3``, ``quý 1``, ``2017``."""
        whole = self.period
        if whole is not None:
            return str(whole)
        if self.kind == "month":
            return f"tháng {self.index}"
        if self.kind == "quarter":
            return f"quý {self.index}"
        return ""


@dataclass(frozen=True)
class NameWitness:
    """What a file name says: the unit, the form and the period, each None when it does not say."""

    unit: Unit | None = None
    form: str | None = None
    period_clue: PeriodClue | None = None

    @property
    def period(self) -> Period | None:
        """The period as the forms' naming contract spells it (``2017``, ``2017-Q1``, ``2017-03``)."""
        return self.period_clue.period if self.period_clue is not None else None


# -- tokens ------------------------------------------------------------------------

def _stem(file_name: str) -> str:
    """The file's own name: no folders, no extension, no copy suffix."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", file_name))[-1]
    base = _EXTENSION_RE.sub("", base)
    return _COPY_RE.sub("", base).strip()


def tokens(text: str) -> list[str]:
    """Lower-case, unaccented words of ``text``, letters and digits apart ("F01" → "f", "01").

    In ASCII text :func:`~xlplan.core.registry.plain_name` changes only case
    and spacing, which give the same words: unit codes and most file names
    (one of each per unit, 52,000 a round) skip its Unicode work.
    """
    if text.isascii():
        return _SPLIT_RE.findall(text.lower())
    return _SPLIT_RE.findall(plain_name(text))


def _phrases(unit: Unit) -> list[tuple[str, bool]]:
    """Token concatenations that name ``unit``: (phrase, is a code), most specific first."""
    out: list[tuple[str, bool]] = []
    code_words = tokens(unit.code)
    if code_words:
        out.append(("".join(code_words), True))
        tail = tokens(unit.code.split("_", 1)[1]) if "_" in unit.code else []
        if tail and len("".join(tail)) >= _MIN_CODE_TAIL:
            out.append(("".join(tail), True))
    words = " ".join(tokens(unit.name))
    if words:
        out.append((words.replace(" ", ""), False))
    for prefix in _ORG_PREFIXES:
        if words.startswith(prefix + " "):
            words = words[len(prefix) + 1:]
            break
    else:
        words = ""
    if words and " " in words:
        out.append((words.replace(" ", ""), False))
        for place in _PLACE_PREFIXES:
            if words.startswith(place + " "):
                rest = words[len(place) + 1:]
                if " " in rest:
                    out.append((rest.replace(" ", ""), False))
                break
    return out


@dataclass(frozen=True)
class _Match:
    unit: Unit
    start: int
    end: int  # token span [start, end)
    length: int  # characters matched


class UnitNames:
    """The phrases that name each unit, indexed once for many file names (52,000 units, as many files)."""

    def __init__(self, units: Iterable[Unit]):
        self.units = tuple(units)
        self.by_code = {u.code.casefold(): u for u in self.units}  # codes as Windows compares file names
        index: dict[str, list[Unit]] = {}
        for unit in self.units:
            for phrase, _ in _phrases(unit):
                if unit not in index.setdefault(phrase, []):
                    index[phrase].append(unit)
        self._index = index

    def matches(self, words: Sequence[str]) -> list[_Match]:
        """Every contiguous run of ``words`` whose concatenation is one of a unit's phrases."""
        found: list[_Match] = []
        for start in range(len(words)):
            text = ""
            for end in range(start + 1, len(words) + 1):
                text += words[end - 1]
                for unit in self._index.get(text, ()):
                    found.append(_Match(unit, start, end, len(text)))
        return found


def _names(units: Sequence[Unit] | UnitNames) -> UnitNames:
    return units if isinstance(units, UnitNames) else UnitNames(units)


def _winner(found: Sequence[_Match]) -> _Match | None:
    """The most specific match: others must lie inside it; different units side by side → None."""
    kept = [m for m in found
            if not any(o is not m and o.start <= m.start and m.end <= o.end
                       and (o.end - o.start, o.length) > (m.end - m.start, m.length) for o in found)]
    units = {m.unit.code for m in kept}
    if len(units) != 1:
        return None
    return max(kept, key=lambda m: (m.end - m.start, m.length))


def attribute(file_name: str, units: Sequence[Unit] | UnitNames) -> Unit | None:
    """The registry unit whose code or registry name the file name carries; None if none or ambiguous.

    Pass a :class:`UnitNames` built once when attributing many files.
    """
    match = _winner(_names(units).matches(tokens(_stem(file_name))))
    return match.unit if match is not None else None


def carries_code(file_name: str, code: str) -> bool:
    """Whether the file name carries ``code`` (any case and separators), a code the registry may not know."""
    wanted = "".join(tokens(code))
    words = tokens(_stem(file_name))
    for start in range(len(words)):
        text = ""
        for word in words[start:]:
            text += word
            if text == wanted:
                return True
            if len(text) >= len(wanted):
                break
    return False


# -- form and period -----------------------------------------------------------------

def _form(words: Sequence[str], plan: Plan) -> str | None:
    """The plan form the name says (``F01``, ``f1``, ``F 02``); None when none or several."""
    known = {form_id.casefold(): form_id for form_id in plan.forms}
    said: set[str] = set()
    for i, word in enumerate(words[:-1]):
        if word == "f" and words[i + 1].isdigit():
            wanted = f"f{int(words[i + 1]):02d}"
            if wanted in known:
                said.add(known[wanted])
    return said.pop() if len(said) == 1 else None


def _one(values: set[int]) -> int | None:
    return next(iter(values)) if len(values) == 1 else None


def _period(words: Sequence[str]) -> PeriodClue | None:
    """Year, month or quarter as names spell them: ``2017-03``, ``2017-Q1``, ``thang 3``, ``quy I``, ``T3``."""
    years: set[int] = set()
    months: set[int] = set()
    quarters: set[int] = set()
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        prev = words[i - 1] if i > 0 else ""
        if word.isdigit() and len(word) == 4 and 1900 <= int(word) <= 2999:
            years.add(int(word))
            if len(nxt) == 2 and nxt.isdigit() and 1 <= int(nxt) <= 12:
                months.add(int(nxt))  # 2017-03
            continue
        if word in ("thang", "t") and nxt.isdigit() and 1 <= int(nxt) <= 12:
            months.add(int(nxt))
        elif word in ("quy", "q"):
            if nxt.isdigit() and 1 <= int(nxt) <= 4:
                quarters.add(int(nxt))
            elif nxt in _ROMAN:
                quarters.add(_ROMAN[nxt])
        elif (len(word) == 2 and word.isdigit() and 1 <= int(word) <= 12 and len(nxt) == 4
              and nxt.isdigit() and prev not in ("thang", "t", "quy", "q", "f")):
            months.add(int(word))  # 03_2017
    year = _one(years)
    month, quarter = _one(months), _one(quarters)
    if months and quarters or len(months) > 1 or len(quarters) > 1:
        month = quarter = None  # the name contradicts itself: it says no period
    if month is not None:
        return PeriodClue(year, "month", month)
    if quarter is not None:
        return PeriodClue(year, "quarter", quarter)
    if year is not None:
        return PeriodClue(year)
    return None


def name_witness(file_name: str, units: Sequence[Unit] | UnitNames, plan: Plan) -> NameWitness:
    """The unit, form and period a file name says; words that named the unit are not read again."""
    words = tokens(_stem(file_name))
    match = _winner(_names(units).matches(words))
    rest = list(words)
    if match is not None:
        rest = words[:match.start] + ["-"] + words[match.end:]
    return NameWitness(match.unit if match is not None else None, _form(rest, plan), _period(rest))
