"""Helpers the tests share that the product does not need (kept out of ``src/xlplan``).

* :mod:`.recalc` — recalculate workbooks in LibreOffice;
* :mod:`.libreoffice_uno` — run Python-UNO scripts (``tests/lo_scripts``) in LibreOffice;
* :mod:`.corpus` — where the foreign corpus is, and the one rule for its absence.

Imported as ``tests.support`` (``pythonpath = ["."]`` in pyproject.toml's pytest section).
"""
