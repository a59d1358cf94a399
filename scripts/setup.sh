#!/usr/bin/env bash
# Sets up a Debian 12 machine for aegis and builds it into build/.
#
#   bash scripts/setup.sh                 # install what is missing, configure, build
#   bash scripts/setup.sh --no-build      # only install packages
#   bash scripts/setup.sh --runtime-only  # runtime + aegis-run, no LLVM/MLIR needed
#   bash scripts/setup.sh --with-fuzzers  # also clang-22 and its sanitizer and
#                                         # libFuzzer runtimes (scripts/fuzz.sh)
#
# Idempotent: packages already present are not reinstalled, and a configured
# build/ is rebuilt incrementally. Environment: BUILD_DIR (default build),
# BUILD_TYPE (default Release), JOBS (default: all cores).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$here/build}"
build_type="${BUILD_TYPE:-Release}"
jobs="${JOBS:-$(nproc)}"
do_build=1
runtime_only=0
with_fuzzers=0
for arg in "$@"; do
  case "$arg" in
    --no-build) do_build=0 ;;
    --runtime-only) runtime_only=1 ;;
    --with-fuzzers) with_fuzzers=1 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup.sh: error: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

# The pinned LLVM/MLIR major version; keep in sync with CMakeLists.txt
# (AEGIS_LLVM_MAJOR), which refuses any other.
llvm=22
packages=(
  cmake ninja-build g++ lld ccache git python3
  libgtest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
  libflatbuffers-dev flatbuffers-compiler
  libopenmpi-dev openmpi-bin
)
if [ "$runtime_only" = 0 ]; then
  packages+=(
    "libmlir-$llvm-dev" "mlir-$llvm-tools" "llvm-$llvm-dev" "llvm-$llvm-tools"
    libzstd-dev libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  )
fi

if [ "$with_fuzzers" = 1 ]; then
  packages+=("clang-$llvm" "libclang-rt-$llvm-dev")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: error: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup.sh: all packages present"
fi

[ "$do_build" = 1 ] || exit 0

cmake_args=(-G Ninja -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type")
if [ "$runtime_only" = 1 ]; then
  cmake_args+=(-DAEGIS_BUILD_COMPILER=OFF)
fi
cmake "${cmake_args[@]}"
cmake --build "$build_dir" -j "$jobs"
echo "setup.sh: built aegis in $build_dir"
