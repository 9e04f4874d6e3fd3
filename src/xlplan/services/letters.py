"""The letter register's side of a round: which points of the letters sent are fixed now, and the register.

``xlplan feedback`` registers each unit's letter (:mod:`xlplan.services.feedback`);
every consolidation after it judges the points of each unit's latest letter
against the findings it has just made (:func:`judge_letters`): a point still
found is *còn tồn tại*, one no longer found *đã khắc phục*. ``xlplan congvan``
lists the register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..core.findings import Finding, Severity
from ..core.letters import FIXED, OPEN, LetterRecord, Point, follow_up, point_of
from ..core.tracking import Resolution
from ..io.letter_register import LetterRegister
from .workspace import open_workspace

SENT = (Severity.ERROR, Severity.WARNING)
Key = tuple[str, str, str, str]


def unit_points(findings: Sequence[Finding], resolution: Resolution | None) -> dict[str, list[Point]]:
    """Unit code → the letter points its errors and warnings make now (replaced files' findings left out).

    A finding in a file used for a (unit, form, period) belongs to that unit,
    form and period; any other names its unit and, in its parameters, its form
    and period (a missing report).
    """
    used = {sub.file: key for key, sub in resolution.latest.items()} if resolution is not None else {}
    out: dict[str, list[Point]] = {}
    for finding in findings:
        if finding.severity not in SENT or finding.superseded:
            continue
        key = used.get(finding.file) if finding.file else None
        if key is not None:
            out.setdefault(key[0], []).append(point_of(finding, key[1], str(key[2])))
        elif finding.unit:
            out.setdefault(finding.unit, []).append(point_of(finding))
    return out


def judge(register: LetterRegister, now: dict[str, list[Point]], before: dt.date | None = None
          ) -> dict[str, LetterRecord]:
    """Each unit's latest letter (issued before ``before``) with its points judged against ``now``; stored."""
    judged = {}
    for unit, letter in register.latest(before).items():
        keys = {p.key for p in now.get(unit, [])}
        updated = LetterRecord(letter.number, letter.unit, letter.issued, letter.file,
                               follow_up(letter.points, keys))
        if updated.points != letter.points:
            register.update_points(updated)
        judged[unit] = updated
    return judged


@dataclass(frozen=True)
class LetterSummary:
    """What became of the letters sent, after a consolidation: points fixed and still open, units concerned."""

    letters: int
    fixed: int
    still_open: int
    units_open: tuple[str, ...]


def judge_letters(audit: Path, findings: Sequence[Finding], resolution: Resolution | None) -> LetterSummary | None:
    """Judge the points of every unit's latest letter against a consolidation's findings (None: no letter yet).

    Called by the consolidation after it has recorded its run; the register is
    the audit store's file, so a folder whose audit store does not exist yet has
    sent no letter.
    """
    if not Path(audit).is_file():
        return None
    with LetterRegister(audit) as register:
        judged = judge(register, unit_points(findings, resolution))
    if not judged:
        return None
    counts = [letter.counts() for letter in judged.values()]
    return LetterSummary(len(judged), sum(c[FIXED] for c in counts), sum(c[OPEN] for c in counts),
                         tuple(sorted(u for u, letter in judged.items() if letter.counts()[OPEN])))


def letter_register(root: Path) -> list[LetterRecord]:
    """``xlplan congvan``: every letter registered in the working folder, by number, with its points' status."""
    ws = open_workspace(Path(root))
    if not ws.audit.is_file():
        return []
    with LetterRegister(ws.audit) as register:
        return register.all()
