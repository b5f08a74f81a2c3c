"""Ctrl-C during run(): KeyboardInterrupt at a step boundary, and the network can run on, with results identical
to an uninterrupted run (the interruption only splits the run into pieces)."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, signal, sys
# a test suite started as a background job (``cmd &`` in a non-interactive shell) inherits SIGINT ignored, and Python
# then keeps ignoring it; an interactive user's process has Python's own handler, which is what is tested here
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {tests!r})
import numpy as np
from workloads import coba

net, c = coba(threads=2, seed=3, stdp=True)
print("ready", flush=True)
try:
    net.run(1e6)
    interrupted = False
except KeyboardInterrupt:
    interrupted = True
t_int = net.time
step_int = net.step
net.run(20.0)
times, idx = c.spikes()
w = c.plastic.weights
# the same network run straight to the same time
net2, c2 = coba(threads=1, seed=3, stdp=True)
net2.run(net.time)
t2, i2 = c2.spikes()
print(json.dumps(dict(interrupted=interrupted, t_int=t_int, step_int=step_int, t_end=net.time,
                      same_spikes=bool(np.array_equal(times, t2) and np.array_equal(idx, i2)),
                      same_weights=bool(np.array_equal(w, c2.plastic.weights)), n=int(times.size))))
"""


def test_ctrl_c_stops_at_a_step_boundary_and_the_network_runs_on(tmp_path):
    code = CHILD.format(tests=str(Path(__file__).parent))
    # cwd outside the source tree: "python -c" puts the cwd first on sys.path, where the uncompiled sources are
    p = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err[-2000:]
    r = json.loads(out.strip().splitlines()[-1])
    assert r["interrupted"]
    assert 0 < r["t_int"] < 1e6
    assert abs(r["t_end"] - (r["step_int"] + 200) * 0.1) < 1e-9
    assert r["n"] > 0
    assert r["same_spikes"] and r["same_weights"]
