#!/usr/bin/env bash
# Regenerates the seed corpora in fuzz/corpus/ (fuzz/README.md): needed when
# a file format or unittests/Runtime/ArtifactTestUtil.h changes. Keeps the
# regression inputs (regression-* files: inputs that once crashed).
#
#   bash fuzz/make-seeds.sh [AEGIS_BUILD_DIR]   # default: build
#
# Runtime seeds come from aegis-fuzz-seeds (built in build-fuzz/), compiled
# artifacts from AEGIS_BUILD_DIR/bin/aegis-opt, ONNX models from the lit
# tests, examples/models and ONNX's node tests (package libonnx-testdata).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${1:-$here/build}/bin"
fuzz_build="${BUILD_DIR:-$here/build-fuzz}"
corpus="$here/fuzz/corpus"

bash "$here/scripts/fuzz.sh" --build-only Npy
nice -n 10 cmake --build "$fuzz_build" --target aegis-fuzz-seeds
ASAN_OPTIONS=detect_leaks=0 "$fuzz_build/fuzz/aegis-fuzz-seeds" "$corpus"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
opt() { "$tools/aegis-opt" "$@" >/dev/null 2>"$tmp/log" || { cat "$tmp/log"; exit 1; }; }
art="$corpus/artifact"
opt "$here/examples/ckks/dot-product.mlir" --canonicalize -o /dev/null \
  --aegis-ckks-emit-artifact="output=$art/dot-product.aegis security=toy"
opt "$here/test/Conversion/OnnxToNN/Inputs/add.onnx" \
  --aegis-compile="security=toy" -o "$art/onnx-add.aegis"
opt "$here/test/Conversion/OnnxToNN/gather.onnxtxt" \
  --aegis-compile="security=toy" -o "$art/client-gather.aegis"
opt "$here/test/Conversion/NNToCKKS/lower.mlir" \
  --aegis-compile="security=toy" -o "$art/nn-lower.aegis"
opt "$here/test/Conversion/NNToCKKS/lower-bootstrap.mlir" \
  --aegis-compile="security=toy bootstrap=true bootstrap-levels=4" \
  -o "$art/bootstrap.aegis"

onnx="$corpus/onnx-importer"
cp "$here"/test/Conversion/OnnxToNN/*.onnxtxt \
  "$here/test/Dialect/NN/Transforms/fuse-model.onnxtxt" \
  "$here/test/Conversion/OnnxToNN/Inputs/add.onnx" \
  "$here/examples/models/encoder_relu_postnorm_op17.onnx" "$onnx/"
nodes=/usr/share/libonnx-testdata/data/node
for t in cast_FLOAT_to_DOUBLE concat_2d_axis_1 dropout_default \
    expand_dim_changed flatten_axis0 gather_0 gemm_default_vector_bias \
    layer_normalization_2d_axis0 matmul_2d \
    reduce_mean_default_axes_keepdims_example reshape_reduced_dims slice \
    softmax_axis_1 split_equal_parts_2d squeeze transpose_default \
    unsqueeze_axis_0 where_example; do
  if [ -f "$nodes/test_$t/model.onnx" ]; then
    cp "$nodes/test_$t/model.onnx" "$onnx/node-$t.onnx"
  fi
done
du -sh "$corpus"/*
