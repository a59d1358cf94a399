#!/usr/bin/env bash
# Prepares .gpu-carry/ (git-ignored) for scripts/gpu-check.sh: everything the
# lent GPU machine lacks and the check needs. Run here, after a full build
# (it needs build/bin/aegis-opt):
#
#   bash scripts/gpu-prepare.sh            # then one device run with
#                                          # carry [".gpu-carry"], command
#                                          # "bash scripts/gpu-check.sh"
#
# Contents (a few MB, well inside the device tool's 64 MiB):
#   googletest/   Debian's GoogleTest sources (/usr/src/googletest), built
#                 there through -DAEGIS_GTEST_SOURCE_DIR (no libgtest there)
#   include/      CLI11, nlohmann-json and FlatBuffers headers
#                 (/usr/include/CLI, nlohmann, flatbuffers), through
#                 -DAEGIS_THIRD_PARTY_INCLUDE_DIR
#   artifacts/    dot.aegis (128-bit, from examples/ckks/dot-product.mlir)
#                 with its inputs x.npy, y.npy and reference ref.npy;
#                 encoder.aegis (the README's example encoder, toy) with
#                 its input and onnxruntime reference
#   MANIFEST      what was carried, from which commit
#
# Environment: BUILD_DIR (default build).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$here/build}"
opt="$build_dir/bin/aegis-opt"
carry="$here/.gpu-carry"

die() { echo "gpu-prepare.sh: error: $*" >&2; exit 1; }
[ -x "$opt" ] || die "$opt not found: build first (bash scripts/setup.sh)"
[ -f /usr/src/googletest/CMakeLists.txt ] ||
  die "/usr/src/googletest not found: apt-get install googletest"

rm -rf "$carry"
mkdir -p "$carry/artifacts"
cp -r /usr/src/googletest "$carry/googletest"
for h in /usr/include/CLI/CLI.hpp /usr/include/nlohmann/json.hpp /usr/include/flatbuffers/flatbuffers.h; do
  [ -f "$h" ] || die "$h not found: apt-get install libcli11-dev nlohmann-json3-dev libflatbuffers-dev"
done
mkdir -p "$carry/include"
cp -r /usr/include/CLI /usr/include/nlohmann /usr/include/flatbuffers "$carry/include/"

art="$carry/artifacts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/data.mlir" <<'EOF'
func.func @main() -> (tensor<8xf64>, tensor<8xf64>, tensor<8xf64>) {
  %x = nn.constant dense<[0.5, -1.0, 0.25, 2.0, 1.5, -0.75, 0.125, 1.0]> : tensor<8xf64>
  %y = nn.constant dense<[1.0, 2.0, -3.0, 0.5, 0.25, 4.0, -1.0, 0.5]> : tensor<8xf64>
  %p = nn.mul %x, %y : (tensor<8xf64>, tensor<8xf64>) -> tensor<8xf64>
  %s = nn.reduce_sum %p {axes = array<i64: 0>} : tensor<8xf64> -> tensor<1xf64>
  %b = nn.expand %s : tensor<1xf64> -> tensor<8xf64>
  return %x, %y, %b : tensor<8xf64>, tensor<8xf64>, tensor<8xf64>
}
EOF
(cd "$art" && "$opt" "$tmp/data.mlir" \
   --aegis-nn-interpret="random-inputs=0 outputs=x.npy,y.npy,ref.npy" -o /dev/null)
"$opt" "$here/examples/ckks/dot-product.mlir" --canonicalize \
  --aegis-ckks-emit-artifact="output=$art/dot.aegis" -o /dev/null

model="$here/examples/models/encoder_gelu_prenorm_op17_dyn"
"$opt" "$model.onnx" --aegis-input-shape=x:1x8x32 \
  --aegis-compile="security=toy" -o "$art/encoder.aegis" > "$tmp/compile.log"
cp "$model.input.npy" "$art/encoder.input.npy"
cp "$model.ref.npy" "$art/encoder.ref.npy"

{
  echo "prepared $(date -u +%Y-%m-%dT%H:%M:%SZ) at commit $(git -C "$here" rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "googletest: $(dpkg-query -W -f='${Version}' googletest 2>/dev/null || echo unknown)"
  echo "cli11: $(dpkg-query -W -f='${Version}' libcli11-dev 2>/dev/null || echo unknown)"
  echo "nlohmann-json: $(dpkg-query -W -f='${Version}' nlohmann-json3-dev 2>/dev/null || echo unknown)"
  (cd "$carry" && find . -type f -path './artifacts/*' | sort)
} > "$carry/MANIFEST"
echo "gpu-prepare.sh: $(du -sh "$carry" | cut -f1) in $carry"
echo "gpu-prepare.sh: next: device run, carry [\".gpu-carry\"], command \"bash scripts/gpu-check.sh\""
