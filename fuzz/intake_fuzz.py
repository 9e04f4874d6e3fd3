"""Atheris harness over the intake: any bytes as a unit file must end in a read or a named refusal.

Run by hand, never in CI (see ``fuzz/README.md``)::

    python fuzz/intake_fuzz.py -max_total_time=600 fuzz/work ../shared/corpus/foreign templates

Each input is written to a temporary ``.xlsx`` and read with
:func:`xlplan.io.intake.read_many` when the intake exists (the path the Organization Board's
consolidation takes: sniffing, zip limits, capped worker processes), else with
:func:`xlplan.io.form_reader.read_form` on every engine. Both promise never to raise for a
bad file, so *any* exception is a crash atheris reports with the input that caused it.
``test_one_input`` is importable without atheris, for the smoke test in
``tests/test_reliability.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

_PLAN: Any = None


def _plan() -> Any:
    """The bundled plan, loaded once per process (atheris calls the target millions of times)."""
    global _PLAN
    if _PLAN is None:
        from xlplan.io.plans import load_plan

        _PLAN = load_plan()
    return _PLAN


def read_bytes(data: bytes, workdir: str | None = None) -> list[Any]:
    """The Submissions the intake gives for ``data`` as a unit file (one per engine tried)."""
    from xlplan.io.form_reader import read_form
    from xlplan.io.readers import ENGINES

    fd, name = tempfile.mkstemp(suffix=".xlsx", dir=workdir)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                from xlplan.io.intake import read_many
            except ImportError:
                return [read_form(name, _plan(), engine=engine) for engine in ENGINES]
            # workers=1 and one file: read_many still isolates the parse in a capped worker
            return [sub for engine in ENGINES for sub in read_many([name], _plan(), engine=engine, workers=1)]
    finally:
        Path(name).unlink(missing_ok=True)


def test_one_input(data: bytes) -> None:
    """Atheris's target: raises (a crash) only if the intake raised or returned no Submission."""
    subs = read_bytes(data)
    if not subs or any(sub is None for sub in subs):
        raise AssertionError("the intake returned no Submission for a file")


def main(argv: list[str]) -> None:
    """Start atheris (imported here so the module imports without it)."""
    import atheris

    with atheris.instrument_imports():
        import xlplan.io.form_reader  # noqa: F401 - instrumented for coverage feedback
        import xlplan.io.readers  # noqa: F401
        try:
            import xlplan.io.intake  # noqa: F401
        except ImportError:
            pass
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
