"""C++ generation for user-defined rules and models (see :mod:`pyneuro._expr` for the language, and
``csrc/plasticity/custom_rule.hpp`` / ``csrc/neurons/custom_model.hpp`` for what the generated code plugs into).

The generated source holds only what the definition says: the rule's bodies (and the update of its neuron variables)
or the model's update, as inline functions that the core's shared loop templates call, their spec (names), and one
``extern "C"`` entry point that registers the factory in the core's catalogue. Symbolic work (exact propagators,
linear parts for the exponential Euler method) uses sympy and happens only here, when a library is compiled.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Any

from ._expr import CppPrinter, ExpressionError, Statement, names_in, number

__all__ = ["RuleDef", "ModelDef", "rule_source", "model_source"]


# --------------------------------------------------------------------------------------------------------------------
# definitions, as validated by pyneuro.plasticity.Custom / pyneuro.models.Custom


@dataclass
class RuleDef:
    kind: str
    params: list[str]
    traces: list[tuple[str, int, int]]  # name, side (0 pre, 1 post), mode (0 all_to_all, 1 nearest)
    synapse: list[tuple[str, bool]]  # name, decays
    neuron: list[tuple[str, ast.expr]]  # name, dx/dt
    post_vars: list[str]
    pre_vars: list[str]
    bodies: dict[str, list[Statement]]  # "pre", "post", "tick"
    guards: dict[str, ast.expr]  # per event: a condition checked before the synapse is touched


@dataclass
class ModelDef:
    kind: str
    params: list[str]
    state: list[str]
    odes: dict[str, ast.expr]  # var -> rhs
    unless_refractory: set[str]
    subexpr: list[tuple[str, ast.expr]]  # in dependency order
    assign: list[tuple[str, ast.expr]]  # state variables set every step before the threshold, in order
    threshold: ast.expr | None
    reset: list[Statement]
    receptors: dict[str, str]  # "exc"/"inh" -> state variable
    method: str
    precision: str  # "float" / "double"


# --------------------------------------------------------------------------------------------------------------------
# sympy


def _sympy() -> Any:
    import sympy

    return sympy


def to_sympy(node: ast.AST, sym: dict[str, Any]) -> Any:
    """A checked expression as a sympy expression; names map through ``sym``."""
    sp = _sympy()

    def go(n: ast.AST) -> Any:
        if isinstance(n, ast.Constant):
            v = float(n.value)  # type: ignore[arg-type]  # checked: a number
            return sp.Integer(int(v)) if v.is_integer() and abs(v) < 2**53 else sp.Float(v)
        if isinstance(n, ast.Name):
            return sym[n.id]
        if isinstance(n, ast.BinOp):
            a, b = go(n.left), go(n.right)
            if isinstance(n.op, ast.Add):
                return a + b
            if isinstance(n.op, ast.Sub):
                return a - b
            if isinstance(n.op, ast.Mult):
                return a * b
            if isinstance(n.op, ast.Div):
                return a / b
            return a**b
        if isinstance(n, ast.UnaryOp):
            a = go(n.operand)
            if isinstance(n.op, ast.USub):
                return -a
            if isinstance(n.op, ast.UAdd):
                return a
            return sp.Not(a)
        if isinstance(n, ast.Compare):
            parts = []
            left = go(n.left)
            for op, right in zip(n.ops, n.comparators):
                r = go(right)
                rel = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Eq: sp.Eq, ast.NotEq: sp.Ne}
                parts.append(rel[type(op)](left, r))
                left = r
            return sp.And(*parts) if len(parts) > 1 else parts[0]
        if isinstance(n, ast.BoolOp):
            vals = [go(v) for v in n.values]
            return sp.And(*vals) if isinstance(n.op, ast.And) else sp.Or(*vals)
        if isinstance(n, ast.IfExp):
            return sp.Piecewise((go(n.body), go(n.test)), (go(n.orelse), True))
        if isinstance(n, ast.Call):
            assert isinstance(n.func, ast.Name)
            f = n.func.id
            args = [go(a) for a in n.args]
            if f == "clip":
                return sp.Min(sp.Max(args[0], args[1]), args[2])
            table = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "min": sp.Min, "max": sp.Max,
                     "pow": sp.Pow}
            return table[f](*args)
        raise ExpressionError(f"cannot convert {ast.dump(n)}")

    return go(node)


class SympyPrinter:
    """Prints a sympy expression as C++ (names through ``name_of``)."""

    def __init__(self, name_of: Any, precision: str = "double") -> None:
        self.name_of = name_of
        self.precision = precision

    def num(self, v: float) -> str:
        return number(v, self.precision)

    def __call__(self, e: Any) -> str:
        sp = _sympy()
        fl = self.precision == "float"
        if e.is_Symbol:
            return str(self.name_of(e.name))
        if e is sp.true or e is sp.S.true:
            return "true"
        if e is sp.false or e is sp.S.false:
            return "false"
        if e.is_Number or e.is_NumberSymbol:
            return self.num(float(e))
        if isinstance(e, sp.Add):
            return "(" + " + ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            num, den = [], []
            for a in e.args:
                if a.is_Pow and a.exp.is_number and a.exp.is_negative:
                    den.append(sp.Pow(a.base, -a.exp))
                elif a.is_Rational and not a.is_Integer:
                    if a.p != 1:
                        num.append(sp.Integer(a.p))
                    den.append(sp.Integer(a.q))
                else:
                    num.append(a)
            top = " * ".join(self(a) for a in num) if num else self.num(1.0)
            if den:
                return f"({top} / ({' * '.join(self(d) for d in den)}))"
            return f"({top})"
        if isinstance(e, sp.Pow):
            b, x = e.args
            if x == -1:
                return f"({self.num(1.0)} / {self(b)})"
            if x == 2:
                s = self(b)
                return f"({s} * {s})"
            if x == sp.Rational(1, 2):
                return f"std::sqrt({self(b)})"
            if x == -sp.Rational(1, 2):
                return f"({self.num(1.0)} / std::sqrt({self(b)}))"
            return f"std::pow({self(b)}, {self(x)})"
        if isinstance(e, sp.exp):
            return f"::pyneuro::fast_exp({self(e.args[0])})" if fl else f"std::exp({self(e.args[0])})"
        if isinstance(e, sp.log):
            return f"std::log({self(e.args[0])})"
        if isinstance(e, sp.Abs):
            return f"std::fabs({self(e.args[0])})"
        if isinstance(e, (sp.Min, sp.Max)):
            f = "std::min" if isinstance(e, sp.Min) else "std::max"
            out = self(e.args[0])
            for a in e.args[1:]:
                out = f"{f}({out}, {self(a)})"
            return out
        if isinstance(e, sp.Piecewise):
            pw = ""
            for val, cond in reversed(e.args):
                v = self(val)
                pw = v if not pw or cond == sp.true else f"(({self(cond)}) ? {v} : {pw})"
            return pw
        rel = {sp.StrictLessThan: "<", sp.LessThan: "<=", sp.StrictGreaterThan: ">", sp.GreaterThan: ">=",
               sp.Equality: "==", sp.Unequality: "!="}
        for cls, op in rel.items():
            if isinstance(e, cls):
                return f"({self(e.lhs)} {op} {self(e.rhs)})"
        if isinstance(e, sp.And):
            return "(" + " && ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sp.Or):
            return "(" + " || ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sp.Not):
            return f"(!{self(e.args[0])})"
        raise ExpressionError(f"cannot print {e!r} as C++")


def _linear_in(rhs: Any, x: Any) -> tuple[Any, Any] | None:
    """rhs = A x + B with B free of x: (A, B), or None when rhs is not linear in x."""
    sp = _sympy()
    try:
        A = sp.diff(rhs, x)
    except (TypeError, ValueError):
        return None
    if A.has(x):
        return None
    B = sp.expand(rhs - A * x)
    if B.has(x):
        B = sp.simplify(B)
        if B.has(x):
            return None
    return A, B


def _decay_time(rhs: Any, x: Any, consts: set[Any]) -> Any | None:
    """T when rhs == -x / T exactly with T built from parameters only (a pure decay), else None."""
    sp = _sympy()
    lin = _linear_in(rhs, x)
    if lin is None:
        return None
    A, B = lin
    if B != 0 or A == 0 or not A.free_symbols <= consts:
        return None
    return sp.simplify(-1 / A)


_HOISTABLE = (ast.BinOp, ast.UnaryOp, ast.Call, ast.IfExp)


def hoist_constants(node: ast.expr, is_const: Any, coeff_of: Any, reciprocal: bool = False) -> ast.expr:
    """``node`` with every maximal subtree that reads only per-population constants (``is_const(name)``: parameters,
    dt) and calls a function (exp, log, pow, ...) replaced by the name ``__c<q>`` of a per-population coefficient,
    ``q = coeff_of(subtree)``, computed once in double precision (as the built-in models compute exp(-dt / tau)):
    the loop over the neurons keeps no call on constants, which would stop the compiler from vectorising it. Plain
    arithmetic on constants stays as written (the compiler hoists it with the same rounding). ``reciprocal``: a
    division of a varying value by a constant becomes a multiplication by the constant's reciprocal (a coefficient),
    as the built-in single-precision kernels multiply by dt / C_m (a division costs several multiplications' time in
    a vectorised loop; the result differs from the division's by at most an ulp). Returns a new tree."""

    def const_call(n: ast.AST) -> tuple[bool, bool]:  # (reads only constants, calls a function or raises to a power)
        if isinstance(n, ast.Constant):
            return True, False
        if isinstance(n, ast.Name):
            return bool(is_const(n.id)), False
        kids = [c for c in ast.iter_child_nodes(n) if isinstance(c, ast.expr)]
        if isinstance(n, ast.Call):
            kids = list(n.args)
        res = [const_call(c) for c in kids]
        call = isinstance(n, ast.Call) or (isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow))
        return all(c for c, _ in res), call or any(k for _, k in res)

    def go(n: ast.expr) -> ast.expr:
        c, k = const_call(n)
        if c and k and isinstance(n, _HOISTABLE):
            return ast.Name(id=f"__c{coeff_of(n)}", ctx=ast.Load())
        if isinstance(n, (ast.Constant, ast.Name)):
            return n
        if reciprocal and isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and const_call(n.right)[0]:
            inv = ast.BinOp(left=ast.Constant(value=1.0), op=ast.Div(), right=n.right)
            return ast.BinOp(left=go(n.left), op=ast.Mult(), right=ast.Name(id=f"__c{coeff_of(inv)}", ctx=ast.Load()))
        new = copy.copy(n)
        for field, value in ast.iter_fields(n):
            if field == "func":
                continue
            if isinstance(value, ast.expr):
                setattr(new, field, go(value))
            elif isinstance(value, list):
                setattr(new, field, [go(v) if isinstance(v, ast.expr) else v for v in value])
        return new

    return go(node)


def hoist_constants_sympy(e: Any, consts: set[Any], coeff_of: Any) -> Any:
    """As :func:`hoist_constants` for a sympy expression: each maximal constant subexpression holding a function
    (exp, log, a non-integer power, min/max, a piecewise) becomes a symbol ``__c<q>``."""
    sp = _sympy()
    repl: dict[Any, Any] = {}

    def heavy(x: Any) -> bool:
        if isinstance(x, (sp.Function, sp.Piecewise)) and not x.is_Symbol:
            return True
        if x.is_Pow and not x.exp.is_Integer:
            return True
        return any(heavy(a) for a in x.args)

    def visit(x: Any) -> None:
        if x.is_Atom:
            return
        if x.free_symbols <= consts and heavy(x):
            repl[x] = sp.Symbol(f"__c{coeff_of(x)}", real=True)
            return
        for a in x.args:
            visit(a)

    visit(e)
    return e.xreplace(repl) if repl else e


def _expm(A: Any, h: Any) -> Any:
    """exp(A h) for a matrix of parameters. Where the variables can be ordered so that A is triangular (each
    variable depends on itself and on later ones only: synaptic currents or conductances feeding a membrane, the
    common case) with pairwise different diagonal entries, by Parlett's recurrence on f(x) = exp(x h) (milliseconds
    for what sympy's Jordan form takes seconds on); otherwise by sympy's matrix exponential. An entry that divides
    by zero for some parameter values (equal time constants) is caught when the coefficients are computed, where
    the core checks them against a numerical matrix exponential."""
    sp = _sympy()
    n = A.shape[0]
    order: list[int] = []
    left = set(range(n))
    while left:  # a variable goes after every variable that depends on it: row i reads column j only for j later
        ready = [i for i in sorted(left) if not any(A[j, i] != 0 for j in left if j != i)]
        if not ready:
            return (A * h).exp()  # coupled (a cycle): no triangular order
        order += ready
        left -= set(ready)
    T = sp.Matrix(n, n, lambda i, j: A[order[i], order[j]])
    diag = [T[i, i] for i in range(n)]
    if len(set(diag)) < n:
        return (A * h).exp()
    F = sp.zeros(n, n)
    for i in range(n):
        F[i, i] = sp.exp(diag[i] * h)
    for gap in range(1, n):
        for i in range(n - gap):
            j = i + gap
            acc = T[i, j] * (F[j, j] - F[i, i]) + sum(
                (T[i, k] * F[k, j] - F[i, k] * T[k, j] for k in range(i + 1, j)), sp.Integer(0)
            )
            F[i, j] = sp.cancel(acc / (T[j, j] - T[i, i])) if acc != 0 else sp.Integer(0)
    out = sp.zeros(n, n)
    for i in range(n):
        for j in range(n):
            out[order[i], order[j]] = F[i, j]
    return out


def _cstr(names: list[str]) -> str:
    return "{" + "".join(f'"{n}", ' for n in names) + "nullptr}"


def _ints(values: list[int]) -> str:
    return "{" + ", ".join(str(v) for v in [*values, 0]) + "}"


def _entry(kind_const: str, add: str, factory: str) -> str:
    return f"""
}}  // namespace

extern "C" __attribute__((visibility("default")))
int pyneuro_plugin_register(::pyneuro::Registrar* r, int abi, char* error, std::size_t error_len) noexcept {{
    if (abi != ::pyneuro::kPluginAbi) {{
        std::snprintf(error, error_len, "built for plugin interface %d, the core has %d", ::pyneuro::kPluginAbi, abi);
        return 1;
    }}
    if (r->{add}({kind_const}, &{factory}) != 0) {{
        std::snprintf(error, error_len, "the catalogue already holds another definition named %s", {kind_const});
        return 2;
    }}
    return 0;
}}
"""


# --------------------------------------------------------------------------------------------------------------------
# rules


def _mask(bits: list[int]) -> str:
    m = 0
    for b in bits:
        m |= 1 << b
    return f"{m}u"


def rule_source(d: RuleDef) -> str:
    """The C++ source of a compiled rule."""
    par = {n: q for q, n in enumerate(d.params)}
    tr = {n: q for q, (n, _, _) in enumerate(d.traces)}
    syn = {n: q for q, (n, _) in enumerate(d.synapse)}
    neu = {n: q for q, (n, _) in enumerate(d.neuron)}
    pv = {f"{n}_post": q for q, n in enumerate(d.post_vars)}
    uv = {f"{n}_pre": q for q, n in enumerate(d.pre_vars)}

    def body_name(n: str) -> str:
        if n == "w":
            return "x.w"
        if n in syn:
            return f"x.s[{syn[n]}]"
        if n in tr:
            return f"x.tr[{tr[n]}]"
        if n in neu:
            return f"x.n[{neu[n]}]"
        if n in pv:
            return f"x.v[{pv[n]}]"
        if n in uv:
            return f"x.u[{uv[n]}]"
        if n in par:
            return f"x.p[{par[n]}]"
        if n in ("t", "dt", "eta"):
            return f"x.{n}"
        return f"l_{n}"

    pr = CppPrinter(body_name, "double")
    consts: list[str] = []
    funcs: list[str] = []
    for ev in ("pre", "post", "tick"):
        stmts = d.bodies.get(ev)
        guard = d.guards.get(ev)
        used: set[str] = set() if guard is None else names_in(guard)
        written: set[str] = set()
        for s in stmts or []:
            used |= names_in(s.value)
            if s.op != "=":
                used.add(s.target)
            written.add(s.target)
        locals_ = [s.target for s in stmts or [] if s.is_local]
        lines = [f"            double l_{n} = 0.0;" for n in dict.fromkeys(locals_)]
        for s in stmts or []:
            lines.append(f"            {body_name(s.target)} {s.op} {pr(s.value)};")
        funcs.append(
            f"    template <class X>\n    static inline void on_{ev}([[maybe_unused]] X& x) {{\n"
            + ("\n".join(lines) + "\n" if lines else "")
            + "    }"
        )
        funcs.append(
            f"    template <class X>\n    static inline bool guard_{ev}([[maybe_unused]] const X& x) {{ return "
            + ("true" if guard is None else pr(guard))
            + "; }"
        )
        consts += [
            f"    static constexpr bool has_{ev} = {'true' if stmts is not None else 'false'};",
            f"    static constexpr bool guarded_{ev} = {'true' if guard is not None else 'false'};",
            f"    static constexpr std::uint32_t {ev}_traces = {_mask([tr[n] for n in used if n in tr])};",
            f"    static constexpr std::uint32_t {ev}_syn_read = {_mask([syn[n] for n in used if n in syn])};",
            f"    static constexpr std::uint32_t {ev}_syn_write = {_mask([syn[n] for n in written if n in syn])};",
            f"    static constexpr std::uint32_t {ev}_neuron = {_mask([neu[n] for n in used if n in neu])};",
            f"    static constexpr std::uint32_t {ev}_post_vars = {_mask([pv[n] for n in used if n in pv])};",
            f"    static constexpr std::uint32_t {ev}_pre_vars = {_mask([uv[n] for n in used if n in uv])};",
            f"    static constexpr bool {ev}_writes_w = {'true' if 'w' in written else 'false'};",
        ]
    decaying = _mask([q for q, (_, dec) in enumerate(d.synapse) if dec])
    shared = _post_add_clipped(d, tr, {*par, *neu, *pv, "t", "dt"})
    if shared is None:
        consts.append("    static constexpr int post_add_trace = -1;")
        funcs.append(
            "    template <class X>\n    static inline void post_add_terms(const X&, double&, double&, double&) {}"
        )
    else:
        q, fac, lo, hi = shared
        consts.append(f"    static constexpr int post_add_trace = {q};")
        funcs.append(
            "    template <class X>\n    static inline void post_add_terms([[maybe_unused]] const X& x, double& fac, "
            f"double& lo, double& hi) {{\n        fac = {pr(fac)};\n        lo = {pr(lo)};\n"
            f"        hi = {pr(hi)};\n    }}"
        )
    neuron_fn = _rule_neuron_source(d, par, neu, pv) if d.neuron else (
        "    static void neuron(const ::pyneuro::RuleView&, ::pyneuro::Range, double) {}"
    )
    side = ", ".join(str(s) for _, s, _ in d.traces) or "0"
    has = ("pre" in d.bodies, "post" in d.bodies, "tick" in d.bodies, bool(d.neuron))
    flags = ", ".join(str(b).lower() for b in has)
    return f"""// Generated by pyneuro from a pyneuro.plasticity.Custom definition ({d.kind}); do not edit.
#include <cstdio>

#include "core/fast_math.hpp"
#include "core/plugin.hpp"
#include "plasticity/custom_rule.hpp"

namespace {{
using namespace ::pyneuro;
constexpr const char* kKind = "{d.kind}";
const char* const kParams[] = {_cstr(d.params)};
const char* const kTraces[] = {_cstr([n for n, _, _ in d.traces])};
const int kTraceSide[] = {_ints([s for _, s, _ in d.traces])};
const int kTraceMode[] = {_ints([m for _, _, m in d.traces])};
const char* const kSyn[] = {_cstr([n for n, _ in d.synapse])};
const char* const kNeuron[] = {_cstr([n for n, _ in d.neuron])};
const char* const kPostVars[] = {_cstr(d.post_vars)};
const char* const kPreVars[] = {_cstr(d.pre_vars)};
const CustomRuleSpec kSpec = {{{len(d.params)}, kParams, {len(d.traces)}, kTraces, kTraceSide, kTraceMode,
                              {len(d.synapse)}, kSyn, {len(d.neuron)}, kNeuron, {len(d.post_vars)}, kPostVars,
                              {len(d.pre_vars)}, kPreVars, {flags}}};

struct Body {{
    static const CustomRuleSpec& spec() {{ return kSpec; }}
    static constexpr int n_params = {len(d.params)}, n_traces = {len(d.traces)}, n_syn = {len(d.synapse)};
    static constexpr int n_neuron = {len(d.neuron)}, n_post_vars = {len(d.post_vars)}, n_pre_vars = {len(d.pre_vars)};
    static constexpr int trace_side[] = {{{side}}};
    static constexpr std::uint32_t decaying = {decaying};
{chr(10).join(consts)}
{chr(10).join(funcs)}
{neuron_fn}
}};

std::unique_ptr<Rule> factory(const ParamMap& p, const BuildContext& c, std::string& error) noexcept {{
    std::unique_ptr<RuleKernel> k(new (std::nothrow) CustomKernel<Body>());
    if (!k) return nullptr;
    return c.custom_rule(std::move(k), kKind, p, error);
}}
{_entry("kKind", "add_rule", "factory")}"""


def _post_add_clipped(
    d: RuleDef, tr: dict[str, int], fixed: set[str]
) -> tuple[int, ast.expr, ast.expr, ast.expr] | None:
    """The terms of an ``on_post`` that is the shared post-spike walk's update (post_loop.hpp, post_add_clipped):
    ``if x != 0: w = clip(w + F * x, lo, hi)`` with x a presynaptic trace and F, lo, hi made of numbers and names
    that hold one value for the whole walk (``fixed``: parameters, t, dt, the postsynaptic neuron's variables;
    postsynaptic traces are added here), such as the triplet rule's ``x * (a2_plus + a3_plus * o2)`` (also
    ``F * x + w``, ``w - F * x``, ``w + x``). Returns (trace, F, lo, hi), F negated for a
    subtraction (w - F x == w + (-F) x exactly in IEEE arithmetic), or None. Per synapse the walk computes
    clip(w + x F) in double and rounds it to float where x != 0, the body's arithmetic exactly; the kernel uses it
    only while eta == 1 and lo <= hi (where clip and the walk's clamp agree)."""
    body, guard = d.bodies.get("post"), d.guards.get("post")
    if not body or len(body) != 1 or guard is None or any(dec for _, dec in d.synapse):
        return None
    st = body[0]
    if st.target != "w" or st.op != "=" or st.is_local:
        return None
    if not (isinstance(guard, ast.Compare) and len(guard.ops) == 1 and isinstance(guard.ops[0], ast.NotEq)):
        return None

    def zero(n: ast.expr) -> bool:
        return isinstance(n, ast.Constant) and not isinstance(n.value, bool) and n.value == 0

    def name(n: ast.expr) -> str | None:
        return n.id if isinstance(n, ast.Name) else None

    a, b = guard.left, guard.comparators[0]
    x = name(a) if zero(b) else (name(b) if zero(a) else None)
    if x is None or x not in tr or d.traces[tr[x]][1] != 0:
        return None
    v = st.value
    if not (isinstance(v, ast.Call) and name(v.func) == "clip" and len(v.args) == 3 and not v.keywords):
        return None
    total, lo, hi = v.args

    fixed = fixed | {n for n, side, _ in d.traces if side == 1}

    def per_call(n: ast.expr) -> bool:  # numbers and names of one value per walk
        return all(
            isinstance(s, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.Load))
            or (isinstance(s, ast.Name) and s.id in fixed)
            for s in ast.walk(n)
        )

    if not (per_call(lo) and per_call(hi) and isinstance(total, ast.BinOp)):
        return None
    if isinstance(total.op, ast.Add):
        term = total.right if name(total.left) == "w" else (total.left if name(total.right) == "w" else None)
        neg = False
    elif isinstance(total.op, ast.Sub) and name(total.left) == "w":
        term, neg = total.right, True
    else:
        return None
    if term is None:
        return None
    if name(term) == x:
        fac: ast.expr = ast.Constant(1.0)
    elif isinstance(term, ast.BinOp) and isinstance(term.op, ast.Mult):
        if name(term.right) == x and per_call(term.left):
            fac = term.left
        elif name(term.left) == x and per_call(term.right):
            fac = term.right
        else:
            return None
    else:
        return None
    if neg:
        fac = ast.UnaryOp(op=ast.USub(), operand=fac)
    return tr[x], fac, lo, hi


def _rule_neuron_source(d: RuleDef, par: dict[str, int], neu: dict[str, int], pv: dict[str, int]) -> str:
    sp = _sympy()
    sym = {n: sp.Symbol(n, real=True) for n in [*par, *neu, *pv, "t", "dt"]}
    consts = {sym[n] for n in par} | {sym["dt"]}

    def name_of(n: str) -> str:
        if n in par:
            return f"p[{par[n]}]"
        if n in neu:
            return f"o_{neu[n]}"
        if n in pv:
            return f"pv_{pv[n]}"
        return n  # t, dt (locals of the function)

    pr = SympyPrinter(name_of, "double")
    pre_lines, loop, store = [], [], []
    used_pv: set[int] = set()
    for q, (name, rhs_node) in enumerate(d.neuron):
        rhs = to_sympy(rhs_node, sym)
        x = sym[name]
        lin = _linear_in(rhs, x)
        if lin is None:
            raise ExpressionError(
                f"neuron variable {name!r}: d{name}/dt must be linear in {name} (a x + b, with a and b free of {name}) "
                "for the exponential Euler method that integrates rule neuron variables"
            )
        A, B = lin
        used_pv |= {pv[s.name] for s in (A.free_symbols | B.free_symbols) if s.name in pv}
        if A == 0:
            loop.append(f"            const double n_{q} = o_{q} + dt * {pr(B)};")
        elif A.free_symbols <= consts:
            pre_lines.append(f"        const double E_{q} = std::exp({pr(A)} * dt), A_{q} = {pr(A)};")
            loop.append(f"            const double b_{q} = {pr(B)} / A_{q};")
            loop.append(f"            const double n_{q} = -b_{q} + (o_{q} + b_{q}) * E_{q};")
        else:
            loop.append(f"            const double A_{q} = {pr(A)}, b_{q} = {pr(B)} / A_{q};")
            loop.append(f"            const double n_{q} = -b_{q} + (o_{q} + b_{q}) * std::exp(A_{q} * dt);")
        store.append(f"            nv_{q}[i] = static_cast<float>(n_{q});")
    lines = ["    static void neuron(const ::pyneuro::RuleView& V, ::pyneuro::Range r, [[maybe_unused]] double t) {",
             "        const double* __restrict p = V.params;",
             "        const double dt = V.dt;"]
    lines += [f"        float* __restrict nv_{q} = V.neuron[{q}];" for q in range(len(d.neuron))]
    lines += [f"        const float* __restrict pvs_{q} = V.post_vars[{q}];" for q in sorted(used_pv)]
    lines += pre_lines
    lines.append("        for (::pyneuro::index_t i = r.begin; i < r.end; ++i) {")
    lines += [f"            const double o_{q} = nv_{q}[i];" for q in range(len(d.neuron))]
    lines += [f"            const double pv_{q} = pvs_{q}[i];" for q in sorted(used_pv)]
    lines += loop + store + ["        }", "    }"]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------------
# models


def model_source(d: ModelDef) -> str:
    """The C++ source of a compiled neuron model."""
    sp = _sympy()
    T = d.precision
    par = {n: q for q, n in enumerate(d.params)}
    st = {n: q for q, n in enumerate(d.state)}
    sym = {n: sp.Symbol(n, real=True) for n in [*d.params, *d.state, "t", "dt"]}
    sub_sym: dict[str, Any] = {}
    for name, node in d.subexpr:
        sub_sym[name] = to_sympy(node, {**sym, **sub_sym})
    rhs = {v: to_sympy(node, {**sym, **sub_sym}) for v, node in d.odes.items()}
    consts = {sym[n] for n in d.params} | {sym["dt"]}
    coeffs: list[str] = []  # double expressions of p[] and dt

    def coeff(expr_cpp: str) -> int:
        coeffs.append(expr_cpp)
        return len(coeffs) - 1

    def pname(n: str) -> str:
        if n in par:
            return f"p[{par[n]}]"
        if n == "dt":
            return "dt"
        raise ExpressionError(f"{n!r} cannot appear in a per-step coefficient")

    cpr = SympyPrinter(pname, "double")
    # per-population constants that call a function (exp(-dt / tau), ...): coefficients, computed once per run
    hoisted: dict[str, int] = {}
    cdbl = CppPrinter(pname, "double")

    def coeff_ast(node: ast.AST) -> int:
        k = ast.dump(node)
        if k not in hoisted:
            hoisted[k] = coeff(cdbl(node))
        return hoisted[k]

    def coeff_sym(e: Any) -> int:
        k = "sympy:" + sp.srepr(e)
        if k not in hoisted:
            hoisted[k] = coeff(cpr(e))
        return hoisted[k]

    def H(node: ast.expr) -> ast.expr:
        return hoist_constants(node, lambda n: n in par or n == "dt", coeff_ast, reciprocal=T == "float")

    def HS(e: Any) -> Any:
        return hoist_constants_sympy(e, consts, coeff_sym)

    # pure decays (dx/dt = -x / T): exact under every method
    decays: dict[str, Any] = {}
    for v, e in rhs.items():
        Tq = _decay_time(e, sym[v], consts)
        if Tq is not None:
            decays[v] = Tq
    linear_block: list[str] = []
    linear_form = 0
    n_lin = 0
    lin_A = lin_b = None
    split: tuple[list[str | None], list[tuple[str, Any]]] | None = None
    refs: list[str | None] = []
    drives: list[tuple[str, Any]] = []
    drive_slots: list[list[int]] = []
    method = d.method
    if method == "exact":
        ode_vars = [v for v in d.state if v in rhs]
        referenced = set().union(*(e.free_symbols for e in rhs.values())) if rhs else set()
        linear_block = [v for v in d.state if v in rhs or sym[v] in referenced]
        n_lin = len(linear_block)
        xs = [sym[v] for v in linear_block]
        A = sp.zeros(n_lin, n_lin)
        b = sp.zeros(n_lin, 1)
        for i, v in enumerate(linear_block):
            e = rhs.get(v, sp.Integer(0))
            if sym["t"] in e.free_symbols:
                raise ExpressionError(f"method 'exact': d{v}/dt depends on t; use 'exponential_euler', 'rk2' or 'rk4'")
            for j, x in enumerate(xs):
                A[i, j] = sp.diff(e, x)
            b[i] = sp.expand(e - sum((A[i, j] * xs[j] for j in range(n_lin)), sp.Integer(0)))
            bad = [str(s) for s in (set(A.row(i).free_symbols) | b[i].free_symbols) if s not in consts]
            if bad:
                raise ExpressionError(
                    f"method 'exact' needs linear equations with constant coefficients: d{v}/dt is not linear in "
                    f"({', '.join(ode_vars)}) with coefficients from the parameters (it involves "
                    f"{', '.join(sorted(bad))} there); use 'exponential_euler', 'rk2' or 'rk4'"
                )
        lin_A, lin_b = A, b
        h = sym["dt"]
        if A.det() != 0:
            linear_form = 0
            P = _expm(A, h)
            c = -A.LUsolve(b)
        else:
            linear_form = 1
            M = sp.zeros(n_lin + 1, n_lin + 1)
            M[:n_lin, :n_lin] = A
            M[:n_lin, n_lin] = b
            E = _expm(M, h)
            P = E[:n_lin, :n_lin]
            c = E[:n_lin, n_lin]
        for i in range(n_lin):
            for j in range(n_lin):
                coeff(cpr(P[i, j]))
        for i in range(n_lin):
            coeff(cpr(c[i]))
        P_zero = [[P[i, j] == 0 for j in range(n_lin)] for i in range(n_lin)]
        c_zero = [c[i] == 0 for i in range(n_lin)]
        split = _split_fixed_point(c, A, [sym[n] for n in d.params]) if linear_form == 0 else None
        if split is not None:  # the slots of the derivatives dc/dq of the drives
            refs, drives = split
            drive_slots = [[coeff(cpr(D[i])) if D[i] != 0 else -1 for i in range(n_lin)] for _, D in drives]
    # coefficients of the pure decays (rk2/rk4 stage values, exponential Euler)
    dec_full: dict[str, int] = {}
    dec_half: dict[str, int] = {}
    if method != "exact":
        for v, Tq in decays.items():
            ts = cpr(Tq)
            dec_full[v] = coeff(f"std::exp(-dt / {ts})")
            dec_half[v] = coeff(f"std::exp(-0.5 * dt / {ts})")
    ee_coef: dict[str, int] = {}

    # --- the per-neuron step
    ty = "float" if T == "float" else "double"
    used_params = set()

    def pn(n: str) -> str:
        used_params.add(n)
        return f"p_{n}"

    def printer(prefix: str, tname: str = "t_") -> CppPrinter:
        def name_of(n: str) -> str:
            if n.startswith("__c"):
                return f"c_{n[3:]}"
            if n in st:
                return f"{prefix}{n}"
            if n in par:
                return pn(n)
            if n == "t":
                return tname
            if n == "dt":
                return "dt_"
            return f"e_{n}"

        return CppPrinter(name_of, T)

    body: list[str] = []
    ode_vars = [v for v in d.state if v in rhs]
    drive_head: list[str] = []  # per-step drive coefficients (I - P) dc/dq, from the checked propagator c[]
    if method == "exact" and split is not None:
        for i, v in enumerate(linear_block):
            if v not in rhs:
                continue
            ri = refs[i]
            terms = [] if ri is None else [pn(ri)]
            for j, u in enumerate(linear_block):
                rj = refs[j]
                if not P_zero[i][j]:
                    terms.append(f"c_{i * n_lin + j} * " + (f"o_{u}" if rj is None else f"(o_{u} - {pn(rj)})"))
            for k, (q, _) in enumerate(drives):
                parts = []
                for j in range(n_lin):
                    slot = drive_slots[k][j]
                    if slot < 0 or (j != i and P_zero[i][j]):
                        continue
                    pij = f"c[{i * n_lin + j}]"
                    parts.append(f"(1.0 - {pij}) * c[{slot}]" if j == i else f" - {pij} * c[{slot}]")
                if parts:
                    if parts[0].startswith(" - "):
                        parts[0] = "-" + parts[0][3:]
                    drive_head.append(f"    const {ty} q_{k}_{i} = static_cast<{ty}>({''.join(parts)});")
                    terms.append(f"q_{k}_{i} * {pn(q)}")
            expr = " + ".join(terms) if terms else number(0.0, T)
            body.append(f"        {ty} n_{v} = {expr};")
    elif method == "exact":
        for i, v in enumerate(linear_block):
            if v not in rhs:
                continue
            terms = [] if c_zero[i] else [f"c_{n_lin * n_lin + i}"]
            for j, u in enumerate(linear_block):
                if P_zero[i][j]:
                    continue
                dev = f"o_{u}" if c_zero[j] else f"(o_{u} - c_{n_lin * n_lin + j})"
                terms.append(f"c_{i * n_lin + j} * {dev}" if linear_form == 0 else f"c_{i * n_lin + j} * o_{u}")
            if linear_form == 1:
                terms = [t for t in terms if not t.startswith(f"c_{n_lin * n_lin + i}")] + (
                    [] if c_zero[i] else [f"c_{n_lin * n_lin + i}"])
            expr = " + ".join(terms) if terms else number(0.0, T)
            body.append(f"        {ty} n_{v} = {expr};")
    elif method == "exponential_euler":
        spr = SympyPrinter(
            lambda n: f"c_{n[3:]}" if n.startswith("__c") else f"o_{n}" if n in st else pn(n) if n in par else f"{n}_",
            T,
        )
        for v in ode_vars:
            if v in decays:
                body.append(f"        {ty} n_{v} = o_{v} * c_{dec_full[v]};")
                continue
            lin = _linear_in(rhs[v], sym[v])
            if lin is None:
                raise ExpressionError(
                    f"method 'exponential_euler' needs each equation linear in its own variable: d{v}/dt is not "
                    f"linear in {v}; use 'rk2' or 'rk4'"
                )
            A, B = lin
            A, B = (A if A.free_symbols <= consts else HS(A)), HS(B)
            if A == 0:
                body.append(f"        {ty} n_{v} = o_{v} + dt_ * {spr(B)};")
            elif A.free_symbols <= consts:
                ee_coef[v] = coeff(f"std::exp({cpr(A)} * dt)")
                body.append(f"        const {ty} b_{v} = {spr(B)} / {spr(A)};")
                body.append(f"        {ty} n_{v} = -b_{v} + (o_{v} + b_{v}) * c_{ee_coef[v]};")
            else:
                ex = "::pyneuro::fast_exp" if T == "float" else "std::exp"
                body.append(f"        const {ty} A_{v} = {spr(A)}, b_{v} = {spr(B)} / A_{v};")
                body.append(f"        {ty} n_{v} = -b_{v} + (o_{v} + b_{v}) * {ex}(A_{v} * dt_);")
    else:  # euler / rk2 / rk4
        stages = {"euler": 1, "rk2": 2, "rk4": 4}[method]
        integ = [v for v in ode_vars if v not in decays]

        def stage(k: int, prefix: str, tt: str) -> None:
            pr = printer(prefix, "t_s")
            body.append(f"        {{  // stage {k}")
            body.append(f"            [[maybe_unused]] const {ty} t_s = {tt};")
            for name, node in d.subexpr:
                body.append(f"            const {ty} e_{name} = {pr(H(node))};")
            for v in integ:
                val = pr(H(d.odes[v]))
                if v in d.unless_refractory:
                    val = f"refr ? {number(0.0, T)} : {val}"
                body.append(f"            k{k}_{v} = {val};")
            body.append("        }")

        for v in integ:
            body.append(f"        {ty} " + ", ".join(f"k{k}_{v}" for k in range(1, stages + 1)) + ";")
        # decaying variables at the stage times
        for v in decays:
            if stages == 1:  # no stage at half the step: one multiplication by exp(-dt / T)
                body.append(f"        const {ty} f1_{v} = o_{v} * c_{dec_full[v]};")
            else:
                body.append(f"        const {ty} h1_{v} = o_{v} * c_{dec_half[v]}, f1_{v} = h1_{v} * c_{dec_half[v]};")

        def stage_vals(prefix: str, k_prev: int | None, frac: str, dec: str) -> None:
            for v in d.state:
                if v in integ and k_prev is not None:
                    body.append(f"        const {ty} {prefix}{v} = o_{v} + {frac} * h_ * k{k_prev}_{v};")
                elif v in decays and dec:
                    body.append(f"        const {ty} {prefix}{v} = {dec}_{v};")
                else:
                    body.append(f"        const {ty} {prefix}{v} = o_{v};")

        half = number(0.5, T)
        if stages == 1:
            stage_vals("y1_", None, "", "")
            stage(1, "y1_", "t_")
            for v in integ:
                body.append(f"        {ty} n_{v} = o_{v} + h_ * k1_{v};")
        elif stages == 2:
            stage_vals("y1_", None, "", "")
            stage(1, "y1_", "t_")
            stage_vals("y2_", 1, half, "h1")
            stage(2, "y2_", f"t_ + {half} * h_")
            for v in integ:
                body.append(f"        {ty} n_{v} = o_{v} + h_ * k2_{v};")
        else:
            stage_vals("y1_", None, "", "")
            stage(1, "y1_", "t_")
            stage_vals("y2_", 1, half, "h1")
            stage(2, "y2_", f"t_ + {half} * h_")
            stage_vals("y3_", 2, half, "h1")
            stage(3, "y3_", f"t_ + {half} * h_")
            for v in d.state:
                if v in integ:
                    body.append(f"        const {ty} y4_{v} = o_{v} + h_ * k3_{v};")
                elif v in decays:
                    body.append(f"        const {ty} y4_{v} = f1_{v};")
                else:
                    body.append(f"        const {ty} y4_{v} = o_{v};")
            stage(4, "y4_", "t_ + h_")
            two = number(2.0, T)
            six = number(6.0, T)
            for v in integ:
                body.append(
                    f"        {ty} n_{v} = o_{v} + h_ / {six} * (k1_{v} + {two} * k2_{v} + {two} * k3_{v} + k4_{v});"
                )
        for v in decays:
            body.append(f"        {ty} n_{v} = f1_{v};")
    # variables without an equation keep their value
    for v in d.state:
        if v not in rhs:
            body.append(f"        {ty} n_{v} = o_{v};")
    for v in d.state:
        if v in d.unless_refractory:
            body.append(f"        n_{v} = refr ? o_{v} : n_{v};")
    npr = printer("n_")
    for v, node in d.assign:
        body.append(f"        n_{v} = {npr(H(node))};")
    if d.threshold is not None:
        cond = npr(H(d.threshold))
        body.append(f"        const std::int32_t spike = (refr == 0) & static_cast<std::int32_t>({cond});")
    else:
        body.append("        const std::int32_t spike = 0;")
    local_names = list(dict.fromkeys(s.target for s in d.reset if s.is_local))
    for n in local_names:
        body.append(f"        {ty} l_{n} = {number(0.0, T)};")

    def reset_name(n: str) -> str:
        if n.startswith("__c"):
            return f"c_{n[3:]}"
        if n in st:
            return f"n_{n}"
        if n in par:
            return pn(n)
        if n in ("t", "dt"):
            return f"{n}_"
        return f"l_{n}"

    rpr = CppPrinter(reset_name, T)
    for s in d.reset:
        tgt = reset_name(s.target)
        val = rpr(H(s.value))
        if s.op != "=":
            val = f"{tgt} {s.op[0]} {val}"
        if s.is_local:
            body.append(f"        {tgt} = {val};")
        else:
            body.append(f"        {tgt} = spike ? static_cast<{ty}>({val}) : {tgt};")
    body.append("        rf[i] = spike ? ref_steps : r - refr;")
    body.append("        flag[i] = static_cast<std::uint8_t>(spike);")
    for v in d.state:
        val = f"static_cast<float>(n_{v})"
        if v in decays or (method == "exact" and _pure_row(v, linear_block, lin_A, lin_b)):
            val = f"::pyneuro::flush_tiny({val})"
        # lagged arrivals (NEST time convention) after the update, exc before inh, as Population::flush_lagged
        lags = [f"lag_{r[0]}[i]" for r in ("exc", "inh") if d.receptors.get(r) == v]
        if lags:
            lagged = val
            for x in lags:
                lagged = f"({lagged} + {x})"
            body.append(f"        if constexpr (Lag) s_{v}[i] = {lagged};")
            body.append(f"        else s_{v}[i] = {val};")
        else:
            body.append(f"        s_{v}[i] = {val};")
    for r in ("exc", "inh"):
        if r in d.receptors:
            body.append(f"        if constexpr (Lag) lag_{r[0]}[i] = 0.0f;")

    # assemble
    n_coeffs = len(coeffs)
    args = ", ".join(f"float* __restrict s_{v}" for v in d.state)
    # single precision: compiled for several instruction-set levels, like the built-in vectorised kernels
    attr = "PYNEURO_KERNEL " if T == "float" else ""
    head = ["template <bool Lag>",
            f"{attr}static void step({args}, std::int32_t* __restrict rf, std::uint8_t* __restrict flag,",
            "                                std::size_t n, const double* __restrict p, const double* __restrict c,",
            "                                std::int32_t ref_steps, double t_now, double dt,",
            "                                [[maybe_unused]] float* __restrict lag_e,",
            "                                [[maybe_unused]] float* __restrict lag_i) {",
            f"    [[maybe_unused]] const {ty} t_ = static_cast<{ty}>(t_now);",
            f"    [[maybe_unused]] const {ty} dt_ = static_cast<{ty}>(dt);",
            f"    [[maybe_unused]] const {ty} h_ = static_cast<{ty}>(dt);"]
    head += [f"    const {ty} p_{n} = static_cast<{ty}>(p[{par[n]}]);" for n in d.params if n in used_params]
    head += [f"    [[maybe_unused]] const {ty} c_{q} = static_cast<{ty}>(c[{q}]);" for q in range(n_coeffs)]
    head += drive_head
    head.append("    for (std::size_t i = 0; i < n; ++i) {")
    head += [f"        const {ty} o_{v} = s_{v}[i];" for v in d.state]
    head += ["        const std::int32_t r = rf[i];", "        const std::int32_t refr = r > 0;"]
    step_fn = "\n".join(head + body + ["    }", "}"])
    prep = [f"    c[{q}] = {e};" for q, e in enumerate(coeffs)]
    lin_fn = ["    (void)p;", "    (void)A;", "    (void)b;"]
    if method == "exact" and lin_A is not None:
        for i in range(n_lin):
            for j in range(n_lin):
                lin_fn.append(f"    A[{i * n_lin + j}] = {cpr(lin_A[i, j])};")
            lin_fn.append(f"    b[{i}] = {cpr(lin_b[i])};")  # type: ignore[index]
    call_args = ", ".join(f"v.state[{st[s]}] + b" for s in d.state)
    exc = st[d.receptors["exc"]] if "exc" in d.receptors else -1
    inh = st[d.receptors["inh"]] if "inh" in d.receptors else -1
    return f"""// Generated by pyneuro from a pyneuro.models.Custom definition ({d.kind}); do not edit.
#include "core/fast_math.hpp"
#include "neurons/model_kernel.hpp"

namespace {{
using namespace ::pyneuro;
const char* const kParams[] = {_cstr(d.params)};
const char* const kState[] = {_cstr(d.state)};
const CustomModelSpec kSpec = {{{len(d.params)}, kParams, {len(d.state)}, kState, {n_coeffs}, {exc}, {inh}, {n_lin},
                               {linear_form}}};

{step_fn}

void prepare([[maybe_unused]] const double* p, [[maybe_unused]] double dt, [[maybe_unused]] double* c) noexcept {{
{chr(10).join(prep)}
}}

void linear_system([[maybe_unused]] const double* p, double* A, double* b) noexcept {{
{chr(10).join(lin_fn)}
}}

void update(const ModelView& v, index_t b, index_t e, step_t t) noexcept {{
    if (v.lag_exc)
        step<true>({call_args}, v.refr + b, v.flag + b, e - b, v.params, v.coeffs, v.ref_steps,
                   static_cast<double>(t) * v.dt, v.dt, v.lag_exc + b, v.lag_inh + b);
    else
        step<false>({call_args}, v.refr + b, v.flag + b, e - b, v.params, v.coeffs, v.ref_steps,
                    static_cast<double>(t) * v.dt, v.dt, nullptr, nullptr);
}}

const ModelKernelTable kTable = {{"{d.kind}", &kSpec, &prepare, &linear_system, &update}};
}}  // namespace

extern "C" __attribute__((visibility("default")))
const ::pyneuro::ModelKernelTable* pyneuro_model_kernel(int abi) noexcept {{
    return abi == ::pyneuro::kModelAbi ? &kTable : nullptr;
}}
"""


def _split_fixed_point(c: Any, A: Any, params: list[Any]) -> tuple[list[str | None], list[tuple[str, Any]]] | None:
    """The fixed point c = -A^-1 b of an exact linear block written as c = r + sum_q (dc/dq) q: r_i a reference
    parameter of row i (a parameter that c_i equals exactly, such as a leak reversal E_L: the equation depends on it
    only through x_i - E_L) or 0, and the drives q (constant inputs such as I_e) parameters that b holds and A does
    not, entering c linearly. Then the exact step is x' = r + P (x - r) + sum_q ((I - P) dc/dq) q, which is
    NEST's iaf_psc_exp order of operations (and the built-in LIF's): the drive added through its own propagator,
    not folded into the fixed point. Returns (r per row, [(q, dc/dq)]) or None where c is not of that form or has no
    drive (then x' = c + P (x - c) is the same arithmetic)."""
    sp = _sympy()
    n = len(c)
    in_A = A.free_symbols
    inputs = [q for q in params if q not in in_A and any(q in ci.free_symbols for ci in c)]
    # a parameter of b that enters c non-linearly (a capacitance dividing a current) is a coefficient, not an input
    inputs = [q for q in inputs if all(sp.simplify(sp.diff(ci, q, 2)) == 0 for ci in c)]
    if not inputs:
        return None
    derivs = {}
    rest = [sp.expand(ci) for ci in c]
    for q in inputs:
        D = [sp.simplify(sp.diff(ci, q)) for ci in c]
        if any(Di.free_symbols & set(inputs) for Di in D):
            return None  # not linear in q, or a product of two inputs
        derivs[q] = D
        rest = [sp.expand(ri - Di * q) for ri, Di in zip(rest, D)]
    if any(sp.simplify(ri) != 0 for ri in rest):
        return None  # a constant part not carried by a parameter
    refs: list[str | None] = [None] * n
    drives: list[tuple[str, Any]] = []
    for q in inputs:
        D = derivs[q]
        nz = [i for i in range(n) if D[i] != 0]
        if len(nz) == 1 and D[nz[0]] == 1 and refs[nz[0]] is None:
            refs[nz[0]] = q.name
        else:
            drives.append((q.name, D))
    return (refs, drives) if drives else None


def _pure_row(v: str, block: list[str], A: Any, b: Any) -> bool:
    """In the exact block, v's own equation is a pure decay (its row of A holds only the diagonal, b is 0)."""
    if A is None or v not in block:
        return False
    i = block.index(v)
    return b[i] == 0 and A[i, i] != 0 and all(A[i, j] == 0 for j in range(len(block)) if j != i)
