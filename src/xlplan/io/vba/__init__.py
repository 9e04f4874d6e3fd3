"""Write an Excel VBA project (``xl/vbaProject.bin``) from VBA source text, in pure Python.

The xlplan add-in (.xlam) is built on Linux, where there is no Excel to save
it: its VBA — ribbon callbacks and xlwings' glue — is kept as text in the
repository and turned into the binary project here.

* :mod:`.compression` — the MS-OVBA 2.4.1 LZ77 compression the ``dir`` and
  module streams use (and a strict decompressor);
* :mod:`.cfb` — a minimal, deterministic MS-CFB compound file writer (the
  container ``vbaProject.bin`` is);
* :mod:`.project` — the MS-OVBA streams: ``PROJECT``, ``PROJECTwm``,
  ``VBA/_VBA_PROJECT``, ``VBA/dir`` and one stream per module, without
  compiled code, so Office compiles the source when it opens the file.

Why our own writer
------------------
The candidate package, ``ms-ovba`` 0.0.1 (PyPI), has a compressor that does not
round-trip inputs of 1,000 bytes and more — the xlwings module alone is ~46 KB —
and no class modules. The formats are small and fully specified ([MS-OVBA]
2.3-2.4, [MS-CFB] 2.1-2.6): a few hundred lines we test against independent
readers (oletools' ``olevba`` and ``decompress_stream``, ``olefile``,
LibreOffice's VBA import) and the spec's own examples beat a dependency we would
have to patch. XlsxWriter only embeds a ``vbaProject.bin`` someone saved from
Excel; it cannot make one.
"""

from __future__ import annotations

from .project import (
    DEFAULT_REFERENCES,
    OFFICE,
    STDOLE,
    VbaModule,
    VbaReference,
    VbaSourceError,
    build_vba_project,
)

__all__ = [
    "DEFAULT_REFERENCES",
    "OFFICE",
    "STDOLE",
    "VbaModule",
    "VbaReference",
    "VbaSourceError",
    "build_vba_project",
]
