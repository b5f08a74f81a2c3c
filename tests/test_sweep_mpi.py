"""Sweeps whose runs are themselves MPI jobs: the command line the README documents is the one ``mpi_command``
builds, bad input is refused, and a sweep task that launches ``mpiexec -n 2 python mpi_model.py`` gives the spike
trains of the same network run in one process."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pyneuro as pn
import pyneuro.sweep

HERE = Path(__file__).resolve().parent
MODEL = HERE / "mpi_model.py"
README = HERE.parent / "README.md"


def test_readme_srun_line_is_what_mpi_command_builds() -> None:
    text = README.read_text()
    m = re.search(r"^ +#   (srun --ntasks .*)$", text, re.M)
    assert m is not None, "the README's example srun line is missing"
    want = m.group(1).split()
    g, seed = 4.0, 3
    out = f"/scratch/me/pd14/g{g}-s{seed}.json"  # as the README's pd14_run builds it
    got = pn.sweep.mpi_command(
        "model.py", 8, threads=16, args=["--g", g, "--seed", seed, "--out", out], python="python"
    )
    assert got == want
    assert pn.sweep.mpi_command("m.py", 4, launcher="mpiexec", launcher_args=["--oversubscribe"], python="py") == [
        "mpiexec",
        "-n",
        "4",
        "--oversubscribe",
        "py",
        "m.py",
    ]
    assert pn.sweep.mpi_command("m.py", 2, launcher="/opt/mpi/bin/mpirun", python="py")[:3] == [
        "/opt/mpi/bin/mpirun",
        "-n",
        "2",
    ]


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        ({"ranks": 0}, ValueError, "ranks"),
        ({"ranks": 2.0}, TypeError, "ranks"),
        ({"ranks": 2, "threads": 0}, ValueError, "threads"),
        ({"ranks": 2, "launcher": "ssh"}, ValueError, "launcher"),
        ({"ranks": 2, "launcher": None}, TypeError, "launcher"),
        ({"ranks": 2, "args": "--seed 3"}, TypeError, "args"),
    ],
)
def test_mpi_command_bad_input(kwargs: dict, exc: type, words: str) -> None:
    with pytest.raises(exc, match=words):
        pn.sweep.mpi_command("model.py", **kwargs)


def _mpiexec() -> tuple[str, list[str]]:
    pytest.importorskip("mpi4py")
    exe = Path(sys.executable).with_name("mpiexec")
    cmd = str(exe) if exe.exists() else shutil.which("mpiexec") or shutil.which("mpirun")
    if cmd is None:
        pytest.skip("mpi4py is installed but no mpiexec was found")
    version = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=60).stdout
    flags: list[str] = []
    if "Open MPI" in version or "OpenRTE" in version:
        flags = ["--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    return cmd, flags


def _result(stdout: str) -> dict:
    line = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")]
    assert line, stdout[-2000:]
    return json.loads(line[0][7:])


def test_sweep_task_launching_an_mpi_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    launcher, flags = _mpiexec()
    monkeypatch.setenv(
        "PYTHONPATH", str(Path(pn.__file__).resolve().parent.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    ms = 50.0

    def mpi_run(ranks: int, seed: int) -> dict:
        p = pn.sweep.run_mpi(
            MODEL,
            ranks,
            args=["--threads", 1, "--mpi", "--ms", ms],
            launcher=launcher,
            launcher_args=flags,
            timeout=300,
            cwd=tmp_path,
        )
        r = _result(p.stdout)
        return {"ranks_seen": r["ranks"], "n_exc": r["n_exc"], "spikes_exc": int(r["spikes_exc"][:12], 16)}

    client = distributed.Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None)
    try:
        rep = pn.sweep.run(mpi_run, {"ranks": [2]}, tmp_path / "res", client=client, progress=False)
    finally:
        client.close()
    assert rep.failed == 0, rep
    df = pn.sweep.load(tmp_path / "res")
    one = _result(
        subprocess.run(
            [sys.executable, str(MODEL), "--threads", "1", "--ms", str(ms)],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout
    )
    row = df.iloc[0]
    assert int(row["ranks_seen"]) == 2
    assert int(row["n_exc"]) == one["n_exc"] > 0
    assert int(row["spikes_exc"]) == int(one["spikes_exc"][:12], 16)


def test_run_mpi_failure_names_the_command(tmp_path: Path) -> None:
    launcher, flags = _mpiexec()
    bad = tmp_path / "bad.py"
    bad.write_text("raise SystemExit(3)\n")
    with pytest.raises(RuntimeError, match="exited with status"):
        pn.sweep.run_mpi(bad, 1, launcher=launcher, launcher_args=flags, timeout=120)
