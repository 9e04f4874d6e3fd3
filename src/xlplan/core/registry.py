"""The unit registry: the grassroots party organizations (TCCSĐ) a plan is run over.

Pure data and validation; reading CSV or the "Danh mục đơn vị" sheet is in
``xlplan.io.registry``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """One grassroots party organization (tổ chức cơ sở đảng)."""

    code: str  # stable id, e.g. "P_VUNINH"; part of every file name
    name: str  # NFC-normalized Vietnamese name
    kind: str  # a plan kind code, e.g. "xa_phuong"
    has_source: bool = True  # has a source of outstanding non-members (matters for chi_bo_co_so)
    members: int = 0  # party members (last known)
    cells: int = 0  # subordinate party cells (chi bộ trực thuộc)
    contact: str = ""  # person / phone / e-mail
