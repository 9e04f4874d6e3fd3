"""Formats only LibreOffice reads (.ods, .xlsb, old .xls the readers refuse), converted to read them.

Units sometimes fill their form in LibreOffice and save it as .ods, or send an
Excel 95 file. The readers refuse those (one engine must not read what the
others cannot), so a file refused for its format is converted by headless
LibreOffice (:func:`xlplan.io.libreoffice.convert_many`: a fresh throw-away
profile, no window, no restore; the profile's default macro security runs no
unsigned document macro, and nothing here asks LibreOffice to run one) into a
temporary folder — never beside the unit's file, never modifying it — and the
converted copy is read. The submission keeps the original's name, source,
archived copy, hash, size, time and format, and says it was converted
(``file-converted``). Without LibreOffice the refusal says so
(``needs-libreoffice``: install LibreOffice or re-save as .xlsx).

``xlplan check`` and consolidation both read through
:func:`xlplan.services.consolidate.read_files`, which calls
:func:`convert_refused`, so both say the same of such a file.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from ..core.findings import Finding, make
from ..core.plan import Plan
from ..core.registry import Registry
from ..core.submission import Submission
from ..io import libreoffice
from ..io.intake import read_many
from .archive import sha256_of

# What format-unsupported names (its ``format`` parameter) that LibreOffice opens as a spreadsheet.
CONVERTIBLE_FORMATS = frozenset({".ods", ".fods", ".xlsb"})
# A legacy .xls (sniffed by its content) the xlrd reader refused, e.g. an Excel 95 (BIFF5) workbook.
_XLS_REFUSALS = frozenset({"not-a-form", "file-unreadable"})
TIMEOUT = 120  # seconds for one LibreOffice run of one file
PER_FILE = 10  # and for each further file of a batch


def source_format(sub: Submission) -> str | None:
    """The format a refused file showed, when LibreOffice could convert it (``".ods"``, ``".xls"``…)."""
    if sub.values or sub.form:
        return None
    for finding in sub.findings:
        if finding.code == "format-unsupported" and finding.params.get("format") in CONVERTIBLE_FORMATS:
            return str(finding.params["format"])
    if sub.format == "xls" and any(f.code in _XLS_REFUSALS for f in sub.findings) \
            and not any(f.code == "file-encrypted" for f in sub.findings):
        return ".xls"
    return None


def convert_refused(submissions: Sequence[Submission], plan: Plan, registry: Registry | None = None,
                    engine: str | None = None) -> list[Submission]:
    """``submissions`` with each file refused for a format LibreOffice reads converted and read again."""
    wanted = [(i, fmt) for i, sub in enumerate(submissions) if (fmt := source_format(sub)) is not None]
    out = list(submissions)
    if not wanted:
        return out
    if libreoffice.find_soffice() is None:
        for i, fmt in wanted:
            out[i] = _needs_libreoffice(submissions[i], fmt)
        return out
    with tempfile.TemporaryDirectory(prefix="xlplan-convert-") as work:
        converted = _convert(work, [(submissions[i], fmt) for i, fmt in wanted])
        hashes = [submissions[i].sha256 or sha256_of(Path(submissions[i].archived or submissions[i].source))
                  for i, _ in wanted]  # the original's bytes are its identity, never the converted copy's
        stubs = [Submission(file=submissions[i].file, source=str(path), sha256=digest)
                 for (i, _), path, digest in zip(wanted, converted, hashes) if path is not None]
        read = iter(read_many(stubs, plan, registry=registry, engine=engine))
        for (i, fmt), path, digest in zip(wanted, converted, hashes):
            original = dataclasses.replace(submissions[i], sha256=digest)
            if path is None:
                out[i] = _failed(original, fmt)
            else:
                out[i] = _as_original(next(read), original, fmt)
    return out


def _convert(work: str, items: list[tuple[Submission, str]]) -> list[Path | None]:
    """Each file converted to .xlsx inside ``work`` (None where LibreOffice could not); inputs untouched.

    One LibreOffice run for all (its start is the slow part); a file it cannot
    convert is None without costing the others. Only when the run itself fails
    (a file hangs it past the time allowed, a crash) is each file tried alone.
    """
    staged_dir, out_dir = Path(work) / "in", Path(work) / "out"
    staged_dir.mkdir()
    staged: list[Path] = []
    for number, (sub, fmt) in enumerate(items):
        copy = staged_dir / f"f{number:04d}{fmt}"
        shutil.copyfile(sub.archived or sub.source, copy)
        staged.append(copy)
    try:
        return libreoffice.convert_what_it_can(staged, "xlsx", out_dir, TIMEOUT + PER_FILE * len(staged))
    except libreoffice.LibreOfficeError:
        pass
    results: list[Path | None] = []
    for copy in staged:
        try:
            results.append(libreoffice.convert(copy, "xlsx", out_dir, TIMEOUT))
        except libreoffice.LibreOfficeError:
            results.append(None)
    return results


def _format_name(fmt: str) -> str:
    return fmt.lstrip(".")


def _without_refusal(sub: Submission) -> list[Finding]:
    return [f for f in sub.findings if f.code not in ("format-unsupported", *_XLS_REFUSALS)]


def _needs_libreoffice(sub: Submission, fmt: str) -> Submission:
    findings = _without_refusal(sub) + [make("needs-libreoffice", file=sub.file, format=fmt)]
    return dataclasses.replace(sub, findings=findings, format=sub.format or _format_name(fmt))


def _failed(sub: Submission, fmt: str) -> Submission:
    reason = f"LibreOffice không chuyển đổi được tệp định dạng {fmt}"
    findings = _without_refusal(sub) + [make("file-unreadable", file=sub.file, reason=reason)]
    return dataclasses.replace(sub, findings=findings, format=sub.format or _format_name(fmt))


def _as_original(read: Submission, original: Submission, fmt: str) -> Submission:
    """What was read from the converted copy, on the record of the file as received."""
    findings = [make("file-converted", unit=read.unit, file=original.file, format=fmt), *read.findings]
    return dataclasses.replace(
        read, file=original.file, source=original.source, archived=original.archived, sha256=original.sha256,
        size=original.size, received=original.received, first_seen=original.first_seen,
        first_run=original.first_run, format=original.format or _format_name(fmt), findings=findings)
