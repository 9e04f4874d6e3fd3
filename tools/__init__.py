"""Development tools of the xlplan repository, run from its root (``python -m tools.<name>``).

Nothing here ships in the package: these measure and exercise the product (see
``tools/reliability``); users run only :mod:`xlplan`.
"""
