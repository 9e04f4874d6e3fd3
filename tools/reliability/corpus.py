"""The corpus sweep: real foreign spreadsheets through the intake, counted by outcome.

The foreign corpus (684 spreadsheets made by other programs, none an xlplan form) is not
part of this repository: it lives in the shared folder beside the checkout,
``<repository root>/../shared/corpus/foreign``, where CI also has it. :data:`DEFAULT_CORPUS`
resolves that place from this file, not from the current directory, so the tool finds it
wherever it is started from; ``--corpus`` names another folder.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from xlplan.core.plan import Plan
from xlplan.io import intake

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "foreign"


@dataclass
class CorpusResult:
    """The corpus sweep: outcome per file (``read`` or the refusing finding code), timings."""

    folder: str
    files: int = 0
    outcomes: Counter = dc_field(default_factory=Counter)
    crashes: list[str] = dc_field(default_factory=list)
    seconds: float = 0.0
    source: str = "xlplan.io.intake.read_many"


def corpus_files(folder: Path, limit: int | None = None) -> list[Path]:
    """The spreadsheets of ``folder`` by name (the first ``limit``), without its licence and readme."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("LICENSE", "README")))
    return files[:limit]


def sweep_corpus(folder: Path, plan: Plan, limit: int | None = None) -> CorpusResult:
    """Read every file of ``folder`` (the first ``limit`` by name) through the intake and count outcomes.

    The intake's :func:`~xlplan.io.intake.read_many` is what ``xlplan consolidate`` uses (worker
    processes with memory caps and deadlines), so the figures are the product's; the outcome of
    a file is :func:`~xlplan.io.intake.outcome`. An exception out of it is a crash of every file.
    """
    result = CorpusResult(str(folder))
    files = corpus_files(folder, limit)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            subs = intake.read_many(files, plan)
        except Exception as exc:  # noqa: BLE001 - measured, not hidden
            result.crashes.append(f"read_many: {type(exc).__name__}: {exc}"[:300])
            result.outcomes["crash"] += len(files)
        else:
            result.outcomes.update(intake.outcome(sub) for sub in subs)
    result.files = len(files)
    result.seconds = time.perf_counter() - started
    return result


def shown(folder: str) -> str:
    """The corpus folder as the docs should show it: relative when it is the checkout's sibling."""
    path = Path(folder)
    return "../shared/corpus/" + path.name if path.parent.name == "corpus" else str(path)
