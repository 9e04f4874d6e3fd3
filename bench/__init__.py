"""Benchmarks of ``xlplan consolidate`` (not tests: nothing here runs under pytest).

``python -m bench`` generates the cases once into ``bench/cache/`` and writes
``bench/RESULTS.md``; see ``bench/__main__.py``.
"""
