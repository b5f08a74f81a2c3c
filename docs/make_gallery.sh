#!/usr/bin/env bash
# Regenerates the README gallery: runs each systems-level experiment at its default size with the
# `pyneuro experiment` command and writes docs/gallery/NAME.png, NAME.json and NAME.txt (what the command
# printed, then its wall time). Give names to run only those.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg
if [ "$#" -eq 0 ]; then
    set -- remapping skill_learning critical_period engram neurogenesis_separation compensation
fi
for name in "$@"; do
    SECONDS=0
    pyneuro experiment "$name" --out docs/gallery --seed 0 | tee "docs/gallery/$name.txt"
    echo "wall ${SECONDS} s on $(nproc) cores" | tee -a "docs/gallery/$name.txt"
done
