#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of the runtime and its
# tests (docs/Sanitizers.md), in build-asan/, then ctest under the sanitizers.
#
#   bash scripts/sanitize.sh              # CI subset (SUBSET_EXCLUDE below)
#   bash scripts/sanitize.sh --full       # the whole runtime suite
#   bash scripts/sanitize.sh --no-build   # test what build-asan/ holds
#   bash scripts/sanitize.sh -- -R Dist   # extra ctest arguments after --
#
# Runtime only (-DAEGIS_BUILD_COMPILER=OFF, no CUDA, no benchmarks): LLVM and
# MLIR are not instrumented, and nvcc does not take -fsanitize. Any sanitizer
# report fails its test. Environment: BUILD_DIR (default build-asan),
# SANITIZE (default address,undefined), JOBS (default: all cores).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$here/build-asan}"
sanitize="${SANITIZE:-address,undefined}"
jobs="${JOBS:-$(nproc)}"
full=0
do_build=1
ctest_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=1 ;;
    --no-build) do_build=0 ;;
    --) shift; ctest_extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "sanitize.sh: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# The CI subset (measured in docs/Sanitizers.md): the whole suite except the
# two longest bootstrapping tests, which repeat operations that the other
# bootstrap tests already run under the sanitizers (ten bootstraps in a
# row; one bootstrap from every level). The MPI tests (label mpi) are in it.
# --full runs everything.
SUBSET_EXCLUDE='^Bootstrap\.(TenInARowStayWithinTheBound|AnyLevelToTheMaximumUsableLevel)$'

if [ "$do_build" = 1 ]; then
  # -O1 -g: line numbers in every report, and about half the compile time
  # of RelWithDebInfo (-O2 -g) for the same test time (docs/Sanitizers.md).
  # NDEBUG as in the Release build that CI tests.
  cmake -G Ninja -S "$here" -B "$build_dir" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -g -DNDEBUG" \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g -DNDEBUG" \
    -DAEGIS_BUILD_COMPILER=OFF \
    -DAEGIS_ENABLE_CUDA=OFF \
    -DAEGIS_BUILD_BENCHMARKS=OFF \
    -DAEGIS_SANITIZE="$sanitize"
  cmake --build "$build_dir" -j "$jobs"
fi

# detect_leaks: LeakSanitizer at exit; abort_on_error: a report is a SIGABRT
# (no exit code a test could mistake for its own); strict_string_checks: the
# str* interceptors check the whole string; fast_unwind_on_malloc=0: full
# allocation stacks through Open MPI, which has no frame pointers, so that
# the suppressions can match its frames (about +40% test time). halt_on_error
# for UBSan matches the build's -fno-sanitize-recover=undefined. The
# suppressions cover only leaks inside Open MPI and the libraries it loads.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$here/scripts/sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# Open MPI under a root CI user; mpirun passes the environment to its ranks.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# LeakSanitizer needs ptrace-like access to the process (it stops the
# threads to scan them); some containers deny it, and then every test would
# fail with "LeakSanitizer has encountered a fatal error". Probe once with a
# test binary and, if so, run without leak checking, loudly: ASan and UBSan
# still check everything else.
probe="$build_dir/unittests/AegisNpyTests"
if [ -x "$probe" ]; then
  if "$probe" --gtest_filter=NoSuchTest >"$build_dir/lsan-probe.log" 2>&1; then
    :
  elif grep -q "LeakSanitizer has encountered a fatal error\|LeakSanitizer does not work" "$build_dir/lsan-probe.log"; then
    echo "sanitize.sh: WARNING: LeakSanitizer cannot run here (see $build_dir/lsan-probe.log); leak checking is OFF for this run" >&2
    export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
  fi
fi

ctest_args=(--test-dir "$build_dir" --output-on-failure -j "$jobs")
if [ "$full" = 0 ]; then
  ctest_args+=(-E "$SUBSET_EXCLUDE")
fi
echo "sanitize.sh: ctest ${ctest_args[*]} ${ctest_extra[*]}"
ctest "${ctest_args[@]}" "${ctest_extra[@]}"
