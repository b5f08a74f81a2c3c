"""Validation, normalisation and building of user definitions (:class:`pyneuro.plasticity.Custom`,
:class:`pyneuro.models.Custom`). Everything here runs when a definition is made, before any network changes: bad
input raises a ValueError/TypeError (or :class:`pyneuro._expr.ExpressionError`, a ValueError) naming what is wrong,
and a missing or failing compiler raises :class:`pyneuro._jit.CompilerError`.

The normalised definition (names, structure and canonical code, never the parameter values) keys the compiled
library, so changing a parameter's value does not recompile.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from . import _jit
from ._expr import (
    Scope,
    Statement,
    canonical,
    check_identifier,
    names_in,
    parse_body,
    parse_expression,
    parse_statements,
)
from ._validation import check_choice, check_number

__all__ = ["Built", "rule_definition", "rule_lowered", "model_definition", "model_lowered", "parse_equations"]

_RESERVED_RULE = {"w": "the weight", "t": "the time (ms)", "dt": "the time step (ms)", "eta": "the schedule factor"}
_RESERVED_MODEL = {"t": "the time (ms)", "dt": "the time step (ms)"}


@dataclass
class Built:
    kind: str
    post_vars: list[str]
    compile_seconds: float
    pre_vars: list[str] = field(default_factory=list)


_built: dict[str, Built] = {}  # key -> what was built in this process


def _names_of(code: str | None) -> set[str]:
    """Every name the code mentions (empty when it does not parse: the checked parse then reports why)."""
    if code is None:
        return set()
    import textwrap

    try:
        return {n.id for n in ast.walk(ast.parse(textwrap.dedent(code))) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def _numbers(what: str, d: Any) -> dict[str, float]:
    if not isinstance(d, dict):
        raise TypeError(f"{what} must be a dict of names to numbers, got {type(d).__name__}")
    out: dict[str, float] = {}
    for k, v in d.items():
        check_identifier(f"{what} key", k)
        out[k] = check_number(f"{what}[{k!r}]", v)
    return out


def _time_constant(what: str, v: Any, params: dict[str, float]) -> float | str:
    if isinstance(v, str):
        if v not in params:
            raise ValueError(f"{what} names parameter {v!r}, which is not among the parameters {sorted(params)}")
        check_number(f"{what} (parameter {v!r})", params[v], 0.0, lo_open=True)
        return v
    return check_number(what, v, 0.0, lo_open=True)


def _value(v: float | str, params: dict[str, float]) -> float:
    return float(params[v]) if isinstance(v, str) else float(v)


def _unique(declared: list[tuple[str, str]], reserved: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for name, where in declared:
        if name in reserved:
            raise ValueError(f"{where} {name!r} is reserved ({reserved[name]})")
        if name in seen:
            raise ValueError(f"{name!r} is declared twice: in {seen[name]} and in {where}")
        seen[name] = where


# --------------------------------------------------------------------------------------------------------------------
# rules


def _rule_parts(r: Any) -> dict[str, Any]:
    from .plasticity import Trace

    params = _numbers("Custom.params", r.params)
    if not isinstance(r.traces, dict):
        raise TypeError(f"Custom.traces must be a dict of names to pyneuro.plasticity.Trace, got {r.traces!r}")
    traces: dict[str, Trace] = {}
    for k, t in r.traces.items():
        check_identifier("Custom.traces key", k)
        if not isinstance(t, Trace):
            raise TypeError(f"Custom.traces[{k!r}] must be a pyneuro.plasticity.Trace, got {t!r}")
        _time_constant(f"Custom.traces[{k!r}].tau", t.tau, params)
        traces[k] = t
    if not isinstance(r.synapse, dict):
        raise TypeError(
            f"Custom.synapse must be a dict of names to an initial value or (initial, tau), got {r.synapse!r}"
        )
    synapse: dict[str, tuple[float, float | str | None]] = {}
    for k, v in r.synapse.items():
        check_identifier("Custom.synapse key", k)
        if isinstance(v, (tuple, list)):
            if len(v) != 2:
                raise ValueError(f"Custom.synapse[{k!r}] must be an initial value or (initial, tau), got {v!r}")
            init = check_number(f"Custom.synapse[{k!r}] initial value", v[0])
            synapse[k] = (init, _time_constant(f"Custom.synapse[{k!r}] tau", v[1], params))
        else:
            synapse[k] = (check_number(f"Custom.synapse[{k!r}]", v), None)
    if not isinstance(r.neuron, dict):
        raise TypeError(f"Custom.neuron must be a dict of names to (dx/dt expression, initial), got {r.neuron!r}")
    neuron: dict[str, tuple[str, float]] = {}
    neuron_delay: dict[str, float | str] = {}
    for k, v in r.neuron.items():
        check_identifier("Custom.neuron key", k)
        if isinstance(v, str):
            v = (v, 0.0)
        if not isinstance(v, (tuple, list)) or len(v) not in (2, 3) or not isinstance(v[0], str):
            raise ValueError(
                f"Custom.neuron[{k!r}] must be (dx/dt expression, initial value) or (dx/dt expression, initial "
                f"value, delay in ms), got {v!r}"
            )
        neuron[k] = (v[0], check_number(f"Custom.neuron[{k!r}] initial value", v[1]))
        if len(v) == 3:
            what = f"Custom.neuron[{k!r}] delay (ms)"
            if isinstance(v[2], str):
                if v[2] not in params:
                    raise ValueError(
                        f"{what} names parameter {v[2]!r}, which is not among the parameters {sorted(params)}"
                    )
                check_number(f"{what} (parameter {v[2]!r})", params[v[2]], 0.0, 1e4)
                neuron_delay[k] = v[2]
            else:
                neuron_delay[k] = check_number(what, v[2], 0.0, 1e4)
    bodies = {ev: getattr(r, f"on_{ev}") for ev in ("pre", "post", "tick")}
    for ev, code in bodies.items():
        if code is not None and not isinstance(code, str):
            raise TypeError(f"Custom.on_{ev} must be a string of statements or None, got {type(code).__name__}")
    if all(c is None for c in bodies.values()):
        raise ValueError("Custom needs at least one of on_pre, on_post, on_tick")
    if bodies["tick"] is not None:
        if r.interval is None:
            raise ValueError("Custom.interval (ms) must be given with on_tick")
        check_number("Custom.interval", r.interval, 0.0, lo_open=True)
    elif r.interval is not None:
        raise ValueError(f"Custom.interval is the period of on_tick, which is not given (got interval={r.interval!r})")
    _unique(
        [(n, "Custom.params") for n in params]
        + [(n, "Custom.traces") for n in traces]
        + [(n, "Custom.synapse") for n in synapse]
        + [(n, "Custom.neuron") for n in neuron],
        _RESERVED_RULE,
    )
    return {"params": params, "traces": traces, "synapse": synapse, "neuron": neuron, "neuron_delay": neuron_delay,
            "bodies": bodies}


def rule_definition(r: Any) -> Built:
    """Validate a :class:`pyneuro.plasticity.Custom`, then build (or find) and load its library."""
    parts = _rule_parts(r)
    params, traces, synapse, neuron, bodies = (parts[k] for k in ("params", "traces", "synapse", "neuron", "bodies"))
    declared = set(params) | set(traces) | set(synapse) | set(neuron)
    used: set[str] = set()
    for code in [*bodies.values(), *(v[0] for v in neuron.values())]:
        used |= _names_of(code)
    post_vars = sorted({n[: -len("_post")] for n in used if n.endswith("_post") and n not in declared and len(n) > 5})
    pre_vars = sorted({n[: -len("_pre")] for n in used if n.endswith("_pre") and n not in declared and len(n) > 4})
    readable = {
        **_RESERVED_RULE,
        **{n: "a parameter" for n in params},
        **{n: "a trace" for n in traces},
        **{n: "a synapse variable" for n in synapse},
        **{n: "a rule neuron variable" for n in neuron},
        **{f"{v}_post": "a state variable of the postsynaptic neuron" for v in post_vars},
        **{f"{v}_pre": "a state variable of the presynaptic neuron" for v in pre_vars},
    }
    body_scope = Scope(readable, writable={"w", *synapse}, locals_allowed=True)
    guard_names = {n for n in readable if n != "w" and n not in synapse}
    stmts: dict[str, list[Statement]] = {}
    guards: dict[str, ast.expr] = {}
    for ev, code in bodies.items():
        if code is not None:
            guard, stmts[ev] = parse_body(f"Custom.on_{ev}", code, body_scope, guard_names)
            if guard is not None:
                guards[ev] = guard
    not_in_neuron = ("a trace", "a synapse variable", "a state variable of the presynaptic neuron")
    nscope = Scope(
        {k: v for k, v in readable.items() if k not in ("w", "eta") and v not in not_in_neuron},
        locals_allowed=False,
    )
    odes = [(n, parse_expression(f"Custom.neuron[{n!r}]", rhs, nscope)) for n, (rhs, _) in neuron.items()]
    norm = {
        "type": "rule",
        "params": list(params),
        "traces": [[n, t.side, t.mode] for n, t in traces.items()],
        "synapse": [[n, tau is not None] for n, (_, tau) in synapse.items()],
        "neuron": [[n, canonical(rhs)] for n, (rhs, _) in neuron.items()],
        "bodies": {ev: canonical(c) for ev, c in bodies.items() if c is not None},
        "post_vars": post_vars,
        "pre_vars": pre_vars,
    }
    key = _jit.library_key(repr(norm))
    if key in _built:  # built or loaded earlier in this process
        return Built(_built[key].kind, post_vars, 0.0, pre_vars)
    kind = f"Custom:{key}"

    def source() -> str:  # only on a cache miss: code generation imports sympy
        from ._codegen import RuleDef, rule_source

        return rule_source(
            RuleDef(
                kind=kind,
                params=list(params),
                traces=[
                    (n, 0 if t.side == "pre" else 1, 0 if t.mode == "all_to_all" else 1) for n, t in traces.items()
                ],
                synapse=[(n, tau is not None) for n, (_, tau) in synapse.items()],
                neuron=odes,
                post_vars=post_vars,
                pre_vars=pre_vars,
                bodies=stmts,
                guards=guards,
            )
        )

    path, seconds = _jit.build(key, source)
    _jit.load(path, kind)
    _built[key] = Built(kind, post_vars, seconds, pre_vars)
    return Built(kind, post_vars, seconds, pre_vars)


def rule_lowered(r: Any) -> dict[str, float]:
    """The numbers a compiled rule reads (see csrc/plasticity/custom_rule.hpp for the keys)."""
    parts = _rule_parts(r)
    params = parts["params"]
    out: dict[str, float] = dict(params)
    for n, t in parts["traces"].items():
        out[f"trace:{n}"] = _value(t.tau, params)
    for n, (init, tau) in parts["synapse"].items():
        out[f"syn:{n}"] = init
        out[f"syn_tau:{n}"] = 0.0 if tau is None else _value(tau, params)
    for n, (_, init) in parts["neuron"].items():
        out[f"neuron:{n}"] = init
    for n, delay in parts["neuron_delay"].items():
        out[f"neuron_delay:{n}"] = _value(delay, params)
    return out


# --------------------------------------------------------------------------------------------------------------------
# models

_ODE = re.compile(r"^\s*d\s*([A-Za-z_]\w*)\s*/\s*dt\s*=\s*(.*)$")
_SUB = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(.*)$")
_UNLESS = re.compile(r"\(\s*unless\s+refractory\s*\)\s*$")


@dataclass
class Equation:
    name: str
    rhs: str
    is_ode: bool
    unless_refractory: bool
    line: int
    col: int


def parse_equations(text: Any) -> list[Equation]:
    """Lines ``dX/dt = expression`` (optionally ending in ``(unless refractory)``) and ``name = expression``
    (a subexpression); ``#`` starts a comment."""
    if not isinstance(text, str):
        raise TypeError(f"equations must be a string ('dv/dt = ...' lines), got {type(text).__name__}")
    out = []
    for k, raw in enumerate(text.split("\n"), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        unless = False
        m = _UNLESS.search(line)
        if m:
            unless = True
            line = line[: m.start()].rstrip()
        mo = _ODE.match(line)
        ms = _SUB.match(line)
        if mo:
            name, rhs = mo.group(1), mo.group(2)
            col = mo.start(2)
            is_ode = True
        elif ms:
            name, rhs = ms.group(1), ms.group(2)
            col = ms.start(2)
            is_ode = False
            if unless:
                raise ValueError(f"equations, line {k}: '(unless refractory)' applies to 'dX/dt = ...' lines only")
        else:
            raise ValueError(
                f"equations, line {k}: expected 'dX/dt = expression' or 'name = expression', got {raw.strip()!r}"
            )
        if not rhs.strip():
            raise ValueError(f"equations, line {k}: the right-hand side of {name!r} is empty")
        out.append(Equation(name, rhs, is_ode, unless, k, col))
    return out


def _model_parts(m: Any) -> dict[str, Any]:
    params = _numbers("Custom.params", m.params)
    state = _numbers("Custom.state", m.state)
    if not state:
        raise ValueError("Custom.state must declare at least one state variable, e.g. {'v': -70.0}")
    _unique([(n, "Custom.params") for n in params] + [(n, "Custom.state") for n in state], _RESERVED_MODEL)
    method = check_choice("Custom.method", m.method, ("exact", "exponential_euler", "euler", "rk2", "rk4"))
    if m.precision is None:
        precision = "single" if method in ("exact", "exponential_euler", "euler") else "double"
    else:
        precision = check_choice("Custom.precision", m.precision, ("single", "double"))
    ref = m.refractory
    if ref is None:
        refractory: float | str = 0.0
    elif isinstance(ref, str):
        if ref not in params:
            raise ValueError(f"Custom.refractory names parameter {ref!r}, which is not among {sorted(params)}")
        check_number(f"Custom.refractory (parameter {ref!r})", params[ref], 0.0)
        refractory = ref
    else:
        refractory = check_number("Custom.refractory", ref, 0.0)
    if not isinstance(m.receptors, dict):
        raise TypeError(f"Custom.receptors must be a dict like {{'exc': 'g_ex += w'}}, got {m.receptors!r}")
    receptors: dict[str, tuple[str, float | str]] = {}
    for rec, code in m.receptors.items():
        check_choice("Custom.receptors key", rec, ("exc", "inh"))
        receptors[rec] = _receptor(rec, code, state, params)
    return {"params": params, "state": state, "method": method, "precision": precision, "refractory": refractory,
            "receptors": receptors}


def _receptor(rec: str, code: Any, state: dict[str, float], params: dict[str, float]) -> tuple[str, float | str]:
    """'x += w', 'x -= w', 'x += k * w' (k a number or a parameter): (x, sign)."""
    what = f"Custom.receptors[{rec!r}]"
    form = f"{what} must be 'x += w', 'x -= w' or 'x += k * w' with x a state variable and k a number or parameter"
    if not isinstance(code, str):
        raise TypeError(f"{form}, got {code!r}")
    try:
        tree = ast.parse(code.strip())
    except SyntaxError:
        raise ValueError(f"{form}, got {code!r}") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.AugAssign):
        raise ValueError(f"{form}, got {code!r}")
    st = tree.body[0]
    if not isinstance(st.target, ast.Name) or st.target.id not in state:
        raise ValueError(f"{form} (state variables: {sorted(state)}), got {code!r}")
    if not isinstance(st.op, (ast.Add, ast.Sub)):
        raise ValueError(f"{form}, got {code!r}")
    neg = isinstance(st.op, ast.Sub)
    v = st.value
    factor: float | str
    if isinstance(v, ast.Name) and v.id == "w":
        factor = 1.0
    elif isinstance(v, ast.BinOp) and isinstance(v.op, ast.Mult):
        a, b = (v.left, v.right) if isinstance(v.right, ast.Name) and v.right.id == "w" else (v.right, v.left)
        if not (isinstance(b, ast.Name) and b.id == "w"):
            raise ValueError(f"{form}, got {code!r}")
        if isinstance(a, ast.Constant) and isinstance(a.value, (int, float)) and not isinstance(a.value, bool):
            factor = float(a.value)
        elif isinstance(a, ast.Name) and a.id in params:
            factor = a.id
        else:
            raise ValueError(f"{form}, got {code!r}")
    else:
        raise ValueError(f"{form}, got {code!r}")
    if neg:
        factor = -float(factor) if not isinstance(factor, str) else "-" + factor
    return st.target.id, factor


def model_definition(m: Any) -> Built:
    """Validate a :class:`pyneuro.models.Custom`, then build (or find) and load its library."""
    parts = _model_parts(m)
    params, state, method = parts["params"], parts["state"], parts["method"]
    eqs = parse_equations(m.equations)
    odes: dict[str, Equation] = {}
    subs: dict[str, Equation] = {}
    assigns: list[Equation] = []
    for e in eqs:
        if e.is_ode:
            if e.name not in state:
                raise ValueError(
                    f"equations, line {e.line}: d{e.name}/dt for {e.name!r}, which is not a state variable "
                    f"({', '.join(state)})"
                )
            if e.name in odes:
                raise ValueError(f"equations, line {e.line}: a second equation for d{e.name}/dt")
            odes[e.name] = e
        elif e.name in state:
            assigns.append(e)  # x = expression for a state variable: set every step, before the threshold
        else:
            check_identifier(f"equations, line {e.line}: subexpression name", e.name)
            if e.name in params or e.name in _RESERVED_MODEL or e.name in subs:
                raise ValueError(
                    f"equations, line {e.line}: {e.name!r} is already a "
                    + ("state variable" if e.name in state else "parameter" if e.name in params else "name")
                    + "; a subexpression needs a new name"
                )
            subs[e.name] = e
    if not odes and not assigns:
        raise ValueError("equations must hold at least one 'dX/dt = ...' line")
    readable = {**_RESERVED_MODEL, **{n: "a parameter" for n in params}, **{n: "a state variable" for n in state}}
    sub_scope = Scope({**readable, **{n: "a subexpression" for n in subs}}, locals_allowed=False)
    parsed_sub = {
        n: parse_expression("equations", e.rhs, sub_scope, line=e.line - 1, col=e.col) for n, e in subs.items()
    }
    parsed_ode = {
        n: parse_expression("equations", e.rhs, sub_scope, line=e.line - 1, col=e.col) for n, e in odes.items()
    }
    plain_scope = Scope(readable, locals_allowed=False)
    parsed_assign = [
        (e.name, parse_expression("equations", e.rhs, plain_scope, line=e.line - 1, col=e.col)) for e in assigns
    ]
    order: list[str] = []
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in order:
            return
        if n in visiting:
            raise ValueError(f"equations: the subexpressions depend on each other in a cycle through {n!r}")
        visiting.add(n)
        for dep in names_in(parsed_sub[n]):
            if dep in subs:
                visit(dep)
        visiting.discard(n)
        order.append(n)

    for n in subs:
        visit(n)
    plain = Scope(readable, locals_allowed=False)
    threshold = None
    if m.threshold is not None:
        threshold = parse_expression("Custom.threshold", m.threshold, plain)
    reset: list[Statement] = []
    if m.reset is not None:
        reset = parse_statements("Custom.reset", m.reset, Scope(readable, writable=set(state), locals_allowed=True))
    norm = {
        "type": "model",
        "params": list(params),
        "state": list(state),
        "odes": [[n, canonical(e.rhs), e.unless_refractory] for n, e in odes.items()],
        "subexpr": [[n, canonical(subs[n].rhs)] for n in order],
        "assign": [[e.name, canonical(e.rhs)] for e in assigns],
        "threshold": None if m.threshold is None else canonical(m.threshold),
        "reset": None if m.reset is None else canonical(m.reset),
        "receptors": {k: v for k, (v, _) in parts["receptors"].items()},
        "method": method,
        "precision": parts["precision"],
    }
    key = _jit.library_key(repr(norm))
    if key in _built:  # built or loaded earlier in this process
        return Built(_built[key].kind, _built[key].post_vars, 0.0)
    kind = f"Custom:{key}"

    def source() -> str:  # only on a cache miss: code generation imports sympy
        from ._codegen import ModelDef, model_source

        return model_source(
            ModelDef(
                kind=kind,
                params=list(params),
                state=list(state),
                odes=parsed_ode,
                unless_refractory={n for n, e in odes.items() if e.unless_refractory},
                subexpr=[(n, parsed_sub[n]) for n in order],
                assign=parsed_assign,
                threshold=threshold,
                reset=reset,
                receptors={k: v for k, (v, _) in parts["receptors"].items()},
                method=method,
                precision="float" if parts["precision"] == "single" else "double",
            )
        )

    path, seconds = _jit.build(key, source)
    _jit.load(path, kind)
    _built[key] = Built(kind, [], seconds)
    return Built(kind, [], seconds)


def model_lowered(m: Any) -> dict[str, float]:
    """The numbers a compiled model reads (see csrc/neurons/custom_model.hpp for the keys)."""
    parts = _model_parts(m)
    params = parts["params"]
    out: dict[str, float] = dict(params)
    for n, v in parts["state"].items():
        out[f"init:{n}"] = v
    out["refractory"] = _value(parts["refractory"], params)
    for rec, (_, factor) in parts["receptors"].items():
        if isinstance(factor, str):
            out[f"sign:{rec}"] = -params[factor[1:]] if factor.startswith("-") else params[factor]
        else:
            out[f"sign:{rec}"] = factor
    return out
