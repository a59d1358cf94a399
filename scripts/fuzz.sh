#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ in build-fuzz/ with clang-22 and runs
# each for SECONDS (default 60) on a copy of its seed corpus (fuzz/README.md).
#
#   bash scripts/fuzz.sh                 # every fuzzer, 60 s each
#   bash scripts/fuzz.sh 600 Npy Session # these two, 10 min each
#   bash scripts/fuzz.sh --build-only
#
# Prints one line per fuzzer (executions, rate, result) and exits non-zero
# when any fuzzer found a crash, leak, timeout, out-of-memory or UB report;
# the input that triggered it is kept in build-fuzz/fuzz/artifacts/<name>/.
# Environment: BUILD_DIR (build-fuzz), CC/CXX (clang-22/clang++-22), JOBS
# (all cores), NICE (10: run under nice), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$here/build-fuzz}"
jobs="${JOBS:-$(nproc)}"
nice_cmd=(nice -n "${NICE:-10}")
seconds=60
build_only=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --build-only) build_only=1 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
    [0-9]*) seconds="$arg" ;;
    *) targets+=("${arg%Fuzzer}") ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(Npy Artifact Session CkksObject OnnxImporter)
fi

# Every library the fuzzers link is instrumented for coverage and the
# sanitizers; the fuzzer executables add -fsanitize=fuzzer (fuzz/CMakeLists).
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
"${nice_cmd[@]}" cmake -G Ninja -S "$here" -B "$build_dir" \
  -DCMAKE_C_COMPILER="${CC:-clang-22}" -DCMAKE_CXX_COMPILER="${CXX:-clang++-22}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_C_FLAGS_RELEASE="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only -DNDEBUG" \
  -DAEGIS_BUILD_FUZZERS=ON -DAEGIS_ENABLE_CUDA=OFF -DAEGIS_ENABLE_MPI=OFF \
  -DAEGIS_BUILD_TESTS=OFF -DAEGIS_BUILD_BENCHMARKS=OFF >/dev/null
build_targets=()
for t in "${targets[@]}"; do
  build_targets+=("${t}Fuzzer")
done
"${nice_cmd[@]}" cmake --build "$build_dir" -j "$jobs" --target "${build_targets[@]}"
[ "$build_only" = 1 ] && exit 0

# Leaks fail the run (libFuzzer checks after each new input); libFuzzer's
# -malloc_limit_mb defaults to -rss_limit_mb, so one oversized allocation
# is reported as out-of-memory.
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# LeakSanitizer cannot run where ptrace-like access is denied (some
# containers); then every target would fail at its first leak check. Probe
# with one empty input and, if so, fuzz without leak checks, loudly.
probe_dir="$build_dir/fuzz/lsan-probe"
rm -rf "$probe_dir" && mkdir -p "$probe_dir" && : > "$probe_dir/empty"
first="$build_dir/fuzz/${targets[0]}Fuzzer"
if ! "$first" -runs=1 "$probe_dir/empty" >"$probe_dir/log" 2>&1 &&
   grep -q "LeakSanitizer has encountered a fatal error\|LeakSanitizer does not work" "$probe_dir/log"; then
  echo "fuzz.sh: WARNING: LeakSanitizer cannot run here (see $probe_dir/log); leak checking is OFF for this run" >&2
  export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
  FUZZ_ARGS="${FUZZ_ARGS:-} -detect_leaks=0"
fi

status=0
work="$build_dir/fuzz/run"
for t in "${targets[@]}"; do
  name="${t}Fuzzer"
  corpus="$here/fuzz/corpus/$(echo "$t" | sed 's/\([a-z]\)\([A-Z]\)/\1-\2/g' | tr 'A-Z' 'a-z')"
  rm -rf "$work/$name"
  mkdir -p "$work/$name" "$build_dir/fuzz/artifacts/$name"
  cp -r "$corpus/." "$work/$name/"
  log="$build_dir/fuzz/$name.log"
  rc=0
  # shellcheck disable=SC2086
  "${nice_cmd[@]}" "$build_dir/fuzz/$name" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build_dir/fuzz/artifacts/$name/" ${FUZZ_ARGS:-} \
    "$work/$name" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ "$rc" = 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc: $(grep -m1 -oE 'ERROR: [A-Za-z]+Sanitizer: [a-z-]+|runtime error: .{0,60}|ERROR: libFuzzer: [a-z-]+' "$log" || echo 'see log'))"
    status=1
  fi
  printf '%-20s %4ss %10s execs %7s/s  %s  (%s)\n' "$name" "$seconds" \
    "${execs:-?}" "${rate:-?}" "$result" "$log"
done
exit "$status"
