"""A sweep's results directory: one file per finished run, written atomically, and the tables built from them.

Layout of ``results_dir``::

    sweep.json                   what the directory holds (experiment, duration, record); checked on reuse
    runs/<run_id>.json           a finished run: parameters, seeds, summary numbers, provenance
    runs/<run_id>.h5             its recorded arrays (only when recording was asked for)
    failures/<run_id>.json       a failed run: exception, message and traceback (removed once the run succeeds)
    checkpoints/<run_id>/        checkpoints of a run in progress (removed once the run is written)
    summary.csv                  the table of finished runs (and summary.parquet when pyarrow is installed)

A run is finished exactly when ``runs/<run_id>.json`` exists. It is written last, under a temporary name, and
then hard-linked to its final name, which fails if the name exists: however many attempts of a run race (a
worker presumed dead that still runs, a retried task), exactly one record is published. The arrays file is
renamed into place before the record, so a published record always has its arrays.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FORMAT_VERSION",
    "atomic_write_text",
    "check_manifest",
    "finished_ids",
    "git_state",
    "load_table",
    "publish_record",
    "read_arrays",
    "write_arrays",
    "write_failure",
    "write_summary",
]

FORMAT_VERSION = 1


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename."""
    tmp = _tmp_name(path)
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def publish_record(path: Path, record: Mapping[str, Any]) -> bool:
    """Publish a run record at ``path`` unless one is there already. Returns whether this call published it."""
    tmp = _tmp_name(path)
    with open(tmp, "w") as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError:  # a filesystem without hard links: rename, accepting a race between concurrent attempts
        if path.exists():
            return False
        os.replace(tmp, path)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray], attrs: Mapping[str, Any]) -> None:
    """Write ``arrays`` (names may contain '/' for groups) to an HDF5 file at ``path``, atomically."""
    import h5py

    tmp = _tmp_name(path)
    with h5py.File(tmp, "w") as f:
        f.attrs["format"] = "pyneuro-sweep-run"
        f.attrs["format_version"] = FORMAT_VERSION
        for k, v in attrs.items():
            f.attrs[k] = v
        for name, arr in arrays.items():
            f.create_dataset(name, data=arr)
    os.replace(tmp, path)


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every dataset of a run's HDF5 file, by its path inside the file."""
    import h5py

    out: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        version = int(f.attrs.get("format_version", -1))
        if version != FORMAT_VERSION:
            raise ValueError(f"{path} has sweep-run format version {version}; this pyneuro reads {FORMAT_VERSION}")

        def visit(name: str, obj: Any) -> None:
            if hasattr(obj, "shape"):
                out[name] = np.asarray(obj[()])

        f.visititems(visit)
    return out


def write_failure(results_dir: Path, run_id: str, record: Mapping[str, Any]) -> None:
    d = results_dir / "failures"
    d.mkdir(parents=True, exist_ok=True)
    atomic_write_text(d / f"{run_id}.json", json.dumps(record, indent=1, sort_keys=True, default=str))


def finished_ids(results_dir: Path) -> set[str]:
    """Run ids with a published record."""
    d = results_dir / "runs"
    if not d.is_dir():
        return set()
    return {p.stem for p in d.glob("*.json") if not p.name.startswith(".")}


def check_manifest(results_dir: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``sweep.json`` or, if the directory already holds a sweep, check that it is the same kind of sweep.

    Raises
    ------
    ValueError
        If ``results_dir`` holds results of another experiment, duration or recording choice.
    """
    path = results_dir / "sweep.json"
    if path.exists():
        old = json.loads(path.read_text())
        for key in ("experiment", "duration", "record", "checkpoint_every"):
            if old.get(key) != manifest.get(key):
                raise ValueError(
                    f"results_dir {results_dir} holds a sweep with {key} = {old.get(key)!r}; this sweep has "
                    f"{key} = {manifest.get(key)!r}. Use another results_dir (runs are skipped by parameters and "
                    "seed only, so mixing would mix results)"
                )
        return
    results_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(dict(manifest, format_version=FORMAT_VERSION), indent=1, sort_keys=True))


def git_state(path: str | Path) -> dict[str, Any] | None:
    """``{"commit": sha, "dirty": bool}`` of the git work tree holding ``path``, or None outside one."""
    try:
        top = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
        if top.returncode != 0:
            return None
        st = subprocess.run(
            ["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": top.stdout.strip(), "dirty": bool(st.stdout.strip())}


def host() -> str:
    return socket.gethostname()


def _rows(results_dir: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    d = results_dir / "runs"
    if not d.is_dir():
        return rows
    for p in sorted(d.glob("*.json")):
        if p.name.startswith("."):
            continue
        rec = json.loads(p.read_text())
        row: dict[str, Any] = {"run_id": rec["run_id"], "index": rec["index"]}
        row.update(rec["params"])
        row["base_seed"] = rec["base_seed"]
        row["seed"] = rec["seed"]
        for k, v in rec["results"].items():
            row[k if k not in row else f"result_{k}"] = v
        prov = rec["provenance"]
        row["wall_s"] = prov["wall_s"]
        row["host"] = prov["host"]
        row["pyneuro_version"] = prov["pyneuro_version"]
        git = prov.get("git_pyneuro") or {}
        row["git_commit"] = git.get("commit")
        row["status"] = "ok"
        row["arrays_file"] = str(d / f"{rec['run_id']}.h5") if rec.get("arrays") else None
        rows.append(row)
    return rows


def _failure_rows(results_dir: Path, done: set[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    d = results_dir / "failures"
    if not d.is_dir():
        return rows
    for p in sorted(d.glob("*.json")):
        if p.name.startswith(".") or p.stem in done:
            continue
        rec = json.loads(p.read_text())
        row: dict[str, Any] = {"run_id": rec["run_id"], "index": rec["index"]}
        row.update(rec["params"])
        row.update(
            base_seed=rec["base_seed"],
            seed=rec["seed"],
            status="failed",
            error=f"{rec['exception']}: {rec['message']}",
            traceback=rec["traceback"],
            host=rec.get("host"),
        )
        rows.append(row)
    return rows


def load_table(results_dir: Path, failures: bool = False) -> Any:
    """The finished runs (and, with ``failures``, the failed ones) as a DataFrame sorted by ``index``, ``base_seed``."""
    import pandas as pd

    rows = _rows(results_dir)
    if failures:
        rows += _failure_rows(results_dir, {r["run_id"] for r in rows})
    df = pd.DataFrame(rows)
    if len(df):
        df = df.sort_values(["index", "base_seed"], kind="stable").reset_index(drop=True)
    return df


def write_summary(results_dir: Path) -> Path:
    """Assemble ``summary.csv`` (and ``summary.parquet`` if pyarrow is importable) from the per-run records."""
    df = load_table(results_dir)
    path = results_dir / "summary.csv"
    atomic_write_text(path, df.to_csv(index=False))
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return path
    tmp = _tmp_name(results_dir / "summary.parquet")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, results_dir / "summary.parquet")
    return path
