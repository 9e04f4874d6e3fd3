"""xlplan: Excel forms, consolidation and indicators for a party committee's yearly plan.

The package is layered; imports run one way (a test enforces it):

- ``xlplan.core``: pure rules and data (plan, periods, indicators, forms, findings);
  knows nothing of files or Excel.
- ``xlplan.io``: readers and writers of files (plan files, registries, workbooks);
  depend on the core only.
- ``xlplan.services``: jobs built from the two (make forms, check, consolidate, report).
- faces: ``xlplan.cli``, ``xlplan.udfs``, ``xlplan.macros`` call the services.
"""

import os

__version__ = "0.1.0"

# openpyxl picks its XML machinery when it is first imported: lxml if installed (python-docx
# brings it), else the standard library with et_xmlfile. Ours is the second one: the city
# workbook's table rows are streamed as text into et_xmlfile's writer (io/streamed_rows.py,
# five times faster than cell objects through lxml), and workbooks we read with openpyxl are
# parsed through defusedxml. The one setting openpyxl offers for it, set before anything of
# xlplan imports openpyxl; a user who sets it otherwise keeps their choice (the output is the
# same, only slower). tests/test_openpyxl_internals.py checks a fresh process gets it.
os.environ.setdefault("OPENPYXL_LXML", "False")
