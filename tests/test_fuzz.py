"""Constructor fuzzing: generated arguments for every public class give a clean ValueError/TypeError or a correct
run, never a crash or a hang.

Arguments are drawn by hypothesis for each class's parameters, mixing the default, plausible values, edge values
(0, -0.0, denormals, 1e300, NaN, infinities, 2**32, 2**70, numpy scalars) and wrong types; objects nest (a Uniform
as a weight, a schedule in a rule, connection rules in Neurogenesis). Every case runs in a worker process
(tests/sandbox.py), so a segfault or an abort of the compiled core fails the test naming the case; what a case
checks is in tests/fuzz_scenarios.py. Each test also asserts that its generator produced both refusals and accepted,
checked runs.

Bounded for CI: ``FUZZ_EXAMPLES`` examples per test (default 40), derandomized (the same cases every run), so the
suite is 9 tests x 40 + 1 x 20 = 380 cases (each a construction and, when accepted, a checked run), plus 2 x 10
cases of generated code for user-defined rules and models, and the completeness check.
Set ``PYNEURO_FUZZ_EXAMPLES=2000 PYNEURO_FUZZ_RANDOM=1`` for a long, random session.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import math
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox import Sandbox

from pyneuro import connectivity, models, plasticity, schedule, structural

FUZZ_EXAMPLES = int(os.environ.get("PYNEURO_FUZZ_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("PYNEURO_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
SMALL = settings(SETTINGS, max_examples=max(1, FUZZ_EXAMPLES // 2))


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(timeout=120.0)
    yield box
    box.close()


# -- value strategies --------------------------------------------------------------------------------------------
EDGE = st.sampled_from(
    [
        0,
        0.0,
        -0.0,
        -1,
        -1.0,
        1e-300,
        -1e-300,
        5e-324,
        1e300,
        -1e300,
        3.5e38,
        1e30,
        -1e30,
        1e-30,
        65536,
        4294967295,
        math.nan,
        math.inf,
        -math.inf,
        2**31,
        2**32,
        2**63,
        2**70,
        -(2**70),
        np.float32(np.nan),
        np.int64(3),
        np.float64(2.5),
        np.float32(0.25),
    ]
)
WRONG = st.sampled_from([None, "1.0", "", True, False, [1.0], [], {"a": 1}, b"x", (1, 2)])
CHOICES = st.sampled_from(
    ["all_to_all", "nearest", "additive", "multiplicative", "power_law", "post", "pre", "clip", "redraw", "exc", "inh"]
)


def number_near(default: float) -> st.SearchStrategy[Any]:
    scale = abs(float(default)) * 4 + 10
    return st.one_of(
        st.just(default),
        st.floats(-scale, scale, allow_nan=False),
        st.floats(0, scale, allow_nan=False),
        st.integers(-3, 50),
        EDGE,
        WRONG,
    )


def value_for(name: str, default: Any) -> st.SearchStrategy[Any]:
    """A strategy for a parameter, from its name and default."""
    if name in ("weight", "delay"):
        return st.one_of(number_near(1.0), distribution(), st.none() if name == "delay" else number_near(1.0))
    if name in ("schedule", "tonic"):
        return st.one_of(st.none() if name == "schedule" else number_near(0.01), number_near(1.0), schedule_desc())
    if name == "metaplasticity":
        return st.one_of(st.none(), obj_desc(plasticity.Metaplasticity, depth=1), WRONG)
    if name == "modulator":
        return st.one_of(st.none(), st.just("mod"), st.just("pre"), st.just("nope"), WRONG)
    if name in ("times", "values"):
        return st.one_of(st.lists(number_near(1.0), max_size=5), number_near(1.0), WRONG, st.just([[1.0, 2.0]]))
    if name in ("indices", "pre", "post"):
        return st.one_of(
            st.lists(st.integers(-2, 12), max_size=6),
            st.lists(number_near(1.0), max_size=3),
            st.just([[0, 1], [1, 0]]),
            number_near(1),
            WRONG,
        )
    if name == "rate" and default == 10.0:  # PoissonSource: a rate or one per neuron
        return st.one_of(number_near(10.0), st.lists(number_near(10.0), min_size=1, max_size=6), st.just(2e4))
    if name == "more":
        return st.one_of(st.lists(st.lists(number_near(1.0), max_size=4), max_size=3), WRONG)
    if name == "connect":
        return st.one_of(st.just(()), st.lists(neuro_item(), max_size=2), WRONG)
    if name == "maturation":
        return st.one_of(st.none(), st.tuples(number_near(1.0), number_near(100.0)), WRONG)
    if name == "position_box":
        return st.one_of(st.none(), st.just([[0.0], [1.0]]), st.just([[1.0], [0.0]]), WRONG)
    if isinstance(default, bool):
        return st.one_of(st.booleans(), st.integers(0, 1), WRONG)
    if isinstance(default, str):
        return st.one_of(st.just(default), CHOICES, st.text(max_size=4), WRONG)
    if isinstance(default, int):
        return st.one_of(
            st.just(default), st.integers(-3, 200), st.sampled_from([2**31 - 1, 2**32, 2**40]), EDGE, WRONG
        )
    if isinstance(default, float) or default is None:
        return number_near(1.0 if default is None or not math.isfinite(default) else default)
    return st.one_of(st.just(default), EDGE, WRONG)


def plausible(name: str, default: Any) -> st.SearchStrategy[Any]:
    """Values that a careful user might give: the default's sign and scale, the documented choices, sensible
    objects. Most are valid; relations between parameters (V_reset < V_th, w_min < w_max) may still fail."""
    if name in ("weight", "delay"):
        return st.one_of(st.floats(0.1, 3.0), st.just(None) if name == "delay" else st.floats(0.0, 2.0))
    if name in ("low", "high", "mean"):  # Uniform, Normal
        return st.floats(0.0, 3.0)
    if name == "std":
        return st.floats(0.0, 1.0)
    if name in ("schedule", "metaplasticity", "modulator", "maturation", "position_box"):
        return st.just(default)
    if name == "tonic":
        return st.floats(0.0, 0.1)
    if name in ("times", "values"):
        return st.lists(st.floats(0.0, 10.0), max_size=5)
    if name in ("indices", "pre", "post"):
        return st.lists(st.integers(0, 3), max_size=6)
    if name == "connect":
        return st.just(())
    if name == "more":
        return st.just([])
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, str):
        return st.one_of(st.just(default), CHOICES)
    if isinstance(default, int):
        return st.integers(max(0, default // 2), default * 2 + 3)
    if isinstance(default, float) and math.isfinite(default):
        if default == 0.0:
            return st.floats(0.0, 1.0)
        return st.floats(min(default * 0.5, default * 2.0), max(default * 0.5, default * 2.0))
    return st.just(default)


def params_of(cls: type) -> dict[str, Any]:
    """Keyword parameters and their defaults (None for required ones)."""
    out = {}
    for p in inspect.signature(cls).parameters.values():
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            d = p.default
            if d is p.empty:
                d = None
            elif isinstance(d, (list, tuple, np.ndarray)) or callable(d):
                d = None
            out[p.name] = d
    if dataclasses.is_dataclass(cls):
        for f in dataclasses.fields(cls):
            if f.name in out and f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                out[f.name] = None
    return out


def kwargs_for(cls: type, required: tuple[str, ...] = (), depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A third each: plausible values only (mostly accepted: the runs are checked), plausible values and one
    anything-goes value (mostly refused, naming it), anything for every given parameter."""
    ps = params_of(cls)
    if depth > 0:  # nested objects: no further nesting
        ps = {k: v for k, v in ps.items() if k not in ("schedule", "metaplasticity", "tonic", "connect")}

    def dicts(value: Callable[[str, Any], st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
        opt = {k: value(k, v) for k, v in ps.items() if k not in required}
        req = {k: value(k, ps[k]) for k in required if k in ps}
        return st.fixed_dictionaries(req, optional=opt)

    good = dicts(plausible)
    if not ps:
        return good
    one_bad = st.tuples(good, st.sampled_from(sorted(ps))).flatmap(
        lambda gk: value_for(gk[1], ps[gk[1]]).map(lambda v: {**gk[0], gk[1]: v})
    )
    return st.one_of(good, one_bad, dicts(value_for))


def obj_desc(cls: type, depth: int = 0, required: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    mod = {
        models: "models",
        plasticity: "plasticity",
        schedule: "schedule",
        connectivity: "conn",
        structural: "structural",
    }
    name = next(v for k, v in mod.items() if getattr(k, cls.__name__, None) is cls)
    return kwargs_for(cls, required, depth).map(lambda kw: ("__obj__", f"{name}.{cls.__name__}", kw))


def distribution() -> st.SearchStrategy[Any]:
    return st.one_of(
        obj_desc(connectivity.Uniform, 1, required=("low", "high")),
        obj_desc(connectivity.Normal, 1, required=("mean", "std")),
    )


def sound_distribution() -> st.SearchStrategy[Any]:
    """Distributions that fit both a weight and a delay (values >= 0.1): most cases run."""
    lo, width = st.floats(0.1, 3.0), st.floats(0.0, 2.0)
    uniform = st.tuples(lo, width).map(lambda a: ("__obj__", "conn.Uniform", {"low": a[0], "high": a[0] + a[1]}))
    normal = st.tuples(st.floats(0.0, 3.0), st.floats(0.0, 1.5), lo, st.one_of(width, st.just(math.inf)), CHOICES).map(
        lambda a: (
            "__obj__",
            "conn.Normal",
            {
                "mean": a[0],
                "std": a[1],
                "low": a[2],
                "high": a[2] + a[3],
                "truncation": a[4] if a[4] in ("clip", "redraw") else "clip",
            },
        )
    )
    return st.one_of(uniform, normal)


def schedule_desc() -> st.SearchStrategy[Any]:
    return st.sampled_from(SCHEDULES).flatmap(lambda c: obj_desc(c, 1))


def conn_desc() -> st.SearchStrategy[Any]:
    return st.sampled_from(CONN_RULES).flatmap(
        lambda c: obj_desc(c, 1, required=("pre", "post") if c is connectivity.FromArrays else ())
    )


def neuro_item() -> st.SearchStrategy[Any]:
    return st.tuples(
        st.sampled_from(["sd", "nope"]),
        st.sampled_from(["in", "out", "x"]),
        conn_desc(),
        number_near(1.0),
        number_near(1.0),
    )


def public_classes(mod: Any, base: type) -> list[type]:
    return [
        c
        for c in (getattr(mod, n) for n in mod.__all__)
        if inspect.isclass(c) and issubclass(c, base) and c is not base and not inspect.isabstract(c)
    ]


#: user-defined models and rules compile a definition (seconds per case): fuzzed apart, with few cases
CUSTOM = [c for c in (getattr(models, "Custom", None), getattr(plasticity, "Custom", None)) if c is not None]
MODELS = [c for c in public_classes(models, models.NeuronModel) if c not in CUSTOM]
RULES = [
    c
    for c in public_classes(plasticity, plasticity.PlasticityRule)
    if c is not plasticity.NeuronRule and c not in CUSTOM
]
SCHEDULES = public_classes(schedule, schedule.Schedule)
CONN_RULES = public_classes(connectivity, connectivity.ConnectionRule)
DISTRIBUTIONS = [connectivity.Uniform, connectivity.Normal]
STRUCTURAL = public_classes(structural, structural.StructuralRule)
META = [plasticity.Metaplasticity]
#: classes the fuzz tests below cover, by the test that covers them
COVERED = {
    "models": MODELS,
    "rules": RULES,
    "metaplasticity": META,
    "schedules": SCHEDULES,
    "conn": CONN_RULES,
    "distributions": DISTRIBUTIONS,
    "structural": STRUCTURAL,
    "custom": CUSTOM,
}


def test_every_public_class_is_fuzzed():
    """Every public class of models, plasticity, schedule, conn and structural is in a fuzz test (a class added
    later is picked up by the tests automatically, or fails this test)."""
    covered = {c for cs in COVERED.values() for c in cs}
    for mod, bases in (
        (models, (models.NeuronModel,)),
        (plasticity, (plasticity.PlasticityRule, plasticity.Metaplasticity)),
        (schedule, (schedule.Schedule,)),
        (connectivity, (connectivity.ConnectionRule, connectivity.Uniform, connectivity.Normal)),
        (structural, (structural.StructuralRule,)),
    ):
        for name in mod.__all__:
            c = getattr(mod, name)
            abstract = c in (models.NeuronModel, plasticity.PlasticityRule, plasticity.NeuronRule, schedule.Schedule,
                             connectivity.ConnectionRule, structural.StructuralRule)  # fmt: skip
            if inspect.isclass(c) and issubclass(c, bases) and not abstract:
                assert c in covered, f"{mod.__name__}.{name} is not fuzzed"
    assert len(covered) >= 30


def _run(sandbox: Sandbox, draw_case: st.SearchStrategy[Any], scenario: str, cfg: settings = SETTINGS) -> Counter[str]:
    stats: Counter[str] = Counter()

    @cfg
    @given(draw_case)
    def one(args: tuple[Any, ...]) -> None:
        out = sandbox.call(scenario, *args)
        stats[out.split(":")[0]] += 1

    one()
    print(f"{scenario}: {dict(stats)}")
    return stats


def _both(stats: Counter[str]) -> None:
    """The generator must reach both outcomes, or the test checks only one side."""
    assert stats["refused"] > 0 and stats["ran"] > 0, stats


THREADS = st.sampled_from([1, 2])


# -- the tests ---------------------------------------------------------------------------------------------------
@pytest.mark.skipif(
    not CUSTOM or importlib.util.find_spec("pyneuro._custom") is None,
    reason="user-defined models and rules (pyneuro._custom) are not in this build",
)
def test_fuzz_custom_definitions(sandbox):
    """Custom models and rules: generated arguments (wrong types, empty or odd definitions) are refused cleanly or
    run; no crash. Few cases, since an accepted definition compiles."""
    model = st.sampled_from([c for c in CUSTOM if issubclass(c, models.NeuronModel)] or CUSTOM).flatmap(
        lambda c: st.tuples(st.just(c.__name__), kwargs_for(c), st.just(3), THREADS)
    )
    rule = st.sampled_from([c for c in CUSTOM if issubclass(c, plasticity.PlasticityRule)] or CUSTOM).flatmap(
        lambda c: st.tuples(obj_desc(c), THREADS)
    )
    cfg = settings(SETTINGS, max_examples=max(1, FUZZ_EXAMPLES // 4))
    stats = _run(sandbox, model, "model_case", cfg) + _run(sandbox, rule, "rule_case", cfg)
    assert sum(stats.values()) > 0


def test_fuzz_neuron_models(sandbox):
    size = st.one_of(st.integers(-1, 12), st.sampled_from([0, 2**31, 2.5, "3", None]))
    case = st.sampled_from(MODELS).flatmap(lambda c: st.tuples(st.just(c.__name__), kwargs_for(c), size, THREADS))
    _both(_run(sandbox, case, "model_case"))


def test_fuzz_plasticity_rules(sandbox):
    case = st.tuples(st.sampled_from(RULES).flatmap(lambda c: obj_desc(c)), THREADS)
    _both(_run(sandbox, case, "rule_case"))


def test_fuzz_metaplasticity(sandbox):
    meta = obj_desc(plasticity.Metaplasticity, 1)
    case = st.tuples(meta.map(lambda m: ("__obj__", "plasticity.STDP", {"w_max": 2.0, "metaplasticity": m})), THREADS)
    _both(_run(sandbox, case, "rule_case", SMALL))


def test_fuzz_schedules(sandbox):
    case = st.tuples(schedule_desc(), THREADS)
    _both(_run(sandbox, case, "schedule_case"))


def test_fuzz_connection_rules(sandbox):
    case = st.tuples(
        conn_desc(),
        st.integers(1, 12),
        st.integers(1, 12),
        st.booleans(),
        st.one_of(st.just(1.0), number_near(1.0)),
        st.one_of(st.none(), st.just(1.0), number_near(1.0)),
        THREADS,
    )
    _both(_run(sandbox, case, "conn_case"))


def test_fuzz_value_distributions(sandbox):
    rule = st.sampled_from(
        [
            ("__obj__", "conn.AllToAll", {}),
            ("__obj__", "conn.FixedProbability", {"p": 0.5}),
            ("__obj__", "conn.FixedInDegree", {"n": 3}),
        ]
    )
    case = st.tuples(
        rule,
        st.integers(1, 8),
        st.integers(1, 8),
        st.booleans(),
        st.one_of(sound_distribution(), distribution(), st.just(1.0)),
        st.one_of(sound_distribution(), distribution(), st.none()),
        THREADS,
    )
    _both(_run(sandbox, case, "conn_case"))


def test_fuzz_structural_rules(sandbox):
    case = st.tuples(st.sampled_from(STRUCTURAL).flatmap(lambda c: obj_desc(c)), THREADS, st.sampled_from([5.0, 30.0]))
    _both(_run(sandbox, case, "structural_case"))


MONITOR_KW: dict[str, Callable[[], st.SearchStrategy[dict[str, Any]]]] = {
    "spikes": lambda: st.fixed_dictionaries({}, optional={"indices": value_for("indices", None)}),
    "state": lambda: st.fixed_dictionaries(
        {"var": st.one_of(st.sampled_from(["v", "I_ex", "theta", "g_ex", "x"]), WRONG)},
        optional={"indices": value_for("indices", None), "every": number_near(0.1)},
    ),
    "rate": lambda: st.fixed_dictionaries({}, optional={"bin": number_near(1.0)}),
    "weights": lambda: st.fixed_dictionaries(
        {}, optional={"indices": value_for("indices", None), "every": number_near(1.0)}
    ),
    "structure": lambda: st.fixed_dictionaries({}, optional={"every": number_near(1.0)}),
}


def test_fuzz_monitor_arguments(sandbox):
    case = st.sampled_from(sorted(MONITOR_KW)).flatmap(lambda w: st.tuples(st.just(w), MONITOR_KW[w](), THREADS))
    _both(_run(sandbox, case, "monitor_case"))


def test_fuzz_network_arguments(sandbox):
    kw = st.fixed_dictionaries(
        {},
        optional={
            "dt": number_near(0.1),
            "seed": st.one_of(st.integers(-5, 2**64 + 5), EDGE, WRONG),
            "threads": st.one_of(st.integers(-2, 4), st.sampled_from([1025, 2**70, 1.0, "2"]), WRONG),
            "max_rate": number_near(1000.0),
            "nope": st.just(1),
        },
    )
    _both(_run(sandbox, st.tuples(kw), "network_case"))


def _selection(kind: str) -> st.SearchStrategy[Any]:
    ids = st.one_of(st.lists(st.integers(-1, 9), max_size=4), st.just([[0, 1]]), number_near(1))
    if kind == "pop":
        region = st.one_of(
            st.fixed_dictionaries({"center": st.lists(number_near(0.5), max_size=2), "radius": number_near(0.2)}),
            st.fixed_dictionaries({"box": st.just([[0.0], [0.5]])}),
            st.just({"cube": 1}),
        )
        sel = st.one_of(ids, st.floats(-0.5, 1.5), EDGE, region, WRONG)
        return st.tuples(st.just("pop"), st.sampled_from(["src", "dst"]), sel) | st.tuples(
            st.just("pop"), st.sampled_from(["src"])
        )
    mask = st.lists(st.booleans(), min_size=48, max_size=48)
    sel = st.one_of(ids, mask, st.sampled_from(["predicate", "bad_predicate"]), WRONG)
    return st.tuples(st.just("proj"), st.just("sd"), sel)


def test_fuzz_lesion_arguments(sandbox):
    neurons = st.one_of(st.none(), _selection("pop"), st.lists(_selection("pop"), max_size=2), WRONG)
    synapses = st.one_of(st.none(), _selection("proj"), st.lists(_selection("proj"), max_size=2), WRONG)
    at = st.one_of(st.none(), number_near(2.0), st.just(0.5))
    remove = st.one_of(st.booleans(), WRONG)
    _both(_run(sandbox, st.tuples(neurons, synapses, at, remove, THREADS), "lesion_case"))


# -- user-defined code: generated statements and equations --------------------------------------------------------
_RULE_NAMES = ["w", "a", "b", "x_pre", "x_post", "t", "dt", "eta", "v_post", "u", "v_pre", "foo", "__import__"]
_NUMBERS = ["0", "1", "0.5", "-2", "1e308", "1e-320", "1e400", "nan", "inf", "2**70", "0x10", "1_0", "1.e3"]
_FUNCS = ["exp", "log", "sqrt", "abs", "min", "max", "clip", "pow", "sin", "open", "exp10"]
_BINOPS = ["+", "-", "*", "/", "**", "%", "//", "<", ">=", "==", " and ", " or ", "&", "@"]
_JUNK = ["(", ")", ";", ":", "[", "'", "\\", "\x00", "\u2192", "#", "lambda: 1", "import os", "\n  ", "if w:", "="]


def _expr(names: list[str]) -> st.SearchStrategy[str]:
    atom = st.one_of(st.sampled_from(names), st.sampled_from(_NUMBERS))
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(_BINOPS), inner).map(lambda x: f"{x[0]} {x[1]} {x[2]}"),
            st.tuples(st.sampled_from(_FUNCS), st.lists(inner, min_size=0, max_size=3)).map(
                lambda x: f"{x[0]}({', '.join(x[1])})"
            ),
            inner.map(lambda e: f"-({e})"),
            st.tuples(inner, inner, inner).map(lambda x: f"{x[0]} if {x[1]} else {x[2]}"),
        ),
        max_leaves=6,
    )


def _statements(names: list[str], targets: list[str]) -> st.SearchStrategy[str]:
    stmt = st.one_of(
        st.tuples(st.sampled_from(targets), st.sampled_from(["=", "+=", "-=", "*="]), _expr(names)).map(
            lambda x: f"{x[0]} {x[1]} {x[2]}"
        ),
        st.tuples(_expr(names), st.sampled_from(_JUNK), _expr(names)).map(lambda x: f"w = {x[0]}{x[1]}{x[2]}"),
    )
    return st.lists(stmt, min_size=1, max_size=3).map("\n".join)


_PARAM_VALUE = st.one_of(
    st.sampled_from([0.01, -0.5, 1.0, 20.0]),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 2**70, True, None, "1", [1.0], np.float32(0.5)]),
)


def _sound_expr(names: list[str]) -> st.SearchStrategy[str]:
    """Expressions in the language over readable names (mostly accepted: their runs are checked)."""
    atom = st.one_of(st.sampled_from(names), st.sampled_from(["0", "1", "0.5", "-2", "1e-3"]))
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda x: f"({x[0]} {x[1]} {x[2]})"),
            st.tuples(st.sampled_from(["exp", "abs", "sqrt"]), inner).map(lambda x: f"{x[0]}({x[1]})"),
            st.tuples(inner, inner).map(lambda x: f"max({x[0]}, {x[1]})"),
        ),
        max_leaves=4,
    )


def sound_custom_rule_kwargs() -> st.SearchStrategy[dict[str, Any]]:
    names = ["w", "a", "x_pre", "x_post", "t", "dt", "eta"]
    code = _sound_expr(names).map(lambda e: f"w = clip(w + a * {e}, 0, 5)")
    return st.fixed_dictionaries(
        {
            "params": st.fixed_dictionaries({"a": st.sampled_from([0.01, -0.5, 1e30, 0.0])}),
            "traces": st.just({"x_pre": ("pre", 20.0), "x_post": ("post", 10.0)}),
            "on_pre": code,
        },
        optional={"on_post": code},
    )


def custom_rule_kwargs() -> st.SearchStrategy[dict[str, Any]]:
    params = st.dictionaries(st.sampled_from(["a", "b", "tau", "w", "t", "1x", "a b"]), _PARAM_VALUE, max_size=3)
    traces = st.dictionaries(
        st.sampled_from(["x_pre", "x_post", "a"]),
        st.tuples(st.sampled_from(["pre", "post", "both"]), st.sampled_from([20.0, "tau", 0.0, -1.0, math.nan, 1e300])),
        max_size=2,
    )
    code = _statements(_RULE_NAMES, ["w", "w", "x_pre", "t", "u", "a"])
    interval = st.sampled_from([None, 1.0, 0.05, 2.0**52 * 0.1, 1e300, math.nan, -1.0, "2"])
    return st.fixed_dictionaries(
        {"params": params, "traces": traces},
        optional={"on_pre": code, "on_post": code, "on_tick": code, "interval": interval},
    )


def custom_model_kwargs() -> st.SearchStrategy[dict[str, Any]]:
    names = ["v", "I", "tau", "E_L", "V_th", "t", "u", "foo"]
    params = st.dictionaries(st.sampled_from(["tau", "E_L", "V_th", "v", "2x"]), _PARAM_VALUE, max_size=3).map(
        lambda d: {"tau": 10.0, "E_L": -70.0, "V_th": -55.0, **d}
    )
    state = st.dictionaries(st.sampled_from(["v", "I", "w"]), _PARAM_VALUE, min_size=1, max_size=2)
    eq_line = st.one_of(
        st.tuples(st.sampled_from(["v", "I", "q"]), _expr(names)).map(lambda x: f"d{x[0]}/dt = {x[1]}"),
        st.just("dv/dt = -(v - E_L) / tau"),
        _expr(names).map(lambda e: f"v = {e}"),
    )
    equations = st.lists(eq_line, min_size=1, max_size=2).map("\n".join)
    return st.fixed_dictionaries(
        {"params": params, "state": state, "equations": equations},
        optional={
            "threshold": _expr(names).map(lambda e: f"v >= {e}"),
            "reset": st.sampled_from(["v = E_L", "v = foo", "v += 1; I = 0", "v = (", "E_L = 1"]),
            "refractory": st.sampled_from([2.0, "tau", -1.0, math.nan, "nope"]),
            "receptors": st.sampled_from([{"exc": "I += w"}, {"exc": "v += w"}, {"exc": "I = w"}, {"zz": "I += w"}]),
            "method": st.sampled_from(["exact", "euler", "rk4", "exponential_euler", "magic"]),
        },
    )


CUSTOM_EXAMPLES = max(1, FUZZ_EXAMPLES // 4)


@pytest.mark.skipif(
    not CUSTOM or importlib.util.find_spec("pyneuro._custom") is None,
    reason="user-defined models and rules (pyneuro._custom) are not in this build",
)
def test_fuzz_custom_code(sandbox):
    """User-defined rules and models with generated code (bad expressions, unknown names, junk characters, NaN and
    huge parameters, intervals beyond the clock): a ValueError/TypeError naming the argument, or a checked run;
    never a compiler error, crash or hang. A quarter of the usual number of cases (an accepted definition compiles)."""
    cfg = settings(SETTINGS, max_examples=CUSTOM_EXAMPLES)
    rule_kw = st.one_of(custom_rule_kwargs(), sound_custom_rule_kwargs())
    rules = _run(sandbox, st.tuples(rule_kw, THREADS), "custom_rule_code_case", cfg)
    models_ = _run(sandbox, st.tuples(custom_model_kwargs(), THREADS), "custom_model_code_case", cfg)
    _both(rules)
    _both(models_)
    print("custom code cases:", dict(rules), dict(models_))
