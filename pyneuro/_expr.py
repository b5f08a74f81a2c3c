"""The expression language of user-defined rules and models: Python syntax, parsed with :mod:`ast`, checked against
a whitelist and printed as C++. No user text reaches the compiler verbatim: every name is resolved to a generated
identifier, every number is printed from its value, and any construct outside the whitelist is refused.

Allowed: statements ``name = expr`` and ``name op= expr`` (op one of ``+ - * /``), one per line or separated by
``;``; expressions with numbers, names, ``+ - * / **``, unary ``-`` and ``+``, comparisons (chains allowed),
``and``, ``or``, ``not``, ``a if c else b`` and the functions exp, log, sqrt, abs, min, max, clip(x, lo, hi) and
pow(x, y).
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "FUNCTIONS",
    "ExpressionError",
    "Scope",
    "check_identifier",
    "parse_statements",
    "parse_body",
    "parse_expression",
    "names_in",
    "CppPrinter",
]

#: function -> number of arguments
FUNCTIONS: dict[str, int] = {"exp": 1, "log": 1, "sqrt": 1, "abs": 1, "min": 2, "max": 2, "clip": 3, "pow": 2}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


class ExpressionError(ValueError):
    """A definition's code is not valid; the message names where (``what``, line, column) and why."""


def check_identifier(what: str, name: object) -> str:
    """``name`` must be an ASCII identifier that is not a Python keyword or a function of the language."""
    import keyword

    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string, got {name!r}")
    if not _IDENT.match(name) or keyword.iskeyword(name):
        raise ValueError(f"{what} must be an ASCII identifier ([A-Za-z_][A-Za-z0-9_]*), got {name!r}")
    if name in FUNCTIONS or name.startswith("__"):
        raise ValueError(
            f"{what} must not be a function name of the expression language or start with '__', got {name!r}"
        )
    return name


def _token_at(source: str, line: int, col: int) -> str:
    """The token starting at (line, 0-based col) of source, for error messages."""
    import io
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.start == (line, col) and tok.string.strip():
                return tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    lines = source.splitlines()
    if 1 <= line <= len(lines):
        m = re.match(r"\s*(\w+|\S)", lines[line - 1][col:])
        if m:
            return m.group(1)
    return ""


@dataclass
class _Src:
    """Source text and where it sits in what the user wrote (an expression cut from a line of equations)."""

    text: str
    line: int = 0  # added to line numbers
    col: int = 0  # added to columns on the first line


def _where(what: str, node: ast.AST, source: _Src) -> str:
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0)
    tok = _token_at(source.text, line, col)
    col_shown = col + 1 + (source.col if line == 1 else 0)
    return f"{what}, line {line + source.line}, column {col_shown}" + (f" ({tok!r})" if tok else "")


def _parse(what: str, code: str, mode: str, line: int = 0, col: int = 0) -> tuple[ast.AST, _Src]:
    if not isinstance(code, str):
        raise TypeError(f"{what} must be a string of code, got {type(code).__name__}")
    source = textwrap.dedent(code)
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as e:
        ln = e.lineno or 1
        c = (e.offset or 1) - 1
        tok = _token_at(source, ln, c)
        raise ExpressionError(
            f"{what}: syntax error at line {ln + line}, column {c + 1 + (col if ln == 1 else 0)}"
            + (f" near {tok!r}" if tok else "")
            + f": {e.msg}"
        ) from None
    return tree, _Src(source, line, col)


@dataclass
class Scope:
    """What a piece of code may name: ``readable`` (name -> what it is, for messages), ``writable`` names, and
    whether assignments may create local variables."""

    readable: dict[str, str]
    writable: set[str] = field(default_factory=set)
    locals_allowed: bool = True

    def allowed_text(self) -> str:
        return ", ".join(sorted(self.readable))


@dataclass
class Statement:
    """One checked statement: ``target (op)= value``."""

    target: str
    op: str  # "=", "+=", "-=", "*=", "/="
    value: ast.expr
    is_local: bool


def _check_expr(what: str, node: ast.AST, source: _Src, known: Callable[[str], bool], scope: Scope) -> None:
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Expression, ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
            continue
        if isinstance(sub, ast.Constant):
            if isinstance(sub.value, bool) or not isinstance(sub.value, (int, float)):
                raise ExpressionError(
                    f"{_where(what, sub, source)}: only numbers are allowed as constants, got {sub.value!r}"
                )
            continue
        if isinstance(sub, ast.Name):
            if sub.id in FUNCTIONS:
                continue  # checked with its call
            if not known(sub.id):
                raise ExpressionError(
                    f"{_where(what, sub, source)}: unknown name {sub.id!r}; the names allowed here are "
                    f"{scope.allowed_text()} (and the functions {', '.join(FUNCTIONS)})"
                )
            continue
        if isinstance(sub, ast.BinOp):
            if not isinstance(sub.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
                raise ExpressionError(f"{_where(what, sub, source)}: operator {type(sub.op).__name__} is not allowed")
            continue
        if isinstance(sub, ast.UnaryOp):
            if not isinstance(sub.op, (ast.USub, ast.UAdd, ast.Not)):
                raise ExpressionError(f"{_where(what, sub, source)}: operator {type(sub.op).__name__} is not allowed")
            continue
        if isinstance(sub, ast.Compare):
            for op in sub.ops:
                if type(op) not in _CMP:
                    raise ExpressionError(f"{_where(what, sub, source)}: comparison {type(op).__name__} is not allowed")
            continue
        if isinstance(sub, (ast.BoolOp, ast.IfExp)):
            continue
        if isinstance(sub, ast.Call):
            f = sub.func
            if not isinstance(f, ast.Name) or f.id not in FUNCTIONS:
                raise ExpressionError(
                    f"{_where(what, sub, source)}: only the functions {', '.join(FUNCTIONS)} may be called"
                )
            if sub.keywords or len(sub.args) != FUNCTIONS[f.id] or any(isinstance(a, ast.Starred) for a in sub.args):
                raise ExpressionError(
                    f"{_where(what, sub, source)}: {f.id}() takes {FUNCTIONS[f.id]} positional argument(s), "
                    f"got {len(sub.args)}" + (" and keywords" if sub.keywords else "")
                )
            continue
        raise ExpressionError(f"{_where(what, sub, source)}: {type(sub).__name__} is not allowed in this language")


def parse_expression(
    what: str, code: str, scope: Scope, extra: set[str] | None = None, line: int = 0, col: int = 0
) -> ast.expr:
    """Parse and check one expression (names from ``scope`` and ``extra``); ``line``/``col`` place it in the text
    the user wrote (for messages)."""
    tree, source = _parse(what, code, "eval", line, col)
    names = set(scope.readable) | (extra or set())
    _check_expr(what, tree, source, lambda n: n in names, scope)
    assert isinstance(tree, ast.Expression)
    return tree.body


def parse_statements(what: str, code: str, scope: Scope) -> list[Statement]:
    """Parse and check a block of statements; locals (when allowed) are defined by their first assignment."""
    tree, source = _parse(what, code, "exec")
    assert isinstance(tree, ast.Module)
    return _statements(what, tree.body, source, scope)


def parse_body(
    what: str, code: str, scope: Scope, guard_names: set[str]
) -> tuple[ast.expr | None, list[Statement]]:
    """A rule's body: statements, or one guard ``if condition:`` over an indented block of statements (no
    ``else``). The condition may read only ``guard_names``; it is checked before the synapse is touched."""
    tree, source = _parse(what, code, "exec")
    assert isinstance(tree, ast.Module)
    body = [n for n in tree.body if not isinstance(n, ast.Pass)]
    if len(body) == 1 and isinstance(body[0], ast.If):
        node = body[0]
        if node.orelse:
            raise ExpressionError(f"{_where(what, node, source)}: a guard 'if' takes no 'else' (nothing happens then)")
        guard_scope = Scope({k: v for k, v in scope.readable.items() if k in guard_names})
        _check_expr(what, node.test, source, lambda n: n in guard_names, guard_scope)
        return node.test, _statements(what, node.body, source, scope)
    return None, _statements(what, tree.body, source, scope)


def _statements(what: str, nodes: list[ast.stmt], source: _Src, scope: Scope) -> list[Statement]:
    out: list[Statement] = []
    local: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Pass):
            continue
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
                raise ExpressionError(f"{_where(what, node, source)}: assign to one name at a time (x = ...)")
            target, op, value = node.targets[0].id, "=", node.value
        elif isinstance(node, ast.AugAssign):
            if not isinstance(node.target, ast.Name) or type(node.op) not in _OPS:
                raise ExpressionError(f"{_where(what, node, source)}: only +=, -=, *= and /= on a name are allowed")
            target, op, value = node.target.id, _OPS[type(node.op)] + "=", node.value
        else:
            raise ExpressionError(
                f"{_where(what, node, source)}: only assignments (x = ..., x += ...) are allowed here, got "
                f"{type(node).__name__}"
                + (" (a rule's body may be one guard 'if condition:' over its statements)" if isinstance(node, ast.If)
                   else "")
            )
        _check_expr(what, value, source, lambda n: n in scope.readable or n in local, scope)
        if target in scope.writable:
            is_local = False
        elif target in scope.readable:
            raise ExpressionError(
                f"{_where(what, node, source)}: {target!r} is read-only here ({scope.readable[target]}); "
                f"assignable: {', '.join(sorted(scope.writable)) or 'nothing'}"
            )
        elif target in FUNCTIONS:
            raise ExpressionError(f"{_where(what, node, source)}: {target!r} is a function")
        elif scope.locals_allowed:
            check_identifier(f"{what}: local variable", target)
            if op != "=" and target not in local:
                raise ExpressionError(f"{_where(what, node, source)}: {target!r} is used before it is assigned")
            is_local = True
            local.add(target)
        else:
            raise ExpressionError(
                f"{_where(what, node, source)}: unknown name {target!r}; assignable here: "
                f"{', '.join(sorted(scope.writable)) or 'nothing'}"
            )
        out.append(Statement(target, op, value, is_local))
    return out


def names_in(node: ast.AST) -> set[str]:
    """Every name an expression reads (function names excluded)."""
    out: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.add(sub.id)
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            out.discard(sub.func.id)
    return out


def canonical(code: str) -> str:
    """The code as the ast sees it (comments, blank lines and spacing normalised): part of cache keys."""
    return ast.unparse(ast.parse(textwrap.dedent(code).strip("\n")))


def number(value: float, precision: str) -> str:
    """A C++ literal for ``value``: the exact double as a hexadecimal float (cast to float in single precision)."""
    v = float(value)
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError(f"numbers must be finite, got {value!r}")
    lit = "0.0" if v == 0.0 and str(v)[0] != "-" else v.hex()
    if lit.startswith("-"):
        lit = f"(-{lit[1:]})"
    return f"static_cast<float>({lit})" if precision == "float" else lit


class CppPrinter:
    """Prints a checked expression as C++ with every name replaced by ``name_of(name)``.

    The order of operations is kept exactly as written (left-to-right, explicit parentheses), so that the compiled
    arithmetic is the one the definition spells. ``precision``: "double" or "float" (literals and functions).
    """

    def __init__(self, name_of: Callable[[str], str], precision: str = "double") -> None:
        self.name_of = name_of
        self.precision = precision

    def __call__(self, node: ast.AST) -> str:
        return self.expr(node)

    def expr(self, n: ast.AST) -> str:
        fl = self.precision == "float"
        if isinstance(n, ast.Constant):
            return number(n.value, self.precision)  # type: ignore[arg-type]  # checked: a number
        if isinstance(n, ast.Name):
            return self.name_of(n.id)
        if isinstance(n, ast.BinOp):
            a, b = self.expr(n.left), self.expr(n.right)
            if isinstance(n.op, ast.Pow):
                return f"std::pow({a}, {b})"
            return f"({a} {_OPS[type(n.op)]} {b})"
        if isinstance(n, ast.UnaryOp):
            a = self.expr(n.operand)
            if isinstance(n.op, ast.USub):
                return f"(-{a})"
            if isinstance(n.op, ast.UAdd):
                return a
            return f"(!{a})"
        if isinstance(n, ast.BoolOp):
            op = " && " if isinstance(n.op, ast.And) else " || "
            return "(" + op.join(f"({self.expr(v)} != 0)" for v in n.values) + ")"
        if isinstance(n, ast.Compare):
            parts = []
            left = n.left
            for cmp, right in zip(n.ops, n.comparators):
                parts.append(f"({self.expr(left)} {_CMP[type(cmp)]} {self.expr(right)})")
                left = right
            return "(" + " && ".join(parts) + ")"
        if isinstance(n, ast.IfExp):
            return f"(({self.expr(n.test)}) ? {self.expr(n.body)} : {self.expr(n.orelse)})"
        if isinstance(n, ast.Call):
            assert isinstance(n.func, ast.Name)
            f = n.func.id
            args = [self.expr(a) for a in n.args]
            if f == "exp":
                return f"::pyneuro::fast_exp({args[0]})" if fl else f"std::exp({args[0]})"
            if f in ("log", "sqrt"):
                return f"std::{f}({args[0]})"
            if f == "abs":
                return f"std::fabs({args[0]})"
            if f == "pow":
                return f"std::pow({args[0]}, {args[1]})"
            if f in ("min", "max"):
                return f"std::{f}({args[0]}, {args[1]})"
            if f == "clip":
                return f"::pyneuro::clip_value({args[0]}, {args[1]}, {args[2]})"
        raise ExpressionError(f"cannot print {ast.dump(n)}")  # unreachable after checking
