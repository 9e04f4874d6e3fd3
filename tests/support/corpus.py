"""The foreign corpus: where it is, and what a test does when it is not there.

684 real-world spreadsheets made by other programs live OUTSIDE this repository, in the
shared folder beside the checkout (``../shared/corpus/foreign``), as they do in CI. A test
that reads them says so by calling :func:`require_corpus` (or taking the ``foreign_corpus``
fixture of ``tests/conftest.py``): with the ``CI`` environment variable set a missing corpus
FAILS the test with the path it looked at — CI must never go green by skipping — and
elsewhere it skips it with that reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.reliability.corpus import DEFAULT_CORPUS

FOREIGN_CORPUS: Path = DEFAULT_CORPUS  # <repository root>/../shared/corpus/foreign, as the tool uses it


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set to something other than a false value."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_corpus(folder: Path = FOREIGN_CORPUS) -> Path:
    """``folder`` when it exists; otherwise fail under CI, skip elsewhere, naming the path."""
    if folder.is_dir():
        return folder
    message = (f"the foreign corpus is not at {folder} (the shared folder beside the checkout, "
               "../shared/corpus/foreign)")
    if in_ci():
        pytest.fail(f"CI is set and {message}: CI has it, so the corpus tests must run", pytrace=False)
    pytest.skip(message)
