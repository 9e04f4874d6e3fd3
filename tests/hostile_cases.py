"""The hostile-case generators now live in the package (``xlplan.services.hostile_cases``) so that
``xlplan reliability`` can run them; this module re-exports them for the tests."""

from xlplan.services.hostile_cases import (  # noqa: F401 - re-exported
    CASE_IDS, READ, Case, CaseResult, HostileResult, build_cases, encrypt, field_sheet_part, judge, many_members,
    protect_sheets, read_cases, resave_1904, resave_openpyxl, rewrite, run_hostile, to_shared_strings, zip_bomb,
)
