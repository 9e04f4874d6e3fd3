"""xlplan: Excel forms, consolidation and indicators for a party committee's yearly plan.

The package is layered; imports run one way (a test enforces it):

- ``xlplan.core``: pure rules and data (plan, periods, indicators, forms, findings);
  knows nothing of files or Excel.
- ``xlplan.io``: readers and writers of files (plan files, registries, workbooks);
  depend on the core only.
- ``xlplan.services``: jobs built from the two (make forms, check, consolidate, report).
- faces: ``xlplan.cli``, ``xlplan.udfs``, ``xlplan.macros`` call the services.
"""

__version__ = "0.1.0"
