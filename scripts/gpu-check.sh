#!/usr/bin/env bash
# The whole GPU check of aegis in one run on the lent GPU machine (nvcc,
# CMake, ninja; no MLIR, no GoogleTest, no Debian packages). Prepare first,
# here: `bash scripts/gpu-prepare.sh` (fills the git-ignored .gpu-carry/),
# then one device run with carry [".gpu-carry"] and the command
# `bash scripts/gpu-check.sh` (logs and figures go to $OUT).
#
#   bash scripts/gpu-check.sh [--dry-run] [--with-n16] [OUTDIR]
#
# Steps, in priority order, each under its own time cap, all together under
# AEGIS_GPU_CHECK_BUDGET seconds (default 450, so that a rerun fits the
# 15-minute lease); a step that would start with too little time left is
# recorded as skipped:
#   1. environment (GPU, driver, nvcc, cmake, NCCL location)
#   2. runtime-only configure and build, CUDA on, sm_90
#   3. ctest -L gpu: every kernel and every evaluator operation bit-exact
#      against the CPU backend, toy bootstraps, the NCCL communicator with
#      one rank, device listing and self test
#   4. aegis-run --backend=cuda against --backend=cpu on carried artifacts,
#      byte for byte: one-shot outputs and `eval` output ciphertexts
#   5. bench/AegisBackendBench at N = 2^16 (NTT, multiply + relinearize,
#      rotate, rescale, 8 hoisted rotations, n16-full and n16-sparse
#      bootstrapping; measured copy bandwidth; time per kernel)
#   6. compute-sanitizer --tool memcheck over the kernel tests
#   7. ctest -L gpu -R n16_: n16-sparse and n16-full bootstrapping
#      bit-exact with the CPU (the slowest step, last)
# Files back (the device tool returns at most 8): summary.txt, build.log,
# tests.log, run.log, bench.txt, bench.json, sanitizer.log.
#
# --dry-run: on a machine without a GPU, the same steps with CUDA off and a
# CPU backend standing in for the device (AEGIS_GPU_TEST_STANDIN=cpu), so
# that on the GPU machine only the GPU itself can fail; N = 2^12 bench;
# step 7 only with --with-n16; step 6 skipped (no device to check).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dry=0
with_n16=0
out=""
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry=1 ;;
    --with-n16) with_n16=1 ;;
    -h|--help) sed -n '2,33p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "gpu-check.sh: error: unknown option '$arg' (see --help)" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
[ "$dry" = 1 ] || with_n16=1
out="${out:-${OUT:-$here/gpu-check-out}}"
mkdir -p "$out" || { echo "gpu-check.sh: error: cannot create $out" >&2; exit 2; }
carry="$here/.gpu-carry"
art="$carry/artifacts"
budget="${AEGIS_GPU_CHECK_BUDGET:-450}"
start=$(date +%s)
summary="$out/summary.txt"
: > "$summary"
failures=0

if [ "$dry" = 1 ]; then
  bd="${AEGIS_GPU_CHECK_BUILD_DIR:-$here/build-gpucheck}"
  device_backend=cpu
  export AEGIS_GPU_TEST_STANDIN=cpu
else
  bd="${AEGIS_GPU_CHECK_BUILD_DIR:-/tmp/aegis-gpu-build}"
  device_backend=cuda
fi
jobs="$(nproc)"

note() { echo "$*" | tee -a "$summary"; }

# step NAME CAP LOG COMMAND: runs COMMAND (a bash string) under
# min(CAP, budget left), appending to LOG; records the outcome.
step() {
  local name="$1" cap="$2" log="$3" cmd="$4"
  local left=$(( budget - ($(date +%s) - start) ))
  if [ "$left" -lt 15 ]; then
    note "SKIP  $name (budget of ${budget}s spent)"
    return 0
  fi
  [ "$cap" -le "$left" ] || cap="$left"
  echo "=== $name (cap ${cap}s) ===" >> "$log"
  local t0=$(date +%s)
  timeout -k 5 "$cap" bash -c "$cmd" >> "$log" 2>&1
  local rc=$?
  local dt=$(( $(date +%s) - t0 ))
  if [ "$rc" = 0 ]; then
    note "PASS  $name (${dt}s)"
  elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    note "TIME  $name: stopped at its ${cap}s cap (see $(basename "$log"))"
    failures=$((failures + 1))
  else
    note "FAIL  $name: exit $rc after ${dt}s (see $(basename "$log"))"
    failures=$((failures + 1))
  fi
  return 0
}

note "aegis gpu-check: $( [ "$dry" = 1 ] && echo "DRY RUN (no GPU, CPU stand-in)" || echo "GPU run" ), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%dT%H:%M:%SZ), budget ${budget}s"

#--- 1. environment ----------------------------------------------------------
nccl_args=""
env_cmd='
  echo "host: $(nproc) cores, $(free -g | awk "/Mem:/{print \$2}") GiB"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  command -v nvcc >/dev/null && nvcc --version | tail -2
  cmake --version | head -1; ninja --version
  command -v compute-sanitizer >/dev/null && compute-sanitizer --version | head -2
  ls /usr/include/gtest/gtest.h 2>/dev/null || echo "no installed GoogleTest (carried sources used)"
  true'
step "environment" 20 "$out/build.log" "$env_cmd"
if [ "$dry" = 0 ]; then
  cuda_inc=/usr/local/cuda/include
  if [ ! -f "$cuda_inc/nccl.h" ]; then
    # NCCL headers and library from the pip package the machine has.
    nccl_dir="$(python3 -c 'import importlib.util as u; s = u.find_spec("nvidia.nccl"); print(list(s.submodule_search_locations)[0])' 2>/dev/null || true)"
    if [ -n "$nccl_dir" ] && [ -f "$nccl_dir/include/nccl.h" ]; then
      mkdir -p /tmp/aegis-nccl/lib
      lib="$(ls "$nccl_dir"/lib/libnccl.so* 2>/dev/null | head -1)"
      if [ -n "$lib" ]; then
        ln -sf "$lib" /tmp/aegis-nccl/lib/libnccl.so
        nccl_args="-DNCCL_INCLUDE_DIR=$nccl_dir/include -DNCCL_LIBRARY=/tmp/aegis-nccl/lib/libnccl.so"
        export LD_LIBRARY_PATH="$nccl_dir/lib:/tmp/aegis-nccl/lib:${LD_LIBRARY_PATH:-}"
        note "info  NCCL from $nccl_dir"
      fi
    fi
    [ -n "$nccl_args" ] || note "info  no NCCL found: the NCCL communicator test will not be built"
  fi
fi

#--- 2. configure and build ----------------------------------------------------
cfg="-G Ninja -S '$here' -B '$bd' -DCMAKE_BUILD_TYPE=Release -DAEGIS_BUILD_COMPILER=OFF"
if [ "$dry" = 1 ]; then
  cfg="$cfg -DAEGIS_ENABLE_CUDA=OFF"
else
  cfg="$cfg -DAEGIS_ENABLE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 $nccl_args"
fi
if [ ! -f /usr/include/gtest/gtest.h ] && [ ! -f /usr/local/include/gtest/gtest.h ]; then
  if [ ! -f "$carry/googletest/CMakeLists.txt" ]; then
    note "FAIL  no GoogleTest here and none carried: run scripts/gpu-prepare.sh and carry .gpu-carry"
    exit 1
  fi
  cfg="$cfg -DAEGIS_GTEST_SOURCE_DIR='$carry/googletest'"
fi
if [ ! -f /usr/include/CLI/CLI.hpp ] || [ ! -f /usr/include/nlohmann/json.hpp ] || [ ! -f /usr/include/flatbuffers/flatbuffers.h ]; then
  if [ ! -f "$carry/include/CLI/CLI.hpp" ]; then
    note "FAIL  no CLI11/nlohmann-json headers here and none carried: run scripts/gpu-prepare.sh and carry .gpu-carry"
    exit 1
  fi
  cfg="$cfg -DAEGIS_THIRD_PARTY_INCLUDE_DIR='$carry/include'"
fi
step "configure (runtime only, CUDA $( [ "$dry" = 1 ] && echo off || echo 'on, sm_90'))" 60 "$out/build.log" "cmake $cfg"
step "build" 240 "$out/build.log" "cmake --build '$bd' -j $jobs"
if [ ! -x "$bd/bin/aegis-run" ]; then
  note "FAIL  no aegis-run was built: the remaining steps cannot run"
  exit 1
fi

#--- 3. the GPU tests ------------------------------------------------------------
step "ctest -L gpu (kernels, evaluator operations, toy bootstraps, NCCL 1 rank)" 150 "$out/tests.log" \
  "ctest --test-dir '$bd' -L gpu -E 'n16_' --output-on-failure --timeout 120 -j 1"
if [ "$dry" = 0 ]; then
  step "aegis-run --list-devices and --gpu-self-test" 30 "$out/tests.log" \
    "'$bd/bin/aegis-run' --list-devices && '$bd/bin/aegis-run' --gpu-self-test"
fi

#--- 4. aegis-run on carried artifacts --------------------------------------------
if [ -f "$art/dot.aegis" ] && [ -f "$art/encoder.aegis" ]; then
  run="$bd/bin/aegis-run"
  w="$bd/gpu-check-run"
  # Files of the device side are named .dev, so that the dry run (cpu
  # standing in) still compares two separate runs.
  run_cmd="
    set -e; rm -rf '$w'; mkdir -p '$w'; cd '$w'
    for side in cpu:cpu dev:$device_backend; do
      n=\${side%%:*}; b=\${side#*:}
      '$run' '$art/dot.aegis' --input '$art/x.npy' --input '$art/y.npy' --reference '$art/ref.npy' --output dot.\$n.npy --backend=\$b --seed 3 --no-progress
      '$run' '$art/encoder.aegis' --input '$art/encoder.input.npy' --reference '$art/encoder.ref.npy' --output enc.\$n.npy --backend=\$b --seed 3 --no-progress
    done
    cmp dot.cpu.npy dot.dev.npy
    cmp enc.cpu.npy enc.dev.npy
    echo 'one-shot outputs: cpu and $device_backend byte-identical'
    '$run' keygen '$art/encoder.aegis' --secret-key sk.bin --eval-keys ek.bin --seed 5
    '$run' encrypt '$art/encoder.aegis' --secret-key sk.bin --input '$art/encoder.input.npy' --ciphertexts in.ct --seed 6
    for side in cpu:cpu dev:$device_backend; do
      n=\${side%%:*}; b=\${side#*:}
      '$run' eval '$art/encoder.aegis' --eval-keys ek.bin --ciphertexts in.ct --output-ciphertexts out.\$n.ct --backend=\$b --no-progress
    done
    cmp out.cpu.ct out.dev.ct
    '$run' decrypt '$art/encoder.aegis' --secret-key sk.bin --ciphertexts out.dev.ct --output dec.npy --reference '$art/encoder.ref.npy'
    echo 'eval output ciphertexts: cpu and $device_backend byte-identical'"
  step "aegis-run --backend=$device_backend vs cpu (one-shot, eval), byte for byte" 150 "$out/run.log" "$run_cmd"
else
  note "FAIL  carried artifacts missing ($art): run scripts/gpu-prepare.sh and carry .gpu-carry"
  failures=$((failures + 1))
fi

#--- 5. benchmarks ------------------------------------------------------------------
if [ "$dry" = 1 ]; then
  bench_args="--backend=cpu --log-n=12 --reps=3 --bandwidth-mib=64"
else
  bench_args="--backend=cuda --log-n=16 --reps=5 --bandwidth-mib=4096"
fi
step "AegisBackendBench $bench_args" 150 "$out/bench.txt" \
  "'$bd/bench/AegisBackendBench' $bench_args --json='$out/bench.json'"

#--- 6. memcheck ------------------------------------------------------------------------
if [ "$dry" = 1 ]; then
  note "SKIP  compute-sanitizer memcheck (dry run: no device)"
elif ! command -v compute-sanitizer >/dev/null; then
  note "SKIP  compute-sanitizer memcheck (not installed here)"
else
  step "compute-sanitizer --tool memcheck over the kernel tests" 90 "$out/sanitizer.log" \
    "compute-sanitizer --tool memcheck --error-exitcode 3 '$bd/unittests/AegisCudaBackendTests' && compute-sanitizer --tool memcheck --error-exitcode 3 '$bd/unittests/AegisCudaEvaluatorTests' --gtest_filter='*toy12*:*toy_n10_sparse*'"
fi

#--- 7. n16 bootstrapping, bit-exact --------------------------------------------------------
if [ "$with_n16" = 1 ]; then
  step "ctest -L gpu -R n16_ (n16-sparse and n16-full bootstrapping bit-exact)" 240 "$out/tests.log" \
    "ctest --test-dir '$bd' -L gpu -R 'n16_' --output-on-failure --timeout 230 -j 1"
else
  note "SKIP  n16 bootstrapping tests (dry run without --with-n16)"
fi

note "done in $(( $(date +%s) - start ))s: $failures failing step(s); logs in $out"
[ "$failures" = 0 ]
