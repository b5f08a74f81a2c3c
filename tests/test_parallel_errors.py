"""Errors inside the core's parallel regions reach Python as exceptions, and a failed call changes nothing.

An exception that leaves an OpenMP region terminates the process (SIGABRT), so every case runs in a subprocess:
a crash fails the test instead of ending the test session. Allocation failures are real: the subprocess lowers its
own address-space limit (``resource.setrlimit(RLIMIT_AS)``) just above what it uses, so that the machine is never
exhausted, and raises it again before checking what the failed call left behind. Where the failing allocation
cannot be aimed at exactly, the call is retried under a rising limit until it succeeds, and every failure on the
way must have left the network exactly as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap

import pytest

PRELUDE = '''
import re, resource
import numpy as np
import pyneuro as pn

SOFT, HARD = resource.getrlimit(resource.RLIMIT_AS)


def vm_bytes():
    return int(re.search(r"VmSize:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) * 1024


def limited(extra, fn):
    """fn() with the address space limited to what is mapped now plus `extra` bytes; the limit is lifted again
    before returning (or raising)."""
    resource.setrlimit(resource.RLIMIT_AS, (vm_bytes() + int(extra), HARD))
    try:
        return fn()
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (SOFT, HARD))


def fingerprint(net):
    out = [net.step, [p.size for p in net.populations], [p.name for p in net.projections]]
    for p in net.populations:
        for v in p.state_vars:
            out.append(p.get(v).tobytes())
    for pr in net.projections:
        out.append((pr.pre.tobytes(), pr.post.tobytes(), pr.delay_steps.tobytes(), pr.weights.tobytes()))
        assert pr.compiled.check() == "", pr.compiled.check()
    return out


def small(threads, seed=3):
    """A small plastic network that fires: Poisson input -> LIF with STDP, recorded."""
    net = pn.Network(threads=threads, seed=seed)
    a = net.add_population(pn.models.PoissonSource(rate=80.0), 200, name="a")
    b = net.add_population(pn.models.LIF(), 60, name="b")
    net.connect(a, b, pn.conn.FixedProbability(0.3), weight=300.0, delay=1.0, name="ab",
                plasticity=pn.plasticity.STDP(w_max=600.0))
    net.record_spikes(b)
    return net


def spikes(net):
    m = net.monitors[0]
    return m.times.tobytes(), m.indices.tobytes()
'''


def run_case(body: str, timeout: float = 300.0) -> str:
    """Run PRELUDE + body in a fresh interpreter; fail the test on a crash or a non-zero exit."""
    code = PRELUDE + textwrap.dedent(body)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                       cwd=tempfile.gettempdir())  # not the source tree (its uncompiled package)
    assert r.returncode == 0, f"exit {r.returncode}\n--- stdout\n{r.stdout[-3000:]}\n--- stderr\n{r.stderr[-3000:]}"
    return r.stdout


pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="needs /proc and RLIMIT_AS"),
    pytest.mark.skipif(
        bool(os.environ.get("PYNEURO_SANITIZE")), reason="AddressSanitizer reserves terabytes of address space"
    ),
]


@pytest.mark.parametrize(
    "rule,n",
    [("pn.conn.AllToAll()", 70000), ("pn.conn.FixedProbability(1.0)", 66000)],
    ids=["AllToAll-70000", "FixedProbability1-66000"],
)
def test_shard_limit_is_a_value_error_and_changes_nothing(rule, n):
    """n x n synapses (4.9e9 and 4.36e9) exceed the 2^32 - 1 a single thread's shard can hold: a ValueError naming the
    limit, raised before anything is allocated, and the network runs on exactly as a fresh one that never tried.
    (Before: std::bad_alloc or the limit thrown inside the building threads' OpenMP region: SIGABRT.)"""
    out = run_case(
        f"""
        net = small(1)
        net.run(10.0)
        big = net.add_population(pn.models.LIF(), {n}, name="big")
        before = fingerprint(net)
        try:
            limited(4e9, lambda: net.connect(big, big, {rule}))  # a safety net: the check allocates nothing
        except ValueError as e:
            msg = str(e)
        assert "2^32 - 1" in msg and "use threads >= 2" in msg, msg
        assert fingerprint(net) == before
        net.run(20.0)
        ref = small(1)
        ref.run(10.0)
        ref.add_population(pn.models.LIF(), {n}, name="big")
        ref.run(20.0)
        assert spikes(net) == spikes(ref) and fingerprint(net) == fingerprint(ref)
        assert len(net.monitors[0].times) > 100
        print("ok", msg)
        """
    )
    assert out.startswith("ok")


def test_allocation_failure_in_building_threads_is_memory_error():
    """AllToAll 20000 x 20000 at 2 threads (1.6 GB per shard) with 1 GB of address space left: the building threads'
    std::bad_alloc is MemoryError on the calling thread, no projection is registered (in Python or in the core), and
    the network runs on exactly as a fresh one. (Before: terminate called after throwing std::bad_alloc, SIGABRT.)"""
    out = run_case(
        """
        net = small(2)
        net.run(10.0)
        big = net.add_population(pn.models.LIF(), 20000, name="big")
        before = fingerprint(net)
        try:
            limited(1e9, lambda: net.connect(big, big, pn.conn.AllToAll()))
            raise SystemExit("no MemoryError")
        except MemoryError:
            pass
        assert fingerprint(net) == before
        pr = net.connect(net.populations[0], big, pn.conn.FixedProbability(0.01))
        assert pr.compiled.id == len(net.projections) - 1 == 1  # no orphan projection in the core
        net.run(20.0)
        ref = small(2)
        ref.run(10.0)
        big2 = ref.add_population(pn.models.LIF(), 20000, name="big")
        ref.connect(ref.populations[0], big2, pn.conn.FixedProbability(0.01))
        ref.run(20.0)
        assert spikes(net) == spikes(ref) and fingerprint(net) == fingerprint(ref)
        print("ok")
        """
    )
    assert out.startswith("ok")


def test_connect_with_rules_is_all_or_nothing_under_rising_memory_limit():
    """A plastic connect (the build, then the post-major index its rule needs, 8 more bytes per synapse) under a
    rising address-space limit: every attempt either fails with MemoryError, leaving no projection anywhere (the
    core takes back a projection whose rules failed, traces included), or succeeds; afterwards the network equals
    a fresh one. (Before: SIGABRT from the building threads, or a projection left in the core without its rules.)"""
    out = run_case(
        """
        def build():
            net = small(2)
            net.run(5.0)
            net.add_population(pn.models.LIF(), 3000, name="c")
            return net
        net = build()
        c = net.populations[2]
        before = fingerprint(net)
        fails = 0
        extra = 0
        while True:
            try:
                limited(extra, lambda: net.connect(c, c, pn.conn.AllToAll(), weight=1.0, name="cc",
                                                   plasticity=pn.plasticity.STDP(tau_pre=17.0)))
                break
            except MemoryError:
                fails += 1
                assert fingerprint(net) == before
                extra += 8e6
        assert fails >= 3, fails
        assert net.projections[-1].compiled.id == 1
        net.run(20.0)
        ref = build()
        ref.connect(ref.populations[2], ref.populations[2], pn.conn.AllToAll(), weight=1.0, name="cc",
                    plasticity=pn.plasticity.STDP(tau_pre=17.0))
        ref.run(20.0)
        assert spikes(net) == spikes(ref) and fingerprint(net) == fingerprint(ref)
        print("ok", fails)
        """
    )
    assert out.startswith("ok")


def test_add_synapses_is_all_or_nothing_under_rising_memory_limit():
    """2 threads: a big shard (10^7 synapses into the second half of the targets) and a small one. add_synapses of
    one synapse into each of 2000 rows of both shards makes the big shard's arrays move (a 1.25x reallocation) after
    the small shard has long finished: under a rising limit every MemoryError must leave exactly the synapses that
    were there (the inserted ones taken out again), the store consistent, until the call succeeds; the result then
    equals a network that never failed. (Before: SIGABRT from the inserting threads.)"""
    out = run_case(
        """
        def build():
            net = pn.Network(threads=2, seed=5)
            a = net.add_population(pn.models.PoissonSource(rate=50.0), 2000, name="a")
            b = net.add_population(pn.models.LIF(), 10000, name="b")
            rng = np.random.default_rng(1)
            pre = np.repeat(np.arange(2000), 5000)
            post = np.concatenate([5000 + rng.choice(5000, 5000, replace=False) for _ in range(2000)])
            pr = net.connect(a, b, pn.conn.FromArrays(pre, post), weight=1.0, delay=1.0)
            pr.add_synapses([0], [0], weight=2.0)  # dynamic from here on
            return net, pr
        net, pr = build()
        before = fingerprint(net)
        add_pre = np.concatenate([np.arange(2000), np.arange(2000)])
        add_post = np.concatenate([np.arange(2000) % 5000, 5000 + np.arange(2000)])
        fails = core = 0
        extra = 0
        while True:
            try:
                limited(extra, lambda: pr.add_synapses(add_pre, add_post, weight=3.0, delay=1.0))
                break
            except MemoryError as e:
                fails += 1
                core += "bad_alloc" in str(e)
                assert fingerprint(net) == before
                extra += 8e6
        assert core >= 1, (fails, core)
        ref, rpr = build()
        rpr.add_synapses(add_pre, add_post, weight=3.0, delay=1.0)
        assert fingerprint(net) == fingerprint(ref)
        net.run(5.0)
        ref.run(5.0)
        assert fingerprint(net) == fingerprint(ref)
        print("ok", fails, core)
        """
    )
    assert out.startswith("ok")


def test_structural_phase_failure_is_memory_error_with_a_complete_log():
    """Growth during a run (2 threads) under a tight limit: the rule's threads fail to grow a shard's arrays, the
    run raises MemoryError at a step boundary (no abort), every synapse that was created before the failure is in
    the structural log (size == initial + created), the store is consistent, and with the limit lifted the network
    runs on. (Before: SIGABRT from the mutation phase's OpenMP region.)"""
    out = run_case(
        """
        net = pn.Network(threads=2, seed=2)
        a = net.add_population(pn.models.PoissonSource(rate=5.0), 1000, name="a")
        b = net.add_population(pn.models.LIF(), 1000, name="b")
        pr = net.connect(a, b, pn.conn.FixedProbability(0.2), weight=1.0, delay=1.0, name="ab")
        n0 = pr.size
        net.add_structural(pr, pn.structural.Growth(rate=20000.0, interval=10.0))
        try:
            limited(8e6, lambda: net.run(300.0))
            raise SystemExit("no MemoryError")
        except MemoryError:
            pass
        log = net.structural_log
        assert pr.compiled.check() == ""
        assert pr.size == n0 + int((log["kind"] == "created").sum()), (pr.size, n0, len(log))
        t = net.time
        net.run(20.0)
        assert net.time == t + 20.0 and pr.size == n0 + int((net.structural_log["kind"] == "created").sum())
        print("ok", len(log))
        """
    )
    assert out.startswith("ok")


def test_add_neurons_rebuild_failure_changes_nothing():
    """Growing a target population past 65536 neurons makes its projections rebuild with wider post indices
    (csrc/structural/neurogenesis.cpp). Under a rising limit every MemoryError leaves populations, projections and
    state exactly as they were, until the call succeeds; the result equals a network that never failed.
    (Before: SIGABRT from the rebuild's OpenMP region, or a population grown while its projections were not.)"""
    out = run_case(
        """
        def build():
            net = pn.Network(threads=2, seed=4)
            a = net.add_population(pn.models.PoissonSource(rate=20.0), 300, name="a")
            b = net.add_population(pn.models.LIF(), 65000, name="b")
            net.connect(a, b, pn.conn.FixedInDegree(20), weight=50.0, delay=1.0, name="ab",
                        plasticity=pn.plasticity.STDP(w_max=100.0))
            net.run(2.0)
            return net
        net = build()
        b = net.populations[1]
        before = fingerprint(net)
        fails = 0
        extra = 0
        while True:
            try:
                limited(extra, lambda: b.add_neurons(1000))
                break
            except MemoryError:
                fails += 1
                assert fingerprint(net) == before
                extra += 4e6
        assert fails >= 3, fails
        ref = build()
        ref.populations[1].add_neurons(1000)
        assert fingerprint(net) == fingerprint(ref)
        net.run(3.0)
        ref.run(3.0)
        assert fingerprint(net) == fingerprint(ref)
        print("ok", fails)
        """
    )
    assert out.startswith("ok")


@pytest.mark.parametrize("threads", [1, 2])
def test_allocation_failure_in_the_step_loop_is_memory_error(threads):
    """Spikes recorded while the loop runs grow per-thread buffers inside the parallel step loop. One long call of
    the compiled loop (the engine's run, without Network.run's chunks, whose merges would fail first, outside the
    loop) with the address space nearly exhausted raises MemoryError: no abort, no thread stranded at a barrier, the
    clock at the step after the failing one with the spikes recorded so far merged, and with the limit lifted the
    network runs on. (Before: SIGABRT at 2 threads; at 1 thread the clock stayed where the run began.)"""
    out = run_case(
        f"""
        net = pn.Network(threads={threads}, seed=1)
        a = net.add_population(pn.models.PoissonSource(rate=900.0), 5000, name="a")
        sm = net.record_spikes(a)
        net.run(1.0)
        try:
            limited(30e6, lambda: net._engine.run(200000))
            raise SystemExit("no MemoryError")
        except MemoryError:
            pass
        t = net.step
        assert 1000 < t < 200010, t
        net.run(1.0)  # with the limit lifted: runs on, and merges what the failed run recorded
        assert net.step == t + 10
        # every spike up to the failing step is there: 5000 x 0.09 spikes per step (Poisson), within 1%
        n, expect = len(sm.times), 5000 * 900.0 * 1e-4 * net.step
        assert abs(n - expect) < 0.01 * expect, (n, expect)
        assert np.all(np.diff(sm.times) >= 0) and sm.times.max() < net.time
        print("ok", t)
        """
    )
    assert out.startswith("ok")


def test_more_threads_than_the_system_allows_is_a_value_error():
    """The OpenMP runtime ends the process when it cannot create a thread ("libgomp: Thread creation failed",
    which nothing can catch), so a Network probes its thread count when it is made: with 500 MB of address space
    left (room for a few dozen 8 MB thread stacks), threads=1024 is a ValueError naming it, and a small count still
    works. (Before: accepted, and the first run ended the process with exit status 1.)"""
    out = run_case(
        """
        def attempt():
            net = pn.Network(threads=1024)
            a = net.add_population(pn.models.PoissonSource(rate=10.0), 4)
            net.run(0.5)
        try:
            limited(5e8, attempt)
            raise SystemExit("accepted")
        except ValueError as e:
            msg = str(e)
        assert msg.startswith("threads=1024: this system does not let the process run that many threads"), msg
        net = limited(5e8, lambda: pn.Network(threads=2))
        net.add_population(pn.models.PoissonSource(rate=10.0), 4)
        net.run(0.5)
        print("ok", msg)
        """
    )
    assert out.startswith("ok")


def test_add_population_is_all_or_nothing_under_rising_memory_limit():
    """A spike generator with 2 x 10^7 events: the population is made in the core first, then its events are
    copied in. Under a rising limit every MemoryError leaves no population anywhere (the core takes back one whose
    events failed), until the call succeeds with the id that follows the existing ones. (Before: the core kept a
    population Python never registered, so every later population's id was off by one.)"""
    out = run_case(
        """
        net = small(1)
        net.run(2.0)
        rng = np.random.default_rng(0)
        gen = pn.models.SpikeGenerator(times=np.sort(rng.uniform(0, 1000.0, 20_000_000)),
                                       indices=rng.integers(0, 50, 20_000_000))
        before = fingerprint(net)
        fails, extra = 0, 0
        while True:
            try:
                pop = limited(extra, lambda: net.add_population(gen, 50, name="g"))
                break
            except MemoryError:
                fails += 1
                assert fingerprint(net) == before
                extra += 16e6
        assert fails >= 3, fails
        assert pop.compiled.id == len(net.populations) - 1 == 2, pop.compiled.id
        m = net.record_spikes(pop)
        net.run(1.0)
        assert m.count > 0
        print("ok", fails)
        """
    )
    assert out.startswith("ok")
