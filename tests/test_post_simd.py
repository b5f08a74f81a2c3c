"""The post-spike weight update runs eight synapses at a time where the CPU has AVX-512 (gathers and a scatter) and one
at a time elsewhere (or with PYNEURO_SCALAR_POST=1): both must give the same weights and spikes bit for bit, for the
triplet rule with a sliding threshold (W4's rule, Zenke et al. 2013) and for additive pair STDP (W5's), at 1 and 2
threads. Each network runs in a fresh process, since the choice is made once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest

_SCRIPT = r"""
import hashlib, json, sys
import numpy as np
import pyneuro.workloads as W
kind, threads = sys.argv[1], int(sys.argv[2])
if kind == "triplet":
    # a tenth of W4 with W4's in-degree (1000 E->E inputs per neuron), plastic after 50 ms
    w = W.zenke25k(threads=threads, scale=0.1, fixed_indegree=True, tau_rate=1000.0, prime=50.0, record="spikes")
    w.net.run(400.0)
else:
    w = W.scaling(1000, threads=threads, seed=5)
    w.net.run(300.0)
ee = w.projections["ee"]
sp = w.spikes["exc"]
out = dict(
    w=hashlib.sha256(np.ascontiguousarray(ee.weights).tobytes()).hexdigest(),
    s=hashlib.sha256(np.ascontiguousarray(sp.indices).tobytes() + np.ascontiguousarray(sp.times).tobytes()).hexdigest(),
    n=int(sp.indices.size),
    changed=int(np.count_nonzero(ee.weights != ee.weights[0])),
)
print(json.dumps(out))
"""


def _run(kind: str, threads: int, scalar: bool) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
    env.pop("PYNEURO_SCALAR_POST", None)
    if scalar:
        env["PYNEURO_SCALAR_POST"] = "1"
    # cwd outside the source tree: "python -c" puts the cwd first on sys.path, where the uncompiled sources are
    p = subprocess.run(
        [sys.executable, "-c", _SCRIPT, kind, str(threads)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tempfile.gettempdir(),
    )
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["triplet", "pair"])
def test_vector_and_scalar_post_update_identical(kind):
    ref = _run(kind, 1, scalar=True)
    assert ref["n"] > 100  # the network fires
    assert ref["changed"] > 100  # and the rule moved the weights
    for threads in (1, 2):
        got = _run(kind, threads, scalar=False)
        assert got == ref, f"{kind}: vector post update differs from the scalar one at {threads} threads"
    assert _run(kind, 2, scalar=True) == ref
