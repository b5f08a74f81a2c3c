"""Golden checksum of W1 (COBA, tests/workloads.py::coba, seed 1) over 200 ms.

The checksum is sha256 over the bytes of np.stack([steps, indices]) (both int64, C order), where steps are the
spike steps and indices the global neuron indices (exc 0..3199, inh 3200..3999), sorted by (step, index).
It pins connectivity drawing, initial state, integration and delivery. A deliberate change of any of them
changes it: then check the new dynamics (rate, determinism tests) and update GOLDEN with the printed values.
"""

from __future__ import annotations

import hashlib

import numpy as np
from workloads import coba

GOLDEN = {
    "count": 14476,
    "sha256": "ef6df92bee826fc6af599f61ab728cd30db27361266b0eb21835d48082918c9d",
}


def w1_checksum(threads: int = 1) -> tuple[int, str]:
    net, c = coba(threads=threads, seed=1)
    net.run(200.0)
    steps, idx = c.spikes()
    arr = np.stack([steps.astype(np.int64), idx.astype(np.int64)])
    return int(steps.size), hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def test_w1_golden_checksum():
    count, digest = w1_checksum(threads=1)
    msg = (
        f"W1 seed 1, 200 ms: measured count={count}, sha256={digest!r}; "
        f"expected count={GOLDEN['count']}, sha256={GOLDEN['sha256']!r}"
    )
    # a sane regime whatever the checksum: asynchronous irregular activity around 10-30 Hz
    assert 4000 * 0.2 * 5 < count < 4000 * 0.2 * 50, msg
    assert count == GOLDEN["count"], msg
    assert digest == GOLDEN["sha256"], msg


def test_w1_golden_checksum_two_threads():
    count, digest = w1_checksum(threads=2)
    assert (count, digest) == (GOLDEN["count"], GOLDEN["sha256"]), f"threads=2: count={count}, sha256={digest!r}"
