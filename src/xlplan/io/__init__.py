"""Edges: read and write files (plan files, registries, workbooks). Depend on the core only."""
