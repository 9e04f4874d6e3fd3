"""Shared fixtures: the bundled plan and the real LibreOffice.

A test that needs LibreOffice takes the ``soffice`` fixture (or ``uno_python``
for UNO scripts). Outside CI a missing LibreOffice skips it with the reason;
with the ``CI`` environment variable set it FAILS: CI must never go green by
skipping the real-engine tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xlplan.core.plan import Plan
from xlplan.io import libreoffice
from xlplan.io.plans import load_plan

from tests.support.corpus import require_corpus
from tests.support.libreoffice_uno import find_uno_python

LO_SCRIPTS = Path(__file__).parent / "lo_scripts"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require(found: str | None, what: str, install: str) -> str:
    if found:
        return found
    message = f"{what} not found ({install})"
    if _in_ci():
        pytest.fail(f"CI is set and {message}: the real-engine tests must run in CI", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path to LibreOffice's soffice; fails under CI when missing, skips elsewhere."""
    return _require(libreoffice.find_soffice(), "LibreOffice (soffice)", "apt-get install libreoffice-calc-nogui")


@pytest.fixture(scope="session")
def uno_python(soffice: str) -> str:
    """A Python that can import ``uno``, for :func:`tests.support.libreoffice_uno.run_script`."""
    return _require(find_uno_python(soffice), "LibreOffice's Python-UNO bridge",
                    "apt-get install python3-uno")


@pytest.fixture(scope="session")
def plan() -> Plan:
    """The bundled plan of Bắc Ninh 2017."""
    return load_plan()


@pytest.fixture(scope="session")
def lo_scripts() -> Path:
    """Folder of the LibreOffice-side (UNO) scripts the tests run with ``run_script``."""
    return LO_SCRIPTS


@pytest.fixture(scope="session")
def foreign_corpus() -> Path:
    """The foreign corpus beside the checkout (``../shared/corpus/foreign``); fails under CI when
    missing, skips elsewhere (:func:`tests.support.corpus.require_corpus`)."""
    return require_corpus()
