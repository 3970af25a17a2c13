#!/usr/bin/env bash
# Alternating rounds of `simforge bench train` and the PyTorch peer, so that the machine's drift between minutes
# falls on both sides: round 1 runs simforge first, round 2 PyTorch first, and so on. Prints every images/s line and
# each run's "Runtime:" line (library versions, thread settings).
#   bench/pytorch/rounds.sh [ROUNDS] [ARCHITECTURES]     e.g. bench/pytorch/rounds.sh 6 resnet18
# PYTHON: the peer's interpreter (default /work/venv/bin/python, made by bench/setup.sh: torch 2.13 CPU wheel).
# SECOND_PYTHON: a second, labelled peer row each round when that interpreter has torch (default Debian's
# /usr/bin/python3 with python3-torch 1.13, skipped when torch is not installed there).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-4}"
archs="${2:-convnet,resnet18}"
python="${PYTHON:-/work/venv/bin/python}"
second="${SECOND_PYTHON:-/usr/bin/python3}"
"$second" -c 'import torch' 2>/dev/null || second=""
peer_args=(bench/pytorch/train_throughput.py --architectures "$archs" --size 64 --threads 2)
simforge() { ./simforge bench train --architectures "$archs" 2>&1 | grep -E 'Runtime|images/s'; }
pytorch() { "$python" "${peer_args[@]}"; [ -z "$second" ] || "$second" "${peer_args[@]}" | sed 's/^/second peer: /'; }
for r in $(seq 1 "$rounds"); do
  echo "== round $r ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ $((r % 2)) = 1 ]; then simforge; pytorch; else pytorch; simforge; fi
done
