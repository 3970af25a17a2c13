#!/bin/sh
# One virtual environment for every peer benchmark (bench/README.md): today's faiss-cpu, the CPU wheel of
# PyTorch and pytorch-metric-learning, pinned. Benchmark tooling only, never a dependency of simforge.
#   bench/setup.sh [VENV]        (default /work/venv; then run the peers with VENV/bin/python)
set -eu
VENV=${1:-/work/venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet \
    "faiss-cpu==1.15.1" numpy threadpoolctl \
    "torch==2.13.*" --extra-index-url https://download.pytorch.org/whl/cpu \
    "pytorch-metric-learning==2.9.0"
"$VENV/bin/python" -c 'import faiss, torch, pytorch_metric_learning as p; print("faiss", faiss.__version__, "torch", torch.__version__, "pml", p.__version__)'
