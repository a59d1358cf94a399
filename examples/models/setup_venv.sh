#!/bin/bash
# Create the Python venv used by gen_hf.py and finalize.py/verify.py (outside the repo).
# PyPI torch 2.x without the multi-GB CUDA dependency set: torch is installed with
# --no-deps plus only the pure-Python deps and the four NVIDIA libraries that
# libtorch_cuda.so links against but that this machine's /usr/local/cuda (CUDA 13.0)
# lacks or has too old (libcufile, libcusparseLt, libnvshmem_host, NCCL >= 2.29).
# About 1.2 GB of downloads. On a machine without /usr/local/cuda, `import torch` will
# name further missing libraries: pip-install the nvidia-* package providing each,
# or simply `pip install torch==2.15.0` with its full dependency set (several GB).
set -euo pipefail
VENV=${VENV:-/work/venv-fixtures}
PY=${PY:-python3}            # the pyenv Python 3.11 first on PATH
"$PY" -m venv "$VENV"
P="$VENV/bin/pip"
"$P" install --no-deps torch==2.15.0
"$P" install --no-deps nvidia-cufile==1.20.0.107 nvidia-cusparselt-cu13==0.10.0 \
    nvidia-nvshmem-cu13==3.8.0 nvidia-nccl-cu13==2.32.3
"$P" install "setuptools>=77.0.3" filelock fsspec jinja2 networkx sympy typing-extensions \
    numpy==2.4.6 onnx==1.23.2 onnxruntime==1.32.0 onnxscript==0.7.2 transformers==5.24.0
"$VENV/bin/python" -c "import torch, transformers, onnx, onnxruntime; \
print('torch', torch.__version__, 'transformers', transformers.__version__, \
'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__)"
