#!/bin/bash
# Regenerate every fixture, its reference output and manifest.json, then verify them.
#   apt-get install -y --no-install-recommends python3-torch python3-onnx python3-numpy
#   bash examples/models/setup_venv.sh          # once: /work/venv-fixtures
#   bash examples/models/regenerate.sh
# The outputs are deterministic: a re-run leaves `git status examples/models` clean
# (with the same torch / transformers / onnxruntime versions).
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-/work/venv-fixtures}
rm -rf .work
/usr/bin/python3 gen_torch113.py        # Debian torch 1.13: nn.Transformer*, GPT block, BERT-base layer
"$VENV/bin/python" gen_hf.py            # PyPI torch 2.x + transformers: BERT, GPT-2 (opset 18)
rm -f manifest.json
"$VENV/bin/python" finalize.py          # onnxruntime references, checker, op types, manifest.json
"$VENV/bin/python" verify.py
