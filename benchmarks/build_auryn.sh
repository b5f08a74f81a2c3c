#!/usr/bin/env bash
# Build Auryn (Zenke & Gerstner 2014, https://github.com/fzenke/auryn) and its example
# examples/plasticity/sim_background, the reference of benchmarks/compare_auryn.py.
#
# Auryn is GPL-3: its source is fetched from its public repository at build time and never committed here.
#
# Prerequisites (Debian/Ubuntu): apt-get install -y libboost-all-dev libopenmpi-dev openmpi-bin cmake g++ git
#
# usage: benchmarks/build_auryn.sh [PREFIX]          (PREFIX default: $HOME/.cache/pyneuro-auryn)
# environment:
#   AURYN_GIT   repository to clone (default https://github.com/fzenke/auryn.git)
#   AURYN_REV   commit to build (default 674ef80, "Update copyright note", the newest commit when this was written)
#   AURYN_SRC   an existing Auryn checkout (or unpacked source tree) to build instead of cloning
#   JOBS        parallel make jobs (default 2)
#
# Result: PREFIX/build/examples/plasticity/sim_background (unmodified), and
#         PREFIX/build/examples/plasticity/sim_background_irate: the same program with the inhibitory population's
#         rate monitor switched on (sim_background.cpp carries those two lines commented out; the copy uncomments
#         them, nothing else), for the inhibitory rate that sim_background does not write.
# The build uses Auryn's own CMake release flags (-O3 -march=native -ffast-math).
set -euo pipefail

PREFIX=${1:-$HOME/.cache/pyneuro-auryn}
AURYN_GIT=${AURYN_GIT:-https://github.com/fzenke/auryn.git}
AURYN_REV=${AURYN_REV:-674ef80}
JOBS=${JOBS:-2}
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)

if [ -x "$PREFIX/build/examples/plasticity/sim_background" ] && [ -x "$PREFIX/build/examples/plasticity/sim_background_irate" ]; then
    echo "auryn already built: $PREFIX/build/examples/plasticity/sim_background"
    exit 0
fi

# 1. the source
if [ ! -f "$PREFIX/src/CMakeLists.txt" ]; then
    rm -rf "$PREFIX/src"
    if [ -n "${AURYN_SRC:-}" ]; then
        echo "copying Auryn source from $AURYN_SRC"
        mkdir -p "$PREFIX/src"
        if [ -d "$AURYN_SRC/.git" ] || git -C "$AURYN_SRC" rev-parse --git-dir > /dev/null 2>&1; then
            git -C "$AURYN_SRC" archive "$AURYN_REV" | tar -x -C "$PREFIX/src"
        else
            cp -r "$AURYN_SRC"/. "$PREFIX/src/"
        fi
    else
        echo "cloning $AURYN_GIT"
        git clone --quiet "$AURYN_GIT" "$PREFIX/src"
        git -C "$PREFIX/src" checkout --quiet "$AURYN_REV"
    fi
fi

# 2. the inhibitory-rate variant (the example's own commented-out monitor, switched on)
ex="$PREFIX/src/examples/plasticity"
sed -e "/prate\", .*'i');/s|// ||" -e "/pmon_i = new PopulationRateMonitor/s|// ||" \
    "$ex/sim_background.cpp" > "$ex/sim_background_irate.cpp"
if ! grep -q "^\s*PopulationRateMonitor \* pmon_i" "$ex/sim_background_irate.cpp"; then
    echo "could not switch on the inhibitory rate monitor in sim_background.cpp (has the file changed?)" >&2
    exit 1
fi

# 3. configure and build (Release: Auryn's flags)
mkdir -p "$PREFIX/build"
cd "$PREFIX/build"
cmake "$PREFIX/src" -DCMAKE_BUILD_TYPE=Release > cmake.log
make -j"$JOBS" sim_background sim_background_irate > make.log
echo "built $PREFIX/build/examples/plasticity/sim_background"
