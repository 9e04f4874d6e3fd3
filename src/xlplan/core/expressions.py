"""Arithmetic over form fields, as plan-file rules write it: parsed, never ``eval``-ed.

A rule's sides (``left = "dv_xuat_sac"``, ``right = "dv_tot * 20 / 100"``) are
small expressions: field ids, whole or decimal numbers, ``+ - * /``,
parentheses and ``sum(a, b, …)``. This module parses such text into a tree of
frozen dataclasses, evaluates it with exact rationals
(:class:`fractions.Fraction`) and lists the fields it reads. Anything else
(another function, a string, an attribute, ``**``) is refused with a
Vietnamese reason naming where it went wrong, so a plan file with a mistake
fails at load time, not in the middle of a consolidation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Union


class ExpressionError(ValueError):
    """A malformed expression; the message is Vietnamese and says where."""


@dataclass(frozen=True)
class Num:
    value: Fraction


@dataclass(frozen=True)
class Ref:
    id: str


@dataclass(frozen=True)
class Neg:
    operand: "Expr"


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * /
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Sum:
    args: tuple["Expr", ...]


Expr = Union[Num, Ref, Neg, BinOp, Sum]

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\S))")
FUNCTIONS = ("sum",)


def parse(text: str) -> Expr:
    """The tree of ``text``; :class:`ExpressionError` when it is not a valid expression."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("biểu thức trống")
    tokens: list[tuple[str, str, int]] = []  # (kind, text, position)
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # only trailing spaces are left
            break
        number, name, other = match.groups()
        start = match.start(match.lastindex or 0)
        if number is not None:
            tokens.append(("num", number, start))
        elif name is not None:
            tokens.append(("name", name, start))
        elif other is not None:
            if other not in "+-*/(),":
                raise ExpressionError(f"ký tự '{other}' không được dùng (vị trí {start + 1})")
            tokens.append(("op", other, start))
        pos = match.end()
    parser = _Parser(tokens, text)
    tree = parser.expression()
    if parser.index < len(tokens):
        _, found, where = tokens[parser.index]
        raise ExpressionError(f"thừa '{found}' ở vị trí {where + 1}")
    return tree


class _Parser:
    """Recursive descent: expression := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*."""

    def __init__(self, tokens: list[tuple[str, str, int]], text: str):
        self.tokens, self.text, self.index = tokens, text, 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, symbol: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] == symbol:
            self.index += 1
            return True
        return False

    def expression(self) -> Expr:
        node = self.term()
        while True:
            if self.take("+"):
                node = BinOp("+", node, self.term())
            elif self.take("-"):
                node = BinOp("-", node, self.term())
            else:
                return node

    def term(self) -> Expr:
        node = self.factor()
        while True:
            if self.take("*"):
                node = BinOp("*", node, self.factor())
            elif self.take("/"):
                node = BinOp("/", node, self.factor())
            else:
                return node

    def factor(self) -> Expr:
        token = self.peek()
        if token is None:
            raise ExpressionError("biểu thức kết thúc giữa chừng")
        kind, value, where = token
        self.index += 1
        if kind == "num":
            return Num(Fraction(value))
        if kind == "name":
            if self.take("("):
                if value.casefold() not in FUNCTIONS:
                    raise ExpressionError(f"hàm '{value}' không được dùng (chỉ có sum)")
                args = [self.expression()]
                while self.take(","):
                    args.append(self.expression())
                if not self.take(")"):
                    raise ExpressionError(f"thiếu ')' sau sum( ở vị trí {where + 1}")
                return Sum(tuple(args))
            return Ref(value)
        if value == "-":
            return Neg(self.factor())
        if value == "+":
            return self.factor()
        if value == "(":
            node = self.expression()
            if not self.take(")"):
                raise ExpressionError(f"thiếu ')' cho '(' ở vị trí {where + 1}")
            return node
        raise ExpressionError(f"không chờ '{value}' ở vị trí {where + 1}")


def from_terms(terms: tuple[tuple[int, str], ...]) -> Expr:
    """A signed sum of ids (``xlplan.core.forms.Terms``) as a tree: ``a + b - c``."""
    node: Expr | None = None
    for coefficient, key in terms:
        item: Expr = Ref(key) if abs(coefficient) == 1 else BinOp("*", Num(Fraction(abs(coefficient))), Ref(key))
        if node is None:
            node = Neg(item) if coefficient < 0 else item
        else:
            node = BinOp("-" if coefficient < 0 else "+", node, item)
    return node if node is not None else Num(Fraction(0))


def refs(expr: Expr) -> list[str]:
    """The ids an expression reads, each once, in the order written."""
    out: list[str] = []

    def walk(node: Expr) -> None:
        if isinstance(node, Ref):
            if node.id not in out:
                out.append(node.id)
        elif isinstance(node, Neg):
            walk(node.operand)
        elif isinstance(node, BinOp):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, Sum):
            for arg in node.args:
                walk(arg)

    walk(expr)
    return out


def evaluate(expr: Expr, lookup: Callable[[str], Fraction]) -> Fraction | None:
    """The exact value; None when it divides by zero (no data, never an error)."""
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Ref):
        return lookup(expr.id)
    if isinstance(expr, Neg):
        inner = evaluate(expr.operand, lookup)
        return None if inner is None else -inner
    if isinstance(expr, Sum):
        total = Fraction(0)
        for arg in expr.args:
            value = evaluate(arg, lookup)
            if value is None:
                return None
            total += value
        return total
    left, right = evaluate(expr.left, lookup), evaluate(expr.right, lookup)
    if left is None or right is None:
        return None
    if expr.op == "+":
        return left + right
    if expr.op == "-":
        return left - right
    if expr.op == "*":
        return left * right
    return None if right == 0 else left / right


def divides(expr: Expr) -> bool:
    """Whether the expression divides by something that is not a constant (may divide by zero)."""
    if isinstance(expr, BinOp):
        if expr.op == "/" and not isinstance(expr.right, Num):
            return True
        return divides(expr.left) or divides(expr.right)
    if isinstance(expr, Neg):
        return divides(expr.operand)
    if isinstance(expr, Sum):
        return any(divides(a) for a in expr.args)
    return False


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def to_text(expr: Expr, *, excel: bool = False) -> str:
    """The expression written back: ``a+b-c``, ``dv_tot*20/100``; ``excel`` writes ``SUM(…)``.

    Parentheses only where precedence needs them, so a plain sum reads as Excel users write it.
    """
    if isinstance(expr, Num):
        value = expr.value
        if value.denominator == 1:
            return str(value.numerator)
        return f"({value.numerator}/{value.denominator})"
    if isinstance(expr, Ref):
        return expr.id
    if isinstance(expr, Neg):
        inner = to_text(expr.operand, excel=excel)
        return f"-({inner})" if isinstance(expr.operand, BinOp) else f"-{inner}"
    if isinstance(expr, Sum):
        name = "SUM" if excel else "sum"
        return f"{name}({','.join(to_text(a, excel=excel) for a in expr.args)})"
    mine = _PRECEDENCE[expr.op]
    left = to_text(expr.left, excel=excel)
    if isinstance(expr.left, BinOp) and _PRECEDENCE[expr.left.op] < mine:
        left = f"({left})"
    right = to_text(expr.right, excel=excel)
    if isinstance(expr.right, BinOp) and (_PRECEDENCE[expr.right.op] < mine
                                          or (_PRECEDENCE[expr.right.op] == mine and expr.op in "-/")):
        right = f"({right})"
    return f"{left}{expr.op}{right}"
