"""Unbounded work is refused or bounded: structural rules ask only for what a projection can hold, a sweep counts
its runs before it expands a grid, and an unreachable scheduler is reported in one line, quickly.

Cases that used to hang or fill the memory run in a subprocess with a time and an address-space limit, so that a
regression fails the test instead of the machine."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pytest

import pyneuro as pn
import pyneuro.sweep  # noqa: F401  (pn.sweep)
from pyneuro._sweep_spec import MAX_RUNS, expand_params, load_spec

S = pn.structural


def isolated(body: str, timeout: float = 60.0, mem_gb: float = 3.0) -> subprocess.CompletedProcess[str]:
    """Run ``body`` in a fresh interpreter limited to ``mem_gb`` GB of address space and ``timeout`` seconds."""
    limit = (
        ""
        if os.environ.get("PYNEURO_SANITIZE")
        else f"resource.setrlimit(resource.RLIMIT_AS, ({int(mem_gb * 2**30)}, -1))\n"
    )
    code = "import resource\n" + limit + textwrap.dedent(body)
    try:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              cwd=tempfile.gettempdir())  # not the source tree (its uncompiled package)
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {timeout} s (hang)")


def _net(n_pre=100, n_post=100, threads=2, recurrent=False):
    net = pn.Network(dt=0.1, seed=3, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=1.0), n_pre, name="src")
    dst = src if recurrent else net.add_population(pn.models.LIF(), n_post, name="dst")
    proj = net.connect(src, dst, pn.conn.FixedProbability(0.05), weight=1.0, delay=1.0, name="p")
    return net, proj


# -- structural rules ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,name",
    [
        (lambda: S.Growth(rate=1e300), "Growth.rate"),
        (lambda: S.Growth(rate=1e12, interval=10.0), "Growth.rate"),
        (lambda: S.Sprouting(rate=1e300), "Sprouting.rate"),
        (lambda: S.HomeostaticGrowth(growth_rate=1e300), "HomeostaticGrowth.growth_rate"),
        (lambda: S.Neurogenesis(rate=1e300), "Neurogenesis.rate"),
        (lambda: S.Growth(max_multapses=0), "Growth.max_multapses"),
    ],
    ids=["Growth-1e300", "Growth-1e12", "Sprouting-1e300", "HomeostaticGrowth-1e300", "Neurogenesis-1e300", "mult0"],
)
def test_rates_that_cannot_be_drawn_are_refused(make, name):
    """A mean count per interval beyond 2^32 - 1 cannot be drawn. (Before: Growth(rate=1e300) was accepted and,
    its Poisson draw overflowing, created nothing; Sprouting likewise; HomeostaticGrowth grew elements without
    bound.)"""
    with pytest.raises(ValueError, match=name):
        make()


def test_growth_rate_beyond_what_a_neuron_can_hold_is_refused_at_once():
    """Growth(rate=1e9, allow_multapses=True, interval=1.0) asks for 10^6 synapses per neuron per millisecond, more
    than a neuron of a 100 x 100 projection can hold (100 partners x max_multapses = 100): a ValueError naming the
    rate and the room, before anything changes. (Before: multapses were unbounded and the run never returned, the
    projection growing by 10^8 synapses per simulated ms.)"""
    r = isolated(
        """
        import pyneuro as pn
        net = pn.Network(threads=2)
        a = net.add_population(pn.models.PoissonSource(rate=1.0), 100)
        b = net.add_population(pn.models.LIF(), 100)
        pr = net.connect(a, b, pn.conn.FixedProbability(0.1))
        n0 = pr.size
        try:
            net.add_structural(pr, pn.structural.Growth(rate=1e9, allow_multapses=True, interval=1.0))
            net.run(5.0)
            print("accepted", pr.size)
        except ValueError as e:
            assert pr.structural == [] and pr.size == n0
            print("refused", e)
        """
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("refused"), r.stdout
    assert "Growth.rate" in r.stdout and "can hold (100 eligible partners x 100 synapse(s) each = 10000)" in r.stdout


def test_room_checks_count_eligible_partners():
    """Without multapses a post neuron can hold one synapse per eligible partner; on a recurrent projection without
    self connections that is n - 1. The bound is the mean per interval: rate x interval (ms, whole steps) x 1e-3."""
    net, proj = _net(n_pre=40, recurrent=True)
    with pytest.raises(ValueError, match=r"39 eligible partners x 1 synapse\(s\) each = 39"):
        net.add_structural(proj, S.Growth(rate=391.0, interval=100.0))  # 39.1 per interval
    net.add_structural(proj, S.Growth(rate=390.0, interval=100.0))  # exactly 39: accepted
    with pytest.raises(ValueError, match=r"HomeostaticGrowth.growth_rate.*= 390\)"):
        net.add_structural(proj, S.HomeostaticGrowth(growth_rate=3901.0, allow_multapses=True, max_multapses=10))
    assert [type(r).__name__ for r in proj.structural] == ["Growth"]


@pytest.mark.parametrize("threads", [1, 3])
def test_growth_fills_exactly_to_the_multapse_cap(threads):
    """10 x 40 neurons, multapses capped at 3: a rate whose mean per interval equals a neuron's whole room (30)
    fills every neuron to exactly 3 synapses per pair within a few tests, and no pair ever exceeds the cap; the
    result is the same for every thread count."""
    net = pn.Network(dt=0.1, seed=11, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=1.0), 10, name="src")
    dst = net.add_population(pn.models.LIF(), 40, name="dst")
    proj = net.connect(src, dst, pn.conn.FromArrays([], []), name="p", max_delay=1.0)
    net.add_structural(proj, S.Growth(rate=300.0, allow_multapses=True, max_multapses=3, interval=100.0))
    for _ in range(6):
        net.run(100.0)
        pairs = np.bincount(proj.pre.astype(np.int64) * 40 + proj.post, minlength=400)
        assert pairs.max() <= 3
    np.testing.assert_array_equal(pairs, np.full(400, 3))
    assert proj.compiled.check() == ""
    log = net.structural_log
    assert len(log) == proj.size == 1200 and set(log["kind"]) == {"created"}
    if threads == 3:
        ref = pn.Network(dt=0.1, seed=11, threads=1)
        s2 = ref.add_population(pn.models.PoissonSource(rate=1.0), 10, name="src")
        d2 = ref.add_population(pn.models.LIF(), 40, name="dst")
        p2 = ref.connect(s2, d2, pn.conn.FromArrays([], []), name="p", max_delay=1.0)
        ref.add_structural(p2, S.Growth(rate=300.0, allow_multapses=True, max_multapses=3, interval=100.0))
        ref.run(600.0)
        assert np.array_equal(ref.structural_log, log)


def test_homeostatic_growth_uses_at_most_a_neurons_room():
    """Silent neurons grow elements without limit (dz/dt = growth_rate); the usable elements stop at the room
    (partners x max_multapses), so a long silent run pairs each post neuron with every partner exactly max_multapses
    times and no more, in bounded time. (Before: floor(z) was converted to a 32-bit count unchecked and every free
    element was paired, i.e. unbounded multapses.)"""
    net = pn.Network(dt=0.1, seed=5, threads=1)
    src = net.add_population(pn.models.PoissonSource(rate=0.0), 6, name="src")
    dst = net.add_population(pn.models.LIF(), 6, name="dst")
    proj = net.connect(src, dst, pn.conn.FromArrays([], []), name="p", max_delay=1.0)
    net.add_structural(
        proj, S.HomeostaticGrowth(growth_rate=100.0, allow_multapses=True, max_multapses=2, interval=100.0)
    )
    t0 = time.perf_counter()
    net.run(3000.0)  # elements reach 300 per neuron, the room is 6 x 2 = 12
    assert time.perf_counter() - t0 < 30.0
    pairs = np.bincount(proj.pre.astype(np.int64) * 6 + proj.post, minlength=36)
    np.testing.assert_array_equal(pairs, np.full(36, 2))


def test_sprouting_with_a_huge_rate_regrows_exactly_the_deficit():
    """Sprouting's count is capped by the deficit, so a rate far above any need (10^6 per missing input per second)
    restores every lesioned input at the first test: in-degrees back to the baseline exactly."""
    net = pn.Network(dt=0.1, seed=2, threads=2)
    src = net.add_population(pn.models.PoissonSource(rate=1.0), 50, name="src")
    dst = net.add_population(pn.models.LIF(), 20, name="dst")
    proj = net.connect(src, dst, pn.conn.FixedInDegree(10, allow_multapses=False), name="p", delay=1.0)
    base = np.bincount(proj.post, minlength=20)
    net.add_structural(proj, S.Sprouting(rate=1e6, interval=10.0))
    net.lesion(neurons=(src, np.arange(0, 50, 2)))
    assert np.bincount(proj.post, minlength=20).sum() < base.sum()
    net.run(10.0)
    np.testing.assert_array_equal(np.bincount(proj.post, minlength=20), base)
    assert not np.isin(proj.pre, np.arange(0, 50, 2)).any()


# -- sweeps ----------------------------------------------------------------------------------------------------
def test_sweep_grid_is_counted_before_it_is_expanded(tmp_path):
    """12 parameters of 10 values each is 10^12 runs: refused at once with a ValueError naming the count and the
    limit, through the API and through a YAML spec (pyneuro sweep). (Before: itertools.product expanded the grid
    first; here the subprocess's 3 GB limit turns that into a MemoryError after seconds, or the time limit fires.)"""
    grid = {f"p{k}": list(range(10)) for k in range(12)}
    spec = tmp_path / "huge.yaml"
    spec.write_text(
        "experiment: example_coba\nparams:\n"
        + "".join(f"  p{k}: [{', '.join(map(str, range(10)))}]\n" for k in range(12))
    )
    r = isolated(
        f"""
        import time, pyneuro as pn, pyneuro.sweep
        from pyneuro._sweep_cli import main_sweep
        t = time.perf_counter()
        try:
            pn.sweep.prepare("example_coba", {grid!r}, {str(tmp_path / "out")!r})
            print("accepted")
        except ValueError as e:
            print("api:", e)
        print("cli:", main_sweep([{str(spec)!r}, "--no-progress"]))
        print("seconds:", time.perf_counter() - t)
        """,
        timeout=120.0,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "api: params: the grid (10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 values) makes " in r.stdout
    assert "1000000000000 runs, more than max_runs = 100000" in r.stdout
    assert "cli: 2" in r.stdout and "pyneuro sweep: error: params: the grid" in r.stderr
    assert float(r.stdout.rsplit("seconds:", 1)[1]) < 30.0


def test_sweep_run_limit_counts_seeds_and_lists_and_can_be_raised(tmp_path):
    assert MAX_RUNS == 100_000
    with pytest.raises(ValueError, match="makes 200 runs, more than max_runs = 100"):
        pn.sweep.prepare(
            "example_coba", {"n": [10, 20], "w_exc": list(range(10))}, tmp_path, seeds=range(10), max_runs=100
        )
    with pytest.raises(ValueError, match="a list of 3 parameter sets x 1 seeds makes 3 runs"):
        expand_params([{"n": 10}, {"n": 20}, {"n": 30}], max_runs=2)
    with pytest.raises(ValueError, match="max_runs"):
        pn.sweep.prepare("example_coba", {"n": [10]}, tmp_path, seeds=range(10**15))
    with pytest.raises(TypeError, match="max_runs"):
        pn.sweep.prepare("example_coba", {"n": [10]}, tmp_path, max_runs=1.5)
    with pytest.raises(ValueError, match="max_runs"):
        pn.sweep.prepare("example_coba", {"n": [10]}, tmp_path, max_runs=0)
    # exactly at the limit, and a raised limit
    assert len(pn.sweep.prepare("example_coba", {"n": [10, 20]}, tmp_path, seeds=[0, 1], max_runs=4)) == 4
    assert len(expand_params({"n": list(range(300))}, max_runs=300)) == 300
    spec = tmp_path / "s.yaml"
    spec.write_text("experiment: example_coba\nparams:\n  n: [10, 20, 30]\nmax_runs: 2\n")
    sp = load_spec(spec)
    assert sp.max_runs == 2
    with pytest.raises(ValueError, match="more than max_runs = 2"):
        pn.sweep.prepare(sp.experiment, sp.params, tmp_path, max_runs=sp.max_runs)


def test_unreachable_scheduler_is_one_line_and_quick(tmp_path):
    """A valid spec pointed at a closed port: one line on stderr naming the address, exit 2, within the configured
    wait (here 2 s; default 10 s, from --connect-timeout or the spec's connect_timeout). (Before: a raw OSError
    traceback after distributed's 30 s connect timeout.)"""
    spec = tmp_path / "s.yaml"
    spec.write_text("experiment: example_coba\nparams:\n  n: 20\nconnect_timeout: 2.0\n")
    t = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "pyneuro", "sweep", str(spec), "--scheduler", "tcp://127.0.0.1:9", "--no-progress"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    wall = time.perf_counter() - t
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    lines = r.stderr.strip().splitlines()
    assert lines == [
        "pyneuro sweep: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 2 s (OSError); "
        "is it running, and is the address right?"
    ], r.stderr[-2000:]
    assert wall < 25.0, wall
    with pytest.raises(OSError, match=r"^cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 1 s"):
        pn.sweep.run(
            "example_coba", {"n": 20}, tmp_path / "r", client="tcp://127.0.0.1:9", connect_timeout=1.0, progress=False
        )
    with pytest.raises(ValueError, match="connect_timeout"):
        pn.sweep.run("example_coba", {"n": 20}, tmp_path / "r", client="tcp://127.0.0.1:9", connect_timeout=0.0)


@pytest.mark.parametrize(
    "make,kind",
    [
        (lambda iv: pn.plasticity.SynapticScaling(interval=iv), "SynapticScaling"),
        (lambda iv: pn.plasticity.OjaHebbian(interval=iv), "OjaHebbian"),
        (lambda iv: pn.plasticity.Custom(params={"a": 0.01}, on_tick="w = w + a", interval=iv), "Custom"),
        (lambda iv: S.Pruning(interval=iv), "Pruning"),
        (lambda iv: S.Growth(rate=1.0 / iv, interval=iv), "Growth"),  # a rate whose count per interval is small
    ],
    ids=["SynapticScaling", "OjaHebbian", "Custom", "Pruning", "Growth"],
)
@pytest.mark.parametrize("interval", [1e300, 2.0**70, 1e18])
def test_interval_beyond_the_clock_is_refused(make, kind, interval):
    """A period beyond 2**52 steps cannot be counted in steps (the conversion overflowed, and such a rule acted every
    step); it is refused, naming the limit, and the network is unchanged."""
    net = pn.Network(dt=0.1)
    a = net.add_population(pn.models.PoissonSource(rate=50.0), 5, name="a")
    b = net.add_population(pn.models.LIF(I_e=400.0), 4, name="b")
    rule = make(interval)
    msg = rf"{kind}.interval must be <= 2\*\*52 steps = 4.5036e\+14 ms at dt = 0.1 ms"
    if isinstance(rule, S.StructuralRule):
        proj = net.connect(a, b, pn.conn.FixedProbability(0.5), weight=1.0, name="p")
        with pytest.raises(ValueError, match=msg):
            net.add_structural(proj, rule)
        assert proj.structural == []
    else:
        with pytest.raises(ValueError, match=msg):
            net.connect(a, b, pn.conn.AllToAll(), weight=1.0, plasticity=rule)
        assert net.projections == []
    net.run(5.0)


@pytest.mark.parametrize("interval,changes", [(2.0, 2), (4.5e14, 0)])
def test_interval_at_the_limit_acts_as_counted(interval, changes):
    """Within the limit the period is honoured: a tick rule adding 0.01 runs twice in 5 ms at a 2 ms interval and
    never at 2**52 steps."""
    net = pn.Network(dt=0.1)
    a = net.add_population(pn.models.PoissonSource(rate=0.0), 3)
    b = net.add_population(pn.models.LIF(), 2)
    rule = pn.plasticity.Custom(params={"a": 0.01}, on_tick="w = w + a", interval=interval)
    proj = net.connect(a, b, pn.conn.AllToAll(), weight=1.0, plasticity=rule)
    net.run(5.0)
    np.testing.assert_allclose(proj.weights, 1.0 + 0.01 * changes, rtol=1e-6)
