"""Derived indicators of a form spec rendered as native Excel formulas.

A unit without the add-in must see the same numbers Python computes
(:meth:`xlplan.core.forms.FormSpec.compute`), so every :class:`Total`,
:class:`Ratio` and :class:`Check` becomes an ordinary formula over the defined
names of the form (names, never addresses, so the layout may change freely).

Grassroots offices run Excel 2010: only functions Excel 2010 knows are used
(``IF``, ``TRUNC``, ``ROUND``), written in the invariant English syntax with
``,`` separators, which is how a file stores formulas whatever the user's
locale shows.

Exactness: a share is computed as ``TRUNC(num*10^(d+2)/den)/10^(d+2)``. With
integer counts the product is an exact integer in a double, the quotient is
at least ``1/den`` away from the next integer, so truncation (or rounding)
lands on the same integer as :func:`xlplan.core.indicators.quantize`; the final
division gives the double nearest to the exact Fraction — what
:func:`float` of the Python result gives.
"""

from __future__ import annotations

from fractions import Fraction

from ..core import expressions as ex
from ..core.forms import Check, Derived, Ratio, Terms, Total

# Functions newer than Excel 2010 (or dynamic-array ones): a form must never use them.
FORBIDDEN_FUNCTIONS: tuple[str, ...] = (
    "XLOOKUP", "XMATCH", "IFS", "SWITCH", "TEXTJOIN", "CONCAT", "LET", "LAMBDA", "FILTER",
    "UNIQUE", "SORT", "SORTBY", "SEQUENCE", "RANDARRAY", "MAXIFS", "MINIFS", "IFNA",
    "STOCKHISTORY", "TEXTSPLIT", "TEXTBEFORE", "TEXTAFTER", "VSTACK", "HSTACK", "TOCOL", "TOROW",
    "CHOOSECOLS", "CHOOSEROWS", "TAKE", "DROP", "EXPAND", "WRAPROWS", "WRAPCOLS", "ARRAYTOTEXT",
    "VALUETOTEXT", "ISOMITTED", "MAKEARRAY", "MAP", "REDUCE", "SCAN", "BYROW", "BYCOL",
)

# Python comparison operators of :class:`Check` → Excel operators.
_OPERATORS = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "=", "==": "=", "!=": "<>", "<>": "<>"}


def render(derived: Derived) -> str:
    """The Excel formula (starting with ``=``) equal in meaning to ``derived.evaluate``."""
    if isinstance(derived, Total):
        return "=" + render_terms(derived.terms)
    if isinstance(derived, Ratio):
        return "=" + _ratio(derived)
    if isinstance(derived, Check):
        return "=" + _check(derived)
    raise TypeError(f"not a derived indicator: {derived!r}")


def render_terms(terms: Terms) -> str:
    """A signed sum of names: ``a+b-c``; ``0`` when there are no terms.

    Empty cells count as 0 in Excel arithmetic, as they do in ``evaluate_terms``.
    """
    if not terms:
        return "0"
    parts: list[str] = []
    for index, (coefficient, name) in enumerate(terms):
        sign = "-" if coefficient < 0 else ("+" if index else "")
        magnitude = abs(Fraction(coefficient))
        if magnitude == 1:
            parts.append(f"{sign}{name}")
        elif magnitude.denominator == 1:
            parts.append(f"{sign}{magnitude.numerator}*{name}")
        else:
            parts.append(f"{sign}{magnitude.numerator}*{name}/{magnitude.denominator}")
    return "".join(parts)


def percent_format(digits: int) -> str:
    """Number format of a share cell: ``0.00%`` for 2 decimals of the percentage, ``0%`` for 0."""
    return "0." + "0" * digits + "%" if digits > 0 else "0%"


def _ratio(ratio: Ratio) -> str:
    if ratio.mode not in ("cat", "tron"):
        raise ValueError(f"rounding mode must be 'cat' or 'tron', not {ratio.mode!r}")
    scale = str(10 ** (ratio.digits + 2))  # a literal power: no floating ^ in the formula
    num, den = render_terms(ratio.numerator), render_terms(ratio.denominator)
    scaled = f"({num})*{scale}/({den})"
    quantized = f"TRUNC({scaled})" if ratio.mode == "cat" else f"ROUND({scaled},0)"
    return f'IF(({den})=0,"",{quantized}/{scale})'


def _check(check: Check) -> str:
    if check.op not in _OPERATORS:
        raise ValueError(f"unknown comparison {check.op!r}")
    # Comparison binds loosest in Excel, so the sides need no parentheses.
    left_expr, right_expr = check.left_expr, check.right_expr
    left, right = ex.to_text(left_expr, excel=True), ex.to_text(right_expr, excel=True)
    formula = f"IF({left}{_OPERATORS[check.op]}{right},{_text(check.ok)},{_text(check.not_ok)})"
    if ex.divides(left_expr) or ex.divides(right_expr):  # a zero divisor is no data, as in Python
        formula = f'IFERROR({formula},"")'
    if check.missing == "skip":  # a side whose cells are all empty: no verdict (COUNT counts numbers)
        empty = [f"COUNT({','.join(ids)})=0" for ids in (ex.refs(left_expr), ex.refs(right_expr)) if ids]
        if empty:
            test = empty[0] if len(empty) == 1 else f"OR({','.join(empty)})"
            formula = f'IF({test},"",{formula})'
    return formula


def _text(value: str) -> str:
    """An Excel string literal: double quotes doubled inside."""
    return '"' + value.replace('"', '""') + '"'
