#!/usr/bin/env bash
# The full test suite, exactly what CI runs (.ci/run):
#
#   1. scripts/setup.sh --with-fuzzers: packages, then the Release build in
#      build/ (compiler, runtime, tools, tests);
#   2. ctest on build/: lit and GoogleTest;
#   3. scripts/sanitize.sh: an AddressSanitizer + UBSan build of the runtime
#      and its tests in build-asan/, and ctest under the sanitizers (the CI
#      subset of docs/Sanitizers.md: every runtime test but two long
#      bootstrap repetitions);
#   4. scripts/fuzz.sh FUZZ_SECONDS: every libFuzzer target of fuzz/ (ONNX
#      importer, artifact, session files, runtime objects, .npy) on its seed
#      corpus, FUZZ_SECONDS (default 30) each, in build-fuzz/.
#
#   bash scripts/test.sh           # all four steps; stops at the first failure
#   bash scripts/test.sh --quick   # steps 1 and 2 (the edit-compile-test loop)
#
# Each step prints its wall time; the last line says which steps passed.
# Environment: JOBS (default: all cores), FUZZ_SECONDS (default 30).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "test.sh: error: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
jobs="${JOBS:-$(nproc)}"
fuzz_seconds="${FUZZ_SECONDS:-30}"
passed=()

step() {
  local name="$1"
  shift
  local begin=$SECONDS
  echo "test.sh: === $name"
  if ! "$@"; then
    echo "test.sh: FAILED: $name (after $((SECONDS - begin)) s); passed: ${passed[*]:-none}" >&2
    exit 1
  fi
  echo "test.sh: $name passed in $((SECONDS - begin)) s"
  passed+=("$name")
}

if [ "$quick" = 1 ]; then
  step setup bash "$here/scripts/setup.sh"
else
  step setup bash "$here/scripts/setup.sh" --with-fuzzers
fi
step ctest ctest --test-dir "$here/build" --output-on-failure -j "$jobs"
if [ "$quick" = 0 ]; then
  step sanitizers env JOBS="$jobs" bash "$here/scripts/sanitize.sh"
  step fuzzers env JOBS="$jobs" bash "$here/scripts/fuzz.sh" "$fuzz_seconds"
fi
echo "test.sh: all passed (${passed[*]})"
