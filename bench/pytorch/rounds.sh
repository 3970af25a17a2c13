#!/usr/bin/env bash
# Alternating rounds of `simforge bench train` and the PyTorch peer, so that the machine's drift between minutes
# falls on both sides: round 1 runs simforge first, round 2 PyTorch first, and so on. Prints every images/s line.
#   bench/pytorch/rounds.sh [ROUNDS] [ARCHITECTURES]     e.g. bench/pytorch/rounds.sh 6 resnet18
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-4}"
archs="${2:-convnet,resnet18}"
simforge() { ./simforge bench train --architectures "$archs" 2>&1 | grep 'images/s'; }
pytorch() { /usr/bin/python3 bench/pytorch/train_throughput.py --architectures "$archs" --size 64 --threads 2; }
for r in $(seq 1 "$rounds"); do
  echo "== round $r ($(date -u +%H:%M:%S))"
  if [ $((r % 2)) = 1 ]; then simforge; pytorch; else pytorch; simforge; fi
done
