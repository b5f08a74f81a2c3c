#!/usr/bin/env bash
# Build pyneuro's compiled core with AddressSanitizer and UndefinedBehaviorSanitizer and run a representative subset
# of the tests against it.
#
# usage: tools/sanitize.sh [pytest arguments...]      (default: the subset below)
#
# Everything lives in .sanitize/ at the repository root (ignored by git): a venv with pyneuro's dependencies, the
# build's temporary files, and lib/, a copy of the Python package with the sanitized extension beside it. The
# repository's own build and environment are not touched. The tests run from .sanitize/ with PYTHONPATH=lib, so
# they import the sanitized copy (subprocesses that the tests start inherit it, and the sanitizer runtime).
#
# Flags: -fsanitize=address,undefined,float-cast-overflow (the last is not part of GCC's "undefined": a double too
# large for its integer type), -fno-sanitize-recover=all (any UB report aborts: the test fails), with
# -fno-wrapv after Python's own -fwrapv (which would define signed overflow and hide it from UBSan), frame pointers
# for readable stacks, -O1 instead of the core's -O3 (SANITIZE_OPT; ASan's recommended level: a build several times
# faster, reports that keep their lines; SANITIZE_OPT=-O0 compiles faster still), and ccache when it is installed (a
# rerun recompiles only what changed). The Python interpreter is not instrumented, so libasan is preloaded
# (LD_PRELOAD) to come first; leak detection is off (the interpreter's own allocations are not ours).
# Tests that lower RLIMIT_AS (tests/test_parallel_errors.py) cannot run under ASan, which reserves terabytes of
# address space for its shadow memory; PYNEURO_SANITIZE=1 makes them skip, and the fuzz sandbox then runs without
# its address-space limit. The summary at the end counts ASan and UBSan reports (0 expected).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
san="$root/.sanitize"
py="${PYTHON:-python3}"
mkdir -p "$san"
cd "$root"

# 1. a venv of its own, with pyneuro's dependencies (made once; the install is re-checked every time, so a
#    dependency added since is picked up)
if [ ! -x "$san/venv/bin/python" ]; then
    "$py" -m venv "$san/venv"
    "$san/venv/bin/pip" install -q --upgrade pip setuptools wheel
fi
"$san/venv/bin/pip" install -q pybind11 cython numpy h5py tqdm matplotlib "dask[distributed]" pandas pyyaml sympy \
    pytest hypothesis scipy
. "$san/venv/bin/activate"

# 2. the sanitized build, into .sanitize/lib (not in place)
flags="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-wrapv -g"
rm -rf "$san/lib"
mkdir -p "$san/lib"
cp -r pyneuro "$san/lib/"
find "$san/lib" \( -name '*.so' -o -name '__pycache__' -o -name '_kernels.c' \) -prune -exec rm -rf {} +
# the core's headers beside the package, as an install puts them (user-defined rules and models compile against them)
mkdir -p "$san/lib/pyneuro/_include"
(cd csrc && find . -name '*.hpp' -not -path './bindings/*' -exec cp --parents {} "$san/lib/pyneuro/_include/" \;)
echo "== building with: $flags ${SANITIZE_OPT:--O1}"
cc=gcc cxx=g++
if command -v ccache > /dev/null; then cc="ccache gcc" cxx="ccache g++"; fi
CC="$cc" CXX="$cxx" CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined,float-cast-overflow" NPY_NUM_BUILD_JOBS="${JOBS:-2}" \
    PYNEURO_OPT="${SANITIZE_OPT:--O1}" python setup.py -q build_ext --build-lib "$san/lib" --build-temp "$san/tmp" 2>&1 | grep -E "error|warning: .*(sanit|overflow)" || true
so="$(ls "$san"/lib/pyneuro/_core*.so)"
syms="$(nm -D "$so")"  # (not piped into grep -q: nm's SIGPIPE would fail the pipeline under pipefail)
grep -q __asan_report <<< "$syms" && grep -q __ubsan_handle <<< "$syms" || { echo "the extension is not instrumented" >&2; exit 2; }
echo "== built $so (ASan and UBSan symbols present)"

# 3. the tests, against the sanitized copy
# libstdc++ preloaded too: the interpreter does not link it, and ASan's interceptor of __cxa_throw resolves the real
# one when it starts (without it, the first C++ exception is "CHECK failed: real___cxa_throw != 0")
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libstdc++.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_init_order=1:check_initialization_order=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export PYTHONPATH="$san/lib"
export PYNEURO_SANITIZE=1 MPLBACKEND=Agg
# (paths relative to tests/, where pytest runs: no pyneuro/ there to shadow the sanitized copy)
subset=(
    test_structural_store.py test_structural_rules.py test_structural_log.py test_lesion.py test_neurogenesis.py
    test_neurogenesis_rule.py test_connectivity.py test_total_number_redraw.py test_checkpoint.py test_bad_input.py
    test_fuzz.py test_bounds.py test_monitors.py test_stdp_pairs.py test_triplet_bcm_istdp.py
    test_homeostatic_reward_rules.py test_delays_sources.py test_determinism.py test_interrupt.py test_runaway.py
    test_lif.py test_izhikevich_adex.py test_schedules.py test_metaplasticity.py test_checkpoint_corruption.py
)
if [ $# -gt 0 ]; then subset=("$@"); fi
log="$san/pytest.log"
cd "$root/tests"
python -c "import pyneuro; assert pyneuro.__file__.startswith('$san/lib'), pyneuro.__file__; print('== pyneuro from', pyneuro.__file__)"
set +e
python -m pytest -q -p no:cacheprovider "${subset[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
asan=$(grep -c "ERROR: AddressSanitizer" "$log" || true)
ubsan=$(grep -c "runtime error:" "$log" || true)
echo "== sanitize summary: pytest exit $rc; $(tail -1 "$log"); AddressSanitizer reports: $asan; UBSan reports: $ubsan"
exit $rc
