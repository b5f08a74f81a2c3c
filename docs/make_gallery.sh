#!/usr/bin/env bash
# Regenerates the README gallery. For each systems-level experiment, at its default size:
# - seed 0 with the `pyneuro experiment` command: docs/gallery/NAME.png, NAME.json and NAME.txt (what the command
#   printed, then its wall time);
# - seeds 0 to 4 (GALLERY_SEEDS; seed 0 taken from the command's NAME.json) with docs/seed_statistics.py
#   (numbers only, kept in GALLERY_WORK, default
#   /tmp/pyneuro-gallery-seeds, resumable): docs/gallery/NAME.seeds.md, the headline numbers as mean, standard
#   deviation and range over the seeds (the README quotes them).
# Give names to run only those.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg
SEEDS="${GALLERY_SEEDS:-0-4}"
WORK="${GALLERY_WORK:-/tmp/pyneuro-gallery-seeds}"
# deterministic protocols (exactly timed spikes, no noise): one run, no seed statistics
PROTOCOLS="clopath_frequency graupner_brunel_stdp"
if [ "$#" -eq 0 ]; then
    set -- remapping skill_learning critical_period engram neurogenesis_separation compensation microcircuit brunel2000 \
        morrison2007 $PROTOCOLS
fi
for name in "$@"; do
    if [[ " $PROTOCOLS " == *" $name "* ]]; then
        SECONDS=0
        pyneuro experiment "$name" --out docs/gallery --seed 0 | tee "docs/gallery/$name.txt"
        echo "wall ${SECONDS} s on $(nproc) cores" | tee -a "docs/gallery/$name.txt"
        continue
    fi
    SECONDS=0
    pyneuro experiment "$name" --out docs/gallery --seed 0 | tee "docs/gallery/$name.txt"
    echo "wall ${SECONDS} s on $(nproc) cores" | tee -a "docs/gallery/$name.txt"
    python docs/seed_statistics.py add "$name" "docs/gallery/$name.json" --dir "$WORK/$name"  # seed 0
    python docs/seed_statistics.py run "$name" --seeds "$SEEDS" --dir "$WORK/$name"
    python docs/seed_statistics.py report "$name" --dir "$WORK/$name" --markdown | tee "docs/gallery/$name.seeds.md"
done
