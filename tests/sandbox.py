"""A worker process for the fuzz tests: each case runs there, so that a crash of the compiled core (a segfault, an
abort) or a hang fails the test that caused it, naming the case, instead of ending the test session.

The worker imports ``fuzz_scenarios`` (this directory) and runs ``fuzz_scenarios.<name>(*args)`` for every request;
the scenario's return value, or the traceback of an exception it raised (an assertion about what was accepted,
say), comes back. A worker that dies or does not answer within the time limit is restarted for the next case.
Its address space is limited (``RLIMIT_AS``), so that an accepted but enormous request fails with MemoryError
instead of exhausting the machine.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["Sandbox", "WorkerDied"]

_WORKER = r"""
import os, pickle, resource, struct, sys, traceback
limit = int(os.environ.get("SANDBOX_AS_BYTES", "0"))
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
sys.path.insert(0, os.environ["SANDBOX_DIR"])
import fuzz_scenarios
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = inp.read(8)
    if len(head) < 8:
        break
    name, args = pickle.loads(inp.read(struct.unpack("<Q", head)[0]))
    try:
        reply = ("ok", getattr(fuzz_scenarios, name)(*args))
    except BaseException:
        reply = ("error", traceback.format_exc())
    data = pickle.dumps(reply)
    out.write(struct.pack("<Q", len(data)) + data)
    out.flush()
"""


class WorkerDied(AssertionError):
    """The worker crashed or hung on a case."""


class Sandbox:
    """Runs scenarios of ``fuzz_scenarios`` in a separate Python process."""

    def __init__(self, timeout: float = 60.0, as_bytes: int = 3 << 30) -> None:
        self.timeout = timeout
        # no limit under AddressSanitizer (tools/sanitize.sh), whose shadow memory needs terabytes of address space
        self.as_bytes = 0 if os.environ.get("PYNEURO_SANITIZE") else as_bytes
        self.cases = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._err = tempfile.TemporaryFile()

    def _start(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "SANDBOX_DIR": str(Path(__file__).parent),
            "SANDBOX_AS_BYTES": str(self.as_bytes),
            "MPLBACKEND": "Agg",
        }
        self._err.seek(0)
        self._err.truncate()
        return subprocess.Popen(
            [sys.executable, "-c", _WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            env=env,
            cwd=tempfile.gettempdir(),  # not the source tree, whose uncompiled package would shadow the built one
        )

    def _died(self, proc: subprocess.Popen[bytes], what: str) -> WorkerDied:
        rc = proc.poll()
        self._err.seek(0)
        err = self._err.read().decode(errors="replace")[-3000:]
        self._proc = None
        how = f"signal {-rc}" if rc is not None and rc < 0 else f"exit status {rc}"
        return WorkerDied(f"the worker {what} ({how}); stderr:\n{err}")

    def call(self, name: str, *args: Any) -> Any:
        """``fuzz_scenarios.<name>(*args)`` in the worker; re-raises its exception as AssertionError with the
        worker's traceback; raises WorkerDied if the worker crashed or did not answer in time."""
        self.cases += 1
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        data = pickle.dumps((name, args))
        try:
            proc.stdin.write(struct.pack("<Q", len(data)) + data)
            proc.stdin.flush()
        except BrokenPipeError:
            raise self._died(proc, f"had died before {name}{args!r}") from None
        head = self._read(proc, 8, name, args)
        status, value = pickle.loads(self._read(proc, struct.unpack("<Q", head)[0], name, args))
        if status == "error":
            raise AssertionError(f"{name}{args!r} failed in the worker:\n{value}")
        return value

    def _read(self, proc: subprocess.Popen[bytes], n: int, name: str, args: tuple[Any, ...]) -> bytes:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        buf = b""
        while len(buf) < n:
            ready, _, _ = select.select([fd], [], [], self.timeout)
            if not ready:
                proc.kill()
                proc.wait()
                raise self._died(proc, f"did not answer within {self.timeout} s on {name}{args!r} (hang)")
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                proc.wait()
                raise self._died(proc, f"died on {name}{args!r}")
            buf += chunk
        return buf

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._proc = None
        self._err.close()
